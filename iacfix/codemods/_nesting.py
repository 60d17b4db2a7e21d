"""Is a source text safe to hand to libcst? Nesting measured without recursion.

libcst's native parser recurses on the C stack: a statement nested a few thousand levels deep
(`x = 1+1+...+1` with ~7,000 terms, 1,200 nested brackets, `a and b and ...` with ~8,000 operands)
kills the whole process with SIGSEGV, which no `except` can catch, and every other file of the run
goes unfixed. Its Python side (visitors, code generation, metadata) raises RecursionError from about
320 levels. So before libcst sees a file, `ast` (whose C parser has its own bounded limits) parses it
and the tree's depth is measured iteratively; files deeper than `MAX_NESTING` are refused with a
message. A file the running Python cannot parse (a syntax error, or newer syntax) gets a rougher
text check instead.
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass

# Real code nests a few dozen levels; libcst's Python side fails from about 320 (with an empty call
# stack), so 200 leaves room for the callers' frames.
MAX_NESTING = 200
# CPython's own tokenizer limit on nested brackets (MAXLEVEL).
MAX_BRACKETS = 200
# Without a tree, a line this long outside string literals might be one deep operator chain.
MAX_CODE_LINE = 5000

_STRINGS = re.compile(
    r"""(?:[rRbBuUfF]{0,2})(?:'''[\s\S]*?'''|\"\"\"[\s\S]*?\"\"\"|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")"""
)
_BRACKETS = re.compile(r"[][(){}]")
TOO_DEEP = "too deeply nested to fix safely; left unchanged"


@dataclass(frozen=True)
class Preflight:
    """`compiles`: the running Python parses the text. `problem`: why libcst must not see it."""

    compiles: bool
    problem: str | None = None
    line: int | None = None
    column: int | None = None


def preflight(text: str) -> Preflight:
    from iacfix.codemods._prescan import tree as shared_tree

    tree = shared_tree(text)  # the rules' pre-checks have usually parsed it already
    return _failed(text) if tree is None else _judged(tree)


def _judged(tree: ast.AST) -> Preflight:
    depth = nesting(tree, MAX_NESTING)
    if depth > MAX_NESTING:
        return Preflight(True, _too_deep(f"more than {MAX_NESTING} levels"))
    return Preflight(True)


def _failed(text: str) -> Preflight:
    """Why the running Python does not parse `text`, and whether libcst may still try."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = compile(text, "<iacfix>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except (RecursionError, MemoryError):
        return Preflight(False, _too_deep("deeper than Python's own parser accepts"))
    except SyntaxError as error:
        if "too many nested" in str(error.msg) or "too complex" in str(error.msg):
            return Preflight(False, error.msg, error.lineno, error.offset)
        return Preflight(False, _rough_check(text))
    except ValueError:  # NUL bytes and the like: libcst reports these as syntax errors itself
        return Preflight(False)
    return _judged(tree)  # parsed this time (not expected)


def nesting(tree: ast.AST, limit: int | None = None) -> int:
    """Depth of `tree` as libcst will build it (stops early once past `limit`)."""
    deepest = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, ast.BoolOp):
            # `a and b and c` is one flat node in `ast` but one nested node per operator in libcst.
            depth += len(node.values) - 2
        if depth > deepest:
            deepest = depth
            if limit is not None and deepest > limit:
                return deepest
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _rough_check(text: str) -> str | None:
    code = _STRINGS.sub("''", text)
    level = 0
    for match in _BRACKETS.finditer(code):
        level += 1 if match.group() in "([{" else -1
        if level > MAX_BRACKETS:
            return _too_deep(f"more than {MAX_BRACKETS} nested brackets")
    if max(map(len, code.splitlines()), default=0) > MAX_CODE_LINE:
        return _too_deep(f"a line with more than {MAX_CODE_LINE} characters of code")
    return None


def _too_deep(detail: str) -> str:
    return f"too deeply nested to fix safely ({detail}); left unchanged"
