"""IAC203 bucket-name-without-account: an S3 bucket name that other accounts may already own."""

from __future__ import annotations

import ast
import re

import libcst as cst

from iacfix.codemods import _prescan as prescan
from iacfix.codemods._args import code, keyword, within_line
from iacfix.codemods._aws_rule import AwsRule
from iacfix.codemods._context import FileContext
from iacfix.codemods._imports import CDK
from iacfix.codemods._rule import FixSafety, Severity
from iacfix.codemods._stackrefs import CALLER_IDENTITY, CDK_NAMES, CDKTF_NAMES, Ref, cdk_ref, cdktf_ref
from iacfix.codemods._string_fields import fit, flatten, splice

# Bucket classes and the parameter holding the bucket's name.
_BUCKETS = {"aws_cdk.aws_s3.Bucket": "bucket_name", "cdktf_cdktf_provider_aws.s3_bucket.S3Bucket": "bucket"}
_MAX_LENGTH = 63
_ACCOUNT_DIGITS = re.compile(r"(?<!\d)\d{12}(?!\d)")
_ACCOUNT_TEXT = re.compile(r"account|AccountId", re.IGNORECASE)


class BucketNameWithoutAccount(AwsRule):
    """S3 bucket names that do not include the account.

    ## What it does
    Appends `-<account>` to a bucket name given as a string literal or an f-string that holds
    no account yet: CDK `s3.Bucket(bucket_name=...)` gets `-{self.account}` in a `Stack`
    (`Stack.of(self).account` in another construct); CDKTF `S3Bucket(bucket=...)` gets the
    account id of the stack's `DataAwsCallerIdentity` (reused or added as for IAC201).

    ## Why it matters
    Bucket names are global across all AWS accounts: a name like `payment-logs-dev` is likely
    taken, or will be by the next deployment of the same answer in another account, and the
    deployment fails with "BucketAlreadyExists". The failure analyses rate it High.

    ## Example
    ```python
    from aws_cdk import Stack
    from aws_cdk import aws_s3 as s3


    class TapStack(Stack):
        def __init__(self, scope, construct_id, suffix):
            super().__init__(scope, construct_id)
            s3.Bucket(self, "Audit", bucket_name=f"payment-audit-logs-{suffix}")
    ```

    ## After the fix
    ```python
    from aws_cdk import Stack
    from aws_cdk import aws_s3 as s3


    class TapStack(Stack):
        def __init__(self, scope, construct_id, suffix):
            super().__init__(scope, construct_id)
            s3.Bucket(self, "Audit", bucket_name=f"payment-audit-logs-{suffix}-{self.account}")
    ```

    ## Example
    ```python
    from cdktf import TerraformStack
    from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket


    class TapStack(TerraformStack):
        def __init__(self, scope, construct_id, suffix):
            super().__init__(scope, construct_id)
            S3Bucket(self, "audit", bucket=f"payment-audit-logs-{suffix}")
    ```

    ## After the fix
    ```python
    from cdktf import TerraformStack
    from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
    from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity


    class TapStack(TerraformStack):
        def __init__(self, scope, construct_id, suffix):
            super().__init__(scope, construct_id)
            caller_identity = DataAwsCallerIdentity(self, "current")
            S3Bucket(self, "audit", bucket=f"payment-audit-logs-{suffix}-{caller_identity.account_id}")
    ```

    ## Fix safety
    Safe for stacks not yet deployed, which is what QA fixes: on a deployed stack a new name
    replaces the bucket. A name that already mentions an account (a field naming `account`, a
    12-digit number), one that would grow past 63 characters, and names built any other way are
    left alone.

    ## References
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
    """

    CODE = "IAC203"
    NAME = "bucket-name-without-account"
    SUMMARY = "S3 bucket name without the account: names are global"
    SEVERITY = Severity.HIGH
    FIX_SAFETY = FixSafety.SAFE
    TRIGGERS = re.compile(r"bucket_name\s*=|S3Bucket\(")
    REFERENCE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html"

    @classmethod
    def wants(cls, text: str, context: FileContext) -> bool:
        # `ast` look: a bucket given a string name with no field that names the account.
        if cls.TRIGGERS.search(text) is None:
            return False
        calls = prescan.calls_of(text, _PARAMETERS)
        return calls is None or any(_may_lack_account(argument.value) for name, call in calls
                                    for argument in call.keywords if argument.arg == _PARAMETERS[name])

    NAMES = {
        **CDK_NAMES,
        **CDKTF_NAMES,
        "aws_cdk.aws_s3.Bucket": ("bucket_name",),
        "cdktf_cdktf_provider_aws.s3_bucket.S3Bucket": ("bucket",),
    }

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        parameter = _BUCKETS.get(self.target(original_node) or "")
        if parameter is None:
            return updated_node
        original_arg, updated_arg = keyword(original_node, parameter), keyword(updated_node, parameter)
        if original_arg is None or updated_arg is None:
            return updated_node
        flat = flatten(updated_arg.value)
        if flat is None or _has_account(flat.literal_text, [code(f) for f in flat.fields]):
            return updated_node
        problem = "S3 bucket name does not include the account, and bucket names are global"
        if len(flat.literal_text) + 13 > _MAX_LENGTH:
            self.report(original_node, f"{problem} (not auto-fixable: the name would pass {_MAX_LENGTH} characters)",
                        fixable=False)
            return updated_node
        where = self.where()
        ref: Ref | None
        if self.library == CDK:
            ref = cdk_ref(self.imports, where, "account")
        else:
            ref = cdktf_ref(self.context, self.imports, where, CALLER_IDENTITY)
        if ref is None:
            self.report(original_node, f"{problem} (not auto-fixable: no stack account in reach here)", fixable=False)
            return updated_node
        if not self.report(original_node, f"{problem}; append the account"):
            return updated_node
        self.need(ref, where)
        name = splice(flat, [(len(flat.flat), len(flat.flat), ref.code, "-")])
        value = fit(name, original_arg.value, self.context.text, self.context.line_length)
        new = updated_node.with_changes(args=[
            arg.with_changes(value=value) if arg is updated_arg else arg for arg in updated_node.args
        ])
        return within_line(new, original_node, source=self.context.text, line_length=self.context.line_length)


_PARAMETERS = {target.rpartition(".")[2]: parameter for target, parameter in _BUCKETS.items()}


def _may_lack_account(value: ast.expr) -> bool:
    """Could `flatten` + `_has_account` take this `ast` value for a name without the account? A
    string (its text is judged in the pass: escapes), or an f-string no field of which reads a
    name that `_ACCOUNT_TEXT` matches in the field's code."""
    fields = prescan.text_fields(value)
    if fields is None:
        return False
    for field in fields:
        for node in ast.walk(field):
            name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
            if name.isascii() and _ACCOUNT_TEXT.search(name):
                return False
    return True


def _has_account(literal: str, fields: list[str]) -> bool:
    return bool(_ACCOUNT_DIGITS.search(literal) or "AWS::AccountId" in literal
                or any(_ACCOUNT_TEXT.search(field) for field in fields))
