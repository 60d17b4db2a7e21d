"""Properties of the engine and every rule, on generated programs.

A grammar of our own generates the code our rules look at (logging calls with f-strings of every
shape, `.format` and `%` messages, functions with `id` parameters, CDK and CDKTF construct calls,
imports, suppression comments) in files with CRLF endings, a BOM, tabs, no final newline. For every
rule alone and for all rules together:

- the output parses, and compiles whenever the input compiled;
- fixing the output again changes nothing (idempotence);
- a file in which no fix was applied is byte-identical, and a changed file has an applied fix;
- BOM, line endings and encoding are kept;
- the rules do not fight: applying them one at a time, in any order, until nothing changes reaches
  the same bytes as the engine's single batched run.

hypothesmith (arbitrary grammatical Python) adds programs our grammar would never write.

Examples per property: `IACFIX_PROPERTY_EXAMPLES` (default 150; CI time for this file is about
a minute). Run `IACFIX_PROPERTY_EXAMPLES=2000 pytest tests/test_properties.py` for a longer search.
"""

from __future__ import annotations

import ast
import builtins
import codecs
import os
import warnings
from dataclasses import dataclass

import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iacfix.codemods import ALL_RULES
from iacfix.codemods._engine import decode, fix_source
from iacfix.codemods._rule import Rule
from iacfix.settings import Settings

EXAMPLES = int(os.environ.get("IACFIX_PROPERTY_EXAMPLES", "150"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=os.environ.get("CI") is not None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
RULE_SETS = {rule.CODE: (rule,) for rule in ALL_RULES} | {"all": tuple(ALL_RULES)}
FIX_ALL = Settings(unsafe_fixes=True)

# --- the grammar -------------------------------------------------------------------------------


@st.composite
def fstrings(draw: st.DrawFn) -> str:
    quote = draw(st.sampled_from(['"', "'", '"""', "'''"]))
    inner = "'" if quote[0] == '"' else '"'  # before 3.12 a field may not reuse the outer quote
    prefix = draw(st.sampled_from(["f", "F", "rf", "fR"]))
    text = st.sampled_from(["x", "user ", " done", "%", "%s", "%%", "{{", "}}", "{{x}}", ": ", "é€", "100%d", " "])
    expr = st.sampled_from(["a", "b", "count", "self.name", f"d[{inner}k{inner}]", "items[0]", "len(items)",
                            "a + 1", "f(a, b)", "obj.attr.sub", "x if a else b", f"{inner}lit{inner}",
                            "[a, b]", "a or b"])
    conv = st.sampled_from(["", "", "!r", "!s", "!a"])
    spec = st.sampled_from(["", "", ":>10", ":.2f", ":d", ":{w}", ":%Y", ":,"])
    field = st.builds(lambda e, c, s, eq: "{" + e + ("=" if eq else "") + c + s + "}", expr, conv, spec,
                      st.booleans())
    parts = draw(st.lists(st.one_of(text, field), min_size=0, max_size=5))
    return prefix + quote + "".join(parts) + quote


@st.composite
def messages(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["fstring", "fstring", "concat", "format", "percent", "plain", "lazy"]))
    if kind == "fstring":
        return draw(fstrings())
    if kind == "concat":
        return draw(fstrings()) + " " + draw(st.sampled_from(['"tail"', "'%s'", draw(fstrings())]))
    if kind == "format":
        return draw(st.sampled_from(['"a {} b {}".format(a, b)', '"{x:>4}".format(x=a)', "'{0}{0}'.format(a)",
                                     '"{}".format(*args)']))
    if kind == "percent":
        return draw(st.sampled_from(['"a %s" % a', '"%s and %d" % (a, b)', '"%(k)s" % d', '"100%%: %s" % (a,)']))
    if kind == "plain":
        return draw(st.sampled_from(['"plain"', "'100%'", '"a %s", a', '"%s %s", a, b']))
    return '"lazy %s", a'


@st.composite
def logging_calls(draw: st.DrawFn) -> str:
    receiver = draw(st.sampled_from(["logging", "logger", "log", "self.logger", "LOGGER"]))
    method = draw(st.sampled_from(["debug", "info", "warning", "error", "exception", "critical", "log"]))
    level = "logging.INFO, " if method == "log" else ""
    extra = draw(st.sampled_from(["", "", ", exc_info=True", ", extra={'k': 1}", ", stack_info=True", ", a"]))
    message = draw(messages())
    if draw(st.booleans()):
        call = f"{receiver}.{method}(\n    {level}{message}{extra},\n)"
    else:
        call = f"{receiver}.{method}({level}{message}{extra})"
    comment = draw(st.sampled_from(["", "", "", "  # iacfix: ignore", "  # iacfix: ignore[IAC301]",
                                    "  # pylint: disable=logging-fstring-interpolation", "  # note"]))
    return call + comment


SIMPLE = st.one_of(
    logging_calls(),
    st.sampled_from([
        "x = 1", "pass", "bucket = s3.Bucket(self, \"Bucket\", versioned=True)",
        "S3Bucket(self, \"b\", bucket=\"name\")", "value = compute(id, type)", "return None",
        "assert a, f\"{a}\"", "print(f\"{a}\")", "items.append(\"%s\" % a)",
        # Standard-library modules used unimported (IAC306), and a name that only looks like one.
        "started = time.time()", "body = json.dumps({\"k\": a})", "path = os.path.join(a, \"x\")",
        "when = datetime.datetime.now()", "user = email.split(\"@\")", "json = {\"shadow\": 1}",
    ]),
)
HEADERS = [
    "import logging", "import os", "import json", "from aws_cdk import Stack, RemovalPolicy, aws_s3 as s3",
    "from constructs import Construct", "from cdktf import TerraformStack",
    "from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket", "logger = logging.getLogger(__name__)",
]
BLOCKS = [
    "def handler(event, context):", "def make(self, id, scope=None):", "def build(id: str, type: str) -> None:",
    "if a:", "for a in items:", "try:", "with open(p) as handle:",
]


@dataclass(frozen=True)
class Program:
    source: str
    newline: str
    bom: bool

    def encode(self) -> bytes:
        data = self.source.replace("\n", self.newline).encode("utf-8")
        return codecs.BOM_UTF8 + data if self.bom else data


@st.composite
def programs(draw: st.DrawFn) -> Program:
    indent = draw(st.sampled_from(["    ", "  ", "\t"]))
    lines = draw(st.lists(st.sampled_from(HEADERS), max_size=4, unique=True))
    if draw(st.booleans()):
        lines.insert(0, draw(st.sampled_from(["# a comment", '"""Module docstring."""', "#!/usr/bin/env python"])))
    for _ in range(draw(st.integers(1, 5))):
        if draw(st.booleans()):
            lines.append(draw(SIMPLE).replace("\n    ", "\n" + indent))
            continue
        header = draw(st.sampled_from(BLOCKS))
        lines.append(header)
        body = draw(st.lists(SIMPLE, min_size=1, max_size=3))
        lines.extend(indent + statement.replace("\n    ", "\n" + indent * 2).replace("\n)", "\n" + indent + ")")
                     for statement in body)
        if header == "try:":
            lines.append("except ValueError:\n" + indent + "logger.exception(f\"failed {a}\")")
        if draw(st.booleans()):
            lines.append("")
    source = "\n".join(lines) + ("\n" if draw(st.booleans()) else "")
    return Program(source, draw(st.sampled_from(["\n", "\n", "\r\n"])), draw(st.booleans()))


# --- helpers -----------------------------------------------------------------------------------


def _compiles(text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, "<generated>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError:
        return False
    return True


def _fix(data: bytes, rules: tuple[type[Rule], ...]) -> bytes:
    result = fix_source(data, "generated.py", FIX_ALL, rules=rules)
    assert not result.internal_errors, result.internal_errors
    return result.new


def _check(data: bytes, rules: tuple[type[Rule], ...]) -> None:
    result = fix_source(data, "generated.py", FIX_ALL, rules=rules)
    assert not result.internal_errors, result.internal_errors
    old_text, encoding = decode(data)
    if result.error is not None:
        # The only refusal a generated program may meet: libcst not giving the file back as it was.
        assert cst.parse_module(data).bytes != data, result.error
        assert result.new == data
        return
    new = result.new
    fixed = [finding for finding in result.findings if finding.fixed]
    if not fixed:
        assert new == data, "a file in which nothing was fixed is byte-identical"
        return
    assert new != data or not fixed, "an applied fix changed something"
    new_text, new_encoding = decode(new)
    assert new_encoding == encoding
    cst.parse_module(new)  # the output parses
    if _compiles(old_text):
        assert _compiles(new_text), "the output compiles whenever the input compiles"
    assert new.startswith(codecs.BOM_UTF8) == data.startswith(codecs.BOM_UTF8), "BOM kept"
    if b"\r\n" in data and data.count(b"\n") == data.count(b"\r\n"):
        assert new.count(b"\n") == new.count(b"\r\n"), "CRLF line endings kept"
    if b"\r" not in data:
        assert b"\r" not in new, "LF line endings kept"
    again = fix_source(new, "generated.py", FIX_ALL, rules=rules)
    assert again.new == new, "fixing the output again changes nothing"
    assert not [f for f in again.findings if f.fixed], "the second run applies no fix"


# --- properties --------------------------------------------------------------------------------


@pytest.mark.parametrize("rule_set", list(RULE_SETS))
@SETTINGS
@given(program=programs())
def test_generated_programs(rule_set: str, program: Program) -> None:
    data = program.encode()
    assert _compiles(program.source), program.source  # the grammar writes valid Python
    _check(data, RULE_SETS[rule_set])


@SETTINGS
@given(program=programs(), order=st.permutations(list(ALL_RULES)))
def test_rules_do_not_fight(program: Program, order: list[type[Rule]]) -> None:
    """One rule at a time, in any order, until nothing changes: the batched run's bytes."""
    data = program.encode()
    together = _fix(data, tuple(ALL_RULES))
    current = data
    for _ in range(2 * len(order) + 1):
        before_round = current
        for rule in order:
            current = _fix(current, (rule,))
        if current == before_round:
            break
    else:
        pytest.fail("applying the rules one at a time does not converge")
    assert current == together


def _bound_and_used(tree: ast.AST) -> tuple[set[str], set[str], set[str]]:
    """Names the module binds at top level, names bound anywhere, names read anywhere."""
    top: set[str] = set()
    for node in getattr(tree, "body", []):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            top.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            top.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            top.update(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
    anywhere: set[str] = set(top)
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (used if isinstance(node.ctx, ast.Load) else anywhere).add(node.id)
        elif isinstance(node, ast.arg):
            anywhere.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            anywhere.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            anywhere.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            anywhere.add(node.name)
    return top, anywhere, used


@pytest.mark.parametrize("rule_set", list(RULE_SETS))
@SETTINGS
@given(program=programs())
def test_names_kept(rule_set: str, program: Program) -> None:
    """Meaning at the level of names: the module defines what it defined (plus imports and fresh
    names the fixes added); every name read that resolved still resolves, and an import rule only makes
    more resolve; functions keep their parameters except a builtin-named one renamed with a trailing
    underscore (IAC302), whose uses follow it."""
    data = program.encode()
    result = fix_source(data, "generated.py", FIX_ALL, rules=RULE_SETS[rule_set])
    if result.new == data:
        return
    before, after = ast.parse(decode(data)[0]), ast.parse(decode(result.new)[0])

    def signatures(tree: ast.AST) -> list[tuple[str, list[str]]]:
        return [(node.name, [a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)])
                for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]

    renamed: dict[str, str] = {}
    old_signatures, new_signatures = signatures(before), signatures(after)
    assert [name for name, _ in old_signatures] == [name for name, _ in new_signatures]
    for (_, old_params), (_, new_params) in zip(old_signatures, new_signatures):
        assert len(old_params) == len(new_params)
        for old, new in zip(old_params, new_params):
            if old != new:
                assert new == old + "_" and old in dir(builtins), (old, new)
                assert any(f.code == "IAC302" and f.fixed for f in result.findings)
                renamed[new] = old
    top_before, bound_before, used_before = _bound_and_used(before)
    top_after, bound_after, used_after = (
        {renamed.get(name, name) for name in names} for names in _bound_and_used(after))
    imports_after = {(alias.asname or alias.name).split(".")[0] for node in ast.walk(after)
                     if isinstance(node, (ast.Import, ast.ImportFrom)) for alias in node.names}
    assert top_before <= top_after, "no module-level name disappears"
    # A fix adds module-level names by importing them, or by binding a value it must refer to
    # (IAC202 names a bare `S3Bucket(...)` call to attach its public access block): such a name is
    # new to the module, never one it already bound or read.
    added = top_after - top_before - imports_after
    assert not added & (bound_before | used_before), "a name a fix binds collides with an existing one"
    undefined_before = used_before - bound_before - set(dir(builtins))
    undefined_after = used_after - bound_after - set(dir(builtins))
    assert undefined_after <= undefined_before, "every name read resolves if it did before, and new reads resolve"


def test_grammar_reaches_fixes() -> None:
    """The generator is worth its examples: most programs give the rules something to fix."""
    fixed = 0
    samples = 0

    @settings(max_examples=60, deadline=None, derandomize=True)
    @given(program=programs())
    def count(program: Program) -> None:
        nonlocal fixed, samples
        samples += 1
        result = fix_source(program.encode(), "generated.py", FIX_ALL)
        fixed += any(finding.fixed for finding in result.findings)

    count()
    assert fixed >= samples // 3, f"only {fixed} of {samples} generated programs had a fix applied"


def test_known_libcst_round_trip_loss_keeps_bytes() -> None:
    """libcst writes 'x\\n\\n  \\n' back as 'x\\n  \\n': with no fix applied the bytes stay; a fix keeps
    the file's own end (the lost blank line is put back)."""
    assert cst.parse_module("x\n\n  \n").code == "x\n  \n", "libcst fixed its round-trip: drop this guard test"
    only_logging = Settings(select=("IAC301",))
    untouched = b'import logging\nlogging.info("a %s", b)\n\n  \n'
    assert fix_source(untouched, "t.py", only_logging).new == untouched
    suppressed = b'import logging\nlogging.info(f"a {b}")  # iacfix: ignore\n\n  \n'
    assert fix_source(suppressed, "t.py", only_logging).new == suppressed
    fixable = b'import logging\nlogging.info(f"a {b}")\n\n  \n'
    result = fix_source(fixable, "t.py", only_logging)
    assert result.error is None
    assert result.new == b'import logging\nlogging.info("a %s", b)\n\n  \n'
    # Old Mac line endings: libcst drops the final CR; a fix keeps it.
    mac = fix_source(b'import logging\rlogging.info(f"a {b}")\r', "t.py", only_logging)
    assert mac.new == b'import logging\rlogging.info("a %s", b)\r'


@pytest.mark.parametrize(("data", "lossy", "fixed", "expected"), [
    (b"a\n\n  \n", b"a\n  \n", b"b\n  \n", b"b\n\n  \n"),  # the tail put back
    (b"a\r", b"a", b"b", b"b\r"),
    (b"a\n\n  \n", b"a\n  \n", b"b\n", b"b\n"),  # a rule rewrote the end (IAC304): its decision
    (b"a\n\nb\n", b"a\nb\n", b"c\nb\n", None),  # lost inside the file: refused
])
def test_restore_tail(data: bytes, lossy: bytes, fixed: bytes, expected: bytes | None) -> None:
    from iacfix.codemods._engine import _restore_tail

    assert _restore_tail(data, lossy, fixed) == expected


try:
    import hypothesmith
except ImportError:  # pragma: no cover - it is in the test extra
    hypothesmith = None


@pytest.mark.skipif(hypothesmith is None, reason="hypothesmith is not installed (pip install -e '.[test]')")
@settings(max_examples=max(EXAMPLES // 3, 20), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(source=hypothesmith.from_grammar() if hypothesmith else st.nothing())
def test_arbitrary_python(source: str) -> None:
    """Any grammatical Python: no crash, nothing changed without an applied fix, output parses."""
    data = source.encode("utf-8", errors="surrogatepass")
    try:
        decode(data)
    except ValueError:
        return  # not text we would read at all (the bad-input matrix covers these)
    result = fix_source(data, "arbitrary.py", FIX_ALL)
    assert not result.internal_errors, result.internal_errors
    if not any(finding.fixed for finding in result.findings):
        assert result.new == data
    elif result.error is None:
        cst.parse_module(result.new)
        assert fix_source(result.new, "arbitrary.py", FIX_ALL).new == result.new
