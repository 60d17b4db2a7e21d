"""`traverse` against libcst's own `visit`: the same hook calls in the same order, the same tree."""

from __future__ import annotations

import inspect
from pathlib import Path

import libcst as cst
import pytest

from iacfix.codemods._traverse import plan, traverse

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted([*ROOT.glob("tests/fixtures/**/*.py"), *ROOT.glob("samples/**/*.py")])

# Python 3.12+ syntax and odd corners the fixtures may not hold.
EXTRA = """\
from . import (a as b, c)
from x import *
def f[T: int, *Ts, **P](x: T, /, *args, y=1, **kw) -> T:
    global g
    pass
    return (lambda q: q)(x)
async def g():
    async with a as b, c:
        await b
    async for i in c:
        print(f"{i!r:>{width}} {i=}", end="")
match point:
    case Point(x=0, y=0) | [1, *rest] | {"k": v, **others}:
        pass
type Alias[K] = dict[K, int]
x = [i for i in range(3) if i] + [*a] ; del x
try:
    pass
except* ValueError as e:
    raise
"""


class Recorder(cst.CSTTransformer):
    """Logs every hook call and rewrites a little: renames `self`, drops `pass` statements and
    `id=` keyword arguments, splits `del` statements into two (a FlattenSentinel)."""

    def __init__(self, attributes: bool) -> None:
        super().__init__()
        self.log: list[tuple[str, ...]] = []
        if not attributes:
            self.on_visit_attribute = self.on_leave_attribute = lambda node, attribute: None  # type: ignore
            self.no_attribute_hooks = True

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.log.append(("visit", type(node).__name__))
        return not isinstance(node, cst.Lambda)  # children of a lambda are not visited

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> object:
        self.log.append(("leave", type(original_node).__name__, updated_node.deep_equals(original_node)))
        if isinstance(updated_node, cst.Name) and updated_node.value == "self":
            return updated_node.with_changes(value="me")
        if isinstance(updated_node, cst.Pass):
            return cst.RemoveFromParent()
        if isinstance(updated_node, cst.Arg) and updated_node.keyword and updated_node.keyword.value == "id":
            return cst.RemoveFromParent()
        if isinstance(updated_node, cst.Del):
            return cst.FlattenSentinel([updated_node, cst.Expr(cst.Name("deleted"))])
        return updated_node

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        self.log.append(("visit attribute", type(node).__name__, attribute))

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        self.log.append(("leave attribute", type(original_node).__name__, attribute))


class Watcher(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.log: list[tuple[str, str]] = []

    def visit_Name(self, node: cst.Name) -> None:
        self.log.append(("name", node.value))

    def visit_Call_func(self, node: cst.Call) -> None:
        self.log.append(("callee of", type(node.func).__name__))

    def leave_Call_args(self, node: cst.Call) -> None:
        self.log.append(("arguments done", str(len(node.args))))

    def leave_Call(self, original_node: cst.Call) -> None:
        self.log.append(("call done", type(original_node.func).__name__))


def _modules() -> list[tuple[str, cst.Module]]:
    found = [("extra", cst.parse_module(EXTRA))]
    for path in SOURCES:
        try:
            found.append((str(path.relative_to(ROOT)), cst.parse_module(path.read_bytes())))
        except cst.ParserSyntaxError:
            continue  # fixtures of files that do not parse
    return found


MODULES = _modules()


def test_there_is_something_to_compare() -> None:
    assert len(MODULES) > 100


@pytest.mark.parametrize("attributes", [True, False], ids=["attribute hooks", "no attribute hooks"])
def test_same_calls_and_tree_as_libcst(attributes: bool) -> None:
    differ = []
    changed = 0
    for name, module in MODULES:
        theirs, ours = Recorder(attributes), Recorder(attributes)
        expected = module.visit(theirs)
        got = traverse(module, ours)
        if theirs.log != ours.log or expected.code != got.code or not expected.deep_equals(got):
            differ.append(name)
        changed += expected.code != module.code
    assert not differ
    assert changed > 20  # the rewrites above did happen, so removal and flattening were compared


def test_visitor_sees_the_same_calls() -> None:
    for _, module in MODULES:
        theirs, ours = Watcher(), Watcher()
        module.visit(theirs)
        assert traverse(module, ours) is module
        assert theirs.log == ours.log


def test_nothing_changed_gives_the_same_tree() -> None:
    module = cst.parse_module(EXTRA)
    assert traverse(module, cst.CSTTransformer()) is module
    renamed = traverse(module, Recorder(attributes=False))
    assert renamed is not module
    # Statements no hook touched are the very nodes of the old tree.
    assert renamed.body[1] is module.body[1]


def test_removing_a_required_child_fails_as_in_libcst() -> None:
    class RemoveCallee(cst.CSTTransformer):
        def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> object:
            return cst.RemoveFromParent() if original_node.value == "f" else updated_node

    module = cst.parse_module("f(x)\n")
    with pytest.raises(TypeError) as theirs:
        module.visit(RemoveCallee())
    with pytest.raises(TypeError) as ours:
        traverse(module, RemoveCallee())
    assert str(ours.value) == str(theirs.value)


def test_a_hook_returning_a_non_node_fails_as_in_libcst() -> None:
    class Wrong(cst.CSTTransformer):
        def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> object:
            return "x"

    module = cst.parse_module("f(x)\n")
    with pytest.raises(cst.CSTValidationError) as theirs:
        module.visit(Wrong())
    with pytest.raises(cst.CSTValidationError) as ours:
        traverse(module, Wrong())
    assert str(ours.value) == str(theirs.value)


def test_removing_the_module_empties_it() -> None:
    class RemoveAll(cst.CSTTransformer):
        def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> object:
            return cst.RemoveFromParent()

    module = cst.parse_module("# comment\nx = 1\n")
    assert traverse(module, RemoveAll()).code == module.visit(RemoveAll()).code


def _node_types() -> list[type]:
    def below(kind: type) -> list[type]:
        return [k for sub in kind.__subclasses__() for k in (sub, *below(sub))]

    return sorted({k for k in below(cst.CSTNode) if not inspect.isabstract(k)
                   and k.__module__.startswith("libcst._nodes")}, key=lambda k: k.__name__)


def test_every_node_type_but_a_few_is_read_from_libcst() -> None:
    # The rest are visited by libcst itself: correct, only slower. A libcst release that changes
    # the shape of `_visit_and_replace_children` shows up here.
    assert {kind.__name__ for kind in _node_types() if plan(kind) is None} == {"TypeParam"}
    call = plan(cst.Call)
    assert call is not None and [field for field, _ in call] == [
        "lpar", "func", "whitespace_after_func", "whitespace_before_args", "args", "rpar"]
