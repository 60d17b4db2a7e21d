"""`iacfix lsp`: a language server over stdio (pygls 2, `pip install 'iacfix[lsp]'`).

- Diagnostics on open, change and save: the rule code, the impact as severity (Critical and High:
  Error, Medium: Warning, Low: Information), the rule's reference as `codeDescription`, and its
  explanation on hover.
- A quick fix per fixable finding: that finding's edit when it can be told apart from the rule's
  other fixes (the rule is re-run alone and the changes on the finding's line taken), else the
  rule's whole fix; findings with an unsafe fix get an "(unsafe)" quick fix.
- `source.fixAll.iacfix`: every fix the configuration allows; document formatting: every safe fix.
- Markdown answers too (`fix_documents` picks the document type by file name).
Settings come from `[tool.iacfix]` above the file, read afresh for each analysis.
"""

from __future__ import annotations

import dataclasses
import io
import re
import tokenize
from dataclasses import dataclass
from typing import Any, Sequence

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace import TextDocument

from iacfix import __version__
from iacfix._hunks import Change, apply, changes, isolate, split_lines
from iacfix.codemods._engine import FileResult, fix_documents
from iacfix.codemods._rule import Finding, FixSafety, Severity
from iacfix.config import ConfigError, Resolver
from iacfix.settings import Settings

FIX_ALL = "source.fixAll.iacfix"
SEVERITY = {
    Severity.CRITICAL: lsp.DiagnosticSeverity.Error,
    Severity.HIGH: lsp.DiagnosticSeverity.Error,
    Severity.MEDIUM: lsp.DiagnosticSeverity.Warning,
    Severity.LOW: lsp.DiagnosticSeverity.Information,
}
_NOTE = re.compile(r":(\d+): note: ")


@dataclass(frozen=True)
class Analysis:
    """One version of one open document, as the engine sees it."""

    uri: str
    version: int | None
    path: str
    text: str
    data: bytes
    settings: Settings | None = None
    result: FileResult | None = None
    problem: str | None = None  # a configuration error, or the engine failed on this document

    def new_text(self, result: FileResult | None = None) -> str | None:
        result = result or self.result
        if result is None or result.error is not None:
            return None
        encoding = "utf-8" if result.encoding in ("utf-8", "utf-8-sig") else result.encoding
        return result.new.decode(encoding, errors="surrogateescape")

    def rerun(self, settings: Settings) -> str | None:
        return self.new_text(fix_documents([(self.path, self.data)], settings)[0])


def analyse(uri: str, text: str, version: int | None = None, language_id: str | None = None) -> Analysis:
    """Run the engine on the editor's text, with the settings of the file's configuration."""
    path = to_fs_path(uri) if uri.startswith("file:") else None
    if not path:
        path = "untitled.md" if language_id == "markdown" else "untitled.py"
    data = _encode(text)
    try:
        resolver = Resolver()
        settings = resolver.settings_for(path)
    except ConfigError as error:
        return Analysis(uri, version, path, text, data, problem=str(error))
    try:
        result = fix_documents([(path, data)], settings_for=resolver.settings_for)[0]
    except Exception as error:  # the server's boundary: say so in the editor, keep serving
        return Analysis(uri, version, path, text, data, problem=f"iacfix: internal error: "
                                                               f"{type(error).__name__}: {error}")
    return Analysis(uri, version, path, text, data, settings, result)


def _encode(text: str) -> bytes:
    # The editor has decoded the file already; give the engine bytes in the encoding the file
    # declares (PEP 263), so that it decodes them back to the same text.
    data = text.encode("utf-8", errors="surrogatepass")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data if encoding in ("utf-8", "utf-8-sig") else text.encode(encoding)
    except (SyntaxError, LookupError, UnicodeEncodeError):
        return data


def diagnostics(analysis: Analysis, units: Any = None) -> list[lsp.Diagnostic]:
    """The analysis as LSP diagnostics; `units(str) -> int` counts the client's code units."""
    count = units or (lambda s: len(s.encode("utf-16-le")) // 2)
    lines = analysis.text.split("\n")

    def span(line: int, column: int = 1) -> lsp.Range:
        index = min(max(line - 1, 0), len(lines) - 1)
        content = lines[index].rstrip("\r")
        start = count(content[:max(column - 1, 0)])
        return lsp.Range(lsp.Position(index, start), lsp.Position(index, max(count(content), start)))

    if analysis.problem:
        return [_diagnostic(span(1), analysis.problem, lsp.DiagnosticSeverity.Error)]
    result = analysis.result
    assert result is not None
    found = []
    if result.error is not None:
        found.append(_diagnostic(span(result.error.line or 1, result.error.column or 1), result.error.message,
                                 lsp.DiagnosticSeverity.Error))
    for message in result.internal_errors:
        found.append(_diagnostic(span(1), message, lsp.DiagnosticSeverity.Warning))
    for note in result.notes:
        match = _NOTE.search(note)
        found.append(_diagnostic(span(int(match.group(1)) if match else 1), note[match.end():] if match else note,
                                 lsp.DiagnosticSeverity.Information))
    for finding in result.findings:
        found.append(_finding_diagnostic(finding, span(finding.line, finding.column)))
    return found


def _diagnostic(where: lsp.Range, message: str, severity: lsp.DiagnosticSeverity) -> lsp.Diagnostic:
    return lsp.Diagnostic(range=where, message=message, severity=severity, source="iacfix")


def _finding_diagnostic(finding: Finding, where: lsp.Range) -> lsp.Diagnostic:
    from iacfix.codemods import get_rule

    rule = get_rule(finding.code)
    if finding.fixed:
        hint = " (fixable)"
    elif finding.fix_safety is FixSafety.UNSAFE:
        hint = " (unsafe fix available)"
    else:
        hint = ""
    return lsp.Diagnostic(
        range=where,
        message=finding.message + hint,
        severity=SEVERITY[finding.severity],
        code=finding.code,
        code_description=lsp.CodeDescription(href=rule.REFERENCE) if rule and rule.REFERENCE else None,
        source="iacfix",
        data={"code": finding.code, "line": finding.line, "column": finding.column},
    )


def text_edits(old: str, new: str, units: Any = None) -> list[lsp.TextEdit]:
    """Whole-line edits turning `old` into `new` (each change separately, so marks survive)."""
    count = units or (lambda s: len(s.encode("utf-16-le")) // 2)
    lines = split_lines(old)

    def position(index: int) -> lsp.Position:
        if index < len(lines):
            return lsp.Position(index, 0)
        if lines and not lines[-1].endswith("\n"):  # the end of a last line without a newline
            return lsp.Position(len(lines) - 1, count(lines[-1]))
        return lsp.Position(len(lines), 0)

    return [lsp.TextEdit(lsp.Range(position(c.start), position(c.end)), "".join(c.lines)) for c in changes(old, new)]


def finding_fix(analysis: Analysis, finding: Finding, *, unsafe: bool = False) -> tuple[str, bool] | None:
    """The text with `finding` fixed, and whether the edit is that finding's alone (else the rule's
    whole fix, or for IAC300 the whole file's); None when there is nothing to apply."""
    assert analysis.settings is not None
    alone = dataclasses.replace(analysis.settings, unsafe_fixes=unsafe or analysis.settings.unsafe_fixes)
    if finding.code != "IAC300":  # IAC300 judges the other rules' comments: it needs them all
        alone = dataclasses.replace(alone, select=(finding.code,), ignore=(), per_file_ignores=())
    single = fix_documents([(analysis.path, analysis.data)], alone)[0]
    new = analysis.new_text(single)
    if new is None or new == analysis.text:
        return None
    found = changes(analysis.text, new)
    fixed = [f for f in single.findings if f.fixed]
    mine = [f for f in fixed if f.code == finding.code]
    picked: Sequence[Change] | None = isolate(found, [f.line for f in fixed], finding.line)
    if picked and len(picked) < len(found):
        partial = apply(analysis.text, picked)
        # The guess must hold: fewer of the rule's fixes are left to do, and the text parses.
        again = fix_documents([(analysis.path, _encode(partial))], alone)[0]
        if again.error is None and len([f for f in again.findings if f.fixed and f.code == finding.code]) < len(mine):
            return partial, True
    return new, len(fixed) == 1


def code_actions(analysis: Analysis, params: lsp.CodeActionParams, units: Any = None) -> list[lsp.CodeAction]:
    if analysis.result is None or analysis.result.error is not None:
        return []
    only = params.context.only
    actions = []
    if _wanted(lsp.CodeActionKind.QuickFix, only):
        for diagnostic in params.context.diagnostics:
            finding = _finding_for(analysis.result.findings, diagnostic)
            if finding is None:
                continue
            unsafe = not finding.fixed and finding.fix_safety is FixSafety.UNSAFE
            fixed = finding_fix(analysis, finding, unsafe=unsafe) if finding.fixed or unsafe else None
            if fixed is None:
                continue
            new, alone = fixed
            title = f"iacfix: fix {finding.code} {finding.name}" + ("" if alone else " (whole file)")
            actions.append(lsp.CodeAction(title + (" (unsafe)" if unsafe else ""), kind=lsp.CodeActionKind.QuickFix,
                                          diagnostics=[diagnostic], is_preferred=alone and not unsafe,
                                          edit=_edit(analysis, new, units)))
    everything = analysis.new_text()
    if _wanted(FIX_ALL, only) and everything is not None and everything != analysis.text:
        actions.append(lsp.CodeAction("iacfix: fix all findings", kind=FIX_ALL,
                                      edit=_edit(analysis, everything, units)))
    return actions


def formatting(analysis: Analysis, units: Any = None) -> list[lsp.TextEdit] | None:
    """Every safe fix (unsafe ones only through a quick fix); None when the file can't be processed."""
    if analysis.settings is None or analysis.result is None or analysis.result.error is not None:
        return None
    settings = analysis.settings
    new = analysis.new_text() if not settings.unsafe_fixes else analysis.rerun(
        dataclasses.replace(settings, unsafe_fixes=False))
    return None if new is None else text_edits(analysis.text, new, units)


def hover(analysis: Analysis, position: lsp.Position) -> lsp.Hover | None:
    from iacfix.codemods import get_rule
    from iacfix.codemods._rule import explanation

    if analysis.result is None:
        return None
    for finding in analysis.result.findings:
        rule = get_rule(finding.code)
        if finding.line - 1 == position.line and rule is not None:
            head = f"**{rule.CODE} {rule.NAME}** ({rule.SEVERITY.value}, fix: {rule.FIX_SAFETY.value})\n\n"
            return lsp.Hover(lsp.MarkupContent(lsp.MarkupKind.Markdown, head + explanation(rule)))
    return None


def _wanted(kind: str, only: Sequence[str] | None) -> bool:
    return only is None or any(kind == o or kind.startswith(f"{o}.") for o in only)


def _finding_for(findings: Sequence[Finding], diagnostic: lsp.Diagnostic) -> Finding | None:
    if diagnostic.source != "iacfix" or not diagnostic.code:
        return None
    data = diagnostic.data if isinstance(diagnostic.data, dict) else {}
    for finding in findings:
        if finding.code != diagnostic.code:
            continue
        if data and (finding.line, finding.column) == (data.get("line"), data.get("column")):
            return finding
        if not data and finding.line - 1 == diagnostic.range.start.line:
            return finding
    return None


def _edit(analysis: Analysis, new: str, units: Any) -> lsp.WorkspaceEdit:
    return lsp.WorkspaceEdit(changes={analysis.uri: text_edits(analysis.text, new, units)})


def make_server() -> LanguageServer:
    server = LanguageServer("iacfix", __version__)
    cache: dict[str, Analysis] = {}

    def current(uri: str) -> Analysis:
        document: TextDocument = server.workspace.get_text_document(uri)
        known = cache.get(uri)
        if known is None or known.version != document.version or known.text != document.source:
            known = cache[uri] = analyse(uri, document.source, document.version, document.language_id)
        return known

    def units(text: str) -> int:
        return server.workspace.position_codec.client_num_units(text)

    def publish(uri: str) -> None:
        analysis = current(uri)
        server.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(uri=uri, version=analysis.version, diagnostics=diagnostics(analysis, units)))

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: LanguageServer, params: lsp.DidOpenTextDocumentParams) -> None:
        publish(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: LanguageServer, params: lsp.DidChangeTextDocumentParams) -> None:
        publish(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: LanguageServer, params: lsp.DidSaveTextDocumentParams) -> None:
        cache.pop(params.text_document.uri, None)  # a saved pyproject.toml may have changed the settings
        publish(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: LanguageServer, params: lsp.DidCloseTextDocumentParams) -> None:
        cache.pop(params.text_document.uri, None)
        server.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=params.text_document.uri,
                                                                              diagnostics=[]))

    @server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION,
                    lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix, FIX_ALL]))
    def code_action(ls: LanguageServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        return code_actions(current(params.text_document.uri), params, units)

    @server.feature(lsp.TEXT_DOCUMENT_FORMATTING)
    def format_document(ls: LanguageServer, params: lsp.DocumentFormattingParams) -> list[lsp.TextEdit] | None:
        return formatting(current(params.text_document.uri), units)

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    def on_hover(ls: LanguageServer, params: lsp.HoverParams) -> lsp.Hover | None:
        return hover(current(params.text_document.uri), params.position)

    return server


def serve() -> None:
    """Speak LSP on stdin/stdout until the client says exit."""
    make_server().start_io()
