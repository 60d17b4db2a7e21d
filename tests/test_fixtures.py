"""Before/after fixtures for every rule: the fix, idempotence, no-ops, and no two rules fighting.

tests/fixtures/<rule_module>/
    <case>.before.py + <case>.after.py   the rule turns one into the other
    <case>.ok.py                         must come out byte-identical, with no finding of the rule
    <case>.json                          optional settings: {"unsafe_fixes": true, "line_length": 100};
                                         "select" replaces the rule alone (IAC300 judges other rules)
    <case>.before/ + <case>.after/       a multi-file case, fixed as one run over the folder (the
                                         whole tree is compared: project rules may add files)
    <case>.ok/                           a folder that must come out unchanged, with no finding
    <case>.before.txt + .after.txt, <case>.ok.txt   the same for text rules (requirements units)

IACFIX_UPDATE_FIXTURES=1 rewrites the .after files from the actual output (review the diff).
"""

from __future__ import annotations

import ast
import json
import os
import shutil
from pathlib import Path

import pytest

from iacfix.codemods import ALL_RULES
from iacfix.codemods._engine import fix_paths, fix_source, fix_text_source
from iacfix.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures"
UPDATE = os.environ.get("IACFIX_UPDATE_FIXTURES") == "1"
RULE_BY_MODULE = {rule.__module__.rsplit(".", 1)[1]: rule for rule in ALL_RULES}


def _cases(suffix: str) -> list[tuple[str, Path]]:
    found = []
    for folder in sorted(FIXTURES.iterdir()):
        if folder.name.startswith("_") or not folder.is_dir():
            continue
        for path in sorted(folder.glob(f"*{suffix}")):
            found.append(pytest.param(folder.name, path, id=f"{folder.name}/{path.name}"))
    return found


def _settings(module: str, case: Path, *, only_rule: bool) -> Settings:
    stem = case.name.split(".")[0]
    options = json.loads((case.parent / f"{stem}.json").read_text()) if (case.parent / f"{stem}.json").exists() else {}
    rule = RULE_BY_MODULE[module]
    select = tuple(options.pop("select", (rule.CODE,))) if only_rule else ("IAC",)
    options.pop("select", None)
    return Settings(select=select, **options)


def test_every_rule_has_fixtures() -> None:
    for module, rule in RULE_BY_MODULE.items():
        folder = FIXTURES / module
        assert list(folder.glob("*.before*")), f"{rule.CODE}: no before/after fixture in {folder}"
        assert (list(folder.glob("*.ok.py")) or list(folder.glob("*.ok/"))
                or list(folder.glob("*.ok.txt"))), f"{rule.CODE}: no .ok fixture in {folder}"


def _fix(data: bytes, case: Path, module: str, settings: Settings):  # noqa: ANN202 - a FileResult
    """Fix a fixture: Python source, or for `.txt` cases the text rules' unit (a requirements file)."""
    if case.suffix == ".txt":
        return fix_text_source(data, "requirements.txt", RULE_BY_MODULE[module].UNIT_KIND, settings)
    return fix_source(data, str(case), settings)


@pytest.mark.parametrize(("module", "before"), _cases(".before.py") + _cases(".before.txt"))
def test_fix(module: str, before: Path) -> None:
    rule = RULE_BY_MODULE[module]
    after = before.with_name(before.name.replace(".before.", ".after."))
    result = _fix(before.read_bytes(), before, module, _settings(module, before, only_rule=True))
    assert result.error is None, result.error
    assert not result.internal_errors
    assert result.findings, "the before case must produce findings"
    assert {finding.code for finding in result.findings} == {rule.CODE}
    if UPDATE:
        after.write_bytes(result.new)
    # Compared as decoded bytes: `read_text` would turn a CRLF fixture's line endings into LF.
    assert result.new.decode() == after.read_bytes().decode(), "fixed output differs from the .after file"
    if before.suffix == ".py":
        ast.parse(result.new)
    # Idempotent: the rule finds nothing more to change on its own output.
    again = _fix(result.new, after, module, _settings(module, before, only_rule=True))
    assert again.new == result.new
    assert all(not finding.fixed for finding in again.findings)
    # All rules together leave the fixed file alone (no two rules fight).
    together = _fix(after.read_bytes(), after, module, _settings(module, before, only_rule=False))
    assert together.new == after.read_bytes()


@pytest.mark.parametrize(("module", "ok"), _cases(".ok.py") + _cases(".ok.txt"))
def test_ok_is_untouched(module: str, ok: Path) -> None:
    rule = RULE_BY_MODULE[module]
    data = ok.read_bytes()
    for only_rule in (True, False):
        result = _fix(data, ok, module, _settings(module, ok, only_rule=only_rule))
        assert result.error is None
        assert result.new == data
        assert not [finding for finding in result.findings if finding.code == rule.CODE]


def _project_cases(suffix: str) -> list[tuple[str, Path]]:
    return [
        pytest.param(folder.name, case, id=f"{folder.name}/{case.name}")
        for folder in sorted(FIXTURES.iterdir()) if folder.is_dir() and not folder.name.startswith("_")
        for case in sorted(folder.glob(f"*{suffix}")) if case.is_dir()
    ]


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(("module", "before"), _project_cases(".before"))
def test_project_fix(module: str, before: Path, tmp_path: Path) -> None:
    rule = RULE_BY_MODULE[module]
    after = before.with_name(before.name.replace(".before", ".after"))
    work = tmp_path / "project"
    shutil.copytree(before, work)
    settings = _settings(module, before, only_rule=True)
    results = fix_paths([str(work)], settings)
    assert not [r for r in results if r.error]
    assert {f.code for r in results for f in r.findings} == {rule.CODE}, "the before case must produce findings"
    for result in results:
        if result.changed:  # as the CLI writes them: changed files replaced, new files created
            Path(result.path).parent.mkdir(parents=True, exist_ok=True)
            Path(result.path).write_bytes(result.new)
    if UPDATE:
        shutil.rmtree(after, ignore_errors=True)
        shutil.copytree(work, after)
    assert _tree(work) == _tree(after), "the fixed project differs from the .after folder"
    # Fixing the fixed project again changes nothing and adds no file.
    again = fix_paths([str(work)], settings)
    assert not [r for r in again if r.changed or r.new_file]
    assert all(not f.fixed for r in again for f in r.findings)


@pytest.mark.parametrize(("module", "ok"), _project_cases(".ok"))
def test_project_ok_is_untouched(module: str, ok: Path, tmp_path: Path) -> None:
    rule = RULE_BY_MODULE[module]
    work = tmp_path / "project"
    shutil.copytree(ok, work)
    for only_rule in (True, False):
        results = fix_paths([str(work)], _settings(module, ok, only_rule=only_rule))
        assert not [r for r in results if r.error or r.new_file]
        assert not [f for r in results for f in r.findings if f.code == rule.CODE]
    assert _tree(work) == _tree(ok)
