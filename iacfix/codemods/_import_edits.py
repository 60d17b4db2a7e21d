"""Edits of import statements that keep the user's layout: names dropped from or added to a
`from m import (...)` list with its commas, comments and parentheses tidy, and statements removed
from or inserted into a block."""

from __future__ import annotations

from typing import Iterator, Sequence

import libcst as cst


def dotted(node: cst.BaseExpression | None) -> str | None:
    """`a.b.c` for a Name/Attribute chain, else None."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None


def expression(path: str) -> cst.Name | cst.Attribute:
    """The expression for a dotted path."""
    head, *rest = path.split(".")
    node: cst.Name | cst.Attribute = cst.Name(head)
    for part in rest:
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node


def import_statements(
    body: Sequence[cst.CSTNode], top: cst.CSTNode | None = None
) -> Iterator[tuple[cst.SimpleStatementLine, cst.Import | cst.ImportFrom, cst.CSTNode]]:
    """Every import statement in a block and the blocks nested in it, with the line holding it
    and the top-level statement around it. Walks statements only, never expressions."""
    for statement in body:
        outer = top or statement
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, (cst.Import, cst.ImportFrom)):
                    yield statement, small, outer
        elif isinstance(statement, cst.BaseCompoundStatement):
            for block in _blocks(statement):
                yield from import_statements(block, outer)


def _blocks(statement: cst.CSTNode) -> Iterator[Sequence[cst.CSTNode]]:
    for child in statement.children:
        if isinstance(child, cst.IndentedBlock):
            yield child.body
        elif isinstance(child, (cst.SimpleStatementSuite, cst.Decorator)):
            continue
        elif isinstance(child, (cst.BaseCompoundStatement, cst.Else, cst.ExceptHandler, cst.ExceptStarHandler,
                                cst.Finally, cst.MatchCase)):
            yield from _blocks(child)


def alias_name(alias: cst.ImportAlias) -> str:
    return dotted(alias.name) or ""


def local_name(alias: cst.ImportAlias) -> str:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return alias_name(alias).partition(".")[0]


def new_alias(name: str, asname: str | None = None) -> cst.ImportAlias:
    return cst.ImportAlias(
        name=cst.Name(name),
        asname=cst.AsName(name=cst.Name(asname)) if asname and asname != name else None,
    )


def from_import_line(module: str, aliases: Sequence[cst.ImportAlias]) -> cst.SimpleStatementLine:
    names = [a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in aliases]
    names = [a.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))) for a in names[:-1]] + names[-1:]
    return cst.SimpleStatementLine(body=[cst.ImportFrom(module=expression(module), names=names)])


def without_names(node: cst.ImportFrom, drop: set[int]) -> cst.ImportFrom:
    """`node` without the names at the positions in `drop` (at least one name must stay).

    A comment after a dropped name goes with it; a comment after the name that becomes the last
    one stays, as does a trailing comma the list had.
    """
    assert not isinstance(node.names, cst.ImportStar)
    names = list(node.names)
    kept = [alias for i, alias in enumerate(names) if i not in drop]
    assert kept, "a from-import cannot lose every name"
    if len(names) - 1 not in drop:
        return _unwrapped(node, node.with_changes(names=kept))
    last, removed = kept[-1], names[-1]
    rpar = node.rpar
    if isinstance(removed.comma, cst.Comma):
        comma = last.comma if isinstance(last.comma, cst.Comma) else cst.Comma()
        new_comma: cst.Comma | cst.MaybeSentinel = comma.with_changes(
            whitespace_after=_join(comma.whitespace_after, removed.comma.whitespace_after))
    elif isinstance(last.comma, cst.Comma) and _has_comment(last.comma.whitespace_after) and rpar is not None:
        # Keep the comment on the new last line: end it with a trailing comma, `)` on its own line.
        after = last.comma.whitespace_after
        assert isinstance(after, cst.ParenthesizedWhitespace)
        closing = rpar.whitespace_before
        indent = closing.last_line if isinstance(closing, cst.ParenthesizedWhitespace) else cst.SimpleWhitespace("")
        new_comma = last.comma.with_changes(whitespace_after=after.with_changes(empty_lines=[], last_line=indent))
        rpar = rpar.with_changes(whitespace_before=cst.SimpleWhitespace(""))
    else:
        new_comma = cst.MaybeSentinel.DEFAULT
    kept[-1] = last.with_changes(comma=new_comma)
    return _unwrapped(node, node.with_changes(names=kept, rpar=rpar))


def _unwrapped(before: cst.ImportFrom, after: cst.ImportFrom) -> cst.ImportFrom:
    """Without the parentheses that only served to span lines, once the list fits on one line."""
    if after.lpar is None or not _multiline(before) or _multiline(after):
        return after
    return after.with_changes(lpar=None, rpar=None)


def _multiline(node: cst.ImportFrom) -> bool:
    code = cst.Module(body=[]).code_for_node(node)
    return "\n" in code


def with_name(node: cst.ImportFrom, alias: cst.ImportAlias) -> cst.ImportFrom:
    """`node` with one more name: in order when the list is sorted, else at the end."""
    assert not isinstance(node.names, cst.ImportStar)
    names = list(node.names)
    keys = [alias_name(a) for a in names]
    new_key = alias_name(alias)
    position = len(names)
    for key in (str, str.lower):
        ordered = [key(k) for k in keys]
        if ordered == sorted(ordered):
            position = sum(1 for k in ordered if k < key(new_key))
            break
    separator = _separator(node, position)
    if position < len(names):
        names.insert(position, alias.with_changes(comma=separator))
    else:
        last = names[-1]
        if isinstance(last.comma, cst.Comma):
            joined = last.comma.with_changes(whitespace_after=_join(last.comma.whitespace_after,
                                                                    separator.whitespace_after))
            names[-1] = last.with_changes(comma=joined)
            names.append(alias.with_changes(comma=last.comma.with_changes(
                whitespace_after=_without_comment(last.comma.whitespace_after))))
        else:
            names[-1] = last.with_changes(comma=separator)
            names.append(alias.with_changes(comma=cst.MaybeSentinel.DEFAULT))
    return node.with_changes(names=names)


def _separator(node: cst.ImportFrom, position: int) -> cst.Comma:
    """The comma-and-whitespace that separates two names of this list near `position` (the layout
    can differ along the list: `App, Stack,` on one line, then one name per line), without comments."""
    assert not isinstance(node.names, cst.ImportStar)
    names = node.names
    near = min(max(position - 1, 0), len(names) - 2)
    comma = names[near].comma if near >= 0 else None
    if isinstance(comma, cst.Comma):
        return comma.with_changes(whitespace_after=_without_comment(comma.whitespace_after))
    if node.lpar is not None and isinstance(node.lpar.whitespace_after, cst.ParenthesizedWhitespace):
        opening = node.lpar.whitespace_after
        return cst.Comma(whitespace_after=cst.ParenthesizedWhitespace(indent=opening.indent,
                                                                      last_line=opening.last_line))
    return cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def _has_comment(whitespace: cst.BaseParenthesizableWhitespace) -> bool:
    return isinstance(whitespace, cst.ParenthesizedWhitespace) and whitespace.first_line.comment is not None


def _without_comment(whitespace: cst.BaseParenthesizableWhitespace) -> cst.BaseParenthesizableWhitespace:
    if isinstance(whitespace, cst.ParenthesizedWhitespace):
        return whitespace.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[])
    return whitespace


def _join(first: cst.BaseParenthesizableWhitespace,
          then: cst.BaseParenthesizableWhitespace) -> cst.BaseParenthesizableWhitespace:
    """The end of `first`'s line (its comment) followed by `then`'s next line and indentation."""
    if isinstance(first, cst.ParenthesizedWhitespace):
        if isinstance(then, cst.ParenthesizedWhitespace):
            return then.with_changes(first_line=first.first_line)
        return first.with_changes(empty_lines=[], last_line=cst.SimpleWhitespace(""))
    return then


class BodyEdits:
    """Statements to remove from, or insert after, a block's statements, found by identity.

    A rule marks the node it returns from `leave_SimpleStatementLine`, and applies the edits in
    `leave_IndentedBlock` / `leave_Module`. A statement another rule replaced meanwhile is not
    found and stays as it is (the marking rule left it valid); `unapplied` says so, and the rule
    then defers to the next pass.
    """

    def __init__(self) -> None:
        self.removed: set[int] = set()
        self.replaced: dict[int, list[cst.BaseStatement]] = {}
        self._keep: list[cst.CSTNode] = []  # keeps the ids above valid
        self._applied: set[int] = set()

    def __bool__(self) -> bool:
        return bool(self.removed or self.replaced)

    @property
    def unapplied(self) -> bool:
        """Some marked statement was not found in any block `apply` saw."""
        return bool((self.removed | self.replaced.keys()) - self._applied)

    def remove(self, statement: cst.BaseStatement) -> None:
        self._keep.append(statement)
        self.removed.add(id(statement))

    def replace(self, statement: cst.BaseStatement, by: list[cst.BaseStatement]) -> None:
        self._keep.append(statement)
        self.replaced[id(statement)] = by

    def apply(self, body: Sequence[cst.BaseStatement]) -> tuple[list[cst.BaseStatement], list[cst.EmptyLine]]:
        """The new statements, and comment lines left over at the end of the block."""
        out: list[cst.BaseStatement] = []
        carried: list[cst.EmptyLine] = []
        for statement in body:
            if id(statement) in self.removed:
                self._applied.add(id(statement))
                carried.extend(_comment_lines(statement))
                continue
            if id(statement) in self.replaced:
                self._applied.add(id(statement))
            for new in self.replaced.get(id(statement), [statement]):
                if carried and isinstance(new, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                    new = new.with_changes(leading_lines=[*carried, *new.leading_lines])
                    carried = []
                out.append(new)
        return out, carried


def _comment_lines(statement: cst.BaseStatement) -> list[cst.EmptyLine]:
    """The lines above a removed statement that hold a comment: they may be about what follows.
    (A comment at the end of the statement's own line is about it, and goes with it.)"""
    if not isinstance(statement, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
        return []
    return [line for line in statement.leading_lines if line.comment is not None]
