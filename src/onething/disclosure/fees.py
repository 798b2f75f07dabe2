"""The fees of 政府信息公开信息处理费 (国办函〔2020〕109号), pure.

Information is given free in general (条例 art. 42); where an applicant asks for much, an
office may charge by one of two ways, never both for one request:

- by count (按件): the requests of the same applicant in one calendar month — the 1st to the
  10th free; the 11th to the 30th ¥100 each; from the 31st on, ¥100 more for each band of
  10 (the 31st–40th ¥200 each, the 41st–50th ¥300 each …);
- by pages (按量): for one request, pages 1–30 free; pages 31–100 ¥10 a page; 101–200 ¥20 a
  page; from 201 on ¥40 a page — progressive, each page at its band's price.
"""

from __future__ import annotations

import enum

FREE_COUNT = 10
FIRST_BAND_END = 30
COUNT_STEP = 100  # yuan
COUNT_BAND = 10
PAGE_BANDS = ((30, 0), (100, 10), (200, 20))  # (last page of the band, yuan a page)
PAGE_TOP = 40  # yuan a page past the last band


class FeeMode(enum.StrEnum):
    none = "none"
    requests = "requests"  # 按件
    pages = "pages"


FEE_MODE_NAMES = {FeeMode.none: "不收费", FeeMode.requests: "按件计收",
                  FeeMode.pages: "按量计收"}


def by_count(nth: int) -> int:
    """The fee of an applicant's `nth` request of a calendar month (1 = the first)."""
    if nth < 1:
        raise ValueError("nth counts from 1")
    if nth <= FREE_COUNT:
        return 0
    if nth <= FIRST_BAND_END:
        return COUNT_STEP
    bands = -(-(nth - FIRST_BAND_END) // COUNT_BAND)  # ⌈(n − 30) / 10⌉
    return COUNT_STEP * (1 + bands)


def by_pages(pages: int) -> int:
    """The fee of one request's `pages` pages, each at its band's price."""
    if pages < 0:
        raise ValueError("pages must not be negative")
    total, below = 0, 0
    for last, price in PAGE_BANDS:
        total += max(0, min(pages, last) - below) * price
        below = last
    return total + max(0, pages - below) * PAGE_TOP


def fee(mode: FeeMode, nth: int, pages: int | None) -> int:
    """The fee in yuan of one request charged `mode`; `nth`, its place in the applicant's
    month; `pages`, what it gives (only by pages)."""
    if mode == FeeMode.requests:
        return by_count(nth)
    if mode == FeeMode.pages:
        return by_pages(pages or 0)
    return 0
