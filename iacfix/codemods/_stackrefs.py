"""How code at one place can refer to the stack's account and region, per library.

CDK: `self.account` in a `Stack` subclass, `Stack.of(self).account` in any other construct,
`Stack.of(scope).account` in a function that takes the scope. CDKTF has no such property: the
account comes from a `DataAwsCallerIdentity` data source and the region from a `DataAwsRegion` (or
the provider's region variable), reused when the class already has one and otherwise created in
`__init__` right after `super().__init__(...)`: as a local when only `__init__` needs it, as an
attribute (`self.caller_identity`) when a helper method does. Plain boto3 code gets the account
from STS, once, in `__init__`.

A `Ref` is the code to interpolate plus what must exist for it to work (an import, a statement
added to `__init__`). Every plan is computed from the ORIGINAL class, so two rules asking about
the same class (IAC201 and IAC203) get the same answer and add the same statement once.
"""

from __future__ import annotations

import dataclasses
import re
import weakref
from dataclasses import dataclass, field
from typing import Iterator

import libcst as cst

from iacfix.codemods._args import code, keyword
from iacfix.codemods._imports import Imports, dotted

_PROVIDER = "cdktf_cdktf_provider_aws"


@dataclass(frozen=True)
class DataSource:
    """A CDKTF data source that answers a question about the stack (names as in provider 21.x)."""

    qualified: str  # module.Class
    construct_id: str
    variable: str  # the local or attribute name given to an added one
    attribute: str  # its property holding the answer
    # What a method needs it for: decides local (only __init__ needs it) or attribute.
    wanted: re.Pattern[str]


CALLER_IDENTITY = DataSource(f"{_PROVIDER}.data_aws_caller_identity.DataAwsCallerIdentity", "current",
                             "caller_identity", "account_id", re.compile(r"arn:[^\"'\s]*:\*:|S3Bucket\("))
# Provider 6 (cdktf-cdktf-provider-aws 21.x) deprecates `name` on this data source for `region`.
REGION = DataSource(f"{_PROVIDER}.data_aws_region.DataAwsRegion", "current_region", "current_region", "region",
                    re.compile(r"arn:[^\"'\s]*:[a-z]{2}(?:-[a-z]+)+-\d:"))

# CDK names the rules emit (checked against the installed package by tests/test_emitted_names.py).
CDK_STACK = "aws_cdk.Stack"
CDK_NAMES = {CDK_STACK: ("of", "account", "region")}
CDKTF_NAMES = {CALLER_IDENTITY.qualified: ("account_id",), REGION.qualified: ("region",)}


@dataclass(frozen=True)
class Injection:
    """A statement to add to a class's `__init__`, after the statement `anchor` finds."""

    statement: str
    anchor: str  # "super", "end", or the name of a local whose assignment it follows


@dataclass(frozen=True)
class Ref:
    code: str
    imports: tuple[tuple[str, str], ...] = ()
    injection: Injection | None = None
    safe: bool = True


@dataclass
class Where:
    """A place in the file, read from the engine's stack of enclosing statements."""

    cls: cst.ClassDef | None = None
    method: cst.FunctionDef | None = None  # a function directly in `cls`'s body
    init_index: int | None = None  # in `__init__`: index of the top-level statement holding the place
    functions: list[cst.FunctionDef] = field(default_factory=list)

    @classmethod
    def of(cls, statements: list[cst.CSTNode]) -> Where:
        found = cls(functions=[s for s in statements if isinstance(s, cst.FunctionDef)])
        for index in range(len(statements) - 1, -1, -1):
            node = statements[index]
            if isinstance(node, cst.ClassDef):
                found.cls = node
                following = statements[index + 1] if index + 1 < len(statements) else None
                if isinstance(following, cst.FunctionDef):
                    found.method = following
                    if following.name.value == "__init__" and index + 2 < len(statements):
                        found.init_index = _index(following.body.body, statements[index + 2])
                break
        return found

    @property
    def has_self(self) -> bool:
        method = self.method
        if method is None or not method.params.params or method.params.params[0].name.value != "self":
            return False
        return not any(dotted(d.decorator) in ("staticmethod", "classmethod") for d in method.decorators)


# --- CDK -----------------------------------------------------------------------------------

# CDK v1's `core.Stack` has the same properties (another rule moves v1 imports to v2).
_STACKS = frozenset({"aws_cdk.Stack", "aws_cdk.NestedStack", "aws_cdk.core.Stack", "aws_cdk.core.NestedStack"})


def cdk_ref(imports: Imports, where: Where, what: str) -> Ref | None:
    """`account` or `region` of the stack holding the code at `where`."""
    if where.cls is not None and where.has_self:
        bases = {imports.resolve(arg.value) for arg in where.cls.bases}
        if bases & _STACKS:
            return Ref(f"self.{what}")
        if bases & {"constructs.Construct"} or _takes_scope(_init_of(where.cls)):
            return _stack_of(imports, "self", what)
        return None
    for function in reversed(where.functions):
        if any(param.name.value == "scope" for param in function.params.params):
            return _stack_of(imports, "scope", what)
    return None


def _stack_of(imports: Imports, scope: str, what: str) -> Ref | None:
    stack = imports.reference(CDK_STACK)
    if stack is not None:
        return Ref(f"{stack}.of({scope}).{what}")
    if not imports.free("Stack"):
        return None  # `Stack` means something else in this file
    return Ref(f"Stack.of({scope}).{what}", (("aws_cdk", "Stack"),))


# --- CDKTF ---------------------------------------------------------------------------------


def cdktf_ref(context: object, imports: Imports, where: Where, source: DataSource) -> Ref | None:
    """The data source's answer at `where`, reusing one the class has or planning to add one."""
    if where.cls is None or where.method is None or not where.has_self:
        return None
    plan = _plan(context, where.cls, imports, source)
    if plan is None:
        return None
    in_init = where.method is plan.init
    if in_init and (where.init_index is None or where.init_index <= plan.after):
        return None  # used before the data source exists (or before the construct is initialized)
    if plan.existing is not None:
        kind, name = plan.existing
        if in_init:
            return Ref(f"{name if kind == 'local' else 'self.' + name}.{source.attribute}")
        if plan.helpers_called_early:
            return None  # a helper runs before the data source is assigned: it would not be there yet
        if kind == "attr":
            return Ref(f"self.{name}.{source.attribute}")
        if not plan.attribute_free:
            return None
        return Ref(f"self.{source.variable}.{source.attribute}",
                   injection=Injection(f"self.{source.variable} = {name}", name))
    cls_code, imports_needed = plan.class_code
    create = f'{cls_code}(self, "{plan.construct_id}")'
    if plan.as_attribute:
        if not plan.attribute_free:
            return None
        return Ref(f"self.{source.variable}.{source.attribute}", imports_needed,
                   Injection(f"self.{source.variable} = {create}", "super"))
    return Ref(f"{source.variable}.{source.attribute}", imports_needed,
               Injection(f"{source.variable} = {create}", "super"))


@dataclass
class _Plan:
    init: cst.FunctionDef
    after: int  # statements at or before this index of `__init__` cannot use the data source
    existing: tuple[str, str] | None  # ("local" | "attr", name)
    helpers_called_early: bool
    attribute_free: bool
    as_attribute: bool
    construct_id: str
    class_code: tuple[str, tuple[tuple[str, str], ...]]


_PLANS: weakref.WeakKeyDictionary[object, dict[tuple[int, str], _Plan | None]] = weakref.WeakKeyDictionary()


def _plan(context: object, cls: cst.ClassDef, imports: Imports, source: DataSource) -> _Plan | None:
    plans = _PLANS.setdefault(context, {})
    key = (id(cls), source.qualified)
    if key not in plans:
        plans[key] = _make_plan(cls, imports, source)
    return plans[key]


def _make_plan(cls: cst.ClassDef, imports: Imports, source: DataSource) -> _Plan | None:
    init = _init_of(cls)
    if init is None:
        return None
    body = list(init.body.body)
    super_index = next((i for i, s in enumerate(body) if _is_super_init(s)), None)
    if super_index is None:
        return None  # not a construct we can add a data source to
    existing = None
    after = super_index
    for index, statement in enumerate(body):
        target = _assigned_call_target(statement, imports, source.qualified)
        if target is not None:
            existing, after = target, index
            break
    taken_attributes = set(_self_attributes(cls))
    local_taken = source.variable in _local_names(init)
    others = [m for m in cls.body.body if isinstance(m, cst.FunctionDef) and m is not init]
    needed_in_helpers = any(source.wanted.search(code(m)) for m in others)
    class_code = imports.reference(source.qualified)
    module, _, name = source.qualified.rpartition(".")
    needed: tuple[tuple[str, str], ...] = ()
    if class_code is None:
        if not imports.free(name):
            return None
        class_code, needed = name, ((module, name),)
    ids = set(_construct_ids(cls))
    construct_id = next((c for c in (source.construct_id, source.variable) if c not in ids), None)
    if construct_id is None:
        return None
    return _Plan(
        init=init,
        after=after,
        existing=existing,
        helpers_called_early=_calls_self_methods(body[:after + 1]),
        attribute_free=source.variable not in taken_attributes,
        as_attribute=needed_in_helpers or local_taken,
        construct_id=construct_id,
        class_code=(class_code, needed),
    )


def region_of_provider(imports: Imports, module: cst.Module, where: Where,
                       arn_region: str) -> tuple[str | None, bool] | None:
    """How to refer to the region of the file's only AWS provider at `where`, for an ARN that
    hard-codes `arn_region`: (variable code or None for a `DataAwsRegion`, safe). None: leave the
    region alone (several providers, an aliased one, or a provider in another region)."""
    providers = _providers(module, imports)
    if len(providers) > 1 or (providers and keyword(providers[0], "alias") is not None):
        return None
    if not providers:
        return None, False
    region = keyword(providers[0], "region")
    if region is None:
        return None, False
    value = region.value
    if isinstance(value, cst.SimpleString):
        return (None, True) if value.evaluated_value == arn_region else None
    if isinstance(value, cst.Name) and where.method is not None and where.init_index is not None:
        body = list(where.method.body.body)
        holder = next((i for i, s in enumerate(body) if any(c is providers[0] for c in _calls(s))), None)
        if holder is not None and holder < where.init_index:
            return value.value, True
    return None, True


def _providers(module: cst.Module, imports: Imports) -> list[cst.Call]:
    return [c for c in _calls(module) if imports.resolve(c.func) == f"{_PROVIDER}.provider.AwsProvider"]


# --- boto3 ---------------------------------------------------------------------------------


def boto3_account(context: object, imports: Imports, where: Where) -> Ref | None:
    """`self.account_id`, set from STS at the end of `__init__`, for code in another method."""
    if imports.bound.get("boto3") != "boto3" or where.cls is None or not where.has_self:
        return None
    init = _init_of(where.cls)
    if init is None or where.method is init:
        return None
    attributes = _self_attribute_values(init)
    if "account_id" in attributes:
        return Ref("self.account_id")
    if "account_id" in set(_self_attributes(where.cls)):
        return None
    session = next((name for name, value in attributes.items()
                    if isinstance(value, cst.Call) and dotted(value.func) in ("boto3.Session", "boto3.session.Session")),
                   None)
    client = f'self.{session}.client("sts")' if session else 'boto3.client("sts")'
    return Ref("self.account_id", injection=Injection(f'self.account_id = {client}.get_caller_identity()["Account"]',
                                                      "end"), safe=False)


# --- applying an injection -----------------------------------------------------------------


def inject(cls: cst.ClassDef, injection: Injection) -> cst.ClassDef:
    """`cls` with the injection's statement in `__init__` (once, however often it is asked for)."""
    members = list(cls.body.body)
    for position, member in enumerate(members):
        if isinstance(member, cst.FunctionDef) and member.name.value == "__init__":
            break
    else:
        return cls
    body = list(member.body.body)
    if any(code(s).strip() == injection.statement for s in body):
        return cls
    if injection.anchor == "super":
        index = next((i for i, s in enumerate(body) if _is_super_init(s)), None)
    elif injection.anchor == "end":
        index = len(body) - 1
        if isinstance(body[-1], cst.SimpleStatementLine) and isinstance(body[-1].body[0], cst.Return):
            index -= 1
    else:
        index = next((i for i, s in enumerate(body) if injection.anchor in _assigned_names(s)), None)
    if index is None:
        return cls
    body.insert(index + 1, cst.parse_statement(injection.statement + "\n"))
    members[position] = member.with_changes(body=member.body.with_changes(body=body))
    return cls.with_changes(body=cls.body.with_changes(body=members))


# --- helpers -------------------------------------------------------------------------------


def _index(body: object, statement: cst.CSTNode) -> int | None:
    for index, item in enumerate(body):  # type: ignore[arg-type]
        if item is statement:
            return index
    return None


def _init_of(cls: cst.ClassDef) -> cst.FunctionDef | None:
    return next((m for m in cls.body.body if isinstance(m, cst.FunctionDef) and m.name.value == "__init__"), None)


def _takes_scope(init: cst.FunctionDef | None) -> bool:
    return init is not None and len(init.params.params) > 1 and init.params.params[1].name.value == "scope"


def _is_super_init(statement: cst.CSTNode) -> bool:
    if not isinstance(statement, cst.SimpleStatementLine):
        return False
    small = statement.body[0]
    if not isinstance(small, cst.Expr) or not isinstance(small.value, cst.Call):
        return False
    func = small.value.func
    return (isinstance(func, cst.Attribute) and func.attr.value == "__init__" and isinstance(func.value, cst.Call)
            and dotted(func.value.func) == "super")


def _assigned_call_target(statement: cst.CSTNode, imports: Imports, qualified: str) -> tuple[str, str] | None:
    if not isinstance(statement, cst.SimpleStatementLine) or not isinstance(statement.body[0], cst.Assign):
        return None
    assign = statement.body[0]
    if len(assign.targets) != 1 or not isinstance(assign.value, cst.Call):
        return None
    if imports.resolve(assign.value.func) != qualified:
        return None
    target = assign.targets[0].target
    if isinstance(target, cst.Name):
        return "local", target.value
    name = dotted(target)
    if name is not None and name.startswith("self.") and name.count(".") == 1:
        return "attr", name[5:]
    return None


def _assigned_names(statement: cst.CSTNode) -> set[str]:
    if not isinstance(statement, cst.SimpleStatementLine):
        return set()
    return {t.target.value for s in statement.body if isinstance(s, cst.Assign)
            for t in s.targets if isinstance(t.target, cst.Name)}


# Recent walks: a plan walks its class several times, and IAC201 asks about the module per ARN.
_WALKS: dict[int, tuple[cst.CSTNode, list[cst.CSTNode]]] = {}


def walk(node: cst.CSTNode) -> list[cst.CSTNode]:
    """`node` and everything under it, in source order. Reads the dataclass fields directly: a
    libcst visit (and `.children`, which is one) rebuilds every node it passes, many times slower."""
    cached = _WALKS.get(id(node))
    if cached is not None and cached[0] is node:
        return cached[1]
    found = _walk(node)
    if len(_WALKS) >= 8:
        _WALKS.clear()
    _WALKS[id(node)] = (node, found)
    return found


def _walk(node: cst.CSTNode) -> list[cst.CSTNode]:
    found: list[cst.CSTNode] = []
    stack: list[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        found.append(current)
        below: list[cst.CSTNode] = []
        for name in _fields(type(current)):
            value = getattr(current, name)
            kind = _KINDS.get(value.__class__) or _kind(value.__class__)
            if kind is _NODE:
                below.append(value)
            elif kind is _MANY:
                below.extend(v for v in value if (_KINDS.get(v.__class__) or _kind(v.__class__)) is _NODE)
        stack.extend(reversed(below))
    return found


# `isinstance(value, cst.CSTNode)` is an ABC check, slow in a loop over every field of every node:
# the answer is kept per type.
_NODE, _MANY, _OTHER = "node", "many", "other"
_KINDS: dict[type, str] = {}


def _kind(kind: type) -> str:
    _KINDS[kind] = _NODE if issubclass(kind, cst.CSTNode) else _MANY if issubclass(kind, (list, tuple)) else _OTHER
    return _KINDS[kind]


_FIELDS: dict[type, tuple[str, ...]] = {}


def _fields(kind: type) -> tuple[str, ...]:
    if kind not in _FIELDS:
        _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(kind))
    return _FIELDS[kind]


def _calls(node: cst.CSTNode) -> Iterator[cst.Call]:
    return (n for n in walk(node) if isinstance(n, cst.Call))


def _self_attributes(cls: cst.ClassDef) -> Iterator[str]:
    for node in walk(cls):
        if isinstance(node, (cst.AssignTarget, cst.AnnAssign)):
            name = dotted(node.target)
            if name is not None and name.startswith("self.") and name.count(".") == 1:
                yield name[5:]


def _self_attribute_values(init: cst.FunctionDef) -> dict[str, cst.BaseExpression]:
    found = {}
    for node in walk(init):
        if isinstance(node, cst.Assign):
            for target in node.targets:
                name = dotted(target.target)
                if name is not None and name.startswith("self.") and name.count(".") == 1:
                    found[name[5:]] = node.value
    return found


def _local_names(function: cst.FunctionDef) -> set[str]:
    names = {p.name.value for p in function.params.params}
    for node in walk(function):
        if isinstance(node, cst.AssignTarget) and isinstance(node.target, cst.Name):
            names.add(node.target.value)
    return names


def _construct_ids(cls: cst.ClassDef) -> Iterator[str]:
    for call in _calls(cls):
        plain = [a for a in call.args if a.keyword is None and not a.star]
        if len(plain) >= 2 and isinstance(plain[1].value, cst.SimpleString):
            yield str(plain[1].value.evaluated_value)


def _calls_self_methods(statements: list[cst.BaseStatement]) -> bool:
    for statement in statements:
        if _is_super_init(statement):
            continue
        for call in _calls(statement):
            name = dotted(call.func)
            if name is not None and name.startswith("self.") and name.count(".") == 1:
                return True
    return False
