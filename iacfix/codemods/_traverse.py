"""A libcst traversal that rebuilds only the nodes whose children changed.

`node.visit(visitor)` in libcst rebuilds every node it passes (the constructor and validation of
each one), even for a visitor that changes nothing: over a whole module that is most of the cost
of a pass. `traverse` calls the same hooks in the same order with the same arguments (`on_visit`,
the attribute hooks, `on_leave` with the original node and the node with updated children), and
gives the same results, but a node none of whose children changed is passed on as it is, so a
pass that replaces nothing returns the very tree it was given.

The order and kind of each node type's children are read from libcst's own
`_visit_and_replace_children` (its source is one constructor call whose arguments are
`visit_required(self, "field", self.field, visitor)` and the like). A type whose method has
another shape, or whose source cannot be read, is handed to libcst's `visit`, so the traversal is
never wrong, only slower, on a libcst that changes.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import linecache
import textwrap
from typing import Any, cast

import libcst as cst
from libcst import FlattenSentinel, MaybeSentinel, RemovalSentinel

# How a field is visited, after libcst's `visit_*` helper of the same name (from 1: never equal to
# False, which the plan reader returns for "unknown").
_REQUIRED, _OPTIONAL, _SENTINEL, _SEQUENCE, _BODY, _NODE_OR_SEQUENCE, _SEQUENCE_OR_NONE = range(1, 8)
_HELPERS = {"visit_required": _REQUIRED, "visit_optional": _OPTIONAL, "visit_sentinel": _SENTINEL,
            "visit_sequence": _SEQUENCE, "visit_body_sequence": _BODY}

Plan = tuple[tuple[str, int], ...]
_PLANS: dict[type, Plan | None] = {}  # None: let libcst visit this type
_RESULTS: dict[type, bool] = {}  # whether `on_leave` may return an object of this type

Result = cst.CSTNode | RemovalSentinel | FlattenSentinel[cst.CSTNode]


def traverse(module: cst.Module, visitor: cst.CSTVisitor | cst.CSTTransformer) -> cst.Module:
    """`module.visit(visitor)`, without rebuilding unchanged nodes."""
    result = _Traversal(visitor).node(module)
    if isinstance(result, RemovalSentinel):  # as `Module.visit` does
        return module.with_changes(body=(), header=(), footer=())
    assert isinstance(result, cst.Module)
    return result


# Whitespace nodes are plain values no rule or metadata look up: one object in two places is fine.
_SHAREABLE = frozenset({cst.SimpleWhitespace, cst.ParenthesizedWhitespace, cst.TrailingWhitespace, cst.Newline,
                        cst.EmptyLine, cst.Comment})


def distinct(module: cst.Module) -> bool:
    """Whether no node object other than whitespace appears twice in the tree (a parsed tree never
    has one; a rule that puts one node in two places makes one)."""
    seen: set[int] = set()
    stack: list[Any] = [module]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind in _SHAREABLE:
            continue
        key = id(node)
        if key in seen:
            return False
        seen.add(key)
        steps = _PLANS[kind] if kind in _PLANS else plan(kind)
        if steps is None:
            stack.extend(node.children)
            continue
        for field, _ in steps:
            value = getattr(node, field)
            if isinstance(value, (tuple, list)):
                stack.extend(value)
            elif value is not None and not isinstance(value, MaybeSentinel):
                stack.append(value)
    return True


def plan(kind: type) -> Plan | None:
    """The fields of `kind` that libcst visits, in its order, with how each is visited; None if
    `kind`'s `_visit_and_replace_children` does something this module does not mirror."""
    if kind not in _PLANS:
        _PLANS[kind] = _read_plan(kind)
    return _PLANS[kind]


class _Traversal:
    def __init__(self, visitor: cst.CSTVisitor | cst.CSTTransformer) -> None:
        self.visitor = visitor
        self.transformer = isinstance(visitor, cst.CSTTransformer)
        self.attributes = _has_attribute_hooks(visitor)

    def node(self, node: cst.CSTNode) -> Result:
        """What `node.visit(visitor)` gives."""
        kind = type(node)
        steps = _PLANS[kind] if kind in _PLANS else plan(kind)
        if steps is None:
            result = node.visit(self.visitor)
            # libcst rebuilt the subtree: keep the old one when nothing in it changed.
            return node if isinstance(result, cst.CSTNode) and result.deep_equals(node) else result
        visitor = self.visitor
        updated = self.children(node, steps) if visitor.on_visit(node) else node
        if not self.transformer:
            cast(cst.CSTVisitor, visitor).on_leave(node)
            return node
        result = cast(cst.CSTTransformer, visitor).on_leave(node, updated)
        allowed = _RESULTS.get(type(result))
        if allowed is None:
            allowed = _RESULTS[type(result)] = isinstance(result, (cst.CSTNode, RemovalSentinel, FlattenSentinel))
        if not allowed:
            raise cst.CSTValidationError("Expected a node of type CSTNode or a RemovalSentinel, "
                                         + f"but got a return value of {type(result).__name__}")
        return result  # type: ignore[no-any-return]

    def children(self, node: cst.CSTNode, steps: Plan) -> cst.CSTNode:
        """`node` with its visited children, or `node` itself when none changed."""
        changes: dict[str, Any] | None = None
        attributes = self.attributes
        for field, how in steps:
            value = getattr(node, field)
            if how == _SEQUENCE_OR_NONE:
                if value is None:
                    continue  # libcst does not visit the field at all, nor call its attribute hooks
                how = _SEQUENCE
            if attributes:
                self.visitor.on_visit_attribute(node, field)
            if how == _NODE_OR_SEQUENCE:
                how = _REQUIRED if isinstance(value, cst.CSTNode) else _SEQUENCE
            if how in (_SEQUENCE, _BODY):
                new = self.sequence(value, how == _BODY)
            elif how == _REQUIRED or (value is not None and not isinstance(value, MaybeSentinel)):
                new = self.node(value)
                if new is not value:
                    new = _single(value, new, how)
            else:
                new = value
            if attributes:
                self.visitor.on_leave_attribute(node, field)
            if new is not value:
                if changes is None:
                    changes = {}
                changes[field] = new
        return node if changes is None else node.with_changes(**changes)

    def sequence(self, items: Any, body: bool) -> Any:
        """The visited items as libcst's `visit_sequence` / `visit_body_sequence` give them, or
        `items` itself when none changed."""
        out: list[cst.CSTNode] | None = None
        for index, child in enumerate(items):
            new = self.node(child)
            if new is child:
                if out is not None:
                    out.append(items[index])  # noqa: PLR1736 (`child`'s type is narrowed by `is`)
                continue
            if out is None:
                out = list(items[:index])
            if isinstance(new, RemovalSentinel):
                continue
            # In a body, a statement that lost all its parts goes too (`visit_body_iterable`).
            parts = new if isinstance(new, FlattenSentinel) else (new,)
            # pylint: disable-next=protected-access  # the test libcst's `visit_body_iterable` makes
            out.extend(part for part in parts if not (body and not child._is_removable() and part._is_removable()))
        return items if out is None else tuple(out)


def _single(old: cst.CSTNode, new: Result, how: int) -> Any:
    """A changed child in a field that holds one node, as libcst's helpers take it."""
    if isinstance(new, FlattenSentinel) or (how == _REQUIRED and isinstance(new, RemovalSentinel)):
        sentinel = "FlattenSentinel" if isinstance(new, FlattenSentinel) else "RemovalSentinel"
        raise TypeError(f"We got a {sentinel} while visiting a {type(old).__name__}. This node's parent does "
                        + ("not allow it to be removed." if sentinel == "RemovalSentinel"
                           else "not allow for it to be it to be replaced with a sequence."))
    if isinstance(new, RemovalSentinel):
        return None if how == _OPTIONAL else MaybeSentinel.DEFAULT
    return new


def _has_attribute_hooks(visitor: cst.CSTVisitor | cst.CSTTransformer) -> bool:
    """Whether the visitor's attribute hooks can do anything (libcst calls them around every
    visited field). A visitor that knows it has none says so with `no_attribute_hooks`."""
    if getattr(visitor, "no_attribute_hooks", False):
        return False
    return _class_has_attribute_hooks(type(visitor))


@functools.cache
def _class_has_attribute_hooks(kind: type) -> bool:
    base = cst.CSTTransformer if issubclass(kind, cst.CSTTransformer) else cst.CSTVisitor
    for name in dir(kind):
        hook = name in ("on_visit_attribute", "on_leave_attribute") or (
            name.startswith(("visit_", "leave_")) and name.count("_") >= 2)
        if hook and getattr(kind, name) is not getattr(base, name, None):
            return True
    return False


def _read_plan(kind: type) -> Plan | None:
    owner = next((c for c in kind.__mro__ if "_visit_and_replace_children" in c.__dict__), None)
    if owner is None or not dataclasses.is_dataclass(kind):
        return None
    source = _method_source(owner.__dict__["_visit_and_replace_children"])
    try:
        function = ast.parse(source).body[0] if source else None
    except (SyntaxError, ValueError, IndexError):
        return None
    returned, aliases = _returned(function)
    if isinstance(returned, ast.Name) and returned.id == "self":
        return ()  # a leaf: libcst gives the node back as it is
    if not (isinstance(returned, ast.Call) and not returned.args and _constructs(returned.func, kind, owner)):
        return None
    return _steps(returned.keywords, {field.name for field in dataclasses.fields(kind)}, aliases)


def _method_source(function: Any) -> str | None:
    """The source of a method defined in a file, dedented. `inspect.getsource` tokenizes to find
    where the method ends (about 1 ms each, 50 ms for the types of one module); this reads the
    lines from the `def` to the first one indented no deeper than it. If that is not the whole
    method, it does not parse, and the type is left to libcst."""
    code = getattr(function, "__code__", None)
    lines = linecache.getlines(code.co_filename) if code is not None else []
    first = code.co_firstlineno - 1 if code is not None else 0
    if first >= len(lines):
        return None
    indent = len(lines[first]) - len(lines[first].lstrip())
    end = first
    while end < len(lines) and not lines[end].split("#", 1)[0].rstrip().endswith(":"):
        end += 1  # the rest of a signature that spans lines
    end += 1
    while end < len(lines):
        line = lines[end]
        if line.strip() and not line.lstrip().startswith("#") and len(line) - len(line.lstrip()) <= indent:
            break
        end += 1
    return textwrap.dedent("".join(lines[first:end]))


def _returned(function: ast.stmt | None) -> tuple[ast.expr | None, dict[str, str]]:
    """What the method returns, and the `names = self.names` aliases set before; (None, {}) if
    it does anything else."""
    if not isinstance(function, ast.FunctionDef):
        return None, {}
    body = list(function.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    aliases: dict[str, str] = {}
    for statement in body[:-1]:
        field = _self_field(statement.value) if isinstance(statement, ast.Assign) else None
        if not (isinstance(statement, ast.Assign) and field and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)):
            return None, {}
        aliases[statement.targets[0].id] = field
    if not body or not isinstance(body[-1], ast.Return):
        return None, {}
    return body[-1].value, aliases


def _steps(keywords: list[ast.keyword], fields: set[str], aliases: dict[str, str]) -> Plan | None:
    """The plan from the constructor's keyword arguments, which must set every field."""
    steps: list[tuple[str, int]] = []
    for keyword in keywords:
        if keyword.arg is None or keyword.arg not in fields:
            return None
        step = _step(keyword.arg, keyword.value, aliases)
        if step is False:
            return None
        if step is not None:
            steps.append((keyword.arg, step))
    if {keyword.arg for keyword in keywords} != fields:
        return None
    return tuple(steps)


def _constructs(func: ast.expr, kind: type, owner: type) -> bool:
    """`Kind(...)` in the class that defines the method, or `self.__class__(...)`."""
    if isinstance(func, ast.Name):
        return func.id == kind.__name__ and owner is kind
    return (isinstance(func, ast.Attribute) and func.attr == "__class__"
            and isinstance(func.value, ast.Name) and func.value.id == "self")


def _self_field(value: ast.expr) -> str | None:
    if isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name) and value.value.id == "self":
        return value.attr
    return None


def _step(field: str, value: ast.expr, aliases: dict[str, str]) -> int | None | bool:
    """How `field` is visited: a kind, None when it is copied as it is, False when unknown."""
    if _self_field(value) == field:
        return None
    if isinstance(value, ast.Call):
        return _helper(field, value, aliases)
    if isinstance(value, ast.IfExp):
        branches = (value.body, value.orelse)
        kinds = [_helper(field, branch, aliases) if isinstance(branch, ast.Call) else None for branch in branches]
        # `visit_sequence(...) if format_spec is not None else None`: a sequence that may be None.
        if _SEQUENCE in kinds and any(isinstance(b, ast.Constant) and b.value is None for b in branches):
            return _SEQUENCE_OR_NONE
        # `visit_required(...) if isinstance(names, ImportStar) else visit_sequence(...)`.
        if set(kinds) == {_REQUIRED, _SEQUENCE} and isinstance(value.test, ast.Call) \
                and isinstance(value.test.func, ast.Name) and value.test.func.id == "isinstance":
            return _NODE_OR_SEQUENCE
    return False


def _helper(field: str, call: ast.Call, aliases: dict[str, str]) -> int | bool:
    if not (isinstance(call.func, ast.Name) and call.func.id in _HELPERS and len(call.args) == 4
            and not call.keywords):
        return False
    parent, name, value, visitor = call.args
    read = _self_field(value) or (aliases.get(value.id) if isinstance(value, ast.Name) else None)
    if not (isinstance(parent, ast.Name) and parent.id == "self" and isinstance(name, ast.Constant)
            and name.value == field and read == field and isinstance(visitor, ast.Name)):
        return False
    return _HELPERS[call.func.id]
