"""The 免申即享 matching benchmark runs end to end at a tiny size (no timing is asserted):
the data written straight into the tables, then 高龄津贴 matched in a fresh process, the
first run making matches and the second finding them made."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import policies  # noqa: E402


def test_the_benchmark_at_a_tiny_size(database_url: str, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(policies, "RESULTS", tmp_path / "results")
    assert policies.main(["--size", "400", "--companies", "5", "--database-url", database_url,
                          "--policy", "ELDERLY_ALLOWANCE"]) == 0
    database = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    found = json.loads((tmp_path / "results" / f"policies-{database}.json").read_text())
    assert found["rows"]["HUJI"] == 400 and found["rows"]["STAFF"] == 5
    first, again = found["runs"]["ELDERLY_ALLOWANCE"].values()
    assert first["checked"] == again["checked"] == 400
    assert first["matched"] > 0 and first["already"] == 0  # a few of 400 are 80 or older
    assert again["matched"] == 0 and again["already"] == first["matched"] == found["matches"]
    assert first["peak_rss_mb"] > 0
