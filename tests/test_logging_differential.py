"""IAC301 keeps the meaning: the fixed call logs exactly the text the original call logged.

Each case is executed twice, as written and as fixed, against a logger that records
`LogRecord.getMessage()`; the two messages must be equal.
"""

from __future__ import annotations

import datetime
import decimal
import logging

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from iacfix.codemods._engine import fix_source
from iacfix.settings import Settings

VALUES = {
    "n": 42,
    "neg": -7,
    "big": 10**12,
    "f": 3.14159,
    "tiny": 1e-9,
    "nan": float("nan"),
    "s": "hello",
    "pct": "100%",
    "braces": "{x}",
    "none": None,
    "flag": True,
    "items": [1, "a", None],
    "mapping": {"k": "v"},
    "pair": (1, 2),
    "dec": decimal.Decimal("2.50"),
    "when": datetime.date(2026, 11, 23),
}


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _render(statement: str) -> list[str]:
    logger = logging.getLogger("iacfix-differential")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    capture = _Capture()
    logger.handlers = [capture]
    exec(statement, {"logger": logger, "logging": logging, **VALUES})  # noqa: S102 - our own test input
    return capture.messages


def _fixed(statement: str) -> str:
    result = fix_source(statement, "case.py", Settings(select=("IAC301",)))
    assert result.error is None and not result.internal_errors
    return result.new.decode()


def assert_same_message(statement: str, *, generated: bool = False) -> bool:
    """True when the rule rewrote the statement (and the messages agree)."""
    try:
        expected = _render(statement)
    except (ValueError, TypeError, OverflowError):
        # A generated input that fails by itself (`format(-7, "c")`) says nothing about the fix.
        assume(not generated)
        raise
    fixed = _fixed(statement)
    assert _render(fixed) == expected, f"\n  before: {statement}  after:  {fixed}"
    return fixed != statement


HAND_WRITTEN = [
    'logger.info(f"plain {n} and {s}")\n',
    'logger.info(f"{n!r} {s!r} {s!s} {s!a} {items!r}")\n',
    'logger.info(f"{n=} {s=} {f=:.2f} {s=!s} {n = }")\n',
    'logger.info(f"{f:.2f} {f:10.3f} {f:<10.1f}| {f:e} {f:G} {tiny:g}")\n',
    'logger.info(f"{n:d} {n:5d} {n:05d} {neg:05d} {n:+d} {n: d} {n:x} {n:#X} {n:o} {n:#o}")\n',
    'logger.info(f"{s:>10} {s:<10}| {s:10s}| {s:>10s} {s:.2s} {n:c}")\n',
    'logger.info(f"{s!r:>12} {s!r:12}| {s!s:.3}")\n',
    'logger.info(f"100% of {n}% and {pct}")\n',
    'logger.info(f"{{literal}} {braces} {{{n}}}")\n',
    'logger.info(f"no placeholders 100%")\n',
    'logger.info(f"{mapping} {pair} {none} {flag}")\n',
    'logger.info(f"{mapping[\'k\']} {items[1]} {len(items)}")\n',
    'logger.info(f"{n, s}")\n',
    'logger.info(f"a {n} " "50% " f"b {s}")\n',
    'logger.info(f"""tri\nple {n}\n""")\n',
    'logger.info(rf"raw \\d {s} 5%")\n',
    'logger.log(logging.INFO, f"log {n}")\n',
    'logger.info("x {} {} {name}".format(n, s, name=f))\n',
    'logger.info("x {1} {0}".format(n, s))\n',
    'logger.info("{!r} {:.3f} 10%".format(s, f))\n',
    'logger.info("x %s %d 10%%" % (s, n))\n',
    'logger.info("x %(k)s" % mapping)\n',
    'logger.info("x %(k)s" % {"k": n})\n',
    'logger.info("count %d" % 5)\n',
    'logger.info(f"{dec:.1f} {nan:f} {big:d}")\n',
    'logger.info(f"{when:%Y-%m-%d}")\n',
    'logger.info(f"{n:,}")\n',
]


@pytest.mark.parametrize("statement", HAND_WRITTEN)
def test_hand_written(statement: str) -> None:
    assert_same_message(statement)


def test_most_hand_written_cases_are_rewritten() -> None:
    # Guard against a rule that "keeps meaning" by never changing anything.
    rewritten = sum(_fixed(case) != case for case in HAND_WRITTEN)
    assert rewritten >= len(HAND_WRITTEN) - 4


# Specs that are valid for each kind of value (so the original call does not raise).
_SPECS = {
    "int": ["", "d", "5d", "05d", "+d", " d", "x", "#x", "X", "o", "<6d", ">6d", ".2f", "e", "g", "c", ">8", "<8"],
    "float": ["", ".2f", "10.3f", "<10.1f", "+.1f", "e", ".3E", "g", "G", "%", ",.2f", ">9", "<9"],
    "str": ["", "s", ">10", "<10", ".2s", "10s", ">10s", "^10", "*<5"],
}
_VALUES_BY_KIND = {"int": ["n", "neg", "big"], "float": ["f", "tiny"], "str": ["s", "pct", "braces"]}

# Literal text as it appears between the quotes of a template: braces come doubled.
_text = st.lists(st.sampled_from(["a", "b", " ", "%", "%%", "{{", "}}", "=", ":", "!", " x "]), max_size=6).map("".join)


@st.composite
def _field(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(sorted(_VALUES_BY_KIND)))
    name = draw(st.sampled_from(_VALUES_BY_KIND[kind]))
    conversion = draw(st.sampled_from(["", "", "", "!r", "!s", "!a"]))
    if conversion:
        spec = draw(st.sampled_from(["", ">10", "<10", "12", ".3", ".3s"]))
    else:
        spec = draw(st.sampled_from(_SPECS[kind]))
    debug = draw(st.sampled_from(["", "", "", "="]))
    return "{" + name + debug + conversion + (":" + spec if spec else "") + "}"


@st.composite
def _fstring_call(draw: st.DrawFn) -> str:
    pieces = []
    for _ in range(draw(st.integers(1, 4))):
        pieces.append(draw(_text))
        pieces.append(draw(_field()))
    pieces.append(draw(_text))
    body = "".join(pieces)
    quote = draw(st.sampled_from(['"', "'"]))
    method = draw(st.sampled_from(["info", "warning", "error", "debug"]))
    return f"logger.{method}(f{quote}{body}{quote})\n"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_fstring_call())
def test_generated_fstrings(statement: str) -> None:
    assert_same_message(statement, generated=True)


@st.composite
def _format_call(draw: st.DrawFn) -> str:
    fields = []
    args = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(sorted(_VALUES_BY_KIND)))
        args.append(draw(st.sampled_from(_VALUES_BY_KIND[kind])))
        spec = draw(st.sampled_from(_SPECS[kind]))
        fields.append(draw(_text) + "{" + (":" + spec if spec else "") + "}")
    template = "".join(fields) + draw(_text)
    return f'logger.info("{template}".format({", ".join(args)}))\n'


@settings(max_examples=200, deadline=None)
@given(_format_call())
def test_generated_format_calls(statement: str) -> None:
    assert_same_message(statement, generated=True)
