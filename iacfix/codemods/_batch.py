"""One libcst traversal that drives every selected rule (instead of one traversal per rule)."""

from __future__ import annotations

import functools
from collections import defaultdict
from typing import Callable, Sequence

import libcst as cst

from iacfix.codemods._context import FileContext
from iacfix.codemods._rule import Rule
from iacfix.codemods._traverse import traverse

_BASE = cst.CSTTransformer


class RuleCrash(Exception):
    """A rule raised while visiting; carries the rule so the engine can drop just that one."""

    def __init__(self, rule: type[Rule], error: BaseException) -> None:
        super().__init__(f"{rule.CODE}: {type(error).__name__}: {error}")
        self.rule = rule
        self.error = error


def _hooks(rules: Sequence[Rule], prefix: str) -> dict[str, list[Callable[..., object]]]:
    table: dict[str, list[Callable[..., object]]] = defaultdict(list)
    for rule in rules:
        for name in _hook_names(type(rule), prefix):
            table[name[len(prefix):]].append(getattr(rule, name))
    return dict(table)


@functools.lru_cache(maxsize=None)
def _hook_names(rule: type[Rule], prefix: str) -> tuple[str, ...]:
    # `dir()` of a transformer class lists hundreds of names: look once per class, not per file.
    return tuple(name for name in dir(rule) if name.startswith(prefix)
                 and callable(getattr(rule, name)) and getattr(rule, name) is not getattr(_BASE, name, None))


_STATEMENTS = (cst.SimpleStatementLine, cst.BaseCompoundStatement)
_NONE: tuple[Callable[..., object], ...] = ()


class BatchTransformer(cst.CSTTransformer):
    """Dispatches each node to the rules that handle its type, chaining `leave_*` results.

    `visit_*` return values are ignored: children are always visited, since another rule may
    want them. A `leave_*` that changes the node's type ends the chain for that node. `changed`
    says whether any hook replaced a node: if none did, the tree is the one it was given.

    libcst calls `on_visit`/`on_leave` for every node and the attribute hooks for every field:
    the hooks of a node type are looked up once per type, and the attribute hooks are skipped
    outright when no rule has one.
    """

    def __init__(self, rules: Sequence[Rule], context: FileContext) -> None:
        super().__init__()
        self._rules = rules
        self._context = context
        self._visit = _hooks(rules, "visit_")
        self._leave = _hooks(rules, "leave_")
        self.changed = False  # a `leave_*` hook returned another node than it was given
        self._last_change: type[Rule] | None = None  # the rule of the hook that did so last
        # type -> (is a statement, its visit hooks, its leave hooks)
        self._table: dict[type, tuple[bool, tuple[Callable[..., object], ...], tuple[Callable[..., object], ...]]] = {}
        self.no_attribute_hooks = not any("_" in name for name in (*self._visit, *self._leave))
        if self.no_attribute_hooks:
            self.on_visit_attribute = self.on_leave_attribute = _no_attribute_hooks  # type: ignore[method-assign]

    def _entry(self, kind: type) -> tuple[bool, tuple[Callable[..., object], ...], tuple[Callable[..., object], ...]]:
        name = kind.__name__
        entry = self._table[kind] = (issubclass(kind, _STATEMENTS), tuple(self._visit.get(name, _NONE)),
                                     tuple(self._leave.get(name, _NONE)))
        return entry

    def on_visit(self, node: cst.CSTNode) -> bool:
        kind = type(node)
        statement, visit, _ = self._table.get(kind) or self._entry(kind)
        if statement:
            self._context.statement_stack.append(node)
        for hook in visit:
            _call(hook, node)
        return True

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> object:
        kind = type(original_node)
        statement, _, leave = self._table.get(kind) or self._entry(kind)
        node: object = updated_node
        for hook in leave:
            result = _call(hook, original_node, node)
            if result is not node:
                self.changed = True
                self._last_change = type(hook.__self__)  # type: ignore[attr-defined]
            node = result
            if type(node) is not kind:
                break
        if statement:
            self._context.statement_stack.pop()
        return node

    def run(self, module: cst.Module) -> cst.Module:
        """The rules' pass over `module`. A node a hook returned that its place cannot take (not a
        node, a removal where one is required) fails right after that hook returned it: the
        rule whose hook replaced a node last is the one to blame, as for an exception inside it."""
        try:
            return traverse(module, self)
        except (TypeError, cst.CSTValidationError) as error:
            if self._last_change is None:
                raise
            raise RuleCrash(self._last_change, error) from error

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        for hook in self._visit.get(f"{type(node).__name__}_{attribute}", ()):
            _call(hook, node)

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        for hook in self._leave.get(f"{type(original_node).__name__}_{attribute}", ()):
            _call(hook, original_node)


def _no_attribute_hooks(node: cst.CSTNode, attribute: str) -> None:
    return None


def _call(hook: Callable[..., object], *args: object) -> object:
    try:
        return hook(*args)
    except (RuleCrash, RecursionError):
        raise  # a RecursionError is the file's depth, not the rule's bug: the engine reports it
    except Exception as error:  # the engine boundary: one rule's bug must not sink the file
        raise RuleCrash(type(hook.__self__), error) from error  # type: ignore[attr-defined]
