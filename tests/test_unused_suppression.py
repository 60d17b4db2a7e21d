"""IAC300 beyond the fixtures: partly used comments, line endings, the command-line flag."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
from click.testing import CliRunner

from iacfix.cli import main
from iacfix.codemods import ALL_RULES
from iacfix.codemods._engine import fix_source
from iacfix.codemods._rule import FixSafety, Rule, Severity
from iacfix.settings import Settings

ON = Settings(report_unused_ignores=True)


class NamedA(Rule):
    """Reports every name `a` (a stand-in for a real rule)."""

    CODE = "IAC901"
    NAME = "named-a"
    SUMMARY = "a name a"
    SEVERITY = Severity.LOW
    FIX_SAFETY = FixSafety.NONE

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == "a":
            self.report(node, "name `a`", fixable=False)


class Never(NamedA):
    """Never fires."""

    CODE = "IAC902"
    NAME = "never"

    def visit_Name(self, node: cst.Name) -> None:
        return None


RULES = [*ALL_RULES, NamedA, Never]


def fix(text: str, settings: Settings = ON) -> tuple[str, list[tuple[int, int, str, bool]]]:
    rules = [rule for rule in RULES if settings.selects(rule.CODE, rule.NAME)]
    result = fix_source(text.encode(), "m.py", settings, rules=rules)
    assert result.error is None and not result.internal_errors
    return result.new.decode(), [(f.line, f.column, f.code, f.fixed) for f in result.findings]


def test_only_the_unused_codes_of_a_comment_go() -> None:
    new, findings = fix("a = 1  # iacfix: ignore[IAC901, never]  # why\n")
    assert new == "a = 1  # iacfix: ignore[IAC901]  # why\n"
    assert findings == [(1, 8, "IAC300", True)]


def test_a_comment_that_is_used_stays_and_the_finding_stays_silenced() -> None:
    text = "a = 1  # iacfix: ignore[named-a]\nb = 2  # iacfix: ignore\n"
    new, findings = fix(text)
    assert new == "a = 1  # iacfix: ignore[named-a]\nb = 2\n" and findings == [(2, 8, "IAC300", True)]


def test_codes_of_rules_that_did_not_run_are_not_judged() -> None:
    text = "b = 1  # iacfix: ignore[IAC301]\nc = 2  # iacfix: ignore\n"
    settings = Settings(report_unused_ignores=True, select=("IAC300", "IAC901"))
    assert fix(text, settings) == (text, [])
    per_file = Settings(report_unused_ignores=True, per_file_ignores=("logging-fstring",))
    assert fix(text, per_file) == (text, [])


def test_own_line_comments_crlf_and_no_final_newline() -> None:
    assert fix("x = [\r\n    # iacfix: ignore[IAC902]\r\n    1,\r\n]\r\n")[0] == "x = [\r\n    1,\r\n]\r\n"
    assert fix("x = 1\n# iacfix: ignore[IAC902]")[0] == "x = 1\n"


def test_a_file_no_rule_parses_is_still_audited() -> None:
    new, findings = fix("import os  # iacfix: ignore[IAC902]\n", Settings(report_unused_ignores=True,
                                                                       select=("IAC300", "IAC902")))
    assert new == "import os\n" and findings == [(1, 12, "IAC300", True)]


def test_off_without_the_flag() -> None:
    text = "b = 1  # iacfix: ignore[IAC902, IAC999]\n"
    assert fix(text, Settings()) == (text, [])


def test_command_line_flag(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text('import logging\nlogger = logging.getLogger()\nlogger.info("x %s", a)  # iacfix: ignore\n')
    result = CliRunner().invoke(main, ["--check", str(path)])
    assert result.exit_code == 0, "off by default"
    result = CliRunner().invoke(main, ["--check", "--report-unused-ignores", str(path)])
    assert result.exit_code == 1
    assert f"{path}:3:25: IAC300 [Low] `# iacfix: ignore` silences nothing here [fixable]" in result.stdout
    result = CliRunner().invoke(main, ["--report-unused-ignores", str(path)])
    assert result.exit_code == 0 and path.read_text().endswith('logger.info("x %s", a)\n')
