"""Markdown answers (`MODEL_RESPONSE.md`): fenced blocks as the files they name.

A model's answer is prose with fenced code blocks. Each block that holds Python becomes a unit
named after the file the answer gives it, so the engine fixes the answer as a project; the
prose and every other block come back byte for byte. Fences follow CommonMark: backtick or
tilde runs of three or more, an info string whose first word is the language, a closing fence
of the same character at least as long; a fence indented inside a list item has that
indentation removed from its body lines and put back on join.

A block is named by, in this order:
- the info string: ```` ```python title="lib/tap_stack.py" ```` (also `file=`, `filename=`);
- the line just above it (blank lines aside) when it is a heading, a bold or list-item label, or
  a bare path: `## File: lib/tap_stack.py`, ``### `tap.py` ``, `## tap.py (Entry Point)`,
  `**lib/tap_stack.py**`, `- `app.py`:`; it must mention exactly one file path;
- a first-line comment: `# lib/tap_stack.py`, `# File: tap.py`, `# tap.py - entry point`.
Prose such as "Update `tap_stack.py` like this:" does not name a block: the block after it is
usually a fragment of that file, and treating it as the file would lose the rest.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Sequence

from iacfix.codemods._units import Split, Unit

PYTHON_LANGUAGES = frozenset({"python", "py", "python3", "py3"})
_FENCE = re.compile(rb"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
# A file path: optional root (`/`, `~/`, `C:/`, kept so that extract can refuse it), folders, and a
# name with a known extension (or a known extension-less name); not part of a longer word or URL.
_PATH = re.compile(
    r"(?<![\w/.\-:~])(?:\./)?((?:~/|/|[A-Za-z]:/)?(?:[\w.\-]+/)*"
    r"(?:[\w\-][\w.\-]*\.(?:pyi?|txt|json|ya?ml|toml|cfg|ini|md|sh|js|ts|zip|env)"
    r"|Dockerfile|Pipfile|Makefile|\.gitignore|\.env))(?![\w/\-]|\.\w)"
)
_HEADING = re.compile(r"#{1,6}\s")
_LIST_ITEM = re.compile(r"(?:[-*+]|\d+[.)])\s+(.*)")
_BOLD_LABEL = re.compile(r"(\*\*|__)(?:(?!\1).)+\1\s*(?:\([^)]*\))?\s*:?")
_BARE_PATH = re.compile(r"(?:File(?:name)?\s*:\s*)?`?[\w./\-]+`?\s*(?:\([^)]*\))?\s*:?", re.I)
_COMMENT_NAME = re.compile(r"^\s*#\s*(?:file(?:name)?\s*:\s*)?(\S+)(?:\s+(?:-|--|–|—|\().*)?\s*$", re.I)
_INFO_NAME = re.compile(r"""\b(?:title|file|filename)\s*=\s*["']?([^"'\s}]+)""", re.I)
_REQUIREMENTS = re.compile(r"(?:^|/)requirements[\w.\-]*\.txt$", re.I)


@dataclass(frozen=True)
class Block:
    """One fenced block. Offsets are bytes into the document; lines are 0-based indexes."""

    number: int  # 1-based among all fenced blocks of the document
    language: str  # first word of the info string, lower case ("" when none)
    name: str | None  # the file the answer says this block is
    fence_line: int  # the opening fence's line
    body_from: int  # byte offset where the body starts
    body_to: int  # byte offset where the body ends (the closing fence, or the end of the document)
    indent: bytes  # the opening fence's indentation, removed from body lines
    fence: bytes  # the opening fence run (``` or ~~~~), for recognising a closing fence
    closed: bool
    raw: bytes  # the body as the document has it
    body: bytes  # the body with the fence's indentation removed

    @property
    def kind(self) -> str | None:
        """"python", "requirements", "file" (another named file), or None (not a file at all)."""
        if self.name and _REQUIREMENTS.search(self.name):
            return "requirements"
        if self.language in PYTHON_LANGUAGES and (self.name is None or self.name.endswith((".py", ".pyi"))):
            return "python"
        return "file" if self.name else None

    @property
    def display_name(self) -> str:
        return self.name or f"<block {self.number}>"

    @property
    def line_offset(self) -> int:
        """Lines of the document before the body's first line."""
        return self.fence_line + 1


def read_blocks(data: bytes) -> list[Block]:
    """Every fenced block of a Markdown document, in order."""
    lines = data.split(b"\n")
    offsets = [0]
    for line in lines[:-1]:
        offsets.append(offsets[-1] + len(line) + 1)
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        opening = _opening(lines[index], first=index == 0)
        if opening is None:
            index += 1
            continue
        indent, fence, info = opening
        end = index + 1
        while end < len(lines) and not _closes(lines[end], fence, indent):
            end += 1
        closed = end < len(lines)
        body_from = offsets[index + 1] if index + 1 < len(lines) else len(data)
        body_to = offsets[end] if closed else len(data)
        raw = data[body_from:body_to]
        body = _dedent(raw, indent)
        language = info.split()[0].strip("{}.").lower() if info.split() else ""
        number = len(blocks) + 1
        name = _name(info, lines[:index], body)
        blocks.append(Block(number, language, name, index, body_from, body_to, indent, fence, closed, raw, body))
        index = end + 1
    return blocks


class MarkdownAnswer:
    """A Markdown answer: its Python and requirements blocks are the units."""

    def split(self, path: str, data: bytes) -> Split:
        units: list[Unit] = []
        for block in read_blocks(data):
            if block.kind not in ("python", "requirements"):
                continue
            units.append(Unit(path, block.body, block.display_name, block.line_offset, block.kind, len(units)))
        return Split(tuple(units))

    def join(self, path: str, data: bytes, fixed: Sequence[bytes]) -> bytes:
        blocks = [block for block in read_blocks(data) if block.kind in ("python", "requirements")]
        out = []
        last = 0
        for block, new_body in zip(blocks, fixed):
            out.append(data[last:block.body_from])
            out.append(_reindent(block, new_body))
            last = block.body_to
        out.append(data[last:])
        return b"".join(out)


def _opening(line: bytes, *, first: bool) -> tuple[bytes, bytes, str] | None:
    if first and line.startswith(b"\xef\xbb\xbf"):
        line = line[3:]
    match = _FENCE.match(line.rstrip(b"\r"))
    if match is None:
        return None
    info = match["info"].decode("utf-8", "replace").strip()
    if match["fence"].startswith(b"`") and "`" in info:
        return None  # CommonMark: a backtick fence's info string has no backticks (it is inline code)
    return match["indent"], match["fence"], info


def _closes(line: bytes, fence: bytes, indent: bytes) -> bool:
    match = _FENCE.match(line.rstrip(b"\r"))
    if match is None or match["info"].strip() or match["fence"][:1] != fence[:1]:
        return False
    # CommonMark allows up to 3 spaces before a closing fence, counted from where the opening
    # fence's container starts (a list item's content): a deeper ``` is the block's own text.
    return len(match["fence"]) >= len(fence) and _width(match["indent"]) <= _width(indent) + 3


def _width(indent: bytes) -> int:
    return len(indent.expandtabs(4))


def _dedent(body: bytes, indent: bytes) -> bytes:
    if not indent:
        return body
    return b"".join(_strip_indent(line, indent) for line in body.splitlines(keepends=True))


def _strip_indent(line: bytes, indent: bytes) -> bytes:
    if line.startswith(indent):
        return line[len(indent):]
    # Up to the fence's indentation is removed (CommonMark); a less indented line loses what it has.
    spaces = len(line) - len(line.lstrip(b" "))
    return line[min(spaces, len(indent)):]


def _reindent(block: Block, new_body: bytes) -> bytes:
    old_raw_lines = block.raw.splitlines(keepends=True)
    if new_body == block.body:
        return b"".join(old_raw_lines)
    new_lines = new_body.splitlines(keepends=True)
    if block.closed and new_lines and not new_lines[-1].endswith(b"\n"):
        new_lines[-1] += b"\r\n" if block.body.endswith(b"\r\n") else b"\n"
    if any(_closes(line, block.fence, block.indent) for line in new_lines):
        return b"".join(old_raw_lines)  # the fix would end the block early: keep the block as it was
    old_lines = block.body.splitlines(keepends=True)
    out: list[bytes] = []
    # Lines the fix kept come back exactly as they were (with their own indentation); new lines
    # get the fence's indentation, blank lines none.
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.extend(old_raw_lines[i1:i2])
        else:
            out.extend(block.indent + line if line.strip() else line for line in new_lines[j1:j2])
    return b"".join(out)


def _name(info: str, before: list[bytes], body: bytes) -> str | None:
    if match := _INFO_NAME.search(info):
        return _normalize(match.group(1))
    label = _label_above(before)
    if label is not None:
        paths = {_normalize(m.group(1)) for m in _PATH.finditer(label.replace("\\", "/"))}
        if len(paths) == 1:
            return paths.pop()
    first = body.split(b"\n", 1)[0].decode("utf-8", "replace").strip()
    if first.startswith("#!"):
        second = body.split(b"\n", 2)[1:2]
        first = second[0].decode("utf-8", "replace").strip() if second else ""
    if (match := _COMMENT_NAME.match(first)) and (path := _PATH.fullmatch(match.group(1).strip("`'\""))):
        return _normalize(path.group(1))
    return None


def _label_above(before: list[bytes]) -> str | None:
    for raw in reversed(before):
        line = raw.decode("utf-8", "replace").strip("\r\n\ufeff").strip()
        if line:
            return _label(line)
    return None


def _label(line: str) -> str | None:
    """The line's text when it labels what follows (a heading, a bold or list-item label, a bare
    path), None when it is a sentence."""
    if len(line) > 160 or "://" in line:
        return None
    if _HEADING.match(line) or (line.startswith("<!--") and line.endswith("-->")):
        return line
    if item := _LIST_ITEM.match(line):
        line = item.group(1)
    if _BOLD_LABEL.fullmatch(line) or _BARE_PATH.fullmatch(line):
        return line
    return None


def _normalize(name: str) -> str:
    name = name.replace("\\", "/")
    while name.startswith("./"):
        name = name[2:]
    return re.sub(r"/{2,}", "/", name)
