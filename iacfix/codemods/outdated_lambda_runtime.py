"""IAC503 outdated-lambda-runtime: a Lambda on a Python runtime past (or near) end of support."""

from __future__ import annotations

import re
from typing import Any, Mapping

import libcst as cst

from iacfix.codemods._args import code
from iacfix.codemods._aws_rule import AwsRule
from iacfix.codemods._rule import FixSafety, Severity

_RUNTIME = "aws_cdk.aws_lambda.Runtime"
# Python members of aws_cdk.aws_lambda.Runtime in aws-cdk-lib 2.275.0 (the targets a user may
# choose) and the outdated ones this rule replaces.
PYTHON_MEMBERS = ("PYTHON_3_10", "PYTHON_3_11", "PYTHON_3_12", "PYTHON_3_13", "PYTHON_3_14")
_OUTDATED = re.compile(r"python3\.[6-9]")
_OUTDATED_MEMBER = re.compile(r"PYTHON_3_[6-9]")
_KEYWORDS = frozenset({"runtime", "compatible_runtimes"})


class OutdatedLambdaRuntime(AwsRule):
    """Lambda functions and layers on Python 3.6 to 3.9.

    ## What it does
    Replaces the runtime `python3.6` ... `python3.9` by the rule option `target` (default
    `python3.12`): the string given as `runtime=` or in `compatible_runtimes=[...]` (CDKTF
    `LambdaFunction`, `LambdaLayerVersion`, CDK `CfnFunction`), and CDK's
    `lambda_.Runtime.PYTHON_3_9` members (`Runtime.PYTHON_3_12`).

    ## Why it matters
    AWS Lambda ends support for a Python version after its upstream end of life: no security
    patches, then no new functions, then no updates to existing ones. Python 3.9 reached that
    point in December 2025 (3.8 in 2024). The failure analyses rate it Medium.

    ## Example
    ```python
    from aws_cdk import aws_lambda as lambda_

    runtime = lambda_.Runtime.PYTHON_3_9
    ```

    ## After the fix
    ```python
    from aws_cdk import aws_lambda as lambda_

    runtime = lambda_.Runtime.PYTHON_3_12
    ```

    ## Example
    ```python
    from cdktf_cdktf_provider_aws.lambda_function import LambdaFunction

    LambdaFunction(self, "fn", function_name="processor", role=role_arn, handler="index.handler", runtime="python3.9")
    ```

    ## After the fix
    ```python
    from cdktf_cdktf_provider_aws.lambda_function import LambdaFunction

    LambdaFunction(self, "fn", function_name="processor", role=role_arn, handler="index.handler", runtime="python3.12")
    ```

    ## Fix safety
    Safe for the handlers these stacks deploy, with one caveat to check: Python 3.12 removed
    `distutils`, `imp` and `asynchat`/`asyncore`, so a handler importing those needs a change
    too. Choose another target with the rule option `target` (`python3.10` ... `python3.14`).

    ## References
    https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html#runtimes-deprecated
    """

    CODE = "IAC503"
    NAME = "outdated-lambda-runtime"
    SUMMARY = "Lambda on a Python runtime at or past end of support (3.6-3.9)"
    SEVERITY = Severity.MEDIUM
    FIX_SAFETY = FixSafety.SAFE
    TRIGGERS = re.compile(r"python3\.[6-9]\b|PYTHON_3_[6-9]\b")
    REFERENCE = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html#runtimes-deprecated"
    NAMES = {
        _RUNTIME: PYTHON_MEMBERS + ("PYTHON_3_6", "PYTHON_3_7", "PYTHON_3_8", "PYTHON_3_9"),
        "aws_cdk.aws_lambda.CfnFunction": ("runtime",),
        "cdktf_cdktf_provider_aws.lambda_function.LambdaFunction": ("runtime",),
        "cdktf_cdktf_provider_aws.lambda_layer_version.LambdaLayerVersion": ("compatible_runtimes",),
    }

    @classmethod
    def options(cls) -> Mapping[str, Any]:
        return {"target": "python3.12"}

    def visit_Module(self, node: cst.Module) -> None:
        super().visit_Module(node)
        self._in_runtime: list[cst.Arg] = []

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None and node.keyword.value in _KEYWORDS:
            self._in_runtime.append(node)

    def leave_Arg(self, original_node: cst.Arg, updated_node: cst.Arg) -> cst.Arg:
        if self._in_runtime and self._in_runtime[-1] is original_node:
            self._in_runtime.pop()
        return updated_node

    def leave_SimpleString(self, original_node: cst.SimpleString,
                           updated_node: cst.SimpleString) -> cst.BaseExpression:
        if not self._in_runtime or self.library is None:
            return updated_node
        runtime = self._in_runtime[-1]
        if original_node is not runtime.value and not _is_element_of(original_node, runtime.value):
            return updated_node
        value = original_node.evaluated_value
        if not isinstance(value, str) or not _OUTDATED.fullmatch(value):
            return updated_node
        target = self._target()
        if not self.report(original_node, f"Lambda runtime `{value}` is at or past end of support; use `{target}`"):
            return updated_node
        return updated_node.with_changes(value=f"{updated_node.quote}{target}{updated_node.quote}")

    def leave_List(self, original_node: cst.List, updated_node: cst.List) -> cst.BaseExpression:
        # `["python3.8", "python3.9"]` became `["python3.12", "python3.12"]`: keep one of each.
        if not self._in_runtime or original_node is not self._in_runtime[-1].value:
            return updated_node
        seen: set[str] = set()
        kept = []
        for before, after in zip(original_node.elements, updated_node.elements):
            value = code(after.value)
            if value in seen and value != code(before.value):
                continue
            seen.add(value)
            kept.append(after)
        if len(kept) == len(updated_node.elements):
            return updated_node
        kept[-1] = kept[-1].with_changes(comma=updated_node.elements[-1].comma)
        return updated_node.with_changes(elements=kept)

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
        member = original_node.attr.value
        if not _OUTDATED_MEMBER.fullmatch(member) or self.imports.resolve(original_node.value) != _RUNTIME:
            return updated_node
        target = self._target()
        version = member[len("PYTHON_"):].replace("_", ".")
        if not self.report(original_node, f"Lambda runtime Python {version} is at or past end of support; "
                                          f"use `Runtime.{_member(target)}`"):
            return updated_node
        return updated_node.with_changes(attr=cst.Name(_member(target)))

    @classmethod
    def check_option(cls, key: str, value: Any) -> str | None:
        if key == "target" and (not isinstance(value, str) or _member(value) not in PYTHON_MEMBERS):
            runtimes = ", ".join("python" + m[7:].replace("_", ".") for m in PYTHON_MEMBERS)
            return f"{value!r} is not a supported Python runtime ({runtimes})"
        return None

    def _target(self) -> str:
        target = self.option("target")
        problem = self.check_option("target", target)
        if problem is not None:
            raise ValueError(f"option `target`: {problem}")
        return str(target)


def _member(runtime: str) -> str:
    """`PYTHON_3_12` for `python3.12`."""
    return runtime.upper().replace("PYTHON", "PYTHON_").replace(".", "_")


def _is_element_of(node: cst.CSTNode, container: cst.BaseExpression) -> bool:
    return isinstance(container, (cst.List, cst.Tuple)) and any(e.value is node for e in container.elements)
