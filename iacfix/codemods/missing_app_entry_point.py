"""IAC401 missing-app-entry-point: a CDK or CDKTF stack that no app creates, or no cdk.json."""

from __future__ import annotations

import ast
import json
import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from iacfix.codemods._project_rules import NewFile, ProjectFile, ProjectFix, ProjectRule, ProjectView
from iacfix.codemods._rule import FixSafety, Severity

if TYPE_CHECKING:
    from iacfix.settings import Settings


class MissingAppEntryPoint(ProjectRule):
    """A stack class with no app that creates it, or an app the CDK CLI does not know how to run.

    ## What it does
    Looks at the project as a whole (a folder, or the files an answer names). When a module under
    it defines a `Stack` (or CDKTF `TerraformStack`) subclass and no file creates the `App` and
    synthesizes it, it writes `tap.py`: the app, the environment suffix from the
    `environmentSuffix` context or `ENVIRONMENT_SUFFIX` (default `dev`), the region from
    `lib/AWS_REGION` when that file exists, and the stack. When `cdk.json` (CDKTF: `cdktf.json`)
    is missing, it writes one whose `app` runs the entry point.

    ## Why it matters
    Without an entry point `cdk synth` has nothing to run, and without `cdk.json` the CLI stops
    with "--app is required": the answer cannot be deployed at all. The failure analyses rate a
    missing entry point or `cdk.json` Critical.

    ## Example
    ```python
    from aws_cdk import Stack
    from constructs import Construct


    class TapStack(Stack):
        def __init__(self, scope: Construct, construct_id: str, environment_suffix: str = "dev", **kwargs) -> None:
            super().__init__(scope, construct_id, **kwargs)
            self.environment_suffix = environment_suffix
    ```

    ## After the fix
    ```python
    #!/usr/bin/env python3
    # The CDK app: creates the stack and synthesizes it (written by iacfix, IAC401).
    import os

    import aws_cdk as cdk

    from lib.tap_stack import TapStack

    app = cdk.App()
    environment_suffix = app.node.try_get_context("environmentSuffix") or os.environ.get("ENVIRONMENT_SUFFIX", "dev")

    region = os.environ.get("CDK_DEFAULT_REGION", "us-east-1")
    try:
        with open("lib/AWS_REGION", encoding="utf-8") as region_file:
            region = region_file.read().strip() or region
    except FileNotFoundError:
        pass

    TapStack(
        app,
        f"TapStack{environment_suffix}",
        environment_suffix=environment_suffix,
        env=cdk.Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=region),
    )

    app.synth()
    ```
    The example is `lib/tap_stack.py`; the fix adds `tap.py` (shown) and `cdk.json`
    (`{"app": "python3 tap.py", "context": {}}`).

    ## Fix safety
    Safe: it only adds files, never over an existing one, and only when fixing a folder or
    extracting an answer (a Markdown answer fixed in place only gets the finding). It reports
    without fixing when it cannot tell which stack is the app's (several top-level stacks) or
    how to build it (a constructor argument other than the environment suffix, the region or
    a props class taking the suffix), and when the app lives below the project root.

    `# iacfix: ignore[IAC401]` on the stack's `class` line silences both findings.

    ## Known limits
    A `tap.py`, `app.py`, or any module that creates an `App` and calls `synth()` counts as an
    entry point, whatever it instantiates.

    ## References
    https://docs.aws.amazon.com/cdk/v2/guide/apps.html
    """

    CODE = "IAC401"
    NAME = "missing-app-entry-point"
    SUMMARY = "stack with no app entry point (tap.py) or no cdk.json/cdktf.json"
    SEVERITY = Severity.CRITICAL
    FIX_SAFETY = FixSafety.SAFE
    REFERENCE = "https://docs.aws.amazon.com/cdk/v2/guide/apps.html"
    EXAMPLE_PROJECT: ClassVar[dict[str, str]] = {}

    @classmethod
    def check(cls, view: ProjectView, settings: Settings) -> list[ProjectFix]:
        modules = [module for file in view.python_files() if (module := _Module.read(file)) is not None]
        stacks = [stack for module in modules for stack in module.stacks]
        if not stacks:
            return []
        chosen, why_not = _choose(stacks, modules)
        anchor = chosen or stacks[0]
        if cls.silenced(anchor.file, anchor.line):
            return []
        cdktf = anchor.cdktf
        config = "cdktf.json" if cdktf else "cdk.json"
        configured = _configured_entry(view, config)
        fixes = []
        has_entry = any(m.is_entry for m in modules) or any(view.exists(n) for n in ("tap.py", "app.py"))
        entry = configured if configured and view.exists(configured) else _entry_name(modules, view)
        if not has_entry and not (configured and view.exists(configured)):
            entry = configured or "tap.py"
            message = f"stack `{anchor.name}` has no app entry point: nothing creates the `App` and synthesizes it"
            code = _render_entry(chosen, view) if chosen is not None else None
            if chosen is not None and code is None:
                why_not = chosen.why_not
            if code is None:
                message += f" (write `{entry}` by hand: {why_not})"
            finding = cls.finding_at(anchor.file, anchor.line, message, fixable=code is not None)
            fixes.append(ProjectFix(finding, NewFile(entry, code.encode()) if code else None))
            if not finding.fixed:
                entry = None  # no entry point will exist for a config to run
        if not view.exists(config):
            message = f"no `{config}`: the {'CDKTF' if cdktf else 'CDK'} CLI cannot tell how to run the app"
            fixable = entry is not None and "/" not in entry
            if not fixable:
                message += " (no entry point at the project root)"
            finding = cls.finding_at(anchor.file, anchor.line, message, fixable=fixable)
            data = _render_config(entry or "tap.py", cdktf).encode()
            fixes.append(ProjectFix(finding, NewFile(config, data) if fixable else None))
        return fixes


@dataclass
class _Stack:
    name: str
    file: ProjectFile
    module: str | None  # dotted import path from the root, None when not importable
    line: int
    cdktf: bool
    node: ast.ClassDef
    props: str | None  # a props class of the same module that takes `environment_suffix`
    why_not: str = ""


@dataclass
class _Module:
    file: ProjectFile
    stacks: list[_Stack]
    is_entry: bool
    called: set[str]

    @classmethod
    def read(cls, file: ProjectFile) -> _Module | None:
        text = file.data.decode("utf-8", "replace")
        if "Stack" not in text and "App" not in text:
            return None
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError):
            return None  # bail out: a module we cannot read tells us nothing reliable
        dotted = file.name[:-3].replace("/", ".")
        module = dotted if all(part.isidentifier() for part in dotted.split(".")) else None
        props = [node for node in tree.body if isinstance(node, ast.ClassDef) and node.name.endswith("Props")
                 and _takes_suffix(node)]
        stacks = []
        for node in tree.body:
            if isinstance(node, ast.ClassDef) and (kind := _stack_kind(node)) is not None:
                stacks.append(_Stack(node.name, file, module, node.lineno, kind == "TerraformStack", node,
                                     props[0].name if len(props) == 1 else None))
        called = {_callee(node) for node in ast.walk(tree) if isinstance(node, ast.Call)}
        is_entry = bool(re.search(r"\bApp\s*\(", text) and re.search(r"\.synth\s*\(", text))
        return cls(file, stacks, is_entry, called)


def _stack_kind(node: ast.ClassDef) -> str | None:
    for base in node.bases:
        name = base.id if isinstance(base, ast.Name) else base.attr if isinstance(base, ast.Attribute) else None
        if name in ("Stack", "TerraformStack"):
            return name
    return None


def _callee(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _takes_suffix(node: ast.ClassDef) -> bool:
    for item in node.body:
        if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name) \
                and item.target.id == "environment_suffix":
            return True  # a dataclass field
        if isinstance(item, ast.FunctionDef) and item.name == "__init__":
            return "environment_suffix" in {a.arg for a in (*item.args.args, *item.args.kwonlyargs)}
    return False


def _choose(stacks: list[_Stack], modules: list[_Module]) -> tuple[_Stack | None, str]:
    """The stack the app should create: `TapStack`, the only one, or the only one no module creates."""
    named = [stack for stack in stacks if stack.name == "TapStack"]
    if len(named) == 1:
        return named[0], ""
    if len(stacks) == 1:
        return stacks[0], ""
    called = set().union(*(module.called for module in modules))
    top = [stack for stack in stacks if stack.name not in called]
    if len(top) == 1:
        return top[0], ""
    names = ", ".join(f"`{stack.name}`" for stack in stacks)
    return None, f"several stacks ({names}) and none is clearly the app's"


def _configured_entry(view: ProjectView, config: str) -> str | None:
    file = view.files.get(config)
    text = file.data.decode("utf-8", "replace") if file else None
    if text is None and view.root is not None and view.exists(config):
        with open(os.path.join(view.root, config), encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    try:
        app = json.loads(text).get("app", "") if text else ""
    except (ValueError, AttributeError):
        return None
    match = re.search(r"([\w./\-]+\.py)\b", app if isinstance(app, str) else "")
    return match.group(1).removeprefix("./") if match else None


def _entry_name(modules: list[_Module], view: ProjectView) -> str | None:
    for name in ("tap.py", "app.py", "main.py"):
        if view.exists(name):
            return name
    entries = sorted(module.file.name for module in modules if module.is_entry)
    return entries[0] if entries else None


def _render_entry(stack: _Stack, view: ProjectView) -> str | None:
    arguments = _arguments(stack)
    if arguments is None or stack.module is None:
        if stack.module is None:
            stack.why_not = f"`{stack.file.name}` cannot be imported as a module"
        return None
    uses_region = any("region" in argument for argument in arguments)
    imports = f"{stack.name}, {stack.props}" if any(a.startswith("props=") for a in arguments) else stack.name
    lines = [
        "#!/usr/bin/env python3",
        f"# The {'CDKTF' if stack.cdktf else 'CDK'} app: creates the stack and synthesizes it "
        "(written by iacfix, IAC401).",
        "import os",
        "",
        "from cdktf import App" if stack.cdktf else "import aws_cdk as cdk",
        "",
        f"from {stack.module} import {imports}",
        "",
        "app = App()" if stack.cdktf else "app = cdk.App()",
        'environment_suffix = app.node.try_get_context("environmentSuffix") or '
        'os.environ.get("ENVIRONMENT_SUFFIX", "dev")',
        "",
    ]
    if uses_region:
        default = 'os.environ.get("AWS_REGION", "us-east-1")' if stack.cdktf else \
            'os.environ.get("CDK_DEFAULT_REGION", "us-east-1")'
        lines += [
            f"region = {default}",
            "try:",
            '    with open("lib/AWS_REGION", encoding="utf-8") as region_file:',
            "        region = region_file.read().strip() or region",
            "except FileNotFoundError:",
            "    pass",
            "",
        ]
    call = ["app", f'f"{stack.name}{{environment_suffix}}"', *arguments]
    one_line = f"{stack.name}({', '.join(call)})"
    if len(one_line) <= 100:
        lines.append(one_line)
    else:
        lines += [f"{stack.name}(", *(f"    {argument}," for argument in call), ")"]
    lines += ["", "app.synth()", ""]
    return "\n".join(lines)


def _arguments(stack: _Stack) -> list[str] | None:
    """Keyword arguments for the stack's constructor beyond scope and id; None when unknown."""
    init = next((item for item in stack.node.body
                 if isinstance(item, ast.FunctionDef) and item.name == "__init__"), None)
    if init is None:  # the base class's: (scope, id, **kwargs) for CDK, (scope, id) for CDKTF
        return [] if stack.cdktf else [_ENV]
    args = init.args
    positional = [*args.posonlyargs, *args.args][1:]
    if len(positional) < 2 and not args.vararg:
        stack.why_not = "its constructor does not take a scope and an id"
        return None
    defaults = dict(zip([a.arg for a in positional][::-1], args.defaults[::-1]))
    defaults.update({a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None})
    out = []
    for param in [*positional[2:], *args.kwonlyargs]:
        name = param.arg
        if name == "environment_suffix":
            out.append("environment_suffix=environment_suffix")
        elif name in ("aws_region", "region"):
            out.append(f"{name}=region")
        elif name == "props" and stack.props:
            out.append(f"props={stack.props}(environment_suffix=environment_suffix)")
        elif name == "env" and not stack.cdktf:
            out.append(_ENV)
        elif name not in defaults:
            stack.why_not = f"its constructor needs `{name}`"
            return None
    if args.kwarg is not None and not stack.cdktf and _ENV not in out:
        out.append(_ENV)
    return out


_ENV = 'env=cdk.Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=region)'


def _render_config(entry: str, cdktf: bool) -> str:
    if cdktf:
        config = {"language": "python", "app": f"python3 {entry}", "sendCrashReports": "false",
                  "terraformProviders": [], "terraformModules": [], "codeMakerOutput": "imports", "context": {}}
    else:
        config = {"app": f"python3 {entry}", "context": {}}
    return json.dumps(config, indent=2) + "\n"
