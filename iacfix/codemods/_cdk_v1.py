"""What CDK v1 had that CDK v2 spells differently, for IAC103 (imports), IAC106
(requirements files) and IAC107 (setup.py).

CDK v2 ships every stable module in one distribution, `aws-cdk-lib`, with the construct base
classes in `constructs` 10; CDK v1 had one distribution per module (`aws-cdk.core`,
`aws-cdk.aws-s3`, ...) and constructs 3. https://docs.aws.amazon.com/cdk/v2/guide/migrating-v2.html
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass
from typing import Iterator

from iacfix.codemods import _prescan as prescan
from iacfix.codemods._bindings import FileNames
from iacfix.codemods._references import V1_CORE, ast_dotted, file_names
from iacfix.codemods._symbols import load_index

_ROOT = "aws_cdk"

LIB_REQUIREMENT = "aws-cdk-lib>=2.0.0,<3.0.0"
CONSTRUCTS_REQUIREMENT = "constructs>=10.0.0,<11.0.0"

# v1 experimental modules that aws-cdk-lib 2 does not have at all: they live on as separately
# installed `*-alpha` packages (`pip install aws-cdk.aws-lambda-python-alpha`).
V1_ALPHA_MODULES = frozenset({
    "aws_lambda_python", "aws_lambda_go", "aws_iot_actions", "aws_iotevents_actions",
    "aws_kinesisanalytics_flink",
})

# v1 `core` names that CDK v2 renamed (same-named ones in `constructs` are moved, not listed).
V1_RENAMED = {
    "ConstructNode": "`constructs.Node` (`Node.of(scope)`)",
    "DependableTrait": "`constructs.Dependable`",
    "ConcreteDependable": "`constructs.DependencyGroup`",
    "BundlingDockerImage": "`aws_cdk.DockerImage`",
}


def alpha_distribution(module: str) -> str:
    """`aws_lambda_python` -> `aws-cdk.aws-lambda-python-alpha`."""
    return "aws-cdk." + module.replace("_", "-") + "-alpha"


# --- what a file has of CDK v1 (read with ast, before libcst) ----------------------------

@dataclass
class Survey:
    """What IAC103 needs to know before it parses a file with libcst."""


    names: FileNames
    work: bool = False
    free_core: bool = False


@functools.lru_cache(maxsize=4)
def v1_survey(text: str) -> Survey | None:
    """What the `ast` of the file says: is there anything for this rule (cheap: no libcst)?"""
    names = file_names(text)
    if names is None:
        return None
    index = load_index()
    survey = Survey(names)
    survey.free_core = names.loads["core"] > 0 and "core" not in names.imports and not names.other["core"]
    constructs = index.names("constructs") or frozenset()
    root = index.names(_ROOT) or frozenset()
    for node in _imports_and_attributes(text):
        if isinstance(node, ast.Import):
            if any(a.name == V1_CORE or is_alpha(a.name) for a in node.names):
                survey.work = True
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            if node.module == V1_CORE or is_alpha(node.module):
                survey.work = True
            elif node.module == _ROOT and any(a.name == "core" or is_alpha(f"{_ROOT}.{a.name}")
                                              or a.name in constructs and a.name not in root for a in node.names):
                survey.work = True
        elif isinstance(node, ast.Attribute):
            path = ast_dotted(node)
            if path is None:
                continue
            head, _, rest = path.partition(".")
            module = names.module_of(head)
            if module == _ROOT and rest in constructs and rest not in root:
                survey.work = True
            elif node.attr in ("add", "remove", "plain_text") and _core_class(node.value, names):
                survey.work = True
        if survey.work:
            break
    return survey


def _imports_and_attributes(text: str) -> Iterator[ast.AST]:
    for kind in (ast.Import, ast.ImportFrom, ast.Attribute):
        yield from prescan.of_type(text, kind) or ()


def is_alpha(module: str) -> bool:
    """`aws_cdk.aws_lambda_python[.x]`: a v1 experimental module."""
    top, _, rest = module.partition(".")
    return top == _ROOT and rest.partition(".")[0] in V1_ALPHA_MODULES


def _core_class(node: ast.expr, names: FileNames) -> bool:
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return node.attr in ("Tag", "SecretValue") and names.module_of(node.value.id) in (_ROOT, V1_CORE)
    if isinstance(node, ast.Name) and node.id in ("Tag", "SecretValue"):
        return bool({i.module for i in names.imports.get(node.id, ())} & {_ROOT, V1_CORE})
    return False


# --- requirement strings -------------------------------------------------------------------

_REQUIREMENT = re.compile(
    r"(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)"
    r"(?P<extras>\s*\[[^\]]*\])?"
    r"(?P<spec>[^;#@]*?)"
    r"(?P<marker>\s*;[^#]*?)?"
    r"(?P<comment>\s+#.*)?"
)
_CLAUSE = re.compile(r"(===|==|~=|!=|<=|>=|<|>)\s*v?(\d+(?:\.\d+)*)")


@dataclass(frozen=True)
class Requirement:
    """One requirement (`name[extras] spec; marker  # comment`) and what it is to CDK v2."""

    name: str
    spec: str
    marker: str  # "; python_version >= '3.8'" as written (without surrounding blanks), or ""
    comment: str  # "  # pinned" as written, or ""
    kind: str  # "v1" (replace), "v1-alpha" (report), "lib", "constructs", "other"

    @property
    def module(self) -> str:
        return _normal(self.name).removeprefix("aws-cdk-").replace("-", "_")

    def constructs_v1_range(self) -> bool:
        """A `constructs` requirement that no 10.x release satisfies (CDK v1 used constructs 3)."""
        for operator, version in _CLAUSE.findall(self.spec):
            parts = tuple(int(p) for p in version.split("."))
            major = parts[0]
            if operator in ("==", "===", "~=") and major != 10:
                return True
            if (operator == "<" and parts <= (10,)) or (operator == "<=" and parts < (10,)):
                return True
            if operator in (">", ">=") and major >= 11:
                return True
        return False


def parse_requirement(text: str) -> Requirement | None:
    """The requirement on one line of a requirements file (or a setup.py string), or None for
    options (`-r`, `-e`), URLs and anything this does not read with certainty."""
    stripped = text.strip()
    if not stripped or stripped.startswith(("#", "-")):
        return None
    match = _REQUIREMENT.fullmatch(stripped)
    if match is None:
        return None
    name = match["name"]
    return Requirement(name, match["spec"].strip(), (match["marker"] or "").strip(), match["comment"] or "",
                       _kind(name))


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _kind(name: str) -> str:
    normal = _normal(name)
    if normal == "constructs":
        return "constructs"
    if normal == "aws-cdk-lib":
        return "lib"
    if not normal.startswith("aws-cdk-"):
        return "other"
    rest = normal.removeprefix("aws-cdk-")
    # Distributions CDK v2 still publishes beside aws-cdk-lib (its own dependencies, alphas).
    if rest.endswith("-alpha") or rest.startswith("asset-") or rest == "cloud-assembly-schema" \
            or re.fullmatch(r"lambda-layer-.*-v\d+", rest):
        return "other"
    module = rest.replace("-", "_")
    if module == "core" or load_index().has_module(f"aws_cdk.{module}"):
        return "v1"
    if module in V1_ALPHA_MODULES:
        return "v1-alpha"
    return "other"
