"""IAC202 bucket-without-public-access-block: an S3 bucket whose public access is not blocked."""

from __future__ import annotations

import keyword as python_keyword
import re

import libcst as cst

from iacfix.codemods import _prescan as prescan
from iacfix.codemods._args import code, has_star_args, keyword, positional
from iacfix.codemods._aws_rule import AwsRule
from iacfix.codemods._context import FileContext
from iacfix.codemods._imports import CDKTF, dotted, reference_or_import
from iacfix.codemods._rule import FixSafety, Severity
from iacfix.codemods._stackrefs import walk

_PROVIDER = "cdktf_cdktf_provider_aws"
_S3_BUCKET = f"{_PROVIDER}.s3_bucket.S3Bucket"
_BLOCK = f"{_PROVIDER}.s3_bucket_public_access_block.S3BucketPublicAccessBlock"
_ACCOUNT_BLOCK = f"{_PROVIDER}.s3_account_public_access_block.S3AccountPublicAccessBlock"
_WEBSITE = f"{_PROVIDER}.s3_bucket_website_configuration.S3BucketWebsiteConfiguration"
_CDK_BUCKET = "aws_cdk.aws_s3.Bucket"
_SETTINGS = ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
# Bucket arguments the block must share: it lives where the bucket lives.
_SHARED = ("provider", "region")


class BucketWithoutPublicAccessBlock(AwsRule):
    """S3 buckets created without blocking public access.

    ## What it does
    CDKTF: after a statement creating an `S3Bucket`, adds an `S3BucketPublicAccessBlock` for it
    with all four settings `True` (and the bucket's `provider=`), unless the file already has one
    for that bucket; a bucket not assigned to a variable is assigned to one first, so the block
    can name it. CDK: adds `block_public_access=s3.BlockPublicAccess.BLOCK_ALL` to `s3.Bucket(...)`.

    ## Why it matters
    Without the block, one bucket policy or ACL is all it takes to publish the bucket's objects;
    cdk-nag (`AwsSolutions-S2`) and checkov (`CKV_AWS_53`..`56`) flag it and the failure analyses
    rate it High.

    ## Example
    ```python
    from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket

    logs = S3Bucket(self, "logs-bucket", bucket="payment-logs")
    ```

    ## After the fix
    ```python
    from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
    from cdktf_cdktf_provider_aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock

    logs = S3Bucket(self, "logs-bucket", bucket="payment-logs")
    S3BucketPublicAccessBlock(
        self,
        "logs-bucket-public-access-block",
        bucket=logs.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
    )
    ```

    ## Example
    ```python
    from aws_cdk import aws_s3 as s3

    bucket = s3.Bucket(self, "Reports", versioned=True)
    ```

    ## After the fix
    ```python
    from aws_cdk import aws_s3 as s3

    bucket = s3.Bucket(self, "Reports", versioned=True, block_public_access=s3.BlockPublicAccess.BLOCK_ALL)
    ```

    ## Fix safety
    Safe: it only forbids making the bucket public. A bucket meant to be public is reported, not
    changed: CDK `public_read_access=True`, a CDKTF bucket with an `S3BucketWebsiteConfiguration`.
    Files with an `S3AccountPublicAccessBlock` are left alone (the account blocks every bucket),
    and so is every CDKTF bucket of a file with a block whose bucket is not a plain `x.id`
    (it may be this one).

    ## Known limits
    A block for the bucket in another file is not seen. A bucket created inside a larger
    expression (a list, a call argument) is reported, not fixed.

    ## References
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
    """

    CODE = "IAC202"
    NAME = "bucket-without-public-access-block"
    SUMMARY = "S3 bucket without a public access block"
    SEVERITY = Severity.HIGH
    FIX_SAFETY = FixSafety.SAFE
    TRIGGERS = re.compile(r"S3Bucket\b|\bBucket\(")
    REFERENCE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html"

    @classmethod
    def wants(cls, text: str, context: FileContext) -> bool:
        # `ast` look: a CDKTF `S3Bucket`, or a CDK `Bucket` that does not set `block_public_access`.
        if cls.TRIGGERS.search(text) is None:
            return False
        calls = prescan.calls_of(text, ("Bucket", "S3Bucket"))
        return calls is None or any(
            name == "S3Bucket" or not ({"block_public_access", None} & prescan.keywords(call) or prescan.starred(call))
            for name, call in calls)

    NAMES = {
        _S3_BUCKET: ("id", "provider", "region"),
        _BLOCK: ("bucket", *_SETTINGS, "provider", "region"),
        _ACCOUNT_BLOCK: (),
        _WEBSITE: ("bucket",),
        _CDK_BUCKET: ("block_public_access", "public_read_access"),
        "aws_cdk.aws_s3.BlockPublicAccess": ("BLOCK_ALL",),
    }

    def visit_Module(self, node: cst.Module) -> None:
        super().visit_Module(node)
        self._blocked: set[str] | None = set()  # buckets a block names; None: cannot tell
        self._websites: set[str] = set()
        self._after: dict[cst.SimpleStatementLine, tuple[str, cst.BaseStatement]] = {}
        if self.library == CDKTF and "S3Bucket" in self.context.text:
            self._scan(node)

    def _scan(self, module: cst.Module) -> None:
        for call in _calls(module):
            target = self.target(call)
            if target == _ACCOUNT_BLOCK:
                self._blocked = None
                return
            if target in (_BLOCK, _WEBSITE):
                arg = keyword(call, "bucket")
                base = _bucket_base(arg.value) if arg is not None else None
                if target == _WEBSITE:
                    self._websites.add(base or "")
                elif base is None:
                    self._blocked = None
                    return
                else:
                    self._blocked.add(base)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        target = self.target(original_node)
        if target == _CDK_BUCKET:
            return self._cdk(original_node, updated_node)
        if target == _S3_BUCKET and self._blocked is not None:
            self._cdktf(original_node)
        return updated_node

    def _cdk(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        if keyword(original, "block_public_access") is not None or has_star_args(original):
            return updated
        problem = "S3 bucket does not block public access"
        public = keyword(original, "public_read_access")
        if public is not None and not (isinstance(public.value, cst.Name) and public.value.value == "False"):
            self.report(original, f"{problem} (not auto-fixable: it sets `public_read_access`)", fixable=False)
            return updated
        if not self.report(original, f"{problem}; block it with `BlockPublicAccess.BLOCK_ALL`"):
            return updated
        if isinstance(original.func, cst.Attribute):
            prefix = code(original.func.value) + ".BlockPublicAccess"
        else:
            prefix, needed = reference_or_import(self.imports, "aws_cdk.aws_s3.BlockPublicAccess")
            if needed is not None:
                self.need_imports((needed,))
        return self.add_keywords(original, updated, [("block_public_access",
                                                      cst.parse_expression(f"{prefix}.BLOCK_ALL"))])

    def _cdktf(self, call: cst.Call) -> None:
        problem = "S3 bucket has no public access block"
        statement = self.context.statement_stack[-1] if self.context.statement_stack else None
        shape = _shape(statement, call)
        if shape is not None and shape[1] in self._websites:
            self.report(call, f"{problem} (not auto-fixable: it hosts a website)", fixable=False)
            return
        if shape is not None and shape[1] in self._blocked:  # type: ignore[operator]
            return
        block = self._block_for(call, statement, shape)
        if isinstance(block, str):
            self.report(call, f"{problem} (not auto-fixable: {block})", fixable=False)
            return
        if self.report(call, f"{problem}; add an `S3BucketPublicAccessBlock` with all four settings on"):
            assert isinstance(statement, cst.SimpleStatementLine)
            self._after[statement] = block

    def _block_for(self, call: cst.Call, statement: cst.CSTNode | None,
                   shape: tuple[str, str] | None) -> tuple[str, cst.BaseStatement] | str:
        if shape is None:
            return "it is created inside a larger expression"
        if keyword(call, "count") is not None or keyword(call, "for_each") is not None or has_star_args(call):
            return "it uses `count`, `for_each` or `**kwargs`"
        scope, construct_id = positional(call, 0), positional(call, 1)
        if scope is None or construct_id is None:
            return "its scope and id are not plain arguments"
        block_id = _block_id(construct_id.value)
        if block_id is None:
            return "its construct id is not a string or a name"
        variable = shape[1]
        if shape[0] != "assigned":
            variable = _variable_for(construct_id.value, self.module.code_for_node(self._function_or_module()))
            if variable is None:
                return "no free variable name to give it"
        class_code, needed = reference_or_import(self.imports, _BLOCK)
        if needed is not None and not self.imports.free(needed[1]):
            return f"`{needed[1]}` means something else in this file"
        self.need_imports((needed,) if needed else ())
        shared = "".join(f"    {name}={code(arg.value)},\n" for name in _SHARED if (arg := keyword(call, name)))
        settings = "".join(f"    {name}=True,\n" for name in _SETTINGS)
        block = (f"{class_code}(\n    {code(scope.value)},\n    {block_id},\n    bucket={variable}.id,\n"
                 f"{settings}{shared})\n")
        return variable, cst.parse_statement(block)

    def _function_or_module(self) -> cst.CSTNode:
        functions = [s for s in self.context.statement_stack if isinstance(s, cst.FunctionDef)]
        return functions[-1] if functions else self.module

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine,
                                  updated_node: cst.SimpleStatementLine) -> cst.BaseStatement | cst.FlattenSentinel:
        planned = self._after.pop(original_node, None)
        if planned is None:
            return updated_node
        variable, block = planned
        small = updated_node.body[0]
        if isinstance(small, cst.Expr):
            updated_node = updated_node.with_changes(body=[cst.Assign(
                targets=[cst.AssignTarget(cst.Name(variable))], value=small.value)])
        elif isinstance(small, cst.Return):
            assert small.value is not None
            assigned = updated_node.with_changes(body=[cst.Assign(
                targets=[cst.AssignTarget(cst.Name(variable))], value=small.value)])
            back = cst.SimpleStatementLine(body=[small.with_changes(value=cst.Name(variable))])
            return cst.FlattenSentinel([assigned, block, back])
        return cst.FlattenSentinel([updated_node, block])


def _shape(statement: cst.CSTNode | None, call: cst.Call) -> tuple[str, str] | None:
    """("assigned", target code) for `x = S3Bucket(...)`; ("expression" | "return", "") for
    `S3Bucket(...)` and `return S3Bucket(...)`; None for any other place."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    small = statement.body[0]
    if isinstance(small, cst.Assign) and small.value is call and len(small.targets) == 1:
        target = dotted(small.targets[0].target)
        return ("assigned", target) if target is not None else None
    if isinstance(small, cst.AnnAssign) and small.value is call:
        target = dotted(small.target)
        return ("assigned", target) if target is not None else None
    if isinstance(small, cst.Expr) and small.value is call:
        return "expression", ""
    if isinstance(small, cst.Return) and small.value is call:
        return "return", ""
    return None


def _bucket_base(value: cst.BaseExpression) -> str | None:
    """`bucket` for `bucket.id` / `bucket.bucket`, `self.logs` for `self.logs.id`."""
    if isinstance(value, cst.Attribute) and value.attr.value in ("id", "bucket"):
        return dotted(value.value)
    return None


def _block_id(construct_id: cst.BaseExpression) -> str | None:
    """The block's construct id, in the style of the bucket's: `logs-bucket` ->
    `logs-bucket-public-access-block`, `LogsBucket` -> `LogsBucketPublicAccessBlock`."""
    if isinstance(construct_id, cst.SimpleString):
        text = construct_id.evaluated_value
        if not isinstance(text, str):
            return None
        return code(construct_id.with_changes(value=construct_id.value[:-len(construct_id.quote)]
                                              + _suffix(text) + construct_id.quote))
    if isinstance(construct_id, cst.FormattedString):
        literal = "".join(p.value for p in construct_id.parts if isinstance(p, cst.FormattedStringText))
        parts = [*construct_id.parts, cst.FormattedStringText(_suffix(literal))]
        return code(construct_id.with_changes(parts=parts))
    name = dotted(construct_id)
    return f'f"{{{name}}}-public-access-block"' if name is not None else None


def _suffix(text: str) -> str:
    if "-" in text or not text:
        return "-public-access-block"
    if "_" in text:
        return "_public_access_block"
    if text[:1].isupper():
        return "PublicAccessBlock"
    return "-public-access-block"


def _variable_for(construct_id: cst.BaseExpression, scope_code: str) -> str | None:
    """A variable name for an unassigned bucket, free in the code around it."""
    candidates = []
    if isinstance(construct_id, cst.SimpleString) and isinstance(construct_id.evaluated_value, str):
        snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", construct_id.evaluated_value)
        snake = re.sub(r"\W+", "_", snake).strip("_").lower()
        if snake and not snake[0].isdigit():
            candidates.append(snake if "bucket" in snake else f"{snake}_bucket")
    candidates.append("bucket")
    for name in candidates:
        if (name.isidentifier() and not python_keyword.iskeyword(name)
                and not re.search(rf"\b{re.escape(name)}\b", scope_code)):
            return name
    return None


def _calls(node: cst.CSTNode) -> list[cst.Call]:
    return [n for n in walk(node) if isinstance(n, cst.Call)]
