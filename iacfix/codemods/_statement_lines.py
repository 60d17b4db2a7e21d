"""Statements as lines: render one at its indentation, swap nodes in it by identity."""

from __future__ import annotations

from typing import Any, Mapping

import libcst as cst


def render_lines(node: cst.CSTNode, indent: str) -> list[str]:
    """The lines of a statement (or of a compound statement's header only) as they read when
    the statement is indented by `indent`, without its leading comment and blank lines."""
    if isinstance(node, cst.SimpleStatementLine):
        statement: cst.BaseStatement = node.with_changes(leading_lines=())
        header = False
    else:
        changes: dict[str, Any] = {"leading_lines": (),
                                   "body": cst.IndentedBlock([cst.SimpleStatementLine([cst.Pass()])])}
        if isinstance(node, cst.FunctionDef):
            changes["decorators"] = ()
        if isinstance(node, (cst.For, cst.If, cst.While)):
            changes["orelse"] = None
        statement = node.with_changes(**changes)  # type: ignore[assignment]
        header = True
    if indent:
        # Inside a block indented by `indent`, continuation lines get the same indentation as in the file.
        module = cst.Module(body=[cst.If(test=cst.Name("_"), body=cst.IndentedBlock([statement], indent=indent))])
        lines = module.code.split("\n")[1:]
    else:
        lines = cst.Module(body=[statement]).code.split("\n")
    lines = lines[:-1]  # the text after the last newline
    return lines[:-1] if header else lines


def replace_nodes(root: cst.CSTNode, replacements: Mapping[int, cst.CSTNode]) -> cst.CSTNode:
    """`root` with each node whose `id()` is a key replaced by its value (nodes of `root` itself)."""
    return root.visit(_Replacer(replacements))  # type: ignore[return-value]


class _Replacer(cst.CSTTransformer):
    def __init__(self, mapping: Mapping[int, cst.CSTNode]) -> None:
        super().__init__()
        self.mapping = mapping

    def on_visit(self, node: cst.CSTNode) -> bool:
        return id(node) not in self.mapping

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> Any:
        return self.mapping.get(id(original_node), updated_node)


def comments(root: cst.CSTNode) -> list[cst.Comment]:
    found: list[cst.Comment] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Comment):
            found.append(node)
        stack.extend(node.children)
    return found
