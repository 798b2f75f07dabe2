"""好差评公示: each department's rating figures for everyone, without personal data."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from onething.cases.routing import WINDOWS
from onething.catalog.linked import Catalog
from onething.ratings.models import Rating, Rectification
from onething.ratings.service import LEVELS
from onething.supervision.stats import GOOD_LEVEL, RatingRates, StatsQuery, month_bounds

WINDOW = "window"  # ratings of the receiving windows


@dataclass
class _Published(RatingRates):
    """One row: the ratings by level; 好评率 and 整改率 as the dashboard counts them."""

    levels: dict[int, int] = field(default_factory=lambda: dict.fromkeys(LEVELS, 0))
    ratings: int = 0
    good: int = 0
    bad: int = 0
    rectified: int = 0  # justified and rectified in time
    unjustified: int = 0  # bad ratings judged unjustified (认定不属实)

    def add(self, level: int, justified: bool | None, on_time: bool | None) -> None:
        self.levels[level] += 1
        self.ratings += 1
        good = level >= GOOD_LEVEL
        self.good, self.bad = self.good + good, self.bad + (not good)
        self.rectified += bool(justified and on_time)
        self.unjustified += justified is False


def public_ratings(session: Session, catalog: Catalog, month: str | None) -> list[dict[str, Any]]:
    """Per department (and the windows): the ratings, 好评率 and 整改率 (None, "—", when
    no bad rating is left to rectify)."""
    query = select(Rating.department_code, Rating.level, Rectification.justified,
                   Rectification.on_time).outerjoin(
        Rectification, Rectification.rating_id == Rating.id)
    if month:
        start, end = StatsQuery(*month_bounds(month)).bounds()
        query = query.where(Rating.created_at >= start, Rating.created_at < end)
    rows: dict[str, _Published] = defaultdict(_Published)
    for code, level, justified, on_time in session.execute(query):
        rows[code or WINDOW].add(level, justified, on_time)
    result = [{
        "department": code,
        "name": WINDOWS if code == WINDOW else
        catalog.departments[code].name if code in catalog.departments else code,
        "ratings": row.ratings, "good": row.good, "bad": row.bad,
        "good_rate": row.good_rate, "rectified": row.rectified,
        "rectification_rate": row.rectification_rate,
        "levels": {LEVELS[k]: v for k, v in row.levels.items()},
    } for code, row in rows.items()]
    return sorted(result, key=lambda r: (-(r["good_rate"] or 0), r["name"]))
