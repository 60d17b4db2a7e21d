"""Rename a function-local name wherever it is bound or read, with libcst's scope analysis.

Scope analysis over a whole module costs several parses. Here it runs on a throwaway module
that wraps just one function, reusing the original nodes (no copy), so only the functions that
need a rename pay for it, and the Name nodes it returns are the ones the transformer will see.
"""

from __future__ import annotations

import keyword
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import Assignment, ClassScope, GlobalScope, MetadataWrapper, Scope, ScopeProvider

# What pylint's `redefined-builtin` checks against: the `builtins` module of Python 3.10-3.13 plus the
# names `site` adds (`exit`, `help`, `license`, ...). Dunder names are left out on purpose.
_BUILTINS = """
    ArithmeticError AssertionError AttributeError BaseException BaseExceptionGroup BlockingIOError
    BrokenPipeError BufferError BytesWarning ChildProcessError ConnectionAbortedError ConnectionError
    ConnectionRefusedError ConnectionResetError DeprecationWarning EOFError Ellipsis EncodingWarning
    EnvironmentError Exception ExceptionGroup FileExistsError FileNotFoundError FloatingPointError
    FutureWarning GeneratorExit IOError ImportError ImportWarning IndentationError IndexError
    InterruptedError IsADirectoryError KeyError KeyboardInterrupt LookupError MemoryError
    ModuleNotFoundError NameError NotADirectoryError NotImplemented NotImplementedError OSError
    OverflowError PendingDeprecationWarning PermissionError ProcessLookupError PythonFinalizationError
    RecursionError ReferenceError ResourceWarning RuntimeError RuntimeWarning StopAsyncIteration
    StopIteration SyntaxError SyntaxWarning SystemError SystemExit TabError TimeoutError TypeError
    UnboundLocalError UnicodeDecodeError UnicodeEncodeError UnicodeError UnicodeTranslateError
    UnicodeWarning UserWarning ValueError Warning ZeroDivisionError
    abs aiter all anext any ascii bin bool breakpoint bytearray bytes callable chr classmethod compile
    complex copyright credits delattr dict dir divmod enumerate eval exec exit filter float format
    frozenset getattr globals hasattr hash help hex id input int isinstance issubclass iter len license
    list locals map max memoryview min next object oct open ord pow print property quit range repr
    reversed round set setattr slice sorted staticmethod str sum super tuple type vars zip
"""
BUILTIN_NAMES = frozenset(_BUILTINS.split())

# A body that reaches these can read a local by its name as a string: renaming would change it.
_DYNAMIC = ("locals", "vars", "eval", "exec")
# First arguments that mark a call as creating a construct: `Bucket(self, id, ...)`.
_SCOPE_ARGUMENTS = frozenset({"self", "scope", "stack", "parent", "construct", "this"})


@dataclass(frozen=True)
class Rename:
    """How one name of one function is renamed: `new` is None when it cannot be (see `problem`)."""

    old: str
    new: str | None
    # Every Name node to rewrite: parameter, assignment targets, reads, `nonlocal` items.
    nodes: tuple[cst.Name, ...] = ()
    problem: str | None = None
    # The name is passed as the id of a construct (`Bucket(self, id)`): `id` becomes `construct_id`.
    construct_id: bool = False
    # The body calls it (`type(x)`): it calls the parameter, not the built-in, before and after.
    called: bool = False


def plan_renames(
    func: cst.FunctionDef,
    olds: Sequence[str],
    *,
    prefer_construct_id: frozenset[str] = frozenset(),
    avoid: frozenset[str] = frozenset(),
) -> dict[str, Rename]:
    """Plan renaming each name in `olds` (parameters or locals of `func`) away from the built-ins.

    `id` becomes `construct_id` when it is in `prefer_construct_id` or the body passes it as a
    construct id; any other name gets a trailing underscore. A new name never collides with a
    name the function (or anything nested in it) binds or reads, nor with one in `avoid`.
    """
    wrapper = cst.Module(body=[func])
    scopes = MetadataWrapper(wrapper, unsafe_skip_copy=True).resolve(ScopeProvider)
    own = scopes[func.body]
    assert own is not None
    every = {scope for scope in scopes.values() if scope is not None}
    taken = set(avoid) | _names_in(every) | set(olds) | BUILTIN_NAMES | set(keyword.kwlist)
    dynamic = _dynamic_use(every, olds)
    calls = [node for node in scopes if isinstance(node, cst.Call)]
    nonlocals = [(node, scopes[node]) for node in scopes if isinstance(node, cst.Nonlocal)]
    construct_reads = _construct_id_reads(calls) if "id" in olds else set()
    called_names = {call.func for call in calls if isinstance(call.func, cst.Name)}
    plans: dict[str, Rename] = {}
    for old in olds:
        nodes, problem = _nodes_to_rename(old, own, every, nonlocals)
        if problem is None and dynamic:
            problem = f"the function calls `{dynamic}()`, which can read `{old}` by name"
        construct = old == "id" and (old in prefer_construct_id or any(n in construct_reads for n in nodes))
        if problem is not None:
            plans[old] = Rename(old, None, problem=problem, construct_id=construct)
            continue
        new = _free_name("construct_id" if construct else f"{old}_", taken)
        taken.add(new)
        plans[old] = Rename(old, new, tuple(nodes), construct_id=construct,
                            called=any(node in called_names for node in nodes))
    return plans


def _nodes_to_rename(
    old: str, own: Scope, every: set[Scope], nonlocals: list[tuple[cst.Nonlocal, Scope | None]]
) -> tuple[list[cst.Name], str | None]:
    assignments = set(own.assignments[old])
    nodes: list[cst.Name] = []
    for assignment in assignments:
        node = assignment.node if isinstance(assignment, Assignment) else None
        if isinstance(node, cst.Param):
            nodes.append(node.name)
        elif isinstance(node, cst.Name):
            nodes.append(node)
        else:
            # Bail out: an import, a nested def or class also binds the name; not worth rewriting.
            return [], f"`{old}` is also bound by {_binder(node)}"
    # Reads in the function itself (also those before the first assignment: Python makes the name
    # local to the whole body) and reads in nested scopes that resolve to this function's binding.
    accesses = set(own.accesses[old])
    for other in every:
        if other is own:
            continue
        reaching = [a for a in other.accesses[old] if assignments.intersection(a.referents)]
        if reaching and isinstance(other, ClassScope) and old in other.assignments:
            # Bail out: a class body that also binds the name reads it from the globals, not from
            # this function (Python's class-block lookup); libcst resolves it here.
            return [], f"a class body inside the function also binds `{old}`"
        accesses.update(reaching)
    for access in accesses:
        if not isinstance(access.node, cst.Name) or access.node.value != old:
            return [], f"`{old}` is read inside a string annotation"
        nodes.append(access.node)
    for statement, scope in nonlocals:
        if scope is not None:
            nodes.extend(item.name for item in statement.names
                         if item.name.value == old and _nonlocal_target(scope, old) is own)
    return nodes, None


def _nonlocal_target(scope: Scope, name: str) -> Scope | None:
    parent = scope.parent
    while not isinstance(parent, GlobalScope):
        if not isinstance(parent, ClassScope) and name in parent.assignments:
            return parent
        parent = parent.parent
    return None


def _binder(node: cst.CSTNode | None) -> str:
    if isinstance(node, (cst.Import, cst.ImportFrom)):
        return "an import"
    if isinstance(node, cst.FunctionDef):
        return "a nested `def`"
    if isinstance(node, cst.ClassDef):
        return "a nested `class`"
    return "a statement this fix does not rewrite"


def _names_in(scopes: set[Scope]) -> set[str]:
    names: set[str] = set()
    for scope in scopes:
        names.update(assignment.name.split(".")[0] for assignment in scope.assignments)
        for access in scope.accesses:
            if isinstance(access.node, cst.Name):
                names.add(access.node.value)
    return names


def _dynamic_use(scopes: set[Scope], olds: Sequence[str]) -> str | None:
    for name in _DYNAMIC:
        if name in olds:
            continue  # the parameter itself, not the built-in
        for scope in scopes:
            if scope.accesses[name]:
                return name
    return None


def _construct_id_reads(calls: list[cst.Call]) -> set[cst.Name]:
    """Names read inside the id argument of a construct call: `Role(self, f"{id}Role", ...)`."""
    found: set[cst.Name] = set()
    for node in calls:
        positional = [arg for arg in node.args if arg.keyword is None and not arg.star]
        if len(positional) < 2 or positional[:2] != list(node.args[:2]):
            continue
        first = positional[0].value
        if isinstance(first, cst.Name) and first.value in _SCOPE_ARGUMENTS:
            found.update(_names(positional[1].value))
    return found


def _names(node: cst.CSTNode) -> Iterator[cst.Name]:
    if isinstance(node, cst.Name):
        yield node
    for child in node.children:
        yield from _names(child)


def _free_name(base: str, taken: set[str]) -> str:
    """`base`, else `base_` (unless it already ends in `_`), else `base2`, `base3`, ..."""
    candidates = [base] + ([] if base.endswith("_") else [f"{base}_"])
    for candidate in candidates:
        if candidate not in taken:
            return candidate
    number = 2
    while f"{base}{number}" in taken:
        number += 1
    return f"{base}{number}"
