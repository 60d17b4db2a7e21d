"""The pre-commit hooks, run by pre-commit itself against this checkout (`pre-commit try-repo`).

pre-commit builds the hook's environment by pip-installing the checkout (from PyPI: libcst,
click), so this test is slow (about a minute) but runs in CI like every other.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pre_commit")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git"),
]

ROOT = Path(__file__).resolve().parent.parent
BAD = 'import logging\nlogger = logging.getLogger()\nlogger.info(f"x {a}")\n'
GOOD = 'import logging\nlogger = logging.getLogger()\nlogger.info("x %s", a)\n'


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def snapshot(target: Path) -> Path:
    """This checkout's package files as they are now, committed in a repository of their own
    (try-repo on the checkout itself would leave out files not yet committed)."""
    target.mkdir()
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy(ROOT / name, target / name)
    shutil.copytree(ROOT / "iacfix", target / "iacfix", ignore=shutil.ignore_patterns("__pycache__"))
    git(target, "init", "-q")
    git(target, "add", "-A")
    git(target, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "snapshot")
    return target


def try_repo(hooks: Path, repo: Path, home: Path, hook: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    env.pop("PYTHONPATH", None)  # the hook must run the installed copy, not this checkout's
    return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(hooks), hook, "--all-files"],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=900)


def test_hooks_fix_and_check_through_pre_commit(tmp_path: Path) -> None:
    repo, home = tmp_path / "repo", tmp_path / "pre-commit-home"
    (repo / "lib").mkdir(parents=True)
    (repo / "generated").mkdir()
    (repo / "lib" / "stack.py").write_text(BAD)
    (repo / "lib" / "clean.py").write_text(GOOD)
    (repo / "generated" / "bindings.py").write_text(BAD)
    (repo / "pyproject.toml").write_text('[tool.iacfix]\nextend-exclude = ["generated"]\n')
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    hooks = snapshot(tmp_path / "iacfix")

    check = try_repo(hooks, repo, home, "iacfix-check")
    assert check.returncode == 1, check.stdout + check.stderr
    assert "lib/stack.py:3:1: IAC301" in check.stdout, check.stdout
    assert (repo / "lib" / "stack.py").read_text() == BAD, "the check hook writes nothing"

    fix = try_repo(hooks, repo, home, "iacfix")
    assert fix.returncode == 1, fix.stdout + fix.stderr
    assert "files were modified by this hook" in fix.stdout
    assert (repo / "lib" / "stack.py").read_text() == GOOD
    assert (repo / "generated" / "bindings.py").read_text() == BAD, "exclude patterns apply to named files"

    git(repo, "add", "-A")
    again = try_repo(hooks, repo, home, "iacfix")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Passed" in again.stdout
