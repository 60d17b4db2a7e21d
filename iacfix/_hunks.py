"""A fix as separate changes: list them, show one as a diff hunk, apply any subset. No libcst.

Used by the interactive review (accept change by change) and the language server (the edit of
one finding). Lines keep their own endings; texts are split on "\\n" only, as the diffs are.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Iterable, Sequence


@dataclass(frozen=True)
class Change:
    """Old lines `start:end` (0-based, end excluded) become `lines`; `new_start` is where they are
    in the fully fixed text."""

    start: int
    end: int
    lines: tuple[str, ...]
    new_start: int

    def touches(self, other: Change) -> bool:
        """Do the two changes edit overlapping old lines (or insert at the same place)?"""
        if self.start == self.end or other.start == other.end:
            return self.start <= other.end and other.start <= self.end
        return max(self.start, other.start) < min(self.end, other.end)

    def covers(self, line: int) -> bool:
        """Does the change edit 1-based old line `line` (an insertion: next to it)?"""
        index = line - 1
        if self.start == self.end:
            return index in (self.start - 1, self.start)
        return self.start <= index < self.end


def split_lines(text: str) -> list[str]:
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def changes(old: str, new: str) -> list[Change]:
    """The separate edits that turn `old` into `new`, top to bottom."""
    a, b = split_lines(old), split_lines(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return [Change(i1, i2, tuple(b[j1:j2]), j1) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


def apply(old: str, chosen: Iterable[Change]) -> str:
    """`old` with the chosen changes made (all of them: exactly the new text)."""
    lines = split_lines(old)
    out: list[str] = []
    position = 0
    for change in sorted(chosen, key=lambda c: (c.start, c.end)):
        out.extend(lines[position:change.start])
        out.extend(change.lines)
        position = change.end
    out.extend(lines[position:])
    return "".join(out)


def hunk(old: str, change: Change, *, context: int = 3) -> str:
    """The change as a unified-diff hunk with up to `context` lines around it."""
    lines = split_lines(old)
    before = lines[max(0, change.start - context):change.start]
    after = lines[change.end:change.end + context]
    removed = lines[change.start:change.end]
    first_old = change.start - len(before) + 1
    first_new = change.new_start - len(before) + 1
    old_count = len(before) + len(removed) + len(after)
    new_count = len(before) + len(change.lines) + len(after)
    body = [" " + line for line in before]
    body += ["-" + line for line in removed]
    body += ["+" + line for line in change.lines]
    body += [" " + line for line in after]
    text = "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in body)
    return f"@@ -{_span(first_old, old_count)} +{_span(first_new, new_count)} @@\n{text}"


def _span(start: int, count: int) -> str:
    # A range of no lines names the line before it (as diff does).
    return f"{start - 1 if count == 0 else start},{count}"


def isolate(all_changes: Sequence[Change], finding_lines: Sequence[int], line: int) -> list[Change] | None:
    """The changes that fix the finding at 1-based `line`, given the lines of every fixed finding of
    the fix, or None when they can't be told apart. A finding sits on its node's first line and its
    fix inside the node, so a change belongs to the nearest finding line at or above its first
    line; a change above every finding (an import added at the top) belongs to none, and then the
    fix is taken whole."""
    mine = []
    for change in all_changes:
        owners = [other for other in finding_lines if other <= change.start + 1]
        if not owners:
            return None
        if max(owners) == line:
            mine.append(change)
    return mine or None
