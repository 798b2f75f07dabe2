"""China's working-day calendar (工作日), pure.

Where a year's arrangement comes from, in order:
1. a State Council notice loaded as data (`onething workdays load FILE`);
2. the `chinesecalendar` package, for the years it knows;
3. the law itself: the statutory holidays of 全国年节及纪念日放假办法 (2025) — 元旦, 春节
   (除夕 to 初三), 清明, 劳动节 (1–2 May), 端午, 中秋, 国庆 (1–3 Oct), lunar dates computed —
   and weekends otherwise. Such days are marked provisional: the notice may still move
   weekends around them (调休), so a deadline never silently pretends to know.

Time limits count working days; counting starts the day after the start date (行政许可法
art. 82), and a limit of 0 (即办) is due the same day.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import chinese_calendar
from lunardate import LunarDate

Date = dt.date


@dataclass(frozen=True)
class Notice:
    """One year's arrangement as the State Council published it."""

    year: int
    holidays: Mapping[Date, str]  # day off → holiday name
    workdays: frozenset[Date] = frozenset()  # weekend days that are working days (调休)
    source: str = ""


@dataclass(frozen=True)
class Day:
    date: Date
    workday: bool
    holiday: str | None  # name of the holiday, if the day is one
    provisional: bool  # True when the year's official arrangement is not known


@dataclass(frozen=True)
class Deadline:
    date: Date
    provisional: bool  # some day counted is not yet confirmed by an official notice


def _lunar(year: int, month: int, day: int) -> Date:
    return LunarDate(year, month, day).to_solar_date()  # type: ignore[no-any-return]


@lru_cache(maxsize=64)
def statutory_holidays(year: int) -> dict[Date, str]:
    """The days off the law fixes for `year`, without the yearly 调休 arrangement."""
    days: dict[Date, str] = {Date(year, 1, 1): "元旦"}
    new_year = _lunar(year, 1, 1)
    for offset in range(-1, 3):  # 除夕 to 初三
        days[new_year + dt.timedelta(days=offset)] = "春节"
    for qingming, _name in chinese_calendar.get_solar_terms(Date(year, 4, 1), Date(year, 4, 7)):
        if _name == "清明":
            days[qingming] = "清明节"
    days[Date(year, 5, 1)] = days[Date(year, 5, 2)] = "劳动节"
    days[_lunar(year, 5, 5)] = "端午节"
    days[_lunar(year, 8, 15)] = "中秋节"
    for d in (1, 2, 3):
        days[Date(year, 10, d)] = "国庆节"
    return days


_KNOWN_YEARS = range(2004, 2027)  # what the installed chinesecalendar release knows


def built_in_years() -> range:
    """The years whose State Council arrangement ships with the platform (the installed
    chinesecalendar release): counted exactly without a loaded notice."""
    known = [y for y in _KNOWN_YEARS if _package_knows(y)]
    return range(known[0], known[-1] + 1) if known else range(0)


def _package_knows(year: int) -> bool:
    if year not in _KNOWN_YEARS:
        return False
    try:
        chinese_calendar.is_workday(Date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@dataclass
class Calendar:
    """Working days, from loaded notices, the package, or the law (provisional)."""

    notices: Mapping[int, Notice] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A notice may name days of the neighbouring year (a make-up day in late December).
        self._off: dict[Date, str] = {}
        self._on: set[Date] = set()
        self._tables: dict[int, tuple[list[int], bool]] = {}
        for notice in self.notices.values():
            self._off.update(notice.holidays)
            self._on.update(notice.workdays)

    def day(self, date: Date) -> Day:
        if date in self._off:
            return Day(date, False, self._off[date], False)
        if date in self._on:
            return Day(date, True, None, False)
        if date.year in self.notices:
            return Day(date, date.weekday() < 5, None, False)
        if _package_knows(date.year):
            on_holiday, name = chinese_calendar.get_holiday_detail(date)
            holiday = _CHINESE_NAMES.get(name, name) if name else None
            return Day(date, not on_holiday, holiday if on_holiday else None, False)
        name = statutory_holidays(date.year).get(date)
        return Day(date, name is None and date.weekday() < 5, name, True)

    def is_workday(self, date: Date) -> bool:
        return self.day(date).workday

    def _year(self, year: int) -> tuple[list[int], bool]:
        """Working days on or before each day of `year` (cumulative), and whether the year is
        provisional. Built once per year, so counting and adding cost no day-by-day walk."""
        if year not in self._tables:
            cumulative, total, provisional = [], 0, False
            day = Date(year, 1, 1)
            while day.year == year:
                info = self.day(day)
                total += info.workday
                provisional = provisional or info.provisional
                cumulative.append(total)
                day += dt.timedelta(days=1)
            self._tables[year] = (cumulative, provisional)
        return self._tables[year]

    def _upto(self, date: Date) -> int:
        return self._year(date.year)[0][date.timetuple().tm_yday - 1]

    def add(self, start: Date, days: int) -> Deadline:
        """The date `days` working days after `start` (0: the same day)."""
        if days < 0:
            raise ValueError("days must not be negative")
        if days == 0:
            return Deadline(start, False)
        year, wanted = start.year, self._upto(start) + days
        while True:
            cumulative = self._year(year)[0]
            if wanted <= cumulative[-1]:
                found = Date(year, 1, 1) + dt.timedelta(days=bisect_left(cumulative, wanted))
                first = (start + dt.timedelta(days=1)).year
                spanned = any(self._year(y)[1] for y in range(first, found.year + 1))
                return Deadline(found, spanned)
            wanted -= cumulative[-1]
            year += 1

    def count(self, start: Date, end: Date) -> int:
        """Working days after `start` up to and including `end` (0 if end <= start)."""
        if end <= start:
            return 0
        if start.year == end.year:
            return self._upto(end) - self._upto(start)
        total = self._year(start.year)[0][-1] - self._upto(start) + self._upto(end)
        return total + sum(self._year(y)[0][-1] for y in range(start.year + 1, end.year))


_CHINESE_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节", "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def last_day_of_years(start: Date, years: int) -> Date:
    """The last day of a period of `years` calendar years from `start` (a licence valid for
    5 years, a bad-credit record kept for 3): the day before the same date `years` later;
    from 29 February, the day before 28 February in a common year."""
    try:
        anniversary = start.replace(year=start.year + years)
    except ValueError:
        anniversary = start.replace(year=start.year + years, day=28)
    return anniversary - dt.timedelta(days=1)


def notice_from_data(data: Mapping[str, object]) -> Notice:
    """A notice from its file form (see docs/WORKDAYS.md); ValueError naming what is wrong."""
    try:
        year = int(data["year"])  # type: ignore[call-overload]
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError("缺少或无效的 year（年份）") from exc
    holidays: dict[Date, str] = {}
    for n, period in enumerate(_list(data.get("holidays"), "holidays"), start=1):
        if not isinstance(period, Mapping):
            raise ValueError(f"holidays 第 {n} 项必须是映射（name/from/to）")
        name = str(period.get("name") or "").strip()
        first = _date(period.get("from"), f"holidays 第 {n} 项的 from")
        last = _date(period.get("to", period.get("from")), f"holidays 第 {n} 项的 to")
        if not name:
            raise ValueError(f"holidays 第 {n} 项缺少 name（节日名称）")
        if last < first or (last - first).days > 15:
            raise ValueError(f"holidays 第 {n} 项（{name}）的日期范围不合理：{first} 至 {last}")
        for offset in range((last - first).days + 1):
            holidays[first + dt.timedelta(days=offset)] = name
    workdays = frozenset(_date(d, "workdays 中的日期") for d in _list(data.get("workdays"),
                                                                   "workdays"))
    outside = [d for d in [*holidays, *workdays] if abs(d.year - year) > 1]
    if outside:
        raise ValueError(f"日期 {outside[0]} 不属于 {year} 年的安排")
    clash = sorted(set(holidays) & workdays)
    if clash:
        raise ValueError(f"{clash[0]} 既是放假日又是调休上班日")
    return Notice(year, holidays, workdays, str(data.get("source") or ""))


def _list(value: object, name: str) -> Iterable[object]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"{name} 必须是列表")
    return value


def _date(value: object, what: str) -> Date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, Date):
        return value
    try:
        return Date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValueError(f"{what} 不是日期（应为 YYYY-MM-DD）：{value}") from exc
