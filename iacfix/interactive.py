"""`iacfix --interactive PATH...`: review the fixes change by change, as Bowler's review did.

Each change is shown as a diff hunk with the rule(s) that made it and why; the answer applies it,
skips it, applies or skips every change of that rule from now on, or quits. Only accepted changes
are written: they are applied to the original text (all of them give exactly the fixed text), the
result must still parse, and each file is written atomically once its changes are decided.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import click

from iacfix._hunks import Change, apply, changes, hunk, split_lines
from iacfix._output import colorize_diff, finding_line

if TYPE_CHECKING:
    from iacfix.codemods._engine import FileResult
    from iacfix.codemods._rule import Finding
    from iacfix.config import Resolver

HELP = """\
y - apply this change
n - skip this change
a - apply this change and every later change of the same rule(s)
s - skip this change and every later change of the same rule(s)
q - quit: write the changes accepted so far, skip the rest
? - this help"""
ANSWERS = ("y", "n", "a", "s", "q")


@dataclass
class Review:
    """The run's answers so far."""

    colored: bool
    by_rule: dict[str, bool] = dataclasses.field(default_factory=dict)  # code -> apply all / skip all
    applied: int = 0
    skipped: int = 0
    failed: int = 0
    quit: bool = False


@dataclass(frozen=True)
class Labelled:
    change: Change
    codes: tuple[str, ...]
    findings: tuple[Finding, ...]


def review(paths: Sequence[str], resolver: Resolver, *, colored: bool) -> int:
    """Fix `paths` as `iacfix PATH...` would, asking before each change; returns the exit code."""
    from iacfix.codemods._engine import fix_paths

    results = fix_paths(paths, resolver=resolver)
    state = Review(colored)
    left: list[Finding] = []
    for result in results:
        if result.error is not None:
            click.echo(result.error.format(result.path), err=True)
            state.failed += 1
            continue
        for message in result.internal_errors:
            click.echo(f"{result.path}: {message}", err=True)
        state.failed += bool(result.internal_errors)
        left.extend(f for f in result.findings if not f.fixed)
        if result.changed and not state.quit:
            left.extend(_review_file(result, resolver, state))
        elif result.changed:
            left.extend(f for f in result.findings if f.fixed)
            state.skipped += len(changes(_decode(result, result.old), _decode(result, result.new)))
    for finding in sorted(left):
        click.echo(finding_line(finding, mode="diff"))
    click.echo(f"{len(results)} file{'s' if len(results) != 1 else ''} checked, {state.applied} change"
               f"{'s' if state.applied != 1 else ''} applied, {state.skipped} skipped"
               + (f", {state.failed} failed" if state.failed else ""), err=True)
    return 2 if state.failed else 1 if left or state.skipped else 0


def _review_file(result: FileResult, resolver: Resolver, state: Review) -> list[Finding]:
    """Ask about each change of one file, write what was accepted; returns the findings left."""
    old, new = _decode(result, result.old), _decode(result, result.new)
    if old.encode(result.encoding) != result.old or new.encode(result.encoding) != result.new:
        # Bail out: text that does not give back the same bytes is reviewed as one change.
        items = [Labelled(Change(0, len(split_lines(old)), tuple(split_lines(new)), 0),
                          tuple(sorted({f.code for f in result.findings if f.fixed})), result.findings)]
    else:
        items = _label(result, old, changes(old, new), resolver)
    accepted: list[Labelled] = []
    for number, item in enumerate(items, 1):
        if state.quit:
            state.skipped += 1
            continue
        decision = _decide(result.path, old, item, number, len(items), state)
        if decision:
            accepted.append(item)
        else:
            state.skipped += 1
    written = bool(accepted) and _write(result, old, accepted, len(accepted) == len(items), state)
    taken = {f for item in accepted for f in item.findings} if written else set()
    return [f for f in result.findings if f.fixed and f not in taken]


def _decide(path: str, old: str, item: Labelled, number: int, total: int, state: Review) -> bool:
    known = [state.by_rule[code] for code in item.codes if code in state.by_rule]
    if item.codes and len(known) == len(item.codes) and len(set(known)) == 1:
        return known[0]
    rules = ", ".join(item.codes) or "?"
    click.echo(click.style(f"{path}  change {number} of {total}  [{rules}]", bold=True), color=state.colored)
    for finding in item.findings:
        click.echo(f"  {finding.code} {finding.name} ({finding.severity.value}), line {finding.line}: "
                   f"{finding.message}")
    text = hunk(old, item.change)
    click.echo(colorize_diff(text) if state.colored else text, nl=False, color=state.colored)
    while True:
        try:
            answer = click.prompt(f"Apply this change? [y,n,a,s,q,?] (a/s: all of {rules})", default="n",
                                  show_default=False).strip().lower()[:1]
        except click.Abort:  # end of input or Ctrl-C: stop as `q` does
            click.echo()
            answer = "q"
        if answer in ANSWERS:
            break
        click.echo(HELP)
    if answer == "q":
        state.quit = True
        return False
    if answer in ("a", "s"):
        for code in item.codes:
            state.by_rule[code] = answer == "a"
    return answer in ("y", "a")


def _write(result: FileResult, old: str, accepted: list[Labelled], everything: bool, state: Review) -> bool:
    from iacfix.codemods._files import ChangedOnDisk, write_atomic

    data = result.new if everything else apply(old, [item.change for item in accepted]).encode(result.encoding)
    if not everything and not _still_parses(result.path, result.old, data):
        click.echo(f"{result.path}: error: the accepted changes without the others do not parse; not written",
                   err=True)
        state.failed += 1
        state.skipped += len(accepted)
        return False
    try:
        write_atomic(result.path, data, expected=result.old)
    except ChangedOnDisk:
        click.echo(f"{result.path}: error: changed on disk since it was read; not written", err=True)
    except OSError as error:
        click.echo(f"{result.path}: error: cannot write: {error.strerror or error}", err=True)
    else:
        state.applied += len(accepted)
        return True
    state.failed += 1
    state.skipped += len(accepted)
    return False


def _still_parses(path: str, old: bytes, new: bytes) -> bool:
    """Every Python unit of the document that parsed before still parses (and there are as many)."""
    import libcst as cst

    from iacfix.codemods._units import document_for

    document = document_for(path)
    before, after = document.split(path, old).units, document.split(path, new).units
    if [(u.name, u.kind) for u in before] != [(u.name, u.kind) for u in after]:
        return False
    for was, now in zip(before, after):
        if now.kind != "python" or not _parses(cst, was.data):
            continue
        if not _parses(cst, now.data):
            return False
    return True


def _parses(cst: object, data: bytes) -> bool:
    try:
        cst.parse_module(data)  # type: ignore[attr-defined]
    except Exception:  # libcst's ParserSyntaxError, or RecursionError on absurd nesting
        return False
    return True


def _label(result: FileResult, old: str, found: list[Change], resolver: Resolver) -> list[Labelled]:
    """Which rule made each change: with one rule fixing the file, that one; else each rule's own
    fix is computed alone and a change belongs to the rules whose fixes touch the same lines."""
    fixed = [f for f in result.findings if f.fixed]
    codes = sorted({f.code for f in fixed})
    own: dict[str, list[Change]] = {}
    if len(codes) > 1:
        from iacfix.codemods._engine import fix_documents

        settings = resolver.settings_for(result.path)
        for code in codes:
            alone = dataclasses.replace(settings, select=(code,), ignore=(), per_file_ignores=())
            single = fix_documents([(result.path, result.old)], alone)[0]
            own[code] = changes(old, _decode(result, single.new)) if single.error is None else []
    labelled = []
    for change in found:
        mine = tuple(codes) if len(codes) == 1 else tuple(c for c in codes if any(change.touches(o) for o in own[c]))
        candidates = [f for f in fixed if f.code in mine] if mine else fixed
        # Why: the findings on the changed lines, else the nearest one above (a call whose first
        # line holds the finding while only its second line changes), else the nearest below.
        why = [f for f in candidates if change.covers(f.line)]
        if not why and candidates:
            above = [f for f in candidates if f.line <= change.start + 1]
            why = [max(above, key=lambda f: f.line)] if above else [min(candidates, key=lambda f: f.line)]
        labelled.append(Labelled(change, mine or tuple(sorted({f.code for f in why})), tuple(why)))
    return labelled


def _decode(result: FileResult, data: bytes) -> str:
    return data.decode(result.encoding, errors="surrogateescape")

