"""Rule base class. Impact levels, fix safety and findings live in `iacfix._results`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Mapping

import libcst as cst

from iacfix._results import Finding, FixSafety, Severity

__all__ = ["Finding", "FixSafety", "PendingFinding", "Rule", "Severity", "TextRule", "explanation"]

if TYPE_CHECKING:
    from iacfix.codemods._context import FileContext


@dataclass
class PendingFinding:
    """A finding as a rule records it, before the engine gives it a position."""

    rule: type[Rule]
    node: cst.CSTNode | None
    message: str
    fix_safety: FixSafety
    fixed: bool
    line: int | None = None
    column: int | None = None
    statement: cst.CSTNode | None = None  # the top-level statement holding `node`, for its position
    severity: Severity | None = None  # this finding's impact when it differs from the rule's


class Rule(cst.CSTTransformer):
    """Base class of every rule.

    The class docstring is the rule's explanation (`iacfix explain CODE`) and uses the headings
    What it does, Why it matters, Example, After the fix, Fix safety.

    A rule is a libcst transformer. The engine runs all selected rules in one traversal, so
    `visit_*` return values are ignored (children are always visited) and each `leave_*` gets the
    node as earlier rules left it. Metadata must be looked up with the original node.
    """

    CODE: ClassVar[str]
    NAME: ClassVar[str]
    SUMMARY: ClassVar[str]
    SEVERITY: ClassVar[Severity]
    FIX_SAFETY: ClassVar[FixSafety]
    # pylint message symbols this rule mirrors: `# pylint: disable=<symbol>` suppresses it.
    PYLINT: ClassVar[tuple[str, ...]] = ()
    # A file whose text matches none of these patterns never reaches this rule (nor libcst, when no
    # other rule wants it). Rules that look at every file return True from `wants` instead.
    TRIGGERS: ClassVar[re.Pattern[str] | None] = None
    # Documentation link carried into reports.
    REFERENCE: ClassVar[str] = ""
    UNIT_KIND: ClassVar[str] = "python"
    # Rules that look across files set COLLECTS and implement `collect`: the engine calls it on
    # every file the rule `collects` before any file is rewritten, and gives the facts to every
    # file's context.
    COLLECTS: ClassVar[bool] = False
    # Facts that hold live objects (a parsed tree, a closure) are not kept in the result cache.
    FACTS_CACHEABLE: ClassVar[bool] = True

    def __init__(self, context: FileContext) -> None:
        super().__init__()
        self.context = context

    @classmethod
    def wants(cls, text: str, context: FileContext) -> bool:
        """Cheap pre-check on the decoded source: can this rule fire on this file at all?"""
        return cls.TRIGGERS is None or cls.TRIGGERS.search(text) is not None

    @classmethod
    def touched_by(cls, lines: str, context: FileContext) -> bool:
        """Can an edit give this rule work in a file it has already been run on?

        `lines` are the lines an edit changed (removed and added ones; only the added ones when the
        question is whether another rule's fix, made in the same pass as this rule's, concerns
        it). A rule that already looked at the file finds nothing new unless the edit touched
        something it reads, which its `TRIGGERS` would match. Rules without `TRIGGERS` say yes; a
        rule whose candidates an edit can create elsewhere (a lengthened line, a name now used)
        must override this.
        """
        return cls.TRIGGERS is None or cls.TRIGGERS.search(lines) is not None

    @classmethod
    def collects(cls, text: str, context: FileContext) -> bool:
        """Pre-check of the collect phase: can this file hold facts other files need? (`wants`
        by default; a rule whose fixes depend on other files may collect more than it fixes.)"""
        return cls.wants(text, context)

    @classmethod
    def collect_needs_module(cls, text: str, context: FileContext) -> bool:
        """Whether `collect` needs this file's libcst tree. When no collecting rule does, the
        engine does not parse the file for the collect phase and passes `module=None`."""
        return True

    @classmethod
    def collect(cls, module: cst.Module | None, context: FileContext) -> Any:
        """Facts about this file that other files' fixes need (cross-file renames); `module` is
        None only if `collect_needs_module` said no."""
        return None

    @classmethod
    def release(cls, fact: Any) -> None:
        """The engine keeps the trees parsed for `collect` only up to a memory budget; past it, it
        calls this so that `fact` no longer holds the tree it was collected from (the file's fix
        phase parses it again)."""

    @classmethod
    def options(cls) -> Mapping[str, Any]:
        """Rule options settable in configuration, with their defaults."""
        return {}

    @classmethod
    def check_option(cls, key: str, value: Any) -> str | None:
        """What is wrong with `value` for option `key` (None: nothing); configuration reading asks."""
        return None

    def option(self, key: str) -> Any:
        return self.context.settings.rule_option(self.CODE, key, self.options()[key])

    def report(
        self,
        node: cst.CSTNode,
        message: str,
        *,
        fixable: bool = True,
        fix_safety: FixSafety | None = None,
        severity: Severity | None = None,
    ) -> bool:
        """Record a finding at `node` (an original node) and say whether to apply its fix.

        Returns False when the fix must not be applied: the finding is suppressed by a comment,
        the fix is unsafe and unsafe fixes are off, or the rule says it cannot fix this one.
        `severity` lowers (or raises) the impact of this one finding, as `fix_safety` does its fix.
        """
        safety = fix_safety or self.FIX_SAFETY
        if not fixable:
            safety = FixSafety.NONE
        return self.context.record(self, node, message, safety, severity)

    def defer(self) -> None:
        """Leave a candidate to the next pass: another rule rewrote its node in this pass (the
        engine then runs this rule again on the result, whatever lines the edit touched)."""
        self.context.deferred.add(type(self))

    def report_on_lines(self, line: int, column: int, message: str) -> None:
        """Record a report-only finding at a known position (for text-level checks)."""
        self.context.record_at(self, line, column, message)


class TextRule:
    """Base class of rules for non-Python units (`UNIT_KIND`, e.g. "requirements").

    Same metadata and docstring conventions as `Rule`; `fix` gets the unit's text and returns the
    fixed text, recording each finding with `self.report(line, column, message)`, whose result
    says whether to apply that fix.
    """

    CODE: ClassVar[str]
    NAME: ClassVar[str]
    SUMMARY: ClassVar[str]
    SEVERITY: ClassVar[Severity]
    FIX_SAFETY: ClassVar[FixSafety]
    UNIT_KIND: ClassVar[str] = "requirements"
    PYLINT: ClassVar[tuple[str, ...]] = ()
    TRIGGERS: ClassVar[re.Pattern[str] | None] = None
    REFERENCE: ClassVar[str] = ""
    COLLECTS: ClassVar[bool] = False

    def __init__(self, context: FileContext) -> None:
        self.context = context

    @classmethod
    def wants(cls, text: str, context: FileContext) -> bool:
        return cls.TRIGGERS is None or cls.TRIGGERS.search(text) is not None

    @classmethod
    def options(cls) -> Mapping[str, Any]:
        return {}

    def report(self, line: int, column: int, message: str, *, fixable: bool = True,
               fix_safety: FixSafety | None = None) -> bool:
        safety = FixSafety.NONE if not fixable else fix_safety or self.FIX_SAFETY
        return self.context.record_text(self, line, column, message, safety)

    def fix(self, text: str) -> str:
        raise NotImplementedError


def explanation(rule: type[Rule] | type[TextRule]) -> str:
    """The rule's explanation: its class docstring, dedented."""
    import inspect

    return inspect.cleandoc(rule.__doc__ or "")
