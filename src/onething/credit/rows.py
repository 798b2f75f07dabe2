"""The rows of a credit list file (失信 or 守信 records another department shares), read and
checked (pure).

A file is CSV in UTF-8 with a header row. Every row names its holder by `id_number`
(居民身份证号) or `uscc` (统一社会信用代码) — exactly one of them —, the holder's `name`,
the `kind` (失信 or 守信), the `source` (the list or the office that decided it), the
`reference` (its 文书号), the `reason`, and the period `valid_from` … `valid_until` (the last
day it counts). A row that cannot be read is a `Problem` at its line, with an ID number
masked.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from onething.credit.models import BAD, GOOD
from onething.kernel.identifiers import id_number_problem, mask_id_number, uscc_problem

COLUMNS = ("id_number", "uscc", "name", "kind", "source", "reference", "reason",
           "valid_from", "valid_until")
REQUIRED = ("name", "kind", "source", "reference", "reason", "valid_from", "valid_until")
KINDS = {"失信": BAD, "守信": GOOD}
LIMITS = {"name": 200, "source": 200, "reference": 100, "reason": 2000}


@dataclass(frozen=True)
class Problem:
    line: int
    message: str


@dataclass(frozen=True)
class Row:
    line: int
    holder_key: str  # upper case
    name: str
    kind: str  # bad | good
    source: str
    reference: str
    reason: str
    valid_from: dt.date
    valid_until: dt.date


def records(path: Path) -> Iterator[tuple[int, Mapping[str, str] | Problem]]:
    """(line, the row's values by column) for each row; the header is line 1 and comes as
    {"__header__": …}; a line that is not a row is a Problem."""
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        reader = csv.reader(_decoded(text))
        header: list[str] | None = None
        for values in reader:
            line = reader.line_num
            if header is None:
                header = [h.strip() for h in values]
                yield line, {"__header__": ",".join(header)}
                continue
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                yield line, Problem(line, f"有 {len(values)} 列，表头有 {len(header)} 列")
                continue
            yield line, dict(zip(header, values, strict=True))


def _decoded(text: io.TextIOWrapper) -> Iterator[str]:
    try:
        yield from text
    except UnicodeDecodeError:
        raise ValueError("文件不是 UTF-8 编码（请另存为 UTF-8）") from None


def header_problem(names: Iterable[str]) -> str | None:
    given = [n for n in names if n]
    unknown = [n for n in given if n not in COLUMNS]
    if unknown:
        return f"未知的列 {'、'.join(unknown)}，应为：{'、'.join(COLUMNS)}"
    missing = [c for c in REQUIRED if c not in given]
    if "id_number" not in given and "uscc" not in given:
        missing.insert(0, "id_number 或 uscc")
    return f"缺少列 {'、'.join(missing)}" if missing else None


def row_of(line: int, values: Mapping[str, str]) -> Row | Problem:
    """The row, checked, or the first problem found in it."""
    text = {k: (values.get(k) or "").strip() for k in COLUMNS}
    holder = _holder(text)
    if isinstance(holder, str):
        return Problem(line, holder)
    for column in REQUIRED:
        if not text[column]:
            return Problem(line, f"{column} 不能为空")
    for column, limit in LIMITS.items():
        if len(text[column]) > limit:
            return Problem(line, f"{column} 超过 {limit} 个字")
    kind = KINDS.get(text["kind"])
    if kind is None:
        return Problem(line, f"kind（{text['kind']}）应为“失信”或“守信”")
    days = []
    for column in ("valid_from", "valid_until"):
        try:
            days.append(dt.date.fromisoformat(text[column]))
        except ValueError:
            return Problem(line, f"{column}（{text[column]}）应为 YYYY-MM-DD 格式的日期")
    if days[1] < days[0]:
        return Problem(line, f"valid_until（{days[1]}）早于 valid_from（{days[0]}）")
    return Row(line, holder[0], text["name"], kind, text["source"], text["reference"],
               text["reason"], days[0], days[1])


def _holder(text: Mapping[str, str]) -> tuple[str] | str:
    """The holder's key, or why the row names no holder rightly."""
    person, company = text["id_number"].upper(), text["uscc"].upper()
    if bool(person) == bool(company):
        return "应填写 id_number（个人）或 uscc（企业）中的一项"
    if person:
        reason = id_number_problem(person)
        return f"id_number（{mask_id_number(person)}）：{reason}" if reason else (person,)
    reason = uscc_problem(company)
    return f"uscc（{company}）：{reason}" if reason else (company,)
