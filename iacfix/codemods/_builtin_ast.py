"""IAC302's definitions and planned renames, read from the `ast` tree when that is certain.

What the other files of a run follow is, for each definition, the new name of each built-in-named
parameter and how safe renaming it is. libcst's scope analysis answers that, but needs the file's
libcst tree, which a worker process parses again to fix the file. For a function simple enough
(the name is not used in a nested scope, no string annotation, no import, `global`, `nonlocal`,
walrus or `match` inside it, and the new name does not occur in it) the `ast` tree gives the same
answers; `definitions` gives None for a file with any other function, which is then collected
with libcst. The fix pass plans with libcst in every case, and keeps these facts only if its own
plans agree with them (`builtin_param_name._adopt`); `tests/test_builtin_ast.py` compares both.
"""

from __future__ import annotations

import ast
import keyword
import re
from collections.abc import Callable, Mapping, Sequence

from iacfix.codemods import _callables as callables
from iacfix.codemods._builtin_run import Def, Param
from iacfix.codemods._rule import FixSafety
from iacfix.codemods._scope_rename import _DYNAMIC, _SCOPE_ARGUMENTS, BUILTIN_NAMES

# Nodes that open a scope of their own inside a function.
_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef,
           ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
# Inside a function, any of these makes the `ast` answer uncertain: libcst is asked instead.
_UNSURE = tuple(getattr(ast, name) for name in ("Import", "ImportFrom", "Global", "Nonlocal", "Match",
                                                 "NamedExpr", "TypeAlias") if hasattr(ast, name))
_WORDS = re.compile(r"\w+")
_TAKEN = BUILTIN_NAMES | frozenset(keyword.kwlist)

Safety = Callable[..., tuple[FixSafety, str]]


def definitions(tree: ast.Module, text: str, sites: Sequence[callables.AstSite], classes: Sequence[ast.ClassDef],
                path: str, safety: Safety, is_construct: Callable[..., bool]) -> list[Def] | None:
    """One `Def` per site, with its built-in-named parameters and locals planned as libcst plans
    them; None when some function is not certain (the caller then parses the file with libcst).
    `safety` and `is_construct` are the rule's own judgements, given plain names."""
    if not text.isascii():  # `ast` normalizes identifiers (NFKC), libcst keeps them as written
        return None
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")  # as `ast` numbers lines
    avoid = _module_names(tree)
    bases = {cls.name: [callables.full_name_ast(base) or "" for base in cls.bases] for cls in classes}
    keyed = frozenset(site.key for site in sites
                      if any(a.arg in BUILTIN_NAMES for a in (*site.node.args.args, *site.node.args.kwonlyargs)))
    escaped = escaping(tree, keyed) if keyed else set()
    found = []
    for site in sites:
        definition = _definition(site, lines, path, avoid, bases, safety, is_construct, site.key in escaped)
        if definition is None:
            return None
        found.append(definition)
    return found


def _definition(site: callables.AstSite, lines: list[str], path: str, avoid: frozenset[str],
                bases: Mapping[str, list[str]], safety: Safety, is_construct: Callable[..., bool],
                escaped: bool) -> Def | None:
    func = site.node
    arguments = func.args
    kinds: dict[str, bool] = {}  # name -> can be passed by keyword, in libcst's order
    for node in arguments.posonlyargs:
        kinds[node.arg] = False
    for node in (*arguments.args, *arguments.kwonlyargs):
        kinds[node.arg] = True
    for star in (arguments.vararg, arguments.kwarg):
        if star is not None:
            kinds[star.arg] = False
    params = {name: keyword_ for name, keyword_ in kinds.items() if name in BUILTIN_NAMES}
    local = local_bindings(func, lines)
    if local is None:
        return None
    local = [name for name in local if name not in kinds]
    if not params and not local:
        return Def(site.key, site.label, ())
    ordered = [a.arg for a in (*arguments.posonlyargs, *arguments.args)]
    construct_class = site.cls is not None and is_construct(
        [callables.full_name_ast(base) or "" for base in site.cls.bases], bases, set())
    takes_scope = ordered[1:3] == ["scope", "id"] or ordered[:2] == ["scope", "id"]
    construct_init = func.name == "__init__" and (takes_scope or construct_class and ordered[2:3] == ["id"])
    first = func.decorator_list[0].lineno if func.decorator_list else func.lineno
    words = set(_WORDS.findall("\n".join(lines[first - 1:func.end_lineno])))
    plans = plan(func, [*params, *local], words | avoid,
                 prefer_construct_id=construct_init or takes_scope)
    if plans is None:
        return None
    decorators = [callables.full_name_ast(d.func if isinstance(d, ast.Call) else d) or "" for d in func.decorator_list]
    facts = []
    for name, (new, construct) in plans.items():
        if params.get(name, False):
            construct_id = name == "id" and (construct_init or construct_class and construct)
            verdict, why = safety(func.name, decorators, site.cls.name if site.cls else None, site.nested,
                                  site.key, path, construct_id, escaped)
        else:
            verdict, why = FixSafety.SAFE, ""
        facts.append(Param(name, new, params.get(name, False), verdict, why, False, name in local))
    return Def(site.key, site.label, tuple(facts))


def plan(func: ast.FunctionDef | ast.AsyncFunctionDef, olds: list[str], taken: set[str] | frozenset[str], *,
         prefer_construct_id: bool) -> dict[str, tuple[str | None, bool]] | None:
    """`_scope_rename.plan_renames` for a simple function: each old name's new name (None: the
    function reaches `locals()` or the like) and whether it is a construct id; None when unsure.
    `taken` holds every word of the function's lines and the module's names."""
    if getattr(func, "type_params", None):
        return None
    dynamic = None
    for node in ast.walk(func):
        if isinstance(node, _UNSURE) or getattr(node, "type_params", None):
            return None
        if isinstance(node, ast.Name) and node.id in _DYNAMIC and not isinstance(node.ctx, ast.Store):
            dynamic = dynamic or (node.id if node.id not in olds else None)
        elif (note := _annotation(node)) is not None and _has_string(note):
            return None  # libcst reads names in string annotations
    wanted = set(olds)
    reads: set[str] = set()  # olds read inside the id argument of a construct call
    stack: list[ast.AST] = list(func.body)
    while stack:
        node = stack.pop()
        if isinstance(node, _NESTED):
            if wanted & _identifiers(node):
                return None  # seen from a nested scope: libcst's resolution is needed
            continue
        if isinstance(node, ast.Name) and node.id in wanted and isinstance(node.ctx, ast.Del):
            return None
        if isinstance(node, ast.AnnAssign) and node.value is None and isinstance(node.target, ast.Name) \
                and node.target.id in wanted:
            return None
        if isinstance(node, ast.Call) and len(node.args) >= 2 and not any(
                isinstance(arg, ast.Starred) for arg in node.args[:2]):
            first = node.args[0]
            if isinstance(first, ast.Name) and first.id in _SCOPE_ARGUMENTS:
                reads.update(n.id for n in ast.walk(node.args[1]) if isinstance(n, ast.Name) and n.id in wanted)
        stack.extend(ast.iter_child_nodes(node))
    chosen: set[str] = set()
    plans: dict[str, tuple[str | None, bool]] = {}
    for old in olds:
        construct = old == "id" and (prefer_construct_id or old in reads)
        if dynamic is not None:
            plans[old] = (None, construct)
            continue
        new = "construct_id" if construct else f"{old}_"
        if new in taken or new in _TAKEN or new in wanted or new in chosen:
            return None  # libcst would pick among the next names by the exact names in scope
        chosen.add(new)
        plans[old] = (new, construct)
    return plans


def _annotation(node: ast.AST) -> ast.expr | None:
    if isinstance(node, (ast.arg, ast.AnnAssign)):
        return node.annotation
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return node.returns
    return None


def _has_string(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Constant) and isinstance(n.value, str) for n in ast.walk(node))


def _identifiers(node: ast.AST) -> set[str]:
    found: set[str] = set()
    for item in ast.walk(node):
        if isinstance(item, ast.Name):
            found.add(item.id)
        elif isinstance(item, ast.arg):
            found.add(item.arg)
        elif isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.ExceptHandler)) and item.name:
            found.add(item.name)
    return found


def local_bindings(func: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str]) -> list[str] | None:
    """`_callables.local_bindings`: built-in names plain statements bind, in its order; None when
    a body's layout is one `ast` cannot tell apart (a suite after a line continuation)."""
    found: dict[str, None] = {}
    declared: set[str] = set()
    if not _bindings(func.body, lines, found, declared):
        return None
    return [name for name in found if name not in declared]


def _bindings(body: Sequence[ast.stmt], lines: list[str], found: dict[str, None], declared: set[str]) -> bool:
    if body:
        # libcst reads no binding from a suite on its header's line (`if x: id = 1`).
        line, column = body[0].lineno, body[0].col_offset
        if line >= 2 and lines[line - 2].endswith("\\"):
            return False
        if lines[line - 1][:column].strip():
            return True
    for statement in body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(statement, (ast.Global, ast.Nonlocal)):
            declared.update(statement.names)
        elif isinstance(statement, (ast.Try, getattr(ast, "TryStar", ast.Try))):
            for handler in getattr(statement, "handlers", ()):
                if handler.name in BUILTIN_NAMES:
                    found.setdefault(handler.name, None)
        for target in callables.binding_targets_ast(statement):
            for name in callables.builtin_targets_ast(target):
                found.setdefault(name, None)
        for block in callables.blocks_ast(statement):
            if not _bindings(block, lines, found, declared):
                return False
    return True


def _module_names(tree: ast.Module) -> frozenset[str]:
    """`_callables.module_names`: names bound by the module's own top-level statements."""
    names: set[str] = set()
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(statement.name)
        elif isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            names.update(n for t in targets if (n := callables.full_name_ast(t)) and "." not in n)
    names.update(callables.imports_ast(tree))
    return frozenset(names)


def escaping(tree: ast.Module, names: frozenset[str]) -> set[str]:
    """`_callables.escaping`, from the `ast` tree: which of `names` the module uses as a value."""
    found: set[str] = set()
    skip: set[int] = set()

    def skipped(node: ast.AST | None) -> None:
        if isinstance(node, ast.Starred):
            node = node.value
        if isinstance(node, (ast.Name, ast.Attribute)):
            skip.add(id(node))

    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom, ast.arg)):
            continue  # imports and parameters (with their annotations) are not values
        children = list(ast.iter_child_nodes(node))
        if isinstance(node, ast.Call):
            skipped(node.func)
            name = node.func.id if isinstance(node.func, ast.Name) else None
            arguments = sorted([*node.args, *(k.value for k in node.keywords)],
                               key=lambda a: (a.lineno, a.col_offset))
            if name == "super":
                for argument in arguments:
                    skipped(argument)
            elif name in ("isinstance", "issubclass") and len(arguments) == 2:
                skipped(arguments[1])
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in node.decorator_list:
                skipped(decorator)
            children = [child for child in children if child is not node.returns]
        elif isinstance(node, ast.ClassDef):
            for base in node.bases:
                skipped(base)
        elif isinstance(node, ast.AnnAssign):
            children = [child for child in children if child is not node.annotation]
        elif isinstance(node, ast.Attribute):
            if node.attr in names and id(node) not in skip:
                found.add(node.attr)
        elif isinstance(node, ast.Name):
            if node.id in names and id(node) not in skip:
                found.add(node.id)
        else:
            # Names libcst keeps as `Name` nodes and `ast` as strings.
            bound = [*getattr(node, "names", ())] if isinstance(node, (ast.Global, ast.Nonlocal)) else \
                [getattr(node, field, None) for field in ("name", "rest")
                 if not isinstance(node, (ast.alias, ast.keyword))]
            found.update(item for item in bound if isinstance(item, str) and item in names)
        stack.extend(reversed(children))
    return found
