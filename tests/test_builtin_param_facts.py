"""IAC302's cross-file facts: read from the `ast` tree where nothing is renamed, plain data (cached
between runs), and its pre-checks let through only files that can have work."""

from __future__ import annotations

import ast
import pickle
from pathlib import Path

import libcst as cst
import pytest

from iacfix._cache import Cache
from iacfix.codemods import _callables as callables
from iacfix.codemods import _engine
from iacfix.codemods._context import FileContext, Project
from iacfix.codemods._engine import collect_project, iter_documents
from iacfix.codemods._units import PythonFile
from iacfix.codemods.builtin_param_name import BuiltinParamName
from iacfix.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures" / "builtin_param_name"

STACK = b'''from aws_cdk import Stack


class TapStack(Stack):
    def __init__(self, scope, id, **kwargs):
        super().__init__(scope, id, **kwargs)
'''
APP = b'''import aws_cdk as cdk
from stack import TapStack

app = cdk.App()
TapStack(app, id="Tap")
'''
# `id` read in a nested scope: the `ast` tree cannot plan the rename for certain, libcst does.
NESTED = STACK + b'''        self.name = lambda: id
'''
ARGPARSE = b'''import argparse

parser = argparse.ArgumentParser()
parser.add_argument("--count", type=int)
'''
PLAIN = b'''from aws_cdk import Stack


class Other(Stack):
    def build(self, scope, name):
        return name
'''


def _context(text: str, project: Project | None = None, path: str = "m.py") -> FileContext:
    return FileContext(path, text, Settings(), project)


def _units(documents: list[tuple[str, bytes]]) -> list:
    return [unit for path, data in documents for unit in PythonFile().split(path, data).units]


def test_a_file_without_candidates_is_neither_collected_nor_wanted() -> None:
    text = PLAIN.decode()
    assert not BuiltinParamName.collects(text, _context(text))
    assert not BuiltinParamName.wants(text, _context(text))


def test_a_keyword_call_is_collected_without_libcst_and_wanted_only_if_a_rename_reaches_it() -> None:
    text = ARGPARSE.decode()
    assert BuiltinParamName.collects(text, _context(text))
    assert not BuiltinParamName.collect_needs_module(text, _context(text))
    # Alone, or next to a file that renames `id` only, `type=int` has nothing to follow.
    assert not BuiltinParamName.wants(text, _context(text))
    project, parsed = collect_project(_units([("stack.py", NESTED), ("cli.py", ARGPARSE)]), Settings())
    assert [key[0] for key in parsed] == ["stack.py"]
    assert not BuiltinParamName.wants(text, _context(text, project, "cli.py"))


@pytest.mark.parametrize(("stack", "parsed_to_collect"), [(STACK, []), (NESTED, ["stack.py"])], ids=["ast", "libcst"])
def test_a_rename_in_one_file_updates_a_keyword_call_in_another_that_is_not_parsed_to_collect(
        stack: bytes, parsed_to_collect: list[str]) -> None:
    documents = [("stack.py", stack), ("app.py", APP)]
    project, parsed = collect_project(_units(documents), Settings())
    assert [key[0] for key in parsed] == parsed_to_collect, "the caller needs no libcst tree for its facts"
    assert [p.new for f in project.facts["IAC302"] for d in f.defs for p in d.params] == ["construct_id"]
    assert BuiltinParamName.wants(APP.decode(), _context(APP.decode(), project, "app.py"))
    stack, app = iter_documents(documents, Settings())
    assert b"construct_id" in stack.new
    assert b'TapStack(app, construct_id="Tap")' in app.new
    assert [f.code for f in app.findings] == ["IAC302"]


def test_facts_round_trip_through_pickle_without_the_tree() -> None:
    documents = [("stack.py", NESTED), ("app.py", APP)]
    project, _ = collect_project(_units(documents), Settings())
    facts = project.facts["IAC302"]
    assert any(f.module is not None for f in facts), "the renaming file keeps its tree for its fix pass"
    again = pickle.loads(pickle.dumps(facts))
    assert [repr(f) for f in again] == [repr(f) for f in facts]
    assert all(f.module is None and f.plans == {} for f in again)
    assert [[(d.key, d.label, [(p.old, p.new, p.safety) for p in d.params]) for d in f.defs] for f in again] == \
        [[(d.key, d.label, [(p.old, p.new, p.safety) for p in d.params]) for d in f.defs] for f in facts]
    assert [[(c.callee, c.keywords, c.unpacked, c.suppressed) for c in f.calls] for f in again] == \
        [[(c.callee, c.keywords, c.unpacked, c.suppressed) for c in f.calls] for f in facts]


def test_cached_facts_are_not_collected_again_and_fix_the_same(tmp_path: Path, monkeypatch) -> None:
    documents = [("stack.py", STACK), ("app.py", APP), ("cli.py", ARGPARSE)]
    first = [(r.new, r.findings) for r in iter_documents(documents, Settings())]
    cache = Cache(Settings(), tmp_path)
    collect_project(_units(documents), Settings(), cache)
    cache.close()
    collected: list[str] = []
    original = BuiltinParamName.collect.__func__

    def counting(cls, module, context):
        collected.append(context.path)
        return original(cls, module, context)

    monkeypatch.setattr(BuiltinParamName, "collect", classmethod(counting))
    project, parsed = collect_project(_units(documents), Settings(), Cache(Settings(), tmp_path))
    assert collected == [] and parsed == {}
    # Each file's fix pass plans its renames on its own tree, with the run's cached judgement.
    again = [(r.new, r.findings) for r in (_engine.fix_source(data, path, Settings(), project=project)
                                           for path, data in documents)]
    assert again == first
    assert b'TapStack(app, construct_id="Tap")' in again[1][0]


@pytest.mark.parametrize("path", sorted(p for p in FIXTURES.rglob("*.py") if ".after" not in str(p)),
                         ids=lambda p: str(p.relative_to(FIXTURES)))
def test_ast_and_libcst_read_the_same_calls_and_definitions(path: Path) -> None:
    text = path.read_text()
    tree = ast.parse(text)
    module = cst.parse_module(text)
    sites, classes = callables.functions(module)
    ast_sites, ast_classes = callables.functions_ast(tree)
    assert [s.key for s in sites] == [s.key for s in ast_sites]
    assert [c.name.value for c in classes] == [c.name for c in ast_classes]
    defined = frozenset(s.node.name.value for s in sites) | frozenset(c.name.value for c in classes)
    assert callables.imports(module, str(path)) == callables.imports_ast(tree, str(path))
    resolver = callables.Resolver(defined, callables.imports(module, str(path)))
    assert [(c.callee, c.keywords, c.unpacked) for c in callables.scan_calls(module, resolver)] == \
        [(c.callee, c.keywords, c.unpacked) for c in callables.calls_ast(tree, resolver)]
    assert [resolver.first_base(c, "x") for c in classes] == [resolver.first_base_ast(c, "x") for c in ast_classes]
    # The `ast` pre-check is a superset of what the libcst facts rename.
    for site, ast_site in zip(sites, ast_sites):
        params = site.node.params
        every = (*params.posonly_params, *params.params, *params.kwonly_params)
        stars = [p for p in (params.star_arg, params.star_kwarg) if isinstance(p, cst.Param)]
        if callables.local_bindings(site.node) or any(p.name.value in callables.BUILTIN_NAMES
                                                      for p in (*every, *stars)):
            assert callables.candidates_ast(ast_site), site.key


def test_a_rewritten_caller_is_wanted_only_if_its_calls_reach_a_rename() -> None:
    # A later pass: another rule changed the text, so the collected facts no longer describe it.
    project, _ = collect_project(_units([("stack.py", STACK), ("app.py", APP)]), Settings())
    reaching = "# edited\n" + APP.decode()
    elsewhere = "# edited\n" + APP.decode().replace("TapStack(app, id=", "Other(app, id=")
    assert BuiltinParamName.wants(reaching, _context(reaching, project, "app.py"))
    assert not BuiltinParamName.wants(elsewhere, _context(elsewhere, project, "app.py"))


def test_facts_collected_in_worker_processes_equal_the_serial_ones_and_fix_the_same(tmp_path: Path) -> None:
    # Enough files for two workers: the collect phase runs in them, keeps no tree, and the fix
    # phase (in workers too) gives every file the bytes and findings of a one-process run.
    documents = [(f"pkg{index}/stack.py", NESTED if index % 2 else STACK) for index in range(10)] + \
        [(f"pkg{index}/app.py", APP) for index in range(10)] + [("cli.py", ARGPARSE), ("plain.py", PLAIN)]
    serial, serial_parsed = collect_project(_units(documents), Settings())
    parallel, parallel_parsed = collect_project(_units(documents), Settings(), jobs=2)
    assert len(serial_parsed) == 5 and parallel_parsed == {}
    assert parallel.fingerprint() == serial.fingerprint() and parallel.paths == serial.paths
    assert [repr(f) for f in parallel.facts["IAC302"]] == [repr(f) for f in serial.facts["IAC302"]]
    one = [(r.new, r.findings) for r in iter_documents(documents, Settings(), jobs=1)]
    two = [(r.new, r.findings) for r in iter_documents(documents, Settings(), jobs=2)]
    assert two == one
    assert sum(b'TapStack(app, construct_id="Tap")' in new for new, _ in two) == 10


def test_facts_collected_in_workers_are_cached_and_counted_as_the_serial_path_counts_them(tmp_path: Path) -> None:
    documents = [(f"pkg{index}/stack.py", STACK) for index in range(10)] + \
        [(f"pkg{index}/plain.py", PLAIN) for index in range(10)]
    cache = Cache(Settings(), tmp_path)
    first, _ = collect_project(_units(documents), Settings(), cache, jobs=2)
    assert (cache.hits, cache.misses) == (0, 10), "files with nothing to collect are not misses"
    cache.close()
    cache = Cache(Settings(), tmp_path)
    again, parsed = collect_project(_units(documents), Settings(), cache, jobs=2)
    assert (cache.hits, cache.misses) == (10, 0) and parsed == {}
    assert again.fingerprint() == first.fingerprint()


def test_past_the_tree_budget_the_collect_phase_keeps_no_tree_and_the_fix_is_the_same(monkeypatch) -> None:
    documents = [(f"pkg{index}/stack.py", NESTED) for index in range(4)] + [("app.py", APP)]
    whole = [(r.new, r.findings) for r in iter_documents(documents, Settings())]
    monkeypatch.setattr(_engine, "_TREE_BUDGET", 2 * len(NESTED))
    project, parsed = collect_project(_units(documents), Settings())
    assert sorted(key[0] for key in parsed) == ["pkg0/stack.py", "pkg1/stack.py"]
    assert [f.module is not None for f in project.facts["IAC302"] if f.has_plans] == [True, True, False, False], \
        "a tree past the budget is not held by the facts either"
    assert [(r.new, r.findings) for r in iter_documents(documents, Settings())] == whole


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_rule_that_crashes_while_collecting_is_off_for_the_run_which_goes_on(jobs: int, monkeypatch) -> None:
    # Half the facts would make one file rename `id` and leave a caller in another passing `id=`:
    # the rule is off for the whole run, the file it crashed on says so, the other rules still fix.
    logging_file = b'import logging\nlogging.info(f"{x}")\n'
    documents = [(f"pkg{index}/stack.py", STACK) for index in range(8)] + \
        [(f"pkg{index}/app.py", APP) for index in range(8)] + [("broken.py", STACK), ("log.py", logging_file)]
    original = BuiltinParamName.collect.__func__

    def crashing(cls, module, context):  # type: ignore[no-untyped-def]
        if context.path == "broken.py":
            raise ValueError("boom")
        return original(cls, module, context)

    monkeypatch.setattr(BuiltinParamName, "collect", classmethod(crashing))
    results = {r.path: r for r in iter_documents(documents, Settings(), jobs=jobs)}
    assert len(results) == len(documents)
    assert not any(f.code == "IAC302" for r in results.values() for f in r.findings)
    assert all(r.new == r.old for path, r in results.items() if path != "log.py"), "no half-done rename"
    assert results["broken.py"].internal_errors == (
        "internal error in IAC302 while collecting facts (ValueError: boom); IAC302 is off for this run",)
    assert not any(r.internal_errors for path, r in results.items() if path != "broken.py")
    assert results["log.py"].changed and [f.code for f in results["log.py"].findings] == ["IAC301"]
