#!/usr/bin/env python3
"""Run iacfix over every Python block of every answer in a corpus and prove nothing got corrupted.

    python tools/corpus_trust.py [FOLDER ...] [--each-rule] [--json PATH] [--keep DIR]

FOLDER defaults to `../shared/corpus/dev` beside the checkout. Every ```python / ```py block of every
`*.md` file under it, and every `*.py` file, is copied into a scratch folder (the corpus itself is never
written). Then:

1. in process, for all rules together (and each rule alone with `--each-rule`), every block is fixed
   with unsafe fixes on, and the script reports
   - crashes: an exception out of the engine, or an internal error (a rule crashed, a rewrite that
     did not parse was dropped);
   - unparsable outputs: a changed block libcst cannot parse, or that no longer compiles though the
     original did;
   - non-idempotent blocks: fixing the output again changes it;
   - silent changes: a block whose bytes changed though no rule recorded an applied fix;
2. the real command line (`python -m iacfix --unsafe-fixes`) fixes the scratch copy in place, and
   every file must hold exactly the bytes the in-process run produced; a second command-line run
   must change nothing.

Blocks that do not parse to begin with are counted (`refused`), not failures: iacfix leaves them as
they are. Exit status: 0 when all four failure counts are zero, 1 otherwise.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import libcst as cst  # noqa: E402

from iacfix.codemods import ALL_RULES  # noqa: E402
from iacfix.codemods._engine import fix_source  # noqa: E402
from iacfix.settings import Settings  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "dev"
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*([\w+.-]*)")
PYTHON_INFO = {"python", "py", "python3"}
FAILURES = ("crashes", "unparsable", "non_idempotent", "silent_changes")


@dataclass
class Block:
    name: str  # where it came from: `path/to/answer.md:LINE` or the .py path
    data: bytes


@dataclass
class Report:
    rule_set: str
    blocks: int = 0
    changed: int = 0
    fixes: int = 0
    refused: int = 0
    problems: dict[str, list[str]] = field(default_factory=lambda: {name: [] for name in FAILURES})
    refusals: dict[str, int] = field(default_factory=dict)  # why blocks were left as they are

    def counts(self) -> dict[str, int]:
        return {"blocks": self.blocks, "changed": self.changed, "fixes_applied": self.fixes,
                "refused": self.refused, **{name: len(items) for name, items in self.problems.items()}}


def python_blocks(markdown: str) -> list[tuple[int, str]]:
    """`(first line of the code, code)` for every fenced python block (CommonMark fences)."""
    blocks = []
    lines = markdown.splitlines(keepends=True)
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        fence, info = match.group(1), match.group(2).lower()
        body = []
        j = i + 1
        while j < len(lines) and not re.match(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$", lines[j]):
            body.append(lines[j])
            j += 1
        if info in PYTHON_INFO:
            blocks.append((i + 2, "".join(body)))
        i = j + 1
    return blocks


def gather(folders: list[Path]) -> list[Block]:
    blocks = []
    for folder in folders:
        paths = [folder] if folder.is_file() else sorted(folder.rglob("*"))
        for path in paths:
            if path.suffix.lower() in (".md", ".markdown") and path.is_file():
                text = path.read_text(encoding="utf-8", errors="surrogateescape")
                for line, code in python_blocks(text):
                    blocks.append(Block(f"{path}:{line}", code.encode("utf-8", errors="surrogateescape")))
            elif path.suffix == ".py" and path.is_file():
                blocks.append(Block(str(path), path.read_bytes()))
    return blocks


def _compiles(data: bytes) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(data, "<block>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def check(blocks: list[Block], rule_set: str, settings: Settings) -> tuple[Report, dict[str, bytes]]:
    rules = tuple(ALL_RULES) if rule_set == "all" else tuple(r for r in ALL_RULES if r.CODE == rule_set)
    report = Report(rule_set)
    outputs: dict[str, bytes] = {}
    for block in blocks:
        report.blocks += 1
        try:
            result = fix_source(block.data, block.name, settings, rules=rules)
        except Exception as error:  # noqa: BLE001 - the point is to catch anything
            report.problems["crashes"].append(f"{block.name}: {type(error).__name__}: {error}")
            continue
        outputs[block.name] = result.new
        for message in result.internal_errors:
            report.problems["crashes"].append(f"{block.name}: {message}")
        if result.error is not None:
            report.refused += 1
            reason = re.sub(r"[:(].*", "", result.error.message)  # "cannot parse", "too deeply nested", ...
            report.refusals[reason] = report.refusals.get(reason, 0) + 1
            if result.new != block.data:
                report.problems["silent_changes"].append(f"{block.name}: refused ({result.error.message}) "
                                                         "but changed")
            continue
        fixed = [finding for finding in result.findings if finding.fixed]
        report.fixes += len(fixed)
        if result.new == block.data:
            continue
        report.changed += 1
        if not fixed:
            report.problems["silent_changes"].append(f"{block.name}: changed, but no rule applied a fix")
        try:
            cst.parse_module(result.new)
        except Exception as error:  # noqa: BLE001
            report.problems["unparsable"].append(f"{block.name}: {str(error).splitlines()[0]}")
            continue
        if _compiles(block.data) and not _compiles(result.new):
            report.problems["unparsable"].append(f"{block.name}: compiled before the fix, not after")
        again = fix_source(result.new, block.name, settings, rules=rules)
        if again.new != result.new:
            report.problems["non_idempotent"].append(f"{block.name}: a second run changes it again")
    return report, outputs


def check_cli(blocks: list[Block], outputs: dict[str, bytes], scratch: Path) -> dict[str, list[str]]:
    """The real command line over a copy: same bytes as in process, and a second run changes nothing."""
    problems: dict[str, list[str]] = {"cli_mismatch": [], "cli_crashes": [], "cli_not_idempotent": []}
    files = {}
    for number, block in enumerate(blocks):
        path = scratch / f"block_{number:05}.py"
        path.write_bytes(block.data)
        files[path] = block
    command = [sys.executable, "-m", "iacfix", "--unsafe-fixes", "--quiet", str(scratch)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    first = subprocess.run(command, capture_output=True, env=env, check=False)
    stderr = first.stderr.decode(errors="replace")
    if first.returncode not in (0, 1, 2) or "Traceback" in stderr or "internal error" in stderr:
        problems["cli_crashes"].append(f"exit {first.returncode}: {stderr[-2000:]}")
    snapshot = {}
    for path, block in files.items():
        data = path.read_bytes()
        snapshot[path] = data
        if block.name in outputs and data != outputs[block.name]:
            problems["cli_mismatch"].append(f"{block.name}: the command line wrote other bytes than the engine")
    second = subprocess.run(command, capture_output=True, env=env, check=False)
    if second.returncode not in (0, 1, 2):
        problems["cli_crashes"].append(f"second run, exit {second.returncode}: {second.stderr[-2000:]!r}")
    for path, block in files.items():
        if path.read_bytes() != snapshot[path]:
            problems["cli_not_idempotent"].append(f"{block.name}: a second command-line run changed it")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="*", type=Path, help=f"corpus folders or files (default {DEFAULT_CORPUS})")
    parser.add_argument("--each-rule", action="store_true", help="also check every rule alone")
    parser.add_argument("--no-cli", action="store_true", help="skip the command-line pass")
    parser.add_argument("--json", type=Path, help="write the counts and problems here")
    parser.add_argument("--keep", type=Path, help="keep the command line's scratch copy in this (new) folder")
    args = parser.parse_args(argv)
    folders = args.folders or [DEFAULT_CORPUS]
    missing = [str(folder) for folder in folders if not folder.exists()]
    if missing:
        print(f"no such folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    blocks = gather(folders)
    settings = Settings(unsafe_fixes=True)
    rule_sets = ["all"] + ([rule.CODE for rule in ALL_RULES] if args.each_rule else [])
    reports = []
    outputs: dict[str, bytes] = {}
    for rule_set in rule_sets:
        report, produced = check(blocks, rule_set, settings)
        reports.append(report)
        if rule_set == "all":
            outputs = produced
    cli: dict[str, list[str]] = {}
    if not args.no_cli:
        if args.keep:
            args.keep.mkdir(parents=True)
            cli = check_cli(blocks, outputs, args.keep)
        else:
            with tempfile.TemporaryDirectory(prefix="iacfix-corpus-") as scratch:
                cli = check_cli(blocks, outputs, Path(scratch))
    elapsed = time.perf_counter() - started
    failed = False
    print(f"{len(blocks)} python blocks from {', '.join(map(str, folders))}")
    print(f"{'rules':<8} {'blocks':>6} {'changed':>7} {'fixes':>6} {'refused':>7} " +
          " ".join(f"{name:>14}" for name in FAILURES))
    for report in reports:
        counts = report.counts()
        print(f"{report.rule_set:<8} {counts['blocks']:>6} {counts['changed']:>7} {counts['fixes_applied']:>6} "
              f"{counts['refused']:>7} " + " ".join(f"{counts[name]:>14}" for name in FAILURES))
        if report.refusals:
            print("  refused: " + ", ".join(f"{n} {why}" for why, n in sorted(report.refusals.items())))
        for name, items in report.problems.items():
            for item in items:
                failed = True
                print(f"  {report.rule_set} {name}: {item}")
    for name, items in cli.items():
        print(f"{name}: {len(items)}")
        for item in items:
            failed = True
            print(f"  {item}")
    print(f"{elapsed:.1f}s")
    if args.json:
        args.json.write_text(json.dumps({
            "blocks": len(blocks), "seconds": round(elapsed, 1),
            "rule_sets": {r.rule_set: {**r.counts(), "refusals": r.refusals, "problems": r.problems} for r in reports},
            "cli": cli,
        }, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
