"""A rule's pre-check (`TRIGGERS` / `wants`) only saves time: it must never hide a finding.

Every fixture file is fixed with all rules, as usual and with every pre-check forced to say
yes; findings and output must be the same. `bench/prechecks.py DIR` does this on any corpus.
"""

from __future__ import annotations

import sys
from pathlib import Path

from iacfix.codemods import ALL_RULES

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from prechecks import DECISIVE, compare, forced_prechecks  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"


def _fixture_files() -> list[tuple[str, bytes]]:
    paths = [p for p in sorted(FIXTURES.glob("*/*.py")) if not p.name.endswith(".after.py")]
    return [(str(path), path.read_bytes()) for path in paths]


def test_prechecks_hide_no_finding_on_the_fixtures() -> None:
    files = _fixture_files()
    differ, fires = compare(files, ALL_RULES)
    assert not differ, "\n".join(differ)
    # The comparison is only worth something if the rules fire on these files.
    silent = {rule.CODE for rule in ALL_RULES if rule.UNIT_KIND == "python"} - set(fires) - DECISIVE
    # IAC300 audits suppressions; the project rules (IAC401, IAC402) judge folders, not single files.
    assert silent <= {"IAC300", "IAC401", "IAC402"}, f"rules that fire on no fixture: {sorted(silent)}"


def test_forcing_restores_the_prechecks() -> None:
    rule = next(r for r in ALL_RULES if r.CODE == "IAC504")
    with forced_prechecks([rule]):
        assert rule.wants("nothing to see", None)  # type: ignore[arg-type]
    assert not rule.wants("nothing to see", None)  # type: ignore[arg-type]
