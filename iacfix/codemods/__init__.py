"""Every rule, in code order. A module here without a leading underscore is a rule."""

from __future__ import annotations

from iacfix.codemods._rule import FixSafety, Rule, Severity
from iacfix.codemods.cdk_v1_dependency import CdkV1Dependency
from iacfix.codemods.cdk_v1_import import CdkV1Import
from iacfix.codemods.cdk_v1_setup_requires import CdkV1SetupRequires
from iacfix.codemods.logging_fstring import LoggingFstring
from iacfix.codemods.unknown_construct_param import UnknownConstructParam

ALL_RULES: tuple[type[Rule], ...] = (
    CdkV1Import,
    UnknownConstructParam,
    CdkV1Dependency,  # type: ignore[tuple-item]  # a TextRule
    CdkV1SetupRequires,
    LoggingFstring,
)


def get_rule(code_or_name: str) -> type[Rule] | None:
    """The rule with this code (any case) or kebab-case name."""
    wanted = code_or_name.strip()
    for rule in ALL_RULES:
        if rule.CODE == wanted.upper() or rule.NAME == wanted:
            return rule
    return None


__all__ = ["ALL_RULES", "FixSafety", "Rule", "Severity", "get_rule"]
