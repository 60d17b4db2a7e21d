"""IAC303 line-too-long: a line longer than the project's pylint `max-line-length`."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any, Union

import libcst as cst
from libcst.metadata import CodeRange

from iacfix.codemods._layout import Layout, code, shift
from iacfix.codemods._positions import FastPositionProvider
from iacfix.codemods._pylint_lines import LongLine, long_lines, may_have_long_lines, measured_length, physical_lines
from iacfix.codemods._rule import FixSafety, Rule, Severity
from iacfix.codemods._statement_lines import comments, render_lines, replace_nodes

if TYPE_CHECKING:
    from iacfix.codemods._context import FileContext

_UNITS = (cst.BaseSmallStatement, cst.Arg, cst.Element, cst.StarredElement, cst.DictElement,
          cst.StarredDictElement, cst.Param)
_Replacement = tuple[cst.CSTNode, cst.CSTNode]
_Header = Union[cst.FunctionDef, cst.For, cst.If, cst.While]


class LineTooLong(Rule):
    """Lines longer than the line length limit, split the way black would split them.

    ## What it does
    Finds the lines pylint reports as C0301 and rewrites only those lines: a long
    `from m import a, b` becomes a parenthesized import with one name per line; `import a, b`
    becomes one import per line; the right-most bracket of a long call, collection, comprehension
    or signature is exploded one element per line with a trailing comma, recursively if needed;
    a value that still does not fit is put in parentheses on its own line (split at `if`/`else`
    or at a chain of `and`/`or`/`+` when needed); a long string is wrapped in parentheses, then
    split into an implicit concatenation of pieces at spaces (else after `,` `;`, before `?` `&`
    `#`, after `/` `:` or next to an f-string field). Everything else in the file keeps its layout.

    The limit is `--line-length`, else the `max-line-length` of the project's pylint configuration
    (`.pylintrc`, `pylintrc`, `setup.cfg`, `pyproject.toml`, found from the file's folder
    upwards), else 120. Lines are measured as pylint measures them: a `# pylint:` pragma does not
    count, a line that is only a URL is allowed, `# pylint: disable=line-too-long` silences it.

    ## Why it matters
    The QA gate runs pylint with `max-line-length=120`; the failure analyses rate long lines High.

    ## Example
    ```python
    from cdktf_cdktf_provider_aws.lambda_function import LambdaFunction, LambdaFunctionEnvironment, LambdaFunctionDeadLetterConfig


    def enrich(table, symbol, values):
        table.update_item(Key={"symbol": symbol}, UpdateExpression="SET processed = :processed, ma_5 = :ma5, ma_20 = :ma20, volatility = :vol, enriched_at = :enriched", ExpressionAttributeValues=values)
    ```

    ## After the fix
    ```python
    from cdktf_cdktf_provider_aws.lambda_function import (
        LambdaFunction,
        LambdaFunctionEnvironment,
        LambdaFunctionDeadLetterConfig,
    )


    def enrich(table, symbol, values):
        table.update_item(
            Key={"symbol": symbol},
            UpdateExpression=(
                "SET processed = :processed, ma_5 = :ma5, ma_20 = :ma20, volatility = :vol, enriched_at = :enriched"
            ),
            ExpressionAttributeValues=values,
        )
    ```

    ## Fix safety
    Safe: only whitespace, parentheses and trailing commas change, and a split string compiles to
    exactly the same constant or f-string (checked with `ast`). A line is left alone, and
    reported, when no split brings every line it becomes within the limit: comments, docstrings,
    long names, a string with no safe split point. A fix that would push the module over pylint's
    `max-module-lines` (C0302) is not applied either.

    ## Known limits
    Only lines where a statement, an argument, an element or a parameter starts are rewritten; a
    long line in the middle of an expression that is already split over several lines, a class
    header, a decorator or a `with` header is reported only. Triple-quoted strings are never split.

    ## References
    https://pylint.readthedocs.io/en/stable/user_guide/messages/convention/line-too-long.html
    https://black.readthedocs.io/en/stable/the_black_code_style/current_style.html#line-length
    """  # noqa: E501 (the example needs a long line)

    CODE = "IAC303"
    NAME = "line-too-long"
    SUMMARY = "line longer than the pylint max-line-length (default 120)"
    SEVERITY = Severity.HIGH
    FIX_SAFETY = FixSafety.SAFE
    PYLINT = ("line-too-long", "C0301")
    REFERENCE = "https://pylint.readthedocs.io/en/stable/user_guide/messages/convention/line-too-long.html"
    METADATA_DEPENDENCIES = (FastPositionProvider,)

    @classmethod
    def wants(cls, text: str, context: FileContext) -> bool:
        # Without tokenizing: a long line inside a multi-line string passes here, the rule skips it.
        return may_have_long_lines(text, context.line_length)

    @classmethod
    def touched_by(cls, lines: str, context: FileContext) -> bool:
        # Another rule's fix can lengthen a line; pylint's length is never more than the raw one.
        return any(len(line) > context.line_length for line in lines.splitlines())

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self.limit = context.line_length
        self.long: dict[int, LongLine] = {line.number: line for line in long_lines(context.text, self.limit)}
        self.lines = physical_lines(context.text)
        self.handled: set[int] = set()
        # Splitting adds lines; do not trade a C0301 for a new C0302 (too-many-lines).
        max_lines = context.pylint.max_module_lines or 1000
        self.budget: int | None = max_lines - len(self.lines) if len(self.lines) <= max_lines else None

    # --- traversal ----------------------------------------------------------------------------

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement]:
        where = self._position(original_node)
        lines = self._claim(where.start.line, where.end.line) if where else []
        if not lines:
            return updated_node
        if not updated_node.deep_equals(original_node):
            self.defer()  # another rule rewrote the statement: the next pass measures it
            return updated_node
        assert where is not None
        split = self._split_imports(original_node, where, lines)
        if split is not None:
            return split
        return self._fix(original_node, lines, where.start.column)  # type: ignore[return-value]

    def leave_FunctionDef(self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef) -> cst.FunctionDef:
        return self._fix_header(original_node, updated_node, "params")

    def leave_For(self, original_node: cst.For, updated_node: cst.For) -> cst.For:
        return self._fix_header(original_node, updated_node, "iter")

    def leave_If(self, original_node: cst.If, updated_node: cst.If) -> cst.If:
        return self._fix_header(original_node, updated_node, "test")

    def leave_While(self, original_node: cst.While, updated_node: cst.While) -> cst.While:
        return self._fix_header(original_node, updated_node, "test")

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        for number, line in sorted(self.long.items()):
            if number not in self.handled:
                reason = "a comment" if line.text.lstrip().startswith("#") else "no safe place to split it"
                self.report_on_lines(number, 0, f"{_message(line, self.limit)}; not auto-fixable: {reason}")
        return updated_node

    # --- statements ---------------------------------------------------------------------------

    def _fix_header(self, original: _Header, updated: _Header, field: str) -> Any:
        part = getattr(original, field)
        start, end = self._position(original), self._position(part)
        lines = self._claim(start.start.line, end.end.line) if start and end else []
        if not lines:
            return updated
        if not getattr(updated, field).deep_equals(part):
            self.defer()
            return updated
        assert start is not None
        fixed = self._fix(original, lines, start.start.column)
        if fixed is original:
            return updated
        changes = {field: getattr(fixed, field)}
        if field == "params":
            changes["whitespace_before_params"] = fixed.whitespace_before_params  # type: ignore[union-attr]
        return updated.with_changes(**changes)

    def _fix(self, original: cst.CSTNode, lines: list[int], block_col: int) -> cst.CSTNode:
        """`original` with the long `lines` in it split where that makes them fit; findings recorded."""
        layout = Layout(self.limit, block_col)
        indent = self.lines[self._position(original).start.line - 1][:block_col]  # type: ignore[union-attr]
        candidates: dict[int, tuple[cst.CSTNode, _Replacement | None, str]] = {}
        for number in lines:
            if isinstance(original, (cst.FunctionDef, cst.For, cst.If, cst.While)):
                candidates[number] = self._header_candidate(original, number, layout)
            else:
                candidates[number] = self._candidate(original, number, layout)
        before = render_lines(original, indent)
        accepted: dict[int, _Replacement] = {}
        for number, (node, replacement, _) in candidates.items():
            if replacement is not None and "\t" in indent:
                # New lines are indented with spaces: never mix them into tab-indented code.
                candidates[number] = (node, None, "the code is indented with tabs")
                continue
            if replacement is not None and indent.strip() == "":
                trial = {**accepted, number: replacement}
                if self._better(before, render_lines(_replace(original, trial), indent)):
                    accepted = trial
                    continue
            if replacement is not None:
                candidates[number] = (node, None, "every way to split it leaves a line over the limit")
        if accepted and self.budget is not None:
            added = len(render_lines(_replace(original, accepted), indent)) - len(before)
            if added > self.budget:
                for number in accepted:
                    node = candidates[number][0]
                    candidates[number] = (node, None, "the module would go over pylint's max-module-lines")
                accepted = {}
        for number, (node, _, reason) in candidates.items():
            message = _message(self.long[number], self.limit)
            if number in accepted:
                if not self.report(node, message):
                    del accepted[number]
            else:
                text = self.lines[number - 1]
                self.report_on_lines(number, len(text) - len(text.lstrip()), f"{message}; not auto-fixable: {reason}")
        if not accepted:
            return original
        fixed = _replace(original, accepted)
        if self.budget is not None:
            self.budget -= len(render_lines(fixed, indent)) - len(before)
        return fixed

    def _candidate(self, statement: cst.CSTNode, number: int,
                   layout: Layout) -> tuple[cst.CSTNode, _Replacement | None, str]:
        """The node that starts line `number`, and what to replace to make that line fit."""
        text = self.lines[number - 1]
        col = len(text) - len(text.lstrip())
        if text.lstrip().startswith("#"):
            return statement, None, "a comment"
        unit = self._unit_at(statement, number, col) if col >= layout.block_col else None
        if unit is None:
            return statement, None, self._reason(statement, number)
        if isinstance(unit, cst.ImportFrom):
            where = self._position(unit)
            new = layout.explode_import(unit, col) if where and where.end.line == number else None
            return unit, (unit, new) if new is not None else None, self._reason(statement, number)
        slot = _slot(unit)
        place = self._position(slot[0]) if slot else None
        if slot is None or place is None or place.start.line != number:
            return unit, None, self._reason(statement, number)
        value, wrap = slot
        if place.end.line == number:
            tail = max(measured_length(text) - place.end.column, 0)
            comment = self._comment_column(statement, number)
            if comment is not None and len(text[:comment].rstrip()) <= self.limit:
                # Only the trailing comment is over the limit: moving code around would not help.
                return unit, None, "its comment"
            new_value = layout.fit_value(value, place.start.column, col, tail, wrap=wrap)
        elif wrap and not value.lpar and "\\\n" not in code(value):
            # The line ends in an open bracket that is already split (`key=SomeVeryLongName(`):
            # the value moves, unchanged but four columns deeper, into parentheses of its own.
            new_value = layout.parenthesize(shift(value), col)
        else:
            new_value = None
        if new_value is None:
            return unit, None, self._reason(statement, number)
        return unit, (value, new_value), ""

    def _header_candidate(self, statement: _Header, number: int,
                          layout: Layout) -> tuple[cst.CSTNode, _Replacement | None, str]:
        """A compound statement's first line: its signature, or the expression after `for ... in`,
        `if` or `while`, when that line holds all of it."""
        text = self.lines[number - 1]
        col = len(text) - len(text.lstrip())
        start = self._position(statement)
        part = _header_part(statement)
        place = self._position(part)
        if start is None or place is None or number != start.start.line or place.end.line != number:
            return statement, None, self._reason(statement, number)
        new: cst.CSTNode | None
        if isinstance(statement, cst.FunctionDef):
            new = layout.explode_params(statement, col)
            return statement, (statement, new) if new is not None else None, "no safe place to split it"
        if isinstance(statement, cst.If) and not text[col:].startswith("if"):
            return statement, None, "no safe place to split it"  # an `elif`: not measured here
        tail = max(measured_length(text) - place.end.column, 0)
        new = layout.fit_value(part, place.start.column, col, tail, wrap=False)  # type: ignore[arg-type]
        return statement, (part, new) if new is not None else None, self._reason(statement, number)

    def _split_imports(self, original: cst.SimpleStatementLine, where: CodeRange,
                       lines: list[int]) -> cst.FlattenSentinel[cst.BaseStatement] | None:
        """`import a, b, c` on a long line becomes one import per line."""
        statement = original.body[0]
        if len(original.body) != 1 or not isinstance(statement, cst.Import) or len(statement.names) < 2:
            return None
        if lines != [where.start.line] or where.end.line != where.start.line:
            return None
        col = where.start.column
        comment = len(code(original.trailing_whitespace).rstrip())
        new = []
        for index, alias in enumerate(statement.names):
            last = index == len(statement.names) - 1
            line = cst.SimpleStatementLine(
                body=[cst.Import(names=[alias.with_changes(comma=cst.MaybeSentinel.DEFAULT)])],
                leading_lines=original.leading_lines if index == 0 else (),
                trailing_whitespace=original.trailing_whitespace if last else cst.TrailingWhitespace(),
            )
            if col + len(code(line.body[0])) + (comment if last else 0) > self.limit:
                return None
            new.append(line)
        if self.budget is not None and len(new) - 1 > self.budget:
            return None
        if not self.report(statement, _message(self.long[where.start.line], self.limit)):
            return None
        if self.budget is not None:
            self.budget -= len(new) - 1
        return cst.FlattenSentinel(new)

    # --- helpers ------------------------------------------------------------------------------

    def _position(self, node: cst.CSTNode) -> CodeRange | None:
        return self.get_metadata(FastPositionProvider, node, None)

    def _claim(self, first: int, last: int) -> list[int]:
        lines = [n for n in range(first, last + 1) if n in self.long and n not in self.handled]
        self.handled.update(lines)
        return lines

    def _unit_at(self, root: cst.CSTNode, line: int, col: int) -> cst.CSTNode | None:
        """The outermost statement, argument, element or parameter that starts at (line, col)."""
        stack = [root]
        while stack:
            node = stack.pop()
            where = self._position(node)
            if where is not None and (where.end.line < line or where.start.line > line):
                continue
            if isinstance(node, _UNITS) and where and (where.start.line, where.start.column) == (line, col):
                return node
            stack.extend(reversed(node.children))
        return None

    def _comment_column(self, statement: cst.CSTNode, number: int) -> int | None:
        columns = [w.start.column for w in map(self._position, comments(statement)) if w and w.start.line == number]
        return min(columns) if columns else None

    def _reason(self, statement: cst.CSTNode, number: int) -> str:
        comment = self._comment_column(statement, number)
        if comment is not None and len(self.lines[number - 1][:comment].rstrip()) <= self.limit:
            return "its comment"
        return "no safe place to split it"

    def _better(self, before: list[str], after: list[str]) -> bool:
        """After has fewer long lines, and every long line it has was already there, as it was."""
        old = Counter(line.strip() for line in before if measured_length(line) > self.limit)
        new = Counter(line.strip() for line in after if measured_length(line) > self.limit)
        return sum(new.values()) < sum(old.values()) and not new - old


def _message(line: LongLine, limit: int) -> str:
    return f"line too long ({line.length}/{limit})"


def _slot(unit: cst.CSTNode) -> tuple[cst.BaseExpression, bool] | None:
    """The value that starts in `unit`, and whether it may be put in parentheses of its own."""
    if isinstance(unit, (cst.Assign, cst.AugAssign, cst.Return)) and unit.value is not None:
        return unit.value, True
    if isinstance(unit, cst.AnnAssign) and unit.value is not None:
        return unit.value, True
    if isinstance(unit, cst.Expr):
        return unit.value, False  # a bare expression statement: never a docstring turned into parentheses
    if isinstance(unit, cst.Arg):
        return unit.value, not unit.star
    if isinstance(unit, (cst.Element, cst.DictElement)):
        return unit.value, True
    if isinstance(unit, (cst.StarredElement, cst.StarredDictElement)):
        return unit.value, False
    return None


def _header_part(statement: _Header) -> cst.CSTNode:
    if isinstance(statement, cst.FunctionDef):
        return statement.params
    return statement.iter if isinstance(statement, cst.For) else statement.test


def _replace(root: cst.CSTNode, replacements: dict[int, _Replacement]) -> cst.CSTNode:
    return replace_nodes(root, {id(old): new for old, new in replacements.values()})
