"""Findings for CI: SARIF 2.1.0 (GitHub code scanning) and GitHub workflow annotations. No libcst here.

Impact maps to levels as code scanning shows them: Critical and High are errors, Medium a
warning, Low a note (a `notice` annotation).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from iacfix import __version__

if TYPE_CHECKING:
    from iacfix.codemods._engine import FileResult
    from iacfix.codemods._rule import Finding, Rule

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {"Critical": "error", "High": "error", "Medium": "warning", "Low": "note"}
_ANNOTATIONS = {"error": "error", "warning": "warning", "note": "notice"}


def sarif(results: Iterable[FileResult]) -> str:
    """One SARIF 2.1.0 log with one run: every rule in `tool.driver.rules`, every finding a result."""
    from iacfix.codemods import ALL_RULES

    results = list(results)
    index = {rule.CODE: number for number, rule in enumerate(ALL_RULES)}
    entries = []
    for finding in _findings(results):
        entry: dict[str, object] = {
            "ruleId": finding.code,
            "level": _LEVELS[finding.severity.value],
            "message": {"text": _message(finding)},
            "locations": [{"physicalLocation": {
                "artifactLocation": _artifact(finding.path),
                "region": {"startLine": max(finding.line, 1), "startColumn": max(finding.column, 1)},
            }}],
            "properties": {"impact": finding.severity.value, "fixSafety": finding.fix_safety.value,
                           "fixed": finding.fixed},
        }
        if finding.code in index:
            entry["ruleIndex"] = index[finding.code]
        entries.append(entry)
    notifications = [{"level": "error", "message": {"text": result.error.format(result.path)}}
                     for result in results if result.error is not None]
    run = {
        "tool": {"driver": {"name": "iacfix", "version": __version__,
                            "rules": [_descriptor(rule) for rule in ALL_RULES]}},
        "invocations": [{"executionSuccessful": not notifications, "toolExecutionNotifications": notifications}],
        "results": entries,
    }
    return json.dumps({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2) + "\n"


def github_annotations(results: Iterable[FileResult]) -> str:
    """`::error file=...,line=...,col=...,title=IAC301::message` lines for GitHub Actions."""
    lines = []
    for result in results:
        if result.error is not None:
            lines.append(f"::error file={_property(_display(result.path))}::{_data(result.error.message)}")
    for finding in _findings(results):
        kind = _ANNOTATIONS[_LEVELS[finding.severity.value]]
        where = f"file={_property(_display(finding.path))},line={finding.line},col={finding.column}"
        lines.append(f"::{kind} {where},title={_property(finding.code)}::{_data(_message(finding))}")
    return "".join(line + "\n" for line in lines)


def _findings(results: Iterable[FileResult]) -> list[Finding]:
    return sorted(finding for result in results for finding in result.findings)


def _message(finding: Finding) -> str:
    state = " (fixed)" if finding.fixed else " (not fixed: review it)"
    return f"[{finding.severity.value}] {finding.message}{state}"


def _descriptor(rule: type[Rule]) -> dict[str, object]:
    from iacfix.codemods._rule import explanation

    text = explanation(rule)
    what = text.split("## What it does", 1)[-1].split("\n## ", 1)[0].strip() if "## What it does" in text else ""
    descriptor: dict[str, object] = {
        "id": rule.CODE,
        "name": rule.NAME,
        "shortDescription": {"text": rule.SUMMARY},
        "fullDescription": {"text": " ".join(what.split()) or rule.SUMMARY},
        "help": {"text": text, "markdown": text},
        "defaultConfiguration": {"level": _LEVELS[rule.SEVERITY.value]},
        "properties": {"impact": rule.SEVERITY.value, "fixSafety": rule.FIX_SAFETY.value, "tags": ["iac"]},
    }
    if rule.REFERENCE:
        descriptor["helpUri"] = rule.REFERENCE
    return descriptor


def _artifact(path: str) -> dict[str, str]:
    if os.path.isabs(path):
        return {"uri": Path(path).as_uri()}
    return {"uri": _display(path), "uriBaseId": "%SRCROOT%"}


def _display(path: str) -> str:
    return path.replace(os.sep, "/").removeprefix("./")


def _data(text: str) -> str:
    # GitHub's workflow command escaping: https://github.com/actions/toolkit (core/src/command.ts)
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
