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

from iacfix._pylint_config import PylintOptions, pylint_options
from iacfix.codemods._rule import FixSafety, PendingFinding, Severity
from iacfix.settings import DEFAULT_LINE_LENGTH, Settings

if TYPE_CHECKING:
    from iacfix.codemods._rule import Rule

_MARKERS = re.compile(r"#\s*(?:iacfix\s*:|pylint\s*:)")
_IACFIX_IGNORE = re.compile(r"#\s*iacfix\s*:\s*ignore\b(?:\[([^\]]*)\])?")
_PYLINT_DISABLE = re.compile(r"#\s*pylint\s*:\s*disable\s*=\s*([\w\-, ]+)")
ALL = "*"


@dataclass(frozen=True)
class Directive:
    """One `# iacfix: ignore[...]` comment: where it is and what it lists (IAC300 audits these)."""

    line: int
    column: int  # 0-based, of the comment's `#`
    comment: str  # the whole comment token
    span: tuple[int, int]  # the directive's slice of `comment`
    codes: tuple[str, ...]  # as written; empty for a bare `# iacfix: ignore`


@dataclass
class Suppressions:
    """Per line: the rule codes (or `*`) and pylint symbols silenced by a comment on that line.

    `used` collects `(line, entry)` for every entry of an `# iacfix: ignore` that silenced a finding.
    """

    codes: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    pylint: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    directives: list[Directive] = field(default_factory=list)
    used: set[tuple[int, str]] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.codes or self.pylint)

    def silences(self, rule: type[Rule], lines: range) -> bool:
        silenced = False
        for line in lines:
            codes = self.codes.get(line)
            if codes:
                hits = codes.intersection((ALL, rule.CODE, rule.NAME))
                self.used.update((line, hit) for hit in hits)
                silenced = silenced or bool(hits)
            symbols = self.pylint.get(line)
            if symbols and ("all" in symbols or symbols.intersection(rule.PYLINT)):
                silenced = True
        return silenced


def normal_code(code: str) -> str:
    """A code as a suppression comment means it: `iac301` is IAC301, names stay as written."""
    return code.upper() if code.upper().startswith("IAC") else code


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
            written = tuple(c.strip() for c in listed.split(",") if c.strip()) if listed else ()
            if written:
                found.codes[line].update(normal_code(code) for code in written)
            else:
                found.codes[line].add(ALL)
            found.directives.append(Directive(line, token.start[1], token.string, match.span(), written))
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
    # Rules whose `collect` raised: code -> (path, name of the unit, message). Such a rule is off
    # for the whole run, since its fixes would rest on facts that miss a file.
    crashed: dict[str, tuple[str, str, str]] = field(default_factory=dict)

    def fingerprint(self) -> str:
        """A digest of the facts, part of every cached fix's key (facts must have a stable repr)."""
        import hashlib

        facts = sorted((code, repr(f)) for code, fs in self.facts.items() for f in fs)
        return hashlib.sha256(repr((facts, sorted(self.crashed.items()))).encode()).hexdigest()


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
        # Rules that left a candidate for the next pass because another rule rewrote it first.
        self.deferred: set[type[Rule]] = set()

    @property
    def in_markdown(self) -> bool:
        """A block of a Markdown answer: its end is a closing fence (or the answer's end), not a file's."""
        return self.path.lower().endswith((".md", ".markdown"))

    @property
    def is_fragment(self) -> bool:
        """An unnamed Markdown block: usually part of a file, so whole-file rules keep away."""
        return self.virtual_name.startswith("<block ")

    @property
    def line_length(self) -> int:
        """The line length limit for this file: `--line-length`, else the `max-line-length` of the
        pylint configuration that applies to the file, else 120."""
        if self.settings.line_length:
            return self.settings.line_length
        # Hook: `[tool.iacfix] line-length` (a later issue) takes precedence over pylint's here.
        return self.pylint.max_line_length or DEFAULT_LINE_LENGTH

    @property
    def pylint(self) -> PylintOptions:
        """The project's pylint options for this file (found from its folder upwards, cached)."""
        return pylint_options(self.path)

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
        # Every line is asked (no short cut), so each comment that applies is marked used (IAC300).
        silenced = False
        for line in sorted(lines):
            silenced = self.suppressions.silences(rule, range(line, line + 1)) or silenced
        return silenced
