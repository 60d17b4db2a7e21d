"""The QA gate's own pylint agrees: what IAC303-IAC306 fix is gone, and nothing new appears.

Runs pylint 4.0.4 (the gate's version, from the `test` extra) with the gate's configuration
(`tests/data/gate.pylintrc`, a copy of the QA pipeline's) over every before fixture of these rules
and over what iacfix makes of it, with the messages the gate counts enabled. pylint missing is a
failure, not a skip: CI installs the `test` extra.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pylint  # noqa: F401 - fail here, loudly, when the test extra is not installed

from iacfix.codemods._engine import fix_source
from iacfix.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures"
GATE_RC = Path(__file__).parent / "data" / "gate.pylintrc"
# The messages the QA gate counts (see ../shared/tools/README.md).
GATE_MESSAGES = (
    "logging-fstring-interpolation", "logging-format-interpolation", "logging-not-lazy", "redefined-builtin",
    "line-too-long", "trailing-newlines", "too-many-lines", "syntax-error", "undefined-variable",
    "missing-final-newline", "f-string-without-interpolation", "used-before-assignment",
)
RULES = {
    "line_too_long": ("IAC303", ("line-too-long",)),
    "end_of_file_newlines": ("IAC304", ("trailing-newlines", "missing-final-newline")),
    "too_many_lines": ("IAC305", ("too-many-lines",)),
    "missing_stdlib_import": ("IAC306", ("undefined-variable",)),
}


def _pylint(paths: list[Path], max_line_length: int) -> dict[str, Counter[str]]:
    """Messages per file name, as the gate's pylint reports them."""
    command = [sys.executable, "-m", "pylint", f"--rcfile={GATE_RC}", "--disable=all",
               f"--enable={','.join(GATE_MESSAGES)}", f"--max-line-length={max_line_length}",
               "--output-format=json", "--score=n", "--persistent=n", *map(str, paths)]
    process = subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)
    assert process.returncode < 32, process.stderr  # 32: pylint itself failed (usage, crash)
    counts: dict[str, Counter[str]] = {path.name: Counter() for path in paths}
    for message in json.loads(process.stdout or "[]"):
        counts[Path(message["path"]).name][message["symbol"]] += 1
    return counts


def test_gate_messages_go_and_none_appear(tmp_path: Path) -> None:
    cases = []
    for folder, (code, _) in RULES.items():
        for before in sorted((FIXTURES / folder).glob("*.before.py")):
            options_file = before.with_name(before.name.replace(".before.py", ".json"))
            options = json.loads(options_file.read_text()) if options_file.exists() else {}
            result = fix_source(before.read_bytes(), str(before), Settings(select=(code,), **options))
            assert result.error is None and not result.internal_errors
            name = f"{folder}__{before.name.replace('.before.py', '')}.py"
            (tmp_path / "before").mkdir(exist_ok=True)
            (tmp_path / "after").mkdir(exist_ok=True)
            shutil.copyfile(before, tmp_path / "before" / name)
            (tmp_path / "after" / name).write_bytes(result.new)
            cases.append((folder, name, options.get("line_length", 120), result))
    assert len(cases) >= 20

    by_limit: dict[int, list[str]] = {}
    for _, name, limit, _ in cases:
        by_limit.setdefault(limit, []).append(name)
    before_counts: dict[str, Counter[str]] = {}
    after_counts: dict[str, Counter[str]] = {}
    for limit, names in by_limit.items():
        before_counts.update(_pylint([tmp_path / "before" / n for n in names], limit))
        after_counts.update(_pylint([tmp_path / "after" / n for n in names], limit))

    for folder, name, _, result in cases:
        code, symbols = RULES[folder]
        before, after = before_counts[name], after_counts[name]
        assert sum(before[s] for s in symbols) > 0, f"{name}: pylint sees nothing to fix in the before fixture"
        unfixed = sum(1 for finding in result.findings if finding.code == code and not finding.fixed)
        assert sum(after[s] for s in symbols) == unfixed, f"{name}: {dict(after)} left, {unfixed} reported unfixed"
        new = after - before
        assert not new, f"{name}: the fix brought new pylint messages {dict(new)}"
        compile(result.new, name, "exec")
