"""IAC502 log-group-without-retention: a log group that keeps its logs for years or forever."""

from __future__ import annotations

import re
from typing import Any, Mapping

import libcst as cst

from iacfix.codemods._args import has_star_args, keyword
from iacfix.codemods._aws_rule import AwsRule
from iacfix.codemods._context import FileContext
from iacfix.codemods._imports import reference_or_import
from iacfix.codemods._prescan import calls_of, keywords
from iacfix.codemods._rule import FixSafety, Severity

_CDK_LOG_GROUP = "aws_cdk.aws_logs.LogGroup"
_RETENTION_DAYS = "aws_cdk.aws_logs.RetentionDays"
# Log groups whose retention is a number of days, and what they keep without one.
_RETENTION_KEYWORD = {"LogGroup": "retention", "CfnLogGroup": "retention_in_days",
                      "CloudwatchLogGroup": "retention_in_days"}
_DAYS_PARAM = {
    "aws_cdk.aws_logs.CfnLogGroup": "keeps its logs forever",
    "cdktf_cdktf_provider_aws.cloudwatch_log_group.CloudwatchLogGroup": "keeps its logs forever",
}
# aws_cdk.aws_logs.RetentionDays members by their value (aws-cdk-lib 2.275.0); the values are
# also every retention CloudWatch Logs accepts.
RETENTION_MEMBERS = {
    1: "ONE_DAY", 3: "THREE_DAYS", 5: "FIVE_DAYS", 7: "ONE_WEEK", 14: "TWO_WEEKS", 30: "ONE_MONTH",
    60: "TWO_MONTHS", 90: "THREE_MONTHS", 120: "FOUR_MONTHS", 150: "FIVE_MONTHS", 180: "SIX_MONTHS",
    365: "ONE_YEAR", 400: "THIRTEEN_MONTHS", 545: "EIGHTEEN_MONTHS", 731: "TWO_YEARS", 1096: "THREE_YEARS",
    1827: "FIVE_YEARS", 2192: "SIX_YEARS", 2557: "SEVEN_YEARS", 2922: "EIGHT_YEARS", 3288: "NINE_YEARS",
    3653: "TEN_YEARS",
}


class LogGroupWithoutRetention(AwsRule):
    """Log groups created without a retention period.

    ## What it does
    Adds a retention period to log groups that have none: CDKTF `CloudwatchLogGroup` and CDK
    `logs.CfnLogGroup` get `retention_in_days=7`, CDK `logs.LogGroup` gets
    `retention=logs.RetentionDays.ONE_WEEK` (through the alias the file already uses for the
    module, or a `RetentionDays` import). The period is the rule option `days` (default 7; one of
    the values CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, ... 3653).

    ## Why it matters
    Without a retention period CloudWatch Logs keeps logs forever (CDKTF, `CfnLogGroup`) or, for
    CDK's `LogGroup`, for two years; storage grows with every invocation and is paid for every
    month. The failure analyses rate it Medium.

    ## Example
    ```python
    from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup

    CloudwatchLogGroup(self, "processor-logs", name="/app/processor")
    ```

    ## After the fix
    ```python
    from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup

    CloudwatchLogGroup(self, "processor-logs", name="/app/processor", retention_in_days=7)
    ```

    ## Example
    ```python
    from aws_cdk import aws_logs as logs

    log_group = logs.LogGroup(self, "ProcessorLogs", log_group_name="/app/processor")
    ```

    ## After the fix
    ```python
    from aws_cdk import aws_logs as logs

    log_group = logs.LogGroup(self, "ProcessorLogs", log_group_name="/app/processor", retention=logs.RetentionDays.ONE_WEEK)
    ```

    ## Fix safety
    Safe for test stacks, which is what the QA pipeline deploys: logs older than the period are
    deleted, which is the point. Set a longer period with the rule option `days` (in
    `pyproject.toml`: `[tool.iacfix.options.IAC502] days = 30`) where logs must be kept longer. A
    retention that is set (to anything, `INFINITE` included) and calls with `**kwargs` are left
    alone.

    ## References
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html
    """

    CODE = "IAC502"
    NAME = "log-group-without-retention"
    SUMMARY = "log group without a retention period keeps logs for years or forever"
    SEVERITY = Severity.MEDIUM
    FIX_SAFETY = FixSafety.SAFE
    TRIGGERS = re.compile(r"LogGroup")

    @classmethod
    def wants(cls, text: str, context: FileContext) -> bool:
        # A log group call without its retention keyword (`ast` look: the common case has one).
        if cls.TRIGGERS.search(text) is None:
            return False
        calls = calls_of(text, _RETENTION_KEYWORD)
        return calls is None or any(_RETENTION_KEYWORD[name] not in keywords(call) for name, call in calls)
    REFERENCE = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html"
    NAMES = {
        _CDK_LOG_GROUP: ("retention",),
        _RETENTION_DAYS: tuple(RETENTION_MEMBERS.values()),
        "aws_cdk.aws_logs.CfnLogGroup": ("retention_in_days",),
        "cdktf_cdktf_provider_aws.cloudwatch_log_group.CloudwatchLogGroup": ("retention_in_days",),
    }

    @classmethod
    def options(cls) -> Mapping[str, Any]:
        return {"days": 7}

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        target = self.target(original_node)
        if target == _CDK_LOG_GROUP:
            parameter, what = "retention", "keeps its logs for two years (the CDK default)"
        elif target in _DAYS_PARAM:
            parameter, what = "retention_in_days", _DAYS_PARAM[target]
        else:
            return updated_node
        if keyword(original_node, parameter) is not None or has_star_args(original_node):
            return updated_node
        days = self._days()
        if not self.report(original_node, f"log group {what}; set a retention period"):
            return updated_node
        if parameter == "retention_in_days":
            value: cst.BaseExpression = cst.Integer(str(days))
        else:
            value = cst.parse_expression(f"{self._retention_days(original_node)}.{RETENTION_MEMBERS[days]}")
        return self.add_keywords(original_node, updated_node, [(parameter, value)])

    @classmethod
    def check_option(cls, key: str, value: Any) -> str | None:
        if key == "days" and value not in RETENTION_MEMBERS:
            return f"{value!r} is not a retention CloudWatch Logs accepts ({', '.join(map(str, RETENTION_MEMBERS))})"
        return None

    def _days(self) -> int:
        days = self.option("days")
        problem = self.check_option("days", days)
        if problem is not None:
            raise ValueError(f"option `days`: {problem}")
        return int(days)

    def _retention_days(self, call: cst.Call) -> str:
        # `logs.LogGroup` -> `logs.RetentionDays`: the same alias, whichever import form made it.
        if isinstance(call.func, cst.Attribute):
            return self.module.code_for_node(call.func.value) + ".RetentionDays"
        code, needed = reference_or_import(self.imports, _RETENTION_DAYS)
        if needed is not None:
            self.need_imports((needed,))
        return code
