"""IAC107 cdk-v1-setup-requires: a setup.py that requires CDK v1 packages."""

from __future__ import annotations

import re
from pathlib import PurePath

import libcst as cst

from iacfix.codemods._cdk_v1 import CONSTRUCTS_REQUIREMENT, LIB_REQUIREMENT, Requirement, parse_requirement
from iacfix.codemods._context import FileContext
from iacfix.codemods._rule import FixSafety, Rule, Severity


class CdkV1SetupRequires(Rule):
    """A `setup.py` whose requirement lists install CDK v1 (`aws-cdk.core`, `aws-cdk.aws-s3`, ...).

    ## What it does
    In `setup.py`, a list of requirement strings (`install_requires=[...]`, or a list assigned
    to a name and passed on) that holds CDK v1 per-module packages gets CDK v2's single
    `aws-cdk-lib` and `constructs` 10 in place of the first v1 entry; the other v1 entries are
    dropped and a `constructs` entry in the v1 range gets the v2 range. Other entries, the
    quotes and the layout of the list stay.

    ## Why it matters
    `cdk init` for CDK v1 wrote these lists; installing the project pulls CDK v1 (end of life,
    `aws_cdk.core`) and constructs 3, which cannot coexist with the aws-cdk-lib 2 the code
    needs. Critical, as the analyses rate CDK v1 in a v2 app.

    ## Example
    ```python
    import setuptools

    setuptools.setup(
        name="infra",
        install_requires=[
            "aws-cdk.core==1.204.0",
            "aws-cdk.aws-s3==1.204.0",
            "boto3>=1.26",
        ],
    )
    ```

    ## After the fix
    ```python
    import setuptools

    setuptools.setup(
        name="infra",
        install_requires=[
            "aws-cdk-lib>=2.0.0,<3.0.0",
            "constructs>=10.0.0,<11.0.0",
            "boto3>=1.26",
        ],
    )
    ```

    ## Fix safety
    Safe, for the reasons given for IAC106 (cdk-v1-dependency): v1 packages have no 2.x
    release and aws-cdk-lib 2 holds every module they provided. Only lists whose items are all
    plain string literals that read as requirements are touched; a list built otherwise
    (concatenation, f-strings, a file read at install time) is left alone.

    ## References
    https://docs.aws.amazon.com/cdk/v2/guide/migrating-v2.html
    """

    CODE = "IAC107"
    NAME = "cdk-v1-setup-requires"
    SUMMARY = "setup.py requires CDK v1 packages (aws-cdk.core, ...)"
    SEVERITY = Severity.CRITICAL
    FIX_SAFETY = FixSafety.SAFE
    TRIGGERS = re.compile(r"aws[-_.]cdk[-_.]", re.IGNORECASE)
    REFERENCE = "https://docs.aws.amazon.com/cdk/v2/guide/migrating-v2.html"
    EXAMPLE_PATH = "setup.py"  # the documented example is checked as this file

    @classmethod
    def wants(cls, text: str, context: FileContext) -> bool:
        return PurePath(context.virtual_name).name == "setup.py" and super().wants(text, context)

    def leave_List(self, original_node: cst.List, updated_node: cst.List) -> cst.BaseExpression:
        parsed = [_requirement(element) for element in original_node.elements]
        # Bail out unless every item is a plain requirement string: only then is this a requirement list.
        if not parsed or any(req is None for req in parsed):
            return updated_node
        reqs: list[Requirement] = [req for req in parsed if req is not None]
        v1 = [i for i, req in enumerate(reqs) if req.kind == "v1"]
        if not v1:
            return updated_node
        has_lib = any(req.kind == "lib" for req in reqs)
        has_constructs = any(req.kind == "constructs" for req in reqs)
        elements = list(updated_node.elements)
        replaced: dict[int, list[str]] = {}
        for i in v1:
            first = i == v1[0] and not has_lib
            what = f"`{reqs[i].name}` is a CDK v1 package"
            message = f"{what}: CDK v2 apps require `aws-cdk-lib` and `constructs` 10" if first \
                else f"{what}: its module is part of `aws-cdk-lib`"
            if self.report(original_node.elements[i], message):
                replaced[i] = [_text(LIB_REQUIREMENT, reqs[i])] + (
                    [] if has_constructs else [_text(CONSTRUCTS_REQUIREMENT, reqs[i])]) if first else []
        if not replaced:
            return updated_node
        for i, req in enumerate(reqs):
            if req.kind == "constructs" and req.constructs_v1_range() and self.report(
                    original_node.elements[i], f"`{req.name}{req.spec}` is the CDK v1 range: aws-cdk-lib 2 needs "
                    "constructs 10"):
                replaced[i] = [_text(CONSTRUCTS_REQUIREMENT, req)]
        return updated_node.with_changes(elements=_rebuilt(elements, replaced))


def _requirement(element: cst.BaseElement) -> Requirement | None:
    value = element.value
    if not isinstance(element, cst.Element) or not isinstance(value, cst.SimpleString) or value.prefix:
        return None
    return parse_requirement(value.evaluated_value if isinstance(value.evaluated_value, str) else "")


def _text(requirement: str, req: Requirement) -> str:
    return requirement + (f"; {req.marker.lstrip(';').strip()}" if req.marker else "")


def _rebuilt(elements: list[cst.BaseElement], replaced: dict[int, list[str]]) -> list[cst.BaseElement]:
    """The list's items with `replaced` ones swapped for their new strings (none: dropped), each
    new item laid out like its neighbours; the last item keeps the list's closing layout."""
    last = len(elements) - 1
    separator = next((e.comma for i, e in enumerate(elements) if i < last and isinstance(e.comma, cst.Comma)),
                     cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    assert isinstance(separator, cst.Comma)
    separator = separator.with_changes(whitespace_after=_plain(separator.whitespace_after))
    out: list[cst.BaseElement] = []
    for i, element in enumerate(elements):
        texts = replaced.get(i)
        if texts is None:
            out.append(element.with_changes(comma=separator) if i == last else element)
            continue
        assert isinstance(element.value, cst.SimpleString)
        quote = element.value.quote
        for text in texts:
            out.append(element.with_changes(value=cst.SimpleString(f"{quote}{text}{quote}"), comma=separator))
    if out:
        out[-1] = out[-1].with_changes(comma=elements[last].comma)
    return out


def _plain(whitespace: cst.BaseParenthesizableWhitespace) -> cst.BaseParenthesizableWhitespace:
    if isinstance(whitespace, cst.ParenthesizedWhitespace):
        return whitespace.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[])
    return whitespace
