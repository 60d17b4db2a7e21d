"""IAC104 unknown-construct-param: a keyword argument the construct does not take."""

from __future__ import annotations

import ast
import difflib
import functools
import re

import libcst as cst

from iacfix.codemods import _prescan as prescan
from iacfix.codemods._call_args import exploded, keyword_arg, one_line, with_args, without_args
from iacfix.codemods._context import FileContext
from iacfix.codemods._import_edits import dotted
from iacfix.codemods._positions import Positions
from iacfix.codemods._references import add_from_import, ast_dotted, file_names, free_for, resolve, top_level_local
from iacfix.codemods._rule import FixSafety, Rule, Severity
from iacfix.codemods._symbols import ClassInfo, load_index, mentions_managed_package

# Deprecated parameters whose replacement takes a struct rather than the old value: (class
# module, old keyword) -> (new keyword, struct, the struct's field that takes the old value).
# Each entry is checked against the index (the deprecation text must name the new keyword).
_STRUCT_REPLACEMENTS = {
    ("aws_cdk.aws_dynamodb", "point_in_time_recovery"):
        ("point_in_time_recovery_specification", "PointInTimeRecoverySpecification", "point_in_time_recovery_enabled"),
    ("aws_cdk.aws_dynamodb", "contributor_insights_enabled"):
        ("contributor_insights_specification", "ContributorInsightsSpecification", "enabled"),
    ("aws_cdk.aws_dynamodb", "contributor_insights"):
        ("contributor_insights_specification", "ContributorInsightsSpecification", "enabled"),
}
_NAMED_IN_TEXT = re.compile(r"`(\w+)`?")
# Keywords CDK v2 removed from a class because they belong to the value of another keyword:
# (module, class) -> (that keyword, the keywords that move into its value). CDK v1's `Alarm`
# took `period` and `statistic` (deprecated: "use metric.with(...)"); v2 reads them from the metric.
_MOVED_INTO = {
    ("aws_cdk.aws_cloudwatch", "Alarm"): ("metric", frozenset({"period", "statistic"})),
}
_METRIC_CLASSES = frozenset({"Metric", "MathExpression"})


class UnknownConstructParam(Rule):
    """Keyword arguments that the construct (or struct) being called does not have.

    ## What it does
    Checks the keywords of every call to a class of aws-cdk-lib, constructs, cdktf or the AWS
    provider against the constructor parameters in the API index. A keyword the class does not
    take is renamed when the index gives exactly one replacement: the same name in snake_case
    (`bucketName` -> `bucket_name`), or else the one close parameter name (`versioning` ->
    `versioned`, an unsafe fix). Otherwise it is reported with the closest real names. A
    deprecated DynamoDB parameter whose replacement takes a struct is rewritten to that struct:
    `point_in_time_recovery=True` -> `point_in_time_recovery_specification=
    dynamodb.PointInTimeRecoverySpecification(point_in_time_recovery_enabled=True)` (Medium).
    `period` and `statistic`, which CDK v2's `cloudwatch.Alarm` reads from its metric, move into
    the `Metric(...)` (or `.metric_*()` call) passed as `metric=`.

    ## Why it matters
    jsii constructors reject unknown keywords: `TypeError: __init__() got an unexpected keyword
    argument` at synth. The analyses rate hallucinated and removed parameters High.

    ## Example
    ```python
    from aws_cdk import aws_dynamodb as dynamodb, aws_s3 as s3


    def build(scope):
        s3.Bucket(scope, "Logs", bucketName="logs", enforceSSL=True)
        dynamodb.Table(
            scope,
            "Orders",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            point_in_time_recovery=True,
            stream_enabled=True,
        )
    ```

    ## After the fix
    ```python
    from aws_cdk import aws_dynamodb as dynamodb, aws_s3 as s3


    def build(scope):
        s3.Bucket(scope, "Logs", bucket_name="logs", enforce_ssl=True)
        dynamodb.Table(
            scope,
            "Orders",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True,
            ),
            stream_enabled=True,
        )
    ```
    (`stream_enabled` is reported with the closest names, `stream` among them: which stream
    view type is meant is the author's choice.)

    ## Fix safety
    The snake_case spelling of a camelCase keyword is the same parameter: safe. A rename to the
    one close name is unsafe (its type may differ); a plural/singular pair (`security_group`,
    `security_groups` takes a list) or a name that extends the other (`x_status`, `x`) is only
    reported. Moving `period`/`statistic` into a `Metric(...)` is safe (the v1 meaning); into a
    `.metric_*()` method it is unsafe (the receiver's class is not known); into anything else
    it is reported. A keyword that is already given, or a
    class whose constructor the index does not know (subclasses outside the index, `**kwargs`
    forwarding), is never touched.

    ## Known limits
    Only calls of the class itself (`s3.Bucket(...)`, an imported `Bucket(...)`) are checked,
    not methods (`Code.from_asset`) or the user's subclasses. Other deprecated parameters are
    left alone: they still work. In a call written on one line the struct goes inline, which can
    make the line longer than the lint gate allows.
    """

    CODE = "IAC104"
    NAME = "unknown-construct-param"
    SUMMARY = "keyword argument the construct or struct does not take"
    SEVERITY = Severity.HIGH
    FIX_SAFETY = FixSafety.SAFE
    TRIGGERS = re.compile(r"\w\s*=")
    REFERENCE = "https://docs.aws.amazon.com/cdk/api/v2/python/"

    @classmethod
    def wants(cls, text: str, context: FileContext) -> bool:
        return mentions_managed_package(text) and bool(_suspects(text))

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self.index = load_index()
        self.names = file_names(context.text)
        self.needs: set[tuple[str, str]] = set()  # (module, name) a rewrite imports
        self._statement_positions: dict[cst.CSTNode, Positions] = {}  # per top-level statement

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if self.names is None or not any(arg.keyword is not None for arg in original_node.args):
            return updated_node
        path = dotted(original_node.func)
        target = resolve(path, self.names, self.index) if path else None
        info = self.index.class_info(*target) if target else None
        if target is None or info is None or not _judged(info):
            return updated_node
        given = _given(original_node, info)
        handled = set(_moving(original_node, target, info))
        args = list(updated_node.args)
        for position, arg in enumerate(original_node.args):
            if arg.keyword is None or position in handled:
                continue
            new = self._check(original_node, arg, target, info, given)
            if new is not None:
                args[position] = new.with_changes(comma=args[position].comma)
                given.add(new.keyword.value if new.keyword else "")
        updated_node = updated_node.with_changes(args=args)
        return self._move(original_node, updated_node, target, sorted(handled)) if handled else updated_node

    def _move(self, call: cst.Call, updated: cst.Call, target: tuple[str, str], moving: list[int]) -> cst.Call:
        """`Alarm(metric=Metric(...), period=p)` -> `Alarm(metric=Metric(..., period=p))`: the
        keywords v2 reads from another keyword's value move into it (`moving`: their positions)."""
        holder_keyword = _MOVED_INTO[target][0]
        holder = next((i for i, arg in enumerate(call.args)
                       if arg.keyword is not None and arg.keyword.value == holder_keyword), None)
        value = call.args[holder].value if holder is not None else None
        names = [call.args[i].keyword.value for i in moving]  # type: ignore[union-attr]
        safety = self._metric_call(value, names) if value is not None else None
        cls = target[1]
        applied = True
        for i, name in zip(moving, names):
            message = f"`{cls}` has no parameter `{name}` in CDK v2: the `{holder_keyword}` carries it"
            if safety is None:
                self.report(call.args[i], f"{message} (pass it to the metric: `.with_({name}=...)`)", fixable=False)
                applied = False
            elif not self.report(call.args[i], message, fix_safety=safety):
                applied = False
        new_value = updated.args[holder].value if holder is not None else None
        # Bail out unless every moving keyword may move (they are one edit) into a call still there.
        if not applied or holder is None or not isinstance(new_value, cst.Call):
            return updated
        new_value = with_args(new_value, [keyword_arg(name, updated.args[i].value) for i, name in zip(moving, names)])
        args = list(updated.args)
        args[holder] = args[holder].with_changes(value=new_value)
        args[holder] = args[holder].with_changes(value=self._fitted(call.args[holder], args[holder], new_value))
        return without_args(updated.with_changes(args=args), set(moving))

    def _metric_call(self, value: cst.BaseExpression, names: list[str]) -> FixSafety | None:
        """How safely `names` can be passed to the call that builds the metric: a `Metric(...)`
        of the index takes them (safe); a `.metric_*()` method of a construct takes them as its
        MetricOptions (unsafe: the receiver's class is not known). None: leave it."""
        if not isinstance(value, cst.Call) or any(arg.star for arg in value.args):
            return None
        if any(arg.keyword is not None and arg.keyword.value in names for arg in value.args):
            return None
        path = dotted(value.func)
        target = resolve(path, self.names, self.index) if path and self.names else None
        if target is not None and target[1] in _METRIC_CLASSES:
            metric = self.index.class_info(*target)
            return FixSafety.SAFE if metric is not None and set(names) <= set(metric.params) else None
        func = value.func
        if isinstance(func, cst.Attribute) and (func.attr.value == "metric" or func.attr.value.startswith("metric_")):
            return FixSafety.UNSAFE
        return None

    def _check(self, call: cst.Call, arg: cst.Arg, target: tuple[str, str], info: ClassInfo,
               given: set[str]) -> cst.Arg | None:
        assert arg.keyword is not None
        keyword, (module, cls) = arg.keyword.value, target
        struct = _STRUCT_REPLACEMENTS.get((module, keyword))
        if keyword in info.params:
            if struct is None or keyword not in info.deprecated_params:
                return None
            return self._to_struct(call, arg, module, cls, info, given, struct)
        snake = _snake(keyword)
        if snake != keyword and snake in info.params and snake not in given:
            if self.report(arg, f"`{cls}` has no parameter `{keyword}`: Python spells it `{snake}`"):
                return arg.with_changes(keyword=cst.Name(snake))
            return None
        candidates = [p for p in info.params if p not in given and p not in ("scope", "id", "id_")]
        close = difflib.get_close_matches(keyword, candidates, 3, 0.6)
        shown = f"; closest: {', '.join(f'`{c}`' for c in close)}" if close else ""
        best = difflib.get_close_matches(keyword, candidates, 2, 0.8)
        if len(best) == 1 and not _type_may_differ(keyword, best[0]):
            if self.report(arg, f"`{cls}` has no parameter `{keyword}`; the one close name is `{best[0]}`",
                           fix_safety=FixSafety.UNSAFE):
                return arg.with_changes(keyword=cst.Name(best[0]))
            return None
        self.report(arg, f"`{cls}` has no parameter `{keyword}`{shown}", fixable=False)
        return None

    def _to_struct(self, call: cst.Call, arg: cst.Arg, module: str, cls: str, info: ClassInfo, given: set[str],
                   struct: tuple[str, str, str]) -> cst.Arg | None:
        new_keyword, struct_name, field = struct
        message = f"`{cls}({arg.keyword.value if arg.keyword else ''}=...)` is deprecated: " \
                  f"use `{new_keyword}={struct_name}(...)`"
        assert arg.keyword is not None
        named = {_snake(n) for n in _NAMED_IN_TEXT.findall(info.deprecated_params[arg.keyword.value])}
        ref = self._struct_ref(call, module, struct_name)
        # Bail out when the index does not confirm the replacement or the file cannot name the struct.
        fixable = (new_keyword in named and new_keyword in info.params and new_keyword not in given
                   and self.index.class_info(module, struct_name) is not None and ref is not None)
        if not self.report(arg, message, fixable=fixable, severity=Severity.MEDIUM) or ref is None:
            return None
        if isinstance(ref, cst.Name):
            self.needs.add((module, struct_name))
        equal = cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace(""))
        value = cst.Call(func=ref, args=[cst.Arg(keyword=cst.Name(field), value=arg.value, equal=equal)])
        before = _whitespace_before(call, arg)
        if isinstance(before, cst.ParenthesizedWhitespace):
            # One argument per line already: the struct call spans lines too, as black writes it.
            plain = before.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[])
            inner = plain.with_changes(last_line=cst.SimpleWhitespace(plain.last_line.value + "    "))
            value = value.with_changes(whitespace_before_args=inner, args=[
                value.args[0].with_changes(comma=cst.Comma(whitespace_after=plain))])
        new = arg.with_changes(keyword=cst.Name(new_keyword), value=value)
        return new.with_changes(value=self._fitted(arg, new, value))

    def _fitted(self, original: cst.Arg, new: cst.Arg, call: cst.Call) -> cst.Call:
        """`call` (the value of `new`, which replaces `original`) exploded one argument per line
        when `new` written on one line would go past the line length."""
        text = one_line(new.with_changes(comma=cst.MaybeSentinel.DEFAULT, whitespace_after_arg=cst.SimpleWhitespace("")))
        where = self._where(original) if text is not None else None
        if text is None or where is None or where[0] + len(text) + where[2] <= self.context.line_length:
            return call
        return exploded(call, where[1])

    def _where(self, node: cst.CSTNode) -> tuple[int, int, int] | None:
        """The column of an original `node`, the indentation of its line and the length of the
        line after it (computed on the top-level statement holding it, only for the few nodes a
        fix lengthens)."""
        stack = self.context.statement_stack
        if not stack:
            return None
        positions = self._statement_positions.get(stack[0])
        if positions is None:
            statement = cst.Module(body=[stack[0]])  # type: ignore[list-item]
            positions = self._statement_positions[stack[0]] = Positions(statement)
        where = positions.get(node)
        if where is None:
            return None
        line = positions.code.splitlines()[where.start.line - 1]
        rest = len(line) - where.end.column if where.end.line == where.start.line else 1
        return where.start.column, len(line) - len(line.lstrip()), rest

    def _struct_ref(self, call: cst.Call, module: str, name: str) -> cst.BaseExpression | None:
        """`dynamodb.X` when the class is called through its module, else an imported `X`."""
        assert self.names is not None
        if isinstance(call.func, cst.Attribute):
            return call.func.with_changes(attr=cst.Name(name))
        local = top_level_local(self.names, module, name)
        if local is not None:
            return cst.Name(local)
        return cst.Name(name) if free_for(self.names, name, module, name) else None

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        body: list[cst.BaseStatement] = list(updated_node.body)
        for module, name in sorted(self.needs):
            body = add_from_import(body, module, name)
        return updated_node.with_changes(body=body) if self.needs else updated_node


def _whitespace_before(call: cst.Call, arg: cst.Arg) -> cst.BaseParenthesizableWhitespace | None:
    position = next(i for i, a in enumerate(call.args) if a is arg)
    if position == 0:
        return call.whitespace_before_args
    comma = call.args[position - 1].comma
    return comma.whitespace_after if isinstance(comma, cst.Comma) else None


def _moving(call: cst.Call, target: tuple[str, str], info: ClassInfo) -> list[int]:
    """Positions of the keywords of `call` that belong to another keyword's value (`_MOVED_INTO`)."""
    movable = _MOVED_INTO.get(target, ("", frozenset()))[1]
    return [i for i, arg in enumerate(call.args)
            if arg.keyword is not None and arg.keyword.value in movable and arg.keyword.value not in info.params]


def _judged(info: ClassInfo) -> bool:
    return info.params_known and info.kind in ("class", "struct") and bool(info.params)


def _given(call: cst.Call, info: ClassInfo) -> set[str]:
    positional = sum(1 for arg in call.args if arg.keyword is None and not arg.star)
    return set(info.params[:positional]) | {arg.keyword.value for arg in call.args if arg.keyword is not None}


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _type_may_differ(a: str, b: str) -> bool:
    """`security_group` / `security_groups`: a plural takes a list; `delete_marker_replication_status`
    / `delete_marker_replication`: one names a field of the other. The value's type differs."""
    return a.rstrip("s") == b.rstrip("s") or a.startswith(b + "_") or b.startswith(a + "_")


@functools.lru_cache(maxsize=4)
def _suspects(text: str) -> bool:
    """Whether any call of an indexed class passes a keyword to judge (cheap: `ast`, no libcst)."""
    names = file_names(text)
    if names is None:
        return False
    index = load_index()
    for node in prescan.of_type(text, ast.Call) or ():
        if not node.keywords:
            continue
        path = ast_dotted(node.func)
        target = resolve(path, names, index) if path else None
        info = index.class_info(*target) if target else None
        if target is None or info is None or not _judged(info):
            continue
        for keyword in node.keywords:
            if keyword.arg is not None and (keyword.arg not in info.params
                                            or (target[0], keyword.arg) in _STRUCT_REPLACEMENTS):
                return True
    return False
