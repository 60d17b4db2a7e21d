"""IAC404 removal-policy-retain: a resource the stack leaves behind when it is destroyed."""

from __future__ import annotations

import ast
import re

import libcst as cst

from iacfix.codemods import _prescan as prescan
from iacfix.codemods._args import has_star_args, keyword
from iacfix.codemods._aws_rule import AwsRule
from iacfix.codemods._context import FileContext
from iacfix.codemods._rule import FixSafety, Severity

_REMOVAL_POLICIES = frozenset({"aws_cdk.RemovalPolicy", "aws_cdk.core.RemovalPolicy"})
_RETAINING = frozenset({"RETAIN", "RETAIN_ON_UPDATE_OR_DELETE"})


def _retains(call: ast.Call) -> bool:
    """Could `visit_Call` take a retaining policy from this `ast` call? Any argument of
    `apply_removal_policy` (libcst's first argument may be a keyword one) or `removal_policy=`."""
    if isinstance(call.func, ast.Attribute) and call.func.attr == "apply_removal_policy":
        values = [a.value if isinstance(a, ast.Starred) else a for a in call.args] + [k.value for k in call.keywords]
    else:
        values = [k.value for k in call.keywords if k.arg == "removal_policy"]
    return any(isinstance(value, ast.Attribute) and value.attr in _RETAINING for value in values)
_BUCKET = "aws_cdk.aws_s3.Bucket"


class RemovalPolicyRetain(AwsRule):
    """Resources kept when their stack is destroyed (`RemovalPolicy.RETAIN`).

    ## What it does
    Replaces `RemovalPolicy.RETAIN` (and `RETAIN_ON_UPDATE_OR_DELETE`) given as `removal_policy=`
    or to `apply_removal_policy(...)` by `RemovalPolicy.DESTROY`, in every import form
    (`RemovalPolicy.RETAIN`, `cdk.RemovalPolicy.RETAIN`). An `s3.Bucket` whose policy it changes
    also gets `auto_delete_objects=True`, since CloudFormation cannot delete a bucket that still
    holds objects.

    ## Why it matters
    The QA pipeline deploys every answer to a test account and destroys it afterwards. Retained
    tables, buckets and keys outlive the stack, pile up (and cost money) and make the next deploy
    of the same names fail with "already exists". The failure analyses rate it Medium.

    ## Example
    ```python
    from aws_cdk import RemovalPolicy
    from aws_cdk import aws_s3 as s3

    bucket = s3.Bucket(self, "Reports", versioned=True, removal_policy=RemovalPolicy.RETAIN)
    ```

    ## After the fix
    ```python
    from aws_cdk import RemovalPolicy
    from aws_cdk import aws_s3 as s3

    bucket = s3.Bucket(self, "Reports", versioned=True, removal_policy=RemovalPolicy.DESTROY, auto_delete_objects=True)
    ```

    ## Fix safety
    Marked safe because the fix does what test stacks need, but it changes what `cdk destroy`
    does: the resource and its data are deleted with the stack. Production stacks that must keep
    their data run iacfix with `--ignore IAC404` (or `# iacfix: ignore[IAC404]` on the line).
    A policy chosen by a condition (`RETAIN if prod else DESTROY`) or held in a variable is left
    alone, and so is `auto_delete_objects` when it is set.

    ## References
    https://docs.aws.amazon.com/cdk/v2/guide/resources.html#resources_removal
    """

    CODE = "IAC404"
    NAME = "removal-policy-retain"
    SUMMARY = "RemovalPolicy.RETAIN: the resource outlives a destroyed test stack"
    SEVERITY = Severity.MEDIUM
    FIX_SAFETY = FixSafety.SAFE
    TRIGGERS = re.compile(r"RemovalPolicy\.RETAIN")
    REFERENCE = "https://docs.aws.amazon.com/cdk/v2/guide/resources.html#resources_removal"

    @classmethod
    def wants(cls, text: str, context: FileContext) -> bool:
        # `ast` look: a retaining policy given as `removal_policy=` or to `apply_removal_policy`
        # (most files that name it only mention it, or set it on a condition).
        if cls.TRIGGERS.search(text) is None:
            return False
        calls = prescan.of_type(text, ast.Call)
        return calls is None or any(_retains(call) for call in calls)

    NAMES = {
        "aws_cdk.RemovalPolicy": ("DESTROY", "RETAIN", "RETAIN_ON_UPDATE_OR_DELETE"),
        _BUCKET: ("removal_policy", "auto_delete_objects"),
        "aws_cdk.Resource": ("apply_removal_policy",),
    }

    def visit_Module(self, node: cst.Module) -> None:
        super().visit_Module(node)
        self._policy_values: set[int] = set()  # ids of expressions given as a removal policy
        self._buckets: list[tuple[cst.Call, bool]] = []  # enclosing calls: (call, is an s3.Bucket)
        self._emptied: set[int] = set()  # buckets whose policy became DESTROY

    def visit_Call(self, node: cst.Call) -> None:
        self._buckets.append((node, self.target(node) == _BUCKET))
        arg = keyword(node, "removal_policy")
        if arg is not None:
            self._policy_values.add(id(arg.value))
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "apply_removal_policy" and node.args:
            self._policy_values.add(id(node.args[0].value))

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
        if id(original_node) not in self._policy_values or original_node.attr.value not in _RETAINING:
            return updated_node
        if self.imports.resolve(original_node.value) not in _REMOVAL_POLICIES:
            return updated_node
        if not self.report(original_node, f"`RemovalPolicy.{original_node.attr.value}` leaves the resource behind "
                                          "when the stack is destroyed; test stacks must be destroyable"):
            return updated_node
        call, is_bucket = self._buckets[-1]
        if is_bucket and keyword(call, "removal_policy") is not None:
            self._emptied.add(id(call))
        return updated_node.with_changes(attr=cst.Name("DESTROY"))

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        self._buckets.pop()
        if id(original_node) not in self._emptied:
            return updated_node
        if keyword(original_node, "auto_delete_objects") is not None or has_star_args(original_node):
            return updated_node
        return self.add_keywords(original_node, updated_node, [("auto_delete_objects", cst.Name("True"))])
