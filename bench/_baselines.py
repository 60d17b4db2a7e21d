"""Baselines for bench/run.py, each run as its own process.

    floor DIR   libcst parse + code generation of every .py file (the floor iacfix is held to)
    ast DIR     the standard library's ast.parse of every file (the lower floor)
    noop DIR    parse, visit with a transformer that changes nothing, regenerate
    noop-listed FILE
                the same on the files listed in FILE (one path per line): the files that
                have findings, i.e. what any one-traversal libcst tool must at least do
    stdin       parse + codegen of one file read from stdin (editor latency baseline)
"""

from __future__ import annotations

import ast
import sys
import warnings
from pathlib import Path


def _files(folder: str) -> list[Path]:
    if Path(folder).is_file():
        return [Path(line) for line in Path(folder).read_text(encoding="utf-8").splitlines() if line]
    return sorted(Path(folder).rglob("*.py"))


def main() -> None:
    mode = sys.argv[1]
    if mode == "ast":
        warnings.simplefilter("ignore")
        for path in _files(sys.argv[2]):
            try:
                ast.parse(path.read_bytes())
            except SyntaxError:
                pass
        return
    import libcst as cst

    if mode == "stdin":
        sys.stdout.buffer.write(cst.parse_module(sys.stdin.buffer.read()).bytes)
        return
    noop = cst.CSTTransformer() if mode in ("noop", "noop-listed") else None
    for path in _files(sys.argv[2]):
        try:
            module = cst.parse_module(path.read_bytes())
        except cst.ParserSyntaxError:
            continue
        if noop is not None:
            module = module.visit(noop)
        module.bytes


if __name__ == "__main__":
    main()
