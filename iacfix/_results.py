"""Results of a run: findings, per-file results, impact levels, fix safety. No libcst here, so the
command line and the cache can handle results without loading the parser."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Severity(enum.Enum):
    """Impact level, in the QA failure analyses' terms."""

    CRITICAL = "Critical"
    HIGH = "High"
    MEDIUM = "Medium"
    LOW = "Low"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.CRITICAL: 0, Severity.HIGH: 1, Severity.MEDIUM: 2, Severity.LOW: 3}


class FixSafety(enum.Enum):
    """SAFE fixes apply by default, UNSAFE ones only with --unsafe-fixes, NONE is report only."""

    SAFE = "safe"
    UNSAFE = "unsafe"
    NONE = "none"


@dataclass(frozen=True, order=True)
class Finding:
    """One defect at one place. `fixed` says whether its fix is in the result."""

    path: str
    line: int
    column: int
    code: str
    name: str = field(compare=False)
    severity: Severity = field(compare=False)
    message: str = field(compare=False)
    fix_safety: FixSafety = field(compare=False)
    fixed: bool = field(compare=False, default=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "name": self.name,
            "severity": self.severity.value,
            "message": self.message,
            "fix_safety": self.fix_safety.value,
            "fixed": self.fixed,
        }


@dataclass(frozen=True)
class FileError:
    """Why a file could not be processed; `line`/`column` are 1-based when known."""

    message: str
    line: int | None = None
    column: int | None = None

    def format(self, path: str) -> str:
        where = f"{path}:{self.line}:{self.column}" if self.line is not None else path
        return f"{where}: error: {self.message}"


@dataclass(frozen=True)
class FileResult:
    path: str
    old: bytes
    new: bytes
    findings: tuple[Finding, ...] = ()
    error: FileError | None = None
    internal_errors: tuple[str, ...] = ()
    encoding: str = "utf-8"
    notes: tuple[str, ...] = field(default=())
    new_file: bool = False  # a file a project rule adds (`old` is empty; never written over a file)

    @property
    def changed(self) -> bool:
        return self.error is None and self.new != self.old

    @property
    def unfixed(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.fixed)


