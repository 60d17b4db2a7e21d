#!/usr/bin/env python3
"""Check that `iacfix` changes nothing but Python blocks in Markdown answers.

For every `MODEL_RESPONSE.md` under the given folders (default: ../shared/corpus/dev beside this
checkout) it runs `iacfix --dry-run ANSWER` (must not crash: no traceback, no internal error) and
`iacfix ANSWER -o FIXED`, then reads both answers with markdown-it (CommonMark, independent of
iacfix's own fence reading) and compares everything outside the Python blocks line for line:
prose, headings, other blocks and the fence lines themselves must be identical.

    PYTHONPATH=. python tools/check_markdown_prose.py [FOLDER...]

Prints one line per answer that fails and a closing count; exit status 1 when any failed.
Needs markdown-it-py (in the test extra).
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner
from markdown_it import MarkdownIt

from iacfix.cli import main

PYTHON = {"python", "py", "python3", "py3"}
_CLOSING = re.compile(r"\s*(`{3,}|~{3,})\s*$")


def outside_python(text: str) -> list[str]:
    """The document's lines with each Python block's body replaced by one marker line."""
    lines = text.replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    last = 0
    for token in MarkdownIt("commonmark").parse(text):
        if token.type != "fence" or (token.info.split() or [""])[0].lower() not in PYTHON:
            continue
        start, end = token.map  # type: ignore[misc]
        kept.extend(lines[last:start + 1])
        kept.append("<python block>")
        last = end - 1 if end - 1 > start and _CLOSING.match(lines[end - 1]) else end
    kept.extend(lines[last:])
    return kept


def check(answer: Path, scratch: Path) -> tuple[str | None, dict[str, int]]:
    runner = CliRunner()
    dry = runner.invoke(main, ["--dry-run", str(answer)])
    if dry.exception is not None and not isinstance(dry.exception, SystemExit):
        return f"crash: {dry.exception!r}", {}
    if "internal error" in dry.stderr or "Traceback" in dry.stderr:
        return "internal error: " + dry.stderr.strip().splitlines()[0], {}
    fixed = scratch / "IDEAL_RESPONSE.md"
    fixed.unlink(missing_ok=True)
    run = runner.invoke(main, [str(answer), "-o", str(fixed)])
    if not fixed.exists():
        return f"no output written (exit {run.exit_code}): {run.stderr.strip()[:200]}", {}
    old, new = answer.read_bytes(), fixed.read_bytes()
    if bool(dry.stdout) != (old != new):
        return "the dry-run diff and the written answer disagree", {}
    before, after = outside_python(old.decode("utf-8")), outside_python(new.decode("utf-8"))
    if before != after:
        where = next(i for i, (a, b) in enumerate(zip(before, after)) if a != b) if len(before) == len(after) else -1
        return f"prose changed (first difference at kept line {where})", {}
    stats = {
        "changed": int(old != new),
        "notes": dry.stderr.count(": note: "),
        "findings": len(re.findall(r":\d+:\d+: IAC\d{3} ", dry.stderr)),
    }
    return None, stats


def main_(folders: list[str]) -> int:
    roots = [Path(f) for f in folders] or [Path(__file__).resolve().parents[2] / "shared" / "corpus" / "dev"]
    answers = sorted(p for root in roots for p in ([root] if root.is_file() else root.rglob("MODEL_RESPONSE.md")))
    failed = 0
    totals = {"changed": 0, "notes": 0, "findings": 0}
    with tempfile.TemporaryDirectory() as scratch:
        for answer in answers:
            problem, stats = check(answer, Path(scratch))
            if problem:
                failed += 1
                print(f"{answer}: {problem}")
            for key, value in stats.items():
                totals[key] += value
    print(f"{len(answers)} answers checked, {failed} failed; {totals['changed']} would change, "
          f"{totals['findings']} findings, {totals['notes']} blocks left alone (notes)")
    return 1 if failed or not answers else 0


if __name__ == "__main__":
    sys.exit(main_(sys.argv[1:]))
