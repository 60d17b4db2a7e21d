"""Unified diffs that `git apply` accepts, including for files without a final newline."""

from __future__ import annotations

import difflib


def unified_diff(old: str, new: str, path: str, *, context: int = 3, new_file: bool = False) -> str:
    """`--- a/path` / `+++ b/path` diff of two texts; empty when they are equal.

    With `new_file`, the diff creates the file: `--- /dev/null`, as `git apply` expects.
    """
    if old == new and not new_file:
        return ""
    display = path.replace("\\", "/").lstrip("/")
    if display.startswith("./"):
        display = display[2:]
    lines = difflib.unified_diff(
        _lines(old), _lines(new), fromfile="/dev/null" if new_file else f"a/{display}", tofile=f"b/{display}",
        n=context,
    )
    out = []
    for line in lines:
        if line.endswith(("\n", "\r")):
            out.append(line)
        else:
            # The last line of a file with no final newline: git's marker, on its own line.
            out.append(line + "\n\\ No newline at end of file\n")
    return "".join(out)


def _lines(text: str) -> list[str]:
    # Keep each line's own ending (CRLF files diff as CRLF) but split only on \n-style breaks
    # that Python source uses, not on form feeds or other characters splitlines() knows.
    lines = text.split("\n")
    result = [line + "\n" for line in lines[:-1]]
    if lines[-1]:
        result.append(lines[-1])
    return result
