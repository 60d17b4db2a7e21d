"""IAC301 logging-fstring: a logging call that formats its message eagerly."""

from __future__ import annotations

import ast
import re
import string
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import libcst as cst

from iacfix.codemods._percent import NoExactSpec, percent_spec
from iacfix.codemods._rule import FixSafety, Rule, Severity

if TYPE_CHECKING:
    from iacfix.codemods._context import FileContext

_LEVEL_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal"})
_LOGGER_NAME = re.compile(r"_*(?:\w+_)?(?:logger|log)_?", re.IGNORECASE)
# A message built before the call: an f-string, `.format(`, or a string followed by `%` or `+`.
_EAGER = re.compile(r"""\b[fF][rRbB]?["']|\.format\s*\(|["']\s*[%+]""")


class LoggingFstring(Rule):
    """Logging calls that build their message before logging decides to log it.

    ## What it does
    Finds logging calls whose message is an f-string, a `"...".format(...)` call or a `"..." % args`
    expression, and passes the values as arguments with lazy `%` placeholders instead.

    ## Why it matters
    The message is formatted even when the level is disabled, and the QA gate's pylint fails on
    W1203 (logging-fstring-interpolation), W1202 and W1201. The failure analyses rate it High.

    ## Example
    ```python
    import logging

    logger = logging.getLogger(__name__)
    logger.info(f"Stored price for {symbol} at {ts!r}, change {pct:.2f}%")
    ```

    ## After the fix
    ```python
    import logging

    logger = logging.getLogger(__name__)
    logger.info("Stored price for %s at %r, change %.2f%%", symbol, ts, pct)
    ```

    ## Fix safety
    Safe: `!r`, `!s`, `!a`, `{x=}` and format specs are mapped only where the `%` form renders
    exactly the same text; a literal `%` is doubled. A spec with no exact equivalent (`,`,
    `%Y-%m-%d`, a nested `{width}`, `^` centring) leaves the call unchanged and is reported.
    `"..." % value` with a single value that is not a tuple or dict literal is an unsafe fix:
    if the value were a tuple at run time, the lazy form would render it differently.

    ## Known limits
    A width-only spec such as `{flag:>10}` renders a `bool` as `1` with `format` but as `True`
    with `%10s`.

    ## References
    https://docs.python.org/3/howto/logging.html#optimization
    """

    CODE = "IAC301"
    NAME = "logging-fstring"
    SUMMARY = "logging message formatted eagerly (f-string, .format, %)"
    SEVERITY = Severity.HIGH
    FIX_SAFETY = FixSafety.SAFE
    PYLINT = (
        "logging-fstring-interpolation", "W1203",
        "logging-format-interpolation", "W1202",
        "logging-not-lazy", "W1201",
    )
    TRIGGERS = re.compile(
        r"\.(?:debug|info|warning|warn|error|exception|critical|fatal|log)\s*\(",
    )
    REFERENCE = "https://docs.python.org/3/howto/logging.html#optimization"

    @classmethod
    def touched_by(cls, lines: str, context: FileContext) -> bool:
        # A logging call gives work only with a message built eagerly (`_EAGER`); a fixed call
        # (`"x %s", y`) has none of these.
        return cls.TRIGGERS.search(lines) is not None and _EAGER.search(lines) is not None

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        position = _message_position(original_node)
        if position is None:
            return updated_node
        message = original_node.args[position].value
        kind = _kind(message)
        if kind is None:
            return updated_node
        what = {
            "fstring": "an f-string",
            "format": "`str.format`",
            "percent": "the `%` operator",
        }[kind]
        problem = f"logging call formats its message with {what}"
        new_args = updated_node.args
        if any(arg.star or arg.keyword is not None for arg in new_args[: position + 1]) or any(
            arg.keyword is None for arg in new_args[position + 1 :]
        ):
            # Extra positional arguments would be %-applied to the formatted text at run time.
            self.report(original_node, f"{problem} (not auto-fixable: it also passes positional arguments)",
                        fixable=False)
            return updated_node
        try:
            lazy = _convert(new_args[position].value)
        except _Unfixable as reason:
            self.report(original_node, f"{problem} (not auto-fixable: {reason})", fixable=False)
            return updated_node
        safety = FixSafety.SAFE if lazy.safe else FixSafety.UNSAFE
        if not self.report(original_node, problem, fix_safety=safety):
            return updated_node
        return updated_node.with_changes(args=_splice(new_args, position, lazy))


@dataclass
class _Lazy:
    template: cst.BaseExpression
    values: list[cst.BaseExpression]
    safe: bool = True


class _Unfixable(Exception):
    pass


def _message_position(call: cst.Call) -> int | None:
    func = call.func
    if not isinstance(func, cst.Attribute):
        return None
    method = func.attr.value
    if method not in _LEVEL_METHODS and method != "log":
        return None
    if not _is_logger(func.value):
        return None
    position = 1 if method == "log" else 0
    positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
    if len(positional) <= position or call.args[position] is not positional[position]:
        return None
    return position


def _is_logger(receiver: cst.BaseExpression) -> bool:
    if isinstance(receiver, cst.Name):
        return receiver.value == "logging" or _LOGGER_NAME.fullmatch(receiver.value) is not None
    if isinstance(receiver, cst.Attribute):
        return _LOGGER_NAME.fullmatch(receiver.attr.value) is not None
    if isinstance(receiver, cst.Call):
        # logging.getLogger(...).info(...)
        func = receiver.func
        return (
            isinstance(func, cst.Attribute)
            and func.attr.value == "getLogger"
            and isinstance(func.value, cst.Name)
            and func.value.value == "logging"
        )
    return False


def _kind(message: cst.BaseExpression) -> str | None:
    if isinstance(message, (cst.FormattedString, cst.ConcatenatedString)):
        parts = _string_parts(message)
        if parts and any(isinstance(p, cst.FormattedString) for p in parts):
            return "fstring"
        return None
    if (
        isinstance(message, cst.Call)
        and isinstance(message.func, cst.Attribute)
        and message.func.attr.value == "format"
        and _plain_literal(message.func.value) is not None
    ):
        return "format"
    if isinstance(message, cst.BinaryOperation) and isinstance(message.operator, cst.Modulo):
        if _plain_literal(message.left) is not None:
            return "percent"
    return None


def _string_parts(node: cst.BaseExpression) -> list[cst.SimpleString | cst.FormattedString] | None:
    if isinstance(node, cst.ConcatenatedString):
        left, right = _string_parts(node.left), _string_parts(node.right)
        return None if left is None or right is None else left + right
    if isinstance(node, (cst.SimpleString, cst.FormattedString)):
        if "b" in _prefix(node).lower():
            return None
        return [node]
    return None


def _prefix(node: cst.SimpleString | cst.FormattedString) -> str:
    return node.prefix if isinstance(node, cst.SimpleString) else node.start[: -len(node.quote)]


def _plain_literal(node: cst.BaseExpression) -> str | None:
    """The value of a plain (non-f, non-bytes) string literal or implicit concatenation of them."""
    parts = _string_parts(node) if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)) else None
    if not parts or not all(isinstance(p, cst.SimpleString) for p in parts):
        return None
    return "".join(str(ast.literal_eval(p.value)) for p in parts)  # type: ignore[union-attr]


# --- conversion ----------------------------------------------------------------------------


def _convert(message: cst.BaseExpression) -> _Lazy:
    if isinstance(message, (cst.FormattedString, cst.ConcatenatedString)):
        return _from_fstring(message)
    if isinstance(message, cst.Call):
        return _from_format_call(message)
    assert isinstance(message, cst.BinaryOperation)
    return _from_percent(message)


def _from_fstring(message: cst.BaseExpression) -> _Lazy:
    values: list[cst.BaseExpression] = []
    pieces: list[tuple[cst.SimpleString | cst.FormattedString, list[tuple[str, object]]]] = []
    for part in _string_parts(message) or []:
        if isinstance(part, cst.SimpleString):
            pieces.append((part, [("text", part.raw_value)]))
            continue
        chunks: list[tuple[str, object]] = []
        for item in part.parts:
            if isinstance(item, cst.FormattedStringText):
                chunks.append(("text", item.value.replace("{{", "{").replace("}}", "}")))
                continue
            directive, debug_text = _directive(item)
            if debug_text is not None:
                if part.quote[0] in debug_text or "\\" in debug_text or "\n" in debug_text:
                    raise _Unfixable("a `{x=}` expression text that cannot be copied into the literal")
                chunks.append(("text", debug_text))
            chunks.append(("spec", directive))
            values.append(_as_argument(item.expression))
        pieces.append((part, chunks))
    has_args = bool(values)
    strings = []
    for original, chunks in pieces:
        body = "".join(
            (value.replace("%", "%%") if has_args else value) if kind == "text" else str(value)
            for kind, value in chunks
        )
        prefix = _prefix(original).replace("f", "").replace("F", "")
        quote = original.quote
        strings.append(cst.SimpleString(f"{prefix}{quote}{body}{quote}"))
    return _Lazy(_rebuild(message, iter(strings)), values)


def _directive(item: cst.FormattedStringExpression) -> tuple[str, str | None]:
    spec = ""
    if item.format_spec:
        if any(not isinstance(p, cst.FormattedStringText) for p in item.format_spec):
            raise _Unfixable("a format spec with a nested `{...}` field")
        spec = "".join(p.value for p in item.format_spec)  # type: ignore[union-attr]
    conversion = item.conversion
    debug_text = None
    if item.equal is not None:
        equal = item.equal
        debug_text = (
            _code(item.whitespace_before_expression)
            + _code(item.expression)
            + _code(item.whitespace_after_expression)
            + _code(equal.whitespace_before)
            + "="
            + _code(equal.whitespace_after)
        )
        # `{x=}` renders repr(x) unless a conversion or a spec says otherwise.
        if conversion is None and not spec:
            conversion = "r"
    return _percent(spec, conversion), debug_text


def _percent(spec: str, conversion: str | None) -> str:
    try:
        return percent_spec(spec, conversion)
    except NoExactSpec as reason:
        shown = f"`{spec}`" if spec else f"`!{conversion}`"
        raise _Unfixable(f"format spec {shown} has no exact `%` equivalent ({reason})") from None


def _rebuild(node: cst.BaseExpression, strings: object) -> cst.BaseExpression:
    """The same implicit concatenation (same whitespace between parts) with new parts."""
    if isinstance(node, cst.ConcatenatedString):
        left = _rebuild(node.left, strings)
        right = _rebuild(node.right, strings)
        return node.with_changes(left=left, right=right)
    new = next(strings)  # type: ignore[call-overload]
    return new.with_changes(lpar=node.lpar, rpar=node.rpar)


def _from_format_call(call: cst.Call) -> _Lazy:
    assert isinstance(call.func, cst.Attribute)
    literal = call.func.value
    text = _plain_literal(literal)
    assert text is not None
    if any(arg.star for arg in call.args):
        raise _Unfixable("`.format()` with `*args` or `**kwargs`")
    positional = [arg.value for arg in call.args if arg.keyword is None]
    named = {arg.keyword.value: arg.value for arg in call.args if arg.keyword is not None}
    out: list[str] = []
    order: list[tuple[str | int, cst.BaseExpression]] = []
    auto = 0
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as error:
        raise _Unfixable(f"the `.format()` template does not parse ({error})") from None
    for literal_text, field, spec, conversion in parsed:
        out.append(literal_text)
        if field is None:
            continue
        if field == "":
            key: str | int = auto
            auto += 1
        elif field.isdigit():
            key = int(field)
        elif field.isidentifier():
            key = field
        else:
            raise _Unfixable(f"a `.format()` field `{field}` with attribute or index access")
        if spec and ("{" in spec):
            raise _Unfixable("a format spec with a nested `{...}` field")
        out.append(_percent(spec or "", conversion))
        try:
            value = positional[key] if isinstance(key, int) else named[key]
        except (IndexError, KeyError):
            raise _Unfixable(f"`.format()` field `{field}` has no argument") from None
        order.append((key, value))
    keys = [key for key, _ in order]
    every = list(range(len(positional))) + list(named)
    if keys != every and not all(_is_pure(value) for value in positional + list(named.values())):
        # Reordered, repeated or unused arguments with side effects would change evaluation.
        raise _Unfixable("`.format()` arguments are reordered, repeated or unused")
    values = [_as_argument(value) for _, value in order]
    body = _directives_joined(parsed, out, bool(values))
    return _Lazy(_literal_like(literal, body), values)


def _directives_joined(parsed: list[tuple[str, str | None, str | None, str | None]], out: list[str],
                       has_args: bool) -> str:
    # `out` alternates literal text and directives exactly as `parsed` produced them.
    body = []
    index = 0
    for literal_text, field, _spec, _conversion in parsed:
        body.append(literal_text.replace("%", "%%") if has_args else literal_text)
        index += 1
        if field is not None:
            body.append(out[index])
            index += 1
    return "".join(body)


def _from_percent(operation: cst.BinaryOperation) -> _Lazy:
    right = operation.right
    if isinstance(right, cst.Tuple) and not any(isinstance(e, cst.StarredElement) for e in right.elements):
        return _Lazy(operation.left, [_as_argument(e.value) for e in right.elements])
    if isinstance(right, cst.Dict) and right.elements:
        # logging takes a single non-empty mapping as the `%(name)s` source, like `%` does.
        return _Lazy(operation.left, [right.with_changes(lpar=(), rpar=())])
    # A lone value: the same text unless it is a tuple (or a mapping) at run time.
    safe = isinstance(right, (cst.Integer, cst.Float, cst.SimpleString, cst.FormattedString,
                              cst.ConcatenatedString))
    return _Lazy(operation.left, [_as_argument(right)], safe=safe)


def _literal_like(original: cst.BaseExpression, value: str) -> cst.SimpleString:
    """A plain string literal holding `value`, in the quotes of the first part of `original`."""
    first = (_string_parts(original) or [original])[0]
    assert isinstance(first, cst.SimpleString)
    quote = first.quote if len(first.quote) == 1 or "\n" in value else first.quote[0]
    escaped = []
    for char in value:
        if char == "\\":
            escaped.append("\\\\")
        elif char == quote[0]:
            escaped.append("\\" + char)
        elif char == "\n" and len(quote) == 1:
            escaped.append("\\n")
        elif char in "\r\t" or not char.isprintable() and char != "\n":
            escaped.append(repr(char)[1:-1])
        else:
            escaped.append(char)
    prefix = "".join(c for c in first.prefix if c in "uU")
    return cst.SimpleString(f"{prefix}{quote}{''.join(escaped)}{quote}")


def _as_argument(expression: cst.BaseExpression) -> cst.BaseExpression:
    """The expression as a call argument: an unparenthesized tuple or yield needs parentheses."""
    if isinstance(expression, (cst.Tuple, cst.Yield, cst.NamedExpr)) and not expression.lpar:
        return expression.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return expression


def _is_pure(node: cst.BaseExpression) -> bool:
    if isinstance(node, (cst.Name, cst.Integer, cst.Float, cst.SimpleString)):
        return True
    if isinstance(node, cst.Attribute):
        return _is_pure(node.value)
    return False


def _splice(args: Sequence[cst.Arg], position: int, lazy: _Lazy) -> list[cst.Arg]:
    """Replace the message argument by the template followed by the values, on its line.

    The message's trailing comma and whitespace (a newline before `)` or the next argument)
    move to the last value, so the call keeps its layout.
    """
    message = args[position]
    if not lazy.values:
        return [*args[:position], message.with_changes(value=lazy.template), *args[position + 1 :]]
    inline = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    new = [message.with_changes(value=lazy.template, comma=inline, whitespace_after_arg=cst.SimpleWhitespace(""))]
    for index, value in enumerate(lazy.values):
        if index == len(lazy.values) - 1:
            new.append(cst.Arg(value=value, comma=message.comma, whitespace_after_arg=message.whitespace_after_arg))
        else:
            new.append(cst.Arg(value=value, comma=inline))
    return [*args[:position], *new, *args[position + 1 :]]


def _code(node: cst.CSTNode | None) -> str:
    if node is None:
        return ""
    return cst.Module(body=[]).code_for_node(node)
