"""What a call or attribute of a file refers to in the indexed packages, and the import lines a
fix adds, for the rules that judge names and keywords against the API index (IAC103, IAC104).

Bindings come from `_bindings.FileNames` (`ast`, cached per text): `wants` and the traversal of
the same text share one parse, and files the `ast` look finds nothing in never reach libcst.
"""

from __future__ import annotations

import ast
import builtins
import functools
import keyword
from typing import Sequence

import libcst as cst

from iacfix.codemods._bindings import FileNames, Imported
from iacfix.codemods._import_edits import dotted, from_import_line, with_name
from iacfix.codemods._symbols import ApiIndex, load_index

V1_CORE = "aws_cdk.core"


@functools.lru_cache(maxsize=4)
def file_names(text: str) -> FileNames | None:
    """The file's names; `from aws_cdk import core` counts as a module import (CDK v1's)."""
    index = load_index()
    return FileNames.parse(text, lambda module: module == V1_CORE or index.has_module(module))


def ast_dotted(node: ast.expr) -> str | None:
    """`a.b.c` for an `ast` Name/Attribute chain, else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = ast_dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def resolve(path: str, names: FileNames, index: ApiIndex) -> tuple[str, str] | None:
    """(module, qualified name) that the dotted `path` of this file stands for in an indexed
    module, or None when any part is uncertain (a name bound otherwise, an unknown module).

    `dynamodb.Table` -> ("aws_cdk.aws_dynamodb", "Table"); `cdk.aws_s3.Bucket` walks submodules;
    `Table` imported with `from aws_cdk.aws_dynamodb import Table` resolves too.
    """
    head, *rest = path.split(".")
    module = names.module_of(head)
    if module is not None:
        while rest and index.has_module(f"{module}.{rest[0]}"):
            module = f"{module}.{rest.pop(0)}"
        if not rest:
            return None
        qualified = ".".join(rest)
    else:
        bound = set(names.imports.get(head, ()))
        if len(bound) != 1 or names.other[head]:
            return None
        target = bound.pop()
        if target.name is None:
            return None
        module, qualified = target.module, ".".join([target.name, *rest])
    if not index.is_managed(module):
        return None
    return module, qualified


def top_level_local(names: FileNames, module: str, name: str | None = None) -> str | None:
    """A top-level name that stands for `module` (or its `name`) and nothing else."""
    found = sorted(names.locals_of(module, name))
    return found[0] if found else None


def free_for(names: FileNames, local: str, module: str, name: str) -> bool:
    """Whether `local` may be bound to `module.name` by a new import: nothing else binds it (a
    use without a binding, as in a snippet that forgot the import, means that very name)."""
    bound = names.imports.get(local)
    if bound or names.other[local]:
        return set(bound or ()) == {Imported(module, name)} and not names.other[local]
    return not (keyword.iskeyword(local) or hasattr(builtins, local))


def add_from_import(body: Sequence[cst.BaseStatement], module: str, name: str, *,
                    asname: str | None = None, after: int | None = None) -> list[cst.BaseStatement]:
    """`body` (a module's statements) with `name` imported from `module`: added to a top-level
    `from module import ...` when there is one, else on a new line after statement `after`
    (default: the file's leading import block)."""
    out = list(body)
    alias = cst.ImportAlias(name=cst.Name(name), asname=cst.AsName(name=cst.Name(asname)) if asname else None)
    for position, statement in enumerate(out):
        found = _from_import(statement, module)
        if found is None:
            continue
        assert not isinstance(found.names, cst.ImportStar)
        if any(dotted(a.name) == name and _asname(a) == asname for a in found.names):
            return out
        new = with_name(found, alias)
        assert isinstance(statement, cst.SimpleStatementLine)
        out[position] = statement.with_changes(body=[new if s is found else s for s in statement.body])
        return out
    return insert_line(out, from_import_line(module, [alias]), after)


def _asname(alias: cst.ImportAlias) -> str | None:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return None


def add_import(body: Sequence[cst.BaseStatement], module: str, after: int | None = None) -> list[cst.BaseStatement]:
    """`body` with `import module` (unless a top-level line already has exactly that)."""
    for statement in body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Import) and any(
                        dotted(a.name) == module and a.asname is None for a in small.names):
                    return list(body)
    line = cst.SimpleStatementLine(body=[cst.Import(names=[cst.ImportAlias(name=cst.Name(module))])])
    return insert_line(list(body), line, after)


def insert_line(body: list[cst.BaseStatement], line: cst.SimpleStatementLine,
                after: int | None) -> list[cst.BaseStatement]:
    position = import_block_end(body) if after is None else after + 1
    return [*body[:position], line, *body[position:]]


def import_block_end(body: Sequence[cst.BaseStatement]) -> int:
    """The index after the file's leading imports (a docstring and comments may precede them)."""
    end = 0
    for position, statement in enumerate(body):
        if not isinstance(statement, cst.SimpleStatementLine):
            break
        if all(isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body):
            end = position + 1
        elif position == 0 and _is_docstring(statement):
            end = 1
        else:
            break
    return end


def _is_docstring(statement: cst.SimpleStatementLine) -> bool:
    first = statement.body[0]
    return isinstance(first, cst.Expr) and isinstance(first.value, (cst.SimpleString, cst.ConcatenatedString))


def _from_import(statement: cst.BaseStatement, module: str) -> cst.ImportFrom | None:
    if not isinstance(statement, cst.SimpleStatementLine):
        return None
    for small in statement.body:
        if (isinstance(small, cst.ImportFrom) and not small.relative and dotted(small.module) == module
                and not isinstance(small.names, cst.ImportStar)):
            return small
    return None
