"""Call-argument look-ups and edits that keep the call's layout.

`add_keywords` appends keyword arguments the way the call is already written: one per line in a
call laid out one argument per line (trailing comma and comments kept where they were), inline
otherwise. An inline call that the new arguments would push past the line length is laid out
one argument per line instead, so a fix never creates a `line-too-long`.
"""

from __future__ import annotations

from typing import Sequence

import libcst as cst

_EMPTY = cst.SimpleWhitespace("")
_SPACE = cst.SimpleWhitespace(" ")


def keyword(call: cst.Call, name: str) -> cst.Arg | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def has_star_args(call: cst.Call) -> bool:
    """`*args` or `**kwargs` in the call: any keyword might already be in there."""
    return any(arg.star for arg in call.args)


def positional(call: cst.Call, index: int) -> cst.Arg | None:
    plain = [arg for arg in call.args if arg.keyword is None and not arg.star]
    return plain[index] if len(plain) > index else None


def code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


def new_keyword(name: str, value: cst.BaseExpression) -> cst.Arg:
    return cst.Arg(
        keyword=cst.Name(name),
        value=value,
        equal=cst.AssignEqual(whitespace_before=_EMPTY, whitespace_after=_EMPTY),
    )


def add_keywords(
    call: cst.Call,
    pairs: Sequence[tuple[str, cst.BaseExpression]],
    *,
    source: str,
    original: cst.Call,
    line_length: int,
) -> cst.Call:
    """`call` with `name=value` appended for each pair.

    `original` is the call as the file has it and `source` the file's text, used to find the
    line an inline call sits on (its length and indentation).
    """
    added = [new_keyword(name, value) for name, value in pairs]
    args = list(call.args)
    if _is_multiline(call):
        indent = _argument_indent(call, args, original, source)
        if indent is not None:
            # One argument per line: a long new one gets its own call's arguments one per line.
            added = [_fold(arg, indent, line_length) for arg in added]
        return call.with_changes(args=_append_multiline(call, args, added))
    return within_line(call.with_changes(args=_append_inline(args, added)), original, source=source,
                       line_length=line_length)


def within_line(new: cst.Call, original: cst.Call, *, source: str, line_length: int) -> cst.Call:
    """`new` (a changed single-line `original`), laid out one argument per line when the change
    would push the line past `line_length` (a line already too long is left as it is)."""
    line = _line_of(original, source)
    if line is None or "\n" in code(new):
        return new
    growth = len(code(new)) - len(code(original))
    if len(line.rstrip("\r\n")) + growth <= line_length or len(line.rstrip("\r\n")) > line_length:
        return new
    indent = line[: len(line) - len(line.lstrip())]
    return explode(new, indent)


def explode(call: cst.Call, indent: str) -> cst.Call:
    """The call with one argument per line, arguments at `indent` + 4, `)` at `indent`."""
    inner = _line_break(indent + "    ")
    args = [
        arg.with_changes(comma=cst.Comma(whitespace_after=inner if i < len(call.args) - 1 else _line_break(indent)),
                         whitespace_after_arg=_EMPTY)
        for i, arg in enumerate(call.args)
    ]
    return call.with_changes(whitespace_before_args=inner, args=args)


def _argument_indent(call: cst.Call, args: list[cst.Arg], original: cst.Call, source: str) -> str | None:
    """The absolute indentation of the arguments of a call laid out one per line (None: unknown)."""
    found = _separator(call, args) if args else None
    if not isinstance(found, cst.ParenthesizedWhitespace):
        return None
    if not found.indent:
        return found.last_line.value
    # Relative to the enclosing block: the indentation of the line the call starts on.
    first = code(original).split("\n", 1)[0]
    line = next((line for line in source.splitlines() if first in line), None)
    return None if line is None else line[: len(line) - len(line.lstrip())] + found.last_line.value


def _fold(arg: cst.Arg, indent: str, line_length: int) -> cst.Arg:
    if len(indent) + len(code(arg)) + 1 <= line_length or not isinstance(arg.value, cst.Call) or not arg.value.args:
        return arg
    return arg.with_changes(value=explode(arg.value, indent))


def _line_break(last_line: str) -> cst.ParenthesizedWhitespace:
    return cst.ParenthesizedWhitespace(
        first_line=cst.TrailingWhitespace(), empty_lines=[], indent=False, last_line=cst.SimpleWhitespace(last_line)
    )


def _is_multiline(call: cst.Call) -> bool:
    if isinstance(call.whitespace_before_args, cst.ParenthesizedWhitespace):
        return True
    for arg in call.args:
        if isinstance(arg.whitespace_after_arg, cst.ParenthesizedWhitespace):
            return True
        if isinstance(arg.comma, cst.Comma) and isinstance(arg.comma.whitespace_after, cst.ParenthesizedWhitespace):
            return True
    return False


def _append_inline(args: list[cst.Arg], added: list[cst.Arg]) -> list[cst.Arg]:
    if not args:
        return [a.with_changes(comma=cst.Comma(whitespace_after=_SPACE)) for a in added[:-1]] + added[-1:]
    last = args[-1]
    trailing = last.comma if isinstance(last.comma, cst.Comma) else None
    head = [*args[:-1], last.with_changes(comma=cst.Comma(whitespace_after=_SPACE), whitespace_after_arg=_EMPTY)]
    tail = [a.with_changes(comma=cst.Comma(whitespace_after=_SPACE)) for a in added[:-1]]
    final = added[-1].with_changes(whitespace_after_arg=last.whitespace_after_arg)
    if trailing is not None:
        final = final.with_changes(comma=trailing)
    return head + tail + [final]


def _append_multiline(call: cst.Call, args: list[cst.Arg], added: list[cst.Arg]) -> list[cst.Arg]:
    if not args:
        return _append_inline(args, added)
    separator = _separator(call, args)
    last = args[-1]
    if isinstance(last.comma, cst.Comma):
        closing = last.comma.whitespace_after
        last_new = last.with_changes(comma=last.comma.with_changes(whitespace_after=_continue(closing, separator)))
        final_comma: cst.Comma | cst.MaybeSentinel = cst.Comma(whitespace_after=_restart(closing))
        final_after = last.whitespace_after_arg
    else:
        closing = last.whitespace_after_arg
        last_new = last.with_changes(comma=cst.Comma(whitespace_after=_continue(closing, separator)),
                                     whitespace_after_arg=_EMPTY)
        final_comma = cst.MaybeSentinel.DEFAULT
        final_after = _restart(closing)
    middle = [a.with_changes(comma=cst.Comma(whitespace_after=separator)) for a in added[:-1]]
    final = added[-1].with_changes(comma=final_comma, whitespace_after_arg=final_after)
    return [*args[:-1], last_new, *middle, final]


def _separator(call: cst.Call, args: list[cst.Arg]) -> cst.BaseParenthesizableWhitespace:
    # What sits between the last two arguments; for a single argument, what precedes it.
    if len(args) >= 2 and isinstance(args[-2].comma, cst.Comma):
        found = args[-2].comma.whitespace_after
    else:
        found = call.whitespace_before_args
    if isinstance(found, cst.ParenthesizedWhitespace):
        # Only the line break and indentation: a comment belongs to the argument it follows.
        return found.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[])
    return found if isinstance(found, cst.SimpleWhitespace) and found.value else _SPACE


def _continue(closing: cst.BaseParenthesizableWhitespace,
              separator: cst.BaseParenthesizableWhitespace) -> cst.BaseParenthesizableWhitespace:
    """The whitespace after the old last argument: its own comment, then the separator's indent."""
    if isinstance(closing, cst.ParenthesizedWhitespace) and isinstance(separator, cst.ParenthesizedWhitespace):
        return separator.with_changes(first_line=closing.first_line, empty_lines=closing.empty_lines)
    return separator


def _restart(closing: cst.BaseParenthesizableWhitespace) -> cst.BaseParenthesizableWhitespace:
    """The whitespace before `)` after the new last argument (the old one's comment stays put)."""
    if isinstance(closing, cst.ParenthesizedWhitespace):
        return closing.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[])
    return closing


def _line_of(call: cst.Call, source: str) -> str | None:
    """The longest source line holding this single-line call's text (None: a multi-line call)."""
    text = code(call)
    if "\n" in text:
        return None
    lines = [line for line in source.splitlines(keepends=True) if text in line]
    return max(lines, key=len) if lines else None
