"""Run settings: which rules, fix policy, options. Plain data, no libcst."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

DEFAULT_LINE_LENGTH = 120


@dataclass(frozen=True)
class Settings:
    """What one run does. `select`/`ignore` hold rule codes, code prefixes (`IAC3`) or rule names."""

    select: tuple[str, ...] = ("IAC",)
    ignore: tuple[str, ...] = ()
    unsafe_fixes: bool = False
    line_length: int | None = None  # None: from the project's pylint configuration, else 120
    rule_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    check_syntax: bool = True  # report syntax errors in files no rule looks at
    report_unused_ignores: bool = False  # IAC300: `# iacfix: ignore` comments that silence nothing
    # Codes, prefixes or names that `per-file-ignores` turns off for this file, whatever `select` says.
    per_file_ignores: tuple[str, ...] = ()

    def rule_option(self, code: str, key: str, default: Any) -> Any:
        return self.rule_options.get(code, {}).get(key, default)

    def selects(self, code: str, name: str) -> bool:
        def matches(patterns: tuple[str, ...]) -> int:
            # The most specific selector wins (a name beats any code prefix); on a tie, ignore wins.
            best = -1
            for pattern in patterns:
                if pattern == name:
                    best = max(best, 100)
                elif code.startswith(pattern.upper()):
                    best = max(best, len(pattern))
            return best

        if matches(self.per_file_ignores) >= 0:
            return False
        chosen = matches(self.select)
        return chosen >= 0 and chosen > matches(self.ignore)
