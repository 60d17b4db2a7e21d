"""Pre-checks that read the file with `ast` (a tenth of a libcst parse), shared by the rules.

`nodes(text)` is every node of that tree in `ast.walk` order (without the `Load`/`Store` context
markers), walked once per text for all pre-checks; `of_type(text, *types)` picks nodes from it.

A rule whose candidates are calls of a few classes asks `calls_of(text, names)` in its `wants`:
the calls whose callee ends in one of `names` (`logs.LogGroup(...)`, `LogGroup(...)`) or in a
name imported as an alias of one (`from aws_cdk.aws_logs import LogGroup as Group`). That is a
superset of what the rules' import resolution accepts, so a file without such a call cannot
produce a finding. None means `ast` cannot read the file: the rule must then say yes.
"""

from __future__ import annotations

import ast
import functools
import warnings
from collections import defaultdict
from typing import Iterable, TypeVar

_Node = TypeVar("_Node", bound=ast.AST)


@functools.lru_cache(maxsize=4)
def tree(text: str) -> ast.Module | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


@functools.lru_cache(maxsize=4)
def nodes(text: str) -> tuple[ast.AST, ...] | None:
    """Every node of the file in `ast.walk` order, except the `ctx` markers; None when `ast`
    cannot read it. One walk, cheaper than `ast.walk` (no generators), for every rule."""
    module = tree(text)
    if module is None:
        return None
    found: list[ast.AST] = [module]
    append, node_type = found.append, ast.AST
    position = 0
    while position < len(found):
        node = found[position]
        position += 1
        fields = _CHILD_FIELDS.get(node.__class__)
        if fields is None:
            fields = _CHILD_FIELDS[node.__class__] = tuple(name for name in node._fields if name != "ctx")
        for name in fields:
            value = getattr(node, name, None)
            if value.__class__ is list:
                for item in value:
                    if isinstance(item, node_type):
                        append(item)
            elif isinstance(value, node_type):
                append(value)
    return tuple(found)


@functools.lru_cache(maxsize=4)
def _by_type(text: str) -> dict[type, list[ast.AST]] | None:
    found = nodes(text)
    if found is None:
        return None
    grouped: dict[type, list[ast.AST]] = defaultdict(list)
    for node in found:
        grouped[node.__class__].append(node)
    return grouped


def of_type(text: str, kind: type[_Node]) -> list[_Node] | None:
    """The file's nodes of exactly this class (`ast.Call`, ...) in walk order, or None."""
    grouped = _by_type(text)
    return None if grouped is None else grouped.get(kind, [])  # type: ignore[return-value]


@functools.lru_cache(maxsize=4)
def _calls(text: str) -> tuple[tuple[str, ast.Call], ...] | None:
    """Every call with the last name of its callee, aliases replaced by the imported name."""
    imports, calls = of_type(text, ast.ImportFrom), of_type(text, ast.Call)
    if imports is None or calls is None:
        return None
    aliases = {alias.asname: alias.name for node in imports for alias in node.names if alias.asname}
    found = []
    for node in calls:
        func = node.func
        if isinstance(func, ast.Name):
            found.append((func.id, node))
            if func.id in aliases:
                found.append((aliases[func.id], node))
        elif isinstance(func, ast.Attribute):
            found.append((func.attr, node))
    return tuple(found)


def calls_of(text: str, names: Iterable[str]) -> list[tuple[str, ast.Call]] | None:
    """The calls of `names` in the file as `(name, call)`, or None when `ast` cannot read it."""
    calls = _calls(text)
    if calls is None:
        return None
    wanted = frozenset(names)
    return [(name, call) for name, call in calls if name in wanted]


def text_fields(value: ast.expr) -> list[ast.expr] | None:
    """The fields of a string or f-string (`[]` for a plain string); None for any other value."""
    if isinstance(value, ast.Constant):
        return [] if isinstance(value.value, str) else None
    if isinstance(value, ast.JoinedStr):
        return [part.value for part in value.values if isinstance(part, ast.FormattedValue)]
    return None


def keywords(call: ast.Call) -> set[str | None]:
    """The keyword names of a call (None stands for `**mapping`)."""
    return {keyword.arg for keyword in call.keywords}


def starred(call: ast.Call) -> bool:
    """`*args` or `**mapping` in the call: any keyword may be in there."""
    return any(isinstance(arg, ast.Starred) for arg in call.args) or None in keywords(call)
