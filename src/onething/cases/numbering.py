"""Human-readable numbers, unique across the province: 办件编号 and licence numbers."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from onething.cases.models import NumberCounter


def next_number(session: Session, prefix: str, width: int = 6) -> str:
    """prefix + the next value of its sequence: one upsert, so concurrent transactions queue
    on the row's lock and never hand out the same number."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    upsert = insert(NumberCounter).values(prefix=prefix, value=1).on_conflict_do_update(
        index_elements=[NumberCounter.prefix], set_={"value": NumberCounter.value + 1})
    value = session.execute(upsert.returning(NumberCounter.value)).scalar_one()
    return f"{prefix}{value:0{width}d}"


def application_number(session: Session, region: str, day: str) -> str:
    """办件编号: receiving region + date + sequence, e.g. 430102-20261125-000017."""
    return next_number(session, f"{region[:6]}-{day}-")
