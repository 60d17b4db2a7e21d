"""Every rule, in code order. A module here without a leading underscore is a rule."""

from __future__ import annotations

from iacfix.codemods._rule import FixSafety, Rule, Severity
from iacfix.codemods.end_of_file_newlines import EndOfFileNewlines
from iacfix.codemods.line_too_long import LineTooLong
from iacfix.codemods.logging_fstring import LoggingFstring
from iacfix.codemods.missing_app_entry_point import MissingAppEntryPoint
from iacfix.codemods.missing_lambda_asset import MissingLambdaAsset
from iacfix.codemods.missing_stdlib_import import MissingStdlibImport
from iacfix.codemods.too_many_lines import TooManyLines
from iacfix.codemods.unused_suppression import UnusedSuppression

ALL_RULES: tuple[type[Rule], ...] = (
    UnusedSuppression,
    LoggingFstring,
    LineTooLong,
    EndOfFileNewlines,
    TooManyLines,
    MissingStdlibImport,
    MissingAppEntryPoint,
    MissingLambdaAsset,
)


def get_rule(code_or_name: str) -> type[Rule] | None:
    """The rule with this code (any case) or kebab-case name."""
    wanted = code_or_name.strip()
    for rule in ALL_RULES:
        if rule.CODE == wanted.upper() or rule.NAME == wanted:
            return rule
    return None


__all__ = ["ALL_RULES", "FixSafety", "Rule", "Severity", "get_rule"]
