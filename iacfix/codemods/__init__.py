"""Every rule, in code order. A module here without a leading underscore is a rule.

The rule modules (and libcst with them) are imported the first time `ALL_RULES` or `get_rule` is
used, not when this package is: the machinery beside them (the API index behind `iacfix --version`,
diffs, file writes) needs no rule, and `iacfix --version` should not pay for libcst.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from iacfix.codemods._rule import FixSafety, Rule, Severity

    ALL_RULES: tuple[type[Rule], ...]


def _all_rules() -> tuple[type[Rule], ...]:
    # In code order.
    from iacfix.codemods.api_key_without_usage_plan import ApiKeyWithoutUsagePlan
    from iacfix.codemods.arn_wildcard_account import ArnWildcardAccount
    from iacfix.codemods.bucket_name_without_account import BucketNameWithoutAccount
    from iacfix.codemods.bucket_without_public_access_block import BucketWithoutPublicAccessBlock
    from iacfix.codemods.builtin_param_name import BuiltinParamName
    from iacfix.codemods.cdk_v1_dependency import CdkV1Dependency
    from iacfix.codemods.cdk_v1_import import CdkV1Import
    from iacfix.codemods.cdk_v1_setup_requires import CdkV1SetupRequires
    from iacfix.codemods.end_of_file_newlines import EndOfFileNewlines
    from iacfix.codemods.global_table_without_stream import GlobalTableWithoutStream
    from iacfix.codemods.iam_wildcard_permission import IamWildcardPermission
    from iacfix.codemods.kms_key_without_rotation import KmsKeyWithoutRotation
    from iacfix.codemods.lambda_log_group_collision import LambdaLogGroupCollision
    from iacfix.codemods.line_too_long import LineTooLong
    from iacfix.codemods.log_group_without_retention import LogGroupWithoutRetention
    from iacfix.codemods.logging_fstring import LoggingFstring
    from iacfix.codemods.metric_missing_dimension import MetricMissingDimension
    from iacfix.codemods.missing_app_entry_point import MissingAppEntryPoint
    from iacfix.codemods.missing_lambda_asset import MissingLambdaAsset
    from iacfix.codemods.missing_stdlib_import import MissingStdlibImport
    from iacfix.codemods.name_without_environment_suffix import NameWithoutEnvironmentSuffix
    from iacfix.codemods.outdated_lambda_runtime import OutdatedLambdaRuntime
    from iacfix.codemods.provider_without_alias import ProviderWithoutAlias
    from iacfix.codemods.removal_policy_retain import RemovalPolicyRetain
    from iacfix.codemods.too_many_lines import TooManyLines
    from iacfix.codemods.unknown_construct_param import UnknownConstructParam
    from iacfix.codemods.unknown_provider_class import UnknownProviderClass
    from iacfix.codemods.unused_suppression import UnusedSuppression
    from iacfix.codemods.wrong_module_name import WrongModuleName

    return (
        UnknownProviderClass,
        WrongModuleName,
        CdkV1Import,
        UnknownConstructParam,
        MetricMissingDimension,
        CdkV1Dependency,  # type: ignore[tuple-item]  # a TextRule
        CdkV1SetupRequires,
        ArnWildcardAccount,
        BucketWithoutPublicAccessBlock,
        BucketNameWithoutAccount,
        IamWildcardPermission,
        ApiKeyWithoutUsagePlan,
        UnusedSuppression,
        LoggingFstring,
        BuiltinParamName,
        LineTooLong,
        EndOfFileNewlines,
        TooManyLines,
        MissingStdlibImport,
        MissingAppEntryPoint,
        MissingLambdaAsset,
        GlobalTableWithoutStream,
        RemovalPolicyRetain,
        KmsKeyWithoutRotation,
        LogGroupWithoutRetention,
        OutdatedLambdaRuntime,
        NameWithoutEnvironmentSuffix,
        LambdaLogGroupCollision,
        ProviderWithoutAlias,
    )


def __getattr__(name: str) -> Any:
    # PEP 562: `from iacfix.codemods import ALL_RULES` (or FixSafety, Rule, Severity) imports on first use.
    if name == "ALL_RULES":
        rules = globals()["ALL_RULES"] = _all_rules()
        return rules
    if name in ("FixSafety", "Rule", "Severity"):
        from iacfix.codemods import _rule

        return getattr(_rule, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def get_rule(code_or_name: str) -> type[Rule] | None:
    """The rule with this code (any case) or kebab-case name."""
    wanted = code_or_name.strip()
    rules: tuple[type[Rule], ...] = globals().get("ALL_RULES") or __getattr__("ALL_RULES")
    for rule in rules:
        if rule.CODE == wanted.upper() or rule.NAME == wanted:
            return rule
    return None


__all__ = ["ALL_RULES", "FixSafety", "Rule", "Severity", "get_rule"]
