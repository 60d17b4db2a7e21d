"""Where a file defines its functions and how it calls functions: what cross-file renames need.

Definitions are found by walking statements only (a `def` is always a statement), which is much
cheaper than a full traversal. Calls are found by a visitor, run only on files whose text can
hold a keyword argument named like a built-in.

Everything a run needs from files that define nothing to rename (the definitions' names, the
classes' bases, the keyword calls) is also read from the `ast` tree (`*_ast` below), so IAC302
collects those files without libcst; the two readings agree on what they report.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import libcst as cst
from libcst.helpers import get_full_name_for_node

from iacfix.codemods._scope_rename import BUILTIN_NAMES
from iacfix.codemods._traverse import traverse


@dataclass(frozen=True)
class FunctionSite:
    node: cst.FunctionDef
    cls: cst.ClassDef | None  # the class it is a method of
    nested: bool  # defined inside a function: nothing outside this file can import it

    @property
    def key(self) -> str:
        """The name callers use: the class for `__init__`/`__new__` (`TapStack(...)`), else its own."""
        name = self.node.name.value
        if self.cls is not None and name in ("__init__", "__new__"):
            return self.cls.name.value
        return name


def functions(module: cst.Module) -> tuple[list[FunctionSite], list[cst.ClassDef]]:
    """Every `def` (methods and nested ones too) and every class of the module."""
    found: list[FunctionSite] = []
    classes: list[cst.ClassDef] = []
    _walk(module.body, None, False, found, classes)
    return found, classes


def _walk(body: Sequence[cst.CSTNode], cls: cst.ClassDef | None, nested: bool, found: list[FunctionSite],
          classes: list[cst.ClassDef]) -> None:
    for statement in body:
        if isinstance(statement, cst.FunctionDef):
            found.append(FunctionSite(statement, cls, nested))
            _walk(_block(statement.body), None, True, found, classes)
        elif isinstance(statement, cst.ClassDef):
            classes.append(statement)
            _walk(_block(statement.body), statement, nested, found, classes)
        elif isinstance(statement, cst.BaseCompoundStatement):
            for block in _blocks(statement):
                _walk(block, cls, nested, found, classes)


def _block(suite: cst.BaseSuite) -> Sequence[cst.CSTNode]:
    return suite.body if isinstance(suite, cst.IndentedBlock) else [suite]


def _blocks(statement: cst.BaseCompoundStatement) -> Iterator[Sequence[cst.CSTNode]]:
    """The statement lists directly inside a compound statement (not a def or class)."""
    for field in ("body", "orelse", "finalbody"):
        part = getattr(statement, field, None)
        if isinstance(part, cst.BaseSuite):
            yield _block(part)
        elif isinstance(part, (cst.Else, cst.Finally, cst.If)):
            if isinstance(part, cst.If):
                yield from _blocks(part)
            else:
                yield _block(part.body)
    for handler in getattr(statement, "handlers", ()):
        yield _block(handler.body)
    for case in getattr(statement, "cases", ()):
        yield _block(case.body)


def local_bindings(func: cst.FunctionDef) -> dict[str, cst.Name]:
    """Built-in-named locals that plain statements bind (`type = ...`, `for id in`, `as format`).

    Walrus targets and `match` captures are not looked for; imports, nested defs and classes that
    bind such a name are left alone (so are names the function declares `global` or `nonlocal`).
    """
    found: dict[str, cst.Name] = {}
    declared: set[str] = set()
    _bindings(_block(func.body), found, declared)
    return {name: node for name, node in found.items() if name not in declared}


def _bindings(body: Sequence[cst.CSTNode], found: dict[str, cst.Name], declared: set[str]) -> None:
    for statement in body:
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            continue  # their own scopes
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Assign):
                    for target in small.targets:
                        _targets(target.target, found)
                elif isinstance(small, (cst.AnnAssign, cst.AugAssign)):
                    _targets(small.target, found)
                elif isinstance(small, (cst.Global, cst.Nonlocal)):
                    declared.update(item.name.value for item in small.names)
            continue
        if isinstance(statement, cst.For):
            _targets(statement.target, found)
        elif isinstance(statement, cst.With):
            for item in statement.items:
                if item.asname is not None:
                    _targets(item.asname.name, found)
        elif isinstance(statement, (cst.Try, cst.TryStar)):
            for handler in statement.handlers:
                if handler.name is not None:
                    _targets(handler.name.name, found)
        if isinstance(statement, cst.BaseCompoundStatement):
            for block in _blocks(statement):
                _bindings(block, found, declared)


def _targets(target: cst.BaseExpression, found: dict[str, cst.Name]) -> None:
    if isinstance(target, cst.Name):
        if target.value in BUILTIN_NAMES:
            found.setdefault(target.value, target)
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            _targets(element.value, found)
    elif isinstance(target, cst.StarredElement):
        _targets(target.value, found)


def module_names(module: cst.Module) -> frozenset[str]:
    """Names bound at module level (a new local name should not shadow them)."""
    names: set[str] = set()
    for statement in module.body:
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            names.add(statement.name.value)
        elif isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else (
                    [small.target] if isinstance(small, (cst.AnnAssign, cst.AugAssign)) else [])
                names.update(n for t in targets if (n := get_full_name_for_node(t)) and "." not in n)
    names.update(imports(module))
    return frozenset(names)


def imports(module: cst.Module, path: str | None = None) -> dict[str, tuple[tuple[str, ...], str | None]]:
    """Local name -> (files the module may be, imported name or None for `import a.b as x`)."""
    found: dict[str, tuple[tuple[str, ...], str | None]] = {}
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Import):
                for alias in small.names:
                    dotted = get_full_name_for_node(alias.name) or ""
                    local = alias.evaluated_alias or dotted.split(".")[0]
                    found[local] = (_module_files(dotted if alias.asname else local, 0, path), None)
            elif isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                dotted = (get_full_name_for_node(small.module) if small.module else None) or ""
                level = len(small.relative)
                for alias in small.names:
                    name = get_full_name_for_node(alias.name) or ""
                    local = alias.evaluated_alias or name
                    # `from lib import tap_stack` names a module, `from lib.tap_stack import TapStack` a class.
                    submodule = f"{dotted}.{name}".lstrip(".")
                    files = _module_files(dotted, level, path) + _module_files(submodule, level, path)
                    found[local] = (files, name)
    return found


def _module_files(dotted: str, level: int, path: str | None) -> tuple[str, ...]:
    parts = [p for p in dotted.split(".") if p]
    if level:
        if path is None:
            return ()
        base = os.path.dirname(os.path.abspath(path))
        for _ in range(level - 1):
            base = os.path.dirname(base)
        stem = os.path.join(base, *parts)
        return (f"{stem}.py", os.path.join(stem, "__init__.py")) if parts else (os.path.join(stem, "__init__.py"),)
    if not parts:
        return ()
    stem = "/".join(parts)
    return (f"{stem}.py", f"{stem}/__init__.py")


def file_matches(path: str, candidates: Sequence[str]) -> bool:
    """Whether the run's file `path` is one of the module files an import may mean."""
    absolute = os.path.abspath(path).replace(os.sep, "/")
    for candidate in candidates:
        candidate = candidate.replace(os.sep, "/")
        if os.path.isabs(candidate):
            if absolute == candidate:
                return True
        elif absolute.endswith("/" + candidate):
            return True
    return False


# --- calls ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Callee:
    """Whom a call may reach. `key` None: not a plain name (`handlers[k](...)`), cannot be attributed."""

    key: str | None
    here: bool = False  # defined in this same file
    modules: tuple[str, ...] = ()  # imported: the module files it comes from
    label: str = ""  # how the call spells it, for messages


@dataclass(frozen=True)
class CallSite:
    node: cst.Call
    callee: Callee
    keywords: tuple[str, ...]  # built-in-named keyword arguments
    unpacked: tuple[str, ...]  # built-in names passed as keys of a `**{...}` literal
    statement: cst.CSTNode  # innermost statement, where a suppression comment may sit


class Resolver:
    """Turns how this file names a callable into a `Callee`."""

    def __init__(self, defined: frozenset[str], imported: dict[str, tuple[tuple[str, ...], str | None]]) -> None:
        self.defined = defined
        self.imported = imported

    def named(self, name: str, label: str) -> Callee:
        if name in self.defined:
            return Callee(name, here=True, label=label)
        if name in self.imported:
            files, original = self.imported[name]
            return Callee(original or name, modules=files, label=label)
        return Callee(name, label=label)

    def expression(self, func: cst.BaseExpression, label: str) -> Callee:
        if isinstance(func, cst.Name):
            return self.named(func.value, label)
        if not isinstance(func, cst.Attribute):
            return Callee(None, label=label or "a computed callable")
        attr = func.attr.value
        value = func.value
        # `module.TapStack(...)`: the module was imported; `self._make(...)`: a method somewhere.
        if isinstance(value, cst.Name) and value.value in self.imported and value.value not in self.defined:
            return Callee(attr, modules=self.imported[value.value][0], label=label)
        return Callee(attr, here=attr in self.defined, label=label)

    def first_base(self, cls: cst.ClassDef, label: str) -> Callee | None:
        """Whose `__init__` the class inherits or reaches with `super().__init__` (its first base)."""
        if not cls.bases or cls.bases[0].keyword is not None or cls.bases[0].star:
            return None
        return self.expression(cls.bases[0].value, label)

    def expression_ast(self, func: ast.expr, label: str) -> Callee:
        """`expression` for an `ast` callee."""
        if isinstance(func, ast.Name):
            return self.named(func.id, label)
        if not isinstance(func, ast.Attribute):
            return Callee(None, label=label or "a computed callable")
        value = func.value
        if isinstance(value, ast.Name) and value.id in self.imported and value.id not in self.defined:
            return Callee(func.attr, modules=self.imported[value.id][0], label=label)
        return Callee(func.attr, here=func.attr in self.defined, label=label)

    def first_base_ast(self, cls: ast.ClassDef, label: str) -> Callee | None:
        if not cls.bases or isinstance(cls.bases[0], ast.Starred):
            return None
        return self.expression_ast(cls.bases[0], label)


def scan_calls(module: cst.Module, resolver: Resolver) -> list[CallSite]:
    scanner = _CallScanner(resolver)
    traverse(module, scanner)
    return scanner.found


class _CallScanner(cst.CSTVisitor):
    def __init__(self, resolver: Resolver) -> None:
        super().__init__()
        self.resolver = resolver
        self.classes: list[cst.ClassDef] = []
        self.statements: list[cst.CSTNode] = []
        self.found: list[CallSite] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            self.statements.append(node)
        if isinstance(node, cst.ClassDef):
            self.classes.append(node)
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        super().on_leave(original_node)
        if isinstance(original_node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            self.statements.pop()
        if isinstance(original_node, cst.ClassDef):
            self.classes.pop()

    def visit_Call(self, node: cst.Call) -> None:
        keywords, unpacked = builtin_keywords(node)
        if keywords or unpacked:
            callee = callee_of(node.func, self.resolver, self.classes[-1] if self.classes else None)
            self.found.append(CallSite(node, callee, keywords, unpacked, self.statements[-1]))


def builtin_keywords(call: cst.Call) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Built-in names passed as keywords, and as keys of a `**{...}` literal."""
    keywords = tuple(a.keyword.value for a in call.args if a.keyword is not None and a.keyword.value in BUILTIN_NAMES)
    unpacked = tuple(key for a in call.args if a.star == "**" for key in _literal_keys(a.value))
    return keywords, unpacked


def callee_of(func: cst.BaseExpression, resolver: Resolver, cls: cst.ClassDef | None) -> Callee:
    """Whom a call may reach; `cls` is the class the call sits in (for `super().__init__`)."""
    label = get_full_name_for_node(func) or ""
    if isinstance(func, cst.Attribute) and _is_super_call(func.value):
        attr = func.attr.value
        if attr == "__init__" and cls is not None:
            base = resolver.first_base(cls, "super().__init__")
            if base is not None:
                return base
        return Callee(attr, here=attr in resolver.defined, label=f"super().{attr}")
    return resolver.expression(func, label)


def _is_super_call(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "super"


def _is_super_call_ast(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super"


def _literal_keys(node: cst.BaseExpression) -> Iterator[str]:
    if isinstance(node, cst.Dict):
        for element in node.elements:
            if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString):
                value = element.key.evaluated_value
                if isinstance(value, str) and value in BUILTIN_NAMES:
                    yield value
    elif isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "dict":
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value in BUILTIN_NAMES:
                yield arg.keyword.value


# --- values ---------------------------------------------------------------------------------


def escaping(module: cst.Module, names: frozenset[str]) -> set[str]:
    """Which of `names` the module uses as a value, not only calls (`register(_Action)`,
    `callback=self._make`, `return inner`): whoever gets the value may call it by keyword.

    Definitions, imports, annotations, base classes, bare decorators, `super(Cls, self)` and
    `isinstance(x, Cls)` are not counted.
    """
    finder = _ValueFinder(names)
    traverse(module, finder)
    return finder.found


class _ValueFinder(cst.CSTVisitor):
    def __init__(self, names: frozenset[str]) -> None:
        super().__init__()
        self.names = names
        self.skip: set[cst.CSTNode] = set()
        self.found: set[str] = set()

    def _skip(self, node: cst.CSTNode | None) -> None:
        if isinstance(node, cst.Name):
            self.skip.add(node)
        elif isinstance(node, cst.Attribute):
            self.skip.add(node.attr)

    def visit_Call(self, node: cst.Call) -> None:
        self._skip(node.func)
        name = node.func.value if isinstance(node.func, cst.Name) else None
        if name == "super":
            for arg in node.args:
                self._skip(arg.value)
        elif name in ("isinstance", "issubclass") and len(node.args) == 2:
            self._skip(node.args[1].value)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.skip.add(node.name)
        for decorator in node.decorators:
            self._skip(decorator.decorator)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.skip.add(node.name)
        for base in node.bases:
            self._skip(base.value)

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Annotation(self, node: cst.Annotation) -> bool:
        return False

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self.skip.add(node.keyword)

    def visit_Param(self, node: cst.Param) -> None:
        self.skip.add(node.name)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value in self.names and node.attr not in self.skip:
            self.found.add(node.attr.value)
        self.skip.add(node.attr)  # not a plain name: `visit_Name` must not count it

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in self.names and node not in self.skip:
            self.found.add(node.value)


# --- the same, read from the `ast` tree -----------------------------------------------------

_AST_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass(frozen=True)
class AstSite:
    """`FunctionSite` read from the `ast` tree (same walk, same order)."""

    node: ast.FunctionDef | ast.AsyncFunctionDef
    cls: ast.ClassDef | None
    nested: bool = False

    @property
    def key(self) -> str:
        if self.cls is not None and self.node.name in ("__init__", "__new__"):
            return self.cls.name
        return self.node.name

    @property
    def label(self) -> str:
        return f"{self.cls.name}.{self.node.name}" if self.cls is not None else self.node.name


def functions_ast(tree: ast.Module) -> tuple[list[AstSite], list[ast.ClassDef]]:
    """`functions`, from the `ast` tree."""
    found: list[AstSite] = []
    classes: list[ast.ClassDef] = []
    _walk_ast(tree.body, None, False, found, classes)
    return found, classes


def _walk_ast(body: Sequence[ast.stmt], cls: ast.ClassDef | None, nested: bool, found: list[AstSite],
              classes: list[ast.ClassDef]) -> None:
    for statement in body:
        if isinstance(statement, _AST_FUNCTIONS):
            found.append(AstSite(statement, cls, nested))
            _walk_ast(statement.body, None, True, found, classes)
        elif isinstance(statement, ast.ClassDef):
            classes.append(statement)
            _walk_ast(statement.body, statement, nested, found, classes)
        else:
            for block in blocks_ast(statement):
                _walk_ast(block, cls, nested, found, classes)


def blocks_ast(statement: ast.stmt) -> Iterator[Sequence[ast.stmt]]:
    for field in ("body", "orelse", "finalbody"):
        part = getattr(statement, field, None)
        if isinstance(part, list):
            yield part
    for handler in getattr(statement, "handlers", ()):
        yield handler.body
    for case in getattr(statement, "cases", ()):
        yield case.body


def candidates_ast(site: AstSite) -> bool:
    """Whether the function may have a parameter or local that IAC302 renames: a superset of what
    `local_bindings` and the parameters give (it reads statements on a header's line too, and does
    not drop names declared `global`)."""
    arguments = site.node.args
    every = (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg, arguments.kwarg)
    if any(a is not None and a.arg in BUILTIN_NAMES for a in every):
        return True
    return _binds_builtin(site.node.body)


def _binds_builtin(body: Sequence[ast.stmt]) -> bool:
    for statement in body:
        if isinstance(statement, (*_AST_FUNCTIONS, ast.ClassDef)):
            continue
        if isinstance(statement, (ast.Try, getattr(ast, "TryStar", ast.Try))):
            if any(handler.name in BUILTIN_NAMES for handler in statement.handlers):
                return True
        if any(next(builtin_targets_ast(target), None) for target in binding_targets_ast(statement)):
            return True
        if any(_binds_builtin(block) for block in blocks_ast(statement)):
            return True
    return False


def binding_targets_ast(statement: ast.stmt) -> list[ast.expr]:
    """The targets a statement binds by assignment, loop or `with ... as` (not `except ... as`)."""
    if isinstance(statement, ast.Assign):
        return statement.targets
    if isinstance(statement, (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor)):
        return [statement.target]
    if isinstance(statement, (ast.With, ast.AsyncWith)):
        return [item.optional_vars for item in statement.items if item.optional_vars is not None]
    return []


def builtin_targets_ast(target: ast.expr) -> Iterator[str]:
    """The built-in names an assignment target binds (`id`, `(type, *min)`), in order."""
    if isinstance(target, ast.Name):
        if target.id in BUILTIN_NAMES:
            yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from builtin_targets_ast(element)
    elif isinstance(target, ast.Starred):
        yield from builtin_targets_ast(target.value)


def full_name_ast(node: ast.expr) -> str | None:
    """`get_full_name_for_node` for an `ast` expression."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{full_name_ast(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return full_name_ast(node.func)
    if isinstance(node, ast.Subscript):
        return full_name_ast(node.value)
    return None


def imports_ast(tree: ast.Module, path: str | None = None) -> dict[str, tuple[tuple[str, ...], str | None]]:
    """`imports`, from the `ast` tree."""
    found: dict[str, tuple[tuple[str, ...], str | None]] = {}
    for statement in tree.body:
        if isinstance(statement, ast.Import):
            for alias in statement.names:
                local = alias.asname or alias.name.split(".")[0]
                found[local] = (_module_files(alias.name if alias.asname else local, 0, path), None)
        elif isinstance(statement, ast.ImportFrom) and not any(alias.name == "*" for alias in statement.names):
            dotted = statement.module or ""
            for alias in statement.names:
                local = alias.asname or alias.name
                submodule = f"{dotted}.{alias.name}".lstrip(".")
                files = _module_files(dotted, statement.level, path) + _module_files(submodule, statement.level, path)
                found[local] = (files, alias.name)
    return found


@dataclass(frozen=True)
class AstCall:
    """A call passing a built-in name by keyword (or as a key of a `**{...}` literal)."""

    callee: Callee
    keywords: tuple[str, ...]
    unpacked: tuple[str, ...]
    lines: range  # the call's lines
    statement_line: int  # first line of its innermost statement


def calls_ast(tree: ast.Module, resolver: Resolver) -> list[AstCall]:
    """`scan_calls`, from the `ast` tree, in source order."""
    found: list[AstCall] = []
    # (node, innermost class, innermost statement line), depth first as libcst visits.
    stack: list[tuple[ast.AST, ast.ClassDef | None, int]] = [(tree, None, 1)]
    while stack:
        node, cls, line = stack.pop()
        if isinstance(node, ast.stmt):
            line = node.lineno
        if isinstance(node, ast.Call):
            keywords, unpacked = builtin_keywords_ast(node)
            if keywords or unpacked:
                callee = callee_of_ast(node.func, resolver, cls)
                end = node.end_lineno or node.lineno
                found.append(AstCall(callee, keywords, unpacked, range(node.lineno, end + 1), line))
        inner = node if isinstance(node, ast.ClassDef) else cls
        children = list(ast.iter_child_nodes(node))
        if isinstance(node, (*_AST_FUNCTIONS, ast.ClassDef)) and node.decorator_list:
            # libcst visits decorators first, as they are written; `ast` lists them last.
            first = {id(d) for d in node.decorator_list}
            children = [*node.decorator_list, *(c for c in children if id(c) not in first)]
        stack.extend((child, inner, line) for child in reversed(children))
    return found


def builtin_keywords_ast(call: ast.Call) -> tuple[tuple[str, ...], tuple[str, ...]]:
    keywords = tuple(k.arg for k in call.keywords if k.arg is not None and k.arg in BUILTIN_NAMES)
    unpacked = tuple(key for k in call.keywords if k.arg is None for key in _literal_keys_ast(k.value))
    return keywords, unpacked


def callee_of_ast(func: ast.expr, resolver: Resolver, cls: ast.ClassDef | None) -> Callee:
    label = full_name_ast(func) or ""
    if isinstance(func, ast.Attribute) and _is_super_call_ast(func.value):
        if func.attr == "__init__" and cls is not None:
            base = resolver.first_base_ast(cls, "super().__init__")
            if base is not None:
                return base
        return Callee(func.attr, here=func.attr in resolver.defined, label=f"super().{func.attr}")
    return resolver.expression_ast(func, label)


def _literal_keys_ast(node: ast.expr) -> Iterator[str]:
    if isinstance(node, ast.Dict):
        for key in node.keys:
            if isinstance(key, ast.Constant) and isinstance(key.value, str) and key.value in BUILTIN_NAMES:
                yield key.value
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict":
        for keyword in node.keywords:
            if keyword.arg is not None and keyword.arg in BUILTIN_NAMES:
                yield keyword.arg
