"""IAC302 keeps the meaning: every case runs as written and as fixed, and both give the same result.

A rename that missed a read would silently reach the built-in instead of the parameter (pylint
cannot see that); one that renamed too much would break a lambda's or comprehension's own name.
Each template is tried with several built-in names, `id` included (it becomes `construct_id`
in construct contexts, `id_` elsewhere).
"""

from __future__ import annotations

import re
import textwrap

import pytest

from iacfix.codemods import get_rule
from iacfix.codemods._engine import fix_source
from iacfix.codemods._rule import explanation
from iacfix.settings import Settings

NAMES = ["id", "type", "min", "max", "hash", "format", "filter", "input", "list", "dict", "vars", "object"]

TEMPLATES = {
    "closures_lambdas_comprehensions": """
        def _probe(NAME, values):
            def inner():
                return NAME
            lam = lambda: NAME
            own = lambda NAME: (NAME, "own")
            comp = [NAME for _ in values]
            comp_own = [NAME for NAME in values]
            first_iter = [x for x in NAME]
            both = [NAME for NAME in NAME]
            gen = tuple(x for x in NAME)
            mapping = {NAME: v for v in values}
            return inner(), lam(), own(3), comp, comp_own, first_iter, both, gen, mapping

        RESULT = _probe("ab", [1, 2])
    """,
    "nonlocal_and_global": """
        def _counter(NAME):
            def bump():
                nonlocal NAME
                NAME = NAME + "+"
                return NAME
            def reach_builtin():
                global NAME
                return NAME
            def shadow():
                NAME = "shadow"
                return NAME
            bump()
            return bump(), NAME, reach_builtin().__name__, shadow()

        RESULT = _counter("x")
    """,
    "class_body_in_function": """
        def _holder(NAME):
            class Holder:
                kind = NAME
                def get(self):
                    return NAME
            return Holder.kind, Holder().get()

        RESULT = _holder("k")
    """,
    "class_body_rebinding_is_left_alone": """
        def _holder(NAME, other):
            class Holder:
                NAME = NAME
            return Holder.NAME.__name__, other

        def _plain(NAME):
            return NAME

        RESULT = _holder("k", 1), _plain("p")
    """,
    "defaults_and_decorators_see_the_builtin": """
        def tag(value):
            def wrap(func):
                func.tag = value
                return func
            return wrap

        class Probe:
            @tag(NAME)
            def _method(self, NAME, default=NAME):
                return NAME, default.__name__

        RESULT = Probe()._method("p"), Probe._method.tag.__name__
    """,
    "keyword_call_sites": """
        class Maker:
            def run(self):
                return self._make(NAME="a", other="b"), self._make("c", "d"), self._make(other="f", NAME="e")

            def _make(self, NAME, other):
                return NAME + other

        RESULT = Maker().run()
    """,
    "locals": """
        def _locals(items):
            out = []
            for NAME in items:
                out.append(NAME)
            first, NAME = items[0], items[-1]
            try:
                raise ValueError(NAME)
            except ValueError as error:
                out.append(str(error))
            NAME += "!"
            return out, first, NAME

        RESULT = _locals(["a", "b"])
    """,
    "read_before_assignment_stays_an_error": """
        def _early(items):
            try:
                seen = NAME
                NAME = items
                return seen
            except UnboundLocalError as error:
                return error.__class__.__name__

        RESULT = _early([1])
    """,
    "collision_with_existing_names": """
        construct_id = "module"
        NAME_ = "module underscore"

        def _both(self, NAME, construct_id="param", NAME_2="second"):
            NAME_ = "local"
            return NAME, construct_id, NAME_, NAME_2

        RESULT = _both(None, "x")
    """,
}

CONSTRUCTS = """
    class Construct:
        def __init__(self, scope, id, **kwargs):
            self.node_id = id
            self.options = kwargs

    class Stack(Construct):
        pass

    class TapStack(Stack):
        def __init__(self, scope, id, **kwargs):
            super().__init__(scope, id, **kwargs)
            self.label = f"{id}!"
            self.role = self._role(id=f"{id}Role")

        def _role(self, id):
            return Construct(self, id, kind="role").node_id

    class Nested(Construct):
        def __init__(self, scope, id):
            super().__init__(scope, id=id, owner="nested")

    RESULT = [vars(TapStack(None, "T", env="x")), vars(TapStack(None, id="K")),
              sorted(vars(Nested(None, "N")).items())]
"""


def _run(source: str) -> object:
    namespace: dict[str, object] = {"__name__": "iacfix_probe"}
    exec(compile(source, "<probe>", "exec"), namespace)  # noqa: S102 - our own test input
    return namespace["RESULT"]


# Templates where one function must be left as it is (reported, not fixed).
LEFT_ALONE = {"class_body_rebinding_is_left_alone": 1}


def _fix(source: str, left: int = 0) -> str:
    # Unsafe fixes too: this is about meaning inside the file, not about unseen callers.
    result = fix_source(source, "probe.py", Settings(select=("IAC302",), unsafe_fixes=True))
    assert result.error is None and not result.internal_errors
    assert len([f for f in result.findings if not f.fixed]) == left, [f.message for f in result.findings]
    return result.new.decode()


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_same_result_after_the_rename(template: str, name: str) -> None:
    source = textwrap.dedent(TEMPLATES[template]).replace("NAME", name)
    left = LEFT_ALONE.get(template, 0)
    fixed = _fix(source, left)
    assert fixed != source
    assert _run(fixed) == _run(source)
    # Nothing left to rename: the fixed code is a fixed point.
    assert _fix(fixed, left) == fixed


def test_constructs_keep_their_ids() -> None:
    source = textwrap.dedent(CONSTRUCTS)
    fixed = _fix(source)
    assert "construct_id" in fixed and "(self, scope, id" not in fixed
    assert "TapStack(None, construct_id=\"K\")" in fixed
    assert "super().__init__(scope, construct_id=construct_id, owner=\"nested\")" in fixed
    assert _run(fixed) == _run(source)


def test_collision_names_are_predictable() -> None:
    source = textwrap.dedent(TEMPLATES["collision_with_existing_names"]).replace("NAME", "type")
    assert "def _both(self, type_3, construct_id=\"param\", type_2=\"second\"):" in _fix(source)


def test_explanation_example_becomes_its_after_block() -> None:
    blocks = re.findall(r"```python\n(.*?)```", explanation(get_rule("IAC302")), re.DOTALL)  # type: ignore[arg-type]
    example, after = blocks[0], blocks[1]
    result = fix_source(example, "example.py", Settings(select=("IAC302",)))
    assert result.new.decode() == after


def test_every_builtin_of_this_python_is_known() -> None:
    import builtins
    import keyword

    from iacfix.codemods._scope_rename import BUILTIN_NAMES

    missing = {name for name in vars(builtins) if not name.startswith("_") and not keyword.iskeyword(name)} - BUILTIN_NAMES
    assert not missing
