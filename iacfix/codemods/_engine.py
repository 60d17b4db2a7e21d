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
import re
import tokenize
import warnings
from dataclasses import dataclass, field, replace
from typing import Iterable, Sequence

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from iacfix.codemods import ALL_RULES
from iacfix.codemods._batch import BatchTransformer, RuleCrash
from iacfix.codemods._context import FileContext, Project, find_suppressions
from iacfix.codemods._nesting import TOO_DEEP, Preflight, preflight
from iacfix.codemods._rule import Finding, PendingFinding, Rule
from iacfix.codemods._units import Document, PythonFile, Split, Unit, document_for
from iacfix.settings import Settings

MAX_PASSES = 3


@dataclass(frozen=True)
class FileError:
    """Why a file could not be processed; `line`/`column` are 1-based when known."""

    message: str
    line: int | None = None
    column: int | None = None

    def format(self, path: str) -> str:
        where = f"{path}:{self.line}:{self.column}" if self.line is not None else path
        return f"{where}: error: {self.message}"


@dataclass(frozen=True)
class FileResult:
    path: str
    old: bytes
    new: bytes
    findings: tuple[Finding, ...] = ()
    error: FileError | None = None
    internal_errors: tuple[str, ...] = ()
    encoding: str = "utf-8"
    notes: tuple[str, ...] = field(default=())

    @property
    def changed(self) -> bool:
        return self.error is None and self.new != self.old

    @property
    def unfixed(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.fixed)


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
    rules = select_rules(settings) if rules is None else rules
    old = data.encode("utf-8") if isinstance(data, str) else data
    try:
        text, encoding = decode(old)
    except DecodeError as error:
        return FileResult(path, old, old, error=FileError(str(error), error.line, error.column))
    fixer = _Fixer(path, old, text, encoding, settings, rules, project, virtual_name)
    try:
        return fixer.run(module)
    except RecursionError:
        # The preflight keeps deep files from libcst; this catches what it could not foresee
        # (a rule's own recursion, code generation, position metadata) in any stage.
        return fixer.refuse(Preflight(False, TOO_DEEP))


def collect_project(
    units: Iterable[Unit], settings: Settings
) -> tuple[Project, dict[tuple[str, int], cst.Module]]:
    """Run the `collect` hooks of rules that look across files; returns the facts and the
    modules parsed for it (by unit path and index), so the fix phase does not parse them again."""
    rules = [rule for rule in select_rules(settings) if rule.COLLECTS]
    names = []
    project = Project()
    parsed: dict[tuple[str, int], cst.Module] = {}
    for unit in units:
        names.append(unit.name)
        if not rules:
            continue
        try:
            text, _ = decode(unit.data)
        except DecodeError:
            continue
        context = FileContext(unit.path, text, settings, project, virtual_name=unit.name)
        wanting = [rule for rule in rules if rule.wants(text, context)]
        if not wanting or preflight(text).problem:
            continue  # the fix phase reports why
        try:
            module = parsed[(unit.path, unit.index)] = cst.parse_module(unit.data)
            facts = [(rule, rule.collect(module, context)) for rule in wanting]
        except (cst.ParserSyntaxError, RecursionError):
            parsed.pop((unit.path, unit.index), None)
            continue
        for rule, fact in facts:
            if fact is not None:
                project.facts[rule.CODE].append(fact)
    project.paths = tuple(names)
    return project, parsed


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
        for number in range(MAX_PASSES):
            context = self._context(text)
            active = [r for r in self.rules if r not in self.broken and r.wants(text, context)]
            if not active and number == 0:
                return self._unparsed_check(text)
            if not active:
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
            findings.extend(self._place(module, context, pending, first=number == 0, earlier=findings))
            new_data = new_module.bytes
            if new_data == data:
                break
            round_trip = module.bytes
            if round_trip != data:
                # libcst does not give every file back byte for byte (it drops the final CR of old
                # Mac line endings, a blank line before a last line of spaces): a rewrite would
                # change more than the rules did.
                return self._not_round_trip(findings, data, round_trip)
            verified = self._verify(new_data, original_compiles)
            if verified is None:
                # Name the rule whose change does not parse, drop it, redo this pass without it.
                self._find_culprit(module, active, original_compiles)
                findings = [f for f in findings if _rule_of(f) not in self.broken]
                continue
            module, data = verified, new_data
            text = decode(new_data)[0]
        findings.sort()
        return FileResult(self.path, self.old, data, tuple(findings), None, tuple(self.internal), self.encoding)

    def _context(self, text: str) -> FileContext:
        return FileContext(self.path, text, self.settings, self.project, virtual_name=self.virtual_name,
                           suppressions=find_suppressions(text))

    def _pass(
        self, module: cst.Module, rules: list[type[Rule]], context: FileContext
    ) -> tuple[cst.Module, list[PendingFinding]] | None:
        while rules:
            context.pending = []
            context.statement_stack = []
            instances = [rule(context) for rule in rules]
            try:
                self._resolve_metadata(module, instances, context)
                new_module = module.visit(BatchTransformer(instances, context))
            except RuleCrash as crash:
                self.broken.add(crash.rule)
                self.internal.append(f"internal error in {crash.rule.CODE} "
                                     f"({type(crash.error).__name__}: {crash.error})")
                rules = [rule for rule in rules if rule is not crash.rule]
                continue
            except RecursionError:
                return None
            assert isinstance(new_module, cst.Module)
            return new_module, context.pending
        return module, []

    @staticmethod
    def _resolve_metadata(module: cst.Module, rules: list[Rule], context: FileContext) -> None:
        providers = {dep for rule in rules for dep in rule.get_inherited_dependencies()}
        if context.suppressions:
            providers.add(PositionProvider)
        if not providers:
            return
        # The module was parsed for this run only, so skipping libcst's defensive deep copy is safe
        # and keeps node identity, which position look-ups for findings rely on.
        metadata = MetadataWrapper(module, unsafe_skip_copy=True).resolve_many(providers)
        for rule in rules:
            rule.metadata = metadata  # type: ignore[misc]
        if PositionProvider in metadata:
            context.positions = metadata[PositionProvider]  # type: ignore[assignment]

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
        positions = context.positions
        if positions is None and any(p.node is not None for p in pending):
            positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        seen = {(f.code, f.message) for f in earlier if not f.fixed}
        placed = []
        for item in pending:
            if item.line is not None:
                line, column = item.line, item.column or 0
            else:
                where = positions.get(item.node) if positions is not None and item.node is not None else None
                line, column = (where.start.line, where.start.column) if where else (1, 0)
            rule = item.rule
            # A later pass only adds what the first did not already say (positions there refer to
            # the intermediate text, so an unfixed finding seen before would be counted twice).
            if not first and not item.fixed and (rule.CODE, item.message) in seen:
                continue
            placed.append(Finding(self.path, line, column + 1, rule.CODE, rule.NAME, rule.SEVERITY,
                                  item.message, item.fix_safety, item.fixed))
        return placed

    @staticmethod
    def _verify(new_data: bytes, original_compiles: bool) -> cst.Module | None:
        try:
            module = cst.parse_module(new_data)
        except (cst.ParserSyntaxError, RecursionError):
            return None
        if original_compiles and not _compiles(module.code):
            return None
        return module

    def _find_culprit(self, module: cst.Module, rules: list[type[Rule]], original_compiles: bool) -> None:
        for rule in rules:
            context = self._context(module.code)
            outcome = self._pass(module, [rule], context)
            if outcome is None or self._verify(outcome[0].bytes, original_compiles) is None:
                self.broken.add(rule)
                self.internal.append(f"internal error in {rule.CODE} (its rewrite does not parse; change dropped)")
        if not self.broken.intersection(rules):
            # Each rule alone is fine but together they are not: keep the file as it was.
            self.broken.update(rules)
            self.internal.append("internal error: rules " + ", ".join(r.CODE for r in rules)
                                 + " produce code that does not parse when combined; changes dropped")

    def _unparsed_check(self, text: str) -> FileResult:
        if self.settings.check_syntax:
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


def _rule_of(finding: Finding) -> type[Rule] | None:
    return next((rule for rule in ALL_RULES if rule.CODE == finding.code), None)


def _compiles(text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, "<iacfix>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def fix_paths(paths: Sequence[str], settings: Settings | None = None) -> list[FileResult]:
    """Fix every file under `paths` (read from disk, nothing written), in a stable order."""
    from iacfix.codemods._files import discover, read

    results: list[FileResult] = []
    documents = []
    for path, problem in discover(paths):
        if problem:
            results.append(FileResult(path, b"", b"", error=FileError(problem)))
            continue
        source = read(path)
        if source.error:
            results.append(FileResult(path, b"", b"", error=FileError(source.error)))
        else:
            documents.append((source.path, source.data))
    results.extend(fix_documents(documents, settings))
    results.sort(key=lambda result: result.path)
    return results


def fix_documents(documents: Sequence[tuple[str, bytes]], settings: Settings | None = None) -> list[FileResult]:
    """Fix documents (`.py` files, Markdown answers) given as `(path, bytes)`, as one project.

    Rules that look across files (`COLLECTS`) first see every unit of every document; then each
    unit is fixed, reusing the tree parsed for that look so no unit is parsed twice.
    """
    settings = settings or Settings()
    rules = select_rules(settings)
    splits = []
    for path, data in documents:
        document = document_for(path)
        splits.append((path, data, document, document.split(path, data)))
    python_units = [unit for *_, split in splits for unit in split.units if unit.kind == "python"]
    project, parsed = collect_project(python_units, settings)
    results = []
    for path, data, document, split in splits:
        fixed = [
            fix_source(unit.data, unit.path, settings, rules=rules, project=project, virtual_name=unit.name,
                       module=parsed.pop((unit.path, unit.index), None))
            if unit.kind == "python" else FileResult(unit.path, unit.data, unit.data)
            for unit in split.units
        ]
        results.append(_join(path, data, document, split, fixed))
    return results


def _join(path: str, data: bytes, document: Document, split: Split, fixed: list[FileResult]) -> FileResult:
    if isinstance(document, PythonFile):
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
