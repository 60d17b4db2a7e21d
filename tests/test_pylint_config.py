"""The line length limit and module size limit come from the project's pylint configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from iacfix._pylint_config import clear_cache, pylint_options
from iacfix.codemods._context import FileContext
from iacfix.settings import Settings


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    clear_cache()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project root: the search for a configuration stops at its `.git`."""
    (tmp_path / ".git").mkdir()
    return tmp_path


def _length(path: Path, settings: Settings | None = None) -> int:
    return FileContext(str(path), "", settings or Settings()).line_length


CONFIGS = {
    ".pylintrc": "[MAIN]\njobs=1\n\n[FORMAT]\nmax-line-length=100  # team rule\n",
    "pylintrc": "[FORMAT]\nmax-line-length = 100\n",
    "pylintrc.toml": "[tool.pylint.format]\nmax-line-length = 100\n",
    "setup.cfg": "[metadata]\nname = x\n\n[pylint.format]\nmax-line-length = 100\n",
    "tox.ini": "[tox]\nenvlist = py\n\n[pylint]\nmax-line-length = 100\n",
    "pyproject.toml": "[project]\nname = 'x'\n\n[tool.pylint.format]\nmax-line-length = 100\n",
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_each_config_format(project: Path, name: str) -> None:
    (project / name).write_text(CONFIGS[name])
    assert _length(project / "stack.py") == 100


@pytest.mark.parametrize("table", ['[tool.pylint."format"]', "[tool.pylint.main]", '[tool.pylint."messages control"]'])
def test_pyproject_tables_are_flattened(project: Path, table: str) -> None:
    (project / "pyproject.toml").write_text(f"{table}\nmax-line-length = 99\nmax-module-lines = 1500\n")
    options = pylint_options(project / "lib" / "stack.py")
    assert (options.max_line_length, options.max_module_lines) == (99, 1500)
    assert options.source == project / "pyproject.toml"


def test_the_gate_config_is_read(project: Path) -> None:
    gate = Path(__file__).parent / "data" / "gate.pylintrc"
    (project / ".pylintrc").write_text(gate.read_text())
    assert _length(project / "lib" / "tap_stack.py") == 120


def test_nearest_config_wins(project: Path) -> None:
    (project / ".pylintrc").write_text("[FORMAT]\nmax-line-length=100\n")
    lib = project / "lib"
    lib.mkdir()
    (lib / "pyproject.toml").write_text("[tool.pylint.format]\nmax-line-length = 90\n")
    assert _length(lib / "stack.py") == 90
    assert _length(project / "app.py") == 100


def test_files_without_pylint_settings_are_passed_over(project: Path) -> None:
    (project / ".pylintrc").write_text("[FORMAT]\nmax-line-length=100\n")
    lib = project / "lib"
    lib.mkdir()
    (lib / "pyproject.toml").write_text("[tool.black]\nline-length = 88\n")
    (lib / "setup.cfg").write_text("[flake8]\nmax-line-length = 79\n")
    assert _length(lib / "stack.py") == 100


def test_within_a_folder_pylint_order_wins(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.pylint.format]\nmax-line-length = 90\n")
    (project / ".pylintrc").write_text("[FORMAT]\nmax-line-length=100\n")
    assert _length(project / "stack.py") == 100  # .pylintrc comes before pyproject.toml


def test_search_stops_at_the_project_root(tmp_path: Path) -> None:
    (tmp_path / ".pylintrc").write_text("[FORMAT]\nmax-line-length=100\n")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    assert _length(repo / "stack.py") == 120
    assert _length(tmp_path / "other.py") == 100


def test_cli_option_wins(project: Path) -> None:
    (project / ".pylintrc").write_text("[FORMAT]\nmax-line-length=100\n")
    assert _length(project / "stack.py", Settings(line_length=140)) == 140


def test_default_and_broken_files(project: Path) -> None:
    assert _length(project / "stack.py") == 120
    (project / "pyproject.toml").write_text("[tool.pylint.format\nmax-line-length = 90\n")  # not TOML
    clear_cache()
    assert _length(project / "stack.py") == 120
    (project / ".pylintrc").write_text("[FORMAT]\nmax-line-length=wide\n")
    clear_cache()
    assert _length(project / "stack.py") == 120
