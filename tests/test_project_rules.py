"""Project rules (IAC4xx): which projects a run checks, new files as diffs, never over a file."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from iacfix.cli import main
from iacfix.codemods._engine import fix_documents, fix_paths
from iacfix.codemods._project_rules import ProjectFile, ProjectView, check_project, project_root
from iacfix.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures" / "missing_app_entry_point"
STACK = (FIXTURES / "cdk_stack_only.before" / "lib" / "tap_stack.py").read_text()
# The sample stack has a bucket that other rules (IAC202, IAC203) find things in: these tests are about IAC401/402.
PROJECT_RULES = Settings(select=("IAC401", "IAC402"))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    shutil.copytree(FIXTURES / "cdk_stack_only.before", root)
    return root


def _new_files(results: list) -> list[str]:  # type: ignore[type-arg]
    return sorted(Path(r.path).name for r in results if r.new_file)


def test_fixing_lib_reaches_the_project_root(project: Path) -> None:
    # `iacfix lib/` is how QA runs it: the project is the folder above lib/.
    results = fix_paths([str(project / "lib")])
    assert _new_files(results) == ["cdk.json", "tap.py"]
    assert {Path(r.path).parent for r in results if r.new_file} == {project}


def test_a_folder_of_projects_checks_each(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "cdk_stack_only.before", tmp_path / "one")
    shutil.copytree(FIXTURES / "complete.ok", tmp_path / "two")
    results = fix_paths([str(tmp_path)])
    assert sorted(str(Path(r.path).relative_to(tmp_path)) for r in results if r.new_file) == ["one/cdk.json",
                                                                                               "one/tap.py"]


def test_files_named_one_by_one_get_no_new_files(project: Path) -> None:
    results = fix_paths([str(project / "lib" / "tap_stack.py")], PROJECT_RULES)
    assert _new_files(results) == [] and not [f for r in results for f in r.findings]


def test_a_sibling_folder_is_not_in_the_run(project: Path) -> None:
    (project / "lib" / "lambda").mkdir()
    (project / "lib" / "lambda" / "index.py").write_text("x = 1\n")
    assert _new_files(fix_paths([str(project / "lib" / "lambda")])) == []


def test_findings_point_at_the_stack_and_are_marked_fixed(project: Path) -> None:
    results = fix_paths([str(project)], PROJECT_RULES)
    found = [(Path(r.path).name, Path(f.path).name, f.code, f.line, f.fixed) for r in results for f in r.findings]
    assert found == [("cdk.json", "tap_stack.py", "IAC401", 7, True), ("tap.py", "tap_stack.py", "IAC401", 7, True)]


def test_ignore_comment_on_the_class_line_silences_it(project: Path) -> None:
    path = project / "lib" / "tap_stack.py"
    ignored = "class TapStack(Stack):  # iacfix: ignore[IAC401]"
    path.write_text(path.read_text().replace("class TapStack(Stack):", ignored))
    results = fix_paths([str(project)], PROJECT_RULES)
    assert _new_files(results) == [] and not [f for r in results for f in r.findings]


def test_select_and_ignore_apply(project: Path) -> None:
    assert _new_files(fix_paths([str(project)], Settings(ignore=("IAC4",)))) == []
    assert _new_files(fix_paths([str(project)], Settings(select=("missing-app-entry-point",)))) == ["cdk.json",
                                                                                                     "tap.py"]


def test_project_root_markers_and_lib_fallback(tmp_path: Path) -> None:
    (tmp_path / "a" / "lib").mkdir(parents=True)
    assert project_root(str(tmp_path / "a" / "lib" / "x.py")) == str(tmp_path / "a")
    (tmp_path / "b" / "src").mkdir(parents=True)
    (tmp_path / "b" / "cdktf.json").write_text("{}")
    assert project_root(str(tmp_path / "b" / "src" / "x.py")) == str(tmp_path / "b")
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / ".git").mkdir()
    assert project_root(str(tmp_path / "c" / "x.py")) is None


def test_an_answer_is_checked_as_the_project_it_names() -> None:
    view = ProjectView(None, {"lib/tap_stack.py": ProjectFile("lib/tap_stack.py", STACK.encode(), "ANSWER.md", 20)})
    fixes = check_project(view, Settings())
    assert [(f.finding.path, f.finding.line, f.new_file.name if f.new_file else None) for f in fixes] == [
        ("ANSWER.md", 27, "tap.py"), ("ANSWER.md", 27, "cdk.json")]


def test_a_markdown_answer_fixed_in_place_gets_no_new_blocks() -> None:
    answer = f"## File: lib/tap_stack.py\n\n```python\n{STACK}```\n".encode()
    [result] = fix_documents([("MODEL_RESPONSE.md", answer)], PROJECT_RULES)
    assert result.new == answer and not result.findings


def test_cli_dry_run_shows_new_files_as_diffs_git_applies(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    result = CliRunner().invoke(main, ["--dry-run", "."])
    assert result.exit_code == 0, result.output
    assert "--- /dev/null\n+++ b/tap.py\n@@ -0,0 +1,26 @@\n" in result.stdout
    assert "--- /dev/null\n+++ b/cdk.json\n" in result.stdout
    assert not (project / "tap.py").exists()
    (project / "fix.diff").write_text(result.stdout)
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    subprocess.run(["git", "apply", "fix.diff"], cwd=project, check=True)
    assert (project / "tap.py").read_text() == (FIXTURES / "cdk_stack_only.after" / "tap.py").read_text()


def test_cli_writes_new_files_and_check_passes_after(project: Path) -> None:
    assert CliRunner().invoke(main, ["--check", str(project)]).exit_code == 1
    result = CliRunner().invoke(main, [str(project)])
    assert result.exit_code == 0, result.output
    assert (project / "cdk.json").read_text() == (FIXTURES / "cdk_stack_only.after" / "cdk.json").read_text()
    assert CliRunner().invoke(main, ["--check", str(project)]).exit_code == 0


def test_cli_never_writes_over_a_file_created_meanwhile(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import iacfix.codemods._engine as engine

    real = engine.iter_paths

    def racing(paths, settings=None, **options):  # type: ignore[no-untyped-def]
        results = list(real(paths, settings, **options))
        (project / "tap.py").write_text("# written by someone else\n")
        yield from results

    monkeypatch.setattr(engine, "iter_paths", racing)
    result = CliRunner().invoke(main, [str(project)])
    assert result.exit_code == 2
    assert "cannot create" in result.stderr
    assert (project / "tap.py").read_text() == "# written by someone else\n"
    assert (project / "cdk.json").exists()


def test_report_only_findings_exit_1(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "unclear_stack.before", tmp_path / "p")
    result = CliRunner().invoke(main, [str(tmp_path / "p")])
    assert result.exit_code == 1
    assert "several stacks (`QueueStack`, `NetworkStack`)" in result.stdout
    assert not (tmp_path / "p" / "tap.py").exists() and not (tmp_path / "p" / "cdk.json").exists()


def _first_result_after(folder: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """How many files were fixed when a folder run gave its first result."""
    from iacfix.codemods import _engine

    fixed: list[str] = []
    original = _engine.fix_source

    def counting(data, path, *args, **kwargs):  # type: ignore[no-untyped-def]
        fixed.append(path)
        return original(data, path, *args, **kwargs)

    monkeypatch.setattr(_engine, "fix_source", counting)
    stream = _engine.iter_paths([str(folder)], Settings(), jobs=1)
    next(stream)
    count = len(fixed)
    list(stream)
    assert len(fixed) == 6
    return count


def test_a_folder_without_a_project_streams_its_results_and_one_with_a_project_holds_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loose = tmp_path / "loose"
    loose.mkdir()
    for index in range(6):
        (loose / f"m{index}.py").write_text(f"x = {index}\n")
    assert _first_result_after(loose, monkeypatch) == 1, "nothing for project rules: each result as it is ready"
    (loose / "cdk.json").write_text('{"app": "python3 app.py"}\n')
    assert _first_result_after(loose, monkeypatch) == 6, "a project: its files' results wait for the project rules"
