"""String literals and f-strings as a flat text with one placeholder per `{...}` field, and
rebuilt with new fields spliced into the text (a plain literal becomes an f-string).

Rules that look for a pattern in a string (an ARN, a bucket name) match on `flat`, where each
field is `\\0`, and ask `splice` for the same string with some text replaced by expressions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import libcst as cst

FIELD = "\0"


@dataclass(frozen=True)
class Flat:
    """A string node read as text: `flat` is its source text with `\\0` for each field."""

    node: cst.SimpleString | cst.FormattedString
    flat: str
    pieces: tuple[str | cst.FormattedStringExpression, ...]  # raw text (f-string escaping) or a field

    @property
    def fields(self) -> list[cst.FormattedStringExpression]:
        return [p for p in self.pieces if not isinstance(p, str)]

    @property
    def literal_text(self) -> str:
        return "".join(p for p in self.pieces if isinstance(p, str))


def flatten(node: cst.BaseExpression) -> Flat | None:
    """None for bytes, for a `{x!r:...}`-free reading that cannot be had, or other nodes."""
    if isinstance(node, cst.SimpleString):
        prefix = node.prefix.lower()
        if "b" in prefix:
            return None
        body = node.raw_value
        text = body.replace("{", "{{").replace("}", "}}")
        return Flat(node, body, (text,))
    if isinstance(node, cst.FormattedString):
        if "b" in node.prefix.lower():
            return None
        pieces: list[str | cst.FormattedStringExpression] = []
        flat = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                pieces.append(part.value)
                flat.append(part.value)
            else:
                pieces.append(part)
                flat.append(FIELD)
        return Flat(node, "".join(flat), tuple(pieces))
    return None


def splice(flat: Flat, edits: Sequence[tuple[int, int, str] | tuple[int, int, str, str]]) -> cst.FormattedString:
    """The string with `flat.flat[start:end]` replaced by the field `{code}` for each edit, the
    field preceded by the edit's optional literal text (`(end, end, "acct", "-")` appends `-{acct}`).

    Offsets index `flat.flat`; an edit must cover literal text only (never a field).
    """
    node = flat.node
    parts: list[cst.BaseFormattedStringContent] = []
    position = 0  # offset into flat.flat where the current piece starts
    pending = sorted(edits)  # type: ignore[type-var]
    pieces = list(flat.pieces)
    if not pieces or not isinstance(pieces[-1], str):
        pieces.append("")  # somewhere to put an edit at the very end
    for piece in pieces:
        if not isinstance(piece, str):
            parts.append(piece)
            position += 1
            continue
        source = _source_offsets(piece, isinstance(node, cst.SimpleString))
        length = len(source) - 1
        cursor = 0
        for edit in [e for e in pending if position <= e[0] <= position + length and e[1] <= position + length]:
            start, end, code, *text = edit
            pending.remove(edit)
            parts.append(cst.FormattedStringText(piece[cursor:source[start - position]] + "".join(text)))
            parts.append(cst.FormattedStringExpression(expression=cst.parse_expression(code)))
            cursor = source[end - position]
        parts.append(cst.FormattedStringText(piece[cursor:]))
        position += length
    if pending:
        raise ValueError(f"edits over a field: {pending}")
    parts = [p for p in parts if not (isinstance(p, cst.FormattedStringText) and not p.value)]
    if isinstance(node, cst.FormattedString):
        return node.with_changes(parts=parts)
    prefix = "".join(c for c in node.prefix if c not in "uU") + "f"
    quote = node.quote
    return cst.FormattedString(parts=parts, start=prefix + quote, end=quote, lpar=node.lpar, rpar=node.rpar)


def _source_offsets(piece: str, doubled: bool) -> list[int]:
    """For each offset of the flat text of `piece` (and its end), the offset in `piece`.

    A literal turned f-string has its braces doubled in `piece` but not in the flat text.
    """
    offsets = []
    index = 0
    while index < len(piece):
        offsets.append(index)
        index += 2 if doubled and piece[index] in "{}" else 1
    offsets.append(len(piece))
    return offsets


def fit(new: cst.FormattedString, original: cst.BaseExpression, source: str, line_length: int) -> cst.BaseExpression:
    """`new` as written, or, when it would push its line past `line_length` (and the line was
    within it before), split into an implicit concatenation in parentheses, one part per line,
    each line starting one column right of the opening parenthesis:

        "Resource": (f"arn:aws:ssm:{region}:{account}:"
                     f"parameter/app/*"),

    Parts without a field are plain literals (an f-string without one is pylint W1309).
    """
    old_code = _code(original)
    lines = [line.rstrip("\r\n") for line in source.splitlines() if old_code in line]
    if "\n" in old_code or not lines:
        return new
    line = max(lines, key=len)
    column = line.index(old_code)
    after = len(line) - column - len(old_code)
    if len(line) > line_length or column + len(_code(new)) + after <= line_length:
        return new
    prefix = new.start[: -len(new.end)]
    overhead = len(prefix) + 2 * len(new.end)
    width = line_length - column - 1 - overhead  # room for one part's content on a line
    chunks: list[list[cst.BaseFormattedStringContent]] = [[]]
    used = 0
    for atom in _atoms(new):
        size = len(_code(atom))
        if size > width:
            return new
        if used + size > width and chunks[-1]:
            chunks.append([])
            used = 0
        chunks[-1].append(atom)
        used += size
    if len(chunks) < 2 or used + 1 + after > width:
        return new
    parts = [_part(chunk, new) for chunk in chunks]
    between = cst.ParenthesizedWhitespace(first_line=cst.TrailingWhitespace(), empty_lines=[], indent=False,
                                          last_line=cst.SimpleWhitespace(" " * (column + 1)))
    joined: cst.BaseExpression = parts[-1]
    for part in reversed(parts[:-1]):
        joined = cst.ConcatenatedString(left=part, right=joined, whitespace_between=between)  # type: ignore[arg-type]
    if new.lpar:
        return joined.with_changes(lpar=new.lpar, rpar=new.rpar)
    return joined.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def _atoms(node: cst.FormattedString) -> list[cst.BaseFormattedStringContent]:
    """The f-string's fields, and its text cut after each `:`, `/` and `-`."""
    atoms: list[cst.BaseFormattedStringContent] = []
    for part in node.parts:
        if not isinstance(part, cst.FormattedStringText):
            atoms.append(part)
            continue
        start = 0
        for index, char in enumerate(part.value):
            if char in ":/-":
                atoms.append(cst.FormattedStringText(part.value[start:index + 1]))
                start = index + 1
        if start < len(part.value):
            atoms.append(cst.FormattedStringText(part.value[start:]))
    return atoms


def _part(chunk: list[cst.BaseFormattedStringContent], like: cst.FormattedString) -> cst.SimpleString | cst.FormattedString:
    # Merge adjacent text atoms back into one text node.
    merged: list[cst.BaseFormattedStringContent] = []
    for atom in chunk:
        if merged and isinstance(atom, cst.FormattedStringText) and isinstance(merged[-1], cst.FormattedStringText):
            merged[-1] = cst.FormattedStringText(merged[-1].value + atom.value)
        else:
            merged.append(atom)
    if any(not isinstance(p, cst.FormattedStringText) for p in merged):
        return cst.FormattedString(parts=merged, start=like.start, end=like.end)
    text = "".join(p.value for p in merged)  # type: ignore[union-attr]
    prefix = like.start[: -len(like.end)].replace("f", "").replace("F", "")
    return cst.SimpleString(f"{prefix}{like.end}{text.replace('{{', '{').replace('}}', '}')}{like.end}")


def _code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)
