"""Human-readable numbers, unique across the province: 办件编号 and licence numbers."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from onething.cases.models import NumberCounter
from onething.kernel.db import autocommit_twin, upsert


def next_number(session: Session, prefix: str, width: int = 6) -> str:
    """prefix + the next value of its sequence, never handed out twice.

    On PostgreSQL the value is taken in a transaction of its own, committed at once, so
    the counter's row is not locked until the caller commits: the next submission of the
    same region and day, or the next licence of the same office and year, need not wait
    for the whole of this one (under load they queued on that row, each holding it for
    its whole transaction). One number is skipped when the caller's transaction fails
    after taking it. That commit need not wait for the disk: the caller's own commit,
    later in the same log, flushes it too, and if the caller never commits the number was
    not used. It is one statement, in one round trip: run on its own (autocommit), it is
    its own transaction, and `set_config(..., true)` in it sets `synchronous_commit` for
    that transaction, which PostgreSQL reads when it commits the statement.

    The statement goes through a small pool of its own (`autocommit_twin`), so that
    callers holding every connection of the engine's pool still get their numbers.

    SQLite has one writer at a time: there the value is taken in the caller's
    transaction (one upsert), which already holds the only write lock."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        with autocommit_twin(bind.engine).connect() as apart:
            value = apart.execute(_TAKE_APART, {"prefix": prefix}).scalar_one()
        return f"{prefix}{value:0{width}d}"
    taken = upsert(session)(NumberCounter).values(prefix=prefix, value=1).on_conflict_do_update(
        index_elements=[NumberCounter.prefix], set_={"value": NumberCounter.value + 1})
    value = session.execute(taken.returning(NumberCounter.value)).scalar_one()
    return f"{prefix}{value:0{width}d}"


_TAKE_APART = text(
    "INSERT INTO number_counters (prefix, value) "
    "SELECT :prefix, 1 FROM (SELECT set_config('synchronous_commit', 'off', true)) AS quick "
    "ON CONFLICT (prefix) DO UPDATE SET value = number_counters.value + 1 RETURNING value")


def application_number(session: Session, region: str, day: str) -> str:
    """办件编号: receiving region + date + sequence, e.g. 430102-20261125-000017."""
    return next_number(session, f"{region[:6]}-{day}-")
