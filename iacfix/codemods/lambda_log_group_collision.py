"""IAC505 lambda-log-group-collision: a CDK log group named like the one Lambda creates itself."""

from __future__ import annotations

import re

import libcst as cst

from iacfix.codemods._args import keyword
from iacfix.codemods._aws_rule import AwsRule
from iacfix.codemods._rule import FixSafety, Severity
from iacfix.codemods._string_fields import flatten

_LOG_GROUPS = {"aws_cdk.aws_logs.LogGroup": "log_group_name", "aws_cdk.aws_logs.CfnLogGroup": "log_group_name"}
_PREFIX = "/aws/lambda/"


class LambdaLogGroupCollision(AwsRule):
    """CDK log groups named `/aws/lambda/<function>`, the group Lambda creates on its own.

    ## What it does
    Reports a CDK `logs.LogGroup` (or `CfnLogGroup`) whose `log_group_name` starts with
    `/aws/lambda/`.

    ## Why it matters
    Lambda creates `/aws/lambda/<function name>` the first time the function runs. When that
    group already exists (an earlier deployment ran the function, or retained the group),
    creating it again fails the deployment: "AWS::EarlyValidation::ResourceExistenceCheck".
    The failure analyses rate it High.

    ## Example
    ```python
    from aws_cdk import aws_logs as logs

    logs.LogGroup(self, "ProcessorLogs", log_group_name="/aws/lambda/payment-processor")
    ```

    ## After the fix
    ```python
    from aws_cdk import aws_logs as logs

    logs.LogGroup(self, "ProcessorLogs", log_group_name="/aws/lambda/payment-processor")
    ```
    (Unchanged: drop the log group and let Lambda create its own, or give it another name, e.g.
    `/app/payment-processor`, and pass it to the function as `log_group=`.)

    ## Fix safety
    None, report only: removing the group or renaming it changes where the logs go.

    ## Known limits
    CDKTF is not checked: Terraform's documented pattern creates `/aws/lambda/<name>` itself
    (with the function depending on it) to set its retention.

    ## References
    https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html
    """

    CODE = "IAC505"
    NAME = "lambda-log-group-collision"
    SUMMARY = "CDK log group named /aws/lambda/<fn>: Lambda creates that one itself"
    SEVERITY = Severity.HIGH
    FIX_SAFETY = FixSafety.NONE
    TRIGGERS = re.compile(r"/aws/lambda/")
    REFERENCE = "https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html"
    NAMES = {"aws_cdk.aws_logs.LogGroup": ("log_group_name",), "aws_cdk.aws_logs.CfnLogGroup": ("log_group_name",),
             "aws_cdk.aws_lambda.Function": ("log_group",)}

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        parameter = _LOG_GROUPS.get(self.target(original_node) or "")
        arg = keyword(original_node, parameter) if parameter else None
        flat = flatten(arg.value) if arg is not None else None
        if flat is not None and flat.flat.startswith(_PREFIX):
            self.report(original_node, f"log group `{_PREFIX}...` is the one Lambda creates on the function's first "
                                       "run: deploying fails when it exists (ResourceExistenceCheck); let Lambda "
                                       "create it, or name it otherwise and pass it as `log_group=`", fixable=False)
        return updated_node
