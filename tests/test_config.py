"""[tool.iacfix] configuration: discovery per file, validation, command-line precedence, excludes."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any, ClassVar, Mapping

import libcst as cst
import pytest
from click.testing import CliRunner

import iacfix.config as config
from iacfix.cli import main
from iacfix.codemods._engine import fix_paths, fix_source
from iacfix.codemods._files import DEFAULT_EXCLUDE
from iacfix.codemods._rule import FixSafety, Rule, Severity
from iacfix.config import ConfigError, Overrides, Resolver, glob_pattern, matches, read_config

BAD = 'import logging\nlogger = logging.getLogger()\nlogger.info(f"x {a}")\n'
GOOD = 'import logging\nlogger = logging.getLogger()\nlogger.info("x %s", a)\n'


def walk(root: Path, resolver: Resolver | None = None) -> list[str]:
    return [Path(r.path).relative_to(root).as_posix() for r in fix_paths([str(root)], resolver=resolver or Resolver())]


def run(*args: str, input: bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def pyproject(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "pyproject.toml"
    path.write_text(f'[project]\nname = "demo"\n\n{body}')
    return path


class Retention(Rule):
    """A made-up rule with options, to check how options are read and validated."""

    CODE = "IAC502"
    NAME = "log-group-retention"
    SUMMARY = "log group without retention"
    SEVERITY = Severity.MEDIUM
    FIX_SAFETY = FixSafety.NONE
    seen: ClassVar[list[Any]] = []

    @classmethod
    def options(cls) -> Mapping[str, Any]:
        return {"days": 30, "classes": ["LogGroup"], "strict": False}

    @classmethod
    def wants(cls, text: str, context: Any) -> bool:
        return True

    def visit_Module(self, node: cst.Module) -> None:
        Retention.seen.append((self.option("days"), self.option("strict")))


def test_the_nearest_table_wins_and_pyprojects_without_one_are_skipped(tmp_path: Path) -> None:
    pyproject(tmp_path, '[tool.iacfix]\nline-length = 100\n')
    pyproject(tmp_path / "app", '[tool.black]\nline-length = 88\n')  # no [tool.iacfix]: look further up
    pyproject(tmp_path / "app" / "infra", '[tool.iacfix]\nignore = ["IAC301"]\n')
    (tmp_path / "app" / "infra" / "lib").mkdir()
    resolver = Resolver()
    assert resolver.settings_for(str(tmp_path / "app" / "x.py")).line_length == 100
    inner = resolver.settings_for(str(tmp_path / "app" / "infra" / "lib" / "stack.py"))
    assert inner.ignore == ("IAC301",) and inner.line_length is None, "tables do not merge across files"
    assert resolver.config_for(str(tmp_path / "app" / "infra" / "lib" / "s.py")).root == str(tmp_path / "app" / "infra")


def test_folders_are_looked_up_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pyproject(tmp_path, '[tool.iacfix]\nline-length = 100\n')
    for name in ("a", "b"):
        (tmp_path / "lib" / name).mkdir(parents=True)
        for index in range(5):
            (tmp_path / "lib" / name / f"m{index}.py").write_text(GOOD)
    reads: list[str] = []
    real = config.read_config
    monkeypatch.setattr(config, "read_config", lambda path, rules=None: reads.append(path) or real(path, rules))
    resolver = Resolver()
    results = fix_paths([str(tmp_path / "lib")], resolver=resolver)
    assert len(results) == 10
    assert reads == [str(tmp_path / "pyproject.toml")]
    assert len({id(resolver.settings_for(r.path)) for r in results}) == 1, "one Settings object shared"


def test_command_line_wins_over_the_file(tmp_path: Path) -> None:
    pyproject(tmp_path, '[tool.iacfix]\nselect = ["IAC3"]\nignore = ["IAC301"]\nline-length = 100\n'
                        'unsafe-fixes = true\nreport-unused-ignores = true\n')
    file = str(tmp_path / "m.py")
    plain = Resolver().settings_for(file)
    assert (plain.select, plain.ignore, plain.line_length, plain.unsafe_fixes) == (("IAC3",), ("IAC301",), 100, True)
    cli = Resolver(Overrides(select=("IAC301",), line_length=90, unsafe_fixes=False,
                             report_unused_ignores=False)).settings_for(file)
    # --select replaces the file's select and ignore: what you ask for is what runs.
    assert (cli.select, cli.ignore, cli.line_length, cli.unsafe_fixes) == (("IAC301",), (), 90, False)
    assert cli.selects("IAC301", "logging-fstring") and not cli.report_unused_ignores
    more = Resolver(Overrides(ignore=("IAC300",), extend_select=("IAC301",))).settings_for(file)
    assert more.select == ("IAC3", "IAC301") and more.ignore == ("IAC301", "IAC300")


def test_line_length_from_the_file_is_what_rules_see(tmp_path: Path) -> None:
    pyproject(tmp_path, '[tool.iacfix]\nline-length = 100\n')
    settings = Resolver().settings_for(str(tmp_path / "m.py"))
    from iacfix.codemods._context import FileContext

    assert FileContext("m.py", "", settings).line_length == 100
    assert FileContext("m.py", "", Resolver(Overrides(line_length=90)).settings_for("m.py")).line_length == 90


def test_per_file_ignores(tmp_path: Path) -> None:
    pyproject(tmp_path, '[tool.iacfix.per-file-ignores]\n"tests/**" = ["IAC301"]\n"__init__.py" = ["IAC3"]\n'
                        '"lib/{a,b}.py" = ["logging-fstring"]\n')
    for name in ("tests/unit/t.py", "lib/pkg/__init__.py", "lib/a.py", "lib/b.py", "lib/c.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(BAD)
    results = fix_paths([str(tmp_path)], resolver=Resolver())
    assert [Path(r.path).relative_to(tmp_path).as_posix() for r in results if r.changed] == ["lib/c.py"]
    # ...and still with --select on the command line.
    results = fix_paths([str(tmp_path)], resolver=Resolver(Overrides(select=("IAC301",))))
    assert [Path(r.path).name for r in results if r.changed] == ["c.py"]


def test_a_project_with_per_file_ignores_is_still_one_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pyproject(tmp_path, '[tool.iacfix.per-file-ignores]\n"tests/*" = ["IAC301"]\n')
    for name in ("lib/a.py", "tests/t.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(GOOD)
    import iacfix.codemods._engine as engine

    calls: list[int] = []
    real = engine.iter_documents
    monkeypatch.setattr(engine, "iter_documents", lambda docs, *a, **k: calls.append(len(docs)) or real(docs, *a, **k))
    fix_paths([str(tmp_path)], resolver=Resolver())
    assert calls == [2], "cross-file facts span every file under one configuration"


def test_exclude_extend_exclude_and_force_exclude(tmp_path: Path) -> None:
    pyproject(tmp_path, '[tool.iacfix]\nextend-exclude = ["generated", "lib/*_pb2.py"]\n')
    for name in ("lib/a.py", "lib/a_pb2.py", "generated/g.py", "lib/generated/h.py", "cdk.out/asset.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(BAD)
    assert walk(tmp_path) == ["lib/a.py"]
    # A file named explicitly is taken (as ruff and black do)... unless exclusion is forced (pre-commit).
    named = [str(tmp_path / "generated" / "g.py"), str(tmp_path / "lib" / "a_pb2.py")]
    assert len(fix_paths(named, resolver=Resolver())) == 2
    assert fix_paths(named, resolver=Resolver(Overrides(force_exclude=True))) == []
    pyproject(tmp_path, '[tool.iacfix]\nexclude = ["lib"]\nforce-exclude = true\n')  # replaces the defaults
    assert walk(tmp_path) == ["cdk.out/asset.py", "generated/g.py"]
    code, out, _ = run("-", "--stdin-filename", str(tmp_path / "lib" / "a.py"), input=BAD.encode())
    assert code == 0 and out == BAD, "an excluded file piped through is handed back unchanged"


def test_explicit_config_file(tmp_path: Path) -> None:
    pyproject(tmp_path / "project", '[tool.iacfix]\nignore = ["IAC301"]\n')
    (tmp_path / "project" / "m.py").write_text(BAD)
    other = tmp_path / "iacfix.toml"
    other.write_text('line-length = 99\n')  # not a pyproject: the top level is the table
    resolver = Resolver(Overrides(config=str(other)))
    settings = resolver.settings_for(str(tmp_path / "project" / "m.py"))
    assert settings.ignore == () and settings.line_length == 99
    assert run("--check", "--config", str(tmp_path / "project" / "pyproject.toml"), str(tmp_path / "project"))[0] == 0
    assert run("--check", "--config", str(other), str(tmp_path / "project"))[0] == 1
    empty = pyproject(tmp_path / "empty", "")
    code, _, err = run("--config", str(empty), str(tmp_path / "project"))
    assert code == 2 and "no [tool.iacfix] table" in err


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('selct = ["IAC3"]', r"\[tool.iacfix\] `selct`: unknown key \(did you mean `select`\?\); valid keys: select, "),
        ('select = ["IAC777"]', r"`select`: unknown rule 'IAC777'; known rules: .*IAC300 \(unused-suppression\), IAC301"),
        ('select = "IAC3"', r"`select`: must be a list of strings"),
        ('line-length = "100"', r"`line-length`: must be an integer from 40 to 1000"),
        ('unsafe-fixes = 1', r"`unsafe-fixes`: must be true or false"),
        ('[tool.iacfix.per-file-ignores]\n"tests/*" = ["IAC9"]',
         r'`per-file-ignores."tests/\*"`: unknown rule \'IAC9\''),
        ('[tool.iacfix.options.IAC999]\ndays = 1', r"`options.IAC999`: unknown rule 'IAC999'; known rules: .*IAC300"),
        ('[tool.iacfix.options.IAC301]\ndays = 1', r"`options.IAC301.days`: unknown option of IAC301 logging-fstring; "
                                                   r"its options: none"),
        ("[tool.iacfix\nselect = 1", r"invalid TOML"),
    ],
)
def test_bad_configuration_is_a_clear_error(tmp_path: Path, body: str, expected: str) -> None:
    path = pyproject(tmp_path, body if body.startswith("[") else f"[tool.iacfix]\n{body}\n")
    with pytest.raises(ConfigError, match=re.escape(str(path)) + ": .*" + expected):
        read_config(str(path))
    (tmp_path / "m.py").write_text(GOOD)
    code, _, err = run(str(tmp_path / "m.py"))
    assert code == 2 and str(path) in err, "the command line stops with the file named"


def test_unrelated_pyproject_files_are_not_parsed(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("this is [not toml\n")
    assert read_config(str(tmp_path / "pyproject.toml")) is None


def test_rule_options(tmp_path: Path) -> None:
    rules = [Retention]
    path = pyproject(tmp_path, '[tool.iacfix.options.IAC502]\ndays = 14\n\n'
                               '[tool.iacfix.options.log-group-retention]\nstrict = true\n')
    loaded = read_config(str(path), rules)
    assert loaded is not None and loaded.options == {"IAC502": {"days": 14, "strict": True}}
    settings = Resolver(rules=rules).settings_for(str(tmp_path / "m.py"))
    Retention.seen.clear()
    fix_source(b"x = 1\n", "m.py", settings, rules=[Retention])
    assert Retention.seen == [(14, True)], "self.option(key) reads the configured value"
    fix_source(b"x = 1\n", "m.py", rules=[Retention])
    assert Retention.seen[-1] == (30, False), "and the rule's default otherwise"
    for body, expected in [("dayz = 14", "unknown option of IAC502 log-group-retention; its options: days, classes, "
                                         "strict"),
                           ("days = true", "must be of type int (default: 30)"),
                           ('classes = "LogGroup"', "must be of type list")]:
        pyproject(tmp_path, f"[tool.iacfix.options.IAC502]\n{body}\n")
        with pytest.raises(ConfigError, match=re.escape(expected)):
            read_config(str(path), rules)


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("tests/*", "/p/tests/t.py", True),
        ("tests/*", "/p/tests/unit/t.py", False),
        ("tests/**", "/p/tests/unit/t.py", True),
        ("**/test_*.py", "/p/a/b/test_x.py", True),
        ("**/test_*.py", "/p/test_x.py", True),
        ("lib/{a,b}.py", "/p/lib/b.py", True),
        ("lib/[!a].py", "/p/lib/a.py", False),
        ("__init__.py", "/p/deep/pkg/__init__.py", True),
        ("generated", "/p/x/generated", True),
        ("generated", "/p/x/generated_files", False),
        ("/abs/*.py", "/abs/m.py", True),
    ],
)
def test_glob_patterns(pattern: str, path: str, expected: bool) -> None:
    assert matches(pattern, path, "/p") is expected
    assert glob_pattern("a*b").match("a/b") is None


def test_config_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pyproject(tmp_path, '[tool.iacfix]\nselect = ["IAC301"]\nline-length = 100\n[tool.iacfix.per-file-ignores]\n'
                        '"tests/*" = ["IAC301"]\n')
    (tmp_path / "tests").mkdir()
    code, out, _ = run("config", str(tmp_path / "tests" / "t.py"))
    assert code == 0
    assert f"# from {tmp_path / 'pyproject.toml'}" in out
    assert '# off for this file by per-file-ignores: ["IAC301"]' in out and "(applies here)" in out
    assert "line-length = 100" in out
    assert "# rules that run: none" in out
    code, out, _ = run("config", str(tmp_path))
    assert "# rules that run: IAC301" in out and "(does not apply here)" in out
    monkeypatch.chdir(tmp_path / "tests")
    assert run("config")[1] == run("config", ".")[1]
    code, out, _ = run("config", "/")
    assert code == 0 and "# no [tool.iacfix] found above it: defaults" in out
    assert "# line-length not set: the pylint configuration's max-line-length, else 120" in out


def test_cli_flags_reach_the_settings(tmp_path: Path) -> None:
    pyproject(tmp_path, '[tool.iacfix]\nunsafe-fixes = true\n')
    percent = 'import logging\nlogger = logging.getLogger()\nlogger.info("x %s" % a)\n'
    (tmp_path / "m.py").write_text(percent)
    assert run("--check", "--no-unsafe-fixes", str(tmp_path / "m.py"))[0] == 1
    assert "[unsafe fix: --unsafe-fixes]" in run("--check", "--no-unsafe-fixes", str(tmp_path / "m.py"))[1]
    assert "[fixable]" in run("--check", str(tmp_path / "m.py"))[1], "the file's unsafe-fixes = true applies"


def test_default_excludes_agree_with_the_file_walker() -> None:
    assert set(config.DEFAULT_EXCLUDE) == set(DEFAULT_EXCLUDE)


def test_python_3_10_gets_tomli_and_reading_settings_needs_no_libcst(tmp_path: Path) -> None:
    text = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    assert 'tomli>=1.1; python_version < "3.11"' in text
    path = pyproject(tmp_path, '[tool.iacfix]\nline-length = 100\n')
    probe = ("import sys, iacfix.config as c; "
             f"print(c.read_config({str(path)!r}, rules=[]).line_length, 'libcst' in sys.modules)")
    import subprocess

    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(Path(config.__file__).parent.parent)})
    assert out.stdout.split() == ["100", "False"], out.stderr
