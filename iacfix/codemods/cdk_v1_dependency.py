"""IAC106 cdk-v1-dependency: a requirements file that installs CDK v1 packages."""

from __future__ import annotations

import re

from iacfix.codemods._cdk_v1 import (
    CONSTRUCTS_REQUIREMENT,
    LIB_REQUIREMENT,
    Requirement,
    alpha_distribution,
    parse_requirement,
)
from iacfix.codemods._rule import FixSafety, Severity, TextRule


class CdkV1Dependency(TextRule):
    """A requirements file that installs CDK v1 (`aws-cdk.core`, `aws-cdk.aws-s3`, ...).

    ## What it does
    Replaces the CDK v1 per-module packages of a `requirements*.txt` by CDK v2's single
    `aws-cdk-lib` and `constructs` 10, once each, where the first v1 line was (its environment
    marker and comment kept). The other v1 lines are removed; every other line stays
    byte-identical, line endings included. A `constructs` line pinned to the v1 range
    (`constructs>=3.0.0,<4.0.0`) gets the v2 range.

    ## Why it matters
    CDK v1 is end-of-life and its packages import as `aws_cdk.core`, which a v2 app does not
    have; next to `aws-cdk-lib` they pull constructs 3, which pip cannot reconcile with the
    constructs 10 that aws-cdk-lib needs. The install or the synth fails: Critical, as the
    analyses rate CDK v1 code in a v2 app.

    ## Example
    ```text
    # infrastructure
    aws-cdk.core==1.204.0
    aws-cdk.aws-s3==1.204.0
    aws-cdk.aws-dynamodb==1.204.0
    constructs>=3.3.69,<4.0.0
    boto3>=1.26
    ```

    ## After the fix
    ```text
    # infrastructure
    aws-cdk-lib>=2.0.0,<3.0.0
    constructs>=10.0.0,<11.0.0
    boto3>=1.26
    ```

    ## Fix safety
    Safe: v1 packages have no 2.x release, and aws-cdk-lib 2 holds every module they provided.
    Pins are replaced by the v2 major range (pin a version yourself if the project pins). A v1
    experimental package with no module in aws-cdk-lib (`aws-cdk.aws-lambda-python`) is reported
    with its `-alpha` successor and left for you to pin. Lines continued with `\\` (hash-pinned
    files) or v1 lines with different environment markers are reported, not rewritten.

    ## References
    https://docs.aws.amazon.com/cdk/v2/guide/migrating-v2.html
    """

    CODE = "IAC106"
    NAME = "cdk-v1-dependency"
    SUMMARY = "requirements file installs CDK v1 packages (aws-cdk.core, ...)"
    SEVERITY = Severity.CRITICAL
    FIX_SAFETY = FixSafety.SAFE
    UNIT_KIND = "requirements"
    TRIGGERS = re.compile(r"aws[-_.]cdk[-_.]", re.IGNORECASE)
    REFERENCE = "https://docs.aws.amazon.com/cdk/v2/guide/migrating-v2.html"

    def fix(self, text: str) -> str:
        lines = text.splitlines(keepends=True)
        parsed = [parse_requirement(_content(line).rstrip().removesuffix("\\")) for line in lines]
        v1 = [i for i, req in enumerate(parsed) if req is not None and req.kind == "v1"]
        for i, req in enumerate(parsed):
            if req is not None and req.kind == "v1-alpha":
                self.report(i + 1, _indent(lines[i]), f"`{req.name}` is a CDK v1 experimental package: its v2 "
                            f"successor is `{alpha_distribution(req.module)}` (not auto-fixable)", fixable=False)
        has_lib = any(req is not None and req.kind == "lib" for req in parsed)
        blocked = self._blocked(lines, parsed, v1)
        applied = [i for i in v1 if self._report_v1(i, lines, parsed[i], first=i == v1[0], blocked=blocked)]
        out = list(lines)
        if applied and not has_lib:
            first = parsed[applied[0]]
            assert first is not None
            out[applied[0]] = self._lib_lines(lines, applied[0], first,
                                              add_constructs=not any(r is not None and r.kind == "constructs"
                                                                     for r in parsed))
        for i in applied[1:] if not has_lib else applied:
            out[i] = ""
        if v1 or has_lib:
            for i, req in enumerate(parsed):
                if req is not None and req.kind == "constructs" and req.constructs_v1_range():
                    if self.report(i + 1, _indent(lines[i]), f"`{req.name}{req.spec}` is the CDK v1 range: "
                                   "aws-cdk-lib 2 needs constructs 10"):
                        out[i] = _indent_text(lines[i]) + _line(CONSTRUCTS_REQUIREMENT, req) + _ending(lines[i])
        return "".join(out)

    def _blocked(self, lines: list[str], parsed: list[Requirement | None], v1: list[int]) -> str | None:
        """Why the v1 lines cannot be rewritten, if they cannot."""
        if any("--hash" in line for line in lines):
            return "the file pins hashes (pip's hash-checking mode)"
        markers = {(parsed[i].marker if parsed[i] else "") for i in v1}  # type: ignore[union-attr]
        if len(markers) > 1:
            return "the CDK v1 lines have different environment markers"
        for i in v1:
            if any(_content(line).rstrip().endswith("\\") for line in lines[max(i - 1, 0): i + 1]):
                return "a CDK v1 line is continued with `\\`"
        return None

    def _report_v1(self, i: int, lines: list[str], req: Requirement | None, *, first: bool,
                   blocked: str | None) -> bool:
        assert req is not None
        what = f"`{req.name}` is a CDK v1 package"
        if blocked:
            return self.report(i + 1, _indent(lines[i]), f"{what} (not auto-fixable: {blocked})", fixable=False)
        if first:
            return self.report(i + 1, _indent(lines[i]), f"{what}: CDK v2 apps install `aws-cdk-lib` and "
                               "`constructs` 10")
        return self.report(i + 1, _indent(lines[i]), f"{what}: its module is part of `aws-cdk-lib`")

    @staticmethod
    def _lib_lines(lines: list[str], i: int, req: Requirement, *, add_constructs: bool) -> str:
        ending = _ending(lines[i])
        text = _indent_text(lines[i]) + _line(LIB_REQUIREMENT, req, comment=True)
        if not add_constructs:
            return text + ending
        separator = ending or next((_ending(line) for line in lines if _ending(line)), "\n")
        return text + separator + _indent_text(lines[i]) + _line(CONSTRUCTS_REQUIREMENT, req, comment=False) + ending


def _line(requirement: str, req: Requirement, *, comment: bool = True) -> str:
    marker = f"; {req.marker.lstrip(';').strip()}" if req.marker else ""
    return requirement + marker + (req.comment if comment else "")


def _content(line: str) -> str:
    return line.rstrip("\r\n")


def _ending(line: str) -> str:
    return line[len(_content(line)):]


def _indent_text(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _indent(line: str) -> int:
    return len(_indent_text(line))
