"""IAC205 api-key-without-usage-plan: an API Gateway key that no usage plan holds."""

from __future__ import annotations

import ast
import re

import libcst as cst

from iacfix.codemods import _prescan as prescan
from iacfix.codemods._aws_rule import AwsRule
from iacfix.codemods._context import FileContext
from iacfix.codemods._rule import FixSafety, Severity

_PROVIDER = "cdktf_cdktf_provider_aws"
_KEYS = {
    f"{_PROVIDER}.api_gateway_api_key.ApiGatewayApiKey",
    "aws_cdk.aws_apigateway.ApiKey",
    "aws_cdk.aws_apigateway.CfnApiKey",
}
# What puts a key into a usage plan (CDK's `RateLimitedApiKey` makes its own plan).
_PLANS = {
    f"{_PROVIDER}.api_gateway_usage_plan_key.ApiGatewayUsagePlanKey",
    "aws_cdk.aws_apigateway.UsagePlan",
    "aws_cdk.aws_apigateway.CfnUsagePlanKey",
    "aws_cdk.aws_apigateway.RateLimitedApiKey",
}
_PLAN_METHODS = frozenset({"add_usage_plan", "add_api_key_to_usage_plan"})
_KEY_NAMES = frozenset({key.rpartition(".")[2] for key in _KEYS} | {"add_api_key"})


class ApiKeyWithoutUsagePlan(AwsRule):
    """API keys that are not in any usage plan.

    ## What it does
    Reports each API key (CDKTF `ApiGatewayApiKey`, CDK `apigateway.ApiKey`, `CfnApiKey`, or
    `api.add_api_key(...)`) in a file that creates no usage plan association (CDKTF
    `ApiGatewayUsagePlanKey`; CDK `UsagePlan`, `api.add_usage_plan(...)`, `CfnUsagePlanKey`,
    `RateLimitedApiKey`).

    ## Why it matters
    API Gateway checks a key only through a usage plan: a key in no plan is rejected (403) on
    methods that require one, and no throttling or quota applies to its callers. The failure
    analyses rate it Medium.

    ## Example
    ```python
    from cdktf_cdktf_provider_aws.api_gateway_api_key import ApiGatewayApiKey

    ApiGatewayApiKey(self, "partner-key", name="partner-key")
    ```

    ## After the fix
    ```python
    from cdktf_cdktf_provider_aws.api_gateway_api_key import ApiGatewayApiKey

    ApiGatewayApiKey(self, "partner-key", name="partner-key")
    ```
    (Unchanged: add an `ApiGatewayUsagePlan` with the API's stages and limits, and an
    `ApiGatewayUsagePlanKey(key_id=key.id, key_type="API_KEY", usage_plan_id=plan.id)`.)

    ## Example
    ```python
    from aws_cdk import aws_apigateway as apigateway

    key = apigateway.ApiKey(self, "PartnerKey", api_key_name="partner")
    ```

    ## After the fix
    ```python
    from aws_cdk import aws_apigateway as apigateway

    key = apigateway.ApiKey(self, "PartnerKey", api_key_name="partner")
    ```
    (Unchanged: `plan = api.add_usage_plan("PartnerPlan", throttle=...)`, then
    `plan.add_api_key(key)` and `plan.add_api_stage(stage=api.deployment_stage)`.)

    ## Fix safety
    None, report only: the plan's stages, rate and quota are choices the author has to make.

    ## Known limits
    A usage plan in another file of the project is not seen.

    ## References
    https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html
    """

    CODE = "IAC205"
    NAME = "api-key-without-usage-plan"
    SUMMARY = "API Gateway key not associated with any usage plan"
    SEVERITY = Severity.MEDIUM
    FIX_SAFETY = FixSafety.NONE
    TRIGGERS = re.compile(r"ApiKey|add_api_key")
    REFERENCE = "https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html"

    @classmethod
    def wants(cls, text: str, context: FileContext) -> bool:
        # `ast` look: a key, and no call of a method that puts keys in a plan (that alone silences
        # the rule for the whole file, whatever its receiver).
        if cls.TRIGGERS.search(text) is None:
            return False
        calls = prescan.of_type(text, ast.Call)
        keys = prescan.calls_of(text, _KEY_NAMES)
        if calls is None or keys is None:
            return True
        return bool(keys) and not any(isinstance(call.func, ast.Attribute) and call.func.attr in _PLAN_METHODS
                                      for call in calls)

    NAMES = {
        f"{_PROVIDER}.api_gateway_api_key.ApiGatewayApiKey": (),
        f"{_PROVIDER}.api_gateway_usage_plan_key.ApiGatewayUsagePlanKey": ("key_id", "key_type", "usage_plan_id"),
        "aws_cdk.aws_apigateway.ApiKey": (),
        "aws_cdk.aws_apigateway.CfnApiKey": (),
        "aws_cdk.aws_apigateway.UsagePlan": ("add_api_key",),
        "aws_cdk.aws_apigateway.CfnUsagePlanKey": (),
        "aws_cdk.aws_apigateway.RateLimitedApiKey": (),
        "aws_cdk.aws_apigateway.RestApi": ("add_api_key", "add_usage_plan"),
    }

    def visit_Module(self, node: cst.Module) -> None:
        super().visit_Module(node)
        self._keys: list[cst.Call] = []
        self._planned = False

    def visit_Call(self, node: cst.Call) -> None:
        target = self.target(node)
        method = node.func.attr.value if isinstance(node.func, cst.Attribute) else None
        if target in _PLANS or method in _PLAN_METHODS:
            self._planned = True
        elif target in _KEYS or (method == "add_api_key" and self.library == "cdk"):
            self._keys.append(node)

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        if not self._planned:
            for key in self._keys:
                self.report(key, "API key is in no usage plan: API Gateway rejects it and applies no throttling "
                                 "or quota; add a usage plan and associate the key", fixable=False)
        return super().leave_Module(original_node, updated_node)
