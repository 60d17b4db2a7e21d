"""`iacfix extract ANSWER --to DIR`: write the files a Markdown answer names into a folder.

Every named block becomes its file under DIR (folders created); unnamed blocks are listed, not
written. A name that is absolute or leads out of DIR (`..`, a symbolic link inside DIR pointing
elsewhere) is refused; a file that exists is only replaced with `force`. When a file is named
twice, the later block wins (answers that revise a file repeat it) and a warning says so.
With `fix`, the answer is fixed first, as one project (the same fixes as `iacfix ANSWER`), and
the project rules then add what the project lacks (`tap.py`, `cdk.json`: IAC401).

Nothing here prints: `extract` returns what happened and the CLI reports it.
"""

from __future__ import annotations

import ast
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from iacfix.codemods._engine import fix_documents
from iacfix.codemods._files import ChangedOnDisk, write_atomic, write_new
from iacfix.codemods._markdown import Block, read_blocks
from iacfix.codemods._project_rules import ProjectFile, ProjectView, add_disk_files, check_project
from iacfix.codemods._rule import Finding
from iacfix.settings import Settings

_FILE_LANGUAGES = frozenset({"python", "py", "python3", "py3", "json", "txt", "yaml", "yml", "toml", "ini", "cfg",
                             "dockerfile"})


@dataclass(frozen=True)
class Message:
    level: str  # "error", "warning" or "note"
    text: str  # `path:line: level: text`, ready to print


@dataclass
class Extraction:
    """What `extract` did: files written, messages, and the fixes' findings (with `fix`)."""

    written: list[tuple[str, str]] = field(default_factory=list)  # (file written, where it came from)
    messages: list[Message] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    unnamed: int = 0

    @property
    def exit_code(self) -> int:
        if any(message.level == "error" for message in self.messages):
            return 2
        return 1 if any(not finding.fixed for finding in self.findings) else 0

    def summary(self, dest: str) -> str:
        errors = sum(message.level == "error" for message in self.messages)
        parts = [f"{len(self.written)} file{'s' if len(self.written) != 1 else ''} written to {dest}",
                 f"{self.unnamed} unnamed block{'s' if self.unnamed != 1 else ''} not written"]
        if self.findings:
            fixed = sum(finding.fixed for finding in self.findings)
            parts.append(f"{fixed} fixed, {len(self.findings) - fixed} left to review")
        if errors:
            parts.append(f"{errors} error{'s' if errors != 1 else ''}")
        return ", ".join(parts)

    def add(self, level: str, where: str, text: str) -> None:
        self.messages.append(Message(level, f"{where}: {level}: {text}"))


@dataclass(frozen=True)
class _Planned:
    name: str
    data: bytes
    origin: str  # `answer:line`, or the rule that adds the file
    block: Block | None = None


def extract(answer: str, dest: str, *, fix: bool = False, force: bool = False,
            settings: Settings | None = None) -> Extraction:
    """Write the files `answer` names under `dest`; see the module docstring."""
    settings = settings or Settings()
    out = Extraction()
    try:
        data = Path(answer).read_bytes()
    except OSError as error:
        out.add("error", answer, f"cannot read: {error.strerror or error}")
        return out
    blocks = read_blocks(data)
    if fix:
        blocks = _fixed_blocks(answer, data, blocks, settings, out)
    planned = _plan(answer, blocks, out, fixed=fix)
    if fix:
        planned += _project_files(answer, dest, planned, settings, out)
    for item in planned:
        _write(dest, item, force, out)
    return out


def _fixed_blocks(answer: str, data: bytes, blocks: list[Block], settings: Settings, out: Extraction) -> list[Block]:
    [result] = fix_documents([(answer, data)], settings)
    out.findings.extend(result.findings)
    for note in result.notes:
        out.messages.append(Message("note", note))
    for message in result.internal_errors:
        out.add("error", answer, message)
    fixed = read_blocks(result.new) if result.error is None else blocks
    if result.error is not None:
        out.add("error", answer, result.error.message + "; blocks written unfixed")
    # Fixing changes block bodies only, never fences, so the blocks pair up one to one.
    return fixed if len(fixed) == len(blocks) else blocks


def _plan(answer: str, blocks: list[Block], out: Extraction, *, fixed: bool) -> list[_Planned]:
    chosen: dict[str, _Planned] = {}
    for block in blocks:
        where = f"{answer}:{block.fence_line + 1}"
        if block.name is None:
            # Listed when it looks like a file's content; shell sessions and prose-like blocks are not.
            if block.language in _FILE_LANGUAGES:
                out.unnamed += 1
                out.add("note", where, f"{block.display_name} ({block.language}) names no file; not written")
            continue
        if block.kind == "python" and not fixed and not _parses(block.body):  # (fixing notes it already)
            out.add("note", where, f"`{block.name}` does not parse; written as the answer has it")
        if block.name in chosen:
            first_line = chosen.pop(block.name).origin.rsplit(":", 1)[1]
            out.add("warning", where, f"`{block.name}` is named again (first at line {first_line}); "
                                      "the later block is written")
        chosen[block.name] = _Planned(block.name, block.body, where, block)
    return list(chosen.values())


def _project_files(answer: str, dest: str, planned: list[_Planned], settings: Settings,
                   out: Extraction) -> list[_Planned]:
    files = {item.name: ProjectFile(item.name, item.data, answer, item.block.line_offset if item.block else 0)
             for item in planned}
    view = ProjectView(dest, files)
    if os.path.isdir(dest):
        add_disk_files(view)
    added = []
    for fix in check_project(view, settings):
        out.findings.append(fix.finding)
        if fix.new_file is not None:
            added.append(_Planned(fix.new_file.name, fix.new_file.data, f"{fix.finding.code} {fix.finding.name}"))
    return added


def _write(dest: str, item: _Planned, force: bool, out: Extraction) -> None:
    where = item.origin if item.block is not None else dest
    target, problem = resolve_inside(dest, item.name)
    if target is None:
        out.add("error", where, f"`{item.name}` {problem}; not written")
        return
    try:
        if os.path.lexists(target):
            if not force:
                out.add("error", where, f"{target} exists; not overwritten (use --force)")
                return
            write_atomic(target, item.data, expected=Path(target).read_bytes())
        else:
            write_new(target, item.data, make_dirs=True)
    except (OSError, ChangedOnDisk) as error:
        reason = "changed on disk meanwhile" if isinstance(error, ChangedOnDisk) else error.strerror or str(error)
        out.add("error", where, f"cannot write {target}: {reason}")
        return
    out.written.append((target, item.origin))


def resolve_inside(dest: str, name: str) -> tuple[str | None, str]:
    """The path `name` gets under `dest`, or None and why it is refused.

    Refused: absolute names (`/etc/x`, `C:\\x`, `~/x`), names with a `..` part, and names that
    lead out of `dest` through a symbolic link inside it.
    """
    clean = name.replace("\\", "/")
    if clean.startswith(("/", "~")) or re.match(r"[A-Za-z]:", clean):
        return None, "is an absolute path"
    parts = [part for part in clean.split("/") if part not in ("", ".")]
    if not parts or ".." in parts:
        return None, "leads out of the folder" if parts else "is empty"
    target = os.path.join(dest, *parts)
    root = os.path.realpath(dest)
    real = os.path.realpath(target)
    if real != root and not real.startswith(root.rstrip(os.sep) + os.sep):
        return None, f"leads out of the folder through a symbolic link ({real})"
    return target, ""


def _parses(body: bytes) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(body)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True
