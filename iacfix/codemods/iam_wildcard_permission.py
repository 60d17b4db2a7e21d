"""IAC204 iam-wildcard-permission: an IAM statement granting every action of a service on `*`."""

from __future__ import annotations

import ast
import re

import libcst as cst

from iacfix.codemods import _prescan as prescan
from iacfix.codemods._args import keyword
from iacfix.codemods._aws_rule import AwsRule
from iacfix.codemods._context import FileContext
from iacfix.codemods._imports import dotted
from iacfix.codemods._rule import FixSafety, Severity

_STATEMENTS = {
    "aws_cdk.aws_iam.PolicyStatement": ("actions", "resources", "effect"),
    "cdktf_cdktf_provider_aws.data_aws_iam_policy_document.DataAwsIamPolicyDocumentStatement": (
        "actions", "resources", "effect"),
}
_WILDCARD_ACTION = re.compile(r"\*|[a-z0-9-]+:\*")
_WILDCARD_ACTION_TEXT = re.compile(r"""["'][a-z0-9-]+:\*["']""")


class IamWildcardPermission(AwsRule):
    """IAM statements that allow all actions (or all of a service's actions) on all resources.

    ## What it does
    Reports `Allow` statements whose action is `"*"` or `"service:*"` and whose resource is
    `"*"`: JSON policy dicts (`{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}`), CDK
    `iam.PolicyStatement(actions=[...], resources=["*"])` and CDKTF
    `DataAwsIamPolicyDocumentStatement(...)`. It does not rewrite them.

    ## Why it matters
    Such a statement makes the role an administrator of the service (or of the account, for
    `"*"`): any bug or compromise of the function reaches every table, bucket or key. It is the
    first thing a security review rejects; the failure analyses rate it High.

    ## Example
    ```python
    from aws_cdk import aws_iam as iam

    statement = iam.PolicyStatement(actions=["dynamodb:*"], resources=["*"])
    ```

    ## After the fix
    ```python
    from aws_cdk import aws_iam as iam

    statement = iam.PolicyStatement(actions=["dynamodb:*"], resources=["*"])
    ```
    (Unchanged: name the actions the code calls, e.g. `dynamodb:GetItem`, and the table's ARN
    and its `/index/*`; only the author knows them.)

    ## Example
    ```python
    from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import DataAwsIamPolicyDocumentStatement

    statement = DataAwsIamPolicyDocumentStatement(actions=["s3:*"], resources=["*"])
    ```

    ## After the fix
    ```python
    from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import DataAwsIamPolicyDocumentStatement

    statement = DataAwsIamPolicyDocumentStatement(actions=["s3:*"], resources=["*"])
    ```
    (Unchanged: name the actions, e.g. `s3:GetObject`, and the bucket's ARN and `/*`.)

    ## Fix safety
    None, report only: which actions and resources the code needs cannot be read from the stack.
    `Deny` statements are not reported. Actions such as `s3:Get*` are not reported either.

    ## References
    https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege
    """

    CODE = "IAC204"
    NAME = "iam-wildcard-permission"
    SUMMARY = "IAM statement allows `*` or `service:*` actions on every resource"
    SEVERITY = Severity.HIGH
    FIX_SAFETY = FixSafety.NONE
    TRIGGERS = re.compile(r"""["']\*["']""")

    @classmethod
    def wants(cls, text: str, context: FileContext) -> bool:
        # A finding needs a wildcard action besides the `"*"` resource: a second `"*"`, or `"s3:*"`.
        stars = cls.TRIGGERS.findall(text, 0)
        if not (len(stars) >= 2 or (len(stars) == 1 and _WILDCARD_ACTION_TEXT.search(text) is not None)):
            return False
        # `ast` look: a statement (dict or call) with both, the wildcard action and the `"*"` resource.
        dicts, calls = prescan.of_type(text, ast.Dict), prescan.of_type(text, ast.Call)
        if dicts is None or calls is None:
            return True
        for node in dicts:
            fields = {key.value: value for key, value in zip(node.keys, node.values) if isinstance(key, ast.Constant)}
            if "Action" in fields and "Resource" in fields and _ast_wild(fields["Action"], fields["Resource"]):
                return True
        for call in calls:
            given = {argument.arg: argument.value for argument in call.keywords}
            if "actions" in given and "resources" in given and _ast_wild(given["actions"], given["resources"]):
                return True
        return False
    REFERENCE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege"
    NAMES = {**_STATEMENTS, "aws_cdk.aws_iam.Effect": ("DENY",)}

    def leave_Dict(self, original_node: cst.Dict, updated_node: cst.Dict) -> cst.BaseExpression:
        fields = {_text(e.key): e.value for e in original_node.elements if isinstance(e, cst.DictElement)}
        if "Action" in fields and "Resource" in fields and _text(fields.get("Effect")) != "Deny":
            self._check(original_node, fields["Action"], fields["Resource"])
        return updated_node

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        names = _STATEMENTS.get(self.target(original_node) or "")
        if names is None:
            return updated_node
        actions, resources, effect = (keyword(original_node, name) for name in names)
        if actions is None or resources is None:
            return updated_node
        if effect is not None and (_text(effect.value) == "Deny" or (dotted(effect.value) or "").endswith(".DENY")):
            return updated_node
        self._check(original_node, actions.value, resources.value)
        return updated_node

    def _check(self, node: cst.CSTNode, actions: cst.BaseExpression, resources: cst.BaseExpression) -> None:
        wild = [a for a in _texts(actions) if _WILDCARD_ACTION.fullmatch(a)]
        if wild and "*" in _texts(resources):
            shown = ", ".join(f"`{a}`" for a in wild)
            self.report(node, f"IAM statement allows {shown} on every resource (`*`); grant the actions and "
                              "resources the code needs", fixable=False)


def _ast_wild(actions: ast.expr, resources: ast.expr) -> bool:
    """`_check` on `ast` values: a wildcard action, and `"*"` among the resources."""
    return any(_WILDCARD_ACTION.fullmatch(a) for a in _ast_texts(actions)) and "*" in _ast_texts(resources)


def _ast_texts(node: ast.expr) -> list[str]:
    values = node.elts if isinstance(node, (ast.List, ast.Tuple)) else [node]
    return [v.value for v in values if isinstance(v, ast.Constant) and isinstance(v.value, str)]


def _text(node: cst.BaseExpression | None) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _texts(node: cst.BaseExpression) -> list[str]:
    if isinstance(node, (cst.List, cst.Tuple)):
        return [t for e in node.elements if (t := _text(e.value)) is not None]
    text = _text(node)
    return [text] if text is not None else []
