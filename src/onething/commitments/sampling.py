"""核查比例, pure: the share of its 告知承诺 approvals an office checks, and how many of a
pool of n that share draws (⌈ratio × n⌉, in whole numbers: no rounding of floats).

A ratio is in (0, 1] with at most four decimals, kept in parts of ten thousand (`WHOLE`).
The monthly draw takes, on the first run of a month (China time), the checks pooled before
the month began.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from onething.commitments.models import WHOLE
from onething.kernel.errors import FieldProblem, Invalid

PLACES = 4  # decimals a ratio may have: 1 part in WHOLE


def parse_ratio(value: Decimal | str | float | None) -> int:
    """The ratio as parts of WHOLE; `Invalid` naming `ratio` when it is not in (0, 1]."""
    try:
        ratio = Decimal(str(value).strip()) if value is not None else None
    except InvalidOperation:
        ratio = None
    if ratio is None or not ratio.is_finite():
        raise _refused("请填写核查比例：大于 0、不超过 1 的数，如 0.3 即抽取 30%")
    if not 0 < ratio <= 1:
        raise _refused(f"核查比例须大于 0 且不超过 1（如 0.3 即抽取 30%），收到 {ratio}")
    parts = ratio * WHOLE
    if parts != parts.to_integral_value():
        raise _refused(f"核查比例最多保留 {PLACES} 位小数，收到 {ratio}")
    return int(parts)


def _refused(message: str) -> Invalid:
    return Invalid("核查比例有误", problems=[FieldProblem("ratio", message)])


def how_many(parts: int, n: int) -> int:
    """⌈parts / WHOLE × n⌉: how many of n pooled checks a draw picks."""
    return (parts * n + WHOLE - 1) // WHOLE


def as_ratio(parts: int) -> Decimal:
    """The ratio as a number, e.g. 0.3 (without trailing zeros)."""
    ratio = Decimal(parts) / WHOLE
    return ratio.quantize(Decimal(1)) if ratio == ratio.to_integral_value() else ratio.normalize()


def in_words(parts: int) -> str:
    """How people read a ratio: 全部核查, or the share in per cent (抽取 30%)."""
    if parts >= WHOLE:
        return "全部核查"
    percent = (Decimal(parts) / (WHOLE // 100)).normalize()
    return f"抽取 {percent:f}%"


def month_began(today: dt.date) -> dt.date:
    """The first day of `today`'s month: the monthly draw takes the checks pooled before it."""
    return today.replace(day=1)
