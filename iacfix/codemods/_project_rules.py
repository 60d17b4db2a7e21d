"""Project rules: checks that look at a project as a whole, and may add files to it (IAC4xx).

A libcst rule sees one file at a time. A project rule (`ProjectRule`) runs once per run on a
project: the folder holding `cdk.json`/`cdktf.json`/`tap.py` (when fixing a directory), the folder
an answer is extracted to, or the files a Markdown answer names. It reports what the project
lacks and may supply it as a new file; new files are only written when fixing a directory or
extracting, and never over an existing file.

`ProjectView` is what rules see of a project: the files the run knows (with their text, and where
findings about them point) and, when the project is on disk, its folder. Per-file rules that need
to know what exists around a file (IAC402) get one from `view_for(context)`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, ClassVar, Sequence

from iacfix.codemods._context import find_suppressions
from iacfix.codemods._rule import Finding, FixSafety, Rule

if TYPE_CHECKING:
    from iacfix.codemods._context import FileContext
    from iacfix.codemods._engine import FileResult
    from iacfix.settings import Settings

# Files that mark a project's root folder (where `cdk`/`cdktf` run, and asset paths start).
ROOT_MARKERS = ("cdk.json", "cdktf.json", "tap.py", "app.py", "main.py")


@dataclass(frozen=True)
class ProjectFile:
    """A file of the project as the run knows it."""

    name: str  # relative to the project root, '/'-separated
    data: bytes
    path: str  # where findings about it point: the file itself, or the Markdown answer holding it
    line_offset: int = 0  # lines of `path` before the file's first line (a block of an answer)


@dataclass
class ProjectView:
    """A project: the files the run knows, and its folder on disk when it has one."""

    root: str | None
    files: dict[str, ProjectFile] = field(default_factory=dict)

    def exists(self, name: str) -> bool:
        """Whether a file or folder of this name (relative to the root) is in the project."""
        name = _clean(name)
        if not name or name in self.files or any(known.startswith(name + "/") for known in self.files):
            return bool(name)
        return self.root is not None and os.path.exists(os.path.join(self.root, name))

    def python_files(self) -> list[ProjectFile]:
        return [self.files[name] for name in sorted(self.files) if name.endswith(".py")]

    def where(self, name: str) -> str:
        """The path a new file `name` gets: under the root, or the name itself for an answer."""
        return os.path.normpath(os.path.join(self.root, name)) if self.root is not None else name


@dataclass(frozen=True)
class NewFile:
    name: str  # relative to the project root
    data: bytes


@dataclass(frozen=True)
class ProjectFix:
    """One finding of a project rule, and the file that fixes it (None: report only)."""

    finding: Finding
    new_file: NewFile | None = None


class ProjectRule(Rule):
    """A rule that runs once on a whole project (`check`), not inside each file's traversal."""

    # The documented Example is `lib/tap_stack.py` of a project holding these other files.
    EXAMPLE_PROJECT: ClassVar[dict[str, str]] = {}

    @classmethod
    def wants(cls, text: str, context: FileContext) -> bool:
        return False  # never part of the per-file traversal

    @classmethod
    def check(cls, view: ProjectView, settings: Settings) -> list[ProjectFix]:
        raise NotImplementedError

    @classmethod
    def silenced(cls, file: ProjectFile, line: int) -> bool:
        """Whether `# iacfix: ignore[...]` (or the pylint symbol) on `line` of `file` silences this rule."""
        return find_suppressions(file.data.decode("utf-8", "replace")).silences(cls, range(line, line + 1))

    @classmethod
    def finding_at(cls, file: ProjectFile, line: int, message: str, *, fixable: bool) -> Finding:
        """A finding at `line` of `file` (1-based, in the file), placed in the document holding it."""
        safety = cls.FIX_SAFETY if fixable else FixSafety.NONE
        return Finding(file.path, line + file.line_offset, 1, cls.CODE, cls.NAME, cls.SEVERITY, message, safety,
                       safety is FixSafety.SAFE)


def check_project(view: ProjectView, settings: Settings) -> list[ProjectFix]:
    """Run the selected project rules on `view`, in code order; later rules see earlier new files.

    A new file that already exists is never offered (its finding stays, as not fixed).
    """
    from iacfix.codemods._engine import select_rules

    fixes: list[ProjectFix] = []
    for rule in select_rules(settings):
        if not issubclass(rule, ProjectRule):
            continue
        for fix in rule.check(view, settings):
            if fix.new_file is not None and (not fix.finding.fixed or view.exists(fix.new_file.name)):
                fix = replace(fix, new_file=None, finding=replace(fix.finding, fixed=False))
            if fix.new_file is not None:
                view.files[fix.new_file.name] = ProjectFile(fix.new_file.name, fix.new_file.data,
                                                            view.where(fix.new_file.name))
            fixes.append(fix)
    return fixes


def add_project_results(folders: Sequence[str], results: Sequence[FileResult], settings: Settings) -> list[FileResult]:
    """`results` plus what project rules say about the projects of a directory run.

    A project is checked when its root (see `project_root`) is one of `folders`, lies inside one,
    or holds one as its `lib/` (`iacfix lib/`). Each new file is a result of its own (`new_file`,
    empty `old`) holding the finding it fixes; a finding with no new file joins the result of the
    file it points at.
    """
    from iacfix.codemods._engine import FileResult

    roots: dict[str, dict[str, ProjectFile]] = {}
    for result in results:
        if result.error is not None or not result.path.endswith(".py"):
            continue
        root = project_root(result.path)
        if root is not None and any(_covers(folder, root) for folder in folders):
            name = _relative(result.path, root)
            roots.setdefault(root, {})[name] = ProjectFile(name, result.new, result.path)
    by_path = {result.path: result for result in results}
    extra: list[FileResult] = []
    for root, known in sorted(roots.items()):
        view = ProjectView(root, dict(known))
        add_disk_files(view)
        for fix in check_project(view, settings):
            new = fix.new_file
            if new is not None:  # the finding travels with the file that fixes it
                extra.append(FileResult(view.where(new.name), b"", new.data, (fix.finding,), new_file=True))
            elif fix.finding.path in by_path:
                holder = by_path[fix.finding.path]
                by_path[holder.path] = replace(holder, findings=tuple(sorted((*holder.findings, fix.finding))))
            else:  # a file outside the run (seen for context only): the finding stands alone
                extra.append(FileResult(fix.finding.path, b"", b"", (fix.finding,)))
    return [by_path[result.path] for result in results] + extra


def covers_a_project(folders: Sequence[str], paths: Sequence[str]) -> bool:
    """Whether some of `paths` (`.py` files) lie in a project `add_project_results` would check."""
    roots: dict[str, str | None] = {}
    for path in paths:
        if not path.endswith(".py"):
            continue
        folder = os.path.dirname(os.path.abspath(path))
        if folder not in roots:
            roots[folder] = project_root(path)
        root = roots[folder]
        if root is not None and any(_covers(given, root) for given in folders):
            return True
    return False


def project_root(path: str) -> str | None:
    """The root of the project `path` is in: the nearest folder above it with a root marker, else
    the folder holding its `lib/`; None when neither."""
    folder = os.path.dirname(os.path.abspath(path))
    marked = find_root(folder)
    if marked is not None:
        return _like(path, marked)
    parts = folder.split(os.sep)
    if "lib" in parts:
        return _like(path, os.sep.join(parts[:len(parts) - 1 - parts[::-1].index("lib")]) or os.sep)
    return None


def find_root(folder: str) -> str | None:
    """The nearest folder at or above `folder` holding a root marker; the search stops at a
    repository's top (`.git`) or the file system's."""
    current = os.path.abspath(folder)
    while True:
        if any(os.path.isfile(os.path.join(current, marker)) for marker in ROOT_MARKERS):
            return current
        parent = os.path.dirname(current)
        if parent == current or os.path.exists(os.path.join(current, ".git")):
            return None
        current = parent


def view_for(context: FileContext) -> ProjectView | None:
    """The project around the file a per-file rule is looking at; None when it is not known
    (stdin, a block the answer does not name)."""
    if context.virtual_name != context.path:
        if context.virtual_name.startswith("<"):
            return None  # an unnamed block: where it would live is unknown
        return ProjectView(None, {name: ProjectFile(name, b"", context.path)
                                  for name in context.project.paths if not name.startswith("<")})
    if context.path.startswith("<"):
        return None
    root = project_root(context.path)
    return ProjectView(root) if root is not None else None


def add_disk_files(view: ProjectView) -> None:
    """Add the `.py` files under the view's folder that the run does not already know."""
    from iacfix.codemods._files import discover, read

    assert view.root is not None
    for path, problem in discover([view.root]):
        name = os.path.relpath(path, view.root).replace(os.sep, "/")
        if problem is None and name not in view.files:
            source = read(path)
            if source.error is None:
                view.files[name] = ProjectFile(name, source.data, path)


def _inside(path: str, folder: str) -> bool:
    path, folder = os.path.abspath(path), os.path.abspath(folder)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _like(path: str, root: str) -> str:
    # Keep paths relative when the user gave them so (messages and diffs read `app/tap.py`).
    return root if os.path.isabs(path) else os.path.relpath(root)


def _covers(folder: str, root: str) -> bool:
    folder, root = os.path.abspath(folder), os.path.abspath(root)
    return _inside(root, folder) or folder == os.path.join(root, "lib")


def _relative(path: str, root: str) -> str:
    return os.path.relpath(os.path.abspath(path), os.path.abspath(root)).replace(os.sep, "/")


def _clean(name: str) -> str:
    name = name.replace("\\", "/")
    while name.startswith("./"):
        name = name[2:]
    return name.rstrip("/")
