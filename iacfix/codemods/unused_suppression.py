"""IAC300 unused-suppression: an `# iacfix: ignore` comment that silences nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from iacfix.codemods._context import ALL, Directive, FileContext, Suppressions, normal_code
from iacfix.codemods._rule import FixSafety, Rule, Severity


class UnusedSuppression(Rule):
    """Suppression comments that silence nothing.

    ## What it does
    With `--report-unused-ignores` (or `report-unused-ignores = true` in `[tool.iacfix]`), reports
    each `# iacfix: ignore[...]` comment, or each code in it, that silenced no finding in this run,
    and each code that names no rule. The unused comment (or code) is removed.

    ## Why it matters
    A stale suppression hides the next real defect on that line, and a misspelt code silences
    nothing while looking as if it does. Reviewers should see only suppressions that still matter.

    ## Example
    ```python
    import logging

    logger = logging.getLogger(__name__)
    logger.info("stored %s", key)  # iacfix: ignore[IAC301]
    ```

    ## After the fix
    ```python
    import logging

    logger = logging.getLogger(__name__)
    logger.info("stored %s", key)
    ```

    ## Fix safety
    Safe: only comments change. A code is judged only when its rule ran on the file (selected, and
    not turned off by `per-file-ignores`); a bare `# iacfix: ignore` only when every rule ran.
    `# pylint: disable=...` comments are never judged (pylint needs them). A comment that goes on
    after the directive (`# iacfix: ignore[IAC301] dynamic format`) and codes that name no rule are
    reported but left for a person to edit. `# iacfix: ignore[IAC300]` keeps a comment from being judged.

    ## Known limits
    Runs after the other rules: a finding's position refers to the file as the other fixes left it.
    """

    CODE = "IAC300"
    NAME = "unused-suppression"
    SUMMARY = "`# iacfix: ignore` comment that silences nothing"
    SEVERITY = Severity.LOW
    REFERENCE = "https://docs.astral.sh/ruff/rules/unused-noqa/"
    FIX_SAFETY = FixSafety.SAFE

    @classmethod
    def wants(cls, text: str, context: FileContext) -> bool:
        # Not a traversal rule: the engine calls `audit` once the other rules have run on the text.
        return False


@dataclass(frozen=True)
class UnusedIgnore:
    line: int
    column: int  # 0-based
    message: str
    fixed: bool


def audit(
    text: str,
    suppressions: Suppressions,
    judged: Sequence[type[Rule]],
    known: Sequence[type[Rule]],
) -> tuple[list[UnusedIgnore], str]:
    """The directives of `text` that silenced nothing while the `judged` rules ran on it, and the
    text with those that can be removed cleanly removed."""
    # Every Python rule ran (text rules such as IAC106 never run on Python units).
    everything = set(judged) >= {rule for rule in known
                                 if rule is not UnusedSuppression and rule.UNIT_KIND == "python"}
    found: list[UnusedIgnore] = []
    edits: dict[int, str | None] = {}  # line -> new comment (None: drop the comment)
    for directive in suppressions.directives:
        verdict = _judge(directive, suppressions.used, judged, known, everything)
        if verdict is None:
            continue
        message, keep, clean = verdict
        editable, edit = _edited(directive, keep) if clean else (False, None)
        if clean and not editable:
            message += " (words follow it: edit it by hand)"
        found.append(UnusedIgnore(directive.line, directive.column + directive.span[0], message, editable))
        if editable:
            edits[directive.line] = edit
    return found, _apply(text, suppressions.directives, edits) if edits else text


def _judge(
    directive: Directive,
    used: set[tuple[int, str]],
    judged: Sequence[type[Rule]],
    known: Sequence[type[Rule]],
    everything: bool,
) -> tuple[str, tuple[str, ...], bool] | None:
    """(message, codes to keep, whether the edit is clean), or None when nothing is wrong."""
    written = directive.comment[directive.span[0]:directive.span[1]]
    if not directive.codes:
        if not everything or (directive.line, ALL) in used:
            return None
        return f"`{written}` silences nothing here", (), True
    if {normal_code(code) for code in directive.codes} & {UnusedSuppression.CODE, UnusedSuppression.NAME}:
        return None
    unused, unknown = [], []
    for code in directive.codes:
        rule = next((r for r in known if normal_code(code) in (r.CODE, r.NAME)), None)
        if rule is None:
            unknown.append(code)
        elif rule in judged and (directive.line, normal_code(code)) not in used:
            unused.append(code)
    if not unused and not unknown:
        return None
    problems = []
    if unused:
        listed = ", ".join(f"`{code}`" for code in unused)
        whole = len(unused) == len(directive.codes)
        problems.append(f"`{written}` silences nothing here" if whole
                        else f"{listed} in `{written}` silences nothing here")
    if unknown:
        listed = ", ".join(f"`{code}`" for code in unknown)
        problems.append(f"{listed} in `{written}` names no rule (see `iacfix rules`)")
    keep = tuple(code for code in directive.codes if code not in unused)
    return "; ".join(problems), keep, not unknown


def _edited(directive: Directive, keep: tuple[str, ...]) -> tuple[bool, str | None]:
    """Whether the comment can be edited cleanly, and the new comment (None: no comment left)."""
    comment = directive.comment
    start, end = directive.span
    if keep:
        written = comment[start:end]
        return True, comment[:start] + written[:written.index("[") + 1] + ", ".join(keep) + "]" + comment[end:]
    before, after = comment[:start], comment[end:]
    if not before.strip() and not after.strip():
        return True, None
    if not before.strip() and after.lstrip().startswith("#"):
        return True, after.lstrip()
    if not after.strip():
        return True, before.rstrip()
    # Bail out: words follow the directive (a reason?); removing only the directive would leave
    # them as a dangling comment, removing them would lose them.
    return False, None


def _apply(text: str, directives: Sequence[Directive], edits: dict[int, str | None]) -> str:
    # Lines as the tokenizer counted them (it splits on "\n" only); each keeps its own ending.
    lines: list[str | None] = list(text.split("\n"))
    columns = {d.line: (d.column, len(d.comment)) for d in directives}
    for number, new in edits.items():
        index = number - 1
        column, width = columns[number]
        line = lines[index] or ""
        code, rest = line[:column], line[column + width:]
        if new is not None:
            lines[index] = code + new + rest
        elif code.strip():
            lines[index] = code.rstrip() + rest
        else:
            # An own-line comment: drop the line (the last line keeps the newline before it).
            lines[index] = None if index < len(lines) - 1 else ""
    return "\n".join(line for line in lines if line is not None)
