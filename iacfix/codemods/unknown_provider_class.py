"""IAC101 unknown-provider-class: a name the CDKTF AWS provider module does not export."""

from __future__ import annotations

import difflib
import re

import libcst as cst

from iacfix.codemods._api_names import ApiNameRule, suspect, without_a
from iacfix.codemods._context import FileContext
from iacfix.codemods._import_edits import alias_name, dotted, local_name
from iacfix.codemods._rule import FixSafety, Severity
from iacfix.codemods._symbols import mentions_managed_package

_PACKAGE = "cdktf_cdktf_provider_aws"


class UnknownProviderClass(ApiNameRule):
    """Imports of provider classes that do not exist (`ImportError` before anything synthesizes).

    ## What it does
    Checks every name imported from, or read off, a `cdktf_cdktf_provider_aws` module against
    the API index of the provider. A missing name is fixed when the index says what it is:
    - the provider renamed it with an `A` (it collides with a block of the parent resource):
      `S3BucketVersioning` is `S3BucketVersioningA`, `S3BucketVersioningConfig` is
      `S3BucketVersioningAConfig`; the import and every use in the file are renamed;
    - the file never uses it (`DynamodbTableStreamSpecification`): it is dropped from the import;
    - it is the resource of another module (`DataAwsVpc` imported from `vpc`): the import moves
      to that module (`data_aws_vpc`).

    Otherwise it is reported with the closest names of the module. A module that does not exist
    is reported with the closest module names.

    ## Why it matters
    `from cdktf_cdktf_provider_aws.s3_bucket_versioning import S3BucketVersioning` raises
    `ImportError`: `cdktf synth` fails before any resource exists. The failure analyses rate it
    Critical. `s3_bucket` also exports an `S3BucketVersioning` (the inline `versioning` block of
    `S3Bucket`), so "which module has this name" suggests the wrong fix; the `A` rename is the
    separate `aws_s3_bucket_versioning` resource the code meant.

    ## Example
    ```python
    from cdktf_cdktf_provider_aws.dynamodb_table import DynamodbTable, DynamodbTableStreamSpecification
    from cdktf_cdktf_provider_aws.s3_bucket_versioning import (
        S3BucketVersioning,
        S3BucketVersioningVersioningConfiguration,
    )


    def versioning(scope, bucket):
        return S3BucketVersioning(
            scope, "versioning", bucket=bucket.id,
            versioning_configuration=S3BucketVersioningVersioningConfiguration(status="Enabled"),
        )
    ```

    ## After the fix
    ```python
    from cdktf_cdktf_provider_aws.dynamodb_table import DynamodbTable
    from cdktf_cdktf_provider_aws.s3_bucket_versioning import (
        S3BucketVersioningA,
        S3BucketVersioningVersioningConfiguration,
    )


    def versioning(scope, bucket):
        return S3BucketVersioningA(
            scope, "versioning", bucket=bucket.id,
            versioning_configuration=S3BucketVersioningVersioningConfiguration(status="Enabled"),
        )
    ```

    ## Fix safety
    Safe: a rename is made only when the module has exactly one `A`-variant of the name (the
    `A` may also sit elsewhere: `...RuleAApplyServerSideEncryptionByDefault` is
    `...RuleApplyServerSideEncryptionByDefaultA`); uses are renamed only when the import is the
    name's one binding in the file and the new name is free, else the import keeps the old name
    as an alias (`S3BucketVersioningA as S3BucketVersioning`). A name is dropped only when no
    code reads it; a move only goes to the module named after the class. Names that are
    misspelled or do not exist in any form (`Wafv2WebAclRuleStatement`, a typed block the
    provider leaves untyped) are reported only.

    ## Known limits
    Judged against the installed provider version when there is one, else the version the
    index ships (21.22.1). Names used only in strings (type hints in quotes) are not renamed.

    ## References
    https://github.com/cdktf/cdktf-provider-aws
    """

    CODE = "IAC101"
    NAME = "unknown-provider-class"
    SUMMARY = "name not exported by the CDKTF AWS provider module"
    SEVERITY = Severity.CRITICAL
    FIX_SAFETY = FixSafety.SAFE
    PYLINT = ("no-name-in-module", "E0611", "import-error", "E0401")
    REFERENCE = "https://github.com/cdktf/cdktf-provider-aws"
    PACKAGE = _PACKAGE

    @classmethod
    def wants(cls, text: str, context: FileContext) -> bool:
        return mentions_managed_package(text) and _PACKAGE in text and suspect(text, _PACKAGE)

    def plan_import(self, statement: cst.Import | cst.ImportFrom) -> None:
        if isinstance(statement, cst.Import):
            for alias in statement.names:
                module = alias_name(alias)
                if self.owns(module) and not self.index.has_module(module):
                    self.report(alias, self._no_module(module), fixable=False)
            return
        module = dotted(statement.module) or ""
        if not self.index.has_module(module):
            self.report(statement.module or statement, self._no_module(module), fixable=False)
            return
        assert not isinstance(statement.names, cst.ImportStar)
        for position, alias in enumerate(statement.names):
            if not self.index.exports(module, alias_name(alias)):
                self._plan_name(statement, position, alias, module)

    def _plan_name(self, statement: cst.ImportFrom, position: int, alias: cst.ImportAlias, module: str) -> None:
        assert self.names is not None
        name, local = alias_name(alias), local_name(alias)
        wrong = f"`{_short(module)}` has no `{name}`"
        real = self._a_variant(module, name)
        if real is not None:
            if not self.report(alias, f"{wrong}; it is `{real}`"):
                return
            plan = self.plan(statement)
            plan.renames[position] = real
            if alias.asname is None:
                if self.names.bound_once(local) and real not in self.names.seen:
                    self.renames[local] = real
                else:
                    plan.asnames[position] = local  # other bindings of the name: uses keep it
            return
        if not self.names.used(local):
            if self.report(alias, f"{wrong} (unused: dropped from the import)"):
                self.plan(statement).drops.add(position)
            return
        owner = self._own_module(name)
        if owner is not None:
            if self.report(alias, f"{wrong}; it is in `{_short(owner)}`"):
                self.move(statement, position, owner)
            return
        self.report(alias, self._closest(wrong, module, name), fixable=False)

    def fix_attribute(self, original: cst.Attribute, updated: cst.Attribute, module: str) -> cst.BaseExpression:
        name = original.attr.value
        if module == _PACKAGE:
            self.report(original, self._no_module(f"{module}.{name}"), fixable=False)
            return updated
        wrong = f"`{_short(module)}` has no `{name}`"
        real = self._a_variant(module, name)
        if real is None:
            self.report(original, self._closest(wrong, module, name), fixable=False)
            return updated
        if not self.report(original, f"{wrong}; it is `{real}`"):
            return updated
        return updated.with_changes(attr=cst.Name(real))

    def _a_variant(self, module: str, name: str) -> str | None:
        """The module's one name that is `name` with an `A` added, moved or taken away."""
        key = without_a(name)
        found = [n for n in self.index.names(module) or () if n != name and without_a(n) == key]
        return found[0] if len(found) == 1 else None

    def _own_module(self, name: str) -> str | None:
        """The module whose resource (or data source) class `name` is: `DataAwsVpc` -> `data_aws_vpc`."""
        owners = [m for m in self.index.modules_exporting(name, _PACKAGE + ".")
                  if m.rpartition(".")[2].replace("_", "") == name.lower()]
        return owners[0] if len(owners) == 1 else None

    def _closest(self, wrong: str, module: str, name: str) -> str:
        untyped = self._untyped_field(module, name)
        if untyped:
            return f"{wrong}; the provider has no class for it: {untyped}"
        names = [n for n in self.index.closest(module, name, 6) if not n.endswith(("OutputReference", "List"))][:3]
        return f"{wrong}; closest: {_listed(names)}" if names else f"{wrong}; nothing close in the module"

    def _untyped_field(self, module: str, name: str) -> str | None:
        """`Wafv2WebAclRuleStatement`: the struct `Wafv2WebAclRule` exists and takes `statement`, which
        the provider leaves untyped (too deeply nested for jsii): a plain dict goes there."""
        words = re.findall(r"[A-Z][a-z0-9]*|[a-z0-9]+", name)
        names = self.index.names(module) or ()
        for cut in range(len(words) - 1, 0, -1):
            owner = "".join(words[:cut])
            if owner in names:
                info = self.index.class_info(module, owner)
                field = words[cut].lower()
                if info is not None and info.params_known and field in (*info.params, *info.kwonly):
                    return f"`{owner}({field}=...)` takes a plain dict"
                return None
        return None

    def _no_module(self, module: str) -> str:
        parent, _, name = module.rpartition(".")
        siblings = [m.rpartition(".")[2] for m in self.index.modules(parent + ".") if m.count(".") == module.count(".")]
        close = difflib.get_close_matches(name, siblings, 3, 0.6)
        found = f"; closest: {_listed(close)}" if close else ""
        return f"`{parent}` has no module `{name}`{found}"


def _short(module: str) -> str:
    return module.partition(".")[2] or module


def _listed(names: list[str]) -> str:
    return ", ".join(f"`{n}`" for n in names)
