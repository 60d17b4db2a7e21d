"""MODEL_FAILURES.md reports, SARIF 2.1.0 and GitHub annotations."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from iacfix.cli import main
from iacfix.codemods import ALL_RULES
from iacfix.codemods._engine import fix_paths
from iacfix.report import render

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = Path(__file__).parent / "fixtures" / "_report" / "MODEL_FAILURES.md"
SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())

UNFIXABLE = """# Answer

## File: lib/report.py

```python
import logging

logging.info(f"total {amount:,}")
logging.info(f"rows {count}")
```
"""


@pytest.fixture
def sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(ROOT / "samples" / "MODEL_RESPONSE.md", tmp_path / "MODEL_RESPONSE.md")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "MODEL_RESPONSE.md"


def test_report_on_the_sample_answer_is_the_expected_analysis(sample: Path) -> None:
    result = CliRunner().invoke(main, ["report", "MODEL_RESPONSE.md", "-o", "MODEL_FAILURES.md"])
    assert result.exit_code == 0, result.stderr
    text = (sample.parent / "MODEL_FAILURES.md").read_text()
    if os.environ.get("IACFIX_UPDATE_FIXTURES") == "1":
        EXPECTED.write_text(text)
    assert text == EXPECTED.read_text()
    assert sample.read_bytes() == (ROOT / "samples" / "MODEL_RESPONSE.md").read_bytes(), "report writes nothing else"


def test_report_structure_follows_the_analyses() -> None:
    text = EXPECTED.read_text()
    assert text.startswith("# Model Response Failures Analysis\n")
    assert "\nTotal failures: 1 Critical, 4 High, 0 Medium, 0 Low\n" in text
    assert text.index("## Critical Failures") < text.index("## High Failures") < text.index("## Needs Manual Work")
    assert "### 1. Stack with no app entry point" in text and "### 5. Lambda asset path" in text
    for label in ("**Impact Level**: Critical", "**MODEL_RESPONSE Issue**:", "**IDEAL_RESPONSE Fix**:",
                  "**Root Cause**: Without an entry point", "https://docs.aws.amazon.com/cdk/v2/guide/apps.html"):
        assert label in text
    # One rule in many places is one failure, with its line numbers.
    assert "(lines 39, 83, 89 of MODEL_RESPONSE.md)" in text
    assert "New file `tap.py`:" in text and "New file `cdk.json`:" in text
    assert "MODEL_RESPONSE.md:121: note: block `<block 7>` left as it is" in text


def test_unfixed_findings_need_manual_work(tmp_path: Path) -> None:
    answer = tmp_path / "MODEL_RESPONSE.md"
    answer.write_text(UNFIXABLE)
    text = render(fix_paths([str(answer)]), paths=[str(answer)])
    assert 'logging.info("rows %s", count)' in text, "the fixed place shows its fix"
    assert f"Not fixed automatically (line 8 of {answer}): needs manual work." in text
    assert f"- {answer}:8: IAC301 " in text.split("## Needs Manual Work", 1)[1]
    issue = text.split("**MODEL_RESPONSE Issue**:", 1)[1].split("**IDEAL_RESPONSE Fix**", 1)[0]
    assert issue.count('logging.info(f"total {amount:,}")') == 1, "a line is shown once"


def test_report_option_on_a_fix_run(sample: Path) -> None:
    result = CliRunner().invoke(main, ["--dry-run", "MODEL_RESPONSE.md", "--report", "MODEL_FAILURES.md"])
    assert result.exit_code == 0, result.stderr
    assert (sample.parent / "MODEL_FAILURES.md").read_text() == EXPECTED.read_text()
    again = CliRunner().invoke(main, ["--dry-run", "MODEL_RESPONSE.md", "--report", "MODEL_FAILURES.md"])
    assert again.exit_code == 2 and "cannot write the report" in again.stderr, "an existing report is kept"


def test_report_to_stdout_and_exit_1_for_unfixed(tmp_path: Path) -> None:
    answer = tmp_path / "a.md"
    answer.write_text(UNFIXABLE)
    result = CliRunner().invoke(main, ["report", str(answer)])
    assert result.exit_code == 1
    assert result.stdout.startswith("# Model Response Failures Analysis")


def test_sarif_is_valid_2_1_0_with_rule_metadata(sample: Path) -> None:
    result = CliRunner().invoke(main, ["--check", "--output-format", "sarif", "MODEL_RESPONSE.md"])
    assert result.exit_code == 1
    log = json.loads(result.stdout)
    jsonschema.validate(log, SCHEMA)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == [rule.CODE for rule in ALL_RULES]
    assert all(rule["helpUri"].startswith("https://") and rule["shortDescription"]["text"] for rule in rules)
    levels = {(r["ruleId"], r["level"]) for r in run["results"]}
    assert levels == {("IAC301", "error"), ("IAC302", "error"), ("IAC303", "error"), ("IAC402", "error")}
    first = run["results"][0]
    assert rules[first["ruleIndex"]]["id"] == first["ruleId"]
    assert first["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "MODEL_RESPONSE.md", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 37, "startColumn": 42},
    }


def test_sarif_levels_follow_impact(tmp_path: Path) -> None:
    from iacfix._formats import _LEVELS

    assert _LEVELS == {"Critical": "error", "High": "error", "Medium": "warning", "Low": "note"}
    project = tmp_path / "p"
    shutil.copytree(ROOT / "tests" / "fixtures" / "missing_app_entry_point" / "unclear_stack.before", project)
    result = CliRunner().invoke(main, ["--check", "--output-format", "sarif", str(project)])
    log = json.loads(result.stdout)
    jsonschema.validate(log, SCHEMA)
    assert {r["level"] for r in log["runs"][0]["results"]} == {"error"}
    assert log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith(
        "file:///")


def test_github_annotations(sample: Path) -> None:
    result = CliRunner().invoke(main, ["--dry-run", "--output-format", "github", "MODEL_RESPONSE.md"])
    lines = result.stdout.splitlines()
    assert lines[0] == ("::error file=MODEL_RESPONSE.md,line=37,col=42,title=IAC302::[High] parameter `id` shadows "
                        "the built-in `id`; rename it `construct_id` (fixed)")
    assert len(lines) == 7 and all(line.startswith("::error ") for line in lines)
    assert "---" not in result.stdout, "no diff in this format"


def test_github_annotation_escaping() -> None:
    from iacfix._formats import _data, _property

    assert _data("50% done\nnext") == "50%25 done%0Anext"
    assert _property("a,b:c") == "a%2Cb%3Ac"
