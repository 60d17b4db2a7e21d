"""The language server's edits, computed in process: isolation of one finding's fix, fallbacks."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

pytest.importorskip("pygls")

import iacfix.codemods._engine as engine  # noqa: E402
from iacfix.codemods._rule import FixSafety, Rule, Severity  # noqa: E402
from iacfix.lsp import analyse, finding_fix, formatting, text_edits  # noqa: E402


class OneToTwo(Rule):
    """Turns `x = 1` into `x = 2` and marks the module at its top: its fixes share a change."""

    CODE = "IAC997"
    NAME = "one-to-two"
    SUMMARY = "one"
    SEVERITY = Severity.LOW
    FIX_SAFETY = FixSafety.SAFE

    def leave_Integer(self, original_node: cst.Integer, updated_node: cst.Integer) -> cst.Integer:
        if original_node.value != "1" or not self.report(original_node, "one"):
            return updated_node
        return updated_node.with_changes(value="2")

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        if updated_node.code == original_node.code or updated_node.header:
            return updated_node
        return updated_node.with_changes(header=[cst.EmptyLine(comment=cst.Comment("# touched"))])


@pytest.fixture
def rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "ALL_RULES", (*engine.ALL_RULES, OneToTwo))


def test_a_fix_with_a_change_above_every_finding_is_taken_whole(rules: None, tmp_path: Path) -> None:
    text = "b = 0\na = 1\nc = 1\n"
    analysis = analyse((tmp_path / "m.py").as_uri(), text)
    assert analysis.result is not None
    first = analysis.result.findings[0]
    assert finding_fix(analysis, first) == ("# touched\nb = 0\na = 2\nc = 2\n", False)


def test_one_finding_of_several_is_isolated(tmp_path: Path) -> None:
    text = 'import logging\nlog = logging.getLogger()\nlog.info(f"{a}")\nx = 1\nlog.info(f"{b}")\n'
    analysis = analyse((tmp_path / "m.py").as_uri(), text)
    assert analysis.result is not None
    second = analysis.result.findings[1]
    assert finding_fix(analysis, second) == (text.replace('f"{b}")', '"%s", b)'), True)


@pytest.mark.parametrize(("old", "new"), [
    ("a\nb", "a\nc"),  # last line without a newline
    ("x = 'é😀'\ny\n", "x = 'é😀'\nz\n"),
    ("a\r\nb\r\n", "a\r\nB\r\n"),
])
def test_text_edits_positions(old: str, new: str) -> None:
    edits = text_edits(old, new)
    assert len(edits) == 1
    start, end = edits[0].range.start, edits[0].range.end
    assert (start.line, start.character) == (1, 0)
    assert (end.line, end.character) == ((1, 1) if not old.endswith("\n") else (2, 0))


def test_formatting_never_applies_unsafe_fixes(tmp_path: Path) -> None:
    text = 'import logging\nlog = logging.getLogger()\nlog.info("%s" % a)\n'
    from dataclasses import replace

    analysis = analyse((tmp_path / "m.py").as_uri(), text)
    assert analysis.settings is not None
    unsafe = replace(analysis, settings=replace(analysis.settings, unsafe_fixes=True))
    assert formatting(unsafe) == []
