"""Parse each file once, run the selected rules in one traversal, verify the result.

The engine never prints, exits or writes: it returns a `FileResult` per file (or Markdown
answer) and leaves output to the caller.

Per file:
1. Decode (PEP 263 / BOM aware). A cheap text pre-check asks each rule whether it can fire;
   a file no rule wants is only syntax-checked with `ast` and never reaches libcst.
2. Parse once with libcst; compute metadata only when an active rule declares a dependency,
   positions only when there are findings or suppression comments.
3. Run every active rule in one `BatchTransformer` pass.
4. Parse the output again. Output that does not parse is refused: the rules are re-run one by
   one to name the culprit, whose change is dropped. A pass that changed something is followed
   by another (at most `MAX_PASSES`), so fixing the output again changes nothing.
"""

from __future__ import annotations

import ast
import codecs
import io
import os
import re
import tokenize
import warnings
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping, Sequence

import libcst as cst
from libcst.metadata import MetadataWrapper

from iacfix.codemods import ALL_RULES
from iacfix.codemods._batch import BatchTransformer, RuleCrash
from iacfix.codemods._context import FileContext, Project, find_suppressions
from iacfix._results import FileError, FileResult, Finding, FixSafety
from iacfix.codemods import _prescan
from iacfix.codemods._nesting import TOO_DEEP, Preflight, preflight
from iacfix.codemods._positions import FastPositionProvider, Positions
from iacfix.codemods._traverse import distinct
from iacfix.codemods._rule import PendingFinding, Rule, TextRule
from iacfix.codemods._units import Document, PythonFile, RequirementsFile, Split, Unit, document_for
from iacfix.codemods.unused_suppression import UnusedSuppression
from iacfix.settings import Settings

MAX_PASSES = 3

if TYPE_CHECKING:
    from iacfix._cache import Cache
    from iacfix.config import Resolver


def select_rules(settings: Settings) -> tuple[type[Rule], ...]:
    return tuple(rule for rule in ALL_RULES if settings.selects(rule.CODE, rule.NAME))


class DecodeError(ValueError):
    """Source bytes that are not text in their declared encoding; `line`/`column` when known."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding of Python source bytes (PEP 263, BOM); raises `DecodeError`."""
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Python reads source only in ASCII-compatible encodings; say so rather than "binary".
        raise DecodeError("cannot decode: UTF-16/UTF-32 source (Python needs UTF-8 or a PEP 263 encoding)", 1, 1)
    if b"\0" in data:
        raise DecodeError("binary file (contains NUL bytes)")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        if "encoding problem" in str(error) or "unknown encoding" in str(error):
            raise DecodeError(f"cannot decode: {error}", 1, 1) from None
        encoding = "utf-8"  # undecodable first lines: let the decode below say where
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise DecodeError(f"cannot decode as {encoding}: byte 0x{data[error.start]:02x} ({error.reason})",
                          line, column) from None
    except LookupError as error:
        raise DecodeError(f"cannot decode: {error}", 1, 1) from None
    if encoding == "utf-8-sig" and text.startswith(codecs.BOM_UTF8.decode("utf-8")):
        text = text[1:]
    return text, encoding


def fix_source(
    data: bytes | str,
    path: str = "<stdin>",
    settings: Settings | None = None,
    *,
    rules: Sequence[type[Rule]] | None = None,
    project: Project | None = None,
    virtual_name: str | None = None,
    module: cst.Module | None = None,
) -> FileResult:
    """Fix one source text. `rules` defaults to those the settings select."""
    settings = settings or Settings()
    rules = [rule for rule in (select_rules(settings) if rules is None else rules) if rule.UNIT_KIND == "python"]
    old = data.encode("utf-8") if isinstance(data, str) else data
    try:
        text, encoding = decode(old)
    except DecodeError as error:
        return FileResult(path, old, old, error=FileError(str(error), error.line, error.column))
    crashed = list(project.crashed.items()) if project is not None else []
    if crashed:
        rules = [rule for rule in rules if rule.CODE not in project.crashed]  # type: ignore[union-attr]
    fixer = _Fixer(path, old, text, encoding, settings, rules, project, virtual_name)
    try:
        result = fixer.run(module)
    except RecursionError:
        # The preflight keeps deep files from libcst; this catches what it could not foresee
        # (a rule's own recursion, code generation, position metadata) in any stage.
        result = fixer.refuse(Preflight(False, TOO_DEEP))
    # The file a rule's collect phase crashed on carries the message, once for the run.
    own = [message for _, (where, name, message) in crashed if (where, name) == (path, virtual_name or path)]
    return replace(result, internal_errors=(*result.internal_errors, *own)) if own else result


def fix_text_source(
    data: bytes | str,
    path: str,
    kind: str,
    settings: Settings | None = None,
    *,
    rules: Sequence[type[Rule] | type[TextRule]] | None = None,
) -> FileResult:
    """Fix one non-Python unit (e.g. requirements.txt content) with the text rules of its kind."""
    settings = settings or Settings()
    chosen = [rule for rule in (select_rules(settings) if rules is None else rules) if rule.UNIT_KIND == kind]
    old = data.encode("utf-8") if isinstance(data, str) else data
    try:
        text = old.decode("utf-8-sig" if old.startswith(codecs.BOM_UTF8) else "utf-8")
    except UnicodeDecodeError as error:
        return FileResult(path, old, old, error=FileError(f"cannot decode as utf-8: {error.reason}"))
    findings: list[Finding] = []
    internal: list[str] = []
    new_text = text
    for rule in chosen:
        context = FileContext(path, new_text, settings)
        if not rule.wants(new_text, context):  # type: ignore[arg-type]
            continue
        try:
            fixed_text = rule(context).fix(new_text)  # type: ignore[call-arg, union-attr]
        except Exception as error:  # the engine boundary: one rule's bug must not sink the file
            internal.append(f"internal error in {rule.CODE} ({type(error).__name__}: {error})")
            continue
        new_text = fixed_text
        findings.extend(Finding(path, item.line or 1, (item.column or 0) + 1, rule.CODE, rule.NAME, rule.SEVERITY,
                                item.message, item.fix_safety, item.fixed) for item in context.pending)
    new = old if new_text == text else (codecs.BOM_UTF8 if old.startswith(codecs.BOM_UTF8) else b"") + \
        new_text.encode("utf-8")
    return FileResult(path, old, new, tuple(sorted(findings)), None, tuple(internal))


def collect_project(
    units: Iterable[Unit], settings: Settings, cache: Cache | None = None, jobs: int = 1
) -> tuple[Project, dict[tuple[str, int], cst.Module]]:
    """Run the `collect` hooks of rules that look across files; returns the facts and the
    modules parsed for it (by unit path and index), so the fix phase does not parse them again.

    With `jobs` > 1 and enough units, worker processes collect the facts (which must then be
    picklable, as cached facts are) and no tree is kept: the fix phase, in workers too, parses
    each file again, which costs less than collecting in one process while the others wait.
    """
    rules = [rule for rule in select_rules(settings) if rule.COLLECTS]
    units = list(units)
    project = Project()
    project.paths = tuple(unit.name for unit in units)
    parsed: dict[tuple[str, int], cst.Module] = {}
    if not rules:
        return project, parsed
    # Without a tree to keep, facts are looked up in the cache before anything is decoded.
    keys = [cache.key("collect", unit.name, unit.data) if cache is not None else "" for unit in units]
    found: list[list[tuple[str, object]] | None] = [None] * len(units)
    pending = list(range(len(units)))
    if jobs > 1 and len(units) >= 2 * _MIN_PER_JOB and all(rule.FACTS_CACHEABLE for rule in rules):
        pending = _collect_in_workers(units, keys, found, settings, cache, jobs)
    by_code = {rule.CODE: rule for rule in rules}
    kept = 0  # source bytes of the trees in `parsed`
    for index in pending:
        facts, cacheable, module = _collect_unit(units[index], rules, settings, cache, keys[index])
        found[index] = facts
        if module is not None and kept + len(units[index].data) <= _TREE_BUDGET:
            kept += len(units[index].data)
            parsed[(units[index].path, units[index].index)] = module
        elif module is not None:
            for code, fact in facts or ():
                by_code[code].release(fact)
        if cache is not None and cacheable and facts is not None:
            cache.put(keys[index], facts)
    for unit, facts in zip(units, found):
        for code, fact in facts or ():
            if isinstance(fact, CollectCrash):
                project.crashed.setdefault(code, (unit.path, unit.name, fact.message))
            elif fact is not None:
                project.facts[code].append(fact)
    for code in project.crashed:
        project.facts.pop(code, None)
    return project, parsed


def _collect_in_workers(units: list[Unit], keys: list[str], found: list[list[tuple[str, object]] | None],
                        settings: Settings, cache: Cache | None, jobs: int) -> list[int]:
    """Fill `found` from the cache and from worker processes; returns the indexes of the units
    left to collect here (all those not cached, when the pool does not pay or cannot fork)."""
    if cache is not None:
        # Whether a unit has facts to cache is known only after decoding it, in a worker: a miss
        # is counted when a worker collects it, as the serial path counts it.
        found[:] = [cache.get(key, count_miss=False) for key in keys]
    pending = [index for index, facts in enumerate(found) if facts is None]
    remote = _in_pool(jobs, len(pending), _worker_collect_init, (settings,), _worker_collect,
                      [[units[index] for index in pending[i:i + _CHUNK]] for i in range(0, len(pending), _CHUNK)])
    if remote is None:
        return pending
    for index, (facts, cacheable) in zip(pending, remote):
        found[index] = facts
        if cache is not None and cacheable and facts is not None:
            cache.misses += 1
            cache.put(keys[index], facts)
    return []


# A tree takes about 25 times its source in memory; the collect phase keeps trees for the fix
# phase up to this much source (about 25 MB of trees) and lets the fix phase parse the rest again,
# so a run over thousands of files does not hold all their trees at once.
_TREE_BUDGET = 1 << 20


def _collect_unit(unit: Unit, rules: list[type[Rule]], settings: Settings, cache: Cache | None = None,
                  key: str = "") -> tuple[list[tuple[str, object]] | None, bool, cst.Module | None]:
    """One unit's facts (None: no rule collects it, or the fix phase will refuse it), whether they
    may be cached, and the tree parsed for them."""
    try:
        text, _ = decode(unit.data)
    except DecodeError:
        return None, False, None
    context = FileContext(unit.path, text, settings, Project(), virtual_name=unit.name)
    wanting = [rule for rule in rules if rule.collects(text, context)]
    if not wanting:
        return None, False, None
    cacheable = all(rule.FACTS_CACHEABLE for rule in wanting)
    if cache is not None and cacheable and (facts := cache.get(key)) is not None:
        return facts, False, None
    if preflight(text).problem:
        return None, False, None  # the fix phase reports why
    module = None
    try:
        # Parsed only for a rule that needs the tree; the fix phase reuses it.
        if any(rule.collect_needs_module(text, context) for rule in wanting):
            module = cst.parse_module(unit.data)
        facts = [(rule.CODE, _collect(rule, module, context)) for rule in wanting]
    except (cst.ParserSyntaxError, RecursionError):
        return None, False, None
    if any(isinstance(fact, CollectCrash) for _, fact in facts):
        cacheable = False
    return facts, cacheable, module


@dataclass(frozen=True)
class CollectCrash:
    """What a rule's `collect` raised on one unit (picklable: it may come from a worker)."""

    message: str


def _collect(rule: type[Rule], module: cst.Module | None, context: FileContext) -> object:
    try:
        return rule.collect(module, context)
    except (cst.ParserSyntaxError, RecursionError):
        raise
    # A rule's bug must not end the run; the fix phase turns the rule off and says why.
    except Exception as error:  # pylint: disable=broad-exception-caught
        return CollectCrash(f"internal error in {rule.CODE} while collecting facts ({type(error).__name__}: "
                            f"{error}); {rule.CODE} is off for this run")


class _Fixer:
    def __init__(
        self,
        path: str,
        old: bytes,
        text: str,
        encoding: str,
        settings: Settings,
        rules: Sequence[type[Rule]],
        project: Project | None,
        virtual_name: str | None,
    ) -> None:
        self.path = path
        self.old = old
        self.text = text
        self.encoding = encoding
        self.settings = settings
        self.rules = tuple(rules)
        self.project = project or Project()
        self.virtual_name = virtual_name
        self.internal: list[str] = []
        self.broken: set[type[Rule]] = set()

    def run(self, module: cst.Module | None) -> FileResult:
        findings: list[Finding] = []
        data, text = self.old, self.text
        original_compiles: bool | None = None
        passes = 0
        prepared: tuple[FileContext, list[type[Rule]]] | None = None  # the next pass's, judged already
        while passes < MAX_PASSES:
            passes += 1
            if prepared is not None:
                (context, active), prepared = prepared, None
            else:
                context = self._context(text)
                active = [r for r in self.rules if r not in self.broken and r.wants(text, context)]
            if not active and passes == 1:
                result = self._unparsed_check(text)
                if result.error is not None or not self._audits_ignores():
                    return result
                data, more = self._unused_ignores(context, text, data)
                return replace(result, new=data, findings=tuple(sorted(more)), internal_errors=tuple(self.internal))
            if not active:
                if passes == 1:
                    return self._unparsed_check(text)
                break
            if original_compiles is None:
                checked = preflight(text)
                if checked.problem:
                    return self.refuse(checked)
                original_compiles = checked.compiles
            if module is None:
                try:
                    module = cst.parse_module(data)
                except cst.ParserSyntaxError as error:
                    return self._syntax_error(text, error)
                except RecursionError:
                    return self.refuse(Preflight(False, TOO_DEEP))
            outcome = self._pass(module, active, context)
            if outcome is None:
                return self.refuse(Preflight(False, TOO_DEEP))
            new_module, pending = outcome
            # `Module.bytes` generates the code again: generate once, encode as `bytes` does.
            if new_module is module:  # no rule changed a node
                new_text, new_data = text, data
            else:
                new_text = new_module.code
                new_data = new_text.encode(new_module.encoding)
            if new_data == data:
                findings.extend(self._place(module, context, pending, first=passes == 1, earlier=findings))
                break
            repaired_data = None
            round_trip = self._round_trip(module, context, pending)
            if round_trip != data:
                # libcst does not give every file back byte for byte (it drops the final CR of old
                # Mac line endings, a blank line before a last line of spaces): put the original end
                # back, or refuse if the loss is anywhere else.
                repaired = _restore_tail(data, round_trip, new_data)
                if repaired is None:
                    placed = self._place(module, context, pending, first=passes == 1, earlier=findings)
                    return self._not_round_trip(findings + placed, data, round_trip)
                if repaired == data:  # nothing changed but what libcst lost: no fix to claim
                    unfixed = [item for item in pending if not item.fixed]
                    findings.extend(self._place(module, context, unfixed, first=passes == 1, earlier=findings))
                    break
                new_data, new_text = repaired, decode(repaired)[0]
                repaired_data = new_data
            if original_compiles is None:
                original_compiles = _compiles(text)
            if not _accepts(new_data, new_text, original_compiles):
                # Name the rule whose change does not parse, drop it, redo this pass without it.
                self._find_culprit(module, active, original_compiles)
                continue
            findings.extend(self._place(module, context, pending, first=passes == 1, earlier=findings))
            data, text, old_text = new_data, new_text, text
            # Each rule's fix is idempotent on its own (the fixture tests prove it), but one rule's fix
            # can give another rule work (a renamed import that no longer fits its line): another pass
            # runs when two rules fixed, or when a rule other than the one that fixed wants the new
            # text (the cheap pre-check). Auditing suppressions needs a pass over the final text.
            # A rule that already ran on this text needs another look only when it deferred a
            # candidate another rule rewrote first (`Rule.defer`), or when an edit touched what it
            # reads (`Rule.touched_by`): a rule that did not fix, when the changed lines (both
            # sides) concern it; a rule that fixed, only when another rule fixed too and the new
            # lines concern it (its own fix is idempotent: the fixture tests prove it). Over the
            # corpus, 9 of 129 second passes run as "every other wanting rule" changed anything,
            # all of them IAC303 on a line another fix lengthened.
            fixers = {item.rule for item in pending if item.fixed}
            if not self._audits_ignores():
                after = self._context(new_text)
                removed, added = _changed_lines(old_text, new_text)
                again = [rule for rule in self.rules if rule not in self.broken and rule.wants(new_text, after)
                         and (rule not in active or rule in context.deferred
                              or (rule not in fixers and rule.touched_by(removed + added, after))
                              or (len(fixers) > 1 and rule in fixers and rule.touched_by(added, after)))]
                if not again:
                    break
                prepared = (after, again)
            # The next pass reads the tree this one produced (its code is the new text), unless
            # the text was repaired or a node object sits in two places (metadata and the rules'
            # maps are keyed by node): then it parses the text again.
            module = new_module if new_data is not repaired_data and distinct(new_module) else None
        # The last pass ran on the final text unless the passes ran out while still changing it.
        if self._audits_ignores() and context.text == text:
            data, more = self._unused_ignores(context, text, data)
            findings.extend(more)
        findings.sort()
        return FileResult(self.path, self.old, data, tuple(findings), None, tuple(self.internal), self.encoding)

    def _audits_ignores(self) -> bool:
        return self.settings.report_unused_ignores and UnusedSuppression in self.rules

    def _unused_ignores(self, context: FileContext, text: str, data: bytes) -> tuple[bytes, list[Finding]]:
        """IAC300: the final pass's suppression comments that silenced nothing; removes them."""
        from iacfix.codemods.unused_suppression import audit

        if not context.suppressions.directives:
            return data, []
        judged = [rule for rule in self.rules if rule not in self.broken and rule is not UnusedSuppression]
        unused, new_text = audit(text, context.suppressions, judged, tuple(dict.fromkeys((*ALL_RULES, *self.rules))))
        new_data = new_text.encode(self.encoding)
        # Bail out (report only) if the text does not give back the same bytes, or the edit does not parse.
        if new_text != text and (text.encode(self.encoding) != data or not _accepts(new_data, new_text, False)):
            new_data, unused = data, [replace(item, fixed=False) for item in unused]
        rule = UnusedSuppression
        return new_data, [
            Finding(self.path, item.line, item.column + 1, rule.CODE, rule.NAME, rule.SEVERITY, item.message,
                    FixSafety.SAFE if item.fixed else FixSafety.NONE, item.fixed)
            for item in unused
        ]

    def _context(self, text: str) -> FileContext:
        return FileContext(self.path, text, self.settings, self.project, virtual_name=self.virtual_name,
                           suppressions=find_suppressions(text))

    def _pass(
        self, module: cst.Module, rules: list[type[Rule]], context: FileContext
    ) -> tuple[cst.Module, list[PendingFinding]] | None:
        while rules:
            context.pending = []
            context.deferred = set()
            context.statement_stack = []
            instances = [rule(context) for rule in rules]
            try:
                self._resolve_metadata(module, instances, context)
                batch = BatchTransformer(instances, context)
                new_module = batch.run(module)
            except RuleCrash as crash:
                self.broken.add(crash.rule)
                self.internal.append(f"internal error in {crash.rule.CODE} "
                                     f"({type(crash.error).__name__}: {crash.error})")
                rules = [rule for rule in rules if rule is not crash.rule]
                continue
            except RecursionError:
                return None
            assert isinstance(new_module, cst.Module)
            # libcst rebuilds every node even when no rule changed one: then the tree is the
            # one parsed, and the caller need not generate its code to compare.
            return (new_module if batch.changed else module), context.pending
        return module, []

    @staticmethod
    def _resolve_metadata(module: cst.Module, rules: list[Rule], context: FileContext) -> None:
        providers = {dep for rule in rules for dep in rule.get_inherited_dependencies()}
        if providers:
            metadata: Mapping[object, Mapping[cst.CSTNode, object]]
            if providers == {FastPositionProvider}:
                # libcst's `resolve_many` walks the whole module for its batchable providers even
                # when there are none: positions alone come from one code generation, without it.
                metadata = {FastPositionProvider: Positions(module)}
            else:
                # The module was parsed for this run only, so skipping libcst's defensive deep copy
                # is safe and keeps node identity, which position look-ups for findings rely on.
                metadata = MetadataWrapper(module, unsafe_skip_copy=True).resolve_many(providers)
            for rule in rules:
                rule.metadata = metadata  # type: ignore[misc]
            if FastPositionProvider in metadata:
                context.positions = metadata[FastPositionProvider]  # type: ignore[assignment]
        if context.suppressions and context.positions is None:
            context.positions = Positions(module)

    @staticmethod
    def _positions(module: cst.Module, context: FileContext) -> Positions:
        """Positions in `module`, computed at most once per pass (rules, findings and the round-trip
        check share them)."""
        known = context.positions
        if isinstance(known, Positions) and known.module is module:
            return known
        context.positions = Positions(module)
        return context.positions

    def _round_trip(self, module: cst.Module, context: FileContext, pending: list[PendingFinding]) -> bytes:
        """The original module's code as libcst writes it back; when findings need positions, the
        one code generation that computes them gives it too."""
        if any(item.line is None and item.node is not None for item in pending):
            return self._positions(module, context).code.encode(module.encoding)
        return module.bytes

    def _place(
        self,
        module: cst.Module,
        context: FileContext,
        pending: list[PendingFinding],
        *,
        first: bool,
        earlier: list[Finding],
    ) -> list[Finding]:
        if not pending:
            return []
        positions: Positions | None = None
        seen = {(f.code, f.message) for f in earlier if not f.fixed}
        placed = []
        for item in pending:
            if item.line is not None:
                line, column = item.line, item.column or 0
            elif item.node is None:
                line, column = 1, 0
            else:
                positions = positions or self._positions(module, context)
                where = positions.get(item.node)
                line, column = (where.start.line, where.start.column) if where else (1, 0)
            rule = item.rule
            # A later pass only adds what the first did not already say (positions there refer to
            # the intermediate text, so an unfixed finding seen before would be counted twice).
            if not first and not item.fixed and (rule.CODE, item.message) in seen:
                continue
            placed.append(Finding(self.path, line, column + 1, rule.CODE, rule.NAME, item.severity or rule.SEVERITY,
                                  item.message, item.fix_safety, item.fixed))
        return placed

    def _find_culprit(self, module: cst.Module, rules: list[type[Rule]], original_compiles: bool) -> None:
        for rule in rules:
            context = self._context(module.code)
            outcome = self._pass(module, [rule], context)
            if outcome is None or not _accepts(outcome[0].bytes, outcome[0].code, original_compiles):
                self.broken.add(rule)
                self.internal.append(f"internal error in {rule.CODE} (its rewrite does not parse; change dropped)")
        if not self.broken.intersection(rules):
            # Each rule alone is fine but together they are not: keep the file as it was.
            self.broken.update(rules)
            self.internal.append("internal error: rules " + ", ".join(r.CODE for r in rules)
                                 + " produce code that does not parse when combined; changes dropped")

    def _unparsed_check(self, text: str) -> FileResult:
        # The pre-checks' shared tree says whether the running Python parses it; only if not, ask why.
        if self.settings.check_syntax and _prescan.tree(text) is None:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    ast.parse(text)
            except SyntaxError:
                # `ast` follows the running Python's grammar; libcst has the final word.
                checked = preflight(text)
                if checked.problem:
                    return self.refuse(checked)
                try:
                    cst.parse_module(self.old)
                except cst.ParserSyntaxError as error:
                    return self._syntax_error(text, error)
                except RecursionError:
                    return self.refuse(Preflight(False, TOO_DEEP))
            except (RecursionError, MemoryError, ValueError):
                pass
        return FileResult(self.path, self.old, self.old, encoding=self.encoding)

    def _syntax_error(self, text: str, error: cst.ParserSyntaxError) -> FileResult:
        # CPython's own message and position are clearer than libcst's ("'(' was never closed");
        # use them whenever the running Python rejects the file too.
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ast.parse(text)
        except SyntaxError as python_error:
            if python_error.lineno is not None:
                return self._error(python_error.msg, python_error.lineno, python_error.offset or 1)
        except (RecursionError, MemoryError, ValueError):
            pass
        message = (error.message or "syntax error").splitlines()[0]
        message = re.sub(r"^parser error: error at \d+:\d+: ", "", message)
        return self._error(message, error.raw_line, error.raw_column + 1)

    def _not_round_trip(self, findings: list[Finding], data: bytes, round_trip: bytes) -> FileResult:
        if not any(finding.fixed for finding in findings):
            return FileResult(self.path, self.old, self.old, tuple(sorted(findings)), encoding=self.encoding)
        same = next((i for i, (a, b) in enumerate(zip(data, round_trip)) if a != b), min(len(data), len(round_trip)))
        line = len((data[:same] + b"x").splitlines())  # the line where they part
        return FileResult(self.path, self.old, self.old, error=FileError(
            "cannot fix safely: libcst would not write this line back byte for byte; left unchanged", line, 1),
            encoding=self.encoding)

    def refuse(self, checked: Preflight) -> FileResult:
        assert checked.problem is not None
        if checked.line is not None:  # CPython's own syntax error ("too many nested parentheses")
            return self._error(checked.problem, checked.line, checked.column or 1)
        return FileResult(self.path, self.old, self.old, error=FileError(checked.problem), encoding=self.encoding)

    def _error(self, message: str, line: int | None = None, column: int | None = None) -> FileResult:
        return FileResult(self.path, self.old, self.old, error=FileError("cannot parse: " + message, line, column),
                          encoding=self.encoding)


_SPACE = b" \t\f\r\n"


def _changed_lines(old: str, new: str) -> tuple[str, str]:
    """The lines from the first that differs to the last that differs: as they were, as they are."""
    before, after = old.splitlines(keepends=True), new.splitlines(keepends=True)
    start = 0
    limit = min(len(before), len(after))
    while start < limit and before[start] == after[start]:
        start += 1
    end = 0
    while end < limit - start and before[-1 - end] == after[-1 - end]:
        end += 1
    return "".join(before[start:len(before) - end]), "".join(after[start:len(after) - end])


def _restore_tail(data: bytes, round_trip: bytes, new_data: bytes) -> bytes | None:
    """`new_data` with the whitespace at the end of `data` that libcst lost on the way, or None
    when libcst lost more than that. A rule that rewrote the file's end (IAC304) decided it: kept."""
    body = data.rstrip(_SPACE)
    if round_trip.rstrip(_SPACE) != body:
        return None
    lost_tail = round_trip[len(body):]
    new_body = new_data.rstrip(_SPACE)
    if new_data[len(new_body):] != lost_tail:
        return new_data
    return new_body + data[len(body):]


def _accepts(new_data: bytes, new_text: str, original_compiles: bool) -> bool:
    """Output is accepted only if it parses: with CPython's own compiler when the input compiled
    there (stricter and far cheaper than a second libcst parse), else with libcst."""
    if original_compiles:
        return _compiles(new_text)
    try:
        cst.parse_module(new_data)
    except (cst.ParserSyntaxError, RecursionError):
        return False
    return True


def _compiles(text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, "<iacfix>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def fix_paths(
    paths: Sequence[str], settings: Settings | None = None, *, resolver: Resolver | None = None
) -> list[FileResult]:
    """Fix every file under `paths` (read from disk, nothing written), in a stable order.

    With a `resolver` (`iacfix.config`), each file gets the settings of its configuration and
    its exclude patterns apply; files under the same configuration are fixed as one project.
    """
    return list(iter_paths(paths, settings, resolver=resolver))


def iter_paths(
    paths: Sequence[str],
    settings: Settings | None = None,
    *,
    resolver: Resolver | None = None,
    cache: Cache | None = None,
    jobs: int = 1,
    on_total: Callable[[int], None] | None = None,
    on_done: Callable[[str], None] | None = None,
) -> Iterator[FileResult]:
    """`fix_paths` as a stream: results in discovery order, each as soon as it is ready.

    Project rules (IAC4xx) look at the projects of the folders given once every file is fixed,
    and may add findings or new files; when they apply, results are held back until then.
    """
    from iacfix.codemods._files import discover, read

    settings = settings or Settings()
    documents: list[tuple[str, bytes] | FileResult] = []
    for path, problem in discover(paths, skip=resolver.excluded if resolver else None):
        if problem:
            documents.append(FileResult(path, b"", b"", error=FileError(problem)))
            continue
        source = read(path)
        if source.error:
            documents.append(FileResult(path, b"", b"", error=FileError(source.error)))
        else:
            documents.append((source.path, source.data))
    if on_total:
        on_total(len(documents))
    readable = [d for d in documents if not isinstance(d, FileResult)]
    fixed = _fix_grouped(readable, settings, resolver, cache, jobs, on_done)  # type: ignore[arg-type]
    results = (document if isinstance(document, FileResult) else next(fixed) for document in documents)
    folders = [path for path in paths if os.path.isdir(path)]
    if not folders or not _selects_project_rules(settings):
        yield from results
        return
    from iacfix.codemods._project_rules import add_project_results, covers_a_project

    ordered = [document.path if isinstance(document, FileResult) else document[0] for document in documents]
    if ordered == sorted(ordered) and not covers_a_project(folders, ordered):
        # No project for the project rules to look at, and already in the order they would sort
        # the results in: stream them rather than hold every result until the end.
        yield from results
        return

    yield from sorted(add_project_results(folders, list(results), settings), key=lambda result: result.path)


def _fix_grouped(documents: list[tuple[str, bytes]], settings: Settings, resolver: Resolver | None,
                 cache: Cache | None, jobs: int, on_done: Callable[[str], None] | None) -> Iterator[FileResult]:
    """Results in the order of `documents`; with a resolver, one project per configuration."""
    if resolver is None:
        yield from iter_documents(documents, settings, cache=cache, jobs=jobs, on_done=on_done)
        return
    projects: dict[str | None, list[tuple[str, bytes]]] = {}
    for document in documents:
        projects.setdefault(resolver.project_key(document[0]), []).append(document)
    if len(projects) == 1:
        members = next(iter(projects.values()))
        yield from iter_documents(members, resolver.project_settings(members[0][0]), cache=cache, jobs=jobs,
                                  on_done=on_done, settings_for=resolver.settings_for)
        return
    done: dict[str, FileResult] = {}
    for members in projects.values():
        for result in iter_documents(members, resolver.project_settings(members[0][0]), cache=cache, jobs=jobs,
                                     on_done=on_done, settings_for=resolver.settings_for):
            done[result.path] = result
    for path, _ in documents:
        yield done[path]


def _selects_project_rules(settings: Settings) -> bool:
    from iacfix.codemods._project_rules import ProjectRule

    return any(issubclass(rule, ProjectRule) for rule in select_rules(settings))


def fix_documents(
    documents: Sequence[tuple[str, bytes]],
    settings: Settings | None = None,
    *,
    settings_for: Callable[[str], Settings] | None = None,
) -> list[FileResult]:
    """Fix documents (`.py` files, requirements files, Markdown answers) given as `(path, bytes)`.

    `settings_for(path)`, when given, is each document's own settings (per-file ignores);
    `settings` then decides only which rules collect cross-file facts.
    """
    return list(iter_documents(documents, settings, settings_for=settings_for))


def iter_documents(
    documents: Sequence[tuple[str, bytes]],
    settings: Settings | None = None,
    *,
    cache: Cache | None = None,
    jobs: int = 1,
    on_done: Callable[[str], None] | None = None,
    settings_for: Callable[[str], Settings] | None = None,
) -> Iterator[FileResult]:
    """Fix documents and yield their results in the order given.

    The files (`.py`, requirements) form one project; each Markdown answer is a project of its own
    (its blocks are the files it names).
    """
    settings = settings or Settings()
    files = [(path, data) for path, data in documents if not _is_answer(path)]
    stream = _fix_project(files, settings, cache, jobs, settings_for)
    for path, data in documents:
        if _is_answer(path):
            result = next(_fix_project([(path, data)], settings, cache, 1, settings_for))
        else:
            result = next(stream)
        if on_done:
            on_done(path)
        yield result


def _is_answer(path: str) -> bool:
    return not isinstance(document_for(path), (PythonFile, RequirementsFile))


def _fix_project(
    documents: Sequence[tuple[str, bytes]],
    settings: Settings,
    cache: Cache | None,
    jobs: int,
    settings_for: Callable[[str], Settings] | None = None,
) -> Iterator[FileResult]:
    """Fix one project's documents and yield their results in order.

    Rules that look across files (`COLLECTS`) first see every unit of the project; then each
    document is fixed with its own settings. Units parsed for that first look are fixed here,
    reusing their tree; the others go to `jobs` worker processes when there are enough of them to
    pay for the pool. Cached results are served without parsing anything.
    """
    own = [settings_for(path) if settings_for else settings for path, _ in documents]
    splits_done = []
    for path, data in documents:
        document = document_for(path)
        splits_done.append((path, data, document, document.split(path, data)))
    python_units = [unit for *_, split in splits_done for unit in split.units if unit.kind == "python"]
    project, parsed = collect_project(python_units, settings, cache, jobs)
    facts = project.fingerprint()
    keys = [cache.key("fix", facts, repr(own[i]) if settings_for else "", path, data) if cache else ""
            for i, (path, data, *_) in enumerate(splits_done)]
    cached = [cache.get(key) if cache else None for key in keys]
    local = [any((u.path, u.index) in parsed for u in split.units) for *_, split in splits_done]
    remote = [i for i, hit in enumerate(cached) if hit is None and not local[i]]
    pool_results = _in_workers([documents[i] for i in remote], settings, project, jobs, settings_for)
    for index, (path, data, document, split) in enumerate(splits_done):
        if cached[index] is not None:
            yield _from_cache(path, data, cached[index])
            continue
        if index in remote and pool_results is not None:
            result = next(pool_results)
        else:
            result = _fix_split(path, data, document, split, own[index], project, parsed)
        if cache and not result.internal_errors:
            cache.put(keys[index], _to_cache(result))
        yield result


def _fix_split(path: str, data: bytes, document: Document, split: Split, settings: Settings, project: Project,
               parsed: dict[tuple[str, int], cst.Module]) -> FileResult:
    rules = select_rules(settings)
    fixed = [
        fix_source(unit.data, unit.path, settings, rules=rules, project=project, virtual_name=unit.name,
                   module=parsed.pop((unit.path, unit.index), None))
        if unit.kind == "python" else fix_text_source(unit.data, unit.path, unit.kind, settings, rules=rules)
        for unit in split.units
    ]
    return _join(path, data, document, split, fixed)


# --- worker processes ------------------------------------------------------------------------

_WORKER: dict[str, object] = {}
_CHUNK = 4  # documents per task: small enough to balance, large enough to amortize pickling
_MIN_PER_JOB = 8  # fewer documents than this per process: the pool costs more than it saves


def _in_workers(documents: list[tuple[str, bytes]], settings: Settings, project: Project, jobs: int,
                settings_for: Callable[[str], Settings] | None) -> Iterator[FileResult] | None:
    chunks = [documents[i:i + _CHUNK] for i in range(0, len(documents), _CHUNK)]
    return _in_pool(jobs, len(documents), _worker_init, (settings, project, settings_for), _worker_fix, chunks)


def _in_pool(jobs: int, count: int, initializer: Callable[..., None], initargs: tuple[object, ...],
             task: Callable[[list], list], chunks: list[list]) -> Iterator | None:
    """`task` over `chunks` in `jobs` worker processes, the results flattened in order; None when
    `count` items do not pay for a pool or the process cannot fork safely."""
    jobs = min(jobs, count // _MIN_PER_JOB)
    if jobs < 2:
        return None
    import multiprocessing
    import threading

    if threading.active_count() > 1:
        # Forking a process with other threads (a language server, a test harness) can leave a worker
        # stuck on a lock some thread held at the fork: such a process fixes its files itself.
        return None
    import functools
    import time

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    stop = context.Event()
    pool = context.Pool(jobs, initializer=_worker_start, initargs=(stop, initializer, *initargs))

    def stream() -> Iterator:
        finished = False
        try:
            for results in pool.imap(functools.partial(_worker_task, task), chunks):
                yield from results
            finished = True
        finally:
            if not finished:
                # Stopped early. Killing a worker while it sends a result leaves the result
                # queue's lock held, and `terminate` then waits forever for the pool's task thread
                # (a CPython limitation): let the workers skip what is queued and end by
                # themselves first; only one still busy after the grace time is killed.
                stop.set()
                pool.close()
                deadline = time.monotonic() + _STOP_GRACE
                for process in pool._pool:  # pylint: disable=protected-access
                    process.join(max(0.0, deadline - time.monotonic()))
            pool.terminate()

    return stream()


_STOP_GRACE = 10.0  # seconds the workers get to finish their current chunk when a run stops early


def _worker_start(stop: Any, initializer: Callable[..., None], *initargs: object) -> None:
    _WORKER["stop"] = stop
    initializer(*initargs)


def _worker_task(task: Callable[[list], list], chunk: list) -> list:
    stop = _WORKER.get("stop")
    if stop is not None and stop.is_set():  # type: ignore[attr-defined]
        return []  # the run stopped early: what is still queued is not wanted
    return task(chunk)


def _worker_signals() -> None:
    import signal

    # The parent handles Ctrl-C; workers only compute (they never write files), so the pool's
    # SIGTERM must kill them outright: the CLI's handler (SIGTERM -> SystemExit), inherited by the
    # fork, would make a worker run its exit hooks and hang there on a queue lock, and the parent
    # with it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _worker_collect_init(settings: Settings) -> None:
    _worker_signals()
    _WORKER.update(settings=settings, rules=[rule for rule in select_rules(settings) if rule.COLLECTS])


def _worker_collect(chunk: list[Unit]) -> list[tuple[list[tuple[str, object]] | None, bool]]:
    settings, rules = _WORKER["settings"], _WORKER["rules"]
    return [_collect_unit(unit, rules, settings)[:2] for unit in chunk]  # type: ignore[arg-type]


def _worker_init(settings: Settings, project: Project, settings_for: Callable[[str], Settings] | None) -> None:
    _worker_signals()
    _WORKER.update(settings=settings, project=project, settings_for=settings_for)


def _worker_fix(chunk: list[tuple[str, bytes]]) -> list[FileResult]:
    project, settings_for = _WORKER["project"], _WORKER["settings_for"]
    results = []
    for path, data in chunk:
        document = document_for(path)
        own = settings_for(path) if settings_for else _WORKER["settings"]  # type: ignore[operator]
        results.append(_fix_split(path, data, document, document.split(path, data), own,  # type: ignore[arg-type]
                                  project, {}))  # type: ignore[arg-type]
    return results


def _to_cache(result: FileResult) -> tuple[object, ...]:
    return (result.new if result.changed else None, result.findings, result.error, result.encoding, result.notes)


def _from_cache(path: str, data: bytes, entry: tuple[object, ...]) -> FileResult:
    new, findings, error, encoding, notes = entry
    return FileResult(path, data, data if new is None else new, findings, error, (), encoding, notes)  # type: ignore[arg-type]


def _join(path: str, data: bytes, document: Document, split: Split, fixed: list[FileResult]) -> FileResult:
    if isinstance(document, (PythonFile, RequirementsFile)):
        return fixed[0]
    findings: list[Finding] = []
    internal: list[str] = []
    notes = list(split.notes)
    for unit, result in zip(split.units, fixed):
        shift = unit.line_offset
        findings.extend(replace(f, line=f.line + shift) for f in result.findings)
        internal.extend(result.internal_errors)
        if result.error is not None:
            line = (result.error.line or 1) + shift
            notes.append(f"{path}:{line}: note: block `{unit.name}` left as it is: {result.error.message}")
    new = document.join(path, data, [r.new if r.error is None else r.old for r in fixed])
    if new != data and not _document_verified(document, path, new, split):
        return FileResult(path, data, data, error=FileError("internal error: the fixed document does not split "
                                                            "into the same blocks; nothing changed"))
    findings.sort()
    return FileResult(path, data, new, tuple(findings), None, tuple(internal), "utf-8", tuple(notes))


def _document_verified(document: Document, path: str, new: bytes, split: Split) -> bool:
    # The joined document must read back as the same blocks, in the same order, with the same names
    # (offsets may move: a fix can add lines to an earlier block).
    again = document.split(path, new)
    return [(u.name, u.kind) for u in again.units] == [(u.name, u.kind) for u in split.units]
