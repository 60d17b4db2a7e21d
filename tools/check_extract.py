#!/usr/bin/env python3
"""Check `iacfix extract --fix` on real answers: every named block lands in its file, and parses.

For every `MODEL_RESPONSE.md` under the given folders (default: ../shared/corpus/dev beside this
checkout) it runs `iacfix extract ANSWER --to TMP/<n> --fix` and checks, block by block (the
last block of a name wins, as extract documents):
- a Python block that parsed in the answer is in its file, and the file still parses;
- a Python block that did not parse is in its file exactly as the answer has it, and a note
  names it;
- every other named block (requirements.txt, cdk.json, ...) is in its file byte for byte;
- a name extract refuses (absolute, or out of the folder) is reported as an error, not written.
With `--no-fix` the files must hold the blocks byte for byte.

    PYTHONPATH=. python tools/check_extract.py [--no-fix] [FOLDER...]

Prints a line per problem and the counts; exit status 1 when a check failed.
"""

from __future__ import annotations

import ast
import collections
import sys
import tempfile
import warnings
from pathlib import Path

from click.testing import CliRunner

from iacfix.cli import main
from iacfix.codemods._markdown import read_blocks
from iacfix.extract import resolve_inside


def parses(data: bytes) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(data)
    except (SyntaxError, ValueError):
        return False
    return True


def check(answer: Path, dest: Path, fix: bool, counts: collections.Counter[str]) -> list[str]:
    problems = []
    args = ["extract", str(answer), "--to", str(dest)] + (["--fix"] if fix else [])
    run = CliRunner().invoke(main, args)
    if run.exception is not None and not isinstance(run.exception, SystemExit):
        return [f"crash: {run.exception!r}"]
    counts["answers"] += 1
    counts["notes"] += run.stderr.count(": note: ")
    blocks = read_blocks(answer.read_bytes())
    counts["blocks"] += len(blocks)
    last = {}
    for block in blocks:
        if block.kind == "python":
            counts["python blocks"] += 1
            counts["python named" if block.name else "python unnamed"] += 1
            counts["python parsed" if parses(block.body) else "python not parsed"] += 1
        if block.name:
            counts["named blocks"] += 1
            if block.name in last:
                counts["names repeated"] += 1
            last[block.name] = block
    for name, block in last.items():
        target, _ = resolve_inside(str(dest), name)
        if target is None:
            counts["names refused"] += 1
            if "error" not in run.stderr or name not in run.stderr:
                problems.append(f"`{name}` refused without an error message")
            continue
        path = Path(target)
        if not path.is_file():
            problems.append(f"`{name}` was not written")
            continue
        written = path.read_bytes()
        counts["files written from blocks"] += 1
        if block.kind != "python" or not fix:
            if written != block.body:
                problems.append(f"`{name}` differs from its block")
        elif parses(block.body):
            if not parses(written):
                problems.append(f"`{name}` parsed in the answer but not after extract --fix")
        elif written != block.body or f"block `{name}` left as it is" not in run.stderr:
            problems.append(f"`{name}` did not parse and was not written as it was, with a note")
    added = sum(1 for line in run.stdout.splitlines() if "(from IAC4" in line)
    counts["files added by project rules"] += added
    counts[f"exit {run.exit_code}"] += 1
    return problems


def main_(argv: list[str]) -> int:
    fix = "--no-fix" not in argv
    folders = [arg for arg in argv if arg != "--no-fix"]
    roots = [Path(f) for f in folders] or [Path(__file__).resolve().parents[2] / "shared" / "corpus" / "dev"]
    answers = sorted(p for root in roots for p in ([root] if root.is_file() else root.rglob("MODEL_RESPONSE.md")))
    counts: collections.Counter[str] = collections.Counter()
    failed = 0
    with tempfile.TemporaryDirectory() as scratch:
        for number, answer in enumerate(answers):
            problems = check(answer, Path(scratch) / str(number), fix, counts)
            for problem in problems:
                print(f"{answer}: {problem}")
            failed += bool(problems)
    print(f"{len(answers)} answers extracted{' with --fix' if fix else ''}, {failed} with problems")
    for key in sorted(counts):
        print(f"  {key:<32} {counts[key]}")
    return 1 if failed or not answers else 0


if __name__ == "__main__":
    sys.exit(main_(sys.argv[1:]))
