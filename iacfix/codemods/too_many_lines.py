"""IAC305 too-many-lines: a module longer than pylint's `max-module-lines`."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import libcst as cst

from iacfix.codemods._pylint_lines import TOO_MANY_LINES, disabled_anywhere
from iacfix.codemods._rule import FixSafety, Rule, Severity

if TYPE_CHECKING:
    from iacfix.codemods._context import FileContext

DEFAULT_MAX_MODULE_LINES = 1000


class TooManyLines(Rule):
    """A module with more lines than pylint allows (report only).

    ## What it does
    Reports a module with more lines than the `max-module-lines` of the project's pylint
    configuration (default 1000), as pylint's C0302 does: every line counts, blank lines and
    comments included. A `# pylint: disable=too-many-lines` anywhere in the module silences it,
    as it silences pylint.

    ## Why it matters
    The QA gate fails on C0302; the failure analyses rate it Low and accept either splitting the
    stack into several modules or a `# pylint: disable=too-many-lines` comment with a reason.

    ## Example
    With `max-module-lines=4` in the project's `.pylintrc` (1000 when unset):
    ```python
    # The stack: six lines, two over the limit.
    import aws_cdk as cdk


    class TapStack(cdk.Stack):
        pass
    ```

    ## After the fix
    Reported, unchanged:
    ```python
    # The stack: six lines, two over the limit.
    import aws_cdk as cdk


    class TapStack(cdk.Stack):
        pass
    ```

    ## Fix safety
    None: where to split a stack, or whether the length is justified, is a reviewer's decision.

    ## References
    https://pylint.readthedocs.io/en/stable/user_guide/messages/convention/too-many-lines.html
    """

    CODE = "IAC305"
    NAME = "too-many-lines"
    SUMMARY = "module longer than pylint's max-module-lines (default 1000)"
    SEVERITY = Severity.LOW
    FIX_SAFETY = FixSafety.NONE
    PYLINT = ("too-many-lines", "C0302")
    REFERENCE = "https://pylint.readthedocs.io/en/stable/user_guide/messages/convention/too-many-lines.html"
    EXAMPLE_PROJECT: ClassVar[dict[str, str]] = {".pylintrc": "[FORMAT]\nmax-module-lines=4\n"}

    @classmethod
    def wants(cls, text: str, context: FileContext) -> bool:
        return _count(text) > _limit(context) and not disabled_anywhere(text, TOO_MANY_LINES)

    def visit_Module(self, node: cst.Module) -> None:
        # The count is left out: when another rule splits lines, a later pass counts again, and
        # the engine knows a finding it already has by its message.
        self.report_on_lines(1, 0, f"too many lines in module (more than {_limit(self.context)})")


def _limit(context: FileContext) -> int:
    return context.pylint.max_module_lines or DEFAULT_MAX_MODULE_LINES


def _count(text: str) -> int:
    """Lines as pylint counts them: the physical lines, the last one with or without its newline."""
    return text.count("\n") + (0 if not text or text.endswith("\n") else 1)
