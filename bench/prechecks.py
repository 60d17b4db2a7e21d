"""Every rule's pre-check (`TRIGGERS` / `wants`) must let through every file the rule fires on.

    python bench/prechecks.py DIR [CODE ...]
    python bench/prechecks.py --times [--findings RESULT.json] DIR [CODE ...]

Fixes each .py file under DIR twice, one file at a time: as usual, and with every pre-check
forced to say yes. Findings and output must be identical; prints the files where they are not
and exits 1. `tests/test_prechecks.py` runs the same comparison on the fixtures.

With `--times` it fixes nothing: it times each rule's `wants` on every file (one shared `ast`
parse per text, charged to the first rule that asks, as in a run) and prints per rule how many
files it wants and what its pre-check costs, and how many files any rule wants (those reach
libcst). `--findings` takes `iacfix --check --output-format json DIR` output and adds per rule
the files it has a finding in, to compare with the files it wants.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from iacfix.codemods import ALL_RULES  # noqa: E402
from iacfix.codemods._context import FileContext, Project, find_suppressions  # noqa: E402
from iacfix.codemods._engine import DecodeError, decode, fix_source  # noqa: E402
from iacfix.codemods._rule import Rule  # noqa: E402
from iacfix.settings import Settings  # noqa: E402

# Rules whose `wants` is the decision itself, not a pre-check: IAC305 counts the lines there,
# IAC107 judges only files named setup.py.
DECISIVE = frozenset({"IAC305", "IAC107"})

Outcome = tuple[tuple[tuple[str, int, int, str], ...], bytes]


@contextmanager
def forced_prechecks(rules: Sequence[type[Rule]]) -> Iterator[None]:
    """Every rule's `wants` says yes while inside."""
    saved = {rule: rule.__dict__.get("wants") for rule in rules}
    try:
        for rule in rules:
            rule.wants = classmethod(lambda cls, text, context: True)  # type: ignore[method-assign, assignment]
        yield
    finally:
        for rule, wants in saved.items():
            if wants is None:
                del rule.wants
            else:
                rule.wants = wants  # type: ignore[method-assign]


def outcome(data: bytes, path: str, rules: Sequence[type[Rule]], settings: Settings) -> Outcome:
    result = fix_source(data, path, settings, rules=rules)
    return tuple(sorted((f.code, f.line, f.column, f.message) for f in result.findings)), result.new


def compare(files: Sequence[tuple[str, bytes]], rules: Sequence[type[Rule]], settings: Settings | None = None
            ) -> tuple[list[str], Counter[str]]:
    """Files whose outcome differs with forced pre-checks, and per rule how many files it fires on."""
    settings = settings or Settings()
    rules = [rule for rule in rules if rule.UNIT_KIND == "python" and rule.CODE not in DECISIVE]
    usual = [outcome(data, path, rules, settings) for path, data in files]
    with forced_prechecks(rules):
        forced = [outcome(data, path, rules, settings) for path, data in files]
    differ = []
    fires: Counter[str] = Counter()
    for (path, _), one, other in zip(files, usual, forced):
        fires.update({finding[0] for finding in other[0]})
        if one != other:
            missed = sorted(set(other[0]) - set(one[0]))
            differ.append(f"{path}: the pre-check hides {missed[:3] or 'a change of the output'}")
    return differ, fires


def times(files: Sequence[tuple[str, bytes]], rules: Sequence[type[Rule]], findings: str | None) -> None:
    """Per rule: files wanted, pre-check seconds (and files with a finding, from a JSON result)."""
    settings = Settings()
    wanted: Counter[str] = Counter()
    spent: Counter[str] = Counter()
    reach = 0
    for path, data in files:
        try:
            text, _ = decode(data)
        except DecodeError:
            continue
        start = time.perf_counter()
        context = FileContext(path, text, settings, Project(), suppressions=find_suppressions(text))
        spent["context"] += time.perf_counter() - start
        wanting = False
        for rule in rules:
            start = time.perf_counter()
            wants = rule.wants(text, context)
            spent[rule.CODE] += time.perf_counter() - start
            wanted[rule.CODE] += bool(wants)
            wanting = wanting or bool(wants)
        reach += wanting
    found: Counter[str] = Counter()
    if findings:
        for result in json.loads(Path(findings).read_text())["files"]:
            found.update({finding["code"] for finding in result["findings"]})
    print(f"{'rule':8} {'wanted':>6} {'found':>6} {'seconds':>8}")
    for code in sorted(wanted, key=lambda code: -spent[code]):
        print(f"{code:8} {wanted[code]:6} {found[code] if findings else '':>6} {spent[code]:8.3f}")
    print(f"{len(files)} files, {reach} wanted by some rule (they reach libcst); "
          f"pre-checks {sum(spent[code] for code in wanted):.3f} s, contexts {spent['context']:.3f} s")


def main() -> None:
    args = sys.argv[1:]
    timing = "--times" in args
    findings = args[args.index("--findings") + 1] if "--findings" in args else None
    args = [arg for arg in args if arg not in ("--times", "--findings", findings)]
    folder, codes = Path(args[0]), set(args[1:])
    rules = [rule for rule in ALL_RULES if not codes or rule.CODE in codes]
    files = [(str(path), path.read_bytes()) for path in sorted(folder.rglob("*.py"))]
    if timing:
        times(files, rules, findings)
        return
    differ, fires = compare(files, rules)
    print("\n".join(differ))
    print(f"{len(files)} files, {len(differ)} differ; files with findings per rule: "
          + ", ".join(f"{code} {count}" for code, count in sorted(fires.items())))
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
