"""The corpus script over the dev corpus: zero crashes, unparsable outputs, non-idempotent blocks,
silent changes, and the command line writes what the engine computed. Skipped (with the reason) where
the corpus is not checked out beside the repository, as in CI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tools" / "corpus_trust.py"
CORPUS = Path(os.environ.get("IACFIX_CORPUS", ROOT.parent / "shared" / "corpus" / "dev"))


def test_dev_corpus_is_never_corrupted(tmp_path: Path) -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"no corpus at {CORPUS} (set IACFIX_CORPUS to a folder of answers to run this)")
    out = tmp_path / "report.json"
    done = subprocess.run([sys.executable, str(SCRIPT), str(CORPUS), "--json", str(out)], capture_output=True,
                          text=True, timeout=1200, env={**os.environ, "PYTHONPATH": str(ROOT)})
    report = json.loads(out.read_text())
    counts = report["rule_sets"]["all"]
    assert counts["blocks"] > 500, "the corpus was read"
    assert counts["changed"] > 0, "the corpus gives the rules something to fix"
    for name in ("crashes", "unparsable", "non_idempotent", "silent_changes"):
        assert counts[name] == 0, counts["problems"][name]
    assert all(items == [] for items in report["cli"].values()), report["cli"]
    assert done.returncode == 0, done.stdout + done.stderr
    print(done.stdout)


def test_script_reports_a_corruption(tmp_path: Path) -> None:
    """The script can fail: a rule that breaks its output is reported, with exit status 1."""
    (tmp_path / "answer.md").write_text('Intro\n\n```python\nimport logging\nlogging.info(f"{a}")\n```\n')
    probe = (
        "import sys, runpy\n"
        "import iacfix.codemods._engine as engine\n"
        "real = engine.fix_source\n"
        "def broken(data, *args, **kwargs):\n"
        "    result = real(data, *args, **kwargs)\n"
        "    return engine.replace(result, new=result.new + b'(')\n"
        "engine.fix_source = broken\n"
        f"sys.argv = [{str(SCRIPT)!r}, {str(tmp_path)!r}, '--no-cli']\n"
        f"runpy.run_path({str(SCRIPT)!r}, run_name='__main__')\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "all unparsable: " in done.stdout and "answer.md:4" in done.stdout, done.stdout
