"""Pre-checks that read the file with `ast` (a tenth of a libcst parse), shared by the rules.

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
from typing import Iterable


@functools.lru_cache(maxsize=4)
def tree(text: str) -> ast.Module | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


@functools.lru_cache(maxsize=4)
def _calls(text: str) -> tuple[tuple[str, ast.Call], ...] | None:
    """Every call with the last name of its callee, aliases replaced by the imported name."""
    module = tree(text)
    if module is None:
        return None
    nodes = list(ast.walk(module))
    aliases = {alias.asname: alias.name for node in nodes if isinstance(node, ast.ImportFrom)
               for alias in node.names if alias.asname}
    found = []
    for node in nodes:
        if isinstance(node, ast.Call):
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


def keywords(call: ast.Call) -> set[str | None]:
    """The keyword names of a call (None stands for `**mapping`)."""
    return {keyword.arg for keyword in call.keywords}
