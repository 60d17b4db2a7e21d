"""The result cache and worker processes change speed, never results."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from iacfix._cache import Cache
from iacfix.cli import main
from iacfix.codemods._engine import iter_paths
from iacfix.settings import Settings

BAD = 'import logging\nlogger = logging.getLogger()\nlogger.info(f"x {a}")\n'
CLEAN = "import os\nprint(os.sep)\n"


def _tree(root: Path, count: int) -> Path:
    for index in range(count):
        folder = root / f"pkg{index % 5}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"m{index:03d}.py").write_text(BAD.replace("x {a}", f"n{index} {{a}}") if index % 3 else CLEAN)
    return root


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_cached_rerun_gives_the_same_output_from_the_cache(tmp_path: Path) -> None:
    tree = _tree(tmp_path / "src", 12)
    cache = str(tmp_path / "cache")
    first = _run("--dry-run", "-v", "--cache-dir", cache, str(tree))
    second = _run("--dry-run", "-v", "--cache-dir", cache, str(tree))
    assert first[1] == second[1] and first[0] == second[0]
    assert "cache: 0 hits, 12 misses" in first[2]
    assert "cache: 12 hits, 0 misses" in second[2]


def test_a_changed_file_or_changed_settings_miss_the_cache(tmp_path: Path) -> None:
    tree = _tree(tmp_path / "src", 6)
    cache = str(tmp_path / "cache")
    _run("--check", "--cache-dir", cache, str(tree))
    (tree / "pkg1" / "m001.py").write_text(BAD.replace("x {a}", "changed {a}"))
    code, out, err = _run("--check", "-v", "--cache-dir", cache, str(tree))
    assert "cache: 5 hits, 1 misses" in err
    assert "changed" not in out or code == 1
    code, _, err = _run("--check", "-v", "--ignore", "IAC301", "--cache-dir", cache, str(tree))
    assert "cache: 0 hits, 6 misses" in err and code == 0


def test_fixing_in_place_then_rerunning_uses_fresh_content(tmp_path: Path) -> None:
    tree = _tree(tmp_path / "src", 6)
    cache = str(tmp_path / "cache")
    assert _run("--cache-dir", cache, str(tree))[0] == 0
    assert _run("--check", "--cache-dir", cache, str(tree))[0] == 0, "the fixed files are clean"


def test_a_corrupt_or_unwritable_cache_is_ignored(tmp_path: Path) -> None:
    tree = _tree(tmp_path / "src", 3)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "results.sqlite3").write_bytes(b"this is not a database")
    assert _run("--check", "--cache-dir", str(cache), str(tree))[0] == 1
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x")
    assert _run("--check", "--cache-dir", str(blocked / "sub"), str(tree))[0] == 1


def test_cache_values_round_trip(tmp_path: Path) -> None:
    cache = Cache(Settings(), tmp_path)
    key = cache.key("fix", "a.py", b"data")
    assert cache.get(key) is None
    cache.put(key, ("value", 1))
    cache.close()
    again = Cache(Settings(), tmp_path)
    assert again.get(key) == ("value", 1)
    other = Cache(Settings(unsafe_fixes=True), tmp_path)
    assert other.get(other.key("fix", "a.py", b"data")) is None, "settings are part of the key"
    with sqlite3.connect(tmp_path / "results.sqlite3") as db:
        assert db.execute("SELECT COUNT(*) FROM results").fetchone()[0] == 1


@pytest.mark.parametrize("jobs", [2, 3])
def test_workers_give_the_same_results_in_the_same_order(tmp_path: Path, jobs: int) -> None:
    tree = _tree(tmp_path / "src", 60)
    (tree / "pkg0" / "broken.py").write_text("def f(:\n")
    serial = list(iter_paths([str(tree)], Settings(), jobs=1))
    parallel = list(iter_paths([str(tree)], Settings(), jobs=jobs))
    assert [r.path for r in parallel] == [r.path for r in serial]
    assert [(r.new, r.findings, r.error) for r in parallel] == [(r.new, r.findings, r.error) for r in serial]
    assert sum(r.changed for r in parallel) == 40


def test_a_process_with_threads_fixes_its_files_itself(tmp_path: Path) -> None:
    # Forking while another thread holds a lock can hang a worker for ever (seen with a test harness
    # that left a thread running): with threads alive the pool is not used.
    import threading

    from iacfix.codemods._engine import _in_workers
    from iacfix.codemods._context import Project

    documents = [(f"m{index}.py", BAD.encode()) for index in range(40)]
    assert threading.active_count() == 1, "an earlier test left a thread running"
    pool = _in_workers(documents, Settings(), Project(), 2, None)
    assert pool is not None
    assert len(list(pool)) == 40
    release = threading.Event()
    waiter = threading.Thread(target=release.wait)
    waiter.start()
    try:
        assert _in_workers(documents, Settings(), Project(), 2, None) is None
    finally:
        release.set()
        waiter.join()


def test_a_value_that_cannot_be_pickled_is_not_kept(tmp_path: Path) -> None:
    cache = Cache(Settings(), tmp_path)
    key = cache.key("collect", "a.py", b"data")
    cache.put(key, [("IAC302", lambda: None)])
    cache.close()
    assert Cache(Settings(), tmp_path).get(key) is None


def test_stopping_early_ends_the_workers_under_the_cli_sigterm_handler(tmp_path: Path) -> None:
    # The CLI turns SIGTERM into SystemExit; workers forked from it used to inherit that, run their
    # exit hooks when the pool terminated them, and hang there on a queue lock (the parent too).
    import subprocess
    import sys
    import textwrap

    tree = _tree(tmp_path / "src", 80)
    script = textwrap.dedent(f"""
        import signal, sys
        from iacfix.codemods._engine import iter_paths
        from iacfix.settings import Settings
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
        for _ in range(8):
            results = iter_paths([{str(tree)!r}], Settings(), jobs=2)
            next(results)
            results.close()  # stops early: the pool is terminated with work still queued
            assert len(list(iter_paths([{str(tree)!r}], Settings(), jobs=2))) == 80  # ... or with idle workers
        print("done")
    """)
    finished = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.strip() == "done"
