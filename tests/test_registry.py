"""Every rule is registered once, well-formed, documented, and its documented example is true."""

from __future__ import annotations

import pkgutil
import re
from pathlib import Path

import pytest

import iacfix.codemods as codemods
from iacfix.codemods import ALL_RULES, get_rule
from iacfix.codemods._engine import fix_paths, fix_source
from iacfix.codemods._rule import FixSafety, Severity, explanation
from iacfix.settings import Settings

# Rules whose example needs more than the rule alone: IAC300 judges the comments of other rules.
EXAMPLE_SETTINGS = {"IAC300": {"select": ("IAC300", "IAC301"), "report_unused_ignores": True}}
HEADINGS = ("## What it does", "## Why it matters", "## Example", "## After the fix", "## Fix safety")


def test_every_rule_module_is_registered_once() -> None:
    modules = sorted(m.name for m in pkgutil.iter_modules(codemods.__path__) if not m.name.startswith("_"))
    registered = sorted(rule.__module__.rsplit(".", 1)[1] for rule in ALL_RULES)
    assert modules == sorted(set(registered)), "a rule module is missing from ALL_RULES (or listed twice)"


def test_codes_and_names() -> None:
    codes = [rule.CODE for rule in ALL_RULES]
    assert codes == sorted(codes), "ALL_RULES is sorted by code"
    assert len(set(codes)) == len(codes)
    names = [rule.NAME for rule in ALL_RULES]
    assert len(set(names)) == len(names)
    for rule in ALL_RULES:
        assert re.fullmatch(r"IAC[1-5]\d\d", rule.CODE), rule.CODE
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.NAME), rule.NAME
        assert 0 < len(rule.SUMMARY) <= 72, rule.CODE
        assert isinstance(rule.SEVERITY, Severity) and isinstance(rule.FIX_SAFETY, FixSafety)
        assert get_rule(rule.CODE) is rule and get_rule(rule.NAME) is rule and get_rule(rule.CODE.lower()) is rule


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.CODE)
def test_explanation_has_the_standard_headings(rule: type) -> None:
    text = explanation(rule)
    positions = [text.find(heading) for heading in HEADINGS]
    assert all(p >= 0 for p in positions), f"{rule.CODE} lacks {[h for h, p in zip(HEADINGS, positions) if p < 0]}"
    assert positions == sorted(positions)


def _blocks(text: str, heading: str) -> list[str]:
    section = text.split(heading, 1)[1].split("\n## ", 1)[0]
    # Text rules show their units in ```text fences.
    return re.findall(r"```(?:python|text)\n(.*?)```", section, re.DOTALL)


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.CODE)
def test_documented_example_is_what_the_rule_does(rule: type, tmp_path: Path) -> None:
    text = explanation(rule)
    examples, afters = _blocks(text, "## Example"), _blocks(text, "## After the fix")
    assert examples and len(examples) == len(afters), f"{rule.CODE}: Example and After blocks must pair up"
    for example, after in zip(examples, afters):
        project = getattr(rule, "EXAMPLE_PROJECT", None)
        if project is not None:
            assert _fixed_in_project(rule, example, project, tmp_path) == after
            continue
        result = _fix_example(rule, example)
        assert result.findings, f"{rule.CODE}: the example shows no defect"
        assert result.new.decode() == after


def _fixed_in_project(rule: type, example: str, project: dict[str, str], tmp_path: Path) -> str:
    # A rule that needs a project (IAC4xx): the Example is lib/tap_stack.py among `project`'s
    # files, and After is the one Python file the fix changes or adds.
    for name, text in {**project, "lib/tap_stack.py": example}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    results = fix_paths([str(tmp_path)], Settings(select=(rule.CODE,)))
    assert [f for r in results for f in r.findings if f.code == rule.CODE], f"{rule.CODE}: the example shows no defect"
    if rule.FIX_SAFETY is FixSafety.NONE:  # report only: the example must come out as it went in
        assert not any(r.changed for r in results)
        return example
    [changed] = [r for r in results if r.changed and r.path.endswith(".py")]
    return changed.new.decode()


@pytest.mark.parametrize("document", ["README.md", "CHANGELOG.md"])
def test_every_rule_is_documented(document: str) -> None:
    text = (Path(__file__).resolve().parent.parent / document).read_text()
    missing = [rule.CODE for rule in ALL_RULES if f"{rule.CODE} {rule.NAME}" not in text
               and f"| {rule.CODE} | {rule.NAME} |" not in text]
    assert not missing, f"{document} does not name {missing}"


def _fix_example(rule: type, example: str):  # noqa: ANN202 - a FileResult
    from iacfix.codemods._engine import fix_text_source

    settings = Settings(**{"select": (rule.CODE,), **EXAMPLE_SETTINGS.get(rule.CODE, {})})
    if rule.UNIT_KIND == "python":
        # A rule that judges files by name (IAC107: setup.py) names the file its example is.
        return fix_source(example, getattr(rule, "EXAMPLE_PATH", "example.py"), settings)
    return fix_text_source(example, "requirements.txt", rule.UNIT_KIND, settings)
