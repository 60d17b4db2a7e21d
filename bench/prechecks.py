"""Every rule's pre-check (`TRIGGERS` / `wants`) must let through every file the rule fires on.

    python bench/prechecks.py DIR [CODE ...]

Fixes each .py file under DIR twice, one file at a time: as usual, and with every pre-check
forced to say yes. Findings and output must be identical; prints the files where they are not
and exits 1. `tests/test_prechecks.py` runs the same comparison on the fixtures.
"""

from __future__ import annotations

import sys
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from iacfix.codemods import ALL_RULES  # noqa: E402
from iacfix.codemods._engine import fix_source  # noqa: E402
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


def main() -> None:
    folder, codes = Path(sys.argv[1]), set(sys.argv[2:])
    rules = [rule for rule in ALL_RULES if not codes or rule.CODE in codes]
    files = [(str(path), path.read_bytes()) for path in sorted(folder.rglob("*.py"))]
    differ, fires = compare(files, rules)
    print("\n".join(differ))
    print(f"{len(files)} files, {len(differ)} differ; files with findings per rule: "
          + ", ".join(f"{code} {count}" for code, count in sorted(fires.items())))
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
