"""Every rule, in code order. A module here without a leading underscore is a rule."""

from __future__ import annotations

from iacfix.codemods._rule import FixSafety, Rule, Severity
from iacfix.codemods.builtin_param_name import BuiltinParamName
from iacfix.codemods.logging_fstring import LoggingFstring

ALL_RULES: tuple[type[Rule], ...] = (
    LoggingFstring,
    BuiltinParamName,
)


def get_rule(code_or_name: str) -> type[Rule] | None:
    """The rule with this code (any case) or kebab-case name."""
    wanted = code_or_name.strip()
    for rule in ALL_RULES:
        if rule.CODE == wanted.upper() or rule.NAME == wanted:
            return rule
    return None


__all__ = ["ALL_RULES", "FixSafety", "Rule", "Severity", "get_rule"]
