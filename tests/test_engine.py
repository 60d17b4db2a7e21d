"""The engine: bytes in, bytes out, one parse, verified output, one file's failure stays local."""

from __future__ import annotations

import re
from pathlib import Path

import libcst as cst
import pytest

import iacfix.codemods._engine as engine
from iacfix.codemods._engine import fix_paths, fix_source
from iacfix.codemods._rule import FixSafety, Rule, Severity, TextRule
from iacfix.settings import Settings

LOGGING = 'import logging\nlogger = logging.getLogger()\nlogger.info(f"x {a}")\n'
FIXED = 'import logging\nlogger = logging.getLogger()\nlogger.info("x %s", a)\n'


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param(LOGGING.encode(), FIXED.encode(), id="lf"),
        pytest.param(LOGGING.replace("\n", "\r\n").encode(), FIXED.replace("\n", "\r\n").encode(), id="crlf"),
        pytest.param(b"\xef\xbb\xbf" + LOGGING.encode(), b"\xef\xbb\xbf" + FIXED.encode(), id="bom"),
        pytest.param(LOGGING.rstrip("\n").encode(), FIXED.rstrip("\n").encode(), id="no-final-newline"),
        pytest.param(
            ("# -*- coding: latin-1 -*-\n" + LOGGING.replace("x {a}", "café {a}")).encode("latin-1"),
            ("# -*- coding: latin-1 -*-\n" + FIXED.replace("x %s", "café %s")).encode("latin-1"),
            id="pep263-latin-1",
        ),
        pytest.param(
            LOGGING.replace("\n", "\r\n", 1).encode(), FIXED.replace("\n", "\r\n", 1).encode(), id="mixed-endings"
        ),
    ],
)
def test_encoding_and_line_endings_are_kept(before: bytes, after: bytes) -> None:
    result = fix_source(before, "f.py", Settings(select=("IAC301",)))  # IAC304 would add the final newline
    assert result.error is None
    assert result.new == after


def test_clean_file_is_byte_identical_and_never_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real_parse = cst.parse_module
    monkeypatch.setattr(engine.cst, "parse_module", lambda *a, **k: calls.append(a) or real_parse(*a, **k))
    data = b"import os\n\nprint(os.getcwd())\n"
    result = fix_source(data, "clean.py")
    assert result.new is data or result.new == data
    assert not result.changed and not result.findings
    assert calls == [], "a file no rule can touch must not reach libcst"


def test_candidate_file_is_parsed_once_when_nothing_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real_parse = cst.parse_module
    monkeypatch.setattr(engine.cst, "parse_module", lambda *a, **k: calls.append(a) or real_parse(*a, **k))
    fix_source(b'logger.info("already lazy %s", x)\n', "lazy.py")
    assert len(calls) == 1


def test_syntax_error_names_line_and_column() -> None:
    result = fix_source(b'x = 1\nlogger.info(f"{a}"\n', "broken.py")
    assert result.error is not None
    assert result.error.format("broken.py").startswith("broken.py:2:")
    assert "cannot parse" in result.error.message
    assert result.new == result.old


def test_syntax_error_in_a_file_no_rule_wants_is_still_reported() -> None:
    result = fix_source(b"def f(:\n    pass\n", "broken.py")
    assert result.error is not None and result.error.line == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x00\x01binary", "binary file"),
        (b"x = '\xff\xfe'\n", "cannot decode as utf-8"),
        (b"# coding: no-such-codec\nx = 1\n", "cannot decode"),
    ],
)
def test_undecodable_input_is_an_error_not_a_crash(data: bytes, message: str) -> None:
    result = fix_source(data, "weird.py")
    assert result.error is not None and message in result.error.message
    assert result.new == data


def test_one_bad_file_among_good_ones(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(LOGGING)
    (tmp_path / "b.py").write_text("def broken(:\n")
    (tmp_path / "c.py").write_text(LOGGING)
    results = fix_paths([str(tmp_path), str(tmp_path / "missing.py")])
    by_name = {Path(r.path).name: r for r in results}
    assert by_name["a.py"].new.decode() == FIXED
    assert by_name["c.py"].new.decode() == FIXED
    assert by_name["b.py"].error is not None
    assert by_name["missing.py"].error is not None and "no such file" in by_name["missing.py"].error.message


def test_default_excludes_and_duplicates(tmp_path: Path) -> None:
    for folder in (".venv", "node_modules", "cdk.out", "cdktf.out", "__pycache__", "lib"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "m.py").write_text(LOGGING)
    results = fix_paths([str(tmp_path), str(tmp_path / "lib" / "m.py"), str(tmp_path / "lib")])
    assert [Path(r.path).relative_to(tmp_path).as_posix() for r in results] == ["lib/m.py"]


def test_symlink_loop_is_not_followed(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text(LOGGING)
    (tmp_path / "pkg" / "loop").symlink_to(tmp_path)
    results = fix_paths([str(tmp_path)])
    assert len(results) == 1 and results[0].changed


class _Crashes(Rule):
    """Test rule."""

    CODE = "IAC998"
    NAME = "test-crashes"
    SUMMARY = "raises"
    SEVERITY = Severity.LOW
    FIX_SAFETY = FixSafety.SAFE
    TRIGGERS = re.compile("logger")

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        raise KeyError("boom")


class _Breaks(Rule):
    """Test rule."""

    CODE = "IAC999"
    NAME = "test-breaks"
    SUMMARY = "writes code that does not parse"
    SEVERITY = Severity.LOW
    FIX_SAFETY = FixSafety.SAFE
    TRIGGERS = re.compile("logger")

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        if updated_node.value == "logger" and self.report(original_node, "rename"):
            return updated_node.with_changes(value="not valid")
        return updated_node


def test_a_crashing_rule_is_dropped_and_the_others_still_fix() -> None:
    rules = (*engine.select_rules(Settings()), _Crashes)
    result = fix_source(LOGGING, "f.py", rules=rules)
    assert result.new.decode() == FIXED
    assert any("internal error in IAC998" in e and "KeyError" in e for e in result.internal_errors)


class _ReturnsText(_Crashes):
    """Test rule: a `leave_*` hook that returns what no parent can take."""

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        return "not a node" if updated_node.value == "logger" else updated_node  # type: ignore[return-value]


class _RemovesRequired(_Crashes):
    """Test rule: removes a node its parent requires (the target of an assignment)."""

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        return cst.RemoveFromParent() if updated_node.value == "logger" else updated_node  # type: ignore[return-value]


@pytest.mark.parametrize(("rule", "error"), [(_ReturnsText, "CSTValidationError"), (_RemovesRequired, "TypeError")])
def test_a_hook_result_the_tree_cannot_take_drops_that_rule(rule: type[Rule], error: str) -> None:
    # libcst raises only after the hook returned, outside the rule's own code: still that rule's
    # bug, so it is dropped like a rule that raised, and the others still fix the file.
    rules = (*engine.select_rules(Settings()), rule)
    result = fix_source(LOGGING, "f.py", rules=rules)
    assert result.new.decode() == FIXED
    assert [e for e in result.internal_errors if "internal error in IAC998" in e and error in e]


def test_output_that_does_not_parse_is_refused_and_the_rule_named() -> None:
    rules = (*engine.select_rules(Settings()), _Breaks)
    result = fix_source(LOGGING, "f.py", rules=rules)
    assert result.new.decode() == FIXED, "the other rule's fix is kept, the broken one dropped"
    assert any("IAC999" in e for e in result.internal_errors)
    assert all(f.code != "IAC999" for f in result.findings)


def test_fixing_twice_equals_fixing_once() -> None:
    once = fix_source(LOGGING, "f.py").new
    assert fix_source(once, "f.py").new == once


def test_findings_are_sorted_and_positioned() -> None:
    source = LOGGING + 'logger.warning(f"y {b}")\n'
    result = fix_source(source, "f.py")
    assert [(f.line, f.column) for f in result.findings] == [(3, 1), (4, 1)]
    assert all(f.fixed and f.severity is Severity.HIGH for f in result.findings)


def test_select_and_ignore() -> None:
    assert not fix_source(LOGGING, "f.py", Settings(ignore=("IAC3",))).changed
    assert fix_source(LOGGING, "f.py", Settings(ignore=("IAC3",), select=("IAC301",))).changed
    assert not fix_source(LOGGING, "f.py", Settings(select=("IAC301",), ignore=("IAC301",))).changed
    assert fix_source(LOGGING, "f.py", Settings(select=("logging-fstring",))).changed


class _PinCdkV1(TextRule):
    """Test text rule."""

    CODE = "IAC997"
    NAME = "test-pin"
    SUMMARY = "replaces a requirement"
    SEVERITY = Severity.LOW
    FIX_SAFETY = FixSafety.SAFE
    TRIGGERS = re.compile("aws-cdk.core")

    def fix(self, text: str) -> str:
        lines = text.splitlines(keepends=True)
        for number, line in enumerate(lines, 1):
            if line.startswith("aws-cdk.core") and self.report(number, 0, "v1 package"):
                lines[number - 1] = "aws-cdk-lib>=2.0.0\n"
        return "".join(lines)


def test_requirements_files_are_found_and_fixed_by_text_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    # The Python rules, and this text rule alone (not the real IAC106, which would fix the same lines).
    python_rules = [rule for rule in engine.ALL_RULES if not issubclass(rule, TextRule)]
    monkeypatch.setattr(engine, "select_rules", lambda settings: (*python_rules, _PinCdkV1))
    (tmp_path / "requirements.txt").write_text("boto3\naws-cdk.core==1.204.0  # iacfix: ignore\naws-cdk.core\n")
    (tmp_path / "requirements-dev.txt").write_text("pytest\n")
    (tmp_path / "notes.txt").write_text("aws-cdk.core\n")
    results = {Path(r.path).name: r for r in fix_paths([str(tmp_path)])}
    assert sorted(results) == ["requirements-dev.txt", "requirements.txt"]
    fixed = results["requirements.txt"]
    assert fixed.new == b"boto3\naws-cdk.core==1.204.0  # iacfix: ignore\naws-cdk-lib>=2.0.0\n"
    assert [(f.code, f.line, f.fixed) for f in fixed.findings] == [("IAC997", 3, True)]
    assert not results["requirements-dev.txt"].changed


def test_a_fix_that_gives_another_rule_work_is_finished_in_the_same_run() -> None:
    # IAC101 adds the `A` (125 -> 126 characters); IAC303 must split the line in the same run, or
    # fixing the output again would change it.
    line = ("from cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration import "
            "S3BucketServerSideEncryptionConfiguration\n")
    source = line + "print(S3BucketServerSideEncryptionConfiguration)\n"
    settings = Settings(line_length=125)
    result = fix_source(source, "stack.py", settings)
    assert {f.code for f in result.findings if f.fixed} == {"IAC101", "IAC303"}
    assert result.new.decode().startswith(
        "from cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration import (\n"
        "    S3BucketServerSideEncryptionConfigurationA,\n)\n")
    assert fix_source(result.new, "stack.py", settings).new == result.new


def test_a_candidate_deferred_to_the_next_pass_is_fixed_even_off_the_changed_lines() -> None:
    # IAC302 renames `id` on one line of the call; IAC303 then leaves that statement's long line
    # (another line) to the next pass, which must run although the rename did not touch that line.
    source = (
        "class Stack:\n"
        "    def __init__(self):\n"
        "        self.role = self._role(\"Role\")\n"
        "\n"
        "    def _role(self, id: str):\n"
        "        return Role(\n"
        "            self,\n"
        "            id,\n"
        "            managed_policies=[ManagedPolicy.from_aws_managed_policy_name(\"service-role/"
        "AWSLambdaBasicExecutionRole-long\")],\n"
        "        )\n"
    )
    result = engine.fix_source(source.encode(), "stack.py", Settings())
    assert {(f.code, f.fixed) for f in result.findings} >= {("IAC302", True), ("IAC303", True)}
    assert max(len(line) for line in result.new.decode().splitlines()) <= 120
    again = engine.fix_source(result.new, "stack.py", Settings())
    assert again.new == result.new


# --- the next pass reads the tree the last one produced ----------------------------------------

TWO_PASSES = [Path(__file__).parent / "fixtures" / name for name in (
    "arn_wildcard_account/cdk_stack.before.py", "line_too_long/call_arguments.before.py",
    "builtin_param_name/helper_keywords.before.py", "outdated_lambda_runtime/cdktf.before.py")]


def test_distinct_refuses_a_node_in_two_places_but_not_shared_whitespace() -> None:
    from iacfix.codemods._traverse import distinct

    module = cst.parse_module("x = f(a, b)\n")
    assert distinct(module)
    line = module.body[0]
    assign = line.body[0]
    call = assign.value
    # `f(a, a)` with one `Name` object in both places (libcst's own `visit` would copy one).
    call = call.with_changes(args=[call.args[0], call.args[1].with_changes(value=call.args[0].value)])
    twice = module.with_changes(body=[line.with_changes(body=[assign.with_changes(value=call)])])
    assert twice.code == "x = f(a, a)\n" and not distinct(twice)
    space = cst.SimpleWhitespace(" ")
    shared = cst.parse_module("x = [a, b]\n").visit(_SharedSpace(space))
    assert isinstance(shared, cst.Module) and distinct(shared) and shared.code == "x = [a , b ,]\n"


class _SharedSpace(cst.CSTTransformer):
    def __init__(self, space: cst.SimpleWhitespace) -> None:
        super().__init__()
        self.space = space

    def leave_Comma(self, original_node: cst.Comma, updated_node: cst.Comma) -> cst.Comma:
        return updated_node.with_changes(whitespace_before=self.space)

    def leave_Element(self, original_node: cst.Element, updated_node: cst.Element) -> cst.Element:
        if isinstance(updated_node.comma, cst.Comma):
            return updated_node
        return updated_node.with_changes(comma=cst.Comma(whitespace_before=self.space,
                                                         whitespace_after=cst.SimpleWhitespace("")))


@pytest.mark.parametrize("path", TWO_PASSES, ids=lambda p: p.parent.name)
def test_a_second_pass_reads_the_fixed_tree_and_gives_what_parsing_the_fixed_text_gives(
        path: Path, monkeypatch) -> None:
    data = path.read_bytes()
    parses: list[int] = []
    real = cst.parse_module

    def counting(source, *args, **kwargs):
        parses.append(1)
        return real(source, *args, **kwargs)

    monkeypatch.setattr(cst, "parse_module", counting)
    reused = fix_source(data, str(path), Settings())
    assert len(parses) == 1, "the second pass did not parse the fixed text"
    parses.clear()
    monkeypatch.setattr(engine, "distinct", lambda module: False)
    parsed = fix_source(data, str(path), Settings())
    assert len(parses) == 2
    assert reused.new != data
    assert (reused.new, reused.findings) == (parsed.new, parsed.findings)
