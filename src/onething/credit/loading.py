"""Loading a credit list file (`onething credit load FILE`): one transaction.

Every row is checked (`rows.row_of`); a file with any malformed row changes nothing, and
each problem is reported at its `file:line`. A row is one record, known by its source,
reference and holder: loading the same file twice adds nothing. Services flush; the caller
commits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from onething.audit import service as audit
from onething.credit import rows
from onething.credit.models import CreditRecord
from onething.credit.service import Entry, record
from onething.kernel.errors import Invalid
from onething.kernel.principal import SYSTEM, Principal

SOURCE = "data"  # a record loaded from another department's list
SHOWN = 50


@dataclass
class CreditLoad:
    file: str
    rows: int = 0
    added: int = 0
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)


class CreditInvalid(Invalid):
    """A credit file with rows that cannot be loaded: nothing of it was written."""

    def __init__(self, report: CreditLoad) -> None:
        super().__init__(f"信用信息文件有 {len(report.problems)} 处问题，未载入任何记录",
                         code="credit_data_invalid")
        self.report = report


def load(session: Session, path: Path, now: dt.datetime,
         actor: Principal = SYSTEM) -> CreditLoad:
    """Load the records of `path`; CreditInvalid (nothing written) if any row is malformed."""
    report = CreditLoad(file=path.name)
    if path.suffix.lower() != ".csv":
        raise Invalid(f"{path.name}：只能载入 .csv 文件", code="credit_data_format")
    good = _checked(path, report)
    if report.problems:
        raise CreditInvalid(report)
    for row in good:
        if _known(session, row):
            report.unchanged += 1
            continue
        record(session, Entry(
            kind=row.kind, holder_key=row.holder_key, holder_name=row.name, reason=row.reason,
            source=SOURCE, source_name=row.source, reference=row.reference,
            valid_from=row.valid_from, valid_until=row.valid_until,
            recorded_by_id=actor.user_id or None), now)
        report.added += 1
    if report.added:
        audit.record(session, actor, "load_credit", "credit_file", path.name, at=now,
                     after={"rows": report.rows, "added": report.added})
    session.flush()
    return report


def _checked(path: Path, report: CreditLoad) -> list[rows.Row]:
    found: list[rows.Row] = []
    seen: set[tuple[str, str, str]] = set()
    try:
        for line, values in rows.records(path):
            if isinstance(values, rows.Problem):
                _problem(report, line, values.message)
                continue
            if "__header__" in values:
                reason = rows.header_problem(values["__header__"].split(","))
                if reason:
                    _problem(report, line, reason)
                    return found
                continue
            row = rows.row_of(line, values)
            if isinstance(row, rows.Problem):
                _problem(report, line, row.message)
                continue
            key = (row.source, row.reference, row.holder_key)
            if key in seen:
                _problem(report, line, "同一来源、文书号和主体在本文件前面已有一行")
                continue
            seen.add(key)
            report.rows += 1
            found.append(row)
    except ValueError as exc:  # not UTF-8
        _problem(report, 1, str(exc))
    return found


def _problem(report: CreditLoad, line: int, message: str) -> None:
    if len(report.problems) < SHOWN:
        report.problems.append(f"{report.file}:{line}: {message}")


def _known(session: Session, row: rows.Row) -> bool:
    return session.scalar(select(CreditRecord.id).where(
        CreditRecord.source == SOURCE, CreditRecord.reference == row.reference,
        CreditRecord.source_name == row.source, CreditRecord.holder_key == row.holder_key)
        .limit(1)) is not None
