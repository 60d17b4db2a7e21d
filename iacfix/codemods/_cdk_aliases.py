"""The aliases the community gives aws-cdk-lib modules (`from aws_cdk import aws_logs as logs`):
what a fix that imports a module calls it, and which module a model meant by `aws_elbv2`."""

from __future__ import annotations

import builtins
import keyword

# Module (under `aws_cdk`) -> its usual aliases, most usual first (CDK docs and examples). A module
# missing here is imported as its name without `aws_` (`aws_iam` as `iam`).
ALIASES = {
    "aws_lambda": ("lambda_",),
    "aws_logs": ("logs",),
    "aws_sns_subscriptions": ("sns_subs", "subscriptions"),
    "aws_cloudwatch_actions": ("cw_actions", "cloudwatch_actions"),
    "aws_certificatemanager": ("acm",),
    "aws_cloudfront_origins": ("origins",),
    "aws_elasticloadbalancing": ("elb",),
    "aws_elasticloadbalancingv2": ("elbv2",),
    "aws_elasticloadbalancingv2_targets": ("elbv2_targets", "targets"),
    "aws_route53_targets": ("route53_targets", "targets"),
    "aws_events_targets": ("targets", "events_targets"),
    "aws_stepfunctions": ("sfn",),
    "aws_stepfunctions_tasks": ("tasks", "sfn_tasks"),
    "aws_apigateway": ("apigateway", "apigw"),
    "aws_lambda_event_sources": ("lambda_event_sources", "event_sources"),
}

# A module name models write for an alias (`aws_elbv2`) -> the module: only aliases of one module.
MODULE_OF_ALIAS = {
    f"aws_{alias}": module
    for module, aliases in ALIASES.items()
    for alias in aliases
    if f"aws_{alias}" != module and sum(alias in others for others in ALIASES.values()) == 1
}


def aliases_of(module: str) -> tuple[str, ...]:
    """The usual aliases of an `aws_cdk` submodule (its short name, `aws_logs`)."""
    if module in ALIASES:
        return ALIASES[module]
    alias = module.removeprefix("aws_")
    return (alias + "_",) if keyword.iskeyword(alias) or hasattr(builtins, alias) else (alias,)
