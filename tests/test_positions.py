"""`Positions` must give exactly libcst's `PositionProvider` ranges, for every node."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from iacfix.codemods._positions import FastPositionProvider, Positions

FIXTURES = sorted(p for p in (Path(__file__).parent / "fixtures").rglob("*.py"))

TRICKY = {
    "crlf": "import os\r\n\r\nclass A:\r\n    def f(self, id):\r\n        return (id,\r\n                os)\r\n",
    "cr_only": "x = 1\ry = (2,\r     3)\r",
    "no_final_newline": "def f():\n    return 1",
    "decorated": "@dec(\n    a=1)\n# comment\n@other\nclass C(Base):\n    '''doc\n    more'''\n    x: int = 3\n",
    "semicolons_and_suites": "if a: b = 1; c = 2\nelse: pass\nwhile x: y()\n",
    "strings": 'f"{a!r:>{w}} {b}"\nb"""x\ny"""\nr"\\n" "z"\n',
    "trailing_blank_lines": "x = 1\n\n\n",
    "empty": "",
    "comments_only": "# one\n# two\n",
    "header_and_tabs": (
        "#!/usr/bin/env python3\n# header comment\n\n'''Doc.'''\nimport logging\n\n\n"
        "@decorator(\n    arg=1,\n)\nclass Stack:\n    # comment\n    def f(self, a):\n"
        "        logging.info('x', a)\n        if a:\n            return [\n                g(a),\n"
        "            ]\n\n\nx = h(1); y = h(2)\nif True:\n\tz = h(3)\n"
    ),
}


def _assert_same(module: cst.Module) -> None:
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    positions = Positions(module)
    assert positions.code == module.code
    assert set(positions) == set(expected)
    for node, where in expected.items():
        assert positions[node] == where, (type(node).__name__, where, positions[node])


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_same_ranges_as_libcst_on_tricky_layouts(name: str) -> None:
    _assert_same(cst.parse_module(TRICKY[name]))


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: str(p.relative_to(p.parents[2])))
def test_same_ranges_as_libcst_on_the_fixtures(path: Path) -> None:
    try:
        module = cst.parse_module(path.read_bytes())
    except cst.ParserSyntaxError:
        pytest.skip("not parseable on purpose")
    _assert_same(module)


def test_provider_serves_the_same_mapping_through_a_metadata_wrapper() -> None:
    module = cst.parse_module(TRICKY["decorated"])
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    fast = wrapper.resolve(FastPositionProvider)
    slow = wrapper.resolve(PositionProvider)
    assert dict(fast.items()) == dict(slow.items())


def test_an_exception_inside_code_generation_comes_out_as_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    # A SIGTERM turned into SystemExit mid-generation once came out as a KeyError for the function
    # body whose range was never recorded, and the run ended with exit code 2 instead of 143.
    module = cst.parse_module("def f(x):\n    return x + 1\n")

    def interrupted(self, state, **kwargs):  # type: ignore[no-untyped-def]
        raise SystemExit(143)

    monkeypatch.setattr(cst.Return, "_codegen_impl", interrupted)
    with pytest.raises(SystemExit) as raised:
        Positions(module)
    assert raised.value.code == 143
