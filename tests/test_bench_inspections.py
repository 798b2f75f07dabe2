"""The random inspections benchmark runs end to end at a tiny size (no timing is asserted):
the entities written straight into the table, then the joint task frozen and drawn, each in
a fresh process."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import inspections  # noqa: E402


def test_the_benchmark_at_a_tiny_size(database_url: str, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inspections, "RESULTS", tmp_path / "results")
    monkeypatch.setattr(inspections, "RECUSALS", 20)
    assert inspections.main(["--size", "2000", "--database-url", database_url]) == 0
    database = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    found = json.loads((tmp_path / "results" / f"inspections-{database}.json").read_text())
    freeze, draw = found["steps"]["freeze"], found["steps"]["draw"]
    assert freeze["pool_size"] == draw["pool_size"] == 2000
    assert draw["objects"] == found["objects"] == 100  # 5 % of 2 000
    assert draw["peak_rss_mb"] > 0
