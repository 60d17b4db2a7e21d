"""Every class, parameter and member a security rule emits or relies on (its `NAMES`) exists in the
packages the API index describes (aws-cdk-lib 2.275.0, cdktf 0.21.0, cdktf-cdktf-provider-aws 21.22.1)."""

from __future__ import annotations

import pytest

from iacfix.codemods import ALL_RULES
from iacfix.codemods._symbols import load_index

CASES = [
    pytest.param(qualified, names, id=f"{rule.CODE}:{qualified}")
    for rule in ALL_RULES
    for qualified, names in getattr(rule, "NAMES", {}).items()
]


def test_some_rules_declare_names() -> None:
    assert len(CASES) > 20


@pytest.mark.parametrize(("qualified", "names"), CASES)
def test_names_exist(qualified: str, names: tuple[str, ...]) -> None:
    index = load_index()
    module, _, name = qualified.rpartition(".")
    if not index.has_module(module):  # a nested class: `module.CfnGlobalTable.StreamSpecificationProperty`
        module, _, outer = module.rpartition(".")
        outer_info = index.class_info(module, outer)
        assert outer_info is not None and name in outer_info.class_members, f"{module}.{outer} has no {name}"
        name = f"{outer}.{name}"
    else:
        assert index.exports(module, name), f"{module} does not export {name}"
    info = index.class_info(module, name)
    assert info is not None, f"no class information for {qualified}"
    known = set(info.params) | set(info.members) | set(info.class_members)
    missing = [n for n in names if n not in known]
    assert not missing, f"{qualified} has no {missing}"
