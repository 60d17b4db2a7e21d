"""IAC302's facts planned from the `ast` tree (`_builtin_ast`) are libcst's facts, or None.

The collect phase trusts the `ast` plan for the other files of the run (keyword call sites follow
the new names it gives), so wherever it answers it must answer exactly what libcst's scope
analysis plans; wherever it is not sure it must say None, and the file is collected with libcst.
"""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from iacfix.codemods import _builtin_ast
from iacfix.codemods import builtin_param_name as rule
from iacfix.codemods._context import FileContext, find_suppressions
from iacfix.codemods._engine import fix_source
from iacfix.settings import Settings

ROOT = Path(__file__).resolve().parent.parent

# (source, whether the `ast` tree plans it): every binding form, nested scopes, the cases
# `_builtin_ast` leaves to libcst, and the safety verdicts of the definition.
CASES: dict[str, tuple[str, bool]] = {
    "annassign_novalue": ('def f(a):\n    id: int\n    id = 3\n    return id\n', False),
    "async": ('async def f(id):\n    async for type in id:\n        pass\n    async with id as min:\n        pass\n    return id\n', True),
    "backslash": ('def f(a):\n    if a: \\\n        id = 1\n    return id\n', False),
    "binding_forms": ('def f(a):\n    id = 1\n    for type, (min, *max) in a:\n        pass\n    with open(a) as (input, format):\n        pass\n    try:\n        pass\n    except ValueError as filter:\n        pass\n    hash: int = 3\n    len += 1\n    return id, type, min, max, input, format, filter, hash, len\n', True),
    "called": ('def f(type):\n    return type(1)\n', True),
    "class_body": ('def f(id):\n    class A:\n        x = id\n    return A\n', False),
    "class_kw": ('def f(id):\n    x = SomeCall(id=id)\n    return x.id\n', True),
    "comp_first_iter": ('def f(type):\n    return [x for x in type]\n', False),
    "comp_read": ('def f(id, xs):\n    return [id for x in xs]\n', False),
    "construct_init": ('from aws_cdk import Stack\nclass Base(Stack):\n    pass\nclass S(Base):\n    def __init__(self, scope, id, **kwargs):\n        super().__init__(scope, id, **kwargs)\nclass T:\n    def __init__(self, app, id):\n        self.id = id\n', True),
    "construct_read": ('from aws_cdk import Stack\nclass S(Stack):\n    def make(self, id, type):\n        return Bucket(self, f"{id}Bucket", description=type)\n    def make2(self, id):\n        return Bucket(self, "x", id)\n', True),
    "decorators": ('import functools, pytest\nclass A:\n    @property\n    def x(self):\n        return 1\n    @x.setter\n    def x(self, id):\n        pass\n    @functools.lru_cache()\n    def f(self, type):\n        return type\n    @custom\n    def g(self, min):\n        return min\n    @pytest.fixture\n    def h(self, max):\n        return max\ndef test_one(id):\n    return id\n', True),
    "delete": ('def f(id):\n    del id\n', False),
    "dunder": ('class A:\n    def __exit__(self, type, value, traceback):\n        pass\n    def __call__(self, id):\n        return id\n    def _hidden(self, id):\n        return id\n', True),
    "dynamic": ('def f(id, type):\n    return locals()\n', True),
    "dynamic_param": ('def f(eval, type):\n    return eval(type)\n', True),
    "elif": ('def f(a):\n    if a:\n        pass\n    elif a:\n        id = 1\n    else:\n        type = 2\n    return id\n', True),
    "escaping": ('class _A:\n    def __init__(self, id):\n        self.id = id\ndef _make(type):\n    return type\ndef _other(min):\n    return min\nhandlers = {"a": _make}\nisinstance(x, _A)\n_other(1)\ncallback(fn=_A)\n', True),
    "eval_default": ('def f(id, x=eval("1")):\n    return id\n', True),
    "global": ('def f(a):\n    global id\n    id = 1\n', True),
    "lambda_read": ('def f(id):\n    return lambda: id\n', False),
    "match": ('def f(id):\n    match id:\n        case 1:\n            type = 2\n    return id\n', False),
    "nested_def_named": ('def f(a):\n    def id():\n        return 1\n    type = id()\n    return type\n', True),
    "nested_read": ('def f(id):\n    def g():\n        return id\n    return g\n', False),
    "nonlocal": ('def f(a):\n    id = 1\n    def g():\n        nonlocal id\n        id = 2\n    return g\n', False),
    "posonly_star": ('def f(id, /, type, *min, max, **vars):\n    return id, type, min, max, vars\n', True),
    "private_nested": ('def outer():\n    def inner(id):\n        return id\n    return inner(1)\nclass _Private:\n    def run(self, id):\n        return id\n', True),
    "same_class_name": ('from aws_cdk import Stack\nclass A(Stack):\n    def __init__(self, s, x, id):\n        pass\nclass A:\n    def __init__(self, s, x, id):\n        pass\n', True),
    "same_line": ('def f(a):\n    if a: id = 1\n    else: type = 2\n    while a: min = 3\n    return id\n', True),
    "string_annotation": ('def f(id: "int", type) -> "str":\n    return id\n', False),
    "taken_in_func": ('def f(id):\n    construct_id = 1\n    return id\n', True),
    "taken_new": ('id_ = 3\ndef f(id):\n    return id, id_\n', False),
    "tuple_unpack_attr": ('def f(a):\n    self.x, id = a\n    obj[id] = 2\n    return id\n', True),
}


def _key(definition) -> tuple:
    return (definition.key, definition.label, [rule._param_key(p) for p in definition.params], definition.inherits)


def _compare(text: str, path: str = "m.py") -> bool | None:
    """None: nothing to plan; else whether the `ast` tree planned it (asserting it agrees)."""
    found = rule._candidates(text)
    if not found or not found[0]:
        return None
    context = FileContext(path, text, Settings(), None, virtual_name=path, suppressions=find_suppressions(text))
    module = cst.parse_module(text)
    libcst_facts = rule._facts(rule.BuiltinParamName, module, context, rule._positions(module, context))
    planned = rule._ast_definitions(text, context)
    if planned is None:
        return False
    assert [_key(d) for d in planned] == [_key(d) for d in libcst_facts.defs[:len(planned)]]
    return True


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_ast_plan_is_libcsts_or_none(name: str) -> None:
    text, planned = CASES[name]
    assert _compare(text) is planned


def _files() -> list[Path]:
    roots = [ROOT / "tests" / "fixtures", ROOT / "samples"]
    return sorted(p for root in roots for p in root.rglob("*.py"))


@pytest.mark.parametrize("path", _files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_fixtures_and_samples_plan_alike(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    try:
        compile(text, str(path), "exec")
    except SyntaxError:
        pytest.skip("not Python this interpreter reads")
    _compare(text, path.name)


def test_most_fixtures_are_planned_from_the_ast_tree() -> None:
    """The point of it: files with something to rename are collected without libcst."""
    outcomes = []
    for path in _files():
        try:
            outcomes.append(_compare(path.read_text(encoding="utf-8"), path.name))
        except SyntaxError:
            continue
    assert outcomes.count(True) > 2 * outcomes.count(False) > 0


def test_a_file_with_a_suppression_comment_is_planned_with_libcst() -> None:
    text = CASES["binding_forms"][0] + "x = 1  # iacfix: ignore[IAC302]\n"
    assert _compare(text) is False


def test_facts_that_disagree_with_libcsts_plan_are_not_adopted(monkeypatch) -> None:
    # Should the `ast` plan ever differ, the file's own fix pass follows libcst's plan.
    stack = b"class TapStack(Stack):\n    def __init__(self, scope, id):\n        super().__init__(scope, id)\n"
    right = fix_source(stack, "stack.py", Settings())
    real = _builtin_ast.plan

    def wrong(*args, **kwargs):
        return {old: ("wrong_name", construct) for old, (_, construct) in real(*args, **kwargs).items()}

    monkeypatch.setattr(_builtin_ast, "plan", wrong)
    rule._ast_definitions_of.cache_clear()
    try:
        assert fix_source(stack, "stack.py", Settings()).new == right.new
        assert b"construct_id" in right.new and b"wrong_name" not in right.new
    finally:
        rule._ast_definitions_of.cache_clear()
