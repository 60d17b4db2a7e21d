"""MODEL_FAILURES.md: the findings of a run, written as the QA failure analyses are.

The analyses open with a title and a summary line (`Total failures: 1 Critical, 4 High, 2 Medium,
0 Low`), then give each failure under its impact level (`## Critical Failures`, ...): a numbered
title, `**Impact Level**`, `**MODEL_RESPONSE Issue**` with the code as the answer had it,
`**IDEAL_RESPONSE Fix**` with the code as fixed, `**Root Cause**` and a documentation reference.
Here one failure is one rule: its findings are grouped, with their line numbers ("lines 20, 46 of
MODEL_RESPONSE.md"), the snippets are the changed lines with a line of context, the root cause is
the rule's "Why it matters" and the reference its `REFERENCE`. What was not fixed is listed again
at the end as needing manual work.
"""

from __future__ import annotations

import difflib
import os
import re
import textwrap
from dataclasses import dataclass, field
from typing import Callable, Sequence

from iacfix.codemods import get_rule
from iacfix.codemods._engine import FileResult
from iacfix.codemods._markdown import read_blocks
from iacfix.codemods._project_rules import ProjectFile, ProjectView, check_project
from iacfix.codemods._rule import Finding, Severity, explanation
from iacfix.settings import Settings

MAX_SNIPPETS = 5  # places shown per failure; the line list names them all


@dataclass
class _Place:
    finding: Finding
    before: list[str] = field(default_factory=list)  # the answer's lines around it
    after: list[str] = field(default_factory=list)  # the fixed lines (or a new file's text)
    new_file: str | None = None  # the file the fix adds, for project rules
    key: tuple[str, int] = ("", 0)  # the snippet's place: findings sharing a snippet show it once


def answer_findings(results: Sequence[FileResult], settings: Settings) -> list[tuple[Finding, str, bytes]]:
    """What project rules say about each Markdown answer among `results` (the project its named
    blocks make): findings, with the name and text of the file each fix would add."""
    out: list[tuple[Finding, str, bytes]] = []
    for result in results:
        if result.error is not None or not result.path.lower().endswith((".md", ".markdown")):
            continue
        files = {block.name: ProjectFile(block.name, block.body, result.path, block.line_offset)
                 for block in read_blocks(result.new) if block.name}
        for fix in check_project(ProjectView(None, files), settings):
            new = fix.new_file
            out.append((fix.finding, new.name if new else "", new.data if new else b""))
    return out


def render(results: Sequence[FileResult], settings: Settings | None = None, *, paths: Sequence[str] = ()) -> str:
    """The MODEL_FAILURES.md text for the results of a run over `paths`."""
    settings = settings or Settings()
    places = _places(results, settings)
    groups: dict[str, list[_Place]] = {}
    for place in places:
        groups.setdefault(place.finding.code, []).append(place)
    order = sorted(groups, key=lambda code: (groups[code][0].finding.severity.rank, code))
    counts = {severity: sum(groups[c][0].finding.severity is severity for c in order) for severity in Severity}
    shown = ", ".join(f"`{_display(p)}`" for p in paths) or "the MODEL_RESPONSE"
    lines = [
        "# Model Response Failures Analysis",
        "",
        f"This document analyzes the failures iacfix found in {shown} and the fixes that turn the "
        "MODEL_RESPONSE into the IDEAL_RESPONSE.",
        "",
        "## Summary",
        "",
        "Total failures: " + ", ".join(f"{counts[s]} {s.value}" for s in Severity),
        "",
        "---",
        "",
    ]
    number = 0
    for severity in Severity:
        codes = [code for code in order if groups[code][0].finding.severity is severity]
        if not codes:
            continue
        lines += [f"## {severity.value} Failures", ""]
        for code in codes:
            number += 1
            lines += _failure(number, groups[code])
    lines += _manual_work(results, places)
    return "\n".join(lines).rstrip("\n") + "\n"


def _places(results: Sequence[FileResult], settings: Settings) -> list[_Place]:
    texts = {r.path: r.old.decode(r.encoding, "replace") for r in results if not r.new_file and r.error is None}
    places = []
    for result in results:
        if result.error is not None:
            continue
        old = result.old.decode(result.encoding, "replace").split("\n")
        new = result.new.decode(result.encoding, "replace").split("\n")
        hunks = _hunks(old, new, _regions(result.path, result.old))
        for finding in result.findings:
            spot = (finding.path, finding.line)
            if result.new_file:
                source = texts.get(finding.path, "").split("\n")
                places.append(_Place(finding, _around(source, finding.line), new[:-1] if new[-1] == "" else new,
                                     _display(result.path), spot))
                continue
            # An unfixed finding inside a fixed snippet is shown there, not again on its own.
            hunk = _hunk_for(hunks, finding.line)
            if hunk is None:
                places.append(_Place(finding, _around(old, finding.line), key=spot))
            else:
                places.append(_Place(finding, old[hunk[0]:hunk[1]], new[hunk[2]:hunk[3]], key=(result.path, hunk[0])))
    for finding, name, data in answer_findings(results, settings):
        source = texts.get(finding.path, "").split("\n")
        after = data.decode("utf-8", "replace").rstrip("\n").split("\n") if name else []
        places.append(_Place(finding, _around(source, finding.line), after, name or None, (finding.path, finding.line)))
    return sorted(places, key=lambda place: place.finding)


def _failure(number: int, places: list[_Place]) -> list[str]:
    first = places[0].finding
    rule = get_rule(first.code)
    summary = rule.SUMMARY if rule else first.name
    lines = [f"### {number}. {summary[:1].upper()}{summary[1:]}", "", f"**Impact Level**: {first.severity.value}", "",
             f"**Rule**: {first.code} {first.name}", "", "**MODEL_RESPONSE Issue**:"]
    by_message: dict[str, list[Finding]] = {}
    for place in places:
        by_message.setdefault(place.finding.message, []).append(place.finding)
    lines += [f"- {message[:1].upper()}{message[1:]} ({_where(found)})" for message, found in by_message.items()]
    lines.append("")
    spots = _unique(places, lambda place: place.key)
    lines += _code(_join([place.before for place in spots[:MAX_SNIPPETS]]), "python")
    if len(spots) > MAX_SNIPPETS:
        lines += [f"(The first {MAX_SNIPPETS} of {len(spots)} places are shown.)", ""]
    lines.append("**IDEAL_RESPONSE Fix**:")
    for place in _unique([p for p in places if p.finding.fixed and p.new_file], lambda p: p.new_file):
        language = "json" if str(place.new_file).endswith(".json") else "python"
        lines += [f"New file `{place.new_file}`:", "", *_code(place.after, language)]
    lines += _code(_join([place.after for place in spots[:MAX_SNIPPETS] if not place.new_file]), "python")
    left = [place.finding for place in places if not place.finding.fixed]
    if left:
        lines += [f"Not fixed automatically ({_where(left)}): needs manual work.", ""]
    if rule is not None:
        lines += [f"**Root Cause**: {_why(rule)}", ""]
        if rule.REFERENCE:
            label = "AWS Documentation Reference" if "aws.amazon.com" in rule.REFERENCE else "Documentation Reference"
            lines += [f"**{label}**: {rule.REFERENCE}", ""]
    return lines + ["---", ""]


def _unique(places: list[_Place], key: Callable[[_Place], object]) -> list[_Place]:
    seen: set[object] = set()
    out = []
    for place in places:
        if key(place) not in seen:
            seen.add(key(place))
            out.append(place)
    return out


def _manual_work(results: Sequence[FileResult], places: list[_Place]) -> list[str]:
    items = []
    for result in results:
        if result.error is not None:
            items.append(f"- {result.error.format(_display(result.path))}")
        items += [f"- {_display(result.path)}: {message}" for message in result.internal_errors]
        items += [f"- {_display(note)}" for note in result.notes]
    for place in places:
        if not place.finding.fixed:
            f = place.finding
            items.append(f"- {_display(f.path)}:{f.line}: {f.code} {f.message}")
    lines = ["## Needs Manual Work", ""]
    return lines + (sorted(set(items), key=items.index) or ["Nothing: every finding above was fixed automatically."])


def _hunks(old: list[str], new: list[str], regions: list[range]) -> list[tuple[int, int, int, int]]:
    """Changed line ranges (old start, old end, new start, new end), with a line of context that
    stays inside the region (the Python block) the change is in."""
    hunks: list[tuple[int, int, int, int]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        region = next((r for r in regions if i1 in r or (i2 - 1) in r), range(0, len(old)))
        before = 1 if i1 - 1 in region else 0
        after = 1 if i2 in region else 0
        hunk = (i1 - before, i2 + after, j1 - before, j2 + after)
        if hunks and hunk[0] <= hunks[-1][1]:  # overlapping context: one snippet
            hunk = (hunks[-1][0], hunk[1], hunks[-1][2], hunk[3])
            hunks.pop()
        hunks.append(hunk)
    return hunks


def _hunk_for(hunks: list[tuple[int, int, int, int]], line: int) -> tuple[int, int, int, int] | None:
    index = line - 1
    near = [h for h in hunks if h[0] <= index < max(h[1], h[0] + 1)]
    return near[0] if near else None


def _regions(path: str, data: bytes) -> list[range]:
    if not path.lower().endswith((".md", ".markdown")):
        return []
    regions = []
    for block in read_blocks(data):
        start = block.line_offset
        regions.append(range(start, start + block.body.count(b"\n") + (0 if block.body.endswith(b"\n") else 1)))
    return regions


def _around(lines: list[str], line: int) -> list[str]:
    index = line - 1
    return lines[index:index + 1] if 0 <= index < len(lines) else []


def _join(snippets: list[list[str]]) -> list[str]:
    snippets = [dedented for s in snippets if (dedented := _dedent(s))]
    if all(len(s) == 1 for s in snippets):
        return [s[0] for s in snippets]
    out: list[str] = []
    for snippet in snippets:
        out += ([""] if out else []) + snippet
    return out


def _dedent(lines: list[str]) -> list[str]:
    text = textwrap.dedent("\n".join(line.rstrip("\r") for line in lines)).strip("\n")
    return text.split("\n") if text else []


def _code(lines: list[str], language: str) -> list[str]:
    return [f"```{language}", *lines, "```", ""] if lines else []


def _where(findings: list[Finding]) -> str:
    by_path: dict[str, list[int]] = {}
    for finding in findings:
        by_path.setdefault(_display(finding.path), []).append(finding.line)
    parts = []
    for path, numbers in by_path.items():
        numbers = sorted(set(numbers))
        word = "line" if len(numbers) == 1 else "lines"
        parts.append(f"{word} {', '.join(map(str, numbers))} of {path}")
    return "; ".join(parts)


def _why(rule: type) -> str:
    text = explanation(rule)
    section = text.split("## Why it matters", 1)[1].split("\n## ", 1)[0] if "## Why it matters" in text else ""
    return re.sub(r"\s+", " ", section).strip()


def _display(path: str) -> str:
    return path.replace(os.sep, "/").removeprefix("./")
