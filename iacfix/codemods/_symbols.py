"""What aws-cdk-lib, constructs, cdktf and the AWS provider export, for rules that judge
imports, constructor keywords and attributes.

`load_index()` answers from the index shipped in `iacfix/data/api_index.json.gz`, except for a
distribution the user has installed in another version: that one is read from the installed
source, one module at a time and only when asked (`_apiscan`, `ast` only: importing these
packages starts Node.js), and cached in `$XDG_CACHE_HOME/iacfix/api/<dist>-<version>/`.
`IACFIX_API_INDEX=shipped` forces the shipped file (tests need answers that do not depend on
what is installed).

Stdlib only, and nothing here imports the indexed packages.
"""

from __future__ import annotations

import difflib
import functools
import gzip
import json
import os
import re
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from iacfix.codemods._apiscan import (
    DISTRIBUTIONS,
    FOREIGN_AWS_CDK,
    FORMAT,
    DistFiles,
    ScanError,
    installed_dist,
    scan_module,
    unpack_classes,
)

if TYPE_CHECKING:
    import importlib.metadata  # imported only for a version the shipped file does not describe

SHIPPED_INDEX = Path(__file__).resolve().parent.parent / "data" / "api_index.json.gz"
ENV_VAR = "IACFIX_API_INDEX"

# Top-level package -> distribution.
_TOPS = {top: dist for dist, top in DISTRIBUTIONS.items()}
_EMPTY: Mapping[str, str] = MappingProxyType({})
_KINDS = {"e": "enum", "i": "interface", "s": "struct"}


def mentions_managed_package(text: str) -> bool:
    """Cheap pre-check: can this source use an indexed package at all? Only then load the index.

    Plain substring tests (`cdktf` covers the provider too): five times faster than the regex
    `aws_cdk|cdktf|constructs`, and as for that regex, a false alarm (`my_aws_cdk_helper`, the
    word "constructs" in a comment) only costs loading the index.
    """
    return "aws_cdk" in text or "cdktf" in text or "constructs" in text


@dataclass(frozen=True)
class ClassInfo:
    """A class's constructor and members, its base classes' included (jsii Python classes do not
    repeat what they inherit).

    `params` is the `__init__` parameters in order (`self` left out, `scope` and `id` kept);
    `kwonly` those after `*`; `required` those without a default. `members` is every public
    member: class-level ones (`class_members`: enum members, classproperties such as
    `Runtime.PYTHON_3_12`, static and class methods, nested classes) and instance methods and
    properties. A deprecation value is the reason jsii gives, which usually names the
    replacement, or the element's summary when it gives none. `params_known` is False when no
    `__init__` was found (enums, interfaces, a base outside the index): do not judge keywords then.
    """

    params: tuple[str, ...]
    kwonly: frozenset[str]
    members: frozenset[str]
    deprecated: str | None
    deprecated_params: Mapping[str, str]
    deprecated_members: Mapping[str, str]
    required: frozenset[str] = frozenset()
    class_members: frozenset[str] = frozenset()
    kind: str = "class"  # "class", "enum", "interface" or "struct" (a jsii data type)
    # (module, class name) of the direct bases its module names; they may lie outside the index.
    bases: tuple[tuple[str, str], ...] = ()
    params_known: bool = True


class ApiIndex:
    """The indexed packages' public API; see the module docstring for where answers come from."""

    def __init__(self, shipped: _Shipped, sources: Mapping[str, _Source], problem: str | None = None) -> None:
        self._shipped = shipped
        self._sources = dict(sources)
        self._problem = problem
        self._reverse: dict[str, dict[str, list[str]]] = {}
        self._classes: dict[tuple[str, str], ClassInfo | None] = {}
        self._building: set[tuple[str, str]] = set()
        self._foreign_dirs: dict[str, bool] = {}

    @property
    def packages(self) -> dict[str, str]:
        """Distribution -> the version whose API this index answers with."""
        return {dist: source.version for dist, source in self._sources.items()}

    def describe(self) -> str:
        """One line for `iacfix --version`."""
        if self._problem is not None:
            return f"API index: unavailable ({self._problem})"
        modes = {source.mode for source in self._sources.values()}
        if len(modes) == 1:
            listed = ", ".join(f"{dist} {source.version}" for dist, source in self._sources.items())
            return f"API index: {listed} ({modes.pop()})"
        listed = ", ".join(f"{dist} {source.version} ({source.mode})" for dist, source in self._sources.items())
        return f"API index: {listed}"

    def is_managed(self, module: str) -> bool:
        """Whether `module` belongs to one of the indexed distributions, so its names may be judged.

        `aws_cdk.X` is someone else's when aws-cdk-lib has no `X` and either the name says so
        (`*_alpha`, `asset_*`, `lambda_layer_kubectl*`) or another distribution installed it.
        An `aws_cdk.X` that nobody has (a typo, CDK v1's `aws_cdk.core`) is ours: it does not exist.
        """
        top, _, rest = module.partition(".")
        dist = _TOPS.get(top)
        if dist is None or dist not in self._sources:
            return False
        if top != "aws_cdk" or not rest:
            return True
        sub = rest.partition(".")[0]
        source = self._sources[dist]
        if source.has_module(f"aws_cdk.{sub}"):
            return True
        if FOREIGN_AWS_CDK.fullmatch(sub):
            return False
        return not self._installed_elsewhere(source, sub)

    def modules(self, prefix: str = "") -> list[str]:
        """Every known module whose name starts with `prefix`, sorted."""
        found: list[str] = []
        for top, dist in _TOPS.items():
            source = self._sources.get(dist)
            if source is not None and (top.startswith(prefix) or prefix.startswith(top)):
                found.extend(m for m in source.module_names() if m.startswith(prefix))
        return sorted(found)

    def has_module(self, module: str) -> bool:
        source = self._source(module)
        return source is not None and source.has_module(module)

    def names(self, module: str) -> frozenset[str] | None:
        """The module's public names (`__all__` and its submodules); None: not a known module."""
        source = self._source(module)
        return None if source is None else source.names(module)

    def exports(self, module: str, name: str) -> bool:
        """Whether `from module import name` works. Also True when `module.name` would be a
        module of another distribution (`from aws_cdk import aws_lambda_python_alpha`): not ours
        to judge."""
        names = self.names(module)
        if names is None:
            return False
        return name in names or not self.is_managed(f"{module}.{name}")

    def modules_exporting(self, name: str, prefix: str) -> list[str]:
        """The modules whose name starts with `prefix` and that export `name`, sorted."""
        found: list[str] = []
        for top, dist in _TOPS.items():
            if dist in self._sources and (top.startswith(prefix) or prefix.startswith(top)):
                found.extend(m for m in self._reverse_map(top).get(name, ()) if m.startswith(prefix))
        return sorted(found)

    def class_info(self, module: str, name: str) -> ClassInfo | None:
        """The class `name` (`Outer.Inner` for a nested one) of `module`, or None if it has none."""
        key = (module, name)
        if key not in self._classes:
            if key in self._building:
                return None  # a base that names the class itself: do not loop
            self._building.add(key)
            try:
                self._classes[key] = self._build_class(module, name)
            finally:
                self._building.discard(key)
        return self._classes[key]

    def closest(self, module: str, name: str, n: int = 3) -> list[str]:
        """The module's names most like `name`; the provider's `A`-suffixed renames first
        (`S3BucketVersioning` -> `S3BucketVersioningA`, `...Config` -> `...AConfig`)."""
        names = self.names(module) or frozenset()
        preferred = sorted(c for c in names if _a_variant_of(c, name))
        others = difflib.get_close_matches(name, [c for c in names if c not in preferred], n)
        return (preferred + others)[:n]

    # --- internals ---

    def _source(self, module: str) -> _Source | None:
        dist = _TOPS.get(module.partition(".")[0])
        return None if dist is None else self._sources.get(dist)

    def _reverse_map(self, top: str) -> dict[str, list[str]]:
        reverse = self._reverse.get(top)
        if reverse is None:
            reverse = self._reverse[top] = {}
            source = self._sources[_TOPS[top]]
            # Always from the shipped names: for a distribution read lazily from an installed
            # version this would mean parsing every module (~1,500 files for the provider). Modules
            # the installed version lacks are left out; names it added are missed.
            for module in self._shipped.modules_of_top(top):
                if source.mode == "shipped" or source.has_module(module):
                    for exported in self._shipped.names(module) or ():
                        reverse.setdefault(exported, []).append(module)
        return reverse

    def _build_class(self, module: str, name: str) -> ClassInfo | None:
        source = self._source(module)
        record = None if source is None else source.classes(module).get(name)
        if record is None:
            return None
        own_class = frozenset(_split(record.get("m")))
        own_all = own_class | frozenset(_split(record.get("i")))
        bases = tuple((m, c) for m, _, c in (b.partition(":") for b in _split(record.get("b"))) if c)
        inherited = [info for info in (self.class_info(m, c) for m, c in bases) if info]
        deprecated_members: dict[str, str] = {}
        for info in reversed(inherited):
            deprecated_members.update(info.deprecated_members)
        deprecated_members.update(record.get("dm") or {})
        if "p" in record:
            params, kwonly, required = _decode_params(record["p"])
            deprecated_params: Mapping[str, str] = MappingProxyType(dict(record.get("dp") or {}))
            params_known = True
        else:
            # No own __init__: the first base's (jsii has single inheritance for classes).
            base = next(iter(inherited), None)
            if base is None:
                params, kwonly, required = (), frozenset(), frozenset()
                deprecated_params, params_known = _EMPTY, False
            else:
                params, kwonly, required = base.params, base.kwonly, base.required
                deprecated_params, params_known = base.deprecated_params, base.params_known
        return ClassInfo(
            params=params,
            kwonly=kwonly,
            members=own_all.union(*(info.members for info in inherited)),
            deprecated=record.get("x"),
            deprecated_params=deprecated_params,
            deprecated_members=MappingProxyType(deprecated_members) if deprecated_members else _EMPTY,
            required=required,
            class_members=own_class.union(*(info.class_members for info in inherited)),
            kind=_KINDS.get(record.get("t", ""), "class"),
            bases=bases,
            params_known=params_known,
        )

    def _installed_elsewhere(self, source: _Source, sub: str) -> bool:
        """Whether `aws_cdk/<sub>/` exists beside the installed aws-cdk-lib without being its own."""
        if sub not in self._foreign_dirs:
            root = source.package_dir
            self._foreign_dirs[sub] = root is not None and (root / sub).is_dir()
        return self._foreign_dirs[sub]


# --- loading -------------------------------------------------------------------------------


@functools.cache
def load_index() -> ApiIndex:
    """The process's index (see the module docstring). Never raises: an unreadable shipped file
    gives an index that manages no module, so nothing is judged."""
    forced = os.environ.get(ENV_VAR, "").strip().lower() == "shipped"
    return open_index(installed=not forced)


def open_index(
    shipped_path: Path = SHIPPED_INDEX,
    *,
    installed: bool = True,
    path: list[str] | None = None,
    cache_root: Path | None = None,
) -> ApiIndex:
    """An index from `shipped_path`, preferring distributions installed on `path` (default
    `sys.path`) when `installed`. `load_index()` is this with defaults, cached; tests call it."""
    try:
        shipped = _Shipped.read(shipped_path)
    except (OSError, ValueError, KeyError, TypeError, EOFError, zlib.error) as error:
        return ApiIndex(_Shipped({}, {}, {}), {}, problem=f"{shipped_path}: {error}")
    cache = cache_root if cache_root is not None else _cache_root()
    sources: dict[str, _Source] = {}
    for dist in DISTRIBUTIONS:
        if dist not in shipped.packages:
            continue
        sources[dist] = _ShippedSource(dist, shipped, None)
        if not installed:
            continue
        quick = _installed_version(dist, path)
        if quick is not None and quick[1] == shipped.packages[dist]:
            sources[dist] = _ShippedSource(dist, shipped, Path(quick[0], DISTRIBUTIONS[dist]))
            continue
        if quick == ("", ""):
            continue  # not installed
        found = _find_installed(dist, path)
        if found is None or not found.version:
            continue
        package_dir = Path(str(found.locate_file(DISTRIBUTIONS[dist])))
        if found.version == shipped.packages[dist]:
            sources[dist] = _ShippedSource(dist, shipped, package_dir)
        else:
            sources[dist] = _InstalledSource(dist, found, package_dir, shipped, cache)
    return ApiIndex(shipped, sources)


def _installed_version(dist: str, path: list[str] | None) -> tuple[str, str] | None:
    """(folder, version) of the `dist` that `importlib.metadata.distribution` would find, in the
    common case of one `<name>-<version>.dist-info` folder in a folder of `path`; ("", "") when
    no folder of `path` has it; None when unsure (an egg, a zip, two candidates, a custom
    finder): then ask importlib.metadata, whose import alone costs a cold `iacfix -` 20 ms."""
    from importlib.machinery import PathFinder

    if any(getattr(finder, "find_distributions", None) is not None and finder is not PathFinder
           for finder in sys.meta_path):
        return None
    wanted = _normalize(dist)
    for entry in sys.path if path is None else path:
        folder = entry or "."
        if folder.lower().endswith(".egg"):
            return None
        try:
            children = os.listdir(folder)
        except NotADirectoryError:
            return None  # a zip on the path may hold metadata
        except OSError:
            continue
        # Matched as importlib.metadata's `Lookup` does.
        found = [child for child in children if child.lower().endswith((".dist-info", ".egg-info"))
                 and _normalize(child.lower().rpartition(".")[0].partition("-")[0]) == wanted]
        if not found:
            continue
        if len(found) != 1 or not found[0].lower().endswith(".dist-info"):
            return None
        version = _metadata_version(os.path.join(folder, found[0], "METADATA"))
        return None if version is None else (entry, version)
    return ("", "")


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _metadata_version(metadata: str) -> str | None:
    """The `Version:` header of a METADATA file (the headers end at the first empty line)."""
    try:
        with open(metadata, encoding="utf-8") as lines:
            for line in lines:
                if not line.strip():
                    return None
                if line.startswith("Version:"):
                    return line.partition(":")[2].strip() or None
    except (OSError, UnicodeDecodeError):
        return None
    return None


def _find_installed(dist: str, path: list[str] | None) -> importlib.metadata.Distribution | None:
    import importlib.metadata

    try:
        if path is None:
            return importlib.metadata.distribution(dist)
        return next(iter(importlib.metadata.distributions(name=dist, path=path)), None)
    except (importlib.metadata.PackageNotFoundError, OSError, ValueError):
        return None


def _cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "iacfix" / "api"


@dataclass
class _Shipped:
    packages: dict[str, str]
    names_text: dict[str, str]  # module -> space-joined names
    classes_text: dict[str, str]  # module -> its class records, packed (`pack_classes`)
    _names: dict[str, frozenset[str]] = field(default_factory=dict)
    _classes: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path) -> _Shipped:
        document = json.loads(gzip.decompress(path.read_bytes()))
        if document.get("format") != FORMAT:
            raise ValueError(f"index format {document.get('format')!r}, this iacfix reads {FORMAT}")
        return cls(dict(document["packages"]), document["names"], document["classes"])

    def names(self, module: str) -> frozenset[str] | None:
        names = self._names.get(module)
        if names is None:
            text = self.names_text.get(module)
            if text is None:
                return None
            names = self._names[module] = frozenset(text.split())
        return names

    def classes(self, module: str) -> dict[str, Any]:
        classes = self._classes.get(module)
        if classes is None:
            text = self.classes_text.get(module)
            try:
                classes = unpack_classes(text) if text else {}
            except (ValueError, zlib.error):
                classes = {}  # a damaged entry: that module's classes go unjudged
            self._classes[module] = classes
        return classes

    def modules_of_top(self, top: str) -> Iterable[str]:
        return (module for module in self.names_text if module == top or module.startswith(top + "."))


class _Source:
    """Where one distribution's answers come from."""

    mode: str
    version: str
    package_dir: Path | None

    def has_module(self, module: str) -> bool:
        raise NotImplementedError

    def module_names(self) -> Iterable[str]:
        raise NotImplementedError

    def names(self, module: str) -> frozenset[str] | None:
        raise NotImplementedError

    def classes(self, module: str) -> dict[str, Any]:
        raise NotImplementedError


class _ShippedSource(_Source):
    mode = "shipped"

    def __init__(self, dist: str, shipped: _Shipped, package_dir: Path | None) -> None:
        self.version = shipped.packages[dist]
        self.top = DISTRIBUTIONS[dist]
        self.shipped = shipped
        self.package_dir = package_dir  # the installed copy of this same version, if any

    def has_module(self, module: str) -> bool:
        return module in self.shipped.names_text

    def module_names(self) -> Iterable[str]:
        return self.shipped.modules_of_top(self.top)

    def names(self, module: str) -> frozenset[str] | None:
        return self.shipped.names(module)

    def classes(self, module: str) -> dict[str, Any]:
        return self.shipped.classes(module)


class _InstalledSource(_Source):
    """An installed version the shipped file does not describe: each module is parsed the first
    time it is asked for, and its record cached on disk for the next run."""

    mode = "installed"

    def __init__(self, dist: str, found: importlib.metadata.Distribution, package_dir: Path,
                 shipped: _Shipped, cache_root: Path) -> None:
        self.dist = dist
        self.version = found.version
        self.package_dir = package_dir
        self._found = found
        self._shipped = shipped
        self._cache_dir = cache_root / f"{dist}-{_safe(self.version)}"
        self._files: DistFiles | None = None
        self._records: dict[str, dict[str, Any] | None] = {}
        self._names: dict[str, frozenset[str]] = {}

    @property
    def files(self) -> DistFiles:
        # Reading RECORD waits until this distribution is asked about.
        if self._files is None:
            self._files = installed_dist(self._found)
        return self._files

    def has_module(self, module: str) -> bool:
        if not self.files.files:  # an install we cannot list: the shipped list is better than none
            return module in self._shipped.names_text
        return module in self.files.files

    def module_names(self) -> Iterable[str]:
        if not self.files.files:
            return self._shipped.modules_of_top(DISTRIBUTIONS[self.dist])
        return self.files.files

    def names(self, module: str) -> frozenset[str] | None:
        names = self._names.get(module)
        if names is not None:
            return names
        record = self._record(module)
        if record is None:
            return self._shipped.names(module) if self.has_module(module) else None
        names = self._names[module] = frozenset(record["n"].split())
        return names

    def classes(self, module: str) -> dict[str, Any]:
        record = self._record(module)
        if record is None:
            return self._shipped.classes(module) if self.has_module(module) else {}
        return record.get("c") or {}

    def _record(self, module: str) -> dict[str, Any] | None:
        """The module's record: from memory, the disk cache, or a fresh parse. None when the
        module is unknown or its file cannot be read (the shipped answer stands in then)."""
        if module in self._records:
            return self._records[module]
        record = None
        file = self.files.files.get(module)
        if file is not None:
            stamp = _stamp(file.location)
            record = self._read_cache(module, stamp)
            if record is None:
                try:
                    record = scan_module(file.read(), module, self.files.submodules().get(module, ()))
                except (ScanError, OSError):
                    record = None
                else:
                    self._write_cache(module, {**record, "src": stamp})
        self._records[module] = record
        return record

    def _read_cache(self, module: str, stamp: list[int] | None) -> dict[str, Any] | None:
        try:
            record = json.loads((self._cache_dir / f"{module}.json").read_bytes())
        except (OSError, ValueError):
            return None
        if (
            not isinstance(record, dict)
            or record.get("v") != FORMAT
            or record.get("src") != stamp
            or not isinstance(record.get("n"), str)
            or not isinstance(record.get("c", {}), dict)
        ):
            return None  # damaged, from another iacfix, or the file changed since
        return record

    def _write_cache(self, module: str, record: dict[str, Any]) -> None:
        # Atomic: a reader sees the old file or the whole new one. Any failure is ignored:
        # the cache only saves time.
        import tempfile  # (with shutil, random, bz2, lzma: only a run that fills the cache needs it)

        try:
            self._cache_dir.mkdir(parents=True, exist_ok=True)
            handle, temp = tempfile.mkstemp(dir=self._cache_dir, prefix=f".{module}.", suffix=".tmp")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    json.dump(record, out, separators=(",", ":"))
                os.replace(temp, self._cache_dir / f"{module}.json")
            except BaseException:
                os.unlink(temp)
                raise
        except OSError:
            pass


def _stamp(location: str) -> list[int] | None:
    """Size and mtime of a source file: a cached record of another content is not used."""
    try:
        stat = os.stat(location)
    except OSError:
        return None
    return [stat.st_size, stat.st_mtime_ns]


def _safe(version: str) -> str:
    return re.sub(r"[^A-Za-z0-9.+_-]", "_", version)


def _split(text: str | None) -> list[str]:
    return text.split() if text else []


def _decode_params(text: str) -> tuple[tuple[str, ...], frozenset[str], frozenset[str]]:
    params: list[str] = []
    kwonly: set[str] = set()
    required: set[str] = set()
    keyword_only = False
    for token in text.split():
        if token == "*":
            keyword_only = True
            continue
        name = token.rstrip("!")
        params.append(name)
        if token.endswith("!"):
            required.add(name)
        if keyword_only:
            kwonly.add(name)
    return tuple(params), frozenset(kwonly), frozenset(required)


def _a_variant_of(candidate: str, name: str) -> bool:
    """`candidate` is `name` with one `A` inserted (the provider renames a class that collides
    with a namespace: `S3BucketVersioningA`, `S3BucketVersioningAConfig`)."""
    if len(candidate) != len(name) + 1:
        return False
    return any(candidate[i] == "A" and candidate[:i] + candidate[i + 1:] == name for i in range(1, len(candidate)))
