"""IAC402 missing-lambda-asset: a Lambda asset path that is not where the project has it."""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING, ClassVar

import libcst as cst

from iacfix.codemods import _prescan as prescan
from iacfix.codemods._project_rules import ProjectView, view_for
from iacfix.codemods._rule import FixSafety, Rule, Severity

if TYPE_CHECKING:
    from iacfix.codemods._context import FileContext


class MissingLambdaAsset(Rule):
    """A Lambda asset path that does not exist in the project, while `lib/<path>` does.

    ## What it does
    Checks the literal path given to `Code.from_asset(...)`, `DockerImageCode.from_image_asset(...)`,
    `AssetCode(...)`, CDKTF `TerraformAsset(path=...)` and a CDKTF Lambda's `filename=`. The CLI
    runs the app from the project root (the folder holding `cdk.json`, `cdktf.json` or `tap.py`),
    so relative paths start there. When the path does not exist but `lib/<path>` does, the
    path is rewritten to `lib/<path>`.

    ## Why it matters
    Answers often put the handler under `lib/lambda/` and point the asset at `lambda/`: synth stops
    with "Cannot find asset" and no function deploys. The failure analyses rate it High.

    ## Example
    ```python
    from aws_cdk import aws_lambda as lambda_

    code = lambda_.Code.from_asset("lambda/processor")
    ```

    ## After the fix
    ```python
    from aws_cdk import aws_lambda as lambda_

    code = lambda_.Code.from_asset("lib/lambda/processor")
    ```
    (In a project whose handler is `lib/lambda/processor/index.py`.)

    ## Fix safety
    Safe: the path is only changed when the old one does not exist and the new one does. Paths
    built at run time (`os.path.join(...)`, f-strings) and absolute paths are left alone, and so
    is every file whose project root is unknown (stdin without `--stdin-filename`, a Markdown block
    the answer does not name). In a Markdown answer the project is the set of files it names.

    ## References
    https://docs.aws.amazon.com/cdk/v2/guide/assets.html
    """

    CODE = "IAC402"
    NAME = "missing-lambda-asset"
    SUMMARY = "Lambda asset path missing from the project while lib/<path> exists"
    SEVERITY = Severity.HIGH
    FIX_SAFETY = FixSafety.SAFE
    TRIGGERS = re.compile(r"from_asset|from_image_asset|AssetCode|AssetImageCode|TerraformAsset|filename\s*=")
    REFERENCE = "https://docs.aws.amazon.com/cdk/v2/guide/assets.html"
    EXAMPLE_PROJECT: ClassVar[dict[str, str]] = {
        "cdk.json": '{"app": "python3 tap.py"}\n',
        "lib/lambda/processor/index.py": "def handler(event, context):\n    return event\n",
    }

    @classmethod
    def wants(cls, text: str, context: FileContext) -> bool:
        # An asset call given a relative path as a plain string (`ast` look: most paths are built
        # at run time or already under lib/).
        if cls.TRIGGERS.search(text) is None:
            return False
        calls = prescan.of_type(text, ast.Call)
        return calls is None or any(_movable(_ast_asset_value(call)) for call in calls)

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._view: ProjectView | None = None
        self._looked_up = False

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        position = _asset_argument(original_node)
        if position is None:
            return updated_node
        literal = original_node.args[position].value
        if not isinstance(literal, cst.SimpleString):
            return updated_node  # built at run time: nothing to check
        value = literal.evaluated_value
        if not isinstance(value, str) or not _relative(value):
            return updated_node  # absolute, already under lib/, a URL or outside the project: not ours
        view = self._project()
        bare = value.removeprefix("./").rstrip("/")
        if view is None or view.exists(bare) or not view.exists(f"lib/{bare}"):
            return updated_node
        fixed = value.replace(bare, f"lib/{bare}", 1)
        if not self.report(original_node, f"asset path `{value}` does not exist in the project; `{fixed}` does"):
            return updated_node
        new_literal = literal.with_changes(value=literal.prefix + literal.quote + fixed + literal.quote)
        argument = updated_node.args[position].with_changes(value=new_literal)
        return updated_node.with_changes(args=[*updated_node.args[:position], argument,
                                               *updated_node.args[position + 1:]])

    def _project(self) -> ProjectView | None:
        # Looked up on the first asset call only: most files have none.
        if not self._looked_up:
            self._view, self._looked_up = view_for(self.context), True
        return self._view


def _relative(value: object) -> bool:
    """A path this rule may move under lib/: not absolute, not under lib/ already, no URL, not outside."""
    return isinstance(value, str) and bool(value) and not value.startswith(("/", "~", "lib/", "./lib/")) \
        and ":" not in value and ".." not in value


def _movable(value: ast.expr | None) -> bool:
    return isinstance(value, ast.Constant) and _relative(value.value)


# The asset calls as `_asset_argument` knows them: name -> (the path's keyword, may it be positional).
_ASSET_CALLS = {"from_asset": ("path", True), "AssetCode": ("path", True), "from_image_asset": ("directory", True),
                "AssetImageCode": ("directory", True), "TerraformAsset": ("path", False)}


def _ast_asset_value(call: ast.Call) -> ast.expr | None:
    """`_asset_argument` on an `ast` call: the argument holding the asset path."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    keyword, positional = _ASSET_CALLS.get(name, ("filename" if name.startswith("Lambda") else "", False))
    if not keyword:
        return None
    for argument in call.keywords:
        if argument.arg == keyword:
            return argument.value
    if positional and call.args and not isinstance(call.args[0], ast.Starred):
        return call.args[0]
    return None


def _asset_argument(call: cst.Call) -> int | None:
    """The index of the argument holding the asset path; None when the call takes no asset."""
    func = call.func
    name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
    if name in ("from_asset", "AssetCode"):
        return _argument(call, "path", positional=True)
    if name in ("from_image_asset", "AssetImageCode"):
        return _argument(call, "directory", positional=True)
    if name == "TerraformAsset":
        return _argument(call, "path", positional=False)
    if name.startswith("Lambda"):  # CDKTF LambdaFunction, LambdaLayerVersion: a zip file
        return _argument(call, "filename", positional=False)
    return None


def _argument(call: cst.Call, keyword: str, *, positional: bool) -> int | None:
    for index, arg in enumerate(call.args):
        if arg.keyword is not None and arg.keyword.value == keyword:
            return index
    if positional and call.args and call.args[0].keyword is None and not call.args[0].star:
        return 0
    return None
