"""IAC105 metric-missing-dimension: a DynamoDB latency metric without its `Operation` dimension."""

from __future__ import annotations

import ast
from typing import Any, Mapping

import libcst as cst

from iacfix.codemods._api_names import file_names
from iacfix.codemods._bindings import FileNames
from iacfix.codemods._context import FileContext
from iacfix.codemods._import_edits import dotted
from iacfix.codemods._rule import FixSafety, Rule, Severity
from iacfix.codemods._symbols import mentions_managed_package

_METHOD = "metric_successful_request_latency"
_DYNAMODB = "aws_cdk.aws_dynamodb"
_TABLES = ("Table", "TableV2")
_TABLE_TYPES = frozenset(f"{_DYNAMODB}.{name}" for name in (*_TABLES, "ITable", "ITableV2", "TableBase", "TableBaseV2"))
_LOOKUPS = ("from_table_name", "from_table_arn", "from_table_attributes")


class MetricMissingDimension(Rule):
    """DynamoDB `metric_successful_request_latency()` without the `Operation` dimension.

    ## What it does
    Finds `table.metric_successful_request_latency(...)` on a DynamoDB table without an
    `"Operation"` key in `dimensions_map`, and adds `dimensions_map={"Operation": "GetItem"}` (or
    the key to the `dimensions_map` dict literal the call has). The operation is the rule option
    `operation`. A table is what the file builds with `dynamodb.Table(...)`/`TableV2(...)` or
    looks up with `Table.from_table_name(...)` and friends, assigned to a name or an attribute
    (`self.table = ...`) directly or through a function of the file that returns one
    (`self.table = self._create_table()`), or a parameter annotated with a table type.

    ## Why it matters
    The metric exists per operation, so aws-cdk-lib refuses to build it:
    `'Operation' dimension must be passed for the 'SuccessfulRequestLatency' metric.` and synth
    fails. The failure analyses rate it Medium.

    ## Example
    ```python
    from aws_cdk import aws_cloudwatch as cloudwatch, aws_dynamodb as dynamodb


    def table_alarm(scope):
        table = dynamodb.Table(scope, "Payments", partition_key=dynamodb.Attribute(
            name="id", type=dynamodb.AttributeType.STRING))
        return cloudwatch.Alarm(scope, "Latency", metric=table.metric_successful_request_latency(),
                                threshold=100, evaluation_periods=2)
    ```

    ## After the fix
    ```python
    from aws_cdk import aws_cloudwatch as cloudwatch, aws_dynamodb as dynamodb


    def table_alarm(scope):
        table = dynamodb.Table(scope, "Payments", partition_key=dynamodb.Attribute(
            name="id", type=dynamodb.AttributeType.STRING))
        return cloudwatch.Alarm(scope, "Latency", metric=table.metric_successful_request_latency(
            dimensions_map={"Operation": "GetItem"}),
                                threshold=100, evaluation_periods=2)
    ```

    ## Fix safety
    Safe when the receiver is known to be a table: the call cannot synthesize as it is, and
    `GetItem` is the usual read latency to watch (set the option, or edit the value, to watch
    another operation). Unsafe when the file does not say what the receiver is (only DynamoDB
    tables have this method in aws-cdk-lib, but a class of your own might). A `dimensions_map`
    that is not a dict literal, or `**kwargs`, is reported only.

    ## Known limits
    Assignments are tracked per file by their dotted name, without scopes or flow.

    ## References
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html
    """

    CODE = "IAC105"
    NAME = "metric-missing-dimension"
    SUMMARY = "DynamoDB latency metric without the `Operation` dimension"
    SEVERITY = Severity.MEDIUM
    FIX_SAFETY = FixSafety.SAFE
    REFERENCE = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html"

    @classmethod
    def wants(cls, text: str, context: FileContext) -> bool:
        return mentions_managed_package(text) and _METHOD in text

    @classmethod
    def options(cls) -> Mapping[str, Any]:
        return {"operation": "GetItem"}

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self.tables: set[str] = set()  # dotted names the file assigns a table to
        self.others: set[str] = set()  # ... and something else
        self.lines: list[str] = context.text.splitlines()
        self.calls: list[ast.Call] = []  # the method's calls in source order, for their line's width
        self.seen = 0
        names = file_names(context.text)
        if names is not None:
            self._track(names.tree, names)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        func = original_node.func
        if not isinstance(func, cst.Attribute) or func.attr.value != _METHOD:
            return updated_node
        where = self.calls[self.seen] if self.seen < len(self.calls) else None
        self.seen += 1
        keywords = {arg.keyword.value: arg for arg in updated_node.args if arg.keyword is not None}
        given = [keywords[k].value for k in ("dimensions_map", "dimensions") if k in keywords]
        if any(isinstance(d, cst.Dict) and _has_operation(d) for d in given):
            return updated_node
        operation = str(self.option("operation"))
        problem = f"`{_METHOD}()` has no `Operation` dimension: synth fails"
        if any(arg.star for arg in updated_node.args):
            self.report(original_node, f"{problem} unless `**` passes one", fixable=False)
            return updated_node
        current = keywords.get("dimensions_map")
        if current is not None and (not isinstance(current.value, cst.Dict) or not _plain(current.value)):
            self.report(original_node, f"{problem} unless `dimensions_map` has one", fixable=False)
            return updated_node
        receiver = dotted(func.value)
        known = receiver is not None and receiver in self.tables and receiver not in self.others
        safety = FixSafety.SAFE if known else FixSafety.UNSAFE
        if not self.report(original_node, f"{problem} (adds `Operation: {operation}`)", fix_safety=safety):
            return updated_node
        entry = cst.DictElement(cst.SimpleString('"Operation"'), cst.SimpleString(f'"{operation}"'))
        if current is not None:
            assert isinstance(current.value, cst.Dict)
            return updated_node.deep_replace(current.value, _with_first(current.value, entry))
        return self._with_argument(updated_node, cst.Arg(keyword=cst.Name("dimensions_map"), value=cst.Dict([entry]),
                                                         equal=cst.AssignEqual(cst.SimpleWhitespace(""),
                                                                               cst.SimpleWhitespace(""))), where)

    def _with_argument(self, call: cst.Call, arg: cst.Arg, where: ast.Call | None) -> cst.Call:
        args = list(call.args)
        if args:
            last = args[-1]
            comma = last.comma if isinstance(last.comma, cst.Comma) else cst.MaybeSentinel.DEFAULT
            separator = args[0].comma if len(args) > 1 and isinstance(args[0].comma, cst.Comma) else \
                cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            args[-1] = last.with_changes(comma=separator)
            args.append(arg.with_changes(comma=comma))
        else:
            args = [arg]
        new = call.with_changes(args=args)
        if where is None or where.lineno != where.end_lineno or where.lineno > len(self.lines):
            return new  # a call over several lines keeps its layout
        line = self.lines[where.lineno - 1]
        added = len(cst.Module(body=[]).code_for_node(arg)) + (2 if call.args else 0)
        if len(line) + added <= self.context.line_length:
            return new
        # Too long for one line: the arguments go on the next line (hanging indent), `)` after them.
        indent = line[: len(line) - len(line.lstrip())]
        return new.with_changes(
            whitespace_before_args=cst.ParenthesizedWhitespace(last_line=cst.SimpleWhitespace(indent + "    ")))

    def _track(self, tree: ast.Module, names: FileNames) -> None:
        """Which dotted names (`table`, `self.table`) the file assigns a DynamoDB table to: built or
        looked up there, or returned by a function of the file that builds one (or says it returns
        one: `def _create_table(self) -> dynamodb.Table`)."""
        assignments: list[tuple[list[ast.expr], ast.expr | None, bool]] = []
        makers: set[str] = set()  # functions that return a table
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == _METHOD:
                self.calls.append(node)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                annotated = isinstance(node, ast.AnnAssign) and _resolve(node.annotation, names) in _TABLE_TYPES
                assignments.append((targets, node.value, annotated))
            elif isinstance(node, ast.arg) and node.annotation is not None:
                (self.tables if _resolve(node.annotation, names) in _TABLE_TYPES else self.others).add(node.arg)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _returns_table(node, names):
                makers.add(node.name)
        for targets, value, annotated in assignments:
            table = annotated or (value is not None and (_is_table(value, names) or _made_by(value, makers)))
            for target in targets:
                key = _dotted(target)
                if key is not None:
                    (self.tables if table else self.others).add(key)
        self.calls.sort(key=lambda call: (call.lineno, call.col_offset))


def _returns_table(function: ast.FunctionDef | ast.AsyncFunctionDef, names: FileNames) -> bool:
    """Says it returns a table, or returns one it builds (directly, or through a local name)."""
    if function.returns is not None and _resolve(function.returns, names) in _TABLE_TYPES:
        return True
    built = set()
    returned = []
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and _is_table(node.value, names):
            built.update(target.id for target in node.targets if isinstance(target, ast.Name))
        elif isinstance(node, ast.Return) and node.value is not None:
            returned.append(node.value)
    return bool(returned) and all(
        _is_table(value, names) or (isinstance(value, ast.Name) and value.id in built) for value in returned)


def _made_by(value: ast.expr, makers: set[str]) -> bool:
    """A call of one of the file's functions (`self._create_table()`, `create_table(self)`)."""
    if not isinstance(value, ast.Call):
        return False
    func = value.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    return name in makers


def _is_table(value: ast.expr, names: FileNames) -> bool:
    if not isinstance(value, ast.Call):
        return False
    func = value.func
    if isinstance(func, ast.Attribute) and func.attr in _LOOKUPS:
        func = func.value
    return _resolve(func, names) in {f"{_DYNAMODB}.{name}" for name in _TABLES}


def _resolve(node: ast.expr, names: FileNames) -> str | None:
    """The full dotted name an expression stands for (`dynamodb.Table` -> `aws_cdk.aws_dynamodb.Table`)."""
    if isinstance(node, ast.Name):
        module = names.module_of(node.id)
        if module is not None:
            return module
        imported = set(names.imports.get(node.id, ()))
        if len(imported) == 1 and not names.other[node.id]:
            found = imported.pop()
            return f"{found.module}.{found.name}"
        return None
    if isinstance(node, ast.Attribute):
        base = _resolve(node.value, names)
        return None if base is None else f"{base}.{node.attr}"
    return None


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def _has_operation(mapping: cst.Dict) -> bool:
    return any(isinstance(e, cst.DictElement) and isinstance(e.key, cst.SimpleString)
               and e.key.evaluated_value == "Operation" for e in mapping.elements)


def _plain(mapping: cst.Dict) -> bool:
    """Only literal string keys: nothing else could be `"Operation"` at run time."""
    return all(isinstance(e, cst.DictElement) and isinstance(e.key, cst.SimpleString) for e in mapping.elements)


def _with_first(mapping: cst.Dict, entry: cst.DictElement) -> cst.Dict:
    if not mapping.elements:
        return mapping.with_changes(elements=[entry])
    opening = mapping.lbrace.whitespace_after
    if isinstance(opening, cst.ParenthesizedWhitespace):
        comma = cst.Comma(whitespace_after=cst.ParenthesizedWhitespace(indent=opening.indent,
                                                                      last_line=opening.last_line))
    else:
        comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    return mapping.with_changes(elements=[entry.with_changes(comma=comma), *mapping.elements])
