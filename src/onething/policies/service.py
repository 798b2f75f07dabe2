"""Loading shared data sets (`onething data load SOURCE FILE`) and reading a holder's facts.

A load is one transaction: every row is checked (`rows.row_of`), and a file with any
malformed row changes nothing; each problem is reported at its `file:line`. Rows are
written in chunks, so a file of a million rows is never held in memory whole. A row is
added, changed (its facts or as-of day differ from what is stored) or unchanged; rows the
file does not mention stay as they were (a file may bring one district or one month). A
file that changes nothing leaves no trace, so loading the same file twice is harmless.
Services flush; the caller commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, tuple_, update
from sqlalchemy.orm import Session

from onething.audit import service as audit
from onething.catalog.linked import Catalog
from onething.catalog.spec import SourceSpec
from onething.kernel.errors import Invalid, NotFound
from onething.kernel.principal import SYSTEM, Principal
from onething.policies import rows
from onething.policies.models import DataLoad, SharedFact

CHUNK = 2000  # rows read, compared and written at a time
SHOWN = 50  # problems reported at most (the file has more when it says so)


@dataclass
class LoadReport:
    source: str
    file: str
    rows: int = 0
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)
    more_problems: int = 0  # beyond those listed

    @property
    def wrote(self) -> bool:
        return bool(self.added or self.changed)


class DataInvalid(Invalid):
    """A data file with rows that cannot be loaded: nothing of it was written."""

    def __init__(self, report: LoadReport) -> None:
        super().__init__(f"数据文件有 {len(report.problems) + report.more_problems} 处问题，"
                         "未载入任何数据", code="data_invalid")
        self.report = report


def source_of(catalog: Catalog, code: str) -> SourceSpec:
    found = catalog.sources.get(code)
    if found is None:
        known = "、".join(catalog.sources) or "（目录中没有）"
        raise NotFound(f"目录中没有共享数据 {code}，可用的有：{known}", code="unknown_source")
    return found


def load(session: Session, catalog: Catalog, code: str, path: Path, today: dt.date,
         now: dt.datetime, actor: Principal = SYSTEM) -> LoadReport:
    """Load the rows of `path` into the facts of source `code`; DataInvalid (nothing
    written) if any row is malformed."""
    source = source_of(catalog, code)
    report = LoadReport(source=code, file=path.name)
    if rows.file_format(path) is None:
        raise Invalid(f"{path.name}：只能载入 .csv 或 .jsonl 文件", code="data_format")
    row = DataLoad(source_code=code, file_name=path.name[:255], sha256=_sha256(path), rows=0,
                   added=0, changed=0, unchanged=0, loaded_by=actor.username, loaded_at=now)
    session.add(row)
    session.flush()
    seen: set[tuple[str, str]] = set()
    for chunk in _chunks(_checked(source, path, catalog, today, report)):
        _write(session, source, chunk, row.id, now, report, seen)
    if report.problems:
        raise DataInvalid(report)
    row.rows, row.added, row.changed, row.unchanged = (report.rows, report.added,
                                                       report.changed, report.unchanged)
    if not report.wrote:
        session.delete(row)  # nothing changed: no trace of a load
    else:
        audit.record(session, actor, "load_data", "source", code, after={
            "file": path.name, "sha256": row.sha256, "rows": report.rows,
            "added": report.added, "changed": report.changed})
    session.flush()
    return report


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _problem(report: LoadReport, line: int, message: str) -> None:
    if len(report.problems) < SHOWN:
        report.problems.append(f"{report.file}:{line}: {message}")
    else:
        report.more_problems += 1


def _checked(source: SourceSpec, path: Path, catalog: Catalog, today: dt.date,
             report: LoadReport) -> Iterator[rows.Row]:
    """The file's good rows; each bad one noted in `report` at its line."""
    header_checked = False
    try:
        for line, values in rows.records(path):
            if isinstance(values, rows.Problem):
                _problem(report, line, values.message)
                continue
            names = values.get("__header__")
            if names is not None or not header_checked:
                header_checked = names is not None  # a CSV header once; JSON: every row
                reason = rows.columns_problem(source, names if names is not None else values)
                if reason:
                    _problem(report, line, reason)
                    if names is not None:
                        return  # no row of this file can be read
                    continue
                if names is not None:
                    continue
            found = rows.row_of(source, line, values, today, catalog.regions)
            if isinstance(found, rows.Problem):
                _problem(report, line, found.message)
            else:
                report.rows += 1
                yield found
    except ValueError as exc:  # not UTF-8
        _problem(report, 1, str(exc))


def _chunks(found: Iterator[rows.Row]) -> Iterator[list[rows.Row]]:
    chunk: list[rows.Row] = []
    for row in found:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _write(session: Session, source: SourceSpec, chunk: list[rows.Row], load_id: int,
           now: dt.datetime, report: LoadReport, seen: set[tuple[str, str]]) -> None:
    """Compare a chunk with what is stored and write what differs (not once the file is
    known to be bad: it will be rolled back)."""
    keys = [(r.holder, r.period) for r in chunk]
    stored = {(h, p): (facts, as_of) for h, p, facts, as_of in session.execute(
        select(SharedFact.holder_key, SharedFact.period, SharedFact.facts, SharedFact.as_of)
        .where(SharedFact.source_code == source.code,
               tuple_(SharedFact.holder_key, SharedFact.period).in_(keys)))}
    added: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for r in chunk:
        key = (r.holder, r.period)
        if key in seen:
            _problem(report, r.line, _repeated(source, r))
            continue
        seen.add(key)
        values = {"source_code": source.code, "holder_key": r.holder, "period": r.period,
                  "facts": r.facts, "as_of": r.as_of, "load_id": load_id, "updated_at": now}
        if key not in stored:
            added.append(values)
        elif stored[key] != (r.facts, r.as_of):
            changed.append({f"new_{k}": v for k, v in values.items()})
        else:
            report.unchanged += 1
    report.added += len(added)
    report.changed += len(changed)
    if report.problems:
        return
    connection = session.connection()  # Core statements: no ORM objects for a million rows
    if added:
        connection.execute(insert(_FACTS), added)
    if changed:
        connection.execute(_CHANGE, changed)


def _repeated(source: SourceSpec, r: rows.Row) -> str:
    what = f"同一{rows.KEYS[source.holder]}" + (f"和月份 {r.period}" if r.period else "")
    return f"{what}在本文件前面已有一行"


_FACTS = cast(Table, SharedFact.__table__)
_CHANGE = update(_FACTS).where(
    _FACTS.c.source_code == bindparam("new_source_code"),
    _FACTS.c.holder_key == bindparam("new_holder_key"),
    _FACTS.c.period == bindparam("new_period")).values(
    facts=bindparam("new_facts"), as_of=bindparam("new_as_of"),
    load_id=bindparam("new_load_id"), updated_at=bindparam("new_updated_at"))


# --- reading --------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """A holder's facts from one source: one row, or (monthly) one per month, newest first,
    each as of its day."""

    source: SourceSpec
    rows: tuple[tuple[str, dt.date, Mapping[str, Any]], ...]  # (period, as_of, facts)


def facts_of(session: Session, catalog: Catalog, holder: str) -> dict[str, Facts]:
    """Every shared fact about the holder (居民身份证号 or 统一社会信用代码), by source, for
    the sources the catalog still has."""
    found: dict[str, list[tuple[str, dt.date, Mapping[str, Any]]]] = {}
    for code, period, as_of, facts in session.execute(
            select(SharedFact.source_code, SharedFact.period, SharedFact.as_of,
                   SharedFact.facts).where(SharedFact.holder_key == holder.upper())
            .order_by(SharedFact.source_code, SharedFact.period.desc())):
        found.setdefault(code, []).append((period, as_of, facts))
    return {code: Facts(catalog.sources[code], tuple(got)) for code, got in found.items()
            if code in catalog.sources}
