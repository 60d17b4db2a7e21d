"""What a file's imports bind, and import edits that keep the file's layout.

Rules ask two questions: which class does `kms.Key` (or `Key`, `aws_cdk.aws_kms.Key`) stand for,
and how can the file refer to `aws_cdk.aws_logs.RetentionDays`? `Imports` answers both from the
top-level import statements (also those inside a top-level `try`/`if`), which is where CDK and
CDKTF code imports; it never computes libcst scope metadata. `add_from_import` adds the one
statement a fix needs, after the file's last top-level import.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Iterator, Sequence

import libcst as cst

from iacfix.codemods._import_edits import dotted

CDK = "cdk"
CDKTF = "cdktf"
_CDK_TOPS = ("aws_cdk",)
_CDKTF_TOPS = ("cdktf", "cdktf_cdktf_provider_aws")


def _module_name(node: cst.BaseExpression | None) -> str:
    return dotted(node) or ""


@dataclass
class Imports:
    """Local names bound by the file's top-level imports, mapped to what they stand for.

    `bound["kms"] == "aws_cdk.aws_kms"` for `from aws_cdk import aws_kms as kms` (a module and a
    class look alike here: both are dotted paths). A name bound twice to different things, or
    bound by something other than an import, is left out: resolving it would be a guess.
    """

    bound: dict[str, str] = field(default_factory=dict)
    other: set[str] = field(default_factory=set)  # top-level names bound by other statements

    @classmethod
    def of(cls, module: cst.Module) -> Imports:
        found = cls()
        clashes: set[str] = set()
        for small in _top_level_smalls(module.body):
            if isinstance(small, cst.Import):
                for alias in small.names:
                    name = _module_name(alias.name)
                    if alias.asname is not None:
                        found._bind(_module_name(alias.asname.name), name, clashes)
                    else:
                        top = name.split(".")[0]
                        found._bind(top, top, clashes)
            elif isinstance(small, cst.ImportFrom) and not small.relative and small.module is not None:
                if isinstance(small.names, cst.ImportStar):
                    continue
                base = _module_name(small.module)
                for alias in small.names:
                    name = _module_name(alias.name)
                    local = _module_name(alias.asname.name) if alias.asname is not None else name
                    found._bind(local, f"{base}.{name}", clashes)
        for name in clashes:
            found.bound.pop(name, None)
        for statement in module.body:
            for name in _defined_names(statement):
                found.other.add(name)
                found.bound.pop(name, None)
        return found

    def _bind(self, local: str, target: str, clashes: set[str]) -> None:
        if self.bound.get(local, target) != target:
            clashes.add(local)
        self.bound[local] = target

    @property
    def library(self) -> str | None:
        """`cdk` or `cdktf` by what the file imports (CDKTF wins when both appear)."""
        targets = {target.split(".")[0] for target in self.bound.values()}
        if targets.intersection(_CDKTF_TOPS):
            return CDKTF
        if targets.intersection(_CDK_TOPS):
            return CDK
        return None

    def resolve(self, node: cst.BaseExpression) -> str | None:
        """The dotted path an expression stands for, e.g. `aws_cdk.aws_kms.Key` for `kms.Key`."""
        name = dotted(node)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        target = self.bound.get(head)
        if target is None:
            return None
        return f"{target}.{rest}" if rest else target

    def reference(self, qualified: str) -> str | None:
        """Code that refers to `qualified` through the existing imports, shortest first."""
        options = []
        for local, target in self.bound.items():
            if qualified == target:
                options.append(local)
            elif qualified.startswith(target + "."):
                options.append(local + qualified[len(target):])
        return min(options, key=lambda code: (len(code), code)) if options else None

    def free(self, name: str) -> bool:
        """No top-level binding of `name` exists (so a new `from m import name` cannot clash)."""
        return name not in self.bound and name not in self.other


_CACHE: weakref.WeakKeyDictionary[object, tuple[cst.Module, Imports]] = weakref.WeakKeyDictionary()


def imports_of(context: object, module: cst.Module) -> Imports:
    """`Imports.of(module)`, computed once per file context and module (rules share it)."""
    cached = _CACHE.get(context)
    if cached is not None and cached[0] is module:
        return cached[1]
    found = Imports.of(module)
    _CACHE[context] = (module, found)
    return found


def reference_or_import(imports: Imports, qualified: str) -> tuple[str, tuple[str, str] | None]:
    """Code for `qualified`, and the `(module, name)` to import when no import reaches it yet."""
    code = imports.reference(qualified)
    if code is not None:
        return code, None
    module, _, name = qualified.rpartition(".")
    return name, (module, name)


def add_from_import(module: cst.Module, from_module: str, name: str) -> cst.Module:
    """`module` with `from from_module import name` after its last top-level import.

    Nothing changes when the file already has that import at the top level.
    """
    for small in _top_level_smalls(module.body):
        if (
            isinstance(small, cst.ImportFrom)
            and not small.relative
            and _module_name(small.module) == from_module
            and not isinstance(small.names, cst.ImportStar)
            and any(_module_name(a.name) == name and a.asname is None for a in small.names)
        ):
            return module
    statement = cst.parse_statement(f"from {from_module} import {name}\n")
    body = list(module.body)
    position = _insertion_point(body)
    body.insert(position, statement)
    if position == 0 and body[1:] and not module.header:
        # A file with no import and no docstring: keep a blank line before its first statement.
        first = body[1]
        if isinstance(first, (cst.SimpleStatementLine, cst.BaseCompoundStatement)) and not first.leading_lines:
            body[1] = first.with_changes(leading_lines=[cst.EmptyLine()])
    return module.with_changes(body=body)


def _insertion_point(body: Sequence[cst.BaseStatement]) -> int:
    last_import = -1
    for index, statement in enumerate(body):
        if isinstance(statement, cst.SimpleStatementLine) and any(
            isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body
        ):
            last_import = index
        elif last_import < 0 and index == 0 and _is_docstring(statement):
            last_import = 0
    return last_import + 1


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _top_level_smalls(body: Sequence[cst.CSTNode]) -> Iterator[cst.BaseSmallStatement]:
    for statement in body:
        if isinstance(statement, cst.SimpleStatementLine):
            yield from statement.body
        elif isinstance(statement, (cst.Try, cst.If)):
            yield from _top_level_smalls(statement.body.body)
            for handler in getattr(statement, "handlers", ()):
                yield from _top_level_smalls(handler.body.body)
            orelse = statement.orelse
            if isinstance(orelse, cst.Else):
                yield from _top_level_smalls(orelse.body.body)


def _defined_names(statement: cst.BaseStatement) -> Iterator[str]:
    if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
        yield statement.name.value
    elif isinstance(statement, cst.SimpleStatementLine):
        for small in statement.body:
            if isinstance(small, cst.Assign):
                for target in small.targets:
                    if isinstance(target.target, cst.Name):
                        yield target.target.value
            elif isinstance(small, (cst.AnnAssign, cst.AugAssign)) and isinstance(small.target, cst.Name):
                yield small.target.value
