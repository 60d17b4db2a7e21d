"""What a file's names are bound to, read with `ast`.

Rules that rename an import and its uses, or add an alias, must know whether a name is bound
anywhere else and which names are taken. libcst's scope metadata answers that for a whole module
at about 7x the cost of a parse; `ast` answers what these rules need (flow- and scope-insensitive:
every binding of a name anywhere in the file counts) for a fraction of it.
"""

from __future__ import annotations

import ast
import builtins
import keyword
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Callable, Iterable

from iacfix.codemods import _prescan as prescan


@dataclass(frozen=True)
class Imported:
    """What an import binds: a module (`name` None) or one name of `module`."""

    module: str
    name: str | None = None


class FileNames:
    """Every binding and use of every name in one file."""

    def __init__(self, tree: ast.Module, is_module: Callable[[str], bool],
                 nodes: Iterable[ast.AST] | None = None) -> None:
        self.tree = tree
        self.imports: dict[str, list[Imported]] = defaultdict(list)  # one entry per import site
        self.other: Counter[str] = Counter()  # bindings that are not imports
        self.loads: Counter[str] = Counter()
        self.exported: set[str] = set()  # strings listed in `__all__`
        self.attributes: list[ast.Attribute] = []  # `x.y` whose `x` is a name or a dotted name
        self._visit(ast.walk(tree) if nodes is None else nodes, is_module)
        # Names imported at the top level (visible in every function) -- the ones a fix may reuse.
        self.top_level = {alias.asname or alias.name.partition(".")[0]
                          for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))
                          for alias in node.names if not getattr(node, "level", 0)}
        self.seen = set(self.imports) | set(self.other) | set(self.loads)

    @classmethod
    def parse(cls, text: str, is_module: Callable[[str], bool]) -> FileNames | None:
        """None when the running Python cannot parse the text (libcst may; the rules then stay quiet)."""
        tree = prescan.tree(text)  # one `ast` read and walk per text, shared with the other rules' pre-checks
        return None if tree is None else cls(tree, is_module, prescan.nodes(text))

    def module_of(self, local: str) -> str | None:
        """The module `local` stands for, when every binding of it imports that same module."""
        found = self.imports.get(local)
        if not found or self.other[local]:
            return None
        targets = set(found)
        if len(targets) != 1:
            return None
        target = targets.pop()
        return target.module if target.name is None else None

    def locals_of(self, module: str, name: str | None = None) -> list[str]:
        """Top-level names that stand for `module` (or for `name` of `module`) and nothing else."""
        found = []
        for local in self.imports:
            if local in self.top_level and not self.other[local] and set(self.imports[local]) == {Imported(module, name)}:
                found.append(local)
        return found

    def bound_once(self, local: str) -> bool:
        """`local` has exactly one binding in the file (an import), so renaming it renames all uses."""
        return len(self.imports.get(local, ())) == 1 and not self.other[local]

    def used(self, local: str) -> bool:
        return self.loads[local] > 0 or local in self.exported

    def taken(self, name: str) -> bool:
        """Whether binding `name` could clash with something: any use or binding, a builtin, a keyword."""
        return name in self.seen or keyword.iskeyword(name) or hasattr(builtins, name)

    def _visit(self, nodes: Iterable[ast.AST], is_module: Callable[[str], bool]) -> None:
        for node in nodes:
            if isinstance(node, ast.Name):
                if isinstance(node.ctx, ast.Load):
                    self.loads[node.id] += 1
                else:
                    self.other[node.id] += 1
            elif isinstance(node, ast.Attribute):
                if isinstance(node.value, (ast.Name, ast.Attribute)):
                    self.attributes.append(node)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.imports[alias.asname].append(Imported(alias.name))
                    else:
                        top = alias.name.partition(".")[0]
                        self.imports[top].append(Imported(top))
            elif isinstance(node, ast.ImportFrom):
                self._import_from(node, is_module)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.other[node.name] += 1
            elif isinstance(node, ast.arg):
                self.other[node.arg] += 1
            elif isinstance(node, ast.ExceptHandler) and node.name:
                self.other[node.name] += 1
            elif isinstance(node, (ast.Global, ast.Nonlocal)):
                self.other.update(node.names)
            elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
                self.other[node.name] += 1
            elif isinstance(node, ast.MatchMapping) and node.rest:
                self.other[node.rest] += 1
            elif isinstance(node, ast.Assign) and _is_all(node.targets):
                self.exported.update(_strings(node.value))

    def _import_from(self, node: ast.ImportFrom, is_module: Callable[[str], bool]) -> None:
        module = node.module or ""
        for alias in node.names:
            if alias.name == "*":
                continue  # names it binds but the file never uses cannot clash with anything
            local = alias.asname or alias.name
            if node.level:
                self.other[local] += 1  # a relative import: the project's own code
            elif is_module(f"{module}.{alias.name}"):
                self.imports[local].append(Imported(f"{module}.{alias.name}"))
            else:
                self.imports[local].append(Imported(module, alias.name))


def _is_all(targets: list[ast.expr]) -> bool:
    return any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets)


def _strings(value: ast.expr) -> list[str]:
    if isinstance(value, (ast.List, ast.Tuple)):
        return [e.value for e in value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return []
