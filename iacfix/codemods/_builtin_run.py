"""IAC302's view of a whole run: which renames are safe and which keyword call sites follow them.

Every file contributes `FileFacts` (its definitions with their planned renames, and its keyword
calls that use a built-in name), read from the `ast` tree unless it has something to rename. From all of them `Run` decides, the same way in every file:
- how safe each rename is, lowering the definition's own verdict when a keyword call in the run
  may reach it but cannot be updated with it;
- for each keyword call site, the new keyword, when every definition it may reach is renamed alike.
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import libcst as cst

from iacfix.codemods._callables import Callee, file_matches
from iacfix.codemods._rule import FixSafety

_RANK = {FixSafety.NONE: 0, FixSafety.UNSAFE: 1, FixSafety.SAFE: 2}
_MAX_INHERITANCE = 5


@dataclass(frozen=True, eq=False)
class Param:
    """A built-in-named parameter (or local) of one definition, and its planned rename."""

    old: str
    new: str | None  # None: cannot be renamed (reported only)
    keyword: bool  # callers can pass it by keyword
    safety: FixSafety  # judged from the definition alone
    reason: str
    suppressed: bool  # a comment silences IAC302 or redefined-builtin there
    local: bool = False


@dataclass(frozen=True, eq=False)
class Def:
    """A callable as callers name it: the class for `__init__`, else the function's name."""

    key: str
    label: str
    params: tuple[Param, ...]
    # A class without its own `__init__`: the base it inherits one from.
    inherits: Callee | None = None


@dataclass(frozen=True, eq=False)
class Call:
    callee: Callee
    keywords: tuple[str, ...]
    unpacked: tuple[str, ...]  # passed as `**{"id": ...}`: cannot be renamed
    suppressed: bool


class FileFacts:
    """One file's definitions and keyword calls: plain data, kept in the cache between runs.

    The file's own fix pass also finds here, when the collect phase parsed the file with libcst
    (it has definitions to rename), the tree and the planned renames; they are not pickled.
    """

    def __init__(self, path: str, name: str, text: str, defs: tuple[Def, ...], calls: tuple[Call, ...]) -> None:
        self.path = path
        self.name = name  # the name the file goes by in its project (a Markdown block's file name)
        self.defs = defs
        self.calls = calls
        # Whether some definition has a parameter or local to rename (or to report).
        self.has_plans = any(definition.params for definition in defs)
        # For the file's own fix pass only: the module these facts describe, and what to rewrite.
        self.module: cst.Module | None = None
        self.plans: dict[cst.FunctionDef, list[Any]] = {}
        self.resolver: Any = None
        # The text these facts come from: what the cached fixes of the other files depend on, and
        # how the file's own fix pass tells they describe its text.
        self.digest = text_digest(text)

    def __repr__(self) -> str:
        # Stable across processes: it is part of every cached fix's key (`Project.fingerprint`);
        # the default repr holds the object's address, so no cached fix was ever found again.
        return f"FileFacts({self.path!r}, {self.name!r}, sha256={self.digest})"

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "module": None, "plans": {}, "resolver": None}

    def same_file(self, other: FileFacts) -> bool:
        return self.path == other.path and self.name == other.name

    def release(self) -> None:
        """Drop the tree once the file's fix pass has taken it (another pass recomputes it)."""
        self.module = None
        self.plans = {}
        self.resolver = None


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class Run:
    def __init__(self, files: Sequence[FileFacts], unsafe_fixes: bool) -> None:
        self.unsafe_fixes = unsafe_fixes
        self.by_key: dict[str, list[tuple[FileFacts, Def]]] = defaultdict(list)
        by_keyword: dict[str, list[Param]] = defaultdict(list)
        for facts in files:
            for definition in facts.defs:
                self.by_key[definition.key].append((facts, definition))
                for param in definition.params:
                    if param.keyword and param.new is not None:
                        by_keyword[param.old].append(param)
        self.limits: dict[Param, tuple[FixSafety, str]] = {}
        # Keywords that name a parameter some definition of the run renames: a call passing none
        # of them can neither be updated nor lower a rename's safety.
        self.renamed = renamed = frozenset(by_keyword)
        for facts in files:
            for call in facts.calls:
                if renamed.intersection(call.keywords) or renamed.intersection(call.unpacked):
                    self._judge(facts, call, by_keyword)

    def safety(self, definition: Def, param: Param) -> tuple[FixSafety, str]:
        own = (param.safety, param.reason)
        limit = self.limits.get(param)
        return limit if limit is not None and _RANK[limit[0]] < _RANK[own[0]] else own

    def applied(self, definition: Def, param: Param) -> bool:
        safety = self.safety(definition, param)[0]
        return (param.new is not None and not param.suppressed
                and (safety is FixSafety.SAFE or (safety is FixSafety.UNSAFE and self.unsafe_fixes)))

    def call_verdict(self, facts: FileFacts, callee: Callee, keyword: str) -> tuple[str | None, FixSafety, str] | None:
        """None: leave the keyword alone. Else (new keyword or None if it cannot follow, safety, why)."""
        outcomes = self._outcomes(facts, callee, keyword, 0)
        renamed = [(d, p) for kind, d, p in outcomes or () if kind == "rename"]
        if not renamed:
            return None
        assert outcomes is not None
        applied = [self.applied(d, p) for d, p in renamed]
        if not any(applied):
            return None  # nothing it may reach is renamed
        if not _consistent(outcomes):
            return None, FixSafety.NONE, "definitions of that name in this run disagree"
        if not all(applied):
            return None, FixSafety.NONE, "only some definitions it may reach are renamed"
        worst = min((self.safety(d, p)[0] for d, p in renamed), key=_RANK.__getitem__)
        return renamed[0][1].new, worst, ""

    def _judge(self, facts: FileFacts, call: Call, by_keyword: dict[str, list[Param]]) -> None:
        where = os.path.basename(facts.name)
        label = call.callee.label or call.callee.key
        for keyword in (*call.keywords, *call.unpacked):
            outcomes = self._outcomes(facts, call.callee, keyword, 0)
            if outcomes is None:
                for param in by_keyword.get(keyword, ()):
                    self._limit(param, FixSafety.UNSAFE, f"unsafe: `{label}(..., {keyword}=...)` in {where} "
                                                         "may reach it and cannot be updated")
                continue
            renamed = [(d, p) for kind, d, p in outcomes if kind == "rename"]
            if keyword in call.unpacked or not _consistent(outcomes):
                for _, param in renamed:
                    self._limit(param, FixSafety.UNSAFE, f"unsafe: the call `{label}(..., {keyword}=...)` in "
                                                         f"{where} cannot be updated with it")
            elif call.suppressed:
                for _, param in renamed:
                    self._limit(param, FixSafety.NONE, f"its keyword call site `{label}(...)` in {where} is suppressed")

    def _limit(self, param: Param, safety: FixSafety, reason: str) -> None:
        current = self.limits.get(param)
        if current is None or _RANK[safety] < _RANK[current[0]]:
            self.limits[param] = (safety, reason)

    def _outcomes(self, facts: FileFacts, callee: Callee, keyword: str,
                  depth: int) -> list[tuple[str, Def, Any]] | None:
        """What each definition the call may reach does with `keyword`; None if it cannot be told."""
        if callee.key is None:
            return None
        candidates = self.by_key.get(callee.key, [])
        if callee.here:
            candidates = [(f, d) for f, d in candidates if f is facts]
        elif callee.modules:
            candidates = [(f, d) for f, d in candidates if file_matches(f.name, callee.modules)]
        found: list[tuple[str, Def, Any]] = []
        for owner, definition in candidates:
            if definition.inherits is not None:
                inherited = self._outcomes(owner, definition.inherits, keyword, depth + 1) \
                    if depth < _MAX_INHERITANCE else None
                found.extend(inherited if inherited is not None else [("absent", definition, None)])
                continue
            param = next((p for p in definition.params if p.old == keyword and p.keyword), None)
            kind = "absent" if param is None else "keep" if param.new is None else "rename"
            found.append((kind, definition, param))
        return found


def _consistent(outcomes: list[tuple[str, Def, Any]]) -> bool:
    return all(kind == "rename" for kind, _, _ in outcomes) and len({p.new for _, _, p in outcomes}) == 1
