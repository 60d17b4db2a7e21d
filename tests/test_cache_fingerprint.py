"""Cached fixes are keyed by the project's cross-file facts: their digest must not change
between processes, or a re-run of unchanged files never finds its cached results."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import sys
from iacfix.codemods._engine import collect_project
from iacfix.codemods._units import PythonFile
from iacfix.settings import Settings
data = b"def handler(event, id):\\n    return id\\n\\nhandler(1, id=2)\\n"
units = PythonFile().split("app.py", data).units
project, _ = collect_project(units, Settings())
assert project.facts["IAC302"], "IAC302 collected nothing: the test would prove nothing"
print(project.fingerprint())
"""


def test_fingerprint_is_the_same_in_two_processes() -> None:
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}
    prints = [subprocess.run([sys.executable, "-c", SCRIPT], env={**env, "PYTHONHASHSEED": seed}, check=True,
                             capture_output=True, text=True).stdout for seed in ("1", "2")]
    assert prints[0] == prints[1] and prints[0].strip()
