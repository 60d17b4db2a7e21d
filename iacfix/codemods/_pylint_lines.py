"""How pylint's format checker measures lines, mirrored so iacfix flags exactly what the gate flags.

pylint (checkers/format.py, 4.0) counts a line's characters without its line ending and trailing
whitespace, after cutting a `# pylint: ...` pragma out of it; a line matching `ignore-long-lines`
(by default a line holding only a URL, possibly in a comment) is never too long; a pragma that
disables `line-too-long` on the line itself, the line before (`disable-next`) or above it in
the same block silences it. `too-many-lines` counts every line of the module and is silenced by
a pragma anywhere in the module.
"""

from __future__ import annotations

import functools
import io
import re
import tokenize
from dataclasses import dataclass

# pylint.utils.pragma_parser.OPTION_RGX: group 1 is the pragma cut out of the measured line,
# group 2 its content. On a comment-only line it starts at the last `#` before the pragma word.
_PRAGMA = re.compile(
    r"(?:^\s*\#.*|\s*|\s*\#.*(?=\#.*?\bpylint:))(\#.*?\bpylint:\s*([^;#\n]+))[;#]{0,1}"
)
_ACTION = re.compile(r"\b(disable-next|disable-msg|enable-msg|disable|enable|skip-file|disable-all)\b\s*(=)?")
# pylint's default `ignore-long-lines`.
IGNORE_LONG_LINES = re.compile(r"^\s*(# )?<?https?://\S+>?$")

LINE_TOO_LONG = frozenset({"line-too-long", "C0301", "all"})
TOO_MANY_LINES = frozenset({"too-many-lines", "C0302", "all"})


@dataclass(frozen=True)
class LongLine:
    number: int  # 1-based
    length: int  # as pylint counts it
    text: str  # the physical line, without its line ending


def _pragmas(line: str) -> list[tuple[str, frozenset[str]]]:
    """The (action, messages) pairs of the pylint pragma on `line`, if any."""
    match = _PRAGMA.search(line)
    if not match:
        return []
    content = match.group(2)
    found = []
    actions = list(_ACTION.finditer(content))
    for index, action in enumerate(actions):
        end = actions[index + 1].start() if index + 1 < len(actions) else len(content)
        names = frozenset(n for n in re.split(r"[\s,]+", content[action.end():end]) if n)
        found.append((action.group(1), names))
    return found


def physical_lines(text: str) -> list[str]:
    """Lines as pylint numbers them, without line endings (CRLF or LF)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def measured_length(line: str) -> int:
    """The length pylint reports for `line` (pragma cut out, trailing whitespace dropped)."""
    return len(_cut_pragma(line).rstrip())


def _cut_pragma(line: str) -> str:
    match = _PRAGMA.search(line) if "pylint" in line else None
    if match:
        line = line[: match.start(1)].rstrip() + line[match.end(1):]
    return line


def long_lines(text: str, limit: int) -> tuple[LongLine, ...]:
    """The lines pylint reports as line-too-long (C0301) with `max-line-length=limit`."""
    return _long_lines(text, limit)


def may_have_long_lines(text: str, limit: int) -> bool:
    """Cheap superset of `long_lines(text, limit)` being non-empty, for a pre-check: the same
    judgement without tokenizing (lines inside multi-line strings count here)."""
    if max(map(len, text.split("\n")), default=0) <= limit:  # a raw line is never shorter than pylint's
        return False
    lines = physical_lines(text)
    candidates = [index for index, line in enumerate(lines) if len(line) > limit]
    silenced = _silenced(lines, LINE_TOO_LONG) if candidates else set()
    for index in candidates:
        if index in silenced:
            continue
        cut = _cut_pragma(lines[index]).rstrip()
        if len(cut) > limit and not IGNORE_LONG_LINES.search(cut):
            return True
    return False


@functools.lru_cache(maxsize=4)  # a rule's `wants` and its pass measure the same text
def _long_lines(text: str, limit: int) -> tuple[LongLine, ...]:
    lines = physical_lines(text)
    candidates = [index for index, line in enumerate(lines) if len(line) > limit]
    if not candidates:
        return ()
    silenced = _silenced(lines, LINE_TOO_LONG)
    # Only a triple-quoted or backslash-continued string spans lines: tokenize just then.
    multiline = any(mark in text for mark in ('"""', "'''", "\\\n"))
    unmeasured = _inside_strings(text) if multiline else set()
    found = []
    for index in candidates:
        line = lines[index]
        if index in silenced or index + 1 in unmeasured:
            continue
        cut = _cut_pragma(line).rstrip()
        if len(cut) > limit and not IGNORE_LONG_LINES.search(cut):
            found.append(LongLine(index + 1, len(cut), line))
    return tuple(found)


def _inside_strings(text: str) -> set[int]:
    """Lines pylint never measures: inside a multi-line string that does not start its line.

    pylint measures the line of each token that starts a line (with all the lines of that token
    when it spans several: a docstring, a string opening a line); lines that only continue a
    string opened after other code on its first line are not looked at.
    """
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return set()
    measured: set[int] = set()
    spanned: set[int] = set()
    current = 0
    for index, token in enumerate(tokens):
        if token.end[0] > token.start[0]:
            spanned.update(range(token.start[0] + 1, token.end[0] + 1))
        if token.start[0] == current:
            continue
        current = token.start[0]
        first = tokens[index + 1] if token.type == tokenize.INDENT and index + 1 < len(tokens) else token
        measured.update(range(first.start[0], first.end[0] + 1))
    return spanned - measured


def disabled_anywhere(text: str, symbols: frozenset[str]) -> bool:
    """Whether a pragma anywhere disables one of `symbols` (as pylint treats too-many-lines)."""
    if "pylint" not in text:
        return False
    for line in physical_lines(text):
        for action, names in _pragmas(line):
            if action in ("skip-file", "disable-all"):
                return True
            if action in ("disable", "disable-msg", "disable-next") and names & symbols:
                return True
    return False


def _silenced(lines: list[str], symbols: frozenset[str]) -> set[int]:
    """0-based indexes of lines where a pragma silences `symbols`.

    A pragma after code silences its own line; `disable-next` the following line; a pragma on a
    comment-only line silences the rest of its block (until code indented less than it), as
    pylint's block-level pragmas do, until an `enable`.
    """
    silenced: set[int] = set()
    if not any("pylint" in line for line in lines):
        return silenced
    block_from: int | None = None  # indentation of the comment that opened a silenced stretch
    for index, line in enumerate(lines):
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if block_from is not None and stripped and not stripped.startswith("#") and indent < block_from:
            block_from = None
        pragmas = _pragmas(line) if "pylint" in line else []
        for action, names in pragmas:
            hit = action in ("skip-file", "disable-all") or bool(names & symbols)
            if not hit:
                continue
            if action in ("skip-file", "disable-all"):
                return set(range(len(lines)))
            if action == "disable-next":
                silenced.add(index + 1)
            elif action in ("disable", "disable-msg"):
                silenced.add(index)
                if stripped.startswith("#"):
                    block_from = indent
            elif action in ("enable", "enable-msg") and stripped.startswith("#"):
                block_from = None
        if block_from is not None:
            silenced.add(index)
    return silenced
