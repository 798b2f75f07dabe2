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


def public_ratings(session: Session, catalog: Catalog, month: str | None) -> list[dict[str, Any]]:
    query = select(Rating.department_code, Rating.level, Rectification.closed_at).outerjoin(
        Rectification, Rectification.rating_id == Rating.id)
    if month:
        start, end = StatsQuery(*month_bounds(month)).bounds()
        query = query.where(Rating.created_at >= start, Rating.created_at < end)
    rows: dict[str, dict[str, Any]] = defaultdict(lambda: {"levels": dict.fromkeys(LEVELS, 0),
                                                           "rectified": 0})
    for code, level, closed in session.execute(query):
        rows[code]["levels"][level] += 1
        rows[code]["rectified"] += level < GOOD_LEVEL and closed is not None
    result = []
    for code, row in rows.items():
        total = sum(row["levels"].values())
        good = sum(n for level, n in row["levels"].items() if level >= GOOD_LEVEL)
        bad = total - good
        result.append({
            "department": code,
            "name": catalog.departments[code].name if code in catalog.departments else code,
            "ratings": total, "good": good, "bad": bad,
            "good_rate": round(good / total, 4) if total else 0.0,
            "rectified": row["rectified"],
            "rectification_rate": round(row["rectified"] / bad, 4) if bad else 0.0,
            "levels": {LEVELS[k]: v for k, v in row["levels"].items()},
        })
    return sorted(result, key=lambda r: (-r["good_rate"], r["name"]))

