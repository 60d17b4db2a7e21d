"""`iacfix extract`: an answer's named blocks become files; names leading out of the folder are refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from iacfix.cli import main
from iacfix.extract import extract, resolve_inside

FIXTURES = Path(__file__).parent / "fixtures" / "_markdown"

ANSWER = '''# An answer

## File: lib/tap_stack.py

```python
import logging

logger = logging.getLogger(__name__)
logger.info(f"first version {1}")
```

## File: requirements.txt

```txt
aws-cdk-lib>=2.100.0
```

## cdk.json

```json
{"app": "python3 tap.py"}
```

A fragment with no name:

```python
x = 1
```

1. The handler, in a list:

   ```python
   # lib/lambda/index.py
   def handler(event, context):
       return event
   ```

A later, revised version of the stack:

## File: lib/tap_stack.py

```python
import logging

logger = logging.getLogger(__name__)
logger.info(f"second version {2}")
```

## File: lib/broken.py

```python
def broken(:
    ...
```
'''


@pytest.fixture
def answer(tmp_path: Path) -> Path:
    path = tmp_path / "MODEL_RESPONSE.md"
    path.write_text(ANSWER)
    return path


def _tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_named_blocks_become_files(answer: Path, tmp_path: Path) -> None:
    out = extract(str(answer), str(tmp_path / "project"))
    assert _tree(tmp_path / "project") == {
        "cdk.json": '{"app": "python3 tap.py"}\n',
        "lib/broken.py": "def broken(:\n    ...\n",
        "lib/lambda/index.py": "# lib/lambda/index.py\ndef handler(event, context):\n    return event\n",
        "lib/tap_stack.py": ('import logging\n\nlogger = logging.getLogger(__name__)\n'
                             'logger.info(f"second version {2}")\n'),
        "requirements.txt": "aws-cdk-lib>=2.100.0\n",
    }
    texts = [message.text for message in out.messages]
    assert f"{answer}:26: note: <block 4> (python) names no file; not written" in texts
    assert (f"{answer}:42: warning: `lib/tap_stack.py` is named again (first at line 5); the later block is written"
            in texts)
    assert f"{answer}:51: note: `lib/broken.py` does not parse; written as the answer has it" in texts
    assert out.unnamed == 1 and out.exit_code == 0 and not out.findings


def test_fix_applies_the_fixes_and_adds_the_entry_point(tmp_path: Path) -> None:
    out = extract(str(FIXTURES / "project_answer.md"), str(tmp_path / "p"), fix=True)
    tree = _tree(tmp_path / "p")
    assert sorted(tree) == ["cdk.json", "lib/lambda/processor/index.py", "lib/tap_stack.py", "tap.py"]
    assert 'logger.info("order %s", event.get(\'id\'))' in tree["lib/lambda/processor/index.py"]
    assert 'Code.from_asset("lib/lambda/processor")' in tree["lib/tap_stack.py"]
    assert "from lib.tap_stack import TapStack" in tree["tap.py"]
    assert sorted(f.code for f in out.findings) == ["IAC301", "IAC401", "IAC401", "IAC402"]
    assert all(f.fixed for f in out.findings) and out.exit_code == 0
    # The answer itself is not touched.
    assert (FIXTURES / "project_answer.md").read_text().count('from_asset("lambda/processor")') == 2


def test_without_fix_the_answer_is_written_as_it_is(tmp_path: Path) -> None:
    extract(str(FIXTURES / "project_answer.md"), str(tmp_path / "p"))
    tree = _tree(tmp_path / "p")
    assert sorted(tree) == ["lib/lambda/processor/index.py", "lib/tap_stack.py"]
    assert 'Code.from_asset("lambda/processor")' in tree["lib/tap_stack.py"]


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("/etc/iacfix-test.py", "is an absolute path"),
        ("~/iacfix-test.py", "is an absolute path"),
        ("C:\\temp\\x.py", "is an absolute path"),
        ("../escape.py", "leads out of the folder"),
        ("lib/../../escape.py", "leads out of the folder"),
    ],
)
def test_names_leading_out_of_the_folder_are_refused(tmp_path: Path, name: str, why: str) -> None:
    answer = tmp_path / "a.md"
    answer.write_text(f"## File: {name}\n\n```python\nx = 1\n```\n\n## File: ok.py\n\n```python\ny = 2\n```\n")
    out = extract(str(answer), str(tmp_path / "dest"))
    assert out.exit_code == 2
    assert any(why in message.text and message.level == "error" for message in out.messages), out.messages
    assert _tree(tmp_path / "dest") == {"ok.py": "y = 2\n"}, "the other blocks are still written"
    assert not (tmp_path / "escape.py").exists()


def test_a_symbolic_link_inside_the_folder_does_not_lead_out(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "lib").symlink_to(outside)
    answer = tmp_path / "a.md"
    answer.write_text("## File: lib/tap_stack.py\n\n```python\nx = 1\n```\n")
    result = CliRunner().invoke(main, ["extract", str(answer), "--to", str(dest)])
    assert result.exit_code == 2
    assert "leads out of the folder through a symbolic link" in result.stderr
    assert list(outside.iterdir()) == []


def test_resolve_inside_accepts_plain_names(tmp_path: Path) -> None:
    assert resolve_inside(str(tmp_path), "./lib//x.py") == (str(tmp_path / "lib" / "x.py"), "")
    (tmp_path / "inner").mkdir()
    (tmp_path / "alias").symlink_to(tmp_path / "inner")
    assert resolve_inside(str(tmp_path), "alias/x.py")[0] == str(tmp_path / "alias" / "x.py")


def test_existing_files_are_kept_unless_forced(answer: Path, tmp_path: Path) -> None:
    dest = tmp_path / "project"
    (dest / "lib").mkdir(parents=True)
    (dest / "lib" / "tap_stack.py").write_text("# my own edits\n")
    result = CliRunner().invoke(main, ["extract", str(answer), "--to", str(dest)])
    assert result.exit_code == 2
    assert "exists; not overwritten (use --force)" in result.stderr
    assert (dest / "lib" / "tap_stack.py").read_text() == "# my own edits\n"
    assert (dest / "cdk.json").exists(), "the other files are written"
    result = CliRunner().invoke(main, ["extract", str(answer), "--to", str(dest), "--force"])
    assert result.exit_code == 0, result.stderr
    assert "second version" in (dest / "lib" / "tap_stack.py").read_text()


def test_cli_lists_written_files_and_exit_codes(answer: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["extract", str(answer), "--to", str(tmp_path / "p"), "--fix"])
    assert result.exit_code == 0, result.stderr
    assert f"{tmp_path / 'p' / 'lib' / 'tap_stack.py'}  (from {answer}:42)" in result.stdout
    assert "5 files written to" in result.stderr
    assert f"{answer}:52: note: block `lib/broken.py` left as it is: cannot parse" in result.stderr
    assert 'logger.info("second version %s", 2)' in (tmp_path / "p" / "lib" / "tap_stack.py").read_text()
    missing = CliRunner().invoke(main, ["extract", str(tmp_path / "nope.md"), "--to", str(tmp_path / "q")])
    assert missing.exit_code == 2 and "cannot read" in missing.stderr
    usage = CliRunner().invoke(main, ["extract", str(answer)])
    assert usage.exit_code == 2 and "--to" in usage.stderr
