"""`[tool.iacfix]` in pyproject.toml: found per file, validated, merged with the command line.

Each file gets the settings of the nearest `pyproject.toml` above it that has a `[tool.iacfix]`
table (as ruff does), or those of `--config PATH` for every file. Patterns in `exclude`,
`extend-exclude` and `per-file-ignores` are relative to the folder of the file they come from.
Command-line flags win over the file: `--select` replaces the file's `select`, `extend-select` and
`ignore` (what you ask for is what runs), `--ignore` adds to them; per-file ignores always apply.

No libcst here: the rule catalogue (codes, names, options) is imported only when a
configuration is checked, and tests may pass their own.
"""

from __future__ import annotations

import difflib
import functools
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Protocol, Sequence

from iacfix.settings import Settings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

DEFAULT_EXCLUDE = (
    ".git", ".hg", ".svn", ".venv", "venv", "env", ".env", "node_modules", "cdk.out", "cdktf.out", ".gen",
    "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".tox", ".nox", "build", "dist",
)
LINE_LENGTH_RANGE = (40, 1000)
_LISTS = ("select", "ignore", "extend-select", "exclude", "extend-exclude")
_BOOLS = ("unsafe-fixes", "force-exclude", "report-unused-ignores")
KEYS = (*_LISTS[:3], "per-file-ignores", "line-length", *_BOOLS[:1], *_LISTS[3:], *_BOOLS[1:], "options")


class ConfigError(Exception):
    """A configuration file that cannot be used; the message names the file and the key."""


class RuleInfo(Protocol):
    CODE: str
    NAME: str

    @classmethod
    def options(cls) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class FileConfig:
    """One validated `[tool.iacfix]` table (or the defaults when `path` is None)."""

    path: str | None = None
    root: str = ""
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    line_length: int | None = None
    unsafe_fixes: bool | None = None
    exclude: tuple[str, ...] | None = None
    extend_exclude: tuple[str, ...] = ()
    force_exclude: bool | None = None
    report_unused_ignores: bool | None = None
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def excludes(self) -> tuple[str, ...]:
        return (DEFAULT_EXCLUDE if self.exclude is None else self.exclude) + self.extend_exclude


@dataclass(frozen=True)
class Overrides:
    """What the command line says; None means "not given, use the file"."""

    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    unsafe_fixes: bool | None = None
    line_length: int | None = None
    force_exclude: bool | None = None
    report_unused_ignores: bool | None = None
    config: str | None = None  # --config PATH: this file for every path, no search


def read_config(path: str, rules: Sequence[RuleInfo] | None = None) -> FileConfig | None:
    """The `[tool.iacfix]` table of a pyproject.toml (None without one), or a whole `iacfix.toml`."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror or error}") from None
    is_pyproject = os.path.basename(path) == "pyproject.toml"
    # Most pyproject.toml files on the way up have nothing for us: don't parse those.
    if is_pyproject and b"iacfix" not in raw:
        return None
    try:
        document = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    table = document.get("tool", {}).get("iacfix") if is_pyproject else document
    if table is None:
        return None
    where = "[tool.iacfix]" if is_pyproject else "the top level"
    return _validate(path, where, table, _catalogue(rules))


def _catalogue(rules: Sequence[RuleInfo] | None) -> Sequence[RuleInfo]:
    if rules is not None:
        return rules
    from iacfix.codemods import ALL_RULES

    return ALL_RULES


def _validate(path: str, where: str, table: Any, rules: Sequence[RuleInfo]) -> FileConfig:
    def fail(key: str, message: str) -> ConfigError:
        return ConfigError(f"{path}: {where} `{key}`: {message}")

    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {where} must be a table")
    for key in table:
        if key not in KEYS:
            hint = difflib.get_close_matches(key, KEYS, n=1)
            suggestion = f" (did you mean `{hint[0]}`?)" if hint else ""
            raise fail(key, f"unknown key{suggestion}; valid keys: {', '.join(KEYS)}")
    values: dict[str, Any] = {}
    for key in _LISTS:
        if key in table:
            value = table[key]
            if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                raise fail(key, "must be a list of strings")
            values[key.replace("-", "_")] = tuple(value)
    for key in ("select", "ignore", "extend_select"):
        for code in values.get(key, ()):
            _check_code(code, rules, fail(key.replace("_", "-"), ""))
    for key in _BOOLS:
        if key in table:
            if not isinstance(table[key], bool):
                raise fail(key, "must be true or false")
            values[key.replace("-", "_")] = table[key]
    if "line-length" in table:
        value = table["line-length"]
        low, high = LINE_LENGTH_RANGE
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise fail("line-length", f"must be an integer from {low} to {high}")
        values["line_length"] = value
    if "per-file-ignores" in table:
        values["per_file_ignores"] = _per_file_ignores(table["per-file-ignores"], rules, fail)
    if "options" in table:
        values["options"] = _options(table["options"], rules, fail)
    return FileConfig(path=os.path.abspath(path), root=os.path.dirname(os.path.abspath(path)), **values)


def _check_code(code: str, rules: Sequence[RuleInfo], error: ConfigError) -> None:
    if code and any(code in (rule.CODE, rule.NAME) or rule.CODE.startswith(code.upper()) for rule in rules):
        return
    raise _unknown_rule(code, rules, error, prefixes=True)


def _unknown_rule(code: str, rules: Sequence[RuleInfo], error: ConfigError, *, prefixes: bool) -> ConfigError:
    choices = ", ".join(f"{rule.CODE} ({rule.NAME})" for rule in rules)
    also = " (or a code prefix such as IAC3)" if prefixes else ""
    return ConfigError(f"{error}unknown rule {code!r}; known rules: {choices}{also}")


def _per_file_ignores(value: Any, rules: Sequence[RuleInfo], fail: Callable[[str, str], ConfigError]
                      ) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, dict):
        raise fail("per-file-ignores", 'must be a table of glob = ["CODE", ...]')
    entries = []
    for pattern, codes in value.items():
        key = f'per-file-ignores."{pattern}"'
        if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
            raise fail(key, "must be a list of rule codes")
        for code in codes:
            _check_code(code, rules, fail(key, ""))
        entries.append((pattern, tuple(codes)))
    return tuple(entries)


def _options(value: Any, rules: Sequence[RuleInfo], fail: Callable[[str, str], ConfigError]
             ) -> dict[str, dict[str, Any]]:
    if not isinstance(value, dict):
        raise fail("options", "must hold one table per rule: [tool.iacfix.options.IAC502]")
    options: dict[str, dict[str, Any]] = {}
    for name, settings in value.items():
        rule = next((r for r in rules if name in (r.CODE, r.NAME) or name.upper() == r.CODE), None)
        if rule is None:
            raise _unknown_rule(name, rules, fail(f"options.{name}", ""), prefixes=False)
        known = dict(rule.options())
        if not isinstance(settings, dict):
            raise fail(f"options.{name}", "must be a table of option = value")
        for key, option in settings.items():
            if key not in known:
                valid = ", ".join(known) if known else "none"
                raise fail(f"options.{name}.{key}", f"unknown option of {rule.CODE} {rule.NAME}; its options: {valid}")
            if not _same_kind(option, known[key]):
                raise fail(f"options.{name}.{key}",
                           f"must be of type {type(known[key]).__name__} (default: {known[key]!r})")
            problem = getattr(rule, "check_option", lambda *_: None)(key, option)
            if problem is not None:
                raise fail(f"options.{name}.{key}", problem)
        options.setdefault(rule.CODE, {}).update(settings)
    return options


def _same_kind(value: Any, default: Any) -> bool:
    if default is None:
        return True
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float))
    if isinstance(default, (list, tuple)):
        return isinstance(value, list)
    return isinstance(value, type(default))


@functools.lru_cache(maxsize=512)
def glob_pattern(pattern: str) -> re.Pattern[str]:
    """A glob as ruff reads it: `*` and `?` stay within a folder, `**` spans folders, `{a,b}`."""
    out, index = [], 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**/", index):
            out.append("(?:.*/)?")
            index += 3
            continue
        if pattern.startswith("**", index):
            out.append(".*")
            index += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[" and (end := pattern.find("]", index + 2)) > 0:
            body = pattern[index + 1:end]
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body).replace("\\", "\\\\") + "]")
            index = end
        elif char == "{" and (end := pattern.find("}", index)) > 0:
            out.append("(?:" + "|".join(re.escape(part) for part in pattern[index + 1:end].split(",")) + ")")
            index = end
        else:
            out.append(re.escape(char))
        index += 1
    return re.compile("".join(out) + r"\Z")


def matches(pattern: str, path: str, root: str) -> bool:
    """Does `path` (any form) match `pattern`, read relative to `root`? A pattern without `/`
    also matches the file or folder name alone (`__init__.py`, `generated`)."""
    return _matcher((pattern,), root)(path)


@functools.lru_cache(maxsize=256)
def _matcher(patterns: tuple[str, ...], root: str) -> Callable[[str], bool]:
    """One compiled test for several patterns (exclude lists are checked for every file)."""
    base = root.replace(os.sep, "/").rstrip("/")

    def union(globs: Iterable[str]) -> re.Pattern[str] | None:
        sources = [f"(?:{glob_pattern(g).pattern})" for g in globs]
        return re.compile("|".join(sources)) if sources else None

    names = union(p for p in patterns if "/" not in p)
    anchored = union(p if os.path.isabs(p) else f"{base}/{p}" for p in patterns)

    def test(path: str) -> bool:
        absolute = os.path.abspath(path).replace(os.sep, "/")
        if names is not None and names.match(absolute.rsplit("/", 1)[-1]):
            return True
        return anchored is not None and anchored.match(absolute) is not None

    return test


class Resolver:
    """Settings per file, from the command line and the configuration files above each file.

    Folders are looked up once each (a run over a tree reads each pyproject.toml once), and files
    with the same configuration and the same per-file ignores share one Settings object.
    """

    def __init__(self, overrides: Overrides | None = None, rules: Sequence[RuleInfo] | None = None) -> None:
        self.overrides = overrides or Overrides()
        self._rules = rules
        self._by_folder: dict[str, FileConfig] = {}
        self._by_file: dict[str, FileConfig | None] = {}
        self._settings: dict[tuple[int, tuple[str, ...]], Settings] = {}
        self._fixed = self._load(self.overrides.config, required=True) if self.overrides.config else None

    def config_for(self, path: str) -> FileConfig:
        """The configuration that applies to the file (or folder) at `path`."""
        if self._fixed is not None:
            return self._fixed
        folder = os.path.abspath(path if os.path.isdir(path) else os.path.dirname(path) or ".")
        return self._folder(folder)

    def _folder(self, folder: str) -> FileConfig:
        walked = []
        found: FileConfig | None = None
        current = folder
        while True:
            if current in self._by_folder:
                found = self._by_folder[current]
                break
            walked.append(current)
            candidate = os.path.join(current, "pyproject.toml")
            config = self._load(candidate) if os.path.isfile(candidate) else None
            if config is not None:
                found = config
                break
            parent = os.path.dirname(current)
            if parent == current:
                break
            current = parent
        if found is None:
            found = FileConfig(root=os.getcwd())
        for seen in walked:
            self._by_folder[seen] = found
        return found

    def _load(self, path: str, required: bool = False) -> FileConfig | None:
        key = os.path.abspath(path)
        if key not in self._by_file:
            config = read_config(path, self._rules)
            if config is None and required:
                raise ConfigError(f"{path}: no [tool.iacfix] table")
            self._by_file[key] = config
        return self._by_file[key]

    def settings_for(self, path: str) -> Settings:
        """The settings to fix the file at `path` with (its per-file ignores included)."""
        config = self.config_for(path)
        ignored = tuple(code for pattern, codes in config.per_file_ignores
                        if matches(pattern, path, config.root) for code in codes)
        key = (id(config), ignored)
        if key not in self._settings:
            self._settings[key] = self._merge(config, ignored)
        return self._settings[key]

    def project_settings(self, path: str) -> Settings:
        """The settings of `path`'s configuration before per-file ignores (for cross-file facts)."""
        return self._merge(self.config_for(path), ())

    def _merge(self, config: FileConfig, ignored: tuple[str, ...]) -> Settings:
        cli = self.overrides
        if cli.select is not None:
            select, ignore = cli.select + cli.extend_select, cli.ignore
        else:
            select = (config.select if config.select is not None else ("IAC",)) + config.extend_select
            select += cli.extend_select
            ignore = config.ignore + cli.ignore
        return Settings(
            select=select,
            ignore=ignore,
            per_file_ignores=ignored,
            unsafe_fixes=_first(cli.unsafe_fixes, config.unsafe_fixes, False),
            line_length=cli.line_length or config.line_length,
            rule_options=config.options,
            report_unused_ignores=_first(cli.report_unused_ignores, config.report_unused_ignores, False),
        )

    def excluded(self, path: str, explicit: bool = False) -> bool:
        """Is `path` left out? Paths named on the command line only with force-exclude."""
        config = self.config_for(os.path.dirname(os.path.abspath(path)))
        if explicit:
            if not _first(self.overrides.force_exclude, config.force_exclude, False):
                return False
            return any(self._excluded_here(part) for part in _self_and_parents(path, config.root))
        return self._excluded_here(path)

    def _excluded_here(self, path: str) -> bool:
        config = self.config_for(os.path.dirname(os.path.abspath(path)))
        return _matcher(config.excludes, config.root)(path)

    def project_key(self, path: str) -> str | None:
        """Files with the same key are fixed as one project (cross-file facts are shared)."""
        return self.config_for(path).path


def _first(*values: Any) -> Any:
    return next(value for value in values if value is not None)


def _self_and_parents(path: str, root: str) -> Iterable[str]:
    current = os.path.abspath(path)
    stop = os.path.abspath(root)
    while True:
        yield current
        parent = os.path.dirname(current)
        if current == stop or parent == current or not current.startswith(stop):
            return
        current = parent


def describe(path: str, resolver: Resolver) -> str:
    """The effective configuration for `path`, as TOML a user could paste (`iacfix config PATH`)."""
    config = resolver.config_for(path)
    target = os.path.join(path, "_.py") if os.path.isdir(path) else path
    settings = resolver.settings_for(target)
    from iacfix.codemods._engine import select_rules

    lines = [f"# iacfix configuration for {path}"]
    lines.append(f"# from {config.path}" if config.path else "# no [tool.iacfix] found above it: defaults")
    lines.append("[tool.iacfix]")
    lines.append(f"select = {_toml(settings.select)}")
    lines.append(f"ignore = {_toml(settings.ignore)}")
    if config.per_file_ignores:
        lines.append(f"# off for this file by per-file-ignores: {_toml(settings.per_file_ignores)}")
    for pattern, codes in config.per_file_ignores:
        state = "applies" if matches(pattern, target, config.root) else "does not apply"
        lines.append(f"# per-file-ignores {pattern!r} = {_toml(codes)} ({state} here)")
    if settings.line_length is None:
        lines.append("# line-length not set: the pylint configuration's max-line-length, else 120")
    else:
        lines.append(f"line-length = {settings.line_length}")
    lines.append(f"unsafe-fixes = {_toml(settings.unsafe_fixes)}")
    lines.append(f"report-unused-ignores = {_toml(settings.report_unused_ignores)}")
    lines.append(f"exclude = {_toml(config.excludes)}")
    lines.append(f"force-exclude = {_toml(_first(resolver.overrides.force_exclude, config.force_exclude, False))}")
    running = [rule.CODE for rule in select_rules(settings)
               if rule.CODE != "IAC300" or settings.report_unused_ignores]
    lines.append(f"# rules that run: {', '.join(running) or 'none'}")
    for code, options in sorted(settings.rule_options.items()):
        lines.append(f"[tool.iacfix.options.{code}]")
        lines.extend(f"{key} = {_toml(value)}" for key, value in options.items())
    return "\n".join(lines) + "\n"


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)
