"""What a rule sees of the run: its file, the settings, project-wide facts, suppressions."""

from __future__ import annotations

import io
import re
import tokenize
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping

import libcst as cst
from libcst.metadata import CodeRange

from iacfix.codemods._rule import FixSafety, PendingFinding, Severity
from iacfix.settings import Settings

if TYPE_CHECKING:
    from iacfix.codemods._rule import Rule

_MARKERS = re.compile(r"#\s*(?:iacfix\s*:|pylint\s*:)")
_IACFIX_IGNORE = re.compile(r"#\s*iacfix\s*:\s*ignore\b(?:\[([^\]]*)\])?")
_PYLINT_DISABLE = re.compile(r"#\s*pylint\s*:\s*disable\s*=\s*([\w\-, ]+)")
ALL = "*"


@dataclass
class Suppressions:
    """Per line: the rule codes (or `*`) and pylint symbols silenced by a comment on that line."""

    codes: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    pylint: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))

    def __bool__(self) -> bool:
        return bool(self.codes or self.pylint)

    def silences(self, rule: type[Rule], lines: range) -> bool:
        for line in lines:
            codes = self.codes.get(line)
            if codes and (ALL in codes or rule.CODE in codes or rule.NAME in codes):
                return True
            symbols = self.pylint.get(line)
            if symbols and ("all" in symbols or symbols.intersection(rule.PYLINT)):
                return True
        return False


def find_suppressions(text: str) -> Suppressions:
    """Comments `# iacfix: ignore[...]` and `# pylint: disable=...`, read with the tokenizer."""
    found = Suppressions()
    if not _MARKERS.search(text):
        return found
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return found
    for token in tokens:
        if token.type != tokenize.COMMENT:
            continue
        line = token.start[0]
        if match := _IACFIX_IGNORE.search(token.string):
            listed = match.group(1)
            codes = {c.strip() for c in listed.split(",") if c.strip()} if listed else {ALL}
            found.codes[line].update(code.upper() if code.upper().startswith("IAC") else code for code in codes)
        if match := _PYLINT_DISABLE.search(token.string):
            found.pylint[line].update(s.strip() for s in match.group(1).split(",") if s.strip())
    return found


@dataclass
class Project:
    """Facts gathered from every file of a run before any file is rewritten (cross-file fixes).

    `facts[CODE]` is a list of whatever that rule's `collect` returned, one entry per file.
    """

    facts: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    paths: tuple[str, ...] = ()

    def fingerprint(self) -> str:
        """A digest of the facts, part of every cached fix's key (facts must have a stable repr)."""
        import hashlib

        return hashlib.sha256(repr(sorted((code, repr(f)) for code, fs in self.facts.items() for f in fs)).encode()
                              ).hexdigest()


class FileContext:
    """One file (or one Markdown block) as the rules see it during one pass."""

    def __init__(
        self,
        path: str,
        text: str,
        settings: Settings,
        project: Project | None = None,
        *,
        virtual_name: str | None = None,
        suppressions: Suppressions | None = None,
    ) -> None:
        self.path = path
        # The name the file goes by inside its project (a Markdown block's named file).
        self.virtual_name = virtual_name or path
        self.text = text
        self.settings = settings
        self.project = project or Project()
        self.suppressions = suppressions if suppressions is not None else find_suppressions(text)
        self.positions: Mapping[cst.CSTNode, CodeRange] | None = None
        self.statement_stack: list[cst.CSTNode] = []
        self.pending: list[PendingFinding] = []

    @property
    def line_length(self) -> int:
        from iacfix.settings import DEFAULT_LINE_LENGTH

        return self.settings.line_length or DEFAULT_LINE_LENGTH

    def record(self, rule: Rule, node: cst.CSTNode, message: str, safety: FixSafety,
               severity: Severity | None = None) -> bool:
        if self.suppressions and self.positions is not None and self._suppressed(type(rule), node):
            return False
        apply = safety is FixSafety.SAFE or (safety is FixSafety.UNSAFE and self.settings.unsafe_fixes)
        top = self.statement_stack[0] if self.statement_stack else None
        self.pending.append(PendingFinding(type(rule), node, message, safety, apply, statement=top,
                                           severity=severity))
        return apply

    def record_at(self, rule: Rule, line: int, column: int, message: str) -> None:
        if self.suppressions.silences(type(rule), range(line, line + 1)):
            return
        self.pending.append(
            PendingFinding(type(rule), None, message, FixSafety.NONE, False, line, column)
        )

    def record_text(self, rule: object, line: int, column: int, message: str, safety: FixSafety) -> bool:
        """A finding of a text rule at a known position; returns whether to apply its fix."""
        if self.suppressions.silences(type(rule), range(line, line + 1)):  # type: ignore[arg-type]
            return False
        apply = safety is FixSafety.SAFE or (safety is FixSafety.UNSAFE and self.settings.unsafe_fixes)
        self.pending.append(PendingFinding(type(rule), None, message, safety, apply, line, column))  # type: ignore[arg-type]
        return apply

    def _suppressed(self, rule: type[Rule], node: cst.CSTNode) -> bool:
        assert self.positions is not None
        where = self.positions.get(node)
        if where is None:
            return False
        lines = set(range(where.start.line, where.end.line + 1))
        # A comment on the first line of the enclosing statement counts too (multi-line calls).
        if self.statement_stack and (stmt := self.positions.get(self.statement_stack[-1])):
            lines.add(stmt.start.line)
        return any(self.suppressions.silences(rule, range(line, line + 1)) for line in sorted(lines))
