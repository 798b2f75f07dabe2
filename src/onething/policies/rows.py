"""The rows of a shared data set file, read and checked against its source (pure).

A file is CSV with a header row (`.csv`) or JSON lines (`.jsonl`, `.ndjson`), in UTF-8.
Every row names its holder (`id_number` for a person, `uscc` for a company), a monthly set
its `month` (YYYY-MM); any row may give `as_of` (the day the data is true as of); the rest
are the source's facts, each converted to its type. A row that cannot be read is a
`Problem` at its line, with the value masked where it is personal.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from onething.catalog.spec import FactSpec, FactType, SourceHolder, SourceSpec
from onething.kernel.identifiers import id_number_problem, mask_id_number, uscc_problem

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
KEYS = {SourceHolder.person: "id_number", SourceHolder.company: "uscc"}
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
TEXT_MAX = 200
TRUE, FALSE = {"true", "1", "是", "yes"}, {"false", "0", "否", "no"}


@dataclass(frozen=True)
class Problem:
    line: int
    message: str


@dataclass(frozen=True)
class Row:
    """One holder's facts (of one month, for a monthly set), as of a day."""

    line: int
    holder: str  # 居民身份证号 or 统一社会信用代码, upper case
    period: str  # YYYY-MM, or "" for a set with one row per holder
    as_of: dt.date
    facts: dict[str, Any]  # by fact code; None where an optional fact is empty


def file_format(path: Path) -> str | None:
    return FORMATS.get(path.suffix.lower())


def records(path: Path) -> Iterator[tuple[int, Mapping[str, Any] | Problem]]:
    """(line, the row's values by column) for each row of the file, or a Problem for a
    line that is not a row at all. The header of a CSV file is line 1."""
    kind = file_format(path)
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        lines = _decoded(text)
        yield from (_csv(lines) if kind == "csv" else _jsonl(lines))


def _decoded(text: io.TextIOWrapper) -> Iterator[str]:
    try:
        yield from text
    except UnicodeDecodeError:
        raise ValueError("文件不是 UTF-8 编码（请另存为 UTF-8）") from None


def _csv(lines: Iterable[str]) -> Iterator[tuple[int, Mapping[str, Any] | Problem]]:
    reader = csv.reader(lines)
    header: list[str] | None = None
    for values in reader:
        line = reader.line_num
        if header is None:
            header = [h.strip() for h in values]
            yield line, {"__header__": header}
            continue
        if not any(v.strip() for v in values):
            continue  # a blank line
        if len(values) != len(header):
            yield line, Problem(line, f"有 {len(values)} 列，表头有 {len(header)} 列")
            continue
        yield line, dict(zip(header, values, strict=True))


def _jsonl(lines: Iterable[str]) -> Iterator[tuple[int, Mapping[str, Any] | Problem]]:
    for line, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            yield line, Problem(line, f"不是合法的 JSON：{exc.msg}（第 {exc.colno} 列）")
            continue
        if not isinstance(value, dict):
            yield line, Problem(line, "每行应是一个 JSON 对象")
            continue
        yield line, value


def columns_problem(source: SourceSpec, names: Iterable[str]) -> str | None:
    """Why a header (or a JSON row's keys) does not fit the source, if it does not."""
    given = set(names)
    allowed = set(columns(source))
    unknown = sorted(given - allowed)
    if unknown:
        return f"未知的列 {'、'.join(unknown)}，应为：{'、'.join(columns(source))}"
    wanted = [KEYS[source.holder], *(["month"] if source.monthly else [])]
    wanted += [f.code for f in source.facts if f.required]
    missing = [c for c in wanted if c not in given]
    if missing:
        return f"缺少列 {'、'.join(missing)}"
    return None


def columns(source: SourceSpec) -> list[str]:
    return [KEYS[source.holder], *(["month"] if source.monthly else []), "as_of",
            *(f.code for f in source.facts)]


def row_of(source: SourceSpec, line: int, values: Mapping[str, Any], today: dt.date,
           regions: Mapping[str, Any]) -> Row | Problem:
    """The row, its facts converted to their types, or the first problem found in it."""
    key = KEYS[source.holder]
    holder = _text(values.get(key)).upper()
    checked = (id_number_problem if source.holder == SourceHolder.person else uscc_problem)
    reason = checked(holder) if holder else "为空"
    if reason:
        shown = mask_id_number(holder) if source.holder == SourceHolder.person else holder
        return Problem(line, f"{key}（{shown or '空'}）：{reason}")
    period = ""
    if source.monthly:
        period = _text(values.get("month"))
        if not MONTH.match(period):
            return Problem(line, f"month（{period or '空'}）应为 YYYY-MM 格式的月份")
    as_of = today
    if _text(values.get("as_of")):
        try:
            as_of = dt.date.fromisoformat(_text(values.get("as_of")))
        except ValueError:
            return Problem(line, f"as_of（{_text(values.get('as_of'))}）应为 YYYY-MM-DD 格式的日期")
        if as_of > today:
            return Problem(line, f"as_of（{as_of}）晚于今天")
    facts: dict[str, Any] = {}
    for fact in source.facts:
        value = _fact(fact, values.get(fact.code), regions)
        if isinstance(value, Problem):
            return Problem(line, value.message)
        facts[fact.code] = value
    return Row(line, holder, period, as_of, facts)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _fact(fact: FactSpec, raw: Any, regions: Mapping[str, Any]) -> Any:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if fact.required:
            return Problem(0, f"{fact.code}（{fact.label}）不能为空")
        return None
    try:
        value = CONVERT[fact.type](raw, fact, regions)
    except (ValueError, TypeError, OverflowError) as exc:
        return Problem(0, f"{fact.code}（{fact.label}）{exc}")
    return value


def _as_text(raw: Any, fact: FactSpec, _: Mapping[str, Any]) -> str:
    text = _text(raw)
    if len(text) > TEXT_MAX:
        raise ValueError(f"超过 {TEXT_MAX} 个字")
    if fact.options is not None and text not in fact.options:
        raise ValueError(f"“{text}”不是可选值（{'、'.join(fact.options)}）之一")
    return text


def _as_number(raw: Any, _: FactSpec, __: Mapping[str, Any]) -> float:
    if isinstance(raw, bool):
        raise ValueError("应为数字")
    try:
        value = float(_text(raw).replace(",", "")) if isinstance(raw, str) else float(raw)
    except ValueError:
        raise ValueError(f"应为数字，而不是“{_text(raw)}”") from None
    if not math.isfinite(value):
        raise ValueError("应为有限的数字")
    return value


def _as_integer(raw: Any, fact: FactSpec, regions: Mapping[str, Any]) -> int:
    value = _as_number(raw, fact, regions)
    if value != int(value) or abs(value) > 2**53:
        raise ValueError(f"应为整数，而不是“{_text(raw)}”")
    return int(value)


def _as_date(raw: Any, _: FactSpec, __: Mapping[str, Any]) -> str:
    try:
        return dt.date.fromisoformat(_text(raw)).isoformat()
    except ValueError:
        raise ValueError(f"应为 YYYY-MM-DD 格式的日期，而不是“{_text(raw)}”") from None


def _as_bool(raw: Any, _: FactSpec, __: Mapping[str, Any]) -> bool:
    if isinstance(raw, bool):
        return raw
    text = _text(raw).lower()
    if text in TRUE or text in FALSE:
        return text in TRUE
    raise ValueError(f"应为“是”或“否”，而不是“{_text(raw)}”")


def _as_region(raw: Any, _: FactSpec, regions: Mapping[str, Any]) -> str:
    code = _text(raw)
    if code not in regions:
        raise ValueError(f"“{code}”不是目录中的行政区划代码")
    return code


CONVERT: dict[FactType, Callable[[Any, FactSpec, Mapping[str, Any]], Any]] = {
    FactType.text: _as_text, FactType.number: _as_number, FactType.integer: _as_integer,
    FactType.date: _as_date, FactType.bool: _as_bool, FactType.region: _as_region,
}
