"""IAC304 end-of-file-newlines: blank lines at the end of a file, or no newline at its end."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import libcst as cst

from iacfix.codemods._rule import FixSafety, Rule, Severity

if TYPE_CHECKING:
    from iacfix.codemods._context import FileContext

# Trailing blank (or whitespace-only) lines, or a last line without its newline.
_NEEDS_FIX = re.compile(r"(?:\n[ \t\f]*\r?\n[ \t\f\r\n]*|[^\n])\Z")


class EndOfFileNewlines(Rule):
    """A file that does not end with exactly one newline.

    ## What it does
    Removes the blank lines at the end of a file (pylint C0305 trailing-newlines) and adds the
    missing newline after the last line (C0304 missing-final-newline), so the file ends with
    exactly one line ending, of the kind the file already uses (CRLF stays CRLF).

    ## Why it matters
    Both messages fail the QA gate's pylint run; the failure analyses rate them Low.

    ## Example
    ```python
    from aws_cdk import App

    app = App()
    app.synth()



    ```

    ## After the fix
    ```python
    from aws_cdk import App

    app = App()
    app.synth()
    ```

    ## Fix safety
    Safe: only blank lines (and whitespace on them) after the last statement or comment are
    removed, and a line ending is added; no code or comment changes.

    ## References
    https://pylint.readthedocs.io/en/stable/user_guide/messages/convention/trailing-newlines.html
    https://pylint.readthedocs.io/en/stable/user_guide/messages/convention/missing-final-newline.html
    """

    CODE = "IAC304"
    NAME = "end-of-file-newlines"
    SUMMARY = "file does not end with exactly one newline"
    SEVERITY = Severity.LOW
    FIX_SAFETY = FixSafety.SAFE
    PYLINT = ("trailing-newlines", "C0305", "missing-final-newline", "C0304")
    REFERENCE = "https://pylint.readthedocs.io/en/stable/user_guide/messages/convention/trailing-newlines.html"

    @classmethod
    def wants(cls, text: str, context: FileContext) -> bool:
        return bool(text) and _NEEDS_FIX.search(text) is not None

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        # With no statement, trailing blank lines are the end of the header (a comment-only file).
        field = "footer" if original_node.body or original_node.footer else "header"
        lines: list[cst.EmptyLine] = list(getattr(original_node, field))
        keep = len(lines)
        while keep and lines[keep - 1].comment is None:
            keep -= 1
        if (keep == 0 and field == "header") or len(getattr(updated_node, field)) != len(lines):
            return updated_node  # only blank lines (nothing to end), or the end was rewritten
        changes: dict[str, Any] = {}
        blank = len(lines) - keep
        if blank:
            problem = "1 blank line" if blank == 1 else f"{blank} blank lines"
            if self.report(lines[keep], f"{problem} at the end of the file"):
                changes[field] = getattr(updated_node, field)[:keep]
        # A Markdown block lacks its last newline only when its fence is left open at the end of
        # the answer: adding one would change the answer's last line, which is not ours to change.
        if not original_node.has_trailing_newline and not self.context.in_markdown:
            last: cst.CSTNode = lines[-1] if lines else original_node.body[-1]
            if self.report(last, "no newline at the end of the file"):
                changes["has_trailing_newline"] = True
        return updated_node.with_changes(**changes) if changes else updated_node
