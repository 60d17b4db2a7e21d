"""`str.format` specs to `%` specs, only where both render exactly the same."""

from __future__ import annotations

import re

# [[fill]align][sign][z][#][0][width][grouping][.precision][type]
_SPEC = re.compile(
    r"""
    (?:(?P<fill>.)?(?P<align>[<>=^]))?
    (?P<sign>[-+ ])?
    (?P<z>z)?
    (?P<alt>\#)?
    (?P<zero>0)?
    (?P<width>[1-9][0-9]*|0)?
    (?P<grouping>[,_])?
    (?:\.(?P<precision>[0-9]+))?
    (?P<type>[a-zA-Z%])?
    \Z
    """,
    re.VERBOSE | re.DOTALL,
)
_NUMERIC = set("doxXeEfFgGc")
_CONVERSIONS = {None: "s", "s": "s", "r": "r", "a": "a"}


class NoExactSpec(ValueError):
    """The format spec has no `%` form that renders the same for every value; the message says why."""


def percent_spec(spec: str, conversion: str | None) -> str:
    """The `%` directive (with its leading `%`) equal to `format(value!conversion, spec)`.

    >>> percent_spec(".2f", None), percent_spec(">10", None), percent_spec("", "r")
    ('%.2f', '%10s', '%r')
    """
    if conversion not in _CONVERSIONS:
        raise NoExactSpec(f"conversion `!{conversion}`")
    if not spec:
        return "%" + _CONVERSIONS[conversion]
    match = _SPEC.match(spec)
    if match is None:
        raise NoExactSpec("not a standard format spec, e.g. a date format")
    part = match.groupdict()
    kind = part["type"]
    if part["grouping"]:
        raise NoExactSpec("digit grouping")
    if part["z"]:
        raise NoExactSpec("the `z` flag")
    if part["fill"] not in (None, " "):
        raise NoExactSpec(f"fill character `{part['fill']}`")
    if part["align"] in ("^", "="):
        raise NoExactSpec(f"alignment `{part['align']}`")
    if conversion is not None:
        # After !r/!s/!a the value is a str: only str specs apply, and they left-align by default.
        if kind not in (None, "s") or part["sign"] or part["alt"] or part["zero"]:
            raise NoExactSpec(f"a numeric spec after `!{conversion}`")
        kind = _CONVERSIONS[conversion]
        left = part["align"] != ">"
    elif kind is None:
        # No type: str, int and float each format differently, so only a pure width with an
        # explicit alignment, and no precision, renders the same as `%s`.
        if part["align"] is None or part["precision"] is not None or part["sign"] or part["alt"] or part["zero"]:
            raise NoExactSpec("its meaning depends on the value's type")
        kind = "s"
        left = part["align"] == "<"
    elif kind == "s":
        if part["sign"] or part["alt"] or part["zero"]:
            raise NoExactSpec("flags that `%s`/`%c` do not take")
        left = part["align"] != ">"
    elif kind in _NUMERIC:
        if kind == "c" and (part["sign"] or part["alt"] or part["zero"] or part["precision"] is not None):
            raise NoExactSpec("flags that `%s`/`%c` do not take")
        if kind in "doxXc" and part["precision"] is not None:
            raise NoExactSpec("precision on an integer type")
        if part["zero"] and part["align"] is not None:
            raise NoExactSpec("zero padding with an alignment")
        left = part["align"] == "<"
    else:
        raise NoExactSpec(f"type `{kind}`")
    flags = ("-" if left and part["width"] else "") + (part["sign"] or "").replace("-", "")
    flags += "#" if part["alt"] else ""
    flags += "0" if part["zero"] else ""
    width = part["width"] or ""
    if width == "0":
        width = ""
    precision = f".{part['precision']}" if part["precision"] is not None else ""
    return f"%{flags}{width}{precision}{kind}"
