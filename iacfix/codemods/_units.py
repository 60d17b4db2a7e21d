"""Documents and the units the engine fixes in them.

A Python file is one unit. A Markdown answer (`MODEL_RESPONSE.md`) is many: one per fenced Python
block, named after the file the answer gives it (`lib/tap_stack.py`), so rules that look across
files see the whole answer as a project. After fixing, the units are joined back into the document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, Sequence


@dataclass(frozen=True)
class Unit:
    """One source text to fix: a whole file, or one block of a document."""

    path: str  # the real file on disk (or `<stdin>`)
    data: bytes
    name: str  # the file name inside the project: the path, or the file a block is named after
    line_offset: int = 0  # lines of the document before the unit's first line
    kind: str = "python"  # "python", or "requirements" for requirements.txt content
    index: int = 0  # position among the document's units


@dataclass(frozen=True)
class Split:
    """A document cut into units, and what could not be taken (with its line)."""

    units: tuple[Unit, ...]
    notes: tuple[str, ...] = field(default=())


class Document(Protocol):
    def split(self, path: str, data: bytes) -> Split: ...

    def join(self, path: str, data: bytes, fixed: Sequence[bytes]) -> bytes:
        """The document with unit `i` replaced by `fixed[i]` (unchanged units given as they were)."""
        ...


class PythonFile:
    """A `.py` file: one unit, joined back as is."""

    def split(self, path: str, data: bytes) -> Split:
        return Split((Unit(path, data, path),))

    def join(self, path: str, data: bytes, fixed: Sequence[bytes]) -> bytes:
        return fixed[0]


class RequirementsFile:
    """A pip requirements file: one unit of kind "requirements", for the text rules."""

    def split(self, path: str, data: bytes) -> Split:
        return Split((Unit(path, data, path, kind="requirements"),))

    def join(self, path: str, data: bytes, fixed: Sequence[bytes]) -> bytes:
        return fixed[0]


def is_requirements(path: str) -> bool:
    name = path.replace("\\", "/").rsplit("/", 1)[-1].lower()
    return name.startswith("requirements") and name.endswith((".txt", ".in"))


def document_for(path: str) -> Document:
    if path.lower().endswith((".md", ".markdown")):
        from iacfix.codemods._markdown import MarkdownAnswer

        return MarkdownAnswer()
    if is_requirements(path):
        return RequirementsFile()
    return PythonFile()
