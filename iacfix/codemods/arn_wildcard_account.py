'''IAC201 arn-wildcard-account: an ARN with `*` as the account.'''

from __future__ import annotations

import re

import libcst as cst

from iacfix.codemods._args import code, keyword, within_line
from iacfix.codemods._aws_rule import AwsRule
from iacfix.codemods._imports import CDK, CDKTF, dotted
from iacfix.codemods._rule import FixSafety, Severity
from iacfix.codemods._stackrefs import (
    CALLER_IDENTITY,
    CDK_NAMES,
    CDKTF_NAMES,
    REGION,
    Ref,
    Where,
    boto3_account,
    cdk_ref,
    cdktf_ref,
    region_of_provider,
)
from iacfix.codemods._string_fields import FIELD, fit, flatten, splice

# arn:partition:service:region:account: -- the region literal, empty, `*` or a `{field}`.
_ARN = re.compile(r"arn:(?:aws[a-z-]*|\0):(?:[a-z0-9-]+|\0):(?P<region>[a-z0-9-]*|\*|\0):(?P<account>\*):")
_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d")
# Keys whose values may name other accounts on purpose.
_CONDITION_KEYS = frozenset({"Condition", "conditions", "condition"})


class ArnWildcardAccount(AwsRule):
    """ARNs that match the resource in every AWS account.

    ## What it does
    Finds string literals and f-strings holding an ARN whose account field is `*`
    (`arn:aws:logs:us-east-1:*:log-group:...`) and puts the stack's account there: in CDK
    `self.account` in a `Stack` (`Stack.of(self).account` in another construct); in CDKTF the
    `account_id` of the stack's `DataAwsCallerIdentity`, reused when the class has one and
    otherwise added right after `super().__init__(...)` (as `self.caller_identity` when a helper
    method builds the ARN). A hard-coded region in the same ARN becomes the stack's region, a
    second finding with its own fix safety (see below). Plain boto3 code gets the account from
    STS once, in `__init__`.

    ## Why it matters
    `*` as the account grants the permission on same-named resources of every account, against
    least privilege; scanners flag it and the failure analyses rate it High. In CDKTF a policy
    built with `json.dumps` is a string at synth time: the f-string field becomes the token
    `${data.aws_caller_identity.current.account_id}`, which Terraform resolves.

    ## Example
    ```python
    import json

    from cdktf import TerraformStack
    from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy


    class TapStack(TerraformStack):
        def __init__(self, scope, construct_id, role_id):
            super().__init__(scope, construct_id)
            IamRolePolicy(self, "logs", role=role_id, policy=json.dumps({
                "Statement": [{"Effect": "Allow", "Action": "logs:PutLogEvents",
                               "Resource": "arn:aws:logs:*:*:log-group:/aws/lambda/fn:*"}],
            }))
    ```

    ## After the fix
    ```python
    import json

    from cdktf import TerraformStack
    from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
    from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity


    class TapStack(TerraformStack):
        def __init__(self, scope, construct_id, role_id):
            super().__init__(scope, construct_id)
            caller_identity = DataAwsCallerIdentity(self, "current")
            IamRolePolicy(self, "logs", role=role_id, policy=json.dumps({
                "Statement": [{"Effect": "Allow", "Action": "logs:PutLogEvents",
                               "Resource": f"arn:aws:logs:*:{caller_identity.account_id}:log-group:/aws/lambda/fn:*"}],
            }))
    ```

    ## Example
    ```python
    from aws_cdk import Stack
    from aws_cdk import aws_iam as iam


    class TapStack(Stack):
        def _logs_statement(self, name: str) -> iam.PolicyStatement:
            return iam.PolicyStatement(
                actions=["logs:PutLogEvents"],
                resources=[f"arn:aws:logs:*:*:log-group:/aws/lambda/{name}:*"],
            )
    ```

    ## After the fix
    ```python
    from aws_cdk import Stack
    from aws_cdk import aws_iam as iam


    class TapStack(Stack):
        def _logs_statement(self, name: str) -> iam.PolicyStatement:
            return iam.PolicyStatement(
                actions=["logs:PutLogEvents"],
                resources=[f"arn:aws:logs:*:{self.account}:log-group:/aws/lambda/{name}:*"],
            )
    ```

    ## Fix safety
    The account fix is safe: the ARN then names the resources of the account the stack deploys
    to, which is what the policy is for. Only the account field equal to `*` is touched: S3 ARNs
    (`arn:aws:s3:::bucket/*`, no account), `*` elsewhere in the ARN, ARNs under a `Condition` and
    ARNs in a `Deny` statement stay as written (a Deny over every account is the stricter policy,
    and an organization's SCP must name every member account). The region fix is safe in CDKTF when the file's only AWS provider has that
    region or a region variable (the variable, or `DataAwsRegion(...).region`, replaces the
    literal) and unsafe otherwise, including every CDK stack, whose region is set in the app:
    a stack that deliberately points at another region's resource keeps it with
    `# iacfix: ignore[IAC201]` or by not passing `--unsafe-fixes`. With several providers, or a
    provider in another region, the region is left alone. In boto3 code the fix adds an STS call
    to `__init__`, so it is unsafe, except for an ARN passed straight to an API parameter
    (`ResourceArn=...`): the API rejects `*` as the account, so the code cannot work as written.

    ## Known limits
    An ARN in a multi-line string, outside any class method (CDKTF) or outside a construct (CDK)
    is reported, not fixed. A helper method that `__init__` calls before an existing
    `DataAwsCallerIdentity` is assigned is reported, not fixed.

    ## References
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
    """

    CODE = "IAC201"
    NAME = "arn-wildcard-account"
    SUMMARY = "ARN with `*` as the account: any account's resource matches"
    SEVERITY = Severity.HIGH
    FIX_SAFETY = FixSafety.SAFE
    TRIGGERS = re.compile(r"arn:[^\"'\s]*:\*:")
    REFERENCE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html"
    NAMES = {
        **CDK_NAMES,
        **CDKTF_NAMES,
        "cdktf_cdktf_provider_aws.provider.AwsProvider": ("region", "alias"),
        "aws_cdk.aws_iam.PolicyStatement": ("effect", "conditions"),
        "aws_cdk.aws_iam.Effect": ("DENY",),
        "cdktf_cdktf_provider_aws.data_aws_iam_policy_document.DataAwsIamPolicyDocumentStatement": ("effect", "condition"),
    }

    def visit_Module(self, node: cst.Module) -> None:
        super().visit_Module(node)
        self._conditions = 0
        self._concatenated = 0
        self._deny: list[cst.CSTNode] = []  # Deny statements being visited
        self._api_arns: set[cst.CSTNode] = set()  # values of `ResourceArn=`-style call arguments
        self._calls: list[cst.Call] = []  # enclosing calls, innermost last
        # single-line calls whose fixed string overflows the line: (fixed string, its wrapped form)
        self._relayout: dict[cst.Call, list[tuple[cst.BaseExpression, cst.BaseExpression]]] = {}

    def visit_Dict(self, node: cst.Dict) -> None:
        if any(isinstance(e, cst.DictElement) and _string(e.key) == "Effect" and _string(e.value) == "Deny"
               for e in node.elements):
            self._deny.append(node)

    def leave_Dict(self, original_node: cst.Dict, updated_node: cst.Dict) -> cst.Dict:
        if self._deny and self._deny[-1] is original_node:
            self._deny.pop()
        return updated_node

    def visit_Call(self, node: cst.Call) -> None:
        self._calls.append(node)
        effect = keyword(node, "effect")
        if effect is not None and (_string(effect.value) == "Deny" or (dotted(effect.value) or "").endswith(".DENY")):
            self._deny.append(node)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if self._deny and self._deny[-1] is original_node:
            self._deny.pop()
        self._calls.pop()
        strings = self._relayout.pop(original_node, None)
        if strings is None:
            return updated_node
        # One argument per line reads better than a string cut in pieces, when every line fits.
        text, length = self.context.text, self.context.line_length
        laid_out = within_line(updated_node, original_node, source=text, line_length=length)
        indent = _indent_of(original_node, text)
        if laid_out is not updated_node and all(len(indent) + len(line) <= length
                                                for line in code(laid_out).splitlines()):
            return laid_out
        for fixed, wrapped in strings:
            updated_node = updated_node.deep_replace(fixed, wrapped)  # type: ignore[assignment]
        return updated_node

    def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> None:
        self._concatenated += 1

    def leave_ConcatenatedString(self, original_node: cst.ConcatenatedString,
                                 updated_node: cst.ConcatenatedString) -> cst.BaseExpression:
        self._concatenated -= 1
        return updated_node

    def visit_DictElement(self, node: cst.DictElement) -> None:
        if isinstance(node.key, cst.SimpleString) and node.key.evaluated_value in _CONDITION_KEYS:
            self._conditions += 1

    def leave_DictElement(self, original_node: cst.DictElement, updated_node: cst.DictElement) -> cst.DictElement:
        if isinstance(original_node.key, cst.SimpleString) and original_node.key.evaluated_value in _CONDITION_KEYS:
            self._conditions -= 1
        return updated_node

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None and node.keyword.value in _CONDITION_KEYS:
            self._conditions += 1
        if node.keyword is not None and node.keyword.value.endswith("Arn"):
            self._api_arns.add(node.value)

    def leave_Arg(self, original_node: cst.Arg, updated_node: cst.Arg) -> cst.Arg:
        if original_node.keyword is not None and original_node.keyword.value in _CONDITION_KEYS:
            self._conditions -= 1
        return updated_node

    def leave_SimpleString(self, original_node: cst.SimpleString,
                           updated_node: cst.SimpleString) -> cst.BaseExpression:
        return self._string(original_node, updated_node)

    def leave_FormattedString(self, original_node: cst.FormattedString,
                              updated_node: cst.FormattedString) -> cst.BaseExpression:
        return self._string(original_node, updated_node)

    def _string(self, original: cst.SimpleString | cst.FormattedString,
                updated: cst.SimpleString | cst.FormattedString) -> cst.BaseExpression:
        if self._conditions or self._deny:
            return updated  # in a condition or a Deny statement, any account may be meant
        flat = flatten(updated)
        if flat is None or "*" not in flat.flat:
            return updated
        matches = list(_ARN.finditer(flat.flat))
        if not matches or self._is_docstring(original):
            return updated
        problem = "ARN uses `*` as the account: it matches that resource in every AWS account"
        where = self.where()
        account = self._account(where)
        if "\n" in flat.flat or account is None:
            reason = "a multi-line string" if account is not None else "no stack account in reach here"
            self.report(original, f"{problem} (not auto-fixable: {reason})", fixable=False)
            return updated
        edits: list[tuple[int, int, str]] = []
        safety = FixSafety.SAFE if original in self._api_arns else self._safety(account)
        if self.report(original, f"{problem}; use the stack's account", fix_safety=safety):
            self.need(account, where)
            edits += [(m.start("account"), m.end("account"), account.code) for m in matches]
        for match in matches:
            edit = self._region(original, match, where)
            if edit is not None:
                edits.append(edit)
        if not edits:
            return updated
        new = splice(flat, edits)
        if self._concatenated:
            return new
        wrapped = fit(new, original, self.context.text, self.context.line_length)
        call = self._calls[-1] if self._calls else None
        if wrapped is new or call is None or "\n" in code(call):
            return wrapped
        self._relayout.setdefault(call, []).append((new, wrapped))
        return new

    def _account(self, where: Where) -> Ref | None:
        if self.library == CDK:
            return cdk_ref(self.imports, where, "account")
        if self.library == CDKTF:
            return cdktf_ref(self.context, self.imports, where, CALLER_IDENTITY)
        return boto3_account(self.context, self.imports, where)

    def _region(self, original: cst.CSTNode, match: re.Match[str], where: Where) -> tuple[int, int, str] | None:
        region = match.group("region")
        if not _REGION.fullmatch(region) or FIELD in region:
            return None
        ref: Ref | None
        if self.library == CDK:
            ref, safe = cdk_ref(self.imports, where, "region"), False
        elif self.library == CDKTF:
            found = region_of_provider(self.imports, self.module, where, region)
            if found is None:
                return None  # several providers, or one in another region: the region may be deliberate
            variable, safe = found
            ref = Ref(variable) if variable else cdktf_ref(self.context, self.imports, where, REGION)
        else:
            return None
        message = f"ARN hard-codes the region `{region}`; use the stack's region"
        if ref is None:
            self.report(original, f"{message} (not auto-fixable: no stack region in reach here)", fixable=False)
            return None
        if not self.report(original, message, fix_safety=FixSafety.SAFE if safe and ref.safe else FixSafety.UNSAFE):
            return None
        self.need(ref, where)
        return match.start("region"), match.end("region"), ref.code

    @staticmethod
    def _safety(ref: Ref) -> FixSafety:
        return FixSafety.SAFE if ref.safe else FixSafety.UNSAFE

    def _is_docstring(self, node: cst.CSTNode) -> bool:
        statement = self.context.statement_stack[-1] if self.context.statement_stack else None
        return (isinstance(statement, cst.SimpleStatementLine) and isinstance(statement.body[0], cst.Expr)
                and statement.body[0].value is node)


def _indent_of(call: cst.Call, source: str) -> str:
    first = code(call).split("\n", 1)[0]
    line = next((line for line in source.splitlines() if first in line), "")
    return line[: len(line) - len(line.lstrip())]


def _string(node: cst.BaseExpression | None) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None
