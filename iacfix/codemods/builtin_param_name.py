"""IAC302 builtin-param-name: a parameter or local variable that shadows a built-in (`id`, `type`)."""

from __future__ import annotations

import ast
import functools
import os
import re
from collections.abc import Mapping
from typing import Any

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from iacfix.codemods import _builtin_ast
from iacfix.codemods import _callables as callables
from iacfix.codemods import _prescan as prescan
from iacfix.codemods._builtin_run import Call, Def, FileFacts, Param, Run, text_digest
from iacfix.codemods._context import FileContext
from iacfix.codemods._rule import FixSafety, Rule, Severity
from iacfix.codemods._scope_rename import BUILTIN_NAMES, plan_renames

_NAMES = "|".join(sorted(BUILTIN_NAMES, key=len, reverse=True))
_GAP = r"(?:\s|\\\n|#[^\n]*\n)*"  # whitespace, line continuations, comments
# Where a built-in name can be bound: a parameter (after `(`, `,`, `*`), an assignment or loop target,
# an `as` name. Keyword arguments match too (`, type=`); that is wanted, call sites may need updates.
_BINDINGS = re.compile(
    rf"(?:^|[(,*;]|\bfor\b|\bas\b){_GAP}(?:{_NAMES}){_GAP}(?:[:,)=]|[-+*/%&|^@<>]{{1,2}}=|in\b)", re.MULTILINE)
# A built-in name passed by keyword (`id=`) or as a key of an unpacked literal (`**{"id": ...}`).
_KEYWORD_ARGUMENTS = re.compile(rf"(?<![\w.])({_NAMES})\s*=(?!=)|[\"']({_NAMES})[\"']\s*:")
# Decorators that keep the function's calling convention (anything else may pass arguments by name).
_PLAIN_DECORATORS = frozenset({
    "staticmethod", "classmethod", "property", "cached_property", "abstractmethod", "override", "final",
    "setter", "getter", "deleter", "wraps", "lru_cache", "cache", "contextmanager", "asynccontextmanager",
})
# Bases that make a class a construct, whose `__init__(self, scope, id)` CDK code calls positionally.
_CONSTRUCT_BASES = frozenset({"Construct", "Stack", "NestedStack", "Stage", "Resource", "TerraformStack", "App"})


class BuiltinParamName(Rule):
    """Parameters and local variables named after a built-in, such as `id` or `type`.

    ## What it does
    Finds function parameters, and local variables bound by plain statements (`type = ...`,
    `for id in ...`, `with ... as format`, `except ... as filter`), whose name shadows a built-in
    (what pylint's W0622 checks), and renames each with every read of it, using scope analysis.
    The new name follows a small table:

    | name | becomes |
    | --- | --- |
    | `id` of `__init__(self, scope, id)` or of a construct's `__init__` | `construct_id` |
    | `id` passed as a construct id: `Bucket(self, id)`, `Role(self, f"{id}Role")` | `construct_id` |
    | any other built-in name, `id` elsewhere included | `type_`, `min_`, `id_` (PEP 8) |
    | a new name already used in the function or at module level | `construct_id_`, `type_2`, ... |

    Reads in nested functions, lambdas, comprehensions and class bodies that see the name are
    renamed with it, and so are `nonlocal` declarations of it; their own bindings of the same name,
    `global` declarations, decorators and default values (evaluated outside the function) are
    not. Keyword call sites (`TapStack(app, id="x")`, `self._make(min=1)`,
    `super().__init__(scope, id=id)` towards a renamed base class of the run) are updated with the
    definition, in the same file and, when a folder is fixed, in the other files of the run,
    following imports (relative ones too) and classes that inherit the renamed `__init__`.
    Attribute names (`bucket.id`), keywords of other callables (`CfnOutput(self, id=construct_id)`),
    strings, lambdas' own parameters, and module- or class-level names are left alone.

    ## Why it matters
    The QA gate's pylint fails on W0622 (redefined-builtin), and inside the function the built-in
    is out of reach. The failure analyses rate it High and rename `id` to `construct_id`.

    ## Example
    ```python
    from aws_cdk import Stack, aws_iam as iam
    from constructs import Construct


    class TapStack(Stack):
        def __init__(self, scope: Construct, id: str, **kwargs) -> None:
            super().__init__(scope, id, **kwargs)
            self.role = self._create_lambda_role(id="Worker", type="service")

        def _create_lambda_role(self, id: str, type: str) -> iam.Role:
            return iam.Role(self, f"{id}Role", description=type,
                            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    ```

    ## After the fix
    ```python
    from aws_cdk import Stack, aws_iam as iam
    from constructs import Construct


    class TapStack(Stack):
        def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
            super().__init__(scope, construct_id, **kwargs)
            self.role = self._create_lambda_role(construct_id="Worker", type_="service")

        def _create_lambda_role(self, construct_id: str, type_: str) -> iam.Role:
            return iam.Role(self, f"{construct_id}Role", description=type_,
                            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    ```

    ## Fix safety
    Renaming a local variable, a positional-only, `*args` or `**kwargs` parameter is safe: no
    caller can name it. Renaming any other parameter changes the keyword its callers must use, so
    it is safe only when the callers are known to pass it positionally or are all updated:
    - the function is private (`_create_lambda_role`), a method of a private class, defined inside
      another function, a property setter, or a dunder the interpreter calls positionally
      (`__exit__(self, type, value, traceback)`);
    - or the parameter is the `id` of a construct's `__init__` (a class whose base is named
      `Construct`, `Stack`, `NestedStack`, `Stage`, `TerraformStack`, or ends in `Stack` or
      `Construct`, or any `__init__(self, scope, id)`), which CDK code passes positionally
      (`TapStack(app, "TapStack")`);
    - or the parameter is the `id` of a construct's method that passes it on as a construct id
      (`def create_output(self, id, value): CfnOutput(self, id, value=value)`): such helpers are
      called the way constructors are, `self.create_output("BucketName", ...)`.
    Keyword call sites in the run are updated with it. Any other parameter of a public function,
    method or class (`__call__` included) is an unsafe fix: callers outside the files being fixed
    may pass it by keyword. A safe fix becomes unsafe when its file also uses the callable as a
    value (`{"help": _HelpAction}`, `callback=self._make`, `return inner`: whoever receives it may
    call it by keyword, `**kwargs` included), or when a keyword call in the run may reach it but
    cannot be updated consistently (same-named definitions that disagree, `**{"id": ...}`,
    `handlers[k](id=...)`); it becomes report-only when such a call site carries a suppression
    comment. A decorated function is unsafe unless the decorator keeps the calling
    convention (`staticmethod`, `property`, `functools.wraps`, `lru_cache`, ...); pytest tests,
    fixtures and parametrized functions are report-only (pytest matches them by name).
    A function that calls `locals()`, `vars()`, `eval()` or `exec()`, or whose name is also bound
    by an import or a nested `def`, is reported and left alone.
    After the rename the built-in is reachable again, but every read of the old name is renamed
    with it, so no read changes meaning: a body that calls `type(x)` meaning the built-in called the
    parameter and still does (`type_(x)`); the finding points that out.

    ## Known limits
    Call sites are matched by name (with the file's imports): a call through an alias
    (`make = TapStack; make(id="x")`), `functools.partial` or forwarded `**kwargs` is not seen,
    and neither are callers in files outside the run (hence the unsafe public case); a private
    callable used as a value is looked for in its own file only. `super()`
    is followed to the first base only. Walrus targets, `match` captures, and imports or nested
    `def`s that shadow a built-in are not renamed; a name read from a string annotation, or a
    function using `locals()`/`eval()`, is reported only. Frame inspection (`sys._getframe`) is
    not detected.

    ## References
    https://pylint.readthedocs.io/en/stable/user_guide/messages/warning/redefined-builtin.html
    """

    CODE = "IAC302"
    NAME = "builtin-param-name"
    SUMMARY = "parameter or local variable shadows a built-in (`id`, `type`)"
    SEVERITY = Severity.HIGH
    FIX_SAFETY = FixSafety.SAFE
    PYLINT = ("redefined-builtin", "W0622")
    REFERENCE = "https://pylint.readthedocs.io/en/stable/user_guide/messages/warning/redefined-builtin.html"
    COLLECTS = True

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        # Set for the file in `visit_Module`.
        self.own: FileFacts | None = None
        self.plans: dict[cst.FunctionDef, list[Any]] = {}
        self.resolver: callables.Resolver | None = None
        self.run: Run | None = None
        self.renames: dict[cst.Name, str] = {}
        self.classes: list[cst.ClassDef] = []

    @classmethod
    def wants(cls, text: str, context: FileContext) -> bool:
        shared = context.project.facts.get(cls.CODE) or []
        own = _own_facts(shared, context, text)
        if own is not None:
            # A folder run: the collected facts say exactly whether there is work.
            if own.has_plans:
                return True
            run = _run(shared, own, context.settings.unsafe_fixes)
            return any(run.call_verdict(own, call.callee, keyword) is not None
                       for call in own.calls for keyword in call.keywords)
        found = _candidates(text)
        if found is None:
            return True  # `ast` cannot read it: libcst may
        binds, keywords, _ = found
        if binds:
            return True
        # Only keyword calls: work only if another file of the run renames such a parameter, and
        # one of the calls reaches it (judged on facts read from the `ast` tree of this text).
        renaming = _index(shared)[1]
        if not any(file != (context.path, context.virtual_name)
                   for keyword in keywords for file in renaming.get(keyword, ())):
            return False
        if context.text != text:
            return True
        fresh = _facts(cls, None, context, None)
        run = _run(shared, fresh, context.settings.unsafe_fixes)
        return any(run.call_verdict(fresh, call.callee, keyword) is not None
                   for call in fresh.calls for keyword in call.keywords)

    @classmethod
    def collects(cls, text: str, context: FileContext) -> bool:
        # Every keyword call counts, the other files' renames being unknown yet.
        found = _candidates(text)
        return found is None or found[0] or bool(found[1]) or found[2]

    @classmethod
    def collect_needs_module(cls, text: str, context: FileContext) -> bool:
        # Only renames need libcst (scope analysis), and only where the `ast` tree cannot plan
        # them for certain; the rest is read from the `ast` tree.
        found = _candidates(text)
        return found is None or found[0] and _ast_definitions(text, context) is None

    @classmethod
    def touched_by(cls, lines: str, context: FileContext) -> bool:
        # Another rule's edit gives this rule work only if it binds a built-in name or passes one
        # by keyword.
        return _BINDINGS.search(lines) is not None or _KEYWORD_ARGUMENTS.search(lines) is not None

    @classmethod
    def collect(cls, module: cst.Module | None, context: FileContext) -> Any:
        return _facts(cls, module, context, _positions(module, context) if module is not None else None)

    @classmethod
    def release(cls, fact: Any) -> None:
        if fact is not None:
            fact.release()

    def visit_Module(self, node: cst.Module) -> None:
        shared = self.context.project.facts.get(self.CODE) or []
        own = _own_facts(shared, self.context, self.context.text)
        if own is None:
            own = _facts(type(self), node, self.context, self.context.positions)
        elif own.module is not node:
            # Facts from the cache or another process: plan the renames on this tree, with the
            # definitions and parameters the run judged.
            fresh = _facts(type(self), node, self.context, self.context.positions)
            if not _adopt(own, fresh):
                own = fresh
        self.own = own
        self.plans, self.resolver = own.plans, own.resolver
        self.run = _run(shared, own, self.context.settings.unsafe_fixes)
        own.release()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.classes.append(node)

    def leave_ClassDef(self, original_node: cst.ClassDef, updated_node: cst.ClassDef) -> cst.ClassDef:
        self.classes.pop()
        return updated_node

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        assert self.run is not None
        for definition, param, report_node, rename in self.plans.get(node, ()):
            what = "local variable" if param.local else "parameter"
            problem = f"{what} `{param.old}` shadows the built-in `{param.old}`"
            if rename.new is None:
                self.report(report_node, f"{problem} (not auto-fixable: {rename.problem})", fixable=False)
                continue
            safety, reason = self.run.safety(definition, param)
            message = f"{problem}; rename it `{rename.new}`" + (f" ({reason})" if reason else "")
            if rename.called:
                message += f"; note the body calls the {what}, not the built-in: `{param.old}(...)`"
            fixable = safety is not FixSafety.NONE
            if self.report(report_node, message, fixable=fixable, fix_safety=safety):
                self.renames.update((name, rename.new) for name in rename.nodes)

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        new = self.renames.get(original_node)
        return updated_node if new is None else updated_node.with_changes(value=new)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
        keywords, _ = callables.builtin_keywords(original_node)
        if not keywords:
            return updated_node
        assert self.run is not None and self.own is not None and self.resolver is not None
        callee = callables.callee_of(original_node.func, self.resolver, self.classes[-1] if self.classes else None)
        renamed: dict[str, str] = {}
        for keyword in keywords:
            verdict = self.run.call_verdict(self.own, callee, keyword)
            if verdict is None:
                continue
            new, safety, reason = verdict
            arg = next(a for a in original_node.args if a.keyword is not None and a.keyword.value == keyword)
            label = callee.label or callee.key
            if new is None:
                self.report(arg, f"keyword `{keyword}=` of `{label}` names a renamed parameter "
                                 f"(not auto-fixable: {reason})", fixable=False)
            elif self.report(arg, f"keyword `{keyword}=` of `{label}` names a parameter renamed `{new}`",
                             fix_safety=safety):
                renamed[keyword] = new
        if not renamed:
            return updated_node
        args = [a.with_changes(keyword=a.keyword.with_changes(value=renamed[a.keyword.value]))
                if a.keyword is not None and a.keyword.value in renamed else a for a in updated_node.args]
        return updated_node.with_changes(args=args)


# --- facts about one file -------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _candidates(text: str) -> tuple[bool, frozenset[str], bool] | None:
    """What the `ast` tree holds for IAC302: whether some function may bind a built-in name as a
    parameter or local, the built-in names passed by keyword, and whether a `**{...}` literal
    passes one. None: `ast` cannot read the text."""
    tree = prescan.tree(text)
    if tree is None:
        return None
    sites, _ = callables.functions_ast(tree)
    binds = any(callables.candidates_ast(site) for site in sites)
    keywords: set[str] = set()
    unpacked = False
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.keywords:
            named, keys = callables.builtin_keywords_ast(node)
            keywords.update(named)
            unpacked = unpacked or bool(keys)
    return binds, frozenset(keywords), unpacked


def _own_facts(shared: list[FileFacts], context: FileContext, text: str) -> FileFacts | None:
    """The collected facts of this file, if they describe this text."""
    own = _index(shared)[0].get((context.path, context.virtual_name))
    return own if own is not None and own.digest == text_digest(text) else None


# The last folder run's facts, indexed: every file of a run asks about the same list, and a scan
# of it per file would make a run's time grow with the square of its files.
_LAST_INDEX: list[Any] = [None, None, None]


def _index(shared: list[FileFacts]) -> tuple[dict[tuple[str, str], FileFacts], dict[str, set[tuple[str, str]]]]:
    """Each file's facts by (path, name), and for each parameter name some definition renames
    (one that can be passed by keyword), the files that rename it."""
    if _LAST_INDEX[0] is not shared or _LAST_INDEX[1] != len(shared):
        by_file: dict[tuple[str, str], FileFacts] = {}
        renaming: dict[str, set[tuple[str, str]]] = {}
        for facts in shared:
            by_file.setdefault((facts.path, facts.name), facts)
            for definition in facts.defs:
                for param in definition.params:
                    if param.keyword and param.new is not None:
                        renaming.setdefault(param.old, set()).add((facts.path, facts.name))
        _LAST_INDEX[:] = [shared, len(shared), (by_file, renaming)]
    return _LAST_INDEX[2]


def _adopt(own: FileFacts, fresh: FileFacts) -> bool:
    """Give `own` the tree and plans of `fresh` (the same text read again), with `own`'s definitions,
    when both say the same (facts planned from the `ast` tree must agree with libcst's plans)."""
    if len(own.defs) != len(fresh.defs) or any(
            (a.key, a.label, [_param_key(p) for p in a.params]) != (b.key, b.label, [_param_key(p) for p in b.params])
            for a, b in zip(own.defs, fresh.defs)):
        return False
    same: dict[int, Any] = {}
    for a, b in zip(own.defs, fresh.defs):
        same[id(b)] = a
        same.update((id(q), p) for p, q in zip(a.params, b.params))
    own.plans = {func: [(same[id(d)], same[id(p)], *rest) for d, p, *rest in plan]
                 for func, plan in fresh.plans.items()}
    own.module, own.resolver = fresh.module, fresh.resolver
    return True


def _param_key(param: Param) -> tuple[Any, ...]:
    return (param.old, param.new, param.keyword, param.safety, param.reason, param.suppressed, param.local)


@functools.lru_cache(maxsize=4)
def _ast_definitions_of(text: str, path: str) -> tuple[Def, ...] | None:
    tree = prescan.tree(text)
    if tree is None:
        return None
    sites, classes = callables.functions_ast(tree)
    found = _builtin_ast.definitions(tree, text, sites, classes, path, _definition_safety, _is_construct_class)
    return None if found is None else tuple(found)


def _ast_definitions(text: str, context: FileContext) -> tuple[Def, ...] | None:
    """The definitions of the file's functions with their renames planned from the `ast` tree;
    None when some function needs libcst, or a suppression comment may silence a finding (the
    lines a finding covers are libcst's)."""
    if context.suppressions:
        return None
    return _ast_definitions_of(text, context.virtual_name)


def _facts(rule: type[Rule], module: cst.Module | None, context: FileContext,
           positions: Mapping[cst.CSTNode, CodeRange] | None) -> FileFacts:
    """The file's facts; without `module` (nothing to rename), read from the `ast` tree alone."""
    tree = prescan.tree(context.text)
    suppressions = context.suppressions

    def silenced_lines(lines: set[int]) -> bool:
        return bool(suppressions) and any(suppressions.silences(rule, range(line, line + 1)) for line in lines)

    def silenced(node: cst.CSTNode, statement: cst.CSTNode | None) -> bool:
        # The same lines `FileContext` looks at: the node's and its statement's first line.
        if positions is None or not suppressions or (where := positions.get(node)) is None:
            return False
        lines = set(range(where.start.line, where.end.line + 1))
        if statement is not None and (start := positions.get(statement)) is not None:
            lines.add(start.start.line)
        return silenced_lines(lines)

    if tree is not None:
        ast_sites, ast_classes = callables.functions_ast(tree)
        defined = frozenset(s.node.name for s in ast_sites) | frozenset(c.name for c in ast_classes)
        resolver = callables.Resolver(defined, callables.imports_ast(tree, context.virtual_name))
        calls = tuple(Call(c.callee, c.keywords, c.unpacked, silenced_lines({*c.lines, c.statement_line}))
                      for c in callables.calls_ast(tree, resolver))
    if module is None:
        assert tree is not None, "a file `ast` cannot read is collected with libcst"
        found = _candidates(context.text)
        planned = _ast_definitions(context.text, context) if found and found[0] else None
        assert planned is not None or not (found and found[0]), "a file `ast` cannot plan is collected with libcst"
        read = list(planned) if planned is not None else [Def(site.key, site.label, ()) for site in ast_sites]
        initialized = {id(s.cls) for s in ast_sites if s.cls is not None and s.node.name in ("__init__", "__new__")}
        read.extend(Def(c.name, c.name, (), resolver.first_base_ast(c, c.name))
                    for c in ast_classes if id(c) not in initialized)
        return FileFacts(context.path, context.virtual_name, context.text, tuple(read), calls)

    sites, classes = callables.functions(module)
    if tree is None:
        defined = frozenset(s.node.name.value for s in sites) | frozenset(c.name.value for c in classes)
        resolver = callables.Resolver(defined, callables.imports(module, context.virtual_name))
        calls = tuple(Call(site.callee, site.keywords, site.unpacked, silenced(site.node, site.statement))
                      for site in callables.scan_calls(module, resolver))
    avoid = callables.module_names(module)
    by_name = {c.name.value: _bases(c) for c in classes}

    # A callable this file also uses as a value (`register(_Action)`) may be called by keyword
    # from anywhere, `**kwargs` included: renaming its parameters is not safe.
    keyed = frozenset(site.key for site in sites if any(
        p.name.value in BUILTIN_NAMES for p in (*site.node.params.params, *site.node.params.kwonly_params)))
    escaped = callables.escaping(module, keyed) if keyed else set()
    defs: list[Def] = []
    plans: dict[cst.FunctionDef, list[tuple[Def, Param, cst.CSTNode, Any]]] = {}
    for site in sites:
        definition, plan = _definition(site, context.virtual_name, avoid, by_name, silenced, site.key in escaped)
        defs.append(definition)
        if plan:
            plans[site.node] = plan
    for cls in classes:
        if not any(s.cls is cls and s.node.name.value in ("__init__", "__new__") for s in sites):
            defs.append(Def(cls.name.value, cls.name.value, (), resolver.first_base(cls, cls.name.value)))
    facts = FileFacts(context.path, context.virtual_name, context.text, tuple(defs), calls)
    facts.module, facts.plans, facts.resolver = module, plans, resolver
    return facts


# The last folder run's judgement: every file of a run shares the same facts, so judge them once.
_LAST_RUN: list[Any] = [None, None, None]


def _run(shared: list[FileFacts], own: FileFacts, unsafe_fixes: bool) -> Run:
    if not any(facts is own for facts in shared):
        # A single file, or a later pass over a rewritten file: judge with its current facts.
        return Run([facts for facts in shared if not facts.same_file(own)] + [own], unsafe_fixes)
    if _LAST_RUN[0] is not shared or _LAST_RUN[1] != (len(shared), unsafe_fixes):
        _LAST_RUN[:] = [shared, (len(shared), unsafe_fixes), Run(shared, unsafe_fixes)]
    return _LAST_RUN[2]


def _definition(site: callables.FunctionSite, path: str, avoid: frozenset[str],
                classes: Mapping[str, list[str]], silenced: Any, escaped: bool) -> tuple[Def, list[Any]]:
    func = site.node
    parameters = func.params
    kinds: dict[str, tuple[cst.CSTNode, bool]] = {}  # name -> (report node, can be passed by keyword)
    for node in parameters.posonly_params:
        kinds[node.name.value] = (node, False)
    for node in (*parameters.params, *parameters.kwonly_params):
        kinds[node.name.value] = (node, True)
    for star in (parameters.star_arg, parameters.star_kwarg):
        if isinstance(star, cst.Param):
            kinds[star.name.value] = (star, False)
    params = {name: value for name, value in kinds.items() if name in BUILTIN_NAMES}
    local = {name: node for name, node in callables.local_bindings(func).items() if name not in kinds}
    label = f"{site.cls.name.value}.{func.name.value}" if site.cls is not None else func.name.value
    if not params and not local:
        return Def(site.key, label, ()), []
    ordered = [p.name.value for p in (*parameters.posonly_params, *parameters.params)]
    construct_class = site.cls is not None and _is_construct_class(_bases(site.cls), classes, set())
    # `(self, scope, id)`: the construct id, whatever the class derives from.
    takes_scope = ordered[1:3] == ["scope", "id"] or ordered[:2] == ["scope", "id"]
    construct_init = func.name.value == "__init__" and (takes_scope or construct_class and ordered[2:3] == ["id"])
    renames = plan_renames(func, [*params, *local], avoid=avoid,
                           prefer_construct_id=frozenset({"id"}) if construct_init or takes_scope else frozenset())
    facts: list[Param] = []
    plan: list[Any] = []
    for name, rename in renames.items():
        if name in params:
            report_node, keyword = params[name]
            # A construct's helper that passes its `id` on as a construct id (`_make_role(self, id)`,
            # `create_output(self, id, ...)`) is called like a constructor: positionally.
            construct_id = name == "id" and (construct_init or construct_class and rename.construct_id)
            safety, why = _safety(site, path, construct_id, escaped) if keyword else (FixSafety.SAFE, "")
        else:
            report_node, keyword, safety, why = local[name], False, FixSafety.SAFE, ""
        param = Param(name, rename.new, keyword, safety, why, silenced(report_node, func), name in local)
        facts.append(param)
        plan.append((param, report_node, rename))
    definition = Def(site.key, label, tuple(facts))
    return definition, [(definition, *entry) for entry in plan]


def _bases(cls: cst.ClassDef) -> list[str]:
    return [get_full_name_for_node(base.value) or "" for base in cls.bases]


def _is_construct_class(bases: list[str], classes: Mapping[str, list[str]], seen: set[str]) -> bool:
    """Whether a class with these bases (full names) is a construct; `classes`: the file's classes' bases."""
    for base in bases:
        name = base.rsplit(".", 1)[-1]
        if name in _CONSTRUCT_BASES or name.endswith(("Stack", "Construct")):
            return True
        if name in classes and name not in seen:
            seen.add(name)
            if _is_construct_class(classes[name], classes, seen):
                return True
    return False


def _safety(site: callables.FunctionSite, path: str, construct_id: bool, escaped: bool) -> tuple[FixSafety, str]:
    func = site.node
    decorators = [(get_full_name_for_node(d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator)
                   or "") for d in func.decorators]
    return _definition_safety(func.name.value, decorators, site.cls.name.value if site.cls is not None else None,
                              site.nested, site.key, path, construct_id, escaped)


def _definition_safety(name: str, decorators: list[str], cls: str | None, nested: bool, key: str, path: str,
                       construct_id: bool, escaped: bool) -> tuple[FixSafety, str]:
    """How safe renaming a keyword-passable parameter is, judging by the definition alone: the
    function `name`, its decorators' full names, its class's name, whether it is defined inside
    a function, and the name callers use (`key`).

    `construct_id`: it is the `id` of a construct's `__init__(self, scope, id)`, or of a construct's
    method that passes it on as a construct id: passed positionally.
    `escaped`: the file uses the callable as a value, not only calls it.
    """
    base = os.path.basename(path)
    if name.startswith("test") and (base.startswith("test_") or base.endswith("_test.py")) or any(
            d.startswith("pytest.") or d.endswith("fixture") for d in decorators):
        return FixSafety.NONE, "pytest matches fixtures and parameters by name"
    unknown = [d for d in decorators if d.rsplit(".", 1)[-1] not in _PLAIN_DECORATORS]
    if unknown:
        return FixSafety.UNSAFE, f"unsafe: the decorator `@{unknown[0]}` may pass arguments by name"
    private_class = cls is not None and cls.startswith("_")
    # A property setter or deleter is reached by attribute assignment, never by keyword.
    accessor = any(d.rsplit(".", 1)[-1] in ("setter", "deleter") for d in decorators)
    if accessor:
        return FixSafety.SAFE, ""
    if escaped:
        return FixSafety.UNSAFE, (f"unsafe: `{key}` is also used as a value in this file; "
                                  "whoever receives it may pass the keyword")
    if nested or private_class:
        return FixSafety.SAFE, ""
    if name in ("__init__", "__new__") and cls is not None:
        if construct_id:
            return FixSafety.SAFE, ""
        return FixSafety.UNSAFE, f"unsafe: `{cls}` is public; callers elsewhere may use the keyword"
    # Private, name-mangled, or a dunder the interpreter calls positionally (`__exit__`, `__eq__`).
    if name.startswith("_") and name not in ("__call__", "__init_subclass__"):
        return FixSafety.SAFE, ""
    if construct_id and name not in ("__call__", "__init_subclass__", "__new__"):
        return FixSafety.SAFE, ""
    return FixSafety.UNSAFE, f"unsafe: `{name}` is public; callers elsewhere may use the keyword"


def _positions(module: cst.Module, context: FileContext) -> Mapping[cst.CSTNode, CodeRange] | None:
    # Only a file with suppression comments needs positions (the engine computes them then too).
    if not context.suppressions:
        return None
    return dict(MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider))
