"""The bundled samples: `iacfix samples/` gives the reviewed result, and that result is clean."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from click.testing import CliRunner

from iacfix.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
EXPECTED = Path(__file__).parent / "fixtures" / "_samples_after"


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_fixing_the_samples_gives_the_expected_result(tmp_path: Path) -> None:
    work = tmp_path / "samples"
    shutil.copytree(SAMPLES, work)
    result = CliRunner().invoke(main, [str(work)])
    assert result.exit_code == 0, result.output
    if os.environ.get("IACFIX_UPDATE_FIXTURES") == "1":
        shutil.rmtree(EXPECTED, ignore_errors=True)
        shutil.copytree(work, EXPECTED)
    assert _files(work) == _files(EXPECTED)
    assert _files(work) != _files(SAMPLES), "the samples must show defects that iacfix fixes"


def test_fixed_samples_pass_check() -> None:
    result = CliRunner().invoke(main, ["--check", str(EXPECTED)])
    assert result.exit_code == 0, result.output
