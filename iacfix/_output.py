"""How results look on a terminal or in JSON. No libcst here."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable

import click

if TYPE_CHECKING:
    from iacfix.codemods._engine import FileResult
    from iacfix.codemods._rule import Finding


def finding_line(finding: Finding, *, mode: str) -> str:
    """`path:line:col: IAC301 [High] message [fixed]`: clickable in editors and terminals."""
    if finding.fixed:
        state = " [fixed]" if mode == "write" else " [fixable]"
    elif finding.fix_safety.value == "unsafe":
        state = " [unsafe fix: --unsafe-fixes]"
    else:
        state = ""
    return (f"{finding.path}:{finding.line}:{finding.column}: {finding.code} "
            f"[{finding.severity.value}] {finding.message}{state}")


class Progress:
    """`[ 120/3000] path` on one stderr line, for long runs on a terminal; cleared before output."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.total = 0
        self.done = 0
        self._shown = False

    def start(self, total: int) -> None:
        self.total = total
        self.enabled = self.enabled and total >= 50

    def step(self, path: str) -> None:
        self.done += 1
        if self.enabled:
            width = len(str(self.total))
            click.echo(f"\r\x1b[K[{self.done:>{width}}/{self.total}] {path[-60:]}", nl=False, err=True)
            self._shown = True

    def clear(self) -> None:
        if self._shown:
            click.echo("\r\x1b[K", nl=False, err=True)
            self._shown = False


def colorize_diff(diff: str) -> str:
    out = []
    for line in diff.splitlines(keepends=True):
        if line.startswith(("+++", "---")):
            out.append(click.style(line, bold=True))
        elif line.startswith("@@"):
            out.append(click.style(line, fg="cyan"))
        elif line.startswith("+"):
            out.append(click.style(line, fg="green"))
        elif line.startswith("-"):
            out.append(click.style(line, fg="red"))
        else:
            out.append(line)
    return "".join(out)


@dataclass
class Tally:
    files: int = 0
    changed: int = 0
    fixed: int = 0
    left: int = 0
    failed: int = 0
    internal: int = 0
    unfixed_by_severity: dict[str, int] = field(default_factory=dict)

    def add(self, result: FileResult) -> None:
        self.files += 1
        if result.error is not None:
            self.failed += 1
            return
        self.changed += result.changed
        self.internal += len(result.internal_errors)
        for finding in result.findings:
            if finding.fixed:
                self.fixed += 1
            else:
                self.left += 1

    def summary(self, mode: str) -> str:
        verb = {"write": "changed", "diff": "would change", "check": "would change"}.get(mode, "changed")
        fixes = "fixed" if mode == "write" else "fixable"
        parts = [
            f"{self.files} file{'s' if self.files != 1 else ''} checked",
            f"{self.changed} {verb}",
            f"{self.fixed} {fixes}",
            f"{self.left} left to review",
        ]
        if self.failed:
            parts.append(f"{self.failed} failed")
        if self.internal:
            parts.append(f"{self.internal} internal error{'s' if self.internal != 1 else ''}")
        return ", ".join(parts)

    def exit_code(self, mode: str) -> int:
        if self.failed or self.internal:
            return 2
        if self.left:
            return 1
        if mode == "check" and (self.changed or self.fixed):
            return 1
        return 0


def as_json(results: Iterable[FileResult], tally: Tally, mode: str, diffs: dict[str, str]) -> str:
    files = []
    for result in results:
        entry: dict[str, object] = {
            "path": result.path,
            "changed": result.changed,
            "findings": [finding.to_dict() for finding in result.findings],
        }
        if result.error is not None:
            entry["error"] = result.error.format(result.path)
        if result.internal_errors:
            entry["internal_errors"] = list(result.internal_errors)
        if result.path in diffs:
            entry["diff"] = diffs[result.path]
        files.append(entry)
    return json.dumps({"mode": mode, "files": files, "summary": tally.summary(mode),
                       "exit_code": tally.exit_code(mode)}, indent=2)
