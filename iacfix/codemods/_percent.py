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
    """The format spec has no `%` form that renders the same for every value."""


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
        raise NoExactSpec(f"format spec `{spec}` (not a standard spec, e.g. a date format)")
    part = match.groupdict()
    kind = part["type"]
    if part["grouping"]:
        raise NoExactSpec(f"format spec `{spec}` (digit grouping `{part['grouping']}`)")
    if part["z"]:
        raise NoExactSpec(f"format spec `{spec}` (`z` flag)")
    if part["fill"] not in (None, " "):
        raise NoExactSpec(f"format spec `{spec}` (fill character `{part['fill']}`)")
    if part["align"] in ("^", "="):
        raise NoExactSpec(f"format spec `{spec}` (alignment `{part['align']}`)")
    if conversion is not None:
        # After !r/!s/!a the value is a str: only str specs apply, and they left-align by default.
        if kind not in (None, "s") or part["sign"] or part["alt"] or part["zero"]:
            raise NoExactSpec(f"format spec `{spec}` after `!{conversion}`")
        kind = _CONVERSIONS[conversion]
        left = part["align"] != ">"
    elif kind is None:
        # No type: str, int and float each format differently, so only a pure width with an
        # explicit alignment, and no precision, renders the same as `%s`.
        if part["align"] is None or part["precision"] is not None or part["sign"] or part["alt"] or part["zero"]:
            raise NoExactSpec(f"format spec `{spec}` (its meaning depends on the value's type)")
        kind = "s"
        left = part["align"] == "<"
    elif kind == "s":
        if part["sign"] or part["alt"] or part["zero"]:
            raise NoExactSpec(f"format spec `{spec}`")
        left = part["align"] != ">"
    elif kind in _NUMERIC:
        if kind == "c" and (part["sign"] or part["alt"] or part["zero"] or part["precision"] is not None):
            raise NoExactSpec(f"format spec `{spec}`")
        if kind in "doxXc" and part["precision"] is not None:
            raise NoExactSpec(f"format spec `{spec}` (precision on an integer type)")
        if part["zero"] and part["align"] is not None:
            raise NoExactSpec(f"format spec `{spec}` (zero padding with an alignment)")
        left = part["align"] == "<"
    else:
        raise NoExactSpec(f"format spec `{spec}` (type `{kind}` has no `%` equivalent)")
    flags = ("-" if left and part["width"] else "") + (part["sign"] or "").replace("-", "")
    flags += "#" if part["alt"] else ""
    flags += "0" if part["zero"] else ""
    width = part["width"] or ""
    if width == "0":
        width = ""
    precision = f".{part['precision']}" if part["precision"] is not None else ""
    return f"%{flags}{width}{precision}{kind}"
