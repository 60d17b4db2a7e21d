"""IAC302 against the real pylint (4.0.4, the QA gate's version, from the `test` extra).

Every before/after fixture of builtin_param_name is linted with the gate's settings
(tests/pylint_gate.rc). The test checks that:
- IAC302 flags no line that pylint's `redefined-builtin` does not;
- after the fix the only `redefined-builtin` left are the ones IAC302 reports as not fixed;
- no other message appears (per file and message, the count never grows) and the code compiles.
pylint must be importable: a missing pylint fails the test run, it does not skip it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pylint  # noqa: F401  (a missing pylint must fail here, not skip)
import pytest

from iacfix.codemods._engine import fix_paths, fix_source
from iacfix.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures" / "builtin_param_name"
RCFILE = Path(__file__).parent / "pylint_gate.rc"
REDEFINED = "redefined-builtin"


def _settings(case: str) -> Settings:
    options = FIXTURES / f"{case}.json"
    extra = json.loads(options.read_text()) if options.exists() else {}
    return Settings(select=("IAC302",), **extra)


def _lint(root: Path) -> dict[str, Counter[tuple[str, int]]]:
    """(symbol, line) counts per file path relative to `root`."""
    process = subprocess.run(
        [sys.executable, "-m", "pylint", f"--rcfile={RCFILE}", "--output-format=json", "--recursive=y",
         "--persistent=n", "--score=n", "."],
        cwd=root, capture_output=True, text=True, check=False,
    )
    # Exit status bits 1 (fatal) and 32 (usage error) mean pylint itself failed.
    assert process.returncode & 33 == 0, process.stderr
    found: dict[str, Counter[tuple[str, int]]] = {}
    for message in json.loads(process.stdout or "[]"):
        found.setdefault(Path(message["path"]).as_posix(), Counter())[(message["symbol"], message["line"])] += 1
    return found


def _shadowing(findings: object, *, unfixed_only: bool) -> Counter[int]:
    """Lines of IAC302 findings about a parameter or local (not about call sites)."""
    return Counter(f.line for f in findings  # type: ignore[attr-defined]
                   if f.code == "IAC302" and f.message.startswith(("parameter", "local variable"))
                   and not (unfixed_only and f.fixed))


def _of(counts: Counter[tuple[str, int]], symbol: str) -> Counter[int]:
    return Counter({line: n for (name, line), n in counts.items() if name == symbol})


def _by_symbol(counts: Counter[tuple[str, int]]) -> Counter[str]:
    result: Counter[str] = Counter()
    for (symbol, _line), n in counts.items():
        result[symbol] += n
    return result


@pytest.fixture(scope="module")
def linted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[dict, dict, dict, dict]]:
    """Per case: (pylint before, pylint after, IAC302 findings before, findings on the after text)."""
    cases: dict[str, tuple[dict, dict, dict, dict]] = {}
    singles = tmp_path_factory.mktemp("singles")
    for side in ("before", "after"):
        (singles / side).mkdir()
        for path in sorted(FIXTURES.glob(f"*.{side}.py")):
            shutil.copy(path, singles / side / path.name.replace(f".{side}", ""))
    lint_before, lint_after = _lint(singles / "before"), _lint(singles / "after")
    for path in sorted(FIXTURES.glob("*.before.py")):
        case = path.name.split(".")[0]
        name = f"{case}.py"
        before = fix_source(path.read_bytes(), name, _settings(case))
        after_path = singles / "after" / name
        after = fix_source(after_path.read_bytes(), name, _settings(case))
        cases[case] = ({name: lint_before.get(name, Counter())}, {name: lint_after.get(name, Counter())},
                       {name: before.findings}, {name: after.findings})
    for folder in sorted(p for p in FIXTURES.glob("*.before") if p.is_dir()):
        case = folder.name.split(".")[0]
        work = tmp_path_factory.mktemp(case)
        shutil.copytree(folder, work / "before")
        shutil.copytree(FIXTURES / f"{case}.after", work / "after")
        results = {}
        for side in ("before", "after"):
            results[side] = {Path(r.path).relative_to(work / side).as_posix(): r.findings
                             for r in fix_paths([str(work / side)], _settings(case))}
        cases[case] = (_lint(work / "before"), _lint(work / "after"), results["before"], results["after"])
    return cases


CASES = sorted({p.name.split(".")[0] for p in FIXTURES.glob("*.before*")})


@pytest.mark.parametrize("case", CASES)
def test_iac302_flags_only_what_pylint_flags(linted: dict, case: str) -> None:
    # pylint may flag a name more than once (each `nonlocal` reassignment); the after check below
    # shows IAC302 covers those too.
    lint_before, _, findings_before, _ = linted[case]
    flagged = any(_of(counts, REDEFINED) for counts in lint_before.values())
    assert flagged == any(_shadowing(findings, unfixed_only=False) for findings in findings_before.values())
    for name, findings in findings_before.items():
        ours, theirs = _shadowing(findings, unfixed_only=False), _of(lint_before.get(name, Counter()), REDEFINED)
        assert not ours - theirs, f"{name}: IAC302 flags lines pylint does not: {sorted(ours - theirs)}"


@pytest.mark.parametrize("case", CASES)
def test_fixed_code_passes_where_the_original_failed(linted: dict, case: str) -> None:
    lint_before, lint_after, _, findings_after = linted[case]
    assert lint_before, "pylint saw no file"
    for name in sorted(set(lint_before) | set(lint_after)):
        after = lint_after.get(name, Counter())
        # Only what IAC302 reports as left unfixed still shadows a built-in.
        assert _of(after, REDEFINED) == _shadowing(findings_after.get(name, ()), unfixed_only=True), name
        grown = {symbol: n for symbol, n in _by_symbol(after).items()
                 if n > _by_symbol(lint_before.get(name, Counter()))[symbol]}
        assert not grown, f"{name}: new pylint messages {grown}"


def test_fixed_fixtures_compile() -> None:
    for path in sorted(FIXTURES.glob("**/*.py")):
        compile(path.read_text(), str(path), "exec", dont_inherit=True)
