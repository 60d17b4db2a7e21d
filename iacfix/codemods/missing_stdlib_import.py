"""IAC306 missing-stdlib-import: a standard-library module used but never imported."""

from __future__ import annotations

import ast
import functools
import importlib
import importlib.util
import sys
from typing import TYPE_CHECKING, Iterable, Sequence

import libcst as cst

from iacfix.codemods import _prescan as prescan
from iacfix.codemods._rule import FixSafety, Rule, Severity

if TYPE_CHECKING:
    from iacfix.codemods._context import FileContext

# Modules generated code uses without importing them. Deliberately short: a name is only taken
# for the module when nothing in the file binds it and the attribute read exists in the module,
# so `email.split("@")` (a forgotten parameter, not the `email` package) is left alone.
MODULES = frozenset({
    "asyncio", "base64", "collections", "contextlib", "copy", "csv", "dataclasses", "datetime", "decimal",
    "enum", "functools", "glob", "gzip", "hashlib", "hmac", "importlib", "io", "ipaddress", "itertools",
    "json", "logging", "math", "os", "pathlib", "platform", "random", "re", "secrets", "shutil", "socket",
    "string", "struct", "subprocess", "sys", "tempfile", "textwrap", "threading", "time", "traceback",
    "typing", "urllib", "uuid", "warnings", "zipfile", "zoneinfo",
})


class MissingStdlibImport(Rule):
    """A standard-library module used as `module.name` without being imported.

    ## What it does
    Finds a standard-library module (`time`, `json`, `os`, `datetime`, ... from a short list)
    read as `module.attribute` in a file where that name is bound nowhere (no import, assignment,
    parameter, loop or `with` target, ...), and adds `import module` at the top of the module:
    in order among the existing standard-library `import` lines, else in a block of its own
    before the first import, after the docstring and `from __future__` imports.

    ## Why it matters
    The code raises `NameError` the first time that line runs (pylint E0602 undefined-variable
    in the QA gate); a Lambda handler fails at run time only. The failure analyses rate the
    missing `import time` Medium.

    ## Example
    ```python
    import json


    def handler(event, context):
        started = time.time()
        return {"statusCode": 200, "body": json.dumps({"took": time.time() - started})}
    ```

    ## After the fix
    ```python
    import json
    import time


    def handler(event, context):
        started = time.time()
        return {"statusCode": 200, "body": json.dumps({"took": time.time() - started})}
    ```

    ## Fix safety
    Safe: only names that are bound nowhere in the module are imported, so no existing name
    changes meaning; the attribute read must exist in the module (`urllib.parse` imports
    `urllib.parse`). A file with a `from x import *` is left alone: it may bind anything.

    ## Known limits
    Only the modules of the short list are recognised; a name bound anywhere in the file, even in
    another function, is not imported (pylint may still report the use it does not reach).

    ## References
    https://pylint.readthedocs.io/en/stable/user_guide/messages/error/undefined-variable.html
    """

    CODE = "IAC306"
    NAME = "missing-stdlib-import"
    SUMMARY = "standard-library module used without being imported"
    SEVERITY = Severity.MEDIUM
    FIX_SAFETY = FixSafety.SAFE
    PYLINT = ("undefined-variable", "E0602")
    REFERENCE = "https://pylint.readthedocs.io/en/stable/user_guide/messages/error/undefined-variable.html"

    @classmethod
    def wants(cls, text: str, context: FileContext) -> bool:
        if context.is_fragment:  # a fragment's imports are in the rest of the file
            return False
        # The rule's own judgement, on the shared `ast` walk (cached: the pass reuses it).
        return bool(_missing_imports(text))

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self.missing = dict(_missing_imports(context.text))
        self.first_use: dict[str, cst.Attribute] = {}

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if isinstance(node.value, cst.Name) and node.value.value in self.missing:
            self.first_use.setdefault(node.value.value, node)

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        body = list(updated_node.body)
        for name, statements in sorted(self.missing.items()):
            use = self.first_use.get(name)
            if use is None or not self.report(use, f"`{name}` is used but never imported"):
                continue
            for statement in statements:
                body = _insert(body, statement)
        return updated_node.with_changes(body=body)


@functools.lru_cache(maxsize=4)  # `wants` and the pass ask about the same text
def _missing_imports(text: str) -> dict[str, list[str]]:
    """Module name -> the import statements to add for it (`urllib` -> `import urllib.parse`)."""
    nodes = prescan.nodes(text)  # one `ast` read and walk per text, shared with the other rules' pre-checks
    if nodes is None:
        return {}
    attributes: dict[str, set[str]] = {}
    for node in prescan.of_type(text, ast.Attribute) or ():
        if isinstance(node.value, ast.Name) and isinstance(node.ctx, ast.Load) and node.value.id in MODULES:
            attributes.setdefault(node.value.id, set()).add(node.attr)
    if not attributes:
        return {}
    bound, star = _bound_names(nodes)
    if star:
        return {}  # `from x import *` may bind any name
    attributes = {name: attrs for name, attrs in attributes.items() if name not in bound}
    missing = {}
    for name, attrs in attributes.items():
        statements = _imports_for(name, attrs)
        if statements:
            missing[name] = statements
    return missing


def _bound_names(nodes: Iterable[ast.AST]) -> tuple[set[str], bool]:
    """Every name the module binds anywhere, in any scope; and whether it has a star import."""
    names: set[str] = set()
    star = False
    for node in nodes:
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                star = star or alias.name == "*"
                names.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            names.update(node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(getattr(node, "name", None), str) and not isinstance(node, ast.alias):
            names.add(node.name)  # type: ignore[attr-defined]  # match captures, type parameters
        elif isinstance(node, ast.MatchMapping) and node.rest:
            names.add(node.rest)
    return names, star


def _imports_for(name: str, attributes: set[str]) -> list[str]:
    """`import name` (plus `import name.sub` for submodules read through a package), or nothing
    when an attribute read does not exist in the module: then it is not that module."""
    if name not in sys.stdlib_module_names:
        return []
    try:
        module = importlib.import_module(name)
    except ImportError:
        return []
    statements = []
    submodules = []
    for attribute in sorted(attributes):
        if hasattr(module, "__path__") and _has_submodule(name, attribute):
            # `import urllib` does not make `urllib.parse` available: import the submodule.
            submodules.append(f"{name}.{attribute}")
        elif not hasattr(module, attribute):
            return []
    if not submodules or len(submodules) < len(attributes):
        statements.append(name)
    statements.extend(submodules)
    return statements


def _has_submodule(package: str, attribute: str) -> bool:
    try:
        return importlib.util.find_spec(f"{package}.{attribute}") is not None
    except (ImportError, ValueError):
        return False


# --- placing the import ----------------------------------------------------------------------


def _insert(body: list[cst.BaseStatement], dotted: str) -> list[cst.BaseStatement]:
    new = cst.SimpleStatementLine(body=[cst.Import(names=[cst.ImportAlias(name=_dotted(dotted))])])
    start = _after_preamble(body)
    imports = [i for i in range(start, len(body)) if _import_of(body[i]) is not None]
    stdlib_plain = [i for i in imports if _is_stdlib(body[i]) and isinstance(_import_of(body[i]), cst.Import)]
    if stdlib_plain:
        # Among the standard-library `import x` lines, in alphabetical order (isort's order).
        later = [i for i in stdlib_plain if _sort_key(body[i]) > dotted.lower()]
        if later:
            return _insert_before(body, later[0], new, own_block=False)
        return body[: stdlib_plain[-1] + 1] + [new] + body[stdlib_plain[-1] + 1:]
    stdlib_from = [i for i in imports if _is_stdlib(body[i])]
    if stdlib_from:
        return _insert_before(body, stdlib_from[0], new, own_block=False)
    if imports:
        return _insert_before(body, imports[0], new, own_block=True)
    return _insert_before(body, start, new, own_block=True)


def _insert_before(body: list[cst.BaseStatement], index: int, new: cst.SimpleStatementLine,
                   own_block: bool) -> list[cst.BaseStatement]:
    """`new` before `body[index]`, above that statement's comments; with `own_block`, a blank line
    (two before a definition) separates it from what follows."""
    if index >= len(body):
        return body + [new]
    following = body[index]
    lines = list(following.leading_lines)
    blank = 0
    while blank < len(lines) and lines[blank].comment is None:
        blank += 1
    new = new.with_changes(leading_lines=lines[:blank])
    rest = lines[blank:]
    if own_block:
        wanted = 2 if _is_definition(following) else 1
        rest = [cst.EmptyLine()] * wanted + rest
    return body[:index] + [new, following.with_changes(leading_lines=rest)] + body[index + 1:]


def _after_preamble(body: Sequence[cst.BaseStatement]) -> int:
    """The index after the module docstring and the `from __future__` imports."""
    index = 0
    if body and isinstance(body[0], cst.SimpleStatementLine) and isinstance(body[0].body[0], cst.Expr) \
            and isinstance(body[0].body[0].value, (cst.SimpleString, cst.ConcatenatedString)):
        index = 1
    while index < len(body):
        statement = _import_of(body[index])
        if not (isinstance(statement, cst.ImportFrom) and _module_name(statement) == "__future__"):
            break
        index += 1
    return index


def _import_of(statement: cst.BaseStatement) -> cst.Import | cst.ImportFrom | None:
    if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
        small = statement.body[0]
        if isinstance(small, (cst.Import, cst.ImportFrom)):
            return small
    return None


def _module_name(statement: cst.Import | cst.ImportFrom) -> str:
    if isinstance(statement, cst.Import):
        return cst.Module(body=[]).code_for_node(statement.names[0].name)
    if statement.relative or statement.module is None:
        return ""
    return cst.Module(body=[]).code_for_node(statement.module)


def _is_stdlib(statement: cst.BaseStatement) -> bool:
    found = _import_of(statement)
    return found is not None and _module_name(found).split(".")[0] in sys.stdlib_module_names


def _sort_key(statement: cst.BaseStatement) -> str:
    found = _import_of(statement)
    return _module_name(found).lower() if found is not None else ""


def _is_definition(statement: cst.BaseStatement) -> bool:
    return isinstance(statement, (cst.FunctionDef, cst.ClassDef))


def _dotted(name: str) -> cst.Attribute | cst.Name:
    parts = name.split(".")
    node: cst.Attribute | cst.Name = cst.Name(parts[0])
    for part in parts[1:]:
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node
