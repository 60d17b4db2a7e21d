"""Split a long string literal into an implicit concatenation of pieces with the same value.

A piece boundary never falls inside an escape sequence, a doubled brace or an f-string field, and
never right after a backslash; each piece keeps the literal's prefix (an f-string piece without a
field loses its `f`, so it does not read as a placeholder-less f-string). The pieces are checked
with `ast`: the concatenation must compile to exactly the original constant or f-string.
"""

from __future__ import annotations

import ast
import re
import warnings
from typing import Sequence

import libcst as cst

_ESCAPE = r"\\N\{[^}\n]*\}|\\x[0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}|\\U[0-9a-fA-F]{8}|\\[0-7]{1,3}|\\.|"
_ATOMS = re.compile(_ESCAPE + r".", re.DOTALL)
_FSTRING_ATOMS = re.compile(_ESCAPE + r"\{\{|\}\}|.", re.DOTALL)
_RAW_ATOMS = re.compile(r"\\.|.", re.DOTALL)
_RAW_FSTRING_ATOMS = re.compile(r"\\.|\{\{|\}\}|.", re.DOTALL)

# Where a piece may end, best first: after a space; after a separator or before a URL's query
# or fragment; after a path or ARN separator, or next to an f-string field. Inside a URL, only
# before its query or fragment or next to a field.
_AFTER_BEST = frozenset(" ")
_AFTER_GOOD = frozenset(",;")
_BEFORE_GOOD = frozenset("?&#")
_AFTER_FAIR = frozenset("/:|")
_URL = re.compile(r"https?://[^\s'\"]*")

StringNode = cst.SimpleString | cst.FormattedString | cst.ConcatenatedString


class _Atom:
    __slots__ = ("text", "field", "in_url")

    def __init__(self, text: str, field: bool = False) -> None:
        self.text = text
        self.field = field
        self.in_url = False


def is_splittable_string(node: cst.BaseExpression) -> bool:
    """A single-line, non-triple-quoted string literal (or implicit concatenation of them)."""
    parts = _parts(node)
    return bool(parts) and all(len(part.quote) == 1 for part in parts)


def split_string(node: StringNode, col: int, limit: int, last_tail: int) -> list[str] | None:
    """Pieces (source code of literals) for `node`, each fitting in `limit` when it starts at
    column `col` (the last one followed by `last_tail` characters), or None when that is not
    possible without changing the value."""
    parts = _parts(node)
    if not parts or any(len(part.quote) != 1 for part in parts):
        return None
    pieces: list[str] = []
    for index, part in enumerate(parts):
        tail = last_tail if index == len(parts) - 1 else 0
        split = _split_part(part, col, limit, tail)
        if split is None:
            return None
        pieces.extend(split)
    if len(pieces) < 2 or not _same_value(_code(node), pieces):
        return None
    return pieces


def _parts(node: cst.BaseExpression) -> list[cst.SimpleString | cst.FormattedString] | None:
    if isinstance(node, cst.ConcatenatedString):
        left, right = _parts(node.left), _parts(node.right)
        return None if left is None or right is None else left + right
    if isinstance(node, (cst.SimpleString, cst.FormattedString)):
        return [node]
    return None


def _split_part(part: cst.SimpleString | cst.FormattedString, col: int, limit: int, tail: int) -> list[str] | None:
    prefix = _prefix(part)
    quote = part.quote
    raw = "r" in prefix.lower()
    is_f = isinstance(part, cst.FormattedString)
    atoms = _atoms(part, raw)
    if atoms is None:
        return None
    _mark_urls(atoms)
    whole = prefix + quote + "".join(a.text for a in atoms) + quote
    if col + len(whole) + tail <= limit:
        return [whole]
    pieces = []
    start = 0
    overhead = len(prefix) + 2 * len(quote)
    while start < len(atoms):
        rest = atoms[start:]
        if col + overhead + _width(rest) + tail <= limit:
            pieces.append(_piece(rest, prefix, quote, is_f))
            break
        end = _best_break(atoms, start, limit - col - overhead)
        if end is None:
            return None
        pieces.append(_piece(atoms[start:end], prefix, quote, is_f))
        start = end
    return pieces


def _atoms(part: cst.SimpleString | cst.FormattedString, raw: bool) -> list[_Atom] | None:
    if isinstance(part, cst.SimpleString):
        body = part.value[len(_prefix(part)) + len(part.quote): -len(part.quote)]
        if "\n" in body or "\r" in body:
            return None  # a backslash-continued literal spans lines: leave it to a human
        pattern = _RAW_ATOMS if raw else _ATOMS
        return [_Atom(m.group()) for m in pattern.finditer(body)]
    atoms: list[_Atom] = []
    pattern = _RAW_FSTRING_ATOMS if raw else _FSTRING_ATOMS
    for item in part.parts:
        if isinstance(item, cst.FormattedStringText):
            if "\n" in item.value or "\r" in item.value:
                return None
            atoms.extend(_Atom(m.group()) for m in pattern.finditer(item.value))
        else:
            text = _code(item)
            if "\n" in text:
                return None
            atoms.append(_Atom(text, field=True))
    return atoms


def _prefix(part: cst.SimpleString | cst.FormattedString) -> str:
    """The prefix as written (libcst's `prefix` property lowercases it)."""
    if isinstance(part, cst.SimpleString):
        return part.value[: len(part.value) - len(part.value.lstrip("rRbBuUfF"))]
    return part.start[: -len(part.quote)]


def _width(atoms: Sequence[_Atom]) -> int:
    return sum(len(a.text) for a in atoms)


def _best_break(atoms: list[_Atom], start: int, room: int) -> int | None:
    """The end (exclusive) of the next piece: the best-ranked break that fits, rightmost first."""
    best: tuple[int, int] | None = None
    width = 0
    for end in range(start + 1, len(atoms)):
        width += len(atoms[end - 1].text)
        if width > room:
            break
        rank = _rank(atoms[end - 1], atoms[end])
        if rank and (best is None or rank >= best[0]):
            best = (rank, end)
    return best[1] if best else None


def _mark_urls(atoms: list[_Atom]) -> None:
    """Flag the atoms of each `http(s)://...` run (up to a space or a quote)."""
    text = "".join(a.text if not a.field else "\0" for a in atoms)
    starts = []
    offset = 0
    for atom in atoms:
        starts.append(offset)
        offset += len(atom.text) if not atom.field else 1
    for match in _URL.finditer(text):
        for atom, start in zip(atoms, starts):
            if match.start() <= start < match.end():
                atom.in_url = True


def _rank(before: _Atom, after: _Atom) -> int:
    if before.text.endswith("\\") and len(before.text) == 1:
        return 0  # a lone backslash would escape the closing quote
    if before.in_url and after.in_url:
        # Inside a URL, only before its query or fragment, or next to a field: a URL cut at
        # a `/` or `:` no longer reads (or greps) as one.
        return 2 if after.text in _BEFORE_GOOD else 1 if before.field or after.field else 0
    if before.text in _AFTER_BEST:
        return 3
    if before.text in _AFTER_GOOD or after.text in _BEFORE_GOOD:
        return 2
    if before.text in _AFTER_FAIR or before.field or after.field:
        return 1
    return 0


def _piece(atoms: Sequence[_Atom], prefix: str, quote: str, is_f: bool) -> str:
    if is_f and not any(a.field for a in atoms):
        # No field left in this piece: a plain literal, with doubled braces undoubled.
        prefix = "".join(c for c in prefix if c not in "fF")
        body = "".join({"{{": "{", "}}": "}"}.get(a.text, a.text) for a in atoms)
    else:
        body = "".join(a.text for a in atoms)
    return prefix + quote + body + quote


def _same_value(original: str, pieces: list[str]) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            before = ast.dump(ast.parse(f"({original})", mode="eval"))
            after = ast.dump(ast.parse("(" + " ".join(pieces) + ")", mode="eval"))
    except (SyntaxError, ValueError, RecursionError):
        return False  # e.g. a PEP 701 f-string on an older Python: we cannot check, so we do not split
    return before == after


def _code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)
