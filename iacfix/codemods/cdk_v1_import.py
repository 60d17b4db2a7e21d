"""IAC103 cdk-v1-import: CDK v1 imports and APIs in a CDK v2 app."""

from __future__ import annotations

import ast
import difflib
import re
from dataclasses import dataclass
from typing import Any, Sequence

import libcst as cst

from iacfix.codemods._bindings import FileNames, Imported
from iacfix.codemods._cdk_v1 import V1_ALPHA_MODULES, V1_RENAMED, alpha_distribution, v1_survey
from iacfix.codemods._context import FileContext
from iacfix.codemods._import_edits import BodyEdits, dotted, expression, import_statements, without_names
from iacfix.codemods._references import (
    V1_CORE,
    add_from_import,
    add_import,
    free_for,
    top_level_local,
)
from iacfix.codemods._rule import FixSafety, Rule, Severity
from iacfix.codemods._symbols import load_index, mentions_managed_package

_ROOT = "aws_cdk"
_TRIGGERS = re.compile(r"\bcore\b|\bTag\.(?:add|remove)\b|\bplain_text\b|\bI?Construct\b|"
                       + "|".join(V1_ALPHA_MODULES))


class CdkV1Import(Rule):
    """CDK v1 imports (`aws_cdk.core`) and v1-only APIs in an app that runs on CDK v2.

    ## What it does
    Rewrites every form of the v1 `aws_cdk.core` import to CDK v2: `from aws_cdk import core`
    (alone, aliased, or inside a parenthesized list), `import aws_cdk.core [as cdk]` and
    `from aws_cdk.core import App, Stack, Construct`. A module alias becomes `import aws_cdk as
    cdk` and `core.X` becomes `cdk.X`; an alias the code already chose (`core as cdk`) is kept,
    and so is `core` when the name `cdk` is taken or when another file of the run (another block
    of the answer) uses `core` without importing it. Names that moved to the `constructs`
    package (`Construct`, `IConstruct`, `IDependable`) come from there, also when taken from
    `aws_cdk` in v2 style (`cdk.Construct`). v1-only APIs get their v2 form: `Tag.add(scope, k, v)`
    becomes `Tags.of(scope).add(k, v)`, `SecretValue.plain_text` becomes `unsafe_plain_text`.
    Names v2 does not have at all (`ConstructNode`, v1 experimental modules such as
    `aws_cdk.aws_lambda_python`) are reported with their v2 successor.

    ## Why it matters
    aws-cdk-lib 2 has no `aws_cdk.core` and no `Construct`: the app fails at import, before
    anything synthesizes. The analyses rate CDK v1 patterns in a v2 app Critical.

    ## Example
    ```python
    from aws_cdk import (
        core,
        aws_s3 as s3,
    )


    class StorageStack(core.Stack):
        def __init__(self, scope: core.Construct, construct_id: str, **kwargs) -> None:
            super().__init__(scope, construct_id, **kwargs)
            bucket = s3.Bucket(self, "Data", removal_policy=core.RemovalPolicy.DESTROY)
            core.Tag.add(bucket, "team", "data")
    ```

    ## After the fix
    ```python
    import aws_cdk as cdk
    from aws_cdk import (
        aws_s3 as s3,
    )
    from constructs import Construct


    class StorageStack(cdk.Stack):
        def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
            super().__init__(scope, construct_id, **kwargs)
            bucket = s3.Bucket(self, "Data", removal_policy=cdk.RemovalPolicy.DESTROY)
            cdk.Tags.of(bucket).add("team", "data")
    ```

    ## Fix safety
    Safe: every rename follows the CDK v2 migration guide, and `core` is renamed only when every
    use of it in the file is an attribute of the imported module. When the alias is bound to
    something else too, or the import sits inside a function, the import is reported and left.
    `SecretValue.plain_text` still works in v2 (deprecated, Medium); its rename changes nothing
    at run time.

    ## Known limits
    `core.X` in another file or block that does not import `core` itself is not rewritten; the
    import is then kept as `import aws_cdk as core` so those uses keep working.

    ## References
    https://docs.aws.amazon.com/cdk/v2/guide/migrating-v2.html
    """

    CODE = "IAC103"
    NAME = "cdk-v1-import"
    SUMMARY = "CDK v1 import or API (aws_cdk.core, core.Construct, Tag.add)"
    SEVERITY = Severity.CRITICAL
    FIX_SAFETY = FixSafety.SAFE
    COLLECTS = True
    REFERENCE = "https://docs.aws.amazon.com/cdk/v2/guide/migrating-v2.html"

    @classmethod
    def wants(cls, text: str, context: FileContext) -> bool:
        if not mentions_managed_package(text) and "core." not in text or not _TRIGGERS.search(text):
            return False
        survey = v1_survey(text)
        return survey is not None and (survey.work or survey.free_core)

    @classmethod
    def collect(cls, module: cst.Module, context: FileContext) -> Any:
        # Another unit (a Markdown block, a module of the project) that uses `core.X` without
        # importing it relies on the name `core`: the import keeps that name then.
        survey = v1_survey(context.text)
        return True if survey is not None and survey.free_core else None

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self.index = load_index()
        self.names: FileNames | None = None
        self.aliases: dict[str, _Alias] = {}  # v1 module alias -> what it becomes
        self.sites: dict[cst.CSTNode, _Site] = {}  # original import node -> its rewrite
        self.needs: set[tuple[str, str | None, str | None]] = set()  # (module, name, alias) to import
        self.dropped: set[cst.CSTNode] = set()  # original import statements whose line goes
        self.prefix: dict[cst.CSTNode, str] = {}  # original from-import -> `import aws_cdk as <it>` before it
        self.edits = BodyEdits()
        self.dotted_applied = False

    # --- imports ---------------------------------------------------------------------------

    def visit_Module(self, node: cst.Module) -> None:
        survey = v1_survey(self.context.text)
        if survey is None:
            return
        self.names = survey.names
        free_elsewhere = any(self.context.project.facts.get(self.CODE, ()))
        for _line, small, outer in import_statements(node.body):
            top = isinstance(outer, cst.SimpleStatementLine) and any(s is small for s in outer.body)
            if isinstance(small, cst.Import):
                self._plan_import(small, top, free_elsewhere)
            else:
                self._plan_from(small, top, free_elsewhere)

    def _plan_import(self, node: cst.Import, top: bool, free_elsewhere: bool) -> None:
        assert self.names is not None
        for alias in node.names:
            name = dotted(alias.name) or ""
            self._report_alpha(alias, name)
            if name != V1_CORE:
                continue
            if alias.asname is None:
                problem = None if top and self.names.module_of(_ROOT) == _ROOT else _WHY_NOT
                self.dotted_applied = self._report_import(alias, "import aws_cdk.core", problem)
                if self.dotted_applied:
                    self.sites[alias] = _Site("dotted")
                continue
            local = _local(alias)
            plan = self._plan_alias(local, top, free_elsewhere)
            if self._report_import(alias, f"import aws_cdk.core as {local}", plan.problem):
                self.aliases[local] = plan
                self.sites[alias] = _Site("alias", plan)

    def _plan_from(self, node: cst.ImportFrom, top: bool, free_elsewhere: bool) -> None:
        module = dotted(node.module) if not node.relative else None
        if module is None or isinstance(node.names, cst.ImportStar):
            if module == V1_CORE:
                self.report(node, "CDK v1 import `from aws_cdk.core import *` (not auto-fixable: list the names "
                            "and import them from `aws_cdk` and `constructs`)", fixable=False)
            return
        self._report_alpha(node, module)
        if module == _ROOT:
            for alias in node.names:
                name = dotted(alias.name) or ""
                self._report_alpha(alias, f"{_ROOT}.{name}")
                if name == "core":
                    local = _local(alias)
                    plan = self._plan_alias(local, top, free_elsewhere)
                    if self._report_import(alias, f"from aws_cdk import {_shown(alias)}", plan.problem):
                        self.aliases[local] = plan
                        self.sites[alias] = _Site("alias", plan)
                elif self._moved(name) and top:
                    if self.report(alias, f"`aws_cdk` has no `{name}` in CDK v2: it is `constructs.{name}`"):
                        self.sites[alias] = _Site("moved")
        elif module == V1_CORE:
            if not top:
                self._report_import(node, "from aws_cdk.core import ...", _WHY_NOT)
                return
            if not self._report_import(node, "from aws_cdk.core import ...", None):
                return
            self.sites[node] = _Site("names")
            for alias in node.names:
                name = dotted(alias.name) or ""
                if not self._moved(name) and not self._exists(name):
                    self._report_missing(alias, f"aws_cdk.core.{name}", name)

    def _plan_alias(self, local: str, top: bool, free_elsewhere: bool) -> _Alias:
        names = self.names
        assert names is not None
        if not top or names.module_of(local) != V1_CORE:
            return _Alias(local, local, problem=_WHY_NOT)
        target = local
        attribute_uses = sum(1 for a in names.attributes if isinstance(a.value, ast.Name) and a.value.id == local)
        if local == "core" and not free_elsewhere and attribute_uses == names.loads[local]:
            if names.module_of("cdk") == _ROOT and "cdk" in names.top_level:
                return _Alias(local, "cdk", reuse=True)
            if not names.taken("cdk"):
                target = "cdk"
        return _Alias(local, target)

    def _report_import(self, node: cst.CSTNode, shown: str, problem: str | None) -> bool:
        message = f"CDK v1 import `{shown}`: aws-cdk-lib 2 has no `aws_cdk.core`"
        if problem is not None:
            return self.report(node, f"{message} (not auto-fixable: {problem})", fixable=False)
        return self.report(node, message)

    def _report_alpha(self, node: cst.CSTNode, module: str) -> None:
        top, _, rest = module.partition(".")
        if top == _ROOT and rest in V1_ALPHA_MODULES and not self.index.has_module(module):
            self.report(node, f"`{module}` (CDK v1, experimental) is not in aws-cdk-lib 2: install "
                        f"`{alpha_distribution(rest)}` and import `{module}_alpha`", fixable=False)

    def leave_Import(self, original_node: cst.Import, updated_node: cst.Import) -> cst.Import:
        names = []
        for original, alias in zip(original_node.names, updated_node.names):
            site = self.sites.get(original)
            if site is None:
                names.append(alias)
            elif site.kind == "dotted":
                names.append(alias.with_changes(name=cst.Name(_ROOT)))
            elif site.plan is not None and not site.plan.reuse:
                names.append(alias.with_changes(name=cst.Name(_ROOT), asname=_as(site.plan.target)))
        if not names:
            self.dropped.add(original_node)  # `import aws_cdk as cdk` is there already
            return updated_node
        names[-1] = names[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated_node.with_changes(names=names)

    def leave_ImportFrom(self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
                         ) -> cst.ImportFrom | cst.Import:
        if isinstance(original_node.names, cst.ImportStar) or isinstance(updated_node.names, cst.ImportStar):
            return updated_node
        names = updated_node.names
        if original_node in self.sites:  # `from aws_cdk.core import ...`
            moved = {i for i, alias in enumerate(names) if self._moved(dotted(alias.name) or "")}
            if len(moved) == len(names):
                return updated_node.with_changes(module=cst.Name("constructs"))
            self._need_moved(names, moved)
            kept = without_names(updated_node, moved) if moved else updated_node
            return kept.with_changes(module=cst.Name(_ROOT))
        sites = [self.sites.get(alias) for alias in original_node.names]
        drop = {i for i, site in enumerate(sites) if site is not None}
        if not drop:
            return updated_node
        moved = {i for i in drop if sites[i].kind == "moved"}  # type: ignore[union-attr]
        plan = next((site.plan for site in sites if site is not None and site.plan is not None), None)
        if plan is None and len(moved) == len(names):  # `from aws_cdk import Construct`
            return updated_node.with_changes(module=cst.Name("constructs"))
        self._need_moved(names, moved)
        if len(drop) == len(names):
            assert plan is not None
            if plan.reuse:
                self.dropped.add(original_node)  # `import aws_cdk as cdk` is there already
                return updated_node
            return cst.Import(names=[cst.ImportAlias(name=cst.Name(_ROOT), asname=_as(plan.target))])
        if plan is not None and not plan.reuse:
            self.prefix[original_node] = plan.target
        return without_names(updated_node, drop)

    def _need_moved(self, names: Sequence[cst.ImportAlias], moved: set[int]) -> None:
        for i in moved:
            self.needs.add(("constructs", dotted(names[i].name), _asname(names[i])))

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine,
                                  updated_node: cst.SimpleStatementLine
                                  ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement]:
        if not self.dropped and not self.prefix:
            return updated_node
        body = [new for old, new in zip(original_node.body, updated_node.body) if old not in self.dropped]
        if not body:
            self.edits.remove(updated_node)  # removed in leave_Module, its comment lines kept
            return updated_node
        if len(body) < len(updated_node.body):
            body[-1] = body[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
            updated_node = updated_node.with_changes(body=body)
        targets = [self.prefix[old] for old in original_node.body if old in self.prefix]
        if not targets:
            return updated_node
        # `from aws_cdk import (core, aws_s3 as s3)`: `import aws_cdk as cdk` goes on its own line first.
        line = cst.SimpleStatementLine(body=[cst.Import(names=[cst.ImportAlias(name=cst.Name(_ROOT),
                                                                              asname=_as(targets[0]))])],
                                       leading_lines=updated_node.leading_lines)
        return cst.FlattenSentinel([line, updated_node.with_changes(leading_lines=[])])

    # --- uses ------------------------------------------------------------------------------

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
        base, name = original_node.value, original_node.attr.value
        if isinstance(base, cst.Name) and base.value in self.aliases:
            plan = self.aliases[base.value]
            if self._moved(name):
                return self._constructs_ref(name) or updated_node.with_changes(value=cst.Name(plan.target))
            if not self._exists(name):
                self._report_missing(original_node, f"{base.value}.{name}", name)
            return updated_node.with_changes(value=cst.Name(plan.target)) if plan.target != plan.local else updated_node
        if self.dotted_applied and dotted(base) == V1_CORE:
            if self._moved(name):
                return self._constructs_ref(name) or updated_node
            if not self._exists(name):
                self._report_missing(original_node, f"aws_cdk.core.{name}", name)
            return updated_node.with_changes(value=cst.Name(_ROOT))
        if self._moved(name) and self._module(base) == _ROOT:
            ref = self._constructs_ref(name, probe=True)
            fixable = ref is not None
            if self.report(original_node, f"`aws_cdk` has no `{name}` in CDK v2: it is `constructs.{name}`",
                           fixable=fixable):
                return self._constructs_ref(name) or updated_node
        return updated_node

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        func, new_func = original_node.func, updated_node.func
        if not isinstance(func, cst.Attribute) or not isinstance(new_func, cst.Attribute):
            return updated_node
        method = func.attr.value
        if method == "plain_text" and self._is_core_class(func.value, "SecretValue"):
            if self.report(original_node, "`SecretValue.plain_text` is deprecated in CDK v2, which names it "
                           "`unsafe_plain_text`", severity=Severity.MEDIUM):
                return updated_node.with_changes(func=new_func.with_changes(attr=cst.Name("unsafe_plain_text")))
            return updated_node
        if method not in ("add", "remove") or not self._is_core_class(func.value, "Tag"):
            return updated_node
        message = f"`Tag.{method}(scope, ...)` was removed in CDK v2: tags go through `Tags.of(scope).{method}(...)`"
        args = updated_node.args
        tags = self._tags_ref(new_func.value)
        first = args[0] if args else None
        if first is None or any(arg.star for arg in args) or tags is None \
                or first.keyword is not None and first.keyword.value != "scope":
            self.report(original_node, f"{message} (not auto-fixable here)", fixable=False)
            return updated_node
        if not self.report(original_node, message):
            return updated_node
        of = cst.Call(func=cst.Attribute(value=tags, attr=cst.Name("of")), args=[cst.Arg(first.value)])
        after_scope = first.comma.whitespace_after if isinstance(first.comma, cst.Comma) else None
        before = after_scope if isinstance(after_scope, cst.ParenthesizedWhitespace) else \
            updated_node.whitespace_before_args
        return updated_node.with_changes(func=cst.Attribute(value=of, attr=cst.Name(method)), args=args[1:],
                                         whitespace_before_args=before)

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        if not self.needs and not self.edits:
            return updated_node
        body, carried = self.edits.apply(updated_node.body)
        if self.edits.unapplied:
            self.defer()
        if carried:
            updated_node = updated_node.with_changes(footer=[*carried, *updated_node.footer])
        for module, name, asname in sorted(self.needs, key=lambda need: (need[0], need[1] or "", need[2] or "")):
            if name is None:
                body = add_import(body, module)
            else:
                body = add_from_import(body, module, name, asname=asname)
        return updated_node.with_changes(body=body)

    # --- helpers ---------------------------------------------------------------------------

    def _exists(self, name: str) -> bool:
        return name in (self.index.names(_ROOT) or ())

    def _moved(self, name: str) -> bool:
        """A v1 `core` name that CDK v2 has in `constructs` only (`Construct`, `IConstruct`)."""
        return not self._exists(name) and name in (self.index.names("constructs") or ()) and not name.startswith("_")

    def _report_missing(self, node: cst.CSTNode, shown: str, name: str) -> None:
        hint = V1_RENAMED.get(name)
        if hint is not None:
            self.report(node, f"`{shown}` does not exist in CDK v2: use {hint}", fixable=False)
            return
        close = difflib.get_close_matches(name, sorted(self.index.names(_ROOT) or ()), 3)
        also = f"; closest: {', '.join(f'`{c}`' for c in close)}" if close else ""
        self.report(node, f"`{shown}` does not exist in aws-cdk-lib 2{also}", fixable=False)

    def _module(self, node: cst.BaseExpression) -> str | None:
        path = dotted(node)
        if path is None or self.names is None:
            return None
        head, *rest = path.split(".")
        module = self.names.module_of(head)
        return module if module is not None and not rest else None

    def _is_core_class(self, node: cst.BaseExpression, cls: str) -> bool:
        """`node` is aws-cdk-lib's (or v1 core's) class `cls`: `cdk.Tag`, `core.Tag`, an imported `Tag`."""
        if self.names is None:
            return False
        if isinstance(node, cst.Attribute):
            return node.attr.value == cls and self._module(node.value) in (_ROOT, V1_CORE)
        if isinstance(node, cst.Name):
            bound = set(self.names.imports.get(node.value, ()))
            return not self.names.other[node.value] and bound in ({Imported(_ROOT, cls)}, {Imported(V1_CORE, cls)})
        return False

    def _tags_ref(self, tag: cst.BaseExpression) -> cst.BaseExpression | None:
        if isinstance(tag, cst.Attribute):
            return tag.with_changes(attr=cst.Name("Tags"))
        assert self.names is not None
        for module in (_ROOT, V1_CORE):
            local = top_level_local(self.names, module, "Tags")
            if local is not None:
                return cst.Name(local)
        if free_for(self.names, "Tags", _ROOT, "Tags"):
            self.needs.add((_ROOT, "Tags", None))
            return cst.Name("Tags")
        return None

    def _constructs_ref(self, name: str, *, probe: bool = False) -> cst.BaseExpression | None:
        """How this file refers to `constructs.<name>`; records the import it needs (unless probing)."""
        names = self.names
        assert names is not None
        local = top_level_local(names, "constructs", name)
        if local is not None:
            return cst.Name(local)
        moving = {Imported(V1_CORE, name), Imported(_ROOT, name), Imported("constructs", name)}
        bound = set(names.imports.get(name, ()))
        if (not bound and free_for(names, name, "constructs", name)) or (bound and bound <= moving
                                                                          and not names.other[name]):
            if not probe:
                self.needs.add(("constructs", name, None))
            return cst.Name(name)
        if names.module_of("constructs") == "constructs" or free_for(names, "constructs", "constructs", ""):
            if not probe and names.module_of("constructs") != "constructs":
                self.needs.add(("constructs", None, None))
            return expression(f"constructs.{name}")
        return None


_WHY_NOT = "the alias is bound to something else too, or the import is not at the top of the file"


@dataclass(frozen=True)
class _Alias:
    local: str  # the alias in the code: `core`, `cdk`
    target: str  # the name `aws_cdk` is imported as
    reuse: bool = False  # `import aws_cdk as <target>` is already there
    problem: str | None = None


@dataclass(frozen=True)
class _Site:
    kind: str  # "alias", "dotted", "names", "moved"
    plan: _Alias | None = None


def _local(alias: cst.ImportAlias) -> str:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return (dotted(alias.name) or "").rpartition(".")[2]


def _asname(alias: cst.ImportAlias) -> str | None:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return None


def _as(name: str) -> cst.AsName | None:
    return None if name == _ROOT else cst.AsName(name=cst.Name(name))


def _shown(alias: cst.ImportAlias) -> str:
    asname = _asname(alias)
    return (dotted(alias.name) or "") + (f" as {asname}" if asname else "")
