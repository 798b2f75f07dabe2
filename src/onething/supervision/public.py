"""好差评公示: each department's rating figures for everyone, without personal data."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from onething.catalog.model import Catalog
from onething.ratings.models import Rating, Rectification
from onething.ratings.service import LEVELS
from onething.supervision.stats import GOOD_LEVEL, StatsQuery, month_bounds

WINDOW, WINDOW_NAME = "window", "综合窗口"  # ratings of the receiving windows

def public_ratings(session: Session, catalog: Catalog, month: str | None) -> list[dict[str, Any]]:
    query = select(Rating.department_code, Rating.level, Rectification.justified,
                   Rectification.on_time).outerjoin(
        Rectification, Rectification.rating_id == Rating.id)
    if month:
        start, end = StatsQuery(*month_bounds(month)).bounds()
        query = query.where(Rating.created_at >= start, Rating.created_at < end)
    rows: dict[str, dict[str, Any]] = defaultdict(lambda: {"levels": dict.fromkeys(LEVELS, 0),
                                                           "rectified": 0, "unjustified": 0})
    for code, level, justified, on_time in session.execute(query):
        row = rows[code or WINDOW]
        row["levels"][level] += 1
        row["rectified"] += bool(justified and on_time)  # 整改率: see stats._RatingRates
        row["unjustified"] += justified is False
    result = []
    for code, row in rows.items():
        total = sum(row["levels"].values())
        good = sum(n for level, n in row["levels"].items() if level >= GOOD_LEVEL)
        bad = total - good
        to_rectify = bad - row["unjustified"]
        result.append({
            "department": code,
            "name": WINDOW_NAME if code == WINDOW else
            catalog.departments[code].name if code in catalog.departments else code,
            "ratings": total, "good": good, "bad": bad,
            "good_rate": round(good / total, 4) if total else 0.0,
            "rectified": row["rectified"],
            "rectification_rate": round(row["rectified"] / to_rectify, 4) if to_rectify else 0.0,
            "levels": {LEVELS[k]: v for k, v in row["levels"].items()},
        })
    return sorted(result, key=lambda r: (-r["good_rate"], r["name"]))

