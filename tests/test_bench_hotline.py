"""The hotline benchmark runs end to end at tiny sizes (no timing is asserted): intake
through a real server, and at scale the seeding, the inbox, the figures and the sweep."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import hotline  # noqa: E402


def test_the_benchmark_at_a_tiny_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hotline, "RESULTS", tmp_path / "results")
    assert hotline.main(["scale", "--tickets", "400", "--data-dir", str(tmp_path / "data"),
                         "--repeat", "3", "--workers", "1"]) == 0
    found = json.loads((tmp_path / "results" / "hotline-scale-sqlite.json").read_text())
    assert found["tickets"] == 400 and found["open_tickets"] > 0
    assert {"inbox_page", "figures_province_this_week", "figures_city_last_week"} <= set(
        found["http"])
    assert found["sweep"]["first_run"]["checked"]  # the open tickets' deadlines were read
    assert hotline.main(["intake", "--seconds", "1", "--clients", "2", "--workers", "1"]) == 0
    taken = json.loads((tmp_path / "results" / "hotline-intake-sqlite-httpx.json").read_text())
    assert taken["tickets"] > 0 and taken["failed"] == 0
    if shutil.which("wrk"):  # the C load generator, when the machine has it
        assert hotline.main(["intake", "--seconds", "1", "--clients", "2", "--workers", "1",
                             "--driver", "wrk"]) == 0
        taken = json.loads((tmp_path / "results" / "hotline-intake-sqlite-wrk.json").read_text())
        assert taken["tickets_per_s"] > 0 and taken["failed"] == 0
