"""IAC506 provider-without-alias: a second AWS provider in a CDKTF stack without an alias."""

from __future__ import annotations

import re
from collections import defaultdict

import libcst as cst

from iacfix.codemods._args import keyword
from iacfix.codemods._aws_rule import AwsRule
from iacfix.codemods._context import FileContext
from iacfix.codemods._rule import FixSafety, Severity

_PROVIDER = "cdktf_cdktf_provider_aws.provider.AwsProvider"


class ProviderWithoutAlias(AwsRule):
    """More than one AWS provider in a CDKTF stack, more than one of them without an alias.

    ## What it does
    Reports every `AwsProvider(...)` after the first one in the same stack class (or function)
    that has no `alias=`, when that stack creates more than one provider.

    ## Why it matters
    Terraform allows one default provider configuration per provider: a second one without an
    alias fails with "Duplicate provider configuration", and resources meant for the second
    region cannot name it. Multi-region stacks need `alias=` on the extra providers and
    `provider=` on their resources. The failure analyses rate it Critical.

    ## Example
    ```python
    from cdktf_cdktf_provider_aws.provider import AwsProvider

    AwsProvider(self, "aws", region="us-east-1")
    AwsProvider(self, "aws-replica", region="us-west-2")
    ```

    ## After the fix
    ```python
    from cdktf_cdktf_provider_aws.provider import AwsProvider

    AwsProvider(self, "aws", region="us-east-1")
    AwsProvider(self, "aws-replica", region="us-west-2")
    ```
    (Unchanged: give the second one `alias="replica"` and pass `provider=` to the resources
    that belong in its region.)

    ## Fix safety
    None, report only: which resources belong to which provider is for the author to say.

    ## References
    https://developer.hashicorp.com/terraform/language/providers/configuration#alias-multiple-provider-configurations
    """

    CODE = "IAC506"
    NAME = "provider-without-alias"
    SUMMARY = "second AWS provider without an alias (Duplicate provider configuration)"
    SEVERITY = Severity.CRITICAL
    FIX_SAFETY = FixSafety.NONE
    TRIGGERS = re.compile(r"AwsProvider\(")

    @classmethod
    def wants(cls, text: str, context: FileContext) -> bool:
        # A finding needs two providers: one per stack is the common, correct case.
        return len(cls.TRIGGERS.findall(text)) >= 2
    REFERENCE = ("https://developer.hashicorp.com/terraform/language/providers/configuration"
                 "#alias-multiple-provider-configurations")
    NAMES = {_PROVIDER: ("alias", "region")}

    def visit_Module(self, node: cst.Module) -> None:
        super().visit_Module(node)
        self._providers: dict[cst.CSTNode | None, list[cst.Call]] = defaultdict(list)

    def visit_Call(self, node: cst.Call) -> None:
        if self.target(node) == _PROVIDER:
            owner = next((s for s in reversed(self.context.statement_stack)
                          if isinstance(s, (cst.ClassDef, cst.FunctionDef))), None)
            where = self.where()
            self._providers[where.cls or owner].append(node)

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        for providers in self._providers.values():
            unaliased = [p for p in providers if keyword(p, "alias") is None]
            if len(providers) < 2 or len(unaliased) < 2:
                continue
            for provider in unaliased[1:]:
                self.report(provider, "another AWS provider without `alias=` in the same stack: Terraform fails "
                                      "with Duplicate provider configuration; give it an alias and pass it as "
                                      "`provider=` to its resources", fixable=False)
        return super().leave_Module(original_node, updated_node)
