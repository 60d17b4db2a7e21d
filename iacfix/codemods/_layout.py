"""Black-style line splitting on libcst trees, for one expression at a time.

`Layout` rewrites a flat (single-line) expression so that it fits in `limit` columns:
* the right-most bracket of the expression (a call's arguments, a list, dict, set, tuple,
  comprehension) is exploded: one element per line, four spaces deeper than the line it starts
  on, with a trailing comma, as black's "magic trailing comma" style; elements that still do not
  fit are split the same way, recursively;
* a value in a slot that may take parentheses (assignment, `return`, keyword argument, dict
  value, element) is wrapped in parentheses on its own line when that is what makes it fit, and
  split there at `if`/`else` or at a chain of one boolean or arithmetic operator if needed;
* a string literal is wrapped, then split into an implicit concatenation (`_strings`).
Every candidate is measured as rendered; nothing that does not fit is returned.

Columns: every line break made here is a `ParenthesizedWhitespace(indent=True)`, whose width is
the block's indentation (`block_col`) plus its own spaces, so a rendered candidate is measured
exactly by adding `block_col` to each continuation line.
"""

from __future__ import annotations

from typing import Any, Sequence

import libcst as cst

from iacfix.codemods._strings import is_splittable_string, split_string

_STEP = 4
_BRACKETS = (cst.List, cst.Set, cst.Dict, cst.ListComp, cst.SetComp, cst.DictComp)
_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
_LITERALS = (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.Name)


class Layout:
    def __init__(self, limit: int, block_col: int) -> None:
        self.limit = limit
        self.block_col = block_col

    # --- measuring and whitespace -------------------------------------------------------------

    def fits(self, node: cst.CSTNode, col: int, tail: int = 0) -> bool:
        """Whether `node`, rendered from column `col` and followed by `tail` characters, fits."""
        lines = code(node).split("\n")
        widths = [col + len(lines[0])] + [self.block_col + len(line) for line in lines[1:]]
        widths[-1] += tail
        return max(widths) <= self.limit

    def newline(self, col: int) -> cst.ParenthesizedWhitespace:
        """A line break inside brackets, continuing at column `col`."""
        return cst.ParenthesizedWhitespace(indent=True, last_line=cst.SimpleWhitespace(" " * (col - self.block_col)))

    def parenthesize(self, inner: cst.BaseExpression, indent: int) -> cst.BaseExpression:
        """`(`, `inner` on its own lines four spaces deeper, `)` back at `indent`."""
        return inner.with_changes(
            lpar=[cst.LeftParen(whitespace_after=self.newline(indent + _STEP))],
            rpar=[cst.RightParen(whitespace_before=self.newline(indent))],
        )

    # --- values -------------------------------------------------------------------------------

    def fit_value(self, value: cst.BaseExpression, col: int, indent: int, tail: int, *,
                  wrap: bool) -> cst.BaseExpression | None:
        """`value` (flat, starting at `col` on a line indented `indent`) made to fit, or None.

        `wrap`: the value may be put in parentheses of its own (a slot where that keeps the meaning).
        """
        if "\n" in code(value):
            return None
        if self.fits(value, col, tail):
            return value
        own_parens = len(value.lpar) == 1
        if is_splittable_string(value):
            return self._wrapped_string(value, indent) if wrap or own_parens else None
        exploded = self.explode_rhs(value, col, indent, tail)
        if exploded is not None:
            return exploded
        if (wrap or own_parens) and len(value.lpar) <= 1:
            inner = self.fit_alone(value.with_changes(lpar=[], rpar=[]), indent + _STEP)
            if inner is not None:
                wrapped = self.parenthesize(inner, indent)
                if self.fits(wrapped, col, tail):
                    return wrapped
        return None

    def fit_alone(self, value: cst.BaseExpression, col: int) -> cst.BaseExpression | None:
        """`value` on lines of its own inside parentheses, starting at `col`."""
        if self.fits(value, col):
            return value
        if is_splittable_string(value):
            return self._split_string(value, col, 0)
        if isinstance(value, cst.IfExp) and not value.lpar:
            return self._split_ternary(value, col)
        if isinstance(value, (cst.BooleanOperation, cst.BinaryOperation)) and not value.lpar:
            return self._split_chain(value, col)
        return self.explode_rhs(value, col, col, 0)

    def _wrapped_string(self, value: cst.BaseExpression, indent: int) -> cst.BaseExpression | None:
        bare = value.with_changes(lpar=[], rpar=[])
        # As black's string processing: a string that fits on a line of its own is only wrapped.
        if self.fits(bare, indent + _STEP):
            return self.parenthesize(bare, indent)
        split = self._split_string(bare, indent + _STEP, 0)
        return self.parenthesize(split, indent) if split is not None else None

    def _split_string(self, value: cst.BaseExpression, col: int, tail: int) -> cst.BaseExpression | None:
        pieces = split_string(value, col, self.limit, tail)  # type: ignore[arg-type]
        if pieces is None:
            return None
        nodes = [cst.parse_expression(piece) for piece in pieces]
        joined: cst.BaseExpression = nodes[-1]
        for node in reversed(nodes[:-1]):
            joined = cst.ConcatenatedString(left=node, right=joined,  # type: ignore[arg-type]
                                            whitespace_between=self.newline(col))
        return joined

    def _split_ternary(self, value: cst.IfExp, col: int) -> cst.BaseExpression | None:
        body = self.fit_value(value.body, col, col, 0, wrap=False)
        test = self.fit_value(value.test, col + len("if "), col, 0, wrap=False)
        orelse = self.fit_value(value.orelse, col + len("else "), col, 0, wrap=False)
        if body is None or test is None or orelse is None:
            return None
        space = cst.SimpleWhitespace(" ")
        return value.with_changes(body=body, test=test, orelse=orelse,
                                  whitespace_before_if=self.newline(col), whitespace_after_if=space,
                                  whitespace_before_else=self.newline(col), whitespace_after_else=space)

    def _split_chain(self, value: cst.BooleanOperation | cst.BinaryOperation,
                     col: int) -> cst.BaseExpression | None:
        """`a and b and c` (or `a + b + c`) with each operator starting a line, as black does."""
        operands: list[cst.BaseExpression] = []
        operators: list[Any] = []
        node: cst.BaseExpression = value
        kind = type(value.operator)
        while isinstance(node, type(value)) and isinstance(node.operator, kind) and not node.lpar:
            operands.append(node.right)
            operators.append(node.operator)
            node = node.left
        operands.append(node)
        operands.reverse()
        operators.reverse()
        first = self.fit_value(operands[0], col, col, 0, wrap=False)
        if first is None:
            return None
        result: cst.BaseExpression = first
        for operator, operand in zip(operators, operands[1:]):
            symbol = code(operator).strip()
            fitted = self.fit_value(operand, col + len(symbol) + 1, col, 0, wrap=False)
            if fitted is None:
                return None
            operator = operator.with_changes(whitespace_before=self.newline(col),
                                             whitespace_after=cst.SimpleWhitespace(" "))
            result = type(value)(left=result, operator=operator, right=fitted)  # type: ignore[arg-type]
        return result

    # --- brackets -----------------------------------------------------------------------------

    def explode_rhs(self, value: cst.BaseExpression, col: int, indent: int, tail: int) -> cst.BaseExpression | None:
        """Explode the right-most bracket of `value` (its "right-hand split", as black calls it)."""
        bracket = _rhs_bracket(value)
        if bracket is None:
            return None
        exploded = self.explode(bracket, indent)
        if exploded is None:
            return None
        new_value = exploded if bracket is value else value.deep_replace(bracket, exploded)
        return new_value if self.fits(new_value, col, tail) else None  # type: ignore[return-value]

    def explode(self, node: cst.CSTNode, indent: int) -> cst.CSTNode | None:
        """The bracket `node` with one element per line at `indent + 4`, closing at `indent`."""
        inner = indent + _STEP
        if isinstance(node, cst.Call):
            only = node.args[0].value if len(node.args) == 1 else None
            # `f(x for x in y,)` does not parse: a bare generator argument takes no trailing comma.
            trailing = not (isinstance(only, cst.GeneratorExp) and not only.lpar)
            items = self._items(node.args, inner, indent, trailing=trailing)
            if items is None:
                return None
            new_items, close = items
            if close is not None:
                new_items[-1] = new_items[-1].with_changes(whitespace_after_arg=close)
            return node.with_changes(args=new_items, whitespace_before_args=self.newline(inner))
        if isinstance(node, _COMPREHENSIONS):
            return self._explode_comprehension(node, indent)
        if isinstance(node, (cst.List, cst.Set, cst.Dict, cst.Tuple)):
            items = self._items(node.elements, inner, indent, trailing=True,
                                hug=True, keep_comma=isinstance(node, cst.Tuple) and len(node.elements) == 1)
            if items is None:
                return None
            new_items, close = items
            close_ws = close or cst.SimpleWhitespace("")
            if isinstance(node, cst.Tuple):
                return node.with_changes(elements=new_items,
                                         lpar=[cst.LeftParen(whitespace_after=self.newline(inner))],
                                         rpar=[cst.RightParen(whitespace_before=close_ws)])
            if isinstance(node, cst.List):
                return node.with_changes(elements=new_items,
                                         lbracket=cst.LeftSquareBracket(whitespace_after=self.newline(inner)),
                                         rbracket=cst.RightSquareBracket(whitespace_before=close_ws))
            return node.with_changes(elements=new_items,
                                     lbrace=cst.LeftCurlyBrace(whitespace_after=self.newline(inner)),
                                     rbrace=cst.RightCurlyBrace(whitespace_before=close_ws))
        return None

    def explode_import(self, node: cst.ImportFrom, indent: int) -> cst.ImportFrom | None:
        """`from m import (` + one name per line with a trailing comma + `)`, as black does."""
        if isinstance(node.names, cst.ImportStar):
            return None
        items = self._items(node.names, indent + _STEP, indent, trailing=True)
        if items is None:
            return None
        new_items, _ = items
        return node.with_changes(names=new_items,
                                 lpar=cst.LeftParen(whitespace_after=self.newline(indent + _STEP)),
                                 rpar=cst.RightParen(whitespace_before=cst.SimpleWhitespace("")))

    def explode_params(self, node: cst.FunctionDef, indent: int) -> cst.FunctionDef | None:
        """A signature with one parameter per line and a trailing comma (valid since Python 3.6)."""
        params = node.params
        ordered: list[tuple[str, int | None, cst.CSTNode]] = []
        for field in ("posonly_params", "posonly_ind", "params", "star_arg", "kwonly_params", "star_kwarg"):
            value = getattr(params, field)
            if isinstance(value, (list, tuple)):
                ordered.extend((field, index, item) for index, item in enumerate(value))
            elif isinstance(value, cst.CSTNode):
                ordered.append((field, None, value))
        if not ordered:
            return None
        items = self._items([item for _, _, item in ordered], indent + _STEP, indent, trailing=True)
        if items is None:
            return None
        new_items, _ = items
        changes: dict[str, Any] = {}
        for (field, index, _), new in zip(ordered, new_items):
            if index is None:
                changes[field] = new
            else:
                changes.setdefault(field, list(getattr(params, field)))[index] = new
        return node.with_changes(params=params.with_changes(**changes),
                                 whitespace_before_params=self.newline(indent + _STEP))

    def _items(self, items: Sequence[Any], inner: int, indent: int, *, trailing: bool, hug: bool = False,
               keep_comma: bool = False) -> tuple[list[Any], cst.BaseParenthesizableWhitespace | None] | None:
        """The elements laid out one per line; and, when the last one takes no comma, the line
        break that closes the bracket (to be put after it)."""
        if not items:
            return None
        if hug and all(isinstance(_item_value(item), _LITERALS) for item in items):
            # A list of plain literals stays on one line inside the brackets when it fits there,
            # as black lays it out (a trailing comma would make black explode it one per line).
            flat = [_with_comma(item, cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))) for item in items[:-1]]
            flat.append(_with_comma(items[-1], cst.Comma() if keep_comma else cst.MaybeSentinel.DEFAULT))
            if inner + sum(len(code(i)) for i in flat) <= self.limit:
                return flat, self.newline(indent)
        alone = self._sole_value_split(items, inner)
        if alone is not None:
            # The only element is a long string, `a if b else c` or an operator chain: it is split
            # inside the brackets, which serve as its parentheses (no extra pair, no comma).
            if keep_comma:
                return [_with_comma(alone, cst.Comma(whitespace_after=self.newline(indent)))], None
            return [_with_comma(alone, cst.MaybeSentinel.DEFAULT)], self.newline(indent)
        laid_out = []
        for index, item in enumerate(items):
            last = index == len(items) - 1
            fitted = self._fit_item(item, inner)
            if fitted is None:
                return None
            if not last:
                comma: Any = cst.Comma(whitespace_after=self.newline(inner))
            elif trailing or keep_comma:
                comma = cst.Comma(whitespace_after=self.newline(indent))
            else:
                return [*laid_out, _with_comma(fitted, cst.MaybeSentinel.DEFAULT)], self.newline(indent)
            laid_out.append(_with_comma(fitted, comma))
        return laid_out, None

    def _sole_value_split(self, items: Sequence[Any], inner: int) -> Any | None:
        if len(items) != 1 or not _positional(items[0]):
            return None
        value = _item_value(items[0])
        splittable = is_splittable_string(value) or (
            isinstance(value, (cst.IfExp, cst.BooleanOperation, cst.BinaryOperation)) and not value.lpar)
        if not splittable or self.fits(value, inner, 1):
            return None
        split = self.fit_alone(value, inner)
        return items[0].with_changes(value=split) if split is not None else None

    def _fit_item(self, item: Any, inner: int) -> Any | None:
        if isinstance(item, cst.Arg):
            prefix = len(item.star) + len(code(item.whitespace_after_star)) if item.star else 0
            if item.keyword is not None:
                prefix += len(code(item.keyword)) + len(code(item.equal))
            value = self.fit_value(item.value, inner + prefix, inner, 1, wrap=not item.star)
            return None if value is None else item.with_changes(value=value)
        if isinstance(item, cst.Element):
            value = self.fit_value(item.value, inner, inner, 1, wrap=True)
            return None if value is None else item.with_changes(value=value)
        if isinstance(item, cst.DictElement):
            key = code(item.key)
            if "\n" in key:
                return None
            prefix = len(key) + len(code(item.whitespace_before_colon)) + 1 + len(code(item.whitespace_after_colon))
            value = self.fit_value(item.value, inner + prefix, inner, 1, wrap=True)
            return None if value is None else item.with_changes(value=value)
        if isinstance(item, (cst.ParamStar, cst.ParamSlash)):
            return item  # a bare `*` or `/`
        # Parameters, starred elements, imported names: taken as they are, if they fit.
        bare = _with_comma(item, cst.MaybeSentinel.DEFAULT)
        return item if "\n" not in code(bare) and inner + len(code(bare)) + 1 <= self.limit else None

    def _explode_comprehension(self, node: Any, indent: int) -> cst.CSTNode | None:
        inner = indent + _STEP
        if isinstance(node, cst.DictComp):
            value = self.fit_value(node.value, inner + len(code(node.key)) + 2, inner, 0, wrap=False)
            if value is None or "\n" in code(node.key):
                return None
            changes: dict[str, Any] = {"value": value}
        else:
            elt = self.fit_value(node.elt, inner, inner, 0, wrap=False)
            if elt is None:
                return None
            changes = {"elt": elt}
        changes["for_in"] = self._clauses(node.for_in, inner)
        if isinstance(node, cst.GeneratorExp):
            if len(node.lpar) != 1:
                return None
            changes["lpar"] = [cst.LeftParen(whitespace_after=self.newline(inner))]
            changes["rpar"] = [cst.RightParen(whitespace_before=self.newline(indent))]
        elif isinstance(node, cst.ListComp):
            changes["lbracket"] = cst.LeftSquareBracket(whitespace_after=self.newline(inner))
            changes["rbracket"] = cst.RightSquareBracket(whitespace_before=self.newline(indent))
        else:
            changes["lbrace"] = cst.LeftCurlyBrace(whitespace_after=self.newline(inner))
            changes["rbrace"] = cst.RightCurlyBrace(whitespace_before=self.newline(indent))
        return node.with_changes(**changes)

    def _clauses(self, clause: cst.CompFor, inner: int) -> cst.CompFor:
        ifs = [test.with_changes(whitespace_before=self.newline(inner)) for test in clause.ifs]
        nested = self._clauses(clause.inner_for_in, inner) if clause.inner_for_in else None
        return clause.with_changes(whitespace_before=self.newline(inner), ifs=ifs, inner_for_in=nested)


def shift(node: cst.BaseExpression, columns: int = _STEP) -> cst.BaseExpression:
    """`node` with every line break inside it continuing `columns` further right."""
    return node.visit(_Shift(" " * columns))  # type: ignore[return-value]


class _Shift(cst.CSTTransformer):
    def __init__(self, extra: str) -> None:
        super().__init__()
        self.extra = extra

    def leave_ParenthesizedWhitespace(
        self, original_node: cst.ParenthesizedWhitespace, updated_node: cst.ParenthesizedWhitespace
    ) -> cst.ParenthesizedWhitespace:
        lines = [line.with_changes(whitespace=cst.SimpleWhitespace(line.whitespace.value + self.extra))
                 if line.comment is not None else line for line in updated_node.empty_lines]
        return updated_node.with_changes(last_line=cst.SimpleWhitespace(updated_node.last_line.value + self.extra),
                                         empty_lines=lines)


def code(node: cst.CSTNode | Any) -> str:
    if not isinstance(node, cst.CSTNode):
        return ""
    return cst.Module(body=[]).code_for_node(node)


def _rhs_bracket(value: cst.BaseExpression) -> cst.CSTNode | None:
    """The bracket that closes last on the value's spine (`a.b(c).d` -> the call `a.b(c)`)."""
    node: cst.BaseExpression = value
    while True:
        if isinstance(node, _BRACKETS) or (isinstance(node, (cst.Tuple, cst.GeneratorExp)) and node.lpar):
            return node if _has_elements(node) else None
        if isinstance(node, cst.Call):
            if node.args:
                return node
            node = node.func
        elif isinstance(node, (cst.Attribute, cst.Subscript)):
            node = node.value
        elif isinstance(node, cst.Await):
            node = node.expression
        else:
            return None


def _has_elements(node: cst.CSTNode) -> bool:
    return bool(getattr(node, "elements", True))


def _item_value(item: Any) -> cst.BaseExpression:
    return getattr(item, "value", item)


def _positional(item: Any) -> bool:
    return (isinstance(item, cst.Arg) and item.keyword is None and not item.star) or isinstance(item, cst.Element)


def _with_comma(item: Any, comma: Any) -> Any:
    changes: dict[str, Any] = {"comma": comma}
    for field in ("whitespace_after_arg", "whitespace_after_param"):
        if hasattr(item, field):
            changes[field] = cst.SimpleWhitespace("")
    if isinstance(item, cst.ParamSlash):
        changes["whitespace_after"] = cst.SimpleWhitespace("")
    return item.with_changes(**changes)
