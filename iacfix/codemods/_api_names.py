"""Machinery shared by the rules that judge imported names against the API index (IAC101,
IAC102): which module an expression stands for, import plans made before the traversal, renames
of a name's uses, and the statements to add or remove once the traversal is done."""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass, field
from typing import ClassVar, Sequence

import libcst as cst

from iacfix.codemods import _prescan as prescan
from iacfix.codemods._bindings import FileNames
from iacfix.codemods._context import FileContext
from iacfix.codemods._import_edits import (
    BodyEdits,
    dotted,
    from_import_line,
    import_statements,
    with_name,
    without_names,
)
from iacfix.codemods._rule import Rule
from iacfix.codemods._symbols import ApiIndex, load_index

# The provider appends `A` to a class whose name collides with a namespace of its parent resource
# (`S3BucketVersioningA`, `S3BucketVersioningAConfig`, `...RuleApplyServerSideEncryptionByDefaultA`).
_A_TOKEN = re.compile(r"(?<=[a-z0-9])A(?=[A-Z]|$)")


def without_a(name: str) -> str:
    return _A_TOKEN.sub("", name)


@functools.lru_cache(maxsize=4)
def file_names(text: str) -> FileNames | None:
    """The file's names (cached: `wants` and the traversal of the same text share them)."""
    return FileNames.parse(text, load_index().has_module)


def suspect(text: str, package: str) -> bool:
    """Whether the file imports or reads a name of `package` the index does not know, as seen
    by `ast`: the same judgement the rules make, at a fraction of libcst's parse and traversal,
    so files whose names are all right never reach libcst for these rules."""
    names = file_names(text)
    if names is None:
        return False
    index = load_index()

    def owned(module: str) -> bool:
        return module.partition(".")[0] == package and index.is_managed(module)

    for node in prescan.of_type(text, ast.Import) or ():
        if any(owned(alias.name) and not index.has_module(alias.name) for alias in node.names):
            return True
    for statement in prescan.of_type(text, ast.ImportFrom) or ():
        if not statement.level and owned(statement.module or ""):
            module = statement.module or ""
            if not index.has_module(module) or any(
                    alias.name != "*" and not index.exports(module, alias.name) for alias in statement.names):
                return True
    for attribute in names.attributes:
        base = _module_of(attribute.value, names, index)
        if base is not None and owned(base) and not index.exports(base, attribute.attr):
            return True
    return False


def _module_of(node: ast.expr, names: FileNames, index: ApiIndex) -> str | None:
    if isinstance(node, ast.Name):
        return names.module_of(node.id)
    if isinstance(node, ast.Attribute):
        base = _module_of(node.value, names, index)
        if base is not None and index.has_module(f"{base}.{node.attr}"):
            return f"{base}.{node.attr}"
    return None


@dataclass
class FromPlan:
    """What to do with one `from m import ...` statement, by position of the name in its list."""

    renames: dict[int, str] = field(default_factory=dict)  # position -> the real name
    asnames: dict[int, str] = field(default_factory=dict)  # position -> the local name a rename keeps
    drops: set[int] = field(default_factory=set)
    moves: dict[int, str] = field(default_factory=dict)  # position -> the module that has it
    module: str | None = None  # the statement's module, renamed
    additions: list[cst.ImportAlias] = field(default_factory=list)  # names moved here from elsewhere


class ApiNameRule(Rule):
    """Base of the rules that judge names of one indexed package. Subclasses implement
    `plan_import` (called for every import statement of the package, before the traversal) and
    `fix_attribute` (for `alias.Name` where the alias's module lacks `Name`)."""

    PACKAGE: ClassVar[str]

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self.index: ApiIndex = load_index()
        self.names = file_names(context.text)
        self.plans: dict[cst.ImportFrom, FromPlan] = {}
        self.import_renames: dict[cst.Import, dict[int, str]] = {}
        self.renames: dict[str, str] = {}  # uses of a local name to rename
        self.edits = BodyEdits()
        self.added: list[tuple[str, cst.ImportAlias]] = []  # (module, name) imports to add at the top
        self._results: dict[cst.ImportFrom, cst.ImportFrom] = {}  # left for the line to finish
        self._lines: dict[cst.SimpleStatementLine, cst.ImportFrom] = {}
        self._quiet = 0  # inside an import, an attribute's name or a keyword: not a use of a name
        self._top_from: dict[str, cst.ImportFrom] = {}

    def visit_Module(self, node: cst.Module) -> None:
        """Plan every import edit before the traversal: renaming a name's uses must not depend on
        whether the import comes before or after them."""
        if self.names is None:
            return
        statements = list(import_statements(node.body))
        for line, statement, top in statements:
            if isinstance(statement, cst.ImportFrom) and line is top and not statement.relative \
                    and not isinstance(statement.names, cst.ImportStar):
                self._top_from.setdefault(dotted(statement.module) or "", statement)
        for line, statement, top in statements:
            name = dotted(statement.module) if isinstance(statement, cst.ImportFrom) else None
            if isinstance(statement, cst.ImportFrom) and (statement.relative or name is None):
                continue
            if isinstance(statement, cst.Import) or self.owns(name or ""):
                self.context.statement_stack.append(top)
                try:
                    self.plan_import(statement)
                finally:
                    self.context.statement_stack.pop()
                if isinstance(statement, cst.ImportFrom) and statement in self.plans:
                    self._lines[line] = statement

    # --- for subclasses ---

    def owns(self, module: str) -> bool:
        top = module.partition(".")[0]
        return top == self.PACKAGE and self.index.is_managed(module)

    def plan_import(self, statement: cst.Import | cst.ImportFrom) -> None:
        raise NotImplementedError

    def fix_attribute(self, original: cst.Attribute, updated: cst.Attribute, module: str) -> cst.BaseExpression:
        raise NotImplementedError

    def plan(self, statement: cst.ImportFrom) -> FromPlan:
        return self.plans.setdefault(statement, FromPlan())

    def move(self, statement: cst.ImportFrom, position: int, target: str) -> None:
        """Plan moving one name of a from-import to the module `target`: into the file's top-level
        from-import of that module when there is one, else into a new statement below this one."""
        plan = self.plan(statement)
        existing = self._top_from.get(target)
        if existing is not None and existing is not statement:
            alias = statement.names[position]  # type: ignore[index]
            self.plan(existing).additions.append(alias.with_changes(comma=cst.MaybeSentinel.DEFAULT))
            plan.drops.add(position)
        else:
            plan.moves[position] = target

    def module_for(self, node: cst.BaseExpression) -> str | None:
        """The module an expression stands for (`lambda_`, `cdk.aws_lambda`), if the file says."""
        assert self.names is not None
        if isinstance(node, cst.Name):
            return self.names.module_of(node.value)
        if isinstance(node, cst.Attribute):
            base = self.module_for(node.value)
            if base is not None and self.index.has_module(f"{base}.{node.attr.value}"):
                return f"{base}.{node.attr.value}"
        return None

    # --- traversal ---

    def visit_Import(self, node: cst.Import) -> None:
        self._quiet += 1

    def leave_Import(self, original_node: cst.Import, updated_node: cst.Import) -> cst.Import:
        self._quiet -= 1
        renames = self.import_renames.get(original_node)
        if not renames:
            return updated_node
        names = [alias.with_changes(name=cst.parse_expression(renames[i])) if i in renames else alias
                 for i, alias in enumerate(updated_node.names)]
        return updated_node.with_changes(names=names)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self._quiet += 1

    def leave_ImportFrom(self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom) -> cst.ImportFrom:
        self._quiet -= 1
        plan = self.plans.get(original_node)
        if plan is None or isinstance(updated_node.names, cst.ImportStar) or \
                len(updated_node.names) != len(original_node.names):  # type: ignore[arg-type]
            return updated_node  # positions in the plan no longer match: leave it
        names = list(updated_node.names)
        for position, real in plan.renames.items():
            names[position] = names[position].with_changes(name=cst.Name(real))
            if position in plan.asnames:
                names[position] = names[position].with_changes(asname=cst.AsName(cst.Name(plan.asnames[position])))
        result = updated_node.with_changes(names=names)
        if plan.module is not None:
            result = result.with_changes(module=cst.parse_expression(plan.module))
        leaving = plan.drops | set(plan.moves)
        targets = set(plan.moves.values())
        if not leaving:
            return _with_names(result, plan.additions)
        if len(leaving) < len(names) and not plan.moves:
            return _with_names(without_names(result, plan.drops), plan.additions)
        if len(leaving) == len(names) and len(targets) == 1 and not plan.drops and not plan.additions:
            # Every name goes to the same module: rename the statement's module in place.
            return result.with_changes(module=cst.parse_expression(targets.pop()))
        self._results[original_node] = result  # the line splits or goes: leave_SimpleStatementLine
        return result

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine:
        statement = self._lines.get(original_node)
        if statement is None:
            return updated_node
        plan = self.plans[statement]
        result = self._results.get(statement)
        if result is None or len(updated_node.body) != 1 or updated_node.body[0] is not result:
            self.defer()  # another rule rewrote the line, or `;`-joined statements: the next pass
            return updated_node
        leaving = plan.drops | set(plan.moves)
        assert not isinstance(result.names, cst.ImportStar)
        new_lines: list[cst.BaseStatement] = []
        if len(leaving) < len(result.names):
            kept = _with_names(without_names(result, leaving), plan.additions)
            new_lines.append(updated_node.with_changes(body=[kept]))
        elif plan.additions:  # every name leaves, others arrive
            first, *rest = plan.additions
            only = result.with_changes(names=[first.with_changes(comma=cst.MaybeSentinel.DEFAULT)], lpar=None, rpar=None)
            new_lines.append(updated_node.with_changes(body=[_with_names(only, rest)]))
        by_target: dict[str, list[cst.ImportAlias]] = {}
        for position, target in sorted(plan.moves.items()):
            by_target.setdefault(target, []).append(result.names[position])
        for target, aliases in by_target.items():
            new_lines.append(from_import_line(target, aliases))
        if not new_lines:
            self.edits.remove(updated_node)
        else:
            if len(leaving) == len(result.names):  # the line is gone: its comments stay
                new_lines[0] = new_lines[0].with_changes(leading_lines=updated_node.leading_lines,
                                                         trailing_whitespace=updated_node.trailing_whitespace)
            self.edits.replace(updated_node, new_lines)
        return updated_node

    def visit_Attribute_attr(self, node: cst.Attribute) -> None:
        self._quiet += 1

    def leave_Attribute_attr(self, node: cst.Attribute) -> None:
        self._quiet -= 1

    def visit_Arg_keyword(self, node: cst.Arg) -> None:
        self._quiet += 1

    def leave_Arg_keyword(self, node: cst.Arg) -> None:
        self._quiet -= 1

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        if self._quiet or updated_node.value not in self.renames:
            return updated_node
        return updated_node.with_changes(value=self.renames[updated_node.value])

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
        if self._quiet or self.names is None:
            return updated_node
        module = self.module_for(original_node.value)
        if module is None or not self.owns(module) or self.index.exports(module, original_node.attr.value):
            return updated_node
        return self.fix_attribute(original_node, updated_node, module)

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
                            ) -> cst.IndentedBlock:
        if not self.edits:
            return updated_node
        body, carried = self.edits.apply(updated_node.body)
        if not body:
            body = [cst.SimpleStatementLine(body=[cst.Pass()])]
        return updated_node.with_changes(body=body, footer=[*carried, *updated_node.footer])

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        body: Sequence[cst.BaseStatement] = updated_node.body
        carried: list[cst.EmptyLine] = []
        if self.edits:
            body, carried = self.edits.apply(body)
        if self.edits.unapplied:
            self.defer()
        if self.added:
            body = self._add_imports(list(body))
        if body is updated_node.body:
            return updated_node
        return updated_node.with_changes(body=body, footer=[*carried, *updated_node.footer])

    def _add_imports(self, body: list[cst.BaseStatement]) -> list[cst.BaseStatement]:
        """The `added` names, in the module's top-level from-import of their module when one exists and
        the line stays short enough, else in a new statement after the last top-level import."""
        for module, alias in self.added:
            for index, statement in enumerate(body):
                found = _single_from(statement, module)
                if found is None:
                    continue
                merged = statement.with_changes(body=[with_name(found, alias)])  # type: ignore[union-attr]
                if _width(merged) <= self.context.line_length:
                    body[index] = merged
                    break
            else:
                body.insert(_after_imports(body), from_import_line(module, [alias]))
        return body


def _with_names(node: cst.ImportFrom, aliases: Sequence[cst.ImportAlias]) -> cst.ImportFrom:
    for alias in aliases:
        node = with_name(node, alias)
    return node


def _single_from(statement: cst.BaseStatement, module: str) -> cst.ImportFrom | None:
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    small = statement.body[0]
    if (isinstance(small, cst.ImportFrom) and not small.relative and not isinstance(small.names, cst.ImportStar)
            and dotted(small.module) == module):
        return small
    return None


def _width(statement: cst.CSTNode) -> int:
    code = cst.Module(body=[]).code_for_node(statement)
    return max((len(line) for line in code.splitlines()), default=0)


def _after_imports(body: Sequence[cst.BaseStatement]) -> int:
    """Where a new top-level import goes: after the last import of the leading imports (or the
    docstring), before the first other statement."""
    position = 0
    for index, statement in enumerate(body):
        if isinstance(statement, cst.SimpleStatementLine) and all(
                isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body):
            position = index + 1
        elif index == 0 and _is_docstring(statement):
            position = 1
        elif position or not _is_docstring(statement):
            break
    return position


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
            and isinstance(statement.body[0], cst.Expr) and isinstance(statement.body[0].value, cst.SimpleString))

