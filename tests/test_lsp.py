"""`iacfix lsp`, spoken to over stdio as an editor would: JSON-RPC with Content-Length framing."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

pytest.importorskip("pygls")

ROOT = Path(__file__).resolve().parent.parent
SOURCE = '''import logging

logger = logging.getLogger(__name__)


def handler(event, context):
    logger.info(f"received {event}")
    logger.info(f"total {event['amount']:,}")
    logger.warning(
        f"slow: {context} ü"
    )
    logger.error("failed: %s" % event)
    return event
'''


class Client:
    """A minimal LSP client: one server process, requests by id, notifications kept in order."""

    def __init__(self, cwd: Path) -> None:
        self.stderr = open(cwd / "server.log", "w+b")  # noqa: SIM115 - closed in close()
        self.process = subprocess.Popen([sys.executable, "-m", "iacfix", "lsp"], cwd=cwd, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=self.stderr,
                                        env={**os.environ, "PYTHONPATH": str(ROOT)})
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.notifications: list[dict[str, Any]] = []
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            headers = {}
            while (line := stream.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("ascii").partition(":")
                headers[name.strip().lower()] = value.strip()
            if not headers:
                return
            self.messages.put(json.loads(stream.read(int(headers["content-length"]))))

    def send(self, payload: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **payload}).encode()
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def notify(self, method: str, params: Any) -> None:
        self.send({"method": method, "params": params})

    def request(self, method: str, params: Any) -> Any:
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        for message in self._incoming():
            if message.get("id") == self.next_id and "method" not in message:
                assert "error" not in message, message["error"]
                return message.get("result")
            if "method" in message:
                self.notifications.append(message)
        raise AssertionError(f"no answer to {method}")

    def wait(self, method: str, test: Callable[[Any], bool] = lambda params: True) -> Any:
        for index, seen in enumerate(self.notifications):
            if seen["method"] == method and test(seen["params"]):
                return self.notifications.pop(index)["params"]
        for message in self._incoming():
            if message.get("method") == method and test(message["params"]):
                return message["params"]
            if "method" in message:
                self.notifications.append(message)
        raise AssertionError(f"no {method}")

    def _incoming(self, timeout: float = 60) -> Iterator[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                message = self.messages.get(timeout=deadline - time.monotonic())
            except queue.Empty:
                break
            if "method" in message and "id" in message:  # a request from the server: answer null
                self.send({"id": message["id"], "result": None})
                continue
            yield message
        self.stderr.seek(0)
        raise AssertionError("the server went quiet; its log:\n" + self.stderr.read().decode(errors="replace"))

    def close(self) -> int:
        self.request("shutdown", None)
        self.notify("exit", None)
        code = self.process.wait(timeout=30)
        self.stderr.close()
        return code


def apply_edits(text: str, edits: list[dict[str, Any]]) -> str:
    """Apply LSP TextEdits (UTF-16 positions) the way an editor does: all against the original."""
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)

    def offset(position: dict[str, int]) -> int:
        if position["line"] >= len(lines):
            return len(text)
        line = lines[position["line"]]
        units = 0
        for index, char in enumerate(line):
            if units >= position["character"]:
                return offsets[position["line"]] + index
            units += len(char.encode("utf-16-le")) // 2
        return offsets[position["line"]] + len(line)

    for edit in sorted(edits, key=lambda e: (e["range"]["start"]["line"], e["range"]["start"]["character"]),
                       reverse=True):
        start, end = offset(edit["range"]["start"]), offset(edit["range"]["end"])
        text = text[:start] + edit["newText"] + text[end:]
    return text


def iacfix_stdin(text: str, name: str, *args: str) -> str:
    proc = subprocess.run([sys.executable, "-m", "iacfix", "-", "--stdin-filename", name, *args], input=text.encode(),
                          capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return proc.stdout.decode()


@pytest.fixture
def client(tmp_path: Path) -> Iterator[Client]:
    session = Client(tmp_path)
    result = session.request("initialize", {
        "processId": os.getpid(), "rootUri": tmp_path.as_uri(),
        "capabilities": {"textDocument": {"codeAction": {"codeActionLiteralSupport": {
            "codeActionKind": {"valueSet": ["quickfix", "source.fixAll"]}}}, "publishDiagnostics": {}}},
    })
    capabilities = result["capabilities"]
    assert capabilities["codeActionProvider"]["codeActionKinds"] == ["quickfix", "source.fixAll.iacfix"]
    assert capabilities["documentFormattingProvider"] and capabilities["hoverProvider"]
    session.notify("initialized", {})
    yield session
    if session.process.poll() is None:
        session.process.kill()


def open_document(client: Client, path: Path, text: str, language: str = "python") -> dict[str, Any]:
    uri = path.as_uri()
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": language, "version": 1,
                                                            "text": text}})
    return client.wait("textDocument/publishDiagnostics", lambda p: p["uri"] == uri)


def test_a_whole_session(client: Client, tmp_path: Path) -> None:
    path = tmp_path / "lib" / "handler.py"
    path.parent.mkdir()
    uri = path.as_uri()
    published = open_document(client, path, SOURCE)
    found = {(d["code"], d["range"]["start"]["line"]): d for d in published["diagnostics"]}
    assert sorted(found) == [("IAC301", 6), ("IAC301", 7), ("IAC301", 8), ("IAC301", 11)]
    first = found[("IAC301", 6)]
    assert first["severity"] == 1 and first["source"] == "iacfix", "High impact is an Error"
    width = len(SOURCE.splitlines()[6])
    assert first["range"] == {"start": {"line": 6, "character": 4}, "end": {"line": 6, "character": width}}
    assert first["codeDescription"]["href"].startswith("https://docs.python.org/")
    assert first["message"].endswith("(fixable)")
    assert "not auto-fixable" in found[("IAC301", 7)]["message"]
    assert found[("IAC301", 11)]["message"].endswith("(unsafe fix available)")

    def actions(diagnostic: dict[str, Any] | None, only: list[str] | None = None) -> list[dict[str, Any]]:
        context: dict[str, Any] = {"diagnostics": [diagnostic] if diagnostic else []}
        if only:
            context["only"] = only
        line = diagnostic["range"]["start"]["line"] if diagnostic else 0
        return client.request("textDocument/codeAction", {
            "textDocument": {"uri": uri}, "context": context,
            "range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 0}}})

    # A quick fix edits that finding only; the other fixable one is still there.
    quick = [a for a in actions(first) if a["kind"] == "quickfix"]
    assert [a["title"] for a in quick] == ["iacfix: fix IAC301 logging-fstring"] and quick[0]["isPreferred"]
    once = apply_edits(SOURCE, quick[0]["edit"]["changes"][uri])
    assert 'logger.info("received %s", event)' in once and 'f"slow: {context} ü"' in once
    assert not [a for a in actions(found[("IAC301", 7)]) if a["kind"] == "quickfix"], "nothing to fix there"
    unsafe = [a for a in actions(found[("IAC301", 11)]) if a["kind"] == "quickfix"]
    assert unsafe[0]["title"].endswith("(unsafe)")
    assert 'logger.error("failed: %s", event)' in apply_edits(SOURCE, unsafe[0]["edit"]["changes"][uri])

    # Fix all: exactly what `iacfix -` prints.
    expected = iacfix_stdin(SOURCE, str(path))
    assert expected != SOURCE
    fix_all = [a for a in actions(None, ["source.fixAll"]) if a["kind"] == "source.fixAll.iacfix"]
    assert apply_edits(SOURCE, fix_all[0]["edit"]["changes"][uri]) == expected
    assert not [a for a in actions(first, ["source.fixAll"]) if a["kind"] == "quickfix"], "`only` is honoured"

    # Formatting applies every safe fix: the same text.
    edits = client.request("textDocument/formatting", {"textDocument": {"uri": uri},
                                                        "options": {"tabSize": 4, "insertSpaces": True}})
    assert apply_edits(SOURCE, edits) == expected

    hover = client.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                  "position": {"line": 6, "character": 10}})
    assert "**IAC301 logging-fstring**" in hover["contents"]["value"]
    assert "## What it does" in hover["contents"]["value"]
    assert client.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                 "position": {"line": 0, "character": 0}}) is None

    # After a change, the diagnostics follow the new text.
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                             "contentChanges": [{"text": expected}]})
    again = client.wait("textDocument/publishDiagnostics", lambda p: p["uri"] == uri and p.get("version") == 2)
    assert [(d["code"], d["range"]["start"]["line"]) for d in again["diagnostics"]] == [("IAC301", 7), ("IAC301", 11)]
    client.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
    assert client.wait("textDocument/publishDiagnostics", lambda p: p["uri"] == uri)["diagnostics"]
    client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    assert client.wait("textDocument/publishDiagnostics", lambda p: p["uri"] == uri)["diagnostics"] == []
    assert client.close() == 0


def test_unused_suppressions_follow_saved_settings(client: Client, tmp_path: Path) -> None:
    text = SOURCE + "\n\ndef other(event):\n    return event  # iacfix: ignore[IAC301]\n"
    path = tmp_path / "m.py"
    uri = path.as_uri()
    assert {d["code"] for d in open_document(client, path, text)["diagnostics"]} == {"IAC301"}
    (tmp_path / "pyproject.toml").write_text('[tool.iacfix]\nreport-unused-ignores = true\n')
    client.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
    published = client.wait("textDocument/publishDiagnostics", lambda p: p["uri"] == uri)
    [unused] = [d for d in published["diagnostics"] if d["code"] == "IAC300"]
    assert unused["severity"] == 3, "Low impact is Information"
    [quick] = [a for a in client.request("textDocument/codeAction", {
        "textDocument": {"uri": uri}, "range": unused["range"], "context": {"diagnostics": [unused]}})
        if a["kind"] == "quickfix"]
    assert quick["title"] == "iacfix: fix IAC300 unused-suppression"
    assert apply_edits(text, quick["edit"]["changes"][uri]) == text.replace("  # iacfix: ignore[IAC301]", "")
    assert client.close() == 0


def test_settings_and_errors(client: Client, tmp_path: Path) -> None:
    (tmp_path / "quiet").mkdir()
    (tmp_path / "quiet" / "pyproject.toml").write_text('[tool.iacfix]\nignore = ["IAC301"]\n')
    assert open_document(client, tmp_path / "quiet" / "m.py", SOURCE)["diagnostics"] == []
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "pyproject.toml").write_text('[tool.iacfix]\nselct = ["IAC3"]\n')
    [problem] = open_document(client, tmp_path / "broken" / "m.py", SOURCE)["diagnostics"]
    assert "unknown key (did you mean `select`?)" in problem["message"] and problem["severity"] == 1
    [syntax] = open_document(client, tmp_path / "s.py", "x = (\n")["diagnostics"]
    assert syntax["message"].startswith("cannot parse") and syntax["range"]["start"]["line"] == 0
    assert client.request("textDocument/formatting", {"textDocument": {"uri": (tmp_path / "s.py").as_uri()},
                                                      "options": {"tabSize": 4, "insertSpaces": True}}) is None
    assert client.close() == 0


def test_markdown_answers(client: Client, tmp_path: Path) -> None:
    text = ("# Answer\n\nThe handler:\n\n```python\n" + SOURCE + "```\n")
    path = tmp_path / "MODEL_RESPONSE.md"
    published = open_document(client, path, text, language="markdown")
    lines = sorted(d["range"]["start"]["line"] for d in published["diagnostics"] if d.get("code") == "IAC301")
    assert lines == [11, 12, 13, 16], "findings at the document's lines, inside the code block"
    fix_all = client.request("textDocument/codeAction", {
        "textDocument": {"uri": path.as_uri()}, "context": {"diagnostics": [], "only": ["source.fixAll"]},
        "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}})
    assert apply_edits(text, fix_all[0]["edit"]["changes"][path.as_uri()]) == iacfix_stdin(text, str(path))
