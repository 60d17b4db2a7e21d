"""Markdown answers: Python blocks fixed as the files they name, everything else byte for byte.

tests/fixtures/_markdown/<case>.md is an answer written for these tests and <case>.fixed.md what
iacfix makes of it (IACFIX_UPDATE_FIXTURES=1 rewrites the .fixed.md files; review the diff).
Every case also runs with CRLF line endings.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt

import iacfix.codemods._engine as engine
from iacfix.cli import main
from iacfix.codemods._engine import fix_documents, fix_paths
from iacfix.codemods._markdown import MarkdownAnswer, read_blocks
from iacfix.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures" / "_markdown"
CASES = sorted(path for path in FIXTURES.glob("*.md") if not path.name.endswith(".fixed.md"))
UPDATE = os.environ.get("IACFIX_UPDATE_FIXTURES") == "1"


def _crlf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


@pytest.fixture(params=["lf", "crlf"])
def endings(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.mark.parametrize("case", CASES, ids=lambda path: path.name)
def test_answer_is_fixed_as_expected(case: Path, endings: str) -> None:
    expected_path = case.with_name(case.name.replace(".md", ".fixed.md"))
    data = case.read_bytes()
    [result] = fix_documents([(str(case), data if endings == "lf" else _crlf(data))], Settings())
    assert result.error is None and not result.internal_errors
    if UPDATE and endings == "lf":
        expected_path.write_bytes(result.new)
    expected = expected_path.read_bytes()
    assert result.new == (expected if endings == "lf" else _crlf(expected))
    assert result.findings, "each case shows something to fix"
    again = fix_documents([(str(case), result.new)], Settings())[0]
    assert again.new == result.new, "fixing the fixed answer changes nothing"


@pytest.mark.parametrize("case", CASES, ids=lambda path: path.name)
def test_only_python_blocks_change(case: Path) -> None:
    # An independent reading: markdown-it (CommonMark) finds the fences; everything outside the
    # Python blocks must be equal line for line, and the blocks must be in the same places.
    old = case.read_text()
    new = case.with_name(case.name.replace(".md", ".fixed.md")).read_text()
    assert _outside_python(old) == _outside_python(new)


def _outside_python(text: str) -> list[str]:
    lines = text.split("\n")
    kept = []
    last = 0
    for token in MarkdownIt("commonmark").parse(text):
        if token.type == "fence" and (token.info.split() or [""])[0].lower() in {"python", "py", "python3"}:
            start, end = token.map  # type: ignore[misc]
            kept.extend(lines[last:start + 1])
            kept.append("<python block>")
            closing = end - 1 if re.match(r"\s*(`{3,}|~{3,})\s*$", lines[end - 1]) and end - 1 > start else end
            last = closing
    kept.extend(lines[last:])
    return kept


@pytest.mark.parametrize("case", CASES, ids=lambda path: path.name)
def test_fences_agree_with_commonmark(case: Path) -> None:
    text = case.read_text()
    ours = [(block.fence_line, block.language, block.body.decode()) for block in read_blocks(case.read_bytes())]
    theirs = [(token.map[0], (token.info.split() or [""])[0].lower(), token.content)  # type: ignore[index]
              for token in MarkdownIt("commonmark").parse(text) if token.type == "fence"]
    assert ours == theirs


def test_blocks_are_named_after_their_files() -> None:
    split = MarkdownAnswer().split("a.md", (FIXTURES / "named_files.md").read_bytes())
    assert [(unit.name, unit.kind) for unit in split.units] == [
        ("lib/tap_stack.py", "python"),
        ("tap.py", "python"),
        ("lib/lambda/index.py", "python"),
        ("lib/lambda/audit.py", "python"),
        ("lib/helpers.py", "python"),
        ("lib/constants.py", "python"),
        ("<block 7>", "python"),  # "update `tap_stack.py` like this:" is prose: a fragment, not the file
        ("requirements.txt", "requirements"),
    ]
    assert [unit.index for unit in split.units] == list(range(8))
    blocks = read_blocks((FIXTURES / "named_files.md").read_bytes())
    names = {block.number: (block.name, block.kind) for block in blocks}
    assert names[9] == ("cdk.json", "file")
    assert names[10] == (None, None) and names[11] == (None, None)  # bash and text blocks are not files


@pytest.mark.parametrize(
    ("label", "name"),
    [
        ("## File: lib/tap_stack.py", "lib/tap_stack.py"),
        ("### `tap.py`", "tap.py"),
        ("## tap.py (Entry Point)", "tap.py"),
        ("### 2. **lib/tap_stack.py** (Main Stack Definition)", "lib/tap_stack.py"),
        ("## 3. Unit Tests (`tests/test_lambda.py`)", "tests/test_lambda.py"),
        ("**`app.py`**", "app.py"),
        ("**lib/lambda/index.py**:", "lib/lambda/index.py"),
        ("- `lib/worker.py`:", "lib/worker.py"),
        ("`./lib/x.py`", "lib/x.py"),
        ("<!-- app.py -->", "app.py"),
        ("## Phase 1: CDK Stack (lib\\tap_stack.py)", "lib/tap_stack.py"),
        ("Here's the complete `main.py` file:", None),
        ("2. Update `lib/tap_stack.py` to use different profiles:", None),
        ("## Files: `tap.py` and `lib/tap_stack.py`", None),
        ("## Architecture", None),
        ("See https://example.com/app.py", None),
    ],
)
def test_label_above_a_block(label: str, name: str | None) -> None:
    [block] = read_blocks(f"{label}\n\n```python\nx = 1\n```\n".encode())
    assert block.name == name


@pytest.mark.parametrize(
    ("first_lines", "name"),
    [
        ("# lib/tap_stack.py\n", "lib/tap_stack.py"),
        ("# File: tap.py\n", "tap.py"),
        ("#!/usr/bin/env python3\n# app.py\n", "app.py"),
        ("# lib/tap_stack.py - Basic implementation\n", "lib/tap_stack.py"),
        ("# Original imports\n", None),
        ("# see lib/tap_stack.py for the rest\n", None),
    ],
)
def test_first_line_comment_names_a_block(first_lines: str, name: str | None) -> None:
    [block] = read_blocks(f"Text.\n\n```python\n{first_lines}x = 1\n```\n".encode())
    assert block.name == name


def test_findings_and_notes_use_the_answer_line_numbers() -> None:
    path = FIXTURES / "broken_snippet.md"
    lines = path.read_text().split("\n")
    [result] = fix_documents([(str(path), path.read_bytes())], Settings())
    assert [finding.line for finding in result.findings] == [20]
    assert 'logger.info(f"ready' in lines[19]
    # The snippet that does not parse is named by its line and left alone; the next block is fixed.
    assert len(result.notes) == 1
    assert re.match(rf"{re.escape(str(path))}:9: note: block `<block 1>` left as it is: cannot parse", result.notes[0])
    assert "s3.Bucket(" in lines[8]


def test_less_indented_line_in_a_list_block_keeps_its_bytes() -> None:
    # CommonMark would end the list item at such a line; iacfix keeps it in the block and never
    # moves it: a line the fix did not touch comes back exactly as it was.
    data = b'1. Step:\n\n   ```python\n   logger.info(f"{a}")\n   s = """x\n y"""\n   ```\n'
    [result] = fix_documents([("a.md", data)], Settings())
    assert result.new == data.replace(b'logger.info(f"{a}")', b'logger.info("%s", a)')


def test_a_fix_that_would_close_the_fence_is_not_joined() -> None:
    data = b"```python\nx = 1\n```\n"
    answer = MarkdownAnswer()
    assert answer.join("a.md", data, [b"x = 1\n```\n"]) == data
    assert answer.join("a.md", data, [b"x = 2\n"]) == b"```python\nx = 2\n```\n"
    assert answer.join("a.md", data, [b"x = 2"]) == b"```python\nx = 2\n```\n", "the closing fence keeps its own line"


def test_each_answer_is_one_project_of_the_files_it_names(monkeypatch: pytest.MonkeyPatch) -> None:
    projects = []
    original = engine.collect_project

    def spy(units, settings, cache=None, jobs=1):  # type: ignore[no-untyped-def]
        project, parsed = original(units, settings, cache, jobs)
        projects.append(project.paths)
        return project, parsed

    monkeypatch.setattr(engine, "collect_project", spy)
    one = b"## File: lib/a.py\n\n```python\nx = 1\n```\n\n```python\ny = 2\n```\n"
    two = b"# File: b.py\n\n```python\n# b.py\nz = 3\n```\n"
    results = fix_documents([("one.md", one), ("two.md", two), ("c.py", b"c = 1\n"), ("d.py", b"d = 1\n")])
    assert [result.path for result in results] == ["one.md", "two.md", "c.py", "d.py"]
    assert sorted(projects) == sorted([("c.py", "d.py"), ("lib/a.py", "<block 2>"), ("b.py",)])


def test_directory_walks_skip_markdown(tmp_path: Path) -> None:
    (tmp_path / "MODEL_RESPONSE.md").write_text('```python\nlogger.info(f"{a}")\n```\n')
    (tmp_path / "a.py").write_text("x = 1\n")
    assert [Path(result.path).name for result in fix_paths([str(tmp_path)])] == ["a.py"]
    assert [Path(r.path).name for r in fix_paths([str(tmp_path / "MODEL_RESPONSE.md")])] == ["MODEL_RESPONSE.md"]


@pytest.fixture
def answer(tmp_path: Path) -> Path:
    path = tmp_path / "MODEL_RESPONSE.md"
    path.write_bytes((FIXTURES / "broken_snippet.md").read_bytes())
    return path


def test_cli_fixes_an_answer_in_place_and_prints_notes(answer: Path) -> None:
    result = CliRunner().invoke(main, [str(answer)])
    assert result.exit_code == 0, result.output
    assert answer.read_bytes() == (FIXTURES / "broken_snippet.fixed.md").read_bytes()
    assert f"{answer}:9: note: block `<block 1>` left as it is" in result.stderr
    assert f"{answer}:20:1: IAC301" in result.stdout


def test_cli_dry_run_diff_applies_with_git(answer: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(answer.parent)
    result = CliRunner().invoke(main, ["--dry-run", "MODEL_RESPONSE.md"])
    assert result.exit_code == 0
    assert answer.read_bytes() == (FIXTURES / "broken_snippet.md").read_bytes(), "dry run writes nothing"
    assert "@@ -17,5 +17,5 @@" in result.stdout
    (answer.parent / "fix.diff").write_text(result.stdout)
    subprocess.run(["git", "init", "-q"], cwd=answer.parent, check=True)
    subprocess.run(["git", "apply", "fix.diff"], cwd=answer.parent, check=True)
    assert answer.read_bytes() == (FIXTURES / "broken_snippet.fixed.md").read_bytes()


def test_cli_check_and_stdin(answer: Path) -> None:
    assert CliRunner().invoke(main, ["--check", str(answer)]).exit_code == 1
    result = CliRunner().invoke(main, ["-", "--stdin-filename", "MODEL_RESPONSE.md"], input=answer.read_bytes())
    assert result.exit_code == 0
    assert result.stdout_bytes == (FIXTURES / "broken_snippet.fixed.md").read_bytes()
    assert "MODEL_RESPONSE.md:9: note:" in result.stderr
    assert "MODEL_RESPONSE.md:20:1: IAC301" in result.stderr


def test_cli_output_writes_a_new_file_and_leaves_the_input(answer: Path) -> None:
    ideal = answer.with_name("IDEAL_RESPONSE.md")
    original = answer.read_bytes()
    result = CliRunner().invoke(main, [str(answer), "-o", str(ideal)])
    assert result.exit_code == 0, result.output
    assert answer.read_bytes() == original
    assert ideal.read_bytes() == (FIXTURES / "broken_snippet.fixed.md").read_bytes()
    # Never over an existing file: a reviewer's edits to IDEAL_RESPONSE.md are not lost.
    ideal.write_text("edited by hand\n")
    result = CliRunner().invoke(main, [str(answer), "-o", str(ideal)])
    assert result.exit_code == 2
    assert "file exists" in result.stderr and ideal.read_text() == "edited by hand\n"


@pytest.mark.parametrize("extra", [["--dry-run"], ["--check"], ["SECOND"], ["DIR"]])
def test_cli_output_usage_errors(answer: Path, extra: list[str]) -> None:
    out = str(answer.with_name("out.md"))
    args = {"SECOND": [str(answer), str(answer.with_name("other.md")), "-o", out],
            "DIR": [str(answer.parent), "-o", out]}.get(extra[0], [str(answer), "-o", out, *extra])
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "-o/--output" in result.stderr
    assert not answer.with_name("out.md").exists()


def test_an_answer_ending_inside_an_open_block_keeps_its_last_line() -> None:
    # The fence is never closed and the answer has no final newline: the block ends where the answer
    # does, and IAC304 must not add a newline there (it would change the answer's last line).
    from iacfix.codemods._engine import fix_documents
    from iacfix.settings import Settings

    answer = b'# Answer\n\n```python\nimport logging\nlogging.info(f"x {y}")\napp.synth()'
    [result] = fix_documents([("MODEL_RESPONSE.md", answer)], Settings())
    assert result.new == answer.replace(b'f"x {y}")', b'"x %s", y)')
