"""`iacfix --interactive`: driven through a real pseudo-terminal, as a person would answer it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import libcst as cst
import pytest
from click.testing import CliRunner

import iacfix.codemods._engine as engine
from iacfix._hunks import apply, changes, hunk
from iacfix.cli import main
from iacfix.codemods._rule import FixSafety, Rule, Severity

pexpect = pytest.importorskip("pexpect")

ROOT = Path(__file__).resolve().parent.parent
PROMPT = r"Apply this change\? \[y,n,a,s,q,\?\]"
TWO_CALLS = '''import logging

logger = logging.getLogger(__name__)


def one(name):
    logger.info(f"first {name}")
    return name


def two(name):
    logger.warning(
        f"second {name}"
    )
    return name
'''
FIRST_ONLY = TWO_CALLS.replace('f"first {name}"', '"first %s", name')
BOTH = FIRST_ONLY.replace('f"second {name}"', '"second %s", name')


def spawn(*args: str, cwd: Path) -> pexpect.spawn:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TERM": "xterm"}
    return pexpect.spawn(sys.executable, ["-m", "iacfix", "--interactive", *args], cwd=str(cwd), env=env,
                         encoding="utf-8", timeout=60, dimensions=(50, 200))


def answer(child: pexpect.spawn, *replies: str) -> None:
    for reply in replies:
        child.expect(PROMPT)
        child.sendline(reply)


def finish(child: pexpect.spawn) -> int:
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in ("a.py", "b.py"):
        (tmp_path / name).write_text(TWO_CALLS)
    return tmp_path


def test_yes_and_no_write_only_the_accepted_change(project: Path) -> None:
    child = spawn("--color", "always", "a.py", cwd=project)
    child.expect(r"a\.py  change 1 of 2  \[IAC301\]")
    child.expect(r"IAC301 logging-fstring \(High\), line 7: logging call formats its message with an f-string")
    child.expect("\x1b\\[32m\\+    logger.info\\(\"first %s\", name\\)")  # a green added line
    child.sendline("y")
    child.expect(r"change 2 of 2")
    answer(child, "n")
    assert finish(child) == 1, "a skipped change leaves a finding: exit 1"
    assert (project / "a.py").read_text() == FIRST_ONLY
    assert (project / "b.py").read_text() == TWO_CALLS


def test_all_of_a_rule_is_exactly_the_fixed_text_in_every_file(project: Path) -> None:
    reference = project / "reference"
    reference.mkdir()
    shutil.copy(project / "a.py", reference / "a.py")
    subprocess.run([sys.executable, "-m", "iacfix", str(reference / "a.py")],
                   env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True, capture_output=True)
    child = spawn("a.py", "b.py", cwd=project)
    answer(child, "a")  # no further questions: every IAC301 change in both files is taken
    assert finish(child) == 0
    assert (project / "a.py").read_text() == (project / "b.py").read_text() == BOTH
    assert (project / "a.py").read_bytes() == (reference / "a.py").read_bytes()


def test_skip_a_rule_writes_nothing(project: Path) -> None:
    before = (project / "a.py").stat().st_mtime_ns
    child = spawn("a.py", "b.py", cwd=project)
    answer(child, "s")
    child.expect("0 changes applied, 4 skipped")
    assert finish(child) == 1
    assert (project / "a.py").read_text() == TWO_CALLS and (project / "a.py").stat().st_mtime_ns == before


@pytest.mark.parametrize("stop", ["q", "ctrl-c"])
def test_quit_writes_what_was_accepted_so_far(project: Path, stop: str) -> None:
    child = spawn("a.py", "b.py", cwd=project)
    answer(child, "y")
    child.expect(PROMPT)
    if stop == "q":
        child.sendline("q")
    else:
        child.sendintr()
    child.expect("1 change applied, 3 skipped")
    assert finish(child) == 1
    assert (project / "a.py").read_text() == FIRST_ONLY
    assert (project / "b.py").read_text() == TWO_CALLS
    assert not list(project.glob(".*iacfix-tmp"))


def test_help_and_unknown_answers_ask_again(project: Path) -> None:
    child = spawn("a.py", cwd=project)
    child.expect(PROMPT)
    child.sendline("?")
    child.expect("a - apply this change and every later change of the same rule")
    child.sendline("maybe")
    answer(child, "y", "y")
    assert finish(child) == 0
    assert (project / "a.py").read_text() == BOTH


class ListToTuple(Rule):
    """Turns lists into tuples: its one fix shows as two separate line changes."""

    CODE = "IAC998"
    NAME = "list-to-tuple"
    SUMMARY = "list"
    SEVERITY = Severity.LOW
    FIX_SAFETY = FixSafety.SAFE

    def leave_List(self, original_node: cst.List, updated_node: cst.List) -> cst.BaseExpression:
        if not self.report(original_node, "a list"):
            return updated_node
        return cst.Tuple(updated_node.elements,
                         lpar=[cst.LeftParen(whitespace_after=updated_node.lbracket.whitespace_after)],
                         rpar=[cst.RightParen(whitespace_before=updated_node.rbracket.whitespace_before)])


def test_a_partial_result_that_does_not_parse_is_not_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "ALL_RULES", (*engine.ALL_RULES, ListToTuple))
    source = "x = [\n    1,\n    2,\n    3,\n    4,\n]\n"
    (tmp_path / "m.py").write_text(source)
    result = CliRunner().invoke(main, ["--interactive", str(tmp_path / "m.py")], input="y\nn\n")
    assert "the accepted changes without the others do not parse; not written" in result.stderr
    assert result.exit_code == 2 and (tmp_path / "m.py").read_text() == source
    result = CliRunner().invoke(main, ["--interactive", str(tmp_path / "m.py")], input="y\ny\n")
    assert result.exit_code == 0 and (tmp_path / "m.py").read_text() == "x = (\n    1,\n    2,\n    3,\n    4,\n)\n"


def test_interactive_is_not_for_stdin_or_check() -> None:
    for args in (["-i", "-"], ["-i", "--check", "x.py"], ["-i", "--diff", "x.py"]):
        assert CliRunner().invoke(main, args).exit_code == 2


@pytest.mark.parametrize(("old", "new"), [
    ("a\nb\nc\nd\ne\nf\ng\nh\n", "a\nB\nc\nd\ne\nf\nG\nh\n"),
    ("a\nb", "a\nb\nc"),
    ("a\r\nb\r\n", "x\r\na\r\nb\r\ny"),
    ("", "new\n"),
    ("gone\n", ""),
])
def test_changes_apply_back_to_the_new_text(old: str, new: str) -> None:
    found = changes(old, new)
    assert apply(old, found) == new
    assert apply(old, []) == old
    for index, change in enumerate(found):
        partial = apply(old, [change])
        assert partial != old
        assert hunk(old, change).startswith("@@ -")
        assert apply(partial, changes(partial, new)) == new, index
