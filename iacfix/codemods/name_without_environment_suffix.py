"""IAC504 name-without-environment-suffix: a physical resource name that every environment shares."""

from __future__ import annotations

import ast
import re

import libcst as cst

from iacfix.codemods import _prescan as prescan
from iacfix.codemods._args import code, keyword, within_line
from iacfix.codemods._aws_rule import AwsRule
from iacfix.codemods._context import FileContext
from iacfix.codemods._imports import dotted
from iacfix.codemods._references import ast_dotted
from iacfix.codemods._rule import FixSafety, Severity
from iacfix.codemods._stackrefs import Where
from iacfix.codemods._string_fields import FIELD, fit, flatten, splice

SUFFIX = "environment_suffix"
# CDK: keywords that set a physical name on any aws_cdk construct.
CDK_NAME_PARAMETERS = frozenset({
    "alarm_name", "alias_name", "bucket_name", "cluster_name", "dashboard_name", "delivery_stream_name",
    "event_bus_name", "function_name", "layer_version_name", "load_balancer_name", "log_group_name",
    "managed_policy_name", "parameter_name", "queue_name", "repository_name", "rest_api_name", "role_name",
    "rule_name", "secret_name", "security_group_name", "state_machine_name", "stream_name", "table_name",
    "target_group_name", "topic_name", "user_pool_name",
})
# CDKTF: resource classes and the parameter holding their physical name (provider 21.x).
_P = "cdktf_cdktf_provider_aws"
CDKTF_NAME_PARAMETERS = {
    f"{_P}.api_gateway_rest_api.ApiGatewayRestApi": "name",
    f"{_P}.cloudwatch_event_bus.CloudwatchEventBus": "name",
    f"{_P}.cloudwatch_event_rule.CloudwatchEventRule": "name",
    f"{_P}.cloudwatch_log_group.CloudwatchLogGroup": "name",
    f"{_P}.cloudwatch_metric_alarm.CloudwatchMetricAlarm": "alarm_name",
    f"{_P}.dynamodb_table.DynamodbTable": "name",
    f"{_P}.ecr_repository.EcrRepository": "name",
    f"{_P}.ecs_cluster.EcsCluster": "name",
    f"{_P}.iam_policy.IamPolicy": "name",
    f"{_P}.iam_role.IamRole": "name",
    f"{_P}.kinesis_stream.KinesisStream": "name",
    f"{_P}.kms_alias.KmsAlias": "name",
    f"{_P}.lambda_function.LambdaFunction": "function_name",
    f"{_P}.lb.Lb": "name",
    f"{_P}.lb_target_group.LbTargetGroup": "name",
    f"{_P}.s3_bucket.S3Bucket": "bucket",
    f"{_P}.secretsmanager_secret.SecretsmanagerSecret": "name",
    f"{_P}.security_group.SecurityGroup": "name",
    f"{_P}.sfn_state_machine.SfnStateMachine": "name",
    f"{_P}.sns_topic.SnsTopic": "name",
    f"{_P}.sqs_queue.SqsQueue": "name",
    f"{_P}.ssm_parameter.SsmParameter": "name",
}
_GAP = r"(?:\s|#[^\n]*)*"
# `<name parameter> = "..."` or `= f"..."` whose first line holds no `{...env/suffix/stage...}` field.
_CANDIDATE = re.compile(
    rf"\b(?:{'|'.join(sorted(CDK_NAME_PARAMETERS | set(CDKTF_NAME_PARAMETERS.values())))})"
    rf"{_GAP}=(?!=)(?:{_GAP}\()*{_GAP}"
    r"(?:[rRuU]?[\"']|(?:[fF][rR]?|[rR][fF])(?![\"'][^\"'\n]*\{(?!\{)[^}\"'\n]*(?i:suffix|env|stage))[\"'])")
_FIXABLE = re.compile(r"[A-Za-z0-9/][A-Za-z0-9_/-]*")
_ENVIRONMENT_FIELD = re.compile(r"suffix|env|stage", re.IGNORECASE)
_ACCOUNT_FIELD = re.compile(r"account", re.IGNORECASE)


class NameWithoutEnvironmentSuffix(AwsRule):
    """Physical resource names without the environment suffix, where one is in scope.

    ## What it does
    Where a variable `environment_suffix` (a parameter or local of the function) or an attribute
    `self.environment_suffix` is in scope, finds physical names given as plain literals: CDK
    `*_name=` keywords (`table_name`, `function_name`, `bucket_name`, ...) and the name parameter of
    CDKTF resources (`name=`, `bucket=`, `function_name=`, ...). A name made of letters, digits,
    `-`, `_` and `/` gets `-{environment_suffix}` appended; others are reported.

    ## Why it matters
    The pipeline deploys several environments (one per pull request) into the same account: a
    fixed name collides with the other environments' resource ("already exists") and fails the
    deployment. The failure analyses rate it High to Critical.

    ## Example
    ```python
    from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue


    def create_queue(scope, environment_suffix: str) -> SqsQueue:
        return SqsQueue(scope, "dlq", name="payment-dlq")
    ```

    ## After the fix
    ```python
    from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue


    def create_queue(scope, environment_suffix: str) -> SqsQueue:
        return SqsQueue(scope, "dlq", name=f"payment-dlq-{environment_suffix}")
    ```

    ## Example
    ```python
    from aws_cdk import Stack
    from aws_cdk import aws_sqs as sqs


    class TapStack(Stack):
        def __init__(self, scope, construct_id, environment_suffix: str):
            super().__init__(scope, construct_id)
            sqs.Queue(self, "Orders", queue_name="orders")
    ```

    ## After the fix
    ```python
    from aws_cdk import Stack
    from aws_cdk import aws_sqs as sqs


    class TapStack(Stack):
        def __init__(self, scope, construct_id, environment_suffix: str):
            super().__init__(scope, construct_id)
            sqs.Queue(self, "Orders", queue_name=f"orders-{environment_suffix}")
    ```

    ## Fix safety
    Safe for stacks not yet deployed: on a deployed stack a new name replaces the resource.
    Names built from other variables (they may hold the suffix already), names with a `.`
    (`.fifo` queues, domain names) or other characters are left alone or reported.

    ## References
    https://docs.aws.amazon.com/cdk/v2/guide/resources.html#resources_physical_names
    """

    CODE = "IAC504"
    NAME = "name-without-environment-suffix"
    SUMMARY = "resource name without the environment suffix in scope"
    SEVERITY = Severity.HIGH
    FIX_SAFETY = FixSafety.SAFE
    TRIGGERS = re.compile(SUFFIX)

    @classmethod
    def wants(cls, text: str, context: FileContext) -> bool:
        # A finding needs the suffix in the file and a name keyword given a string that has no
        # environment field yet; most generated stacks already add it to every name.
        if SUFFIX not in text or _CANDIDATE.search(text) is None:
            return False
        # `ast` look: a CDK name keyword, or a CDKTF class's name keyword (`name=` is everywhere).
        calls = prescan.calls_of(text, _CDKTF_CLASSES)
        every = prescan.of_type(text, ast.Call)
        if calls is None or every is None:
            return True
        cdktf: dict[int, set[str]] = {}
        for name, call in calls:
            cdktf.setdefault(id(call), set()).update(_CDKTF_PARAMETERS[name])
        return any(_unsuffixed(keyword.value) for call in every for keyword in call.keywords
                   if keyword.arg in CDK_NAME_PARAMETERS or keyword.arg in cdktf.get(id(call), ()))
    REFERENCE = "https://docs.aws.amazon.com/cdk/v2/guide/resources.html#resources_physical_names"
    NAMES = {qualified: (parameter,) for qualified, parameter in CDKTF_NAME_PARAMETERS.items()}

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        target = self.target(original_node) or ""
        if target in CDKTF_NAME_PARAMETERS:
            parameters: tuple[str, ...] = (CDKTF_NAME_PARAMETERS[target],)
        elif target.startswith("aws_cdk.aws_"):
            parameters = tuple(a.keyword.value for a in original_node.args
                               if a.keyword is not None and a.keyword.value in CDK_NAME_PARAMETERS)
        else:
            return updated_node
        for parameter in parameters:
            updated_node = self._name(original_node, updated_node, parameter)
        return updated_node

    def _name(self, original: cst.Call, updated: cst.Call, parameter: str) -> cst.Call:
        before, after = keyword(original, parameter), keyword(updated, parameter)
        if before is None or after is None:
            return updated
        old, new = flatten(before.value), flatten(after.value)
        if old is None or new is None or not _plain(old) or not _plain(new):
            return updated
        suffix = _suffix_in_scope(self.where(), self.context.statement_stack)
        if suffix is None:
            return updated
        problem = f"`{parameter}` is the same in every environment; add the `{SUFFIX}`"
        if not _FIXABLE.fullmatch(old.literal_text):
            self.report(original, f"{problem} (not auto-fixable: the name has characters a suffix may not follow)",
                        fixable=False)
            return updated
        if not self.report(original, problem):
            return updated
        first_field = new.flat.find(FIELD)
        if first_field < 0:
            at = len(new.flat)
        else:
            at = first_field - 1 if new.flat[first_field - 1:first_field] == "-" else first_field
        value = fit(splice(new, [(at, at, suffix, "-")]), before.value, self.context.text, self.context.line_length)
        new_call = updated.with_changes(args=[a.with_changes(value=value) if a is after else a for a in updated.args])
        return within_line(new_call, original, source=self.context.text, line_length=self.context.line_length)


# CDKTF class name -> its name parameters (a class name the last part of more than one target gets all).
_CDKTF_PARAMETERS: dict[str, set[str]] = {}
for _qualified, _parameter in CDKTF_NAME_PARAMETERS.items():
    _CDKTF_PARAMETERS.setdefault(_qualified.rpartition(".")[2], set()).add(_parameter)
_CDKTF_CLASSES = frozenset(_CDKTF_PARAMETERS)


def _unsuffixed(value: ast.expr) -> bool:
    """Could `flatten` + `_plain` take this `ast` value for a name without a suffix? A string, or
    an f-string none of whose fields is a name that mentions the environment."""
    fields = prescan.text_fields(value)
    if fields is None:
        return False
    return not any((path := ast_dotted(field)) is not None and _ENVIRONMENT_FIELD.search(path) for field in fields)


def _plain(flat: object) -> bool:
    """A literal whose fields (if any) only name the account: no suffix or variable part yet."""
    fields = [code(f.expression) for f in flat.fields]  # type: ignore[attr-defined]
    return all(_ACCOUNT_FIELD.search(f) and not _ENVIRONMENT_FIELD.search(f) for f in fields)


def _suffix_in_scope(where: Where, statements: list[cst.CSTNode]) -> str | None:
    if where.functions:
        function = where.functions[-1]
        if any(p.name.value == SUFFIX for p in (*function.params.params, *function.params.kwonly_params)):
            return SUFFIX
        position = statements.index(function) if function in statements else -1
        current = statements[position + 1] if 0 <= position < len(statements) - 1 else None
        for statement in function.body.body:
            if statement is current:
                break
            if isinstance(statement, cst.SimpleStatementLine) and any(
                isinstance(s, cst.Assign) and any(dotted(t.target) == SUFFIX for t in s.targets)
                for s in statement.body
            ):
                return SUFFIX
    if where.cls is not None and where.has_self and _sets_self_suffix(where.cls):
        return f"self.{SUFFIX}"
    return None


def _sets_self_suffix(cls: cst.ClassDef) -> bool:
    return f"self.{SUFFIX} =" in code(cls) or f"self.{SUFFIX}: " in code(cls)
