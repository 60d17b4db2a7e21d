#!/usr/bin/env python3
"""Benchmark iacfix against the libcst floor (and the peers when installed), as ratios.

    python bench/run.py                       # samples + the dev corpus blocks when ../shared is there
    python bench/run.py --corpus DIR ...      # any folders of .py files
    python bench/run.py --rounds 5 --scale 10 --markdown

Every measurement is a fresh process, interleaved with the others over several rounds (so load
on the machine hits all of them alike); min and median are reported, each as a ratio to the
floor measured in the same run: libcst parse plus code generation of every file. Nothing here
asserts a time: the goals are in bench/README.md and are read off the table.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
HELPER = Path(__file__).resolve().parent / "_baselines.py"
STACK_LINES = 1500
# A parameter shadowing a built-in: IAC302 fires and needs scope analysis.
SCOPE_CANDIDATE = "\n\ndef describe(id):\n    return f\"resource {id}\"\n"
CANDIDATE_LINE = '\nimport logging\nlogging.getLogger().info(f"bench {__name__}")\n'


Sample = tuple[float, int, float]  # wall s, peak RSS KB, CPU s (user + system, waited-for children included)


def run_timed(command: list[str], stdin: bytes | None = None, env: dict[str, str] | None = None) -> Sample:
    """Wall time, peak RSS and CPU time of one child process.

    CPU time is what a busy machine disturbs least (other processes steal wall time, not CPU
    time), so the table shows both; on an idle machine they agree for the one-process rows."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    if stdin is not None:
        assert process.stdin is not None
        process.stdin.write(stdin)
        process.stdin.close()
    _, _, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    return elapsed, usage.ru_maxrss, usage.ru_utime + usage.ru_stime


def build_corpus(work: Path, sources: list[Path], scale: int) -> tuple[Path, int, int]:
    """Copy every .py of `sources` `scale` times into work; returns (folder, files, lines)."""
    files = lines = 0
    for copy in range(scale):
        for source in sources:
            for path in sorted(source.rglob("*.py")):
                target = work / f"copy{copy}" / source.name / path.relative_to(source)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
                files += 1
                lines += path.read_bytes().count(b"\n")
    return work, files, lines


def with_candidates(source: Path, target: Path) -> Path:
    """The same corpus with a logging f-string appended to every file: every file is a candidate."""
    for path in sorted(source.rglob("*.py")):
        out = target / path.relative_to(source)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(path.read_bytes() + CANDIDATE_LINE.encode())
    return target


def default_sources(tmp: Path) -> list[Path]:
    sources = [ROOT / "samples"]
    extract = ROOT.parent / "shared" / "tools" / "extract-blocks"
    if extract.exists():
        blocks = tmp / "blocks"
        subprocess.run([str(extract), str(blocks)], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        sources.append(blocks)
    return sources


def measure(named: dict[str, Callable[[], Sample]], rounds: int) -> dict[str, list[Sample]]:
    samples: dict[str, list[Sample]] = {name: [] for name in named}
    for _ in range(rounds):
        for name, action in named.items():  # interleaved: round by round, every measurement once
            samples[name].append(action())
    return samples


def table(samples: dict[str, list[Sample]], floor_name: str, title: str) -> list[str]:
    floor = min(t for t, _, _ in samples[floor_name])
    floor_cpu = min(c for _, _, c in samples[floor_name])
    floor_rss = max(m for _, m, _ in samples[floor_name])
    rows = [f"### {title}", "", "| measurement | wall min s | wall median s | wall ratio (min) | CPU min s | "
            "CPU ratio (min) | peak RSS MB | RSS ratio |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, values in samples.items():
        times = [t for t, _, _ in values]
        cpu = min(c for _, _, c in values)
        rss = max(m for _, m, _ in values)
        rows.append(f"| {name} | {min(times):.3f} | {statistics.median(times):.3f} | {min(times) / floor:.2f}x | "
                    f"{cpu:.3f} | {cpu / floor_cpu:.2f}x | {rss / 1024:.0f} | {rss / floor_rss:.2f}x |")
    return rows + [""]


def iacfix(*args: str, cache: Path | None = None) -> Callable[[], Sample]:
    env = dict(os.environ)
    if cache is not None:
        env["IACFIX_CACHE_DIR"] = str(cache)
    command = [PY, "-m", "iacfix", "--check", "-q", *args]
    return lambda: run_timed(command, env=env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, nargs="*", help="folders of .py files (default: samples + dev corpus)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--scale", type=int, default=10, help="the large corpus is this many copies")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--markdown", action="store_true", help="print a header with date and machine")
    args = parser.parse_args()
    # An installed tool runs from cached bytecode: compile it once, and let every run use it.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([PY, "-m", "compileall", "-q", str(ROOT / "iacfix")], check=False, stdout=subprocess.DEVNULL)

    out: list[str] = []
    with tempfile.TemporaryDirectory(prefix="iacfix-bench-") as tmp_name:
        tmp = Path(tmp_name)
        sources = args.corpus or default_sources(tmp)
        corpus, files, lines = build_corpus(tmp / "x1", sources, 1)
        big, big_files, big_lines = build_corpus(tmp / f"x{args.scale}", sources, args.scale)
        every = with_candidates(corpus, tmp / "candidates")
        cache = tmp / "cache"
        subprocess.run([PY, "-m", "iacfix", "--check", "-q", "-j1", str(corpus)], env={**os.environ,
                       "IACFIX_CACHE_DIR": str(cache)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        if args.markdown:
            out += [f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC: {_cpu()}, "
                    f"{os.cpu_count()} cores, Python {platform.python_version()}, libcst {_version('libcst')}, "
                    f"load average {os.getloadavg()[0]:.2f} at the start; `python bench/run.py --rounds "
                    f"{args.rounds} --scale {args.scale}`.", ""]
        out.append(f"Corpus: {files} files, {lines} lines (x{args.scale}: {big_files} files, {big_lines} lines).")
        out.append("")

        listed = files_with_findings(corpus, tmp / "with-findings.txt")
        whole = {
            "floor: libcst parse + codegen": lambda: run_timed([PY, str(HELPER), "floor", str(corpus)]),
            "ast.parse (lower floor)": lambda: run_timed([PY, str(HELPER), "ast", str(corpus)]),
            "no-op libcst transformer": lambda: run_timed([PY, str(HELPER), "noop", str(corpus)]),
            "no-op transformer, files with findings only": lambda: run_timed([PY, str(HELPER), "noop-listed",
                                                                              str(listed)]),
            "iacfix --check -j1": iacfix("-j1", "--no-cache", str(corpus)),
            f"iacfix --check -j{args.jobs}": iacfix(f"-j{args.jobs}", "--no-cache", str(corpus)),
            "iacfix --check, cached re-run": iacfix("-j1", str(corpus), cache=cache),
        }
        ruff = shutil.which("ruff", path=f"{Path(PY).parent}{os.pathsep}{os.environ.get('PATH', '')}")
        if ruff:
            whole["ruff check (peer)"] = lambda: run_timed([ruff, "check", "--no-cache", "--exit-zero", "-q",
                                                            "--select", "G,E501,A002", str(corpus)])
        if _importable("fixit"):
            whole[f"fixit lint (peer, {args.jobs} cores)"] = lambda: run_timed([PY, "-m", "fixit", "lint", str(corpus)])
        out += table(measure(whole, args.rounds), "floor: libcst parse + codegen", "Whole corpus, all rules")
        out = _flush(out)

        candidates = {
            "floor: libcst parse + codegen": lambda: run_timed([PY, str(HELPER), "floor", str(every)]),
            "iacfix --check -j1": iacfix("-j1", "--no-cache", str(every)),
        }
        out += table(measure(candidates, args.rounds), "floor: libcst parse + codegen",
                     "Every file a candidate (a logging f-string appended to each)")
        out = _flush(out)

        scaling = {
            "floor x1": lambda: run_timed([PY, str(HELPER), "floor", str(corpus)]),
            f"floor x{args.scale}": lambda: run_timed([PY, str(HELPER), "floor", str(big)]),
            "iacfix -j1 x1": iacfix("-j1", "--no-cache", str(corpus)),
            f"iacfix -j1 x{args.scale}": iacfix("-j1", "--no-cache", str(big)),
        }
        scaled = measure(scaling, max(1, args.rounds - 1))
        out += table(scaled, "floor x1", f"Scaling 1x to {args.scale}x")
        out = _flush(out)

        data = stack_of(corpus, STACK_LINES)
        scoped = data + SCOPE_CANDIDATE.encode()
        single = {
            "floor: fresh process, parse + codegen": lambda: run_timed([PY, str(HELPER), "stdin"], stdin=data),
            "iacfix - (cold process)": lambda: run_timed([PY, "-m", "iacfix", "-", "--no-cache"], stdin=data),
            "iacfix - (cold, a scope rule fires)": lambda: run_timed([PY, "-m", "iacfix", "-", "--no-cache"],
                                                                     stdin=scoped),
            "start-up: import libcst, click": lambda: run_timed([PY, "-c", "import libcst, click"]),
            "start-up: iacfix --version": lambda: run_timed([PY, "-m", "iacfix", "--version"]),
        }
        stack_lines = data.count(b"\n")
        out += table(measure(single, args.rounds + 2), "floor: fresh process, parse + codegen",
                     f"One file as an editor runs it (a {stack_lines}-line stack made of corpus files)")
    if args.markdown:
        out.append(f"Load average {os.getloadavg()[0]:.2f} at the end.")
    print("\n".join(out))


def files_with_findings(corpus: Path, target: Path) -> Path:
    """The files iacfix reports or changes, listed in `target`: a tool that runs its rules in one
    libcst traversal must at least parse, traverse and regenerate these."""
    run = subprocess.run([PY, "-m", "iacfix", "--check", "--no-cache", "-j1", "--output-format", "json",
                          str(corpus)], capture_output=True, check=False)
    files = json.loads(run.stdout)["files"]
    target.write_text("".join(f"{f['path']}\n" for f in files if f.get("findings") or f.get("changed")),
                      encoding="utf-8")
    return target


def _flush(lines: list[str]) -> list[str]:
    """Print the tables done so far (a full run takes many minutes on a busy machine)."""
    print("\n".join(lines), flush=True)
    return []


def stack_of(folder: Path, lines: int) -> bytes:
    """About `lines` lines of stack code: the corpus's stack files that parse, in sorted order,
    joined until there are enough (no single real answer is that long and parses)."""
    import ast

    parts: list[bytes] = []
    count = 0
    for path in sorted(folder.rglob("*stack*.py")) + sorted(folder.rglob("block_*.py")):
        data = path.read_bytes()
        try:
            ast.parse(data)
        except (SyntaxError, ValueError):
            continue
        if b"Stack" not in data:
            continue
        parts.append(data if data.endswith(b"\n") else data + b"\n")
        count += parts[-1].count(b"\n")
        if count >= lines:
            break
    return b"".join(parts)


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


def _importable(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


if __name__ == "__main__":
    main()
