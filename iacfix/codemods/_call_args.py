"""Edits of a call's argument list that keep its layout: keyword arguments appended to a call,
or dropped from one, with the commas (and a trailing comma before `)`) where they were."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst


def keyword_arg(name: str, value: cst.BaseExpression) -> cst.Arg:
    # A new `=` each time: one node object in two places makes the engine parse the fixed text
    # again for the next pass (`_traverse.distinct`).
    return cst.Arg(keyword=cst.Name(name), value=value,
                   equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")))


def with_args(call: cst.Call, new: Sequence[cst.Arg]) -> cst.Call:
    """`call` with `new` appended, separated as the call separates its arguments."""
    args = list(call.args)
    if not new:
        return call
    if not args:
        return call.with_changes(args=_joined(list(new), _separator(call)))
    separator = _separator(call)
    last = args[-1]
    args[-1] = last.with_changes(comma=separator, whitespace_after_arg=cst.SimpleWhitespace(""))
    added = [arg.with_changes(comma=separator) for arg in new]
    # The new last argument ends the list as the old one did (`)` on its own line, a trailing comma).
    added[-1] = added[-1].with_changes(comma=last.comma, whitespace_after_arg=last.whitespace_after_arg)
    return call.with_changes(args=[*args, *added])


def without_args(call: cst.Call, drop: set[int]) -> cst.Call:
    """`call` without the arguments at the positions in `drop`; the new last argument takes the
    old last one's comma (a trailing comma and the line break before `)`)."""
    args = list(call.args)
    kept = [arg for i, arg in enumerate(args) if i not in drop]
    if kept and len(args) - 1 in drop:
        kept[-1] = kept[-1].with_changes(comma=args[-1].comma, whitespace_after_arg=args[-1].whitespace_after_arg)
    return call.with_changes(args=kept)


def _joined(args: list[cst.Arg], separator: cst.Comma) -> list[cst.Arg]:
    return [arg.with_changes(comma=separator) for arg in args[:-1]] + [args[-1]]


def _separator(call: cst.Call) -> cst.Comma:
    """The comma and whitespace between two arguments of `call`, without comments."""
    args = call.args
    comma = args[-2].comma if len(args) >= 2 else None
    if isinstance(comma, cst.Comma):
        return comma.with_changes(whitespace_after=_plain(comma.whitespace_after))
    if isinstance(call.whitespace_before_args, cst.ParenthesizedWhitespace):
        return cst.Comma(whitespace_after=_plain(call.whitespace_before_args))
    return cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def _plain(whitespace: cst.BaseParenthesizableWhitespace) -> cst.BaseParenthesizableWhitespace:
    if isinstance(whitespace, cst.ParenthesizedWhitespace):
        return whitespace.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[])
    return whitespace


def exploded(call: cst.Call, indent: int) -> cst.Call:
    """`call` with one argument per line at `indent` + 4 columns, a trailing comma, and `)` on
    its own line at `indent` (columns counted from the start of the line)."""
    if not call.args:
        return call
    inner = cst.ParenthesizedWhitespace(indent=False, last_line=cst.SimpleWhitespace(" " * (indent + 4)))
    closing = cst.ParenthesizedWhitespace(indent=False, last_line=cst.SimpleWhitespace(" " * indent))
    args = [arg.with_changes(comma=cst.Comma(whitespace_after=inner), whitespace_after_arg=cst.SimpleWhitespace(""))
            for arg in call.args]
    args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=closing))
    return call.with_changes(whitespace_before_args=inner, args=args)


def one_line(node: cst.CSTNode) -> str | None:
    """The code of `node` when it is on one line, else None."""
    text = cst.Module(body=[]).code_for_node(node)
    return None if "\n" in text else text
