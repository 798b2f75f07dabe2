"""A holder's profile (画像) as a policy's CEL rules read it (pure).

Variables: `today` (a timestamp at 00:00 China time), `month_start` (the first day of
`today`'s month, the same way: a monthly benefit paid for the month of an event and stopped
the month after compares with it), `age` (a person's whole years at `today`, from the ID
number's birth date), and one map per shared data set of the holder's
kind, named by the set's code in lower case:

- a set with one row per holder: its facts (`huji.birth_date`, `tax.status`); a fact the
  row leaves empty, or a set with no row for the holder, is absent (`has(huji.died_on)`);
- a monthly set: `months` (how many of the 12 months before this one have a row),
  `latest` (the newest row's facts), `last_12` and `last_year` (each numeric fact summed
  over the 12 months before this one, and over the previous calendar year).

Dates are timestamps at 00:00 China time, numbers doubles, integers ints. The same shapes,
filled with sample values, are what a policy's rules are checked against when the catalog
is validated (`samples`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from onething.catalog.expressions import day_start
from onething.catalog.spec import FactSpec, FactType, SourceHolder, SourceSpec

NUMERIC = (FactType.number, FactType.integer)
Row = tuple[str, dt.date, Mapping[str, Any]]  # (period YYYY-MM or "", as_of, facts)


def variables(sources: Iterable[SourceSpec], holder: SourceHolder) -> set[str]:
    """The names a rule about a holder of this kind may use."""
    names = {"today", "month_start", *(s.code.lower() for s in sources if s.holder == holder)}
    return names | ({"age"} if holder == SourceHolder.person else set())


def context(sources: Mapping[str, SourceSpec], holder: SourceHolder, key: str,
            found: Mapping[str, Iterable[Row]], today: dt.date) -> dict[str, Any]:
    """The profile of the holder `key` from its shared facts by source (`found`)."""
    return dict(Profile(of_kind(sources, holder), holder, key, found, today))


def of_kind(sources: Mapping[str, SourceSpec], holder: SourceHolder) -> dict[str, SourceSpec]:
    """The data sets about holders of this kind, by the name a rule gives them."""
    return {s.code.lower(): s for s in sources.values() if s.holder == holder}


class Profile(Mapping[str, Any]):
    """The profile `context` gives, each variable made only when first read: a million
    holders are decided one by one, and most fail a rule on `age` alone, whose data sets
    need never be converted. `sources` are `of_kind(…)`'s."""

    __slots__ = ("_found", "_key", "_made", "_names", "_sources", "_today")

    def __init__(self, sources: Mapping[str, SourceSpec], holder: SourceHolder, key: str,
                 found: Mapping[str, Iterable[Row]], today: dt.date) -> None:
        self._sources, self._key, self._found, self._today = sources, key, found, today
        self._names = (("today", "month_start", "age") if holder == SourceHolder.person
                       else ("today", "month_start")) + tuple(sources)
        self._made: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        try:
            return self._made[name]
        except KeyError:
            pass
        if name not in self._names:
            raise KeyError(name)
        value = self._made[name] = self._make(name)
        return value

    def _make(self, name: str) -> Any:
        if name == "today":
            return day_start(self._today)
        if name == "month_start":
            return day_start(self._today.replace(day=1))
        if name == "age":
            return age(self._key, self._today)
        source = self._sources[name]
        rows = list(self._found.get(source.code, ()))
        return (_monthly(source, rows, self._today) if source.monthly
                else _values(source.facts, rows[0][2] if rows else {}))

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def age(id_number: str, today: dt.date) -> int:
    """Whole years since the birth date a 居民身份证号 carries (GB 11643)."""
    born = dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _values(facts: Iterable[FactSpec], stored: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for fact in facts:
        value = stored.get(fact.code)
        if value is not None:
            out[fact.code] = _typed(fact.type, value)
    return out


def _typed(kind: FactType, value: Any) -> Any:
    if kind == FactType.date:
        return day_start(dt.date.fromisoformat(value))
    if kind == FactType.number:
        return float(value)
    if kind == FactType.integer:
        return int(value)
    return value


def _month(day: dt.date, back: int) -> str:
    """The month `back` months before `day`'s, as YYYY-MM."""
    index = day.year * 12 + day.month - 1 - back
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _monthly(source: SourceSpec, rows: list[Row], today: dt.date) -> dict[str, Any]:
    window = {_month(today, back) for back in range(1, 13)}
    last_year = f"{today.year - 1:04d}-"
    numeric = [f for f in source.facts if f.type in NUMERIC]
    newest = max(rows, key=lambda r: r[0], default=None)
    return {
        "months": sum(1 for period, _, _ in rows if period in window),
        "latest": _values(source.facts, newest[2] if newest else {}),
        "last_12": _sums(numeric, [f for p, _, f in rows if p in window]),
        "last_year": _sums(numeric, [f for p, _, f in rows if p.startswith(last_year)]),
    }


def _sums(numeric: list[FactSpec], rows: list[Mapping[str, Any]]) -> dict[str, Any]:
    return {f.code: _typed(f.type, sum(r.get(f.code) or 0 for r in rows)) for f in numeric}


# --- samples for checking rules ----------------------------------------------------------


def samples(sources: Iterable[SourceSpec], holder: SourceHolder,
            today: dt.date) -> list[dict[str, Any]]:
    """Profiles with every fact present, at the small, ordinary and large ends of numbers
    and ages: a rule must give true or false on each, an amount a number never below 0."""
    return [_sample(sources, holder, today, n) for n in (0.0, 1.0, 1_000_000.0)]


def _sample(sources: Iterable[SourceSpec], holder: SourceHolder, today: dt.date,
            number: float) -> dict[str, Any]:
    out: dict[str, Any] = {"today": day_start(today),
                           "month_start": day_start(today.replace(day=1))}
    if holder == SourceHolder.person:
        out["age"] = {0.0: 0, 1.0: 80}.get(number, 120)
    for source in sources:
        if source.holder != holder:
            continue
        values = {f.code: _sample_value(f, today, number) for f in source.facts}
        numeric = {f.code: values[f.code] for f in source.facts if f.type in NUMERIC}
        out[source.code.lower()] = ({"months": int(min(number, 12)), "latest": values,
                                     "last_12": numeric, "last_year": numeric}
                                    if source.monthly else values)
    return out


def _sample_value(fact: FactSpec, today: dt.date, number: float) -> Any:
    if fact.type == FactType.number:
        return number
    if fact.type == FactType.integer:
        return int(number)
    if fact.type == FactType.date:
        return day_start(today)
    if fact.type == FactType.bool:
        return number > 0
    if fact.type == FactType.region:
        return "430000"
    return fact.options[0] if fact.options else "示例"
