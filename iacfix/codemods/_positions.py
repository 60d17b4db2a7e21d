"""Node positions at the cost of one code generation, equal to libcst's `PositionProvider`.

libcst's provider updates a line and column for every token and builds two `CodePosition`s and a
`CodeRange` for every node while it generates the code: about five times a plain code generation.
Here the generation only notes, per node, the index of its first and last token; a node's line and
column are worked out from the generated text when someone asks for them (most never are).

`Positions(module)` gives the mapping (and the generated code, which the engine reuses to check that
libcst gives the file back byte for byte). `FastPositionProvider` is the same as a libcst metadata
provider, for rules that declare positions as a dependency.
"""

from __future__ import annotations

import bisect
import re
from contextlib import contextmanager
from itertools import accumulate
from typing import Iterator, Mapping

import libcst as cst
from libcst._nodes.internal import CodegenState
from libcst.metadata import BaseMetadataProvider, CodePosition, CodeRange

_NEWLINE = re.compile(r"\r\n?|\n")


class _RecordingState(CodegenState):
    """Code generation that records `(first token, end token)` per node, as `PositionProvider`
    records ranges: the syntactic range when the node declares one, else all it generated."""

    def __init__(self, module: cst.Module) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.spans: dict[cst.CSTNode, tuple[int, int]] = {}
        self.stack: list[int] = []
        self.popped = ""  # the trailing newline the module took back, if it did

    def before_codegen(self, node: cst.CSTNode) -> None:
        self.stack.append(len(self.tokens))

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self.stack.pop()
        if node not in self.spans:  # a syntactic range recorded inside wins
            # Only the module ends after the trailing newline was popped; it still counts it.
            self.spans[node] = (start, len(self.tokens) + (1 if self.popped else 0))

    @contextmanager
    def record_syntactic_position(
        self, node: cst.CSTNode, *, start_node: cst.CSTNode | None = None, end_node: cst.CSTNode | None = None
    ) -> Iterator[None]:
        start = len(self.tokens)
        # Recorded only when the code generation inside succeeded: an exception in it (a signal
        # turned into SystemExit, a rule's broken node) must come out as itself, not as a KeyError
        # for an inner node whose range was never recorded.
        yield
        end = len(self.tokens)
        spans = self.spans
        if start_node is not None:
            start = spans[start_node][0]
        if end_node is not None:
            end = spans[end_node][1]
        spans[node] = (start, end)

    def pop_trailing_newline(self) -> None:
        # Positions were counted with the newline still there (as libcst's provider counts them).
        if self.tokens:
            self.popped = self.tokens.pop()


class Positions(Mapping[cst.CSTNode, CodeRange]):
    """Node -> `CodeRange` (1-based lines, 0-based columns) of one module; `code` is its text."""

    def __init__(self, module: cst.Module) -> None:
        state = _RecordingState(module)
        module._codegen(state)  # pylint: disable=protected-access
        self.module = module
        self.code = "".join(state.tokens)
        self._spans = state.spans
        tokens = state.tokens + [state.popped] if state.popped else state.tokens
        self._offsets = [0, *accumulate(map(len, tokens))]  # char offset where token i starts
        text = self.code + state.popped
        self._starts = [0, *(match.end() for match in _NEWLINE.finditer(text))]  # offset of each line

    def _at(self, token: int) -> CodePosition:
        offset = self._offsets[token]
        line = bisect.bisect_right(self._starts, offset)
        return CodePosition(line, offset - self._starts[line - 1])

    def __getitem__(self, node: cst.CSTNode) -> CodeRange:
        start, end = self._spans[node]
        return CodeRange(self._at(start), self._at(end))

    def __contains__(self, node: object) -> bool:
        return node in self._spans

    def __iter__(self) -> Iterator[cst.CSTNode]:
        return iter(self._spans)

    def __len__(self) -> int:
        return len(self._spans)


class FastPositionProvider(BaseMetadataProvider[CodeRange]):
    """`PositionProvider`'s ranges from `Positions`: declare it in `METADATA_DEPENDENCIES` and read
    it with `self.get_metadata(FastPositionProvider, node)`."""

    def _gen(self, wrapper: cst.MetadataWrapper) -> Mapping[cst.CSTNode, CodeRange]:  # type: ignore[override]
        return Positions(wrapper.module)
