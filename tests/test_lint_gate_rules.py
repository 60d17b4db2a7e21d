"""IAC303-IAC306 beyond the fixtures: value-preserving string splits, pylint's way of measuring
lines, the module-size budget, the explanations' examples."""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iacfix._pylint_config import clear_cache
from iacfix.codemods import get_rule
from iacfix.codemods._engine import fix_source
from iacfix.codemods._pylint_lines import disabled_anywhere, long_lines, TOO_MANY_LINES
from iacfix.codemods._rule import explanation
from iacfix.codemods._strings import split_string
from iacfix.settings import Settings

# --- string splitting keeps the value ---------------------------------------------------------

_TEXT = st.text(alphabet=st.sampled_from(list("ab ,;/:?#&{}'\"\\\t\né€x0")), min_size=0, max_size=160)


@settings(max_examples=int(os.environ.get("IACFIX_EXAMPLES", "300")), suppress_health_check=[HealthCheck.too_slow])
@given(value=_TEXT, raw=st.booleans(), width=st.integers(min_value=20, max_value=90))
def test_split_plain_string_keeps_its_value(value: str, raw: bool, width: int) -> None:
    literal = repr(value)
    if raw:
        if "\\" in value or "'" in value or '"' in value or "\n" in value or "\t" in value:
            return
        literal = "r" + literal
    pieces = split_string(cst.parse_expression(literal), 4, width, 0)  # type: ignore[arg-type]
    if pieces is None:
        return
    assert len(pieces) > 1
    assert ast.literal_eval("(" + " ".join(pieces) + ")") == value
    assert all(4 + len(piece) <= width for piece in pieces)


@settings(max_examples=int(os.environ.get("IACFIX_EXAMPLES", "200")), suppress_health_check=[HealthCheck.too_slow])
@given(parts=st.lists(st.one_of(_TEXT.map(lambda t: ("text", t)), st.sampled_from(
    ["{a}", "{b!r}", "{a:>10}", "{b=}", "{c['k']}", "{{", "}}"]).map(lambda f: ("field", f))), max_size=12),
    width=st.integers(min_value=30, max_value=90))
def test_split_fstring_keeps_its_value(parts: list[tuple[str, str]], width: int) -> None:
    body = "".join(_escape(text) if kind == "text" else text for kind, text in parts)
    literal = f'f"{body}"'
    names = {"a": "A", "b": 2, "c": {"k": "v"}}
    expected = eval(literal, names)  # noqa: S307 - our own generated literal
    pieces = split_string(cst.parse_expression(literal), 4, width, 0)  # type: ignore[arg-type]
    if pieces is None:
        return
    joined = "(" + " ".join(pieces) + ")"
    assert eval(joined, names) == expected  # noqa: S307
    for piece in pieces:
        node = ast.parse(piece, mode="eval").body
        if isinstance(node, ast.JoinedStr):
            assert any(isinstance(v, ast.FormattedValue) for v in node.values), f"placeholder-less f-string: {piece}"


def _escape(text: str) -> str:
    """`text` as the body of a double-quoted f-string."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return escaped.replace("{", "{{").replace("}", "}}")


def test_split_never_breaks_an_escape_or_a_field() -> None:
    literal = 'f"{region}\\N{EM DASH}\\x41\\u00e9' + "x " * 15 + '{account_id!r}"'
    pieces = split_string(cst.parse_expression(literal), 0, 30, 0)  # type: ignore[arg-type]
    assert pieces is not None
    assert not any(piece.endswith(('\\"', '\\N"', '\\x4"')) for piece in pieces)
    assert any("{account_id!r}" in piece for piece in pieces)


def test_url_is_cut_only_before_its_query_or_fragment() -> None:
    path_only = '"https://s3.amazonaws.com/' + "agent/" * 12 + 'latest/agent.rpm"'
    assert split_string(cst.parse_expression(path_only), 0, 60, 0) is None  # type: ignore[arg-type]
    dashboard = '"https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards:name=payments"'
    pieces = split_string(cst.parse_expression(dashboard), 0, 70, 0)  # type: ignore[arg-type]
    assert pieces == ['"https://console.aws.amazon.com/cloudwatch/home?region=us-east-1"', '"#dashboards:name=payments"']


def test_tab_indented_code_is_reported_not_fixed() -> None:
    source = "def f():\n\t" + _CALL
    result = fix_source(source, "stack.py", Settings(select=("IAC303",), line_length=80))
    assert result.new.decode() == source
    assert [f.message.endswith("indented with tabs") for f in result.findings] == [True]


def test_unsplittable_strings() -> None:
    for literal in ['"' + "x" * 200 + '"', '"""' + "a " * 100 + '"""']:
        assert split_string(cst.parse_expression(literal), 0, 60, 0) is None  # type: ignore[arg-type]


# --- lines measured as pylint measures them ---------------------------------------------------


def _long(text: str, limit: int = 40) -> list[int]:
    return [line.number for line in long_lines(text, limit)]


def test_pragma_is_not_counted_and_can_silence() -> None:
    code = "x = [1, 2, 3, 4, 5, 6, 7, 8]"
    assert _long(f"{code}  # pylint: disable=unused-variable\n") == []  # 28 characters once the pragma is cut
    assert _long(f"{code}, 9, 10, 11, 12]  # pylint: disable=line-too-long\n") == []
    assert _long(f"{code}, 9, 10, 11, 12]  # pylint: disable=C0301\n") == []
    assert _long(f"{code}, 9, 10, 11, 12]  # a comment\n") == [1]


def test_url_only_lines_are_allowed() -> None:
    url = "https://docs.aws.amazon.com/cdk/api/v2/python/aws_cdk.aws_s3/Bucket.html"
    assert _long(f"# {url}\n    <{url}>\n{url}\n") == []
    assert _long(f"# see {url}\n") == [1]


def test_block_and_next_line_pragmas() -> None:
    long = "value = " + "1 + " * 12 + "1"
    text = "\n".join([
        "# pylint: disable-next=line-too-long", long,  # 1-2: silenced
        long,  # 3: reported
        "def f():", "    # pylint: disable=line-too-long", "    " + long,  # 4-6: silenced in the block
        "    # pylint: enable=line-too-long", "    " + long,  # 7-8: reported again
        long,  # 9: reported (the block ended)
    ]) + "\n"
    assert _long(text) == [3, 8, 9]


def test_lines_inside_a_string_are_measured_like_pylint() -> None:
    text = 'x = """short\n' + "a" * 50 + '\n"""\ny = (\n"""' + "b" * 50 + "\n" + "c" * 50 + '"""\n)\n'
    # Line 2 continues a string opened after `x = `: pylint never looks at it; a string that
    # opens its own line is measured whole (lines 5 and 6).
    assert _long(text) == [5, 6]


def test_too_many_lines_pragma_anywhere() -> None:
    assert disabled_anywhere("x = 1\ndef f():\n    pass  # pylint: disable=too-many-lines\n", TOO_MANY_LINES)
    assert disabled_anywhere("# pylint: disable=C0302\n", TOO_MANY_LINES)
    assert not disabled_anywhere("# pylint: disable=line-too-long\n", TOO_MANY_LINES)


@pytest.fixture(autouse=True)
def _fresh_config_cache() -> None:
    clear_cache()


# --- IAC303 behaviour beyond fixtures ---------------------------------------------------------

_CALL = "client.put_item(TableName=table_name, Item=item, ConditionExpression=condition, ReturnValues=returns)\n"


def test_fix_stays_under_max_module_lines() -> None:
    filler = "x = 1\n" * 997
    before = filler + _CALL
    result = fix_source(before, "stack.py", Settings(select=("IAC303",), line_length=80))
    assert result.new.decode() == before
    (finding,) = result.findings
    assert not finding.fixed and "max-module-lines" in finding.message
    # A module already over the limit is fixed: C0302 is reported there anyway.
    over = "x = 1\n" * 1001 + _CALL
    result = fix_source(over, "stack.py", Settings(select=("IAC303",), line_length=80))
    assert result.new.decode().endswith("client.put_item(\n    TableName=table_name,\n    Item=item,\n"
                                        "    ConditionExpression=condition,\n    ReturnValues=returns,\n)\n")


def test_ignore_comment_keeps_the_line() -> None:
    source = _CALL.rstrip("\n") + "  # iacfix: ignore[IAC303]\n"
    result = fix_source(source, "stack.py", Settings(select=("IAC303",), line_length=80))
    assert result.new.decode() == source and not result.findings


def test_the_fix_uses_the_project_limit(tmp_path: Path) -> None:
    project = tmp_path
    (project / ".git").mkdir()
    (project / "setup.cfg").write_text("[pylint.format]\nmax-line-length = 80\n")
    source = "from aws_cdk import aws_s3, aws_iam, aws_lambda, aws_dynamodb, aws_sqs, aws_sns, aws_kms\n"
    assert len(source) - 1 == 88
    result = fix_source(source, str(project / "stack.py"), Settings(select=("IAC303",)))
    assert result.new.decode().startswith("from aws_cdk import (\n    aws_s3,\n")
    # `--line-length 120` overrides the project's 80: the same line is then fine.
    again = fix_source(source, str(project / "stack.py"), Settings(select=("IAC303",), line_length=120))
    assert again.new.decode() == source and not again.findings


def test_too_many_lines_is_reported_once_when_other_rules_add_lines() -> None:
    source = "x = 1\n" * 1001 + _CALL
    result = fix_source(source, "stack.py", Settings(select=("IAC303", "IAC305"), line_length=80))
    assert result.new.decode().count("\n") > source.count("\n")  # IAC303 split the call: a second pass ran
    assert [f.message for f in result.findings if f.code == "IAC305"] == ["too many lines in module (more than 1000)"]


def test_too_many_lines_uses_the_project_limit(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    source = "x = 1\n" * 1100
    assert fix_source(source, str(tmp_path / "stack.py"), Settings(select=("IAC305",))).findings
    (tmp_path / "pyproject.toml").write_text("[tool.pylint.format]\nmax-module-lines = 1200\n")
    clear_cache()  # read once per folder and run: this test changes the configuration mid-run
    assert not fix_source(source, str(tmp_path / "lib" / "stack.py"), Settings(select=("IAC305",))).findings


@pytest.mark.parametrize("code", ["IAC303", "IAC304", "IAC305", "IAC306"])
def test_explanation_example_becomes_after(code: str) -> None:
    rule = get_rule(code)
    assert rule is not None
    text = explanation(rule)
    blocks = re.findall(r"```python\n(.*?)```", text, re.DOTALL)
    assert len(blocks) == 2
    example, after = blocks
    result = fix_source(example, "example.py", Settings(select=(code,)))
    assert result.new.decode() == after
