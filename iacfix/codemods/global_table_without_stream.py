"""IAC403 global-table-without-stream: a DynamoDB table with replicas but no usable stream."""

from __future__ import annotations

import re

import libcst as cst

from iacfix.codemods._args import has_star_args, keyword
from iacfix.codemods._aws_rule import AwsRule
from iacfix.codemods._context import FileContext
from iacfix.codemods._imports import dotted
from iacfix.codemods._prescan import calls_of, keywords
from iacfix.codemods._rule import FixSafety, Severity

_VIEW = "NEW_AND_OLD_IMAGES"
_CDKTF_TABLE = "cdktf_cdktf_provider_aws.dynamodb_table.DynamodbTable"
_STREAM_VIEW_TYPE = "aws_cdk.aws_dynamodb.StreamViewType"
# CDK tables: the parameter listing replicas and the one choosing the stream. CDK turns the
# stream on by itself for these; it only fails when the chosen view type is another one.
_CDK_TABLES = {
    "aws_cdk.aws_dynamodb.Table": ("replication_regions", "stream"),
    "aws_cdk.aws_dynamodb.TableV2": ("replicas", "dynamo_stream"),
}
_CFN_GLOBAL_TABLE = "aws_cdk.aws_dynamodb.CfnGlobalTable"
_REPLICA_KEYWORDS = frozenset({"replica", "replication_regions", "replicas"})


class GlobalTableWithoutStream(AwsRule):
    """Global tables (DynamoDB tables with replicas) without a `NEW_AND_OLD_IMAGES` stream.

    ## What it does
    CDKTF: adds `stream_enabled=True` and `stream_view_type="NEW_AND_OLD_IMAGES"` (whichever is
    missing) to a `DynamodbTable` that has `replica=`. CDK: `Table(replication_regions=...)` and
    `TableV2(replicas=...)` enable the stream themselves, so only a `stream=` / `dynamo_stream=`
    naming another view type is changed to `StreamViewType.NEW_AND_OLD_IMAGES`; a
    `CfnGlobalTable` with two or more replicas and no `stream_specification` gets one.

    ## Why it matters
    DynamoDB replicates a global table through its stream: without one, deploying fails with
    "Stream must be enabled for global tables" (CDK's `Table` stops at synth with "`stream` must
    be set to `NEW_AND_OLD_IMAGES` when specifying `replicationRegions`"). The failure analyses
    rate it Critical.

    ## Example
    ```python
    from cdktf_cdktf_provider_aws.dynamodb_table import DynamodbTable, DynamodbTableReplica

    DynamodbTable(
        self,
        "payments",
        name="payments",
        billing_mode="PAY_PER_REQUEST",
        hash_key="payment_id",
        replica=[DynamodbTableReplica(region_name="us-west-2")],
    )
    ```

    ## After the fix
    ```python
    from cdktf_cdktf_provider_aws.dynamodb_table import DynamodbTable, DynamodbTableReplica

    DynamodbTable(
        self,
        "payments",
        name="payments",
        billing_mode="PAY_PER_REQUEST",
        hash_key="payment_id",
        replica=[DynamodbTableReplica(region_name="us-west-2")],
        stream_enabled=True,
        stream_view_type="NEW_AND_OLD_IMAGES",
    )
    ```

    ## Example
    ```python
    from aws_cdk import aws_dynamodb as dynamodb

    table = dynamodb.Table(
        self,
        "Payments",
        partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING),
        replication_regions=["us-west-2"],
        stream=dynamodb.StreamViewType.KEYS_ONLY,
    )
    ```

    ## After the fix
    ```python
    from aws_cdk import aws_dynamodb as dynamodb

    table = dynamodb.Table(
        self,
        "Payments",
        partition_key=dynamodb.Attribute(name="id", type=dynamodb.AttributeType.STRING),
        replication_regions=["us-west-2"],
        stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
    )
    ```

    ## Fix safety
    Safe: the table could not be deployed before; stream consumers get both images, a superset
    of any other view type. A stream explicitly turned off (`stream_enabled=False`) or a view
    type held in a variable is reported, not changed, and so is a CDKTF table whose
    `stream_view_type` is another literal (its consumers may rely on it).

    ## References
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_reqs_bestpractices.html
    """

    CODE = "IAC403"
    NAME = "global-table-without-stream"
    SUMMARY = "Stream must be enabled for global tables (NEW_AND_OLD_IMAGES)"
    SEVERITY = Severity.CRITICAL
    FIX_SAFETY = FixSafety.SAFE
    TRIGGERS = re.compile(r"replica")

    @classmethod
    def wants(cls, text: str, context: FileContext) -> bool:
        # A table call given replicas (`ast` look: "replica" alone also matches comments, names).
        if cls.TRIGGERS.search(text) is None:
            return False
        tables = {target.rpartition(".")[2] for target in (_CDKTF_TABLE, *_CDK_TABLES, _CFN_GLOBAL_TABLE)}
        calls = calls_of(text, tables)
        return calls is None or any(keywords(call) & _REPLICA_KEYWORDS for _, call in calls)
    REFERENCE = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_reqs_bestpractices.html"
    NAMES = {
        _CDKTF_TABLE: ("replica", "stream_enabled", "stream_view_type"),
        "aws_cdk.aws_dynamodb.Table": ("replication_regions", "stream"),
        "aws_cdk.aws_dynamodb.TableV2": ("replicas", "dynamo_stream"),
        _STREAM_VIEW_TYPE: (_VIEW,),
        _CFN_GLOBAL_TABLE: ("replicas", "stream_specification", "StreamSpecificationProperty"),
        f"{_CFN_GLOBAL_TABLE}.StreamSpecificationProperty": ("stream_view_type",),
    }

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        target = self.target(original_node)
        if target == _CDKTF_TABLE:
            return self._cdktf(original_node, updated_node)
        if target in _CDK_TABLES:
            return self._cdk(original_node, updated_node, *_CDK_TABLES[target])
        if target == _CFN_GLOBAL_TABLE:
            return self._cfn(original_node, updated_node)
        return updated_node

    def _cdktf(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        if not _has_replicas(keyword(original, "replica")) or has_star_args(original):
            return updated
        problem = "Stream must be enabled for global tables: the table has replicas"
        enabled, view = keyword(original, "stream_enabled"), keyword(original, "stream_view_type")
        if enabled is not None and not _is_true(enabled.value):
            self.report(original, f"{problem} but `stream_enabled` is not `True` (not auto-fixable: it is "
                                  "set explicitly)", fixable=False)
            return updated
        if view is not None and _literal(view.value) != _VIEW:
            self.report(original, f"{problem} and its `stream_view_type` must be `{_VIEW}` (not auto-fixable: "
                                  "its consumers may rely on the view type it has)", fixable=False)
            return updated
        missing = [(name, value) for name, value, arg in (("stream_enabled", cst.Name("True"), enabled),
                                                           ("stream_view_type", cst.SimpleString(f'"{_VIEW}"'), view))
                   if arg is None]
        if not missing or not self.report(original, f"{problem}; enable a `{_VIEW}` stream"):
            return updated
        return self.add_keywords(original, updated, missing)

    def _cdk(self, original: cst.Call, updated: cst.Call, replicas: str, stream: str) -> cst.Call:
        arg = keyword(original, stream)
        if arg is None or not _has_replicas(keyword(original, replicas)):
            return updated  # CDK enables the stream it needs
        value = arg.value
        if isinstance(value, cst.Attribute) and value.attr.value == _VIEW:
            return updated
        problem = f"`{stream}` must be `{_VIEW}` when `{replicas}` is set"
        if not (isinstance(value, cst.Attribute) and self.imports.resolve(value.value) == _STREAM_VIEW_TYPE):
            self.report(original, f"{problem} (not auto-fixable: not a `StreamViewType` member)", fixable=False)
            return updated
        if not self.report(original, problem):
            return updated
        new_args = [a.with_changes(value=a.value.with_changes(attr=cst.Name(_VIEW)))  # type: ignore[attr-defined]
                    if a.keyword is not None and a.keyword.value == stream else a for a in updated.args]
        return updated.with_changes(args=new_args)

    def _cfn(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        replicas = keyword(original, "replicas")
        if (replicas is None or not isinstance(replicas.value, (cst.List, cst.Tuple))
                or len(replicas.value.elements) < 2 or keyword(original, "stream_specification") is not None
                or has_star_args(original)):
            return updated
        if not self.report(original, f"Stream must be enabled for global tables with more than one replica; "
                                     f"add a `{_VIEW}` stream specification"):
            return updated
        spec = cst.parse_expression(f'{self.module.code_for_node(original.func)}.StreamSpecificationProperty('
                                    f'stream_view_type="{_VIEW}")')
        return self.add_keywords(original, updated, [("stream_specification", spec)])


def _has_replicas(arg: cst.Arg | None) -> bool:
    if arg is None:
        return False
    value = arg.value
    if isinstance(value, (cst.List, cst.Tuple)):
        return bool(value.elements)
    return not (isinstance(value, cst.Name) and value.value == "None")


def _is_true(value: cst.BaseExpression) -> bool:
    return isinstance(value, cst.Name) and value.value == "True"


def _literal(value: cst.BaseExpression) -> str | None:
    if isinstance(value, cst.SimpleString):
        text = value.evaluated_value
        return text if isinstance(text, str) else None
    name = dotted(value)
    return name.rsplit(".", 1)[-1] if name else None
