"""The command line: every mode, every exit code, stdin, JSON, and the installed script."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from iacfix.cli import main

BAD = 'import logging\nlogger = logging.getLogger()\nlogger.info(f"x {a}")\n'
GOOD = 'import logging\nlogger = logging.getLogger()\nlogger.info("x %s", a)\n'
UNFIXABLE = 'import logging\nlogger = logging.getLogger()\nlogger.info(f"{a:,}")\n'


def run(*args: str, input: bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "tap_stack.py").write_text(BAD)
    (tmp_path / "lib" / "clean.py").write_text(GOOD)
    return tmp_path


def test_fix_in_place(project: Path) -> None:
    clean = project / "lib" / "clean.py"
    before = clean.stat().st_mtime_ns
    code, out, err = run(str(project / "lib"))
    assert code == 0
    assert (project / "lib" / "tap_stack.py").read_text() == GOOD
    assert f"{project / 'lib' / 'tap_stack.py'}:3:1: IAC301 [High]" in out and "[fixed]" in out
    assert "2 files checked, 1 changed, 1 fixed, 0 left to review" in err
    assert clean.stat().st_mtime_ns == before, "a file with nothing to fix is not rewritten"


def test_dry_run_writes_nothing_and_prints_a_diff_git_accepts(project: Path) -> None:
    target = project / "lib" / "tap_stack.py"
    code, out, err = run("--dry-run", str(project / "lib"))
    assert code == 0
    assert target.read_text() == BAD
    assert out.startswith(f"--- a/{target.as_posix().lstrip('/')}\n+++ b/")
    assert '-logger.info(f"x {a}")\n+logger.info("x %s", a)\n' in out
    assert "[fixable]" in err
    if shutil.which("git"):
        os.chdir(project)
        relative = run("--diff", "lib")[1]
        subprocess.run(["git", "init", "-q"], cwd=project, check=True)
        check = subprocess.run(["git", "apply", "--check", "-"], cwd=project, input=relative.encode())
        assert check.returncode == 0, relative


def test_check_mode_exit_codes(project: Path) -> None:
    assert run("--check", str(project / "lib"))[0] == 1
    assert (project / "lib" / "tap_stack.py").read_text() == BAD
    assert run("--check", str(project / "lib" / "clean.py"))[0] == 0


def test_findings_left_unfixed_exit_1(tmp_path: Path) -> None:
    (tmp_path / "u.py").write_text(UNFIXABLE)
    code, out, _ = run(str(tmp_path / "u.py"))
    assert code == 1
    assert "not auto-fixable" in out
    assert (tmp_path / "u.py").read_text() == UNFIXABLE


def test_bad_file_among_good_ones_exit_2(project: Path) -> None:
    (project / "lib" / "broken.py").write_text("x = (\n")
    code, _, err = run(str(project / "lib"), str(project / "nope.py"))
    assert code == 2
    assert f"{project / 'lib' / 'broken.py'}:1:5: error: cannot parse: '(' was never closed" in err
    assert f"{project / 'nope.py'}: error: no such file or directory" in err
    assert (project / "lib" / "tap_stack.py").read_text() == GOOD, "the good file is still fixed"


def test_mode_is_kept_and_read_only_files_are_not_written(tmp_path: Path) -> None:
    script = tmp_path / "script.py"
    script.write_text(BAD)
    script.chmod(0o750)
    run(str(script))
    assert stat.S_IMODE(script.stat().st_mode) == 0o750 and script.read_text() == GOOD
    locked = tmp_path / "locked.py"
    locked.write_text(BAD)
    locked.chmod(0o444)
    code, _, err = run(str(locked))
    # Even as root (who may write anything) a file without write bits is left alone.
    assert code == 2 and "cannot write: read-only file" in err
    assert locked.read_text() == BAD
    assert not list(tmp_path.glob(".*iacfix-tmp")), "no temporary file is left behind"


def test_stdin_round_trip() -> None:
    code, out, err = run("-", "--stdin-filename", "lib/tap_stack.py", input=BAD.encode())
    assert code == 0
    assert out == GOOD
    assert err.startswith("lib/tap_stack.py:3:1: IAC301")


def test_stdin_with_a_syntax_error_echoes_the_input() -> None:
    code, out, err = run("-", input=b"x = (\n")
    assert code == 2
    assert out == "x = (\n", "an editor replacing its buffer with stdout must get the input back"
    assert "<stdin>:1:5: error: cannot parse" in err


def test_stdin_crlf_bytes_are_kept() -> None:
    # click's Result.stdout folds \r\n, so compare the raw bytes.
    result = CliRunner().invoke(main, ["-"], input=BAD.replace("\n", "\r\n").encode())
    assert result.exit_code == 0 and result.stdout_bytes == GOOD.replace("\n", "\r\n").encode()


def test_stdin_check_and_diff() -> None:
    assert run("--check", "-", input=BAD.encode())[0] == 1
    code, out, _ = run("--diff", "-", input=BAD.encode())
    assert code == 0 and out.startswith("--- a/<stdin>")


def test_json_output(project: Path) -> None:
    code, out, _ = run("--check", "--output-format", "json", str(project / "lib"))
    payload = json.loads(out)
    assert code == 1 and payload["exit_code"] == 1
    finding = payload["files"][1]["findings"][0]
    assert finding["code"] == "IAC301" and finding["severity"] == "High" and finding["fixed"] is True


def test_select_ignore_and_unknown_codes(project: Path) -> None:
    assert run("--check", "--ignore", "IAC3", str(project / "lib"))[0] == 0
    assert run("--check", "--select", "IAC301", str(project / "lib"))[0] == 1
    code, _, err = run("--select", "IAC777", str(project / "lib"))
    assert code == 2 and "unknown rule 'IAC777'" in err and "IAC301" in err


def test_usage_errors_exit_2() -> None:
    assert run()[0] == 2
    assert run("--no-such-option", "x.py")[0] == 2
    assert run("-", "other.py")[0] == 2


def test_help_states_exit_codes() -> None:
    code, out, _ = run("--help")
    assert code == 0 and "Exit codes:" in out and "--dry-run" in out and "explain" in out


def test_rules_and_explain() -> None:
    code, out, _ = run("rules")
    assert code == 0 and "IAC301  logging-fstring" in out and "High" in out
    code, out, _ = run("explain", "IAC301")
    assert code == 0 and "## Example" in out and "## After the fix" in out
    assert run("explain", "logging-fstring")[0] == 0
    assert run("explain", "IAC000")[0] == 2


def test_a_directory_named_like_a_command_is_reachable(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "m.py").write_text(BAD)
    os.chdir(tmp_path)
    code, _, _ = run("--check", "./rules")
    assert code == 1


def test_installed_console_script(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "iacfix"
    assert script.exists(), "the package must install an `iacfix` console script"
    (tmp_path / "m.py").write_text(BAD)
    proc = subprocess.run([str(script), "--dry-run", "m.py"], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "+logger.info(\"x %s\", a)" in proc.stdout
    version = subprocess.run([str(script), "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.startswith("iacfix ")
    assert "API index: aws-cdk-lib " in version.stdout


def test_console_script_exit_keeps_all_output(tmp_path: Path) -> None:
    # The console script ends with `os._exit` after flushing: output to a pipe (block-buffered)
    # must still arrive whole, with the exit code of the run.
    script = Path(sys.executable).parent / "iacfix"
    (tmp_path / "m.py").write_text("import logging\nlogger = logging.getLogger()\n"
                                   + "".join(f'logger.info(f"x{i} {{a}}")\n' for i in range(3000)))
    proc = subprocess.run([str(script), "--diff", "--no-cache", "m.py"], cwd=tmp_path, capture_output=True,
                          text=True)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.count('\n+logger.info("x') == 3000
    assert proc.stdout.endswith('+logger.info("x2999 %s", a)\n')
    assert proc.stderr.rstrip().endswith("1 file checked, 1 would change, 3000 fixable, 1 left to review")  # IAC305


_IMPORTED = """
import sys
sys.argv = ["iacfix", *sys.argv[1:]]
import iacfix.cli
if len(sys.argv) > 1:
    try:
        iacfix.cli.main()  # `run()` would end the process before the print below
    except SystemExit:
        pass
heavy = [m for m in sys.modules if m.partition(".")[0] in ("libcst", "markdown_it", "pygls", "email")
         or m in ("iacfix.config", "iacfix._pylint_config", "iacfix.codemods._engine", "importlib.metadata")
         or (m.startswith("iacfix.codemods.") and not m.rpartition(".")[2].startswith("_"))]
print(" ".join(sorted(heavy)), file=sys.stderr)
"""


@pytest.mark.parametrize("args", [(), ("--version",), ("--help",)])
def test_start_up_imports_no_libcst_and_no_rule(args: tuple[str, ...]) -> None:
    # STYLE: cli.py does not import libcst; an editor pays for every module imported before the work.
    proc = subprocess.run([sys.executable, "-c", _IMPORTED, *args], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)})
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip() == "", f"imported at start-up: {proc.stderr.strip()}"
    if args == ("--version",):
        assert proc.stdout.startswith("iacfix ") and "API index: " in proc.stdout


def test_lsp_without_its_extra_says_how_to_get_it() -> None:
    probe = ("import sys; sys.modules['pygls'] = None; sys.argv = ['iacfix', 'lsp']; "
             "from iacfix.cli import run; run()")
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)})
    assert proc.returncode == 2 and "pip install 'iacfix[lsp]'" in proc.stderr
