"""The project's pylint options that iacfix mirrors (`max-line-length`, `max-module-lines`).

The configuration is found the way pylint finds its own, except that the search starts at the
file being fixed instead of the working directory: in each directory from the file's upwards,
the first of `pylintrc`, `pylintrc.toml`, `.pylintrc`, `.pylintrc.toml`, `pyproject.toml` (with a
`[tool.pylint.*]` table), `setup.cfg` and `tox.ini` (with a `[pylint.*]` section) wins; the search
stops after a directory holding `.git` (folder or file) or `.hg`, or at the filesystem root.
Results are cached per directory for the life of the process.

Sections are read as pylint reads them (`pylint/config/config_file_parser.py`): every section of
an rc file, the `pylint*` sections of `setup.cfg`/`tox.ini`, every table under `[tool.pylint]`.
"""

from __future__ import annotations

import configparser
import functools
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

_RC_NAMES = ("pylintrc", "pylintrc.toml", ".pylintrc", ".pylintrc.toml")
_CONFIG_NAMES = (*_RC_NAMES, "pyproject.toml", "setup.cfg", "tox.ini")
_ROOT_MARKERS = (".git", ".hg")


@dataclass(frozen=True)
class PylintOptions:
    """The options read from one pylint configuration file (None: not set there)."""

    source: Path | None = None
    max_line_length: int | None = None
    max_module_lines: int | None = None


def pylint_options(path: str | os.PathLike[str]) -> PylintOptions:
    """The pylint options that apply to the file at `path` (which need not exist: stdin)."""
    directory = Path(path).parent
    try:
        directory = directory.resolve()
    except OSError:
        return PylintOptions()
    return _options_for_directory(directory)


def clear_cache() -> None:
    """Forget what was read (tests, or a long-lived process whose configuration changed)."""
    _options_for_directory.cache_clear()


@functools.lru_cache(maxsize=None)
def _options_for_directory(directory: Path) -> PylintOptions:
    for name in _CONFIG_NAMES:
        candidate = directory / name
        try:
            if not candidate.is_file():
                continue
            options = _read(candidate)
        except OSError:
            continue
        if options is not None:
            return PylintOptions(candidate, _int(options.get("max-line-length")),
                                 _int(options.get("max-module-lines")))
    # A worktree or submodule has a `.git` file, not a folder: either way, the project ends here.
    if any((directory / marker).exists() for marker in _ROOT_MARKERS) or directory.parent == directory:
        return PylintOptions()
    return _options_for_directory(directory.parent)


def _read(path: Path) -> dict[str, Any] | None:
    """The file's pylint options, or None when it holds no pylint configuration (or is broken)."""
    if path.suffix == ".toml":
        try:
            with open(path, "rb") as handle:
                content = tomllib.load(handle)
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            return None
        tool = content.get("tool")
        section = tool.get("pylint") if isinstance(tool, dict) else None
        if not isinstance(section, dict):
            return None
        options: dict[str, Any] = {}
        for key, value in section.items():
            # `[tool.pylint.format]`, `[tool.pylint."messages control"]`, `[tool.pylint.main]`... are
            # flattened, as pylint does; a top-level key counts too.
            options.update(value if isinstance(value, dict) else {key: value})
        return options
    parser = configparser.ConfigParser(inline_comment_prefixes=("#", ";"), interpolation=None)
    try:
        with open(path, encoding="utf_8_sig") as handle:
            parser.read_file(handle)
    except (configparser.Error, UnicodeDecodeError):
        # pylint skips a broken setup.cfg/tox.ini but uses a broken rc file with its defaults.
        return {} if path.name in _RC_NAMES else None
    only_pylint_sections = path.name in ("setup.cfg", "tox.ini")
    if only_pylint_sections and not any(s == "pylint" or s.startswith("pylint.") for s in parser.sections()):
        return None
    sections = [s for s in parser.sections() if not only_pylint_sections or s.startswith("pylint")]
    options = {}
    for section in sections:
        options.update(parser[section])
    return options


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        return None
    return number if number > 0 else None
