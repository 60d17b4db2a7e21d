"""Base class of the rules that read CDK and CDKTF constructs (IAC2xx, IAC403/404, IAC5xx).

It gives a rule the file's imports (`self.imports`), the class a call stands for
(`self.target(call)`), where a node sits (`self.where()`), and applies what a fix needs besides
its own node: an import at the top of the file, a statement in a class's `__init__`
(`self.need(ref)`). Subclasses that define `visit_Module`, `leave_ClassDef` or `leave_Module`
call `super()`.
"""

from __future__ import annotations

from collections import defaultdict
from typing import ClassVar, Mapping

import libcst as cst

from iacfix.codemods._args import add_keywords
from iacfix.codemods._imports import Imports, add_from_import, imports_of
from iacfix.codemods._rule import Rule
from iacfix.codemods._stackrefs import Injection, Ref, Where, inject


class AwsRule(Rule):
    imports: Imports
    module: cst.Module
    # Classes (module.Class) whose parameters and members the rule emits or relies on, with those
    # names: tests/test_emitted_names.py checks each against the real packages.
    NAMES: ClassVar[Mapping[str, tuple[str, ...]]] = {}

    def visit_Module(self, node: cst.Module) -> None:
        self.module = node
        self.imports = imports_of(self.context, node)
        self._imports_needed: list[tuple[str, str]] = []
        self._injections: dict[cst.ClassDef, list[Injection]] = defaultdict(list)

    @property
    def library(self) -> str | None:
        return self.imports.library

    def target(self, call: cst.Call) -> str | None:
        """`aws_cdk.aws_kms.Key` for `kms.Key(...)` and the other import forms, else None."""
        return self.imports.resolve(call.func)

    def add_keywords(self, original: cst.Call, updated: cst.Call,
                     pairs: list[tuple[str, cst.BaseExpression]]) -> cst.Call:
        """`updated` with `name=value` appended, in the call's layout and within the line length."""
        return add_keywords(updated, pairs, source=self.context.text, original=original,
                            line_length=self.context.line_length)

    def where(self) -> Where:
        return Where.of(self.context.statement_stack)

    def need(self, ref: Ref, where: Where) -> None:
        """Make sure what `ref` relies on exists once the file is fixed."""
        self.need_imports(ref.imports)
        if ref.injection is not None and where.cls is not None:
            if ref.injection not in self._injections[where.cls]:
                self._injections[where.cls].append(ref.injection)

    def need_imports(self, imports: tuple[tuple[str, str], ...]) -> None:
        for item in imports:
            if item not in self._imports_needed:
                self._imports_needed.append(item)

    def leave_ClassDef(self, original_node: cst.ClassDef, updated_node: cst.ClassDef) -> cst.ClassDef:
        for injection in self._injections.pop(original_node, []):
            updated_node = inject(updated_node, injection)
        return updated_node

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        for module, name in self._imports_needed:
            updated_node = add_from_import(updated_node, module, name)
        return updated_node
