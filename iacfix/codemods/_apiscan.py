"""Read the public API of jsii-generated Python packages with `ast`, never importing them.

Importing aws-cdk-lib, constructs, cdktf or the AWS provider starts a Node.js runtime and takes
seconds, so everything here works on source text: a wheel member, an installed file, a string.

One module's API is a *record*, a small JSON-ready dict that both the shipped index file and the
user cache store, and that `iacfix.codemods._symbols` decodes:

    {"v": FORMAT,
     "n": "Name Other submodule ...",          # public names: __all__ plus direct submodules
     "c": {"Table": {                          # classes named in __all__, nested ones as "Outer.Inner"
         "p": "scope! id! * table_name ...",   # __init__ parameters in order, self left out;
                                               # "*" starts the keyword-only ones, "!" = no default
         "m": "from_table_arn ...",            # class-level members: enum members, classproperties,
                                               # static and class methods, nested classes
         "i": "grant_read_data ...",           # instance methods and properties
         "b": "aws_cdk.aws_dynamodb:TableBase",# base classes this module can name
         "t": "e",                             # kind: e(num), i(nterface), s(truct); absent = class
         "x": "...",                           # why the class is deprecated
         "dp": {"point_in_time_recovery": "use `pointInTimeRecoverySpecification` instead"},
         "dm": {"metric_throttled_requests": "use `metricThrottledRequestsForOperations`"}}}}

Every key but "v" and "n" is left out when empty. No "p" means the class declares no
`__init__` and takes its base class's.
"""

from __future__ import annotations

import ast
import base64
import gzip
import inspect
import json
import os
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

if TYPE_CHECKING:
    # Imported where used: they cost a cold `iacfix -` 20 ms, and only the index builder and a
    # user's installed version of a distribution need them.
    import importlib.metadata
    import zipfile

# Bump when the record layout or its meaning changes: cached records of another format are rebuilt.
FORMAT = 1

_DEPRECATED = re.compile(r"^[ \t]*:deprecated:(.*?)(?=^[ \t]*:[A-Za-z][\w ]*:|\Z)", re.M | re.S)
_STABILITY_DEPRECATED = re.compile(r"^[ \t]*:stability:[ \t]*deprecated\b", re.M)
_PARAM_DOC = re.compile(r"^[ \t]*:param ([A-Za-z_]\w*):[ \t]*\(deprecated\)(.*?)(?=^[ \t]*:|\Z)", re.M | re.S)

_CLASS_LEVEL = {
    "classmethod", "builtins.classmethod", "staticmethod", "builtins.staticmethod",
    "jsii.python.classproperty", "python.classproperty", "classproperty",
}
_ENUM_BASES = {"enum.Enum", "Enum", "enum.IntEnum", "enum.StrEnum"}
_PROTOCOL_BASES = {"typing_extensions.Protocol", "typing.Protocol", "Protocol"}
# Bases that say how jsii builds a class, not what API it inherits.
_PLUMBING = ("enum:", "typing:", "typing_extensions:", "abc:", "builtins:", "jsii:", "jsii.")


# The indexed distributions and the top-level package each one installs.
DISTRIBUTIONS: dict[str, str] = {
    "aws-cdk-lib": "aws_cdk",
    "constructs": "constructs",
    "cdktf": "cdktf",
    "cdktf-cdktf-provider-aws": "cdktf_cdktf_provider_aws",
}

# `aws_cdk.X` packages that other distributions install into the aws_cdk namespace (alpha
# modules, Lambda layer and asset bundles). aws-cdk-lib itself has `lambda_layer_awscli` and
# `lambda_layer_node_proxy_agent`, so only the kubectl layers are matched by prefix.
FOREIGN_AWS_CDK = re.compile(r"[a-z0-9_]*_alpha|asset_[a-z0-9_]*|lambda_layer_kubectl[a-z0-9_]*")


def canonical_name(name: str) -> str:
    """A distribution name as PyPI compares them (PEP 503): `aws_cdk_lib` -> `aws-cdk-lib`."""
    return re.sub(r"[-_.]+", "-", name).lower()


class ScanError(Exception):
    """A module source that cannot be read; the message says why (the caller adds the file)."""


def module_name(path: str) -> str | None:
    """The dotted module of a package-relative `.py` path, or None for what is not a module.

    `aws_cdk/aws_logs/__init__.py` -> `aws_cdk.aws_logs`, `pkg/mod.py` -> `pkg.mod`.
    """
    path = path.replace("\\", "/")
    if not path.endswith(".py") or path.startswith(("/", "../")) or ".dist-info/" in path:
        return None
    parts = path[:-3].split("/")
    if parts[-1] == "__init__":
        parts.pop()
    if not parts or not all(part.isidentifier() for part in parts):
        return None  # __pycache__ leftovers, scripts with dashes, data folders
    return ".".join(parts)


def direct_submodules(modules: Iterable[str]) -> dict[str, list[str]]:
    """Each module's direct submodules (last name part), among `modules`."""
    children: dict[str, list[str]] = {}
    for name in modules:
        parent, _, last = name.rpartition(".")
        if parent:
            children.setdefault(parent, []).append(last)
    return {parent: sorted(names) for parent, names in children.items()}


def scan_module(source: str | bytes, module: str, submodules: Iterable[str] = ()) -> dict[str, Any]:
    """The record (see the module docstring) of one module's source; raises `ScanError`."""
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        raise ScanError(f"does not parse: {error.msg} (line {error.lineno})") from None
    except (ValueError, UnicodeDecodeError) as error:  # NUL bytes, undecodable text
        raise ScanError(f"cannot be read as Python: {error}") from None
    except RecursionError:
        raise ScanError("too deeply nested to parse") from None
    return _ModuleScanner(module, tree).record(submodules)


@dataclass
class _Class:
    kind: str = ""
    params: list[str] | None = None  # encoded tokens, None: no own __init__
    class_members: set[str] = field(default_factory=set)
    instance_members: set[str] = field(default_factory=set)
    bases: list[str] = field(default_factory=list)
    deprecated: str | None = None
    deprecated_params: dict[str, str] = field(default_factory=dict)
    deprecated_members: dict[str, str] = field(default_factory=dict)
    # The struct class its __init__ packs the keyword arguments into (`props = TableProps(...)`),
    # whose property docstrings carry the reason a parameter is deprecated.
    props_class: str | None = None

    def encode(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.params is not None:
            out["p"] = " ".join(self.params)
        if self.class_members:
            out["m"] = " ".join(sorted(self.class_members))
        if self.instance_members:
            out["i"] = " ".join(sorted(self.instance_members))
        if self.bases:
            out["b"] = " ".join(self.bases)
        if self.kind:
            out["t"] = self.kind
        if self.deprecated is not None:
            out["x"] = self.deprecated
        if self.deprecated_params:
            out["dp"] = dict(sorted(self.deprecated_params.items()))
        if self.deprecated_members:
            out["dm"] = dict(sorted(self.deprecated_members.items()))
        return out


class _ModuleScanner:
    def __init__(self, module: str, tree: ast.Module) -> None:
        self.module = module
        self.tree = tree
        self.aliases = _module_aliases(tree)
        self.top_classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}

    def record(self, submodules: Iterable[str]) -> dict[str, Any]:
        exported = _dunder_all(self.tree)
        if exported is None:
            # No __all__ (not jsii output): what `from m import *` would give.
            exported = _public_top_level(self.tree)
        names = set(exported) | set(submodules)
        classes: dict[str, _Class] = {}
        for name in sorted(exported):
            node = self.top_classes.get(name)
            if node is not None:
                self._scan_class(node, name, classes)
        for info in classes.values():
            self._link_props(info, classes)
        record: dict[str, Any] = {"v": FORMAT, "n": " ".join(sorted(names))}
        encoded = {name: info.encode() for name, info in sorted(classes.items())}
        if encoded:
            record["c"] = encoded
        return record

    def _scan_class(self, node: ast.ClassDef, qualname: str, classes: dict[str, _Class]) -> None:
        info = classes[qualname] = _Class()
        base_names = [_dotted(base) for base in node.bases]
        decorators = {_dotted(_call_target(d)) for d in node.decorator_list}
        if any(base in _ENUM_BASES for base in base_names):
            info.kind = "e"
        elif any(base in _PROTOCOL_BASES for base in base_names) or "jsii.interface" in decorators:
            info.kind = "i"
        elif "jsii.data_type" in decorators:
            info.kind = "s"
        info.bases = [b for b in (self._resolve(base) for base in base_names) if b and not b.startswith(_PLUMBING)]
        info.deprecated = deprecation(ast.get_docstring(node, clean=True))
        body = node.body
        for index, stmt in enumerate(body):
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self._scan_function(stmt, info)
            elif isinstance(stmt, ast.ClassDef) and not stmt.name.startswith("_"):
                info.class_members.add(stmt.name)
                self._scan_class(stmt, f"{qualname}.{stmt.name}", classes)
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                doc = _following_docstring(body, index)
                for target in targets:
                    if isinstance(target, ast.Name) and not target.id.startswith("_"):
                        info.class_members.add(target.id)
                        _note_deprecation(info.deprecated_members, target.id, doc)

    def _scan_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, info: _Class) -> None:
        doc = ast.get_docstring(node, clean=True)
        if node.name == "__init__":
            info.params = _parameters(node.args)
            if doc:
                for match in _PARAM_DOC.finditer(doc):
                    info.deprecated_params[match.group(1)] = _summary(match.group(2)) or "deprecated"
            info.props_class = self._props_call(node)
            return
        if node.name.startswith("_"):
            return
        decorators = {_dotted(_call_target(d)) for d in node.decorator_list}
        if any(d.endswith((".setter", ".deleter")) for d in decorators):
            return
        if decorators & _CLASS_LEVEL:
            info.class_members.add(node.name)
        else:
            info.instance_members.add(node.name)
        _note_deprecation(info.deprecated_members, node.name, doc)

    def _props_call(self, init: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
        for stmt in init.body:
            if (
                isinstance(stmt, ast.Assign)
                and isinstance(stmt.value, ast.Call)
                and isinstance(stmt.value.func, ast.Name)
                and stmt.value.func.id in self.top_classes
                and stmt.value.keywords
            ):
                return stmt.value.func.id
        return None

    def _link_props(self, info: _Class, classes: dict[str, _Class]) -> None:
        """Give a constructor the struct's reasons for its deprecated parameters.

        jsii writes the reason (naming the replacement) only on the struct's property; the
        constructor's own docstring merely says "(deprecated)". A struct in another module is not
        followed: it is rare for constructors, and the "(deprecated)" mark is still caught.
        """
        # A struct's own properties are its constructor's parameters.
        struct = info if info.kind == "s" else classes.get(info.props_class or "")
        if struct is None or info.params is None:
            return
        params = {token.rstrip("!") for token in info.params}
        for name, reason in struct.deprecated_members.items():
            if name in params:
                info.deprecated_params[name] = reason

    def _resolve(self, dotted: str) -> str | None:
        """`module:Name` for a base class expression, when this module can say where it lives."""
        if not dotted:
            return None
        if dotted in self.top_classes:
            return f"{self.module}:{dotted}"
        head, _, rest = dotted.partition(".")
        target = self.aliases.get(head)
        if target is None or not rest:
            return None
        module, _, name = rest.rpartition(".")
        return f"{target}.{module}:{name}" if module else f"{target}:{name}"


def deprecation(doc: str | None) -> str | None:
    """Why a jsii docstring's element is deprecated, or None when it is not.

    The reason is the `:deprecated:` field (it usually names the replacement); when that is
    empty or only `:stability: deprecated` is given, the summary line stands in for it.
    """
    if not doc:
        return None
    match = _DEPRECATED.search(doc)
    if match is None and not _STABILITY_DEPRECATED.search(doc):
        return None
    reason = _clean(match.group(1)).lstrip("- ") if match else ""
    return reason or _summary(doc) or "deprecated"


def _note_deprecation(into: dict[str, str], name: str, doc: str | None) -> None:
    reason = deprecation(doc)
    if reason is not None:
        into[name] = reason


def _summary(text: str) -> str:
    first = _clean(text.strip().split("\n\n", 1)[0])
    return first.removeprefix("(deprecated)").strip()


def _clean(text: str) -> str:
    return " ".join(text.split()).replace("``", "`")


def _parameters(args: ast.arguments) -> list[str]:
    positional = [*args.posonlyargs, *args.args]
    first_default = len(positional) - len(args.defaults)
    tokens = [arg.arg + ("" if i >= first_default else "!") for i, arg in enumerate(positional)]
    if tokens and tokens[0].rstrip("!") in ("self", "cls"):
        tokens.pop(0)
    if args.kwonlyargs:
        tokens.append("*")
        tokens.extend(arg.arg + ("!" if default is None else "")
                      for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True))
    return tokens


def _dunder_all(tree: ast.Module) -> list[str] | None:
    """The string items of `__all__ = [...]` (and later `__all__ += [...]`), None without one."""
    names: list[str] | None = None
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and any(_is_all(t) for t in stmt.targets):
            names, value = [], stmt.value
        elif isinstance(stmt, ast.AnnAssign) and _is_all(stmt.target) and stmt.value is not None:
            names, value = [], stmt.value
        elif isinstance(stmt, ast.AugAssign) and _is_all(stmt.target) and names is not None:
            value = stmt.value
        else:
            continue
        if isinstance(value, (ast.List, ast.Tuple)):
            names.extend(e.value for e in value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str))
    return names


def _is_all(target: ast.expr) -> bool:
    return isinstance(target, ast.Name) and target.id == "__all__"


def _public_top_level(tree: ast.Module) -> list[str]:
    names: list[str] = []
    for stmt in tree.body:
        if isinstance(stmt, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            names.append(stmt.name)
        elif isinstance(stmt, ast.Assign):
            names.extend(t.id for t in stmt.targets if isinstance(t, ast.Name))
        elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign)) and isinstance(stmt.target, ast.Name):
            names.append(stmt.target.id)
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            names.extend((a.asname or a.name).split(".")[0] for a in stmt.names if a.name != "*")
    return sorted({name for name in names if not name.startswith("_")})


def _module_aliases(tree: ast.Module) -> dict[str, str]:
    """Local names bound to modules: `import aws_cdk as _aws_cdk_0cae9daa`, and the lazy
    `_x = _LazyImport("aws_cdk")` form newer jsii writes beside a TYPE_CHECKING import."""
    aliases: dict[str, str] = {}
    statements = list(tree.body)
    while statements:
        stmt = statements.pop()
        if isinstance(stmt, ast.If):
            statements.extend(stmt.body)
            statements.extend(stmt.orelse)
        elif isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:  # `import a.b` binds `a`
                    top = alias.name.split(".")[0]
                    aliases[top] = top
        elif (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
              and isinstance(stmt.value, ast.Call) and _dotted(stmt.value.func) == "_LazyImport"
              and stmt.value.args and isinstance(stmt.value.args[0], ast.Constant)
              and isinstance(stmt.value.args[0].value, str)):
            aliases[stmt.targets[0].id] = stmt.value.args[0].value
    return aliases


def _following_docstring(body: list[ast.stmt], index: int) -> str | None:
    if index + 1 < len(body):
        nxt = body[index + 1]
        if isinstance(nxt, ast.Expr) and isinstance(nxt.value, ast.Constant) and isinstance(nxt.value.value, str):
            return inspect.cleandoc(nxt.value.value)
    return None


def _call_target(node: ast.expr) -> ast.expr:
    return node.func if isinstance(node, ast.Call) else node


def _dotted(node: ast.expr) -> str:
    """`a.b.c` for a Name/Attribute chain, "" for anything else."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return ""
    parts.append(node.id)
    return ".".join(reversed(parts))


def pack_index(packages: dict[str, str], records: dict[str, dict[str, Any]], generator: str) -> bytes:
    """The shipped index file: gzip JSON with every module's names, and each module's classes
    as one string, see `pack_classes`."""
    document = {
        "format": FORMAT,
        "generator": generator,
        "packages": dict(packages),
        "names": {module: record["n"] for module, record in sorted(records.items())},
        "classes": {module: pack_classes(record["c"]) for module, record in sorted(records.items()) if record.get("c")},
    }
    text = json.dumps(document, separators=(",", ":"), sort_keys=True)
    # mtime=0: the same input gives the same bytes, so a rebuild shows no spurious git change.
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


def pack_classes(classes: dict[str, Any]) -> str:
    """One module's class records as base64 of zlib-compressed JSON.

    Most runs ask about the classes of a few modules out of 2,900. Packed apart, they cost
    loading nothing but a string each: the whole file loads in about 20 ms instead of 70 (the
    gunzip of 15 MB of plain JSON was most of it), for 0.85 MB more on disk.
    """
    text = json.dumps(classes, separators=(",", ":"), sort_keys=True)
    return base64.b64encode(zlib.compress(text.encode("utf-8"), 9)).decode("ascii")


def unpack_classes(packed: str) -> dict[str, Any]:
    """The inverse of `pack_classes`; raises ValueError (or zlib.error) on damaged text."""
    classes = json.loads(zlib.decompress(base64.b64decode(packed, validate=True)))
    if not isinstance(classes, dict):
        raise ValueError("class records are not a JSON object")
    return classes


# --- distributions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ModuleFile:
    """Where one module's source is: a file, or a member of a wheel (read without extracting)."""

    module: str
    location: str
    member: str | None = None

    def read(self) -> bytes:
        if self.member is None:
            return Path(self.location).read_bytes()
        return _open_wheel(self.location).read(self.member)

    def size(self) -> int:
        if self.member is None:
            return Path(self.location).stat().st_size
        return _open_wheel(self.location).getinfo(self.member).file_size

    def describe(self) -> str:
        return f"{self.location}!{self.member}" if self.member else self.location


@dataclass(frozen=True)
class DistFiles:
    """One distribution's version and the source file of each of its modules."""

    name: str
    version: str
    files: dict[str, ModuleFile]

    def submodules(self) -> dict[str, list[str]]:
        return direct_submodules(self.files)


def wheel_dist(path: str | Path) -> DistFiles:
    """Read a wheel's name, version and module list from its zip directory and METADATA."""
    archive = _open_wheel(str(path))
    metadata = next((n for n in archive.namelist() if n.endswith(".dist-info/METADATA") and n.count("/") == 1),
                    None)
    if metadata is None:
        raise ScanError(f"{path}: not a wheel (no *.dist-info/METADATA)")
    import email.parser

    headers = email.parser.BytesHeaderParser().parsebytes(archive.read(metadata))
    name, version = canonical_name(headers["Name"] or ""), headers["Version"] or ""
    files = {}
    for member in archive.namelist():
        module = module_name(member)
        if module is not None and _belongs(name, module):
            files[module] = ModuleFile(module, str(path), member)
    return DistFiles(name, version, files)


def installed_dist(dist: importlib.metadata.Distribution) -> DistFiles:
    """An installed distribution's modules, from its RECORD (so modules that other
    distributions put into the same namespace package are not counted as its own)."""
    name = canonical_name(dist.metadata["Name"] or "")
    files: dict[str, ModuleFile] = {}
    for entry in dist.files or ():
        module = module_name(str(entry))
        if module is not None and _belongs(name, module):
            files[module] = ModuleFile(module, str(dist.locate_file(entry)))
    if not files and name in DISTRIBUTIONS:
        files = _walk_package(name, Path(str(dist.locate_file(DISTRIBUTIONS[name]))))
    return DistFiles(name, dist.version, files)


def site_packages_dists(directory: str | Path) -> list[DistFiles]:
    """The indexed distributions installed in one site-packages folder."""
    import importlib.metadata

    found = {}
    for dist in importlib.metadata.distributions(path=[str(directory)]):
        name = canonical_name(dist.metadata["Name"] or "")
        if name in DISTRIBUTIONS and name not in found:
            found[name] = installed_dist(dist)
    return [found[name] for name in DISTRIBUTIONS if name in found]


def scan_dist(
    dist: DistFiles,
    modules: Iterable[str] | None = None,
    *,
    jobs: int = 1,
    on_error: Callable[[str], None] | None = None,
) -> dict[str, dict[str, Any]]:
    """Records of `modules` (default: all) of one distribution. A file that cannot be read is
    reported through `on_error` as "path: error: why" and left out; the others go on."""
    submodules = dist.submodules()
    wanted = sorted(dist.files if modules is None else (m for m in modules if m in dist.files))
    tasks = [(dist.files[m], tuple(submodules.get(m, ()))) for m in wanted]
    if jobs > 1:
        # Big modules first, so an 8 MB file does not finish last on its own.
        tasks.sort(key=lambda task: -_size(task[0]))
    records: dict[str, dict[str, Any]] = {}
    for module, outcome in _run(tasks, jobs):
        if isinstance(outcome, str):
            if on_error is not None:
                on_error(outcome)
        else:
            records[module] = outcome
    return records


def _run(tasks: list[tuple[ModuleFile, tuple[str, ...]]], jobs: int) -> Iterator[tuple[str, dict[str, Any] | str]]:
    if jobs <= 1 or len(tasks) < 2:
        yield from map(_scan_task, tasks)
        return
    from concurrent.futures import ProcessPoolExecutor  # only the builder runs in parallel

    with ProcessPoolExecutor(max_workers=jobs) as pool:
        yield from pool.map(_scan_task, tasks, chunksize=4)


def _scan_task(task: tuple[ModuleFile, tuple[str, ...]]) -> tuple[str, dict[str, Any] | str]:
    import zipfile

    file, submodules = task
    try:
        return file.module, scan_module(file.read(), file.module, submodules)
    except ScanError as error:
        return file.module, f"{file.describe()}: error: {error}"
    except (OSError, KeyError, zipfile.BadZipFile, zlib.error) as error:
        return file.module, f"{file.describe()}: error: cannot read ({error})"


def _size(file: ModuleFile) -> int:
    try:
        return file.size()
    except (OSError, KeyError, ScanError):
        return 0


def _belongs(dist: str, module: str) -> bool:
    top = DISTRIBUTIONS.get(dist)
    return top is None or module == top or module.startswith(top + ".")


def _walk_package(dist: str, root: Path) -> dict[str, ModuleFile]:
    """Modules under an installed package folder, for installs without a RECORD."""
    files = {}
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root.parent).as_posix()
        module = module_name(relative)
        if module is None:
            continue
        parts = module.split(".")
        if dist == "aws-cdk-lib" and len(parts) > 1 and FOREIGN_AWS_CDK.fullmatch(parts[1]):
            continue
        files[module] = ModuleFile(module, str(path))
    return files


_WHEELS: dict[tuple[int, str], zipfile.ZipFile] = {}


def _open_wheel(path: str) -> zipfile.ZipFile:
    # One open archive per process: the provider wheel's directory has thousands of entries.
    # Keyed by process too: a forked worker must not share the parent's file offset.
    import zipfile

    key = (os.getpid(), path)
    archive = _WHEELS.get(key)
    if archive is None:
        try:
            archive = _WHEELS[key] = zipfile.ZipFile(path)
        except (OSError, zipfile.BadZipFile) as error:
            raise ScanError(f"{path}: cannot open wheel ({error})") from None
    return archive
