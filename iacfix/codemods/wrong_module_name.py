"""IAC102 wrong-module-name: an aws-cdk-lib name looked up in a module that does not have it."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import libcst as cst

from iacfix.codemods._api_names import ApiNameRule, suspect
from iacfix.codemods._cdk_aliases import MODULE_OF_ALIAS, aliases_of
from iacfix.codemods._context import FileContext
from iacfix.codemods._import_edits import alias_name, dotted, local_name, new_alias
from iacfix.codemods._rule import FixSafety, Severity
from iacfix.codemods._symbols import mentions_managed_package

_ROOT = "aws_cdk"


@dataclass(frozen=True)
class _Ref:
    """How a fix refers to a module (or, `is_name`, to one name of the root module)."""

    expression: cst.Name | cst.Attribute
    key: tuple[str, str | None]
    is_name: bool = False
    note: str = ""  # said in the finding, e.g. why the alias is not the usual one
    alias: cst.ImportAlias | None = None  # to add to `from aws_cdk import ...`

    @property
    def local(self) -> str:
        return cst.Module(body=[]).code_for_node(self.expression)


class WrongModuleName(ApiNameRule):
    """aws-cdk-lib names taken from a module that does not have them (`AttributeError` at synth).

    ## What it does
    Checks `alias.Name` where `alias` is an `aws_cdk` module (`from aws_cdk import aws_lambda as
    lambda_`, `import aws_cdk.aws_lambda as lambda_`, `import aws_cdk as cdk` + `cdk.aws_lambda`)
    and `from aws_cdk.aws_x import Name` against the API index. When exactly one other module has
    the name, the code uses that module: through an alias the file already has, or through a new
    `from aws_cdk import aws_logs as logs` (the community's usual alias, or another free one that
    the finding names). A name that several modules have (`Runtime`) is reported with them; a name
    no module has is reported with the closest names. `route53.targets` becomes the module
    `aws_route53_targets`; `aws_elbv2` (an alias, not a module) becomes `aws_elasticloadbalancingv2`.

    ## Why it matters
    `lambda_.LogGroup`, `cloudwatch.SnsAction` and `sns.LambdaSubscription` raise
    `AttributeError` when the stack is built: nothing synthesizes. The analyses list them under
    Critical failures (some rate the single item High); it blocks deployment, so Critical.

    ## Example
    ```python
    from aws_cdk import (
        aws_cloudwatch as cloudwatch,
        aws_lambda as lambda_,
    )


    def monitoring(scope, topic, alarm):
        lambda_.LogGroup(scope, "Logs", retention=lambda_.RetentionDays.ONE_WEEK)
        alarm.add_alarm_action(cloudwatch.SnsAction(topic))
    ```

    ```python
    from aws_cdk.aws_lambda import Function, LogGroup, RetentionDays


    def logs_for(scope, fn: Function):
        return LogGroup(scope, "Logs", log_group_name=f"/aws/lambda/{fn.function_name}",
                        retention=RetentionDays.ONE_WEEK)
    ```

    ## After the fix
    ```python
    from aws_cdk import (
        aws_cloudwatch as cloudwatch,
        aws_cloudwatch_actions as cw_actions,
        aws_lambda as lambda_,
        aws_logs as logs,
    )


    def monitoring(scope, topic, alarm):
        logs.LogGroup(scope, "Logs", retention=logs.RetentionDays.ONE_WEEK)
        alarm.add_alarm_action(cw_actions.SnsAction(topic))
    ```

    ```python
    from aws_cdk.aws_lambda import Function
    from aws_cdk.aws_logs import LogGroup, RetentionDays


    def logs_for(scope, fn: Function):
        return LogGroup(scope, "Logs", log_group_name=f"/aws/lambda/{fn.function_name}",
                        retention=RetentionDays.ONE_WEEK)
    ```

    ## Fix safety
    Safe: the index has exactly one module with the name, and the module is reached through an
    alias that stands for it alone, or through a new import whose alias no code of the file uses.
    `from aws_cdk import core` is CDK v1 and left to IAC103.

    ## Known limits
    Names are resolved per file without scopes: an alias that is also assigned or passed as a
    parameter anywhere in the file is not judged.

    ## References
    https://docs.aws.amazon.com/cdk/api/v2/python/modules.html
    """

    CODE = "IAC102"
    NAME = "wrong-module-name"
    SUMMARY = "aws-cdk-lib name taken from a module that does not have it"
    SEVERITY = Severity.CRITICAL
    FIX_SAFETY = FixSafety.SAFE
    PYLINT = ("no-member", "E1101", "no-name-in-module", "E0611")
    REFERENCE = "https://docs.aws.amazon.com/cdk/api/v2/python/modules.html"
    PACKAGE = _ROOT

    @classmethod
    def wants(cls, text: str, context: FileContext) -> bool:
        return mentions_managed_package(text) and _ROOT in text and suspect(text, _ROOT)

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._new_aliases: dict[tuple[str, str | None], str] = {}  # (module, root name) -> local name

    # --- imports ---

    def plan_import(self, statement: cst.Import | cst.ImportFrom) -> None:
        if isinstance(statement, cst.Import):
            renames = {}
            for position, alias in enumerate(statement.names):
                module = alias_name(alias)
                if not self.owns(module) or self.index.has_module(module) or _is_v1(module):
                    continue
                real = MODULE_OF_ALIAS.get(module.partition(".")[2])
                if real is None or alias.asname is None or module.count(".") != 1:
                    self.report(alias, self._no_module(module), fixable=False)
                elif self.report(alias, f"`{_ROOT}` has no module `{module[8:]}`; it is `{real}`"):
                    renames[position] = f"{_ROOT}.{real}"
            if renames:
                self.import_renames[statement] = renames
            return
        module = dotted(statement.module) or ""
        assert not isinstance(statement.names, cst.ImportStar)
        if _is_v1(module):
            return
        if not self.index.has_module(module):
            real = MODULE_OF_ALIAS.get(module.partition(".")[2])
            if real is not None and all(self.index.exports(f"{_ROOT}.{real}", alias_name(a)) for a in statement.names):
                if self.report(statement.module or statement, f"`{_ROOT}` has no module `{module[8:]}`; it is `{real}`"):
                    self.plan(statement).module = f"{_ROOT}.{real}"
            else:
                self.report(statement.module or statement, self._no_module(module), fixable=False)
            return
        for position, alias in enumerate(statement.names):
            name = alias_name(alias)
            if not self.index.exports(module, name) and not (module == _ROOT and _is_v1(f"{_ROOT}.{name}")):
                self._plan_name(statement, position, alias, module, name)

    def _plan_name(self, statement: cst.ImportFrom, position: int, alias: cst.ImportAlias, module: str,
                   name: str) -> None:
        wrong = f"`{_short(module)}` has no `{name}`"
        if module == _ROOT and name in MODULE_OF_ALIAS:
            # `from aws_cdk import aws_elbv2 as elbv2`: the module under its real name, same local name.
            if self.report(alias, f"`{_ROOT}` has no module `{name}`; it is `{MODULE_OF_ALIAS[name]}`"):
                plan = self.plan(statement)
                plan.renames[position] = MODULE_OF_ALIAS[name]
                plan.asnames[position] = local_name(alias)
            return
        if module == _ROOT and name.startswith("aws_"):
            self.report(alias, self._no_module(f"{_ROOT}.{name}"), fixable=False)
            return
        owners = self._owners(module, name)
        if len(owners) == 1:
            if self.report(alias, f"{wrong}; it is in `{_short(owners[0])}`"):
                self.move(statement, position, owners[0])
            return
        self.report(alias, self._unfixable(wrong, module, name, owners), fixable=False)

    # --- `alias.Name` ---

    def fix_attribute(self, original: cst.Attribute, updated: cst.Attribute, module: str) -> cst.BaseExpression:
        name = original.attr.value
        if module == _ROOT and _is_v1(f"{_ROOT}.{name}"):
            return updated
        wrong = f"`{_short(module)}` has no `{name}`"
        sibling = f"{module}_{name}"
        if module != _ROOT and self.index.has_module(sibling):
            # `route53.targets.X`: the module is `aws_route53_targets`.
            return self._use(original, updated, f"{wrong}; it is the module `{_short(sibling)}`",
                             self._reference(sibling, None, original), whole=True)
        if module == _ROOT and name.startswith("aws_"):
            self.report(original, self._no_module(f"{_ROOT}.{name}"), fixable=False)
            return updated
        owners = self._owners(module, name)
        if len(owners) != 1:
            self.report(original, self._unfixable(wrong, module, name, owners), fixable=False)
            return updated
        return self._use(original, updated, f"{wrong}; it is in `{_short(owners[0])}`",
                         self._reference(owners[0], name, original), whole=False)

    def _use(self, original: cst.Attribute, updated: cst.Attribute, message: str, reference: _Ref | None, *,
             whole: bool) -> cst.BaseExpression:
        if reference is None:
            self.report(original, message + " (no free name to import it as)", fixable=False)
            return updated
        if not self.report(original, message + reference.note):
            return updated
        if reference.alias is not None:
            self._new_aliases[reference.key] = reference.local
            self.added.append((_ROOT, reference.alias))
        if whole or reference.is_name:
            return reference.expression.with_changes(lpar=updated.lpar, rpar=updated.rpar)
        return updated.with_changes(value=reference.expression)

    def _reference(self, module: str, name: str | None, original: cst.Attribute) -> _Ref | None:
        """How the file can refer to `module` (or to `name` of the root module, which has no alias
        convention): a name it already binds, a path through `import aws_cdk as cdk`, or a new import."""
        assert self.names is not None
        if module == _ROOT:
            assert name is not None
            key: tuple[str, str | None] = (_ROOT, name)
            known = self._new_aliases.get(key) or next(iter(self.names.locals_of(_ROOT, name)), None)
            if known is not None:
                return _Ref(cst.Name(known), key, is_name=True)
            roots = self.names.locals_of(_ROOT)
            if roots:
                return _Ref(cst.Name(roots[0]), key)
            if self.names.taken(name) or name in self._new_aliases.values():
                return None
            return _Ref(cst.Name(name), key, is_name=True, alias=new_alias(name))
        key = (module, None)
        known = self._new_aliases.get(key) or next(iter(self.names.locals_of(module)), None)
        if known is not None:
            return _Ref(cst.Name(known), key)
        receiver = original.value
        short = _short(module)
        if isinstance(receiver, cst.Attribute) and self.module_for(receiver.value) == _ROOT and module.count(".") == 1:
            return _Ref(cst.Attribute(value=receiver.value, attr=cst.Name(short)), key)  # `cdk.aws_logs`
        choices = list(aliases_of(short))
        if isinstance(receiver, cst.Name) and receiver.value == _short(self.module_for(receiver) or ""):
            choices.insert(0, short)  # the file imports modules under their own names: so does the fix
        choices.append(short)
        for alias in choices:
            if not self.names.taken(alias) and alias not in self._new_aliases.values():
                note = "" if alias == choices[0] else f" (imported as `{alias}`: `{choices[0]}` is taken)"
                return _Ref(cst.Name(alias), key, note=note, alias=new_alias(short, alias))
        return None

    # --- helpers ---

    def _owners(self, module: str, name: str) -> list[str]:
        owners = [m for m in self.index.modules_exporting(name, _ROOT)
                  if m != module and (m == _ROOT or m.startswith(_ROOT + "."))]
        # A module's companion (`aws_elasticloadbalancingv2_targets` beside `aws_elasticloadbalancingv2`)
        # holds what the code meant when the name is also elsewhere (`aws_elasticloadbalancing`).
        companions = [m for m in owners if m.startswith(module + "_")]
        return companions if len(companions) == 1 else owners

    def _unfixable(self, wrong: str, module: str, name: str, owners: list[str]) -> str:
        if owners:
            return f"{wrong}; it is in {_listed([_short(m) for m in owners])}: pick one"
        close = self.index.closest(module, name, 3)
        return f"{wrong}; closest: {_listed(close)}" if close else f"{wrong}; no module has it"

    def _no_module(self, module: str) -> str:
        name = module.rpartition(".")[2]
        if name in MODULE_OF_ALIAS:
            return f"`{_ROOT}` has no module `{name}`; it is `{MODULE_OF_ALIAS[name]}`"
        siblings = [m.rpartition(".")[2] for m in self.index.modules(_ROOT + ".") if m.count(".") == 1]
        close = difflib.get_close_matches(name, siblings, 3, 0.6)
        return f"`{_ROOT}` has no module `{name}`" + (f"; closest: {_listed(close)}" if close else "")


def _is_v1(module: str) -> bool:
    """CDK v1's `aws_cdk.core` (and friends): IAC103's to fix, not ours to report twice."""
    return module == f"{_ROOT}.core" or module.startswith(f"{_ROOT}.core.")


def _short(module: str) -> str:
    return module.rpartition(".")[2] if module != _ROOT else _ROOT


def _listed(names: list[str]) -> str:
    return ", ".join(f"`{n}`" for n in names)

