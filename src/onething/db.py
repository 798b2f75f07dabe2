"""Engine, sessions and the unit of work.

Services only flush; the request, CLI command or job that calls them owns the
transaction through `unit_of_work` (one transaction per state change).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import JSON, DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# JSON on SQLite, JSONB on PostgreSQL.
JSONDoc = JSON().with_variant(postgresql.JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always read back timezone-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    return datetime.now(UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (see _sqlite_begin)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}")
    cursor.close()


BUSY_SECONDS = 10
_WRITERS = threading.Lock()  # one writer of this process at a time waits on SQLite's lock


def _sqlite_begin(connection: Any) -> None:
    """Writers take SQLite's write lock up front, so concurrent writers queue instead of
    failing on a stale snapshot; readers begin deferred and never block each other.

    Within a process, writers first queue on a Python lock: SQLite's busy handler retries
    with sleeps rather than a queue, so dozens of threads polling for the write lock can
    starve one of them past the busy timeout; with one waiter per process they cannot."""
    immediate = connection.get_execution_options().get("sqlite_immediate", False)
    if not immediate:
        connection.exec_driver_sql("BEGIN")
        return
    if not _WRITERS.acquire(timeout=BUSY_SECONDS):
        busy = sqlite3.OperationalError("database is locked (this process's writers queue)")
        raise OperationalError("BEGIN IMMEDIATE", None, busy)
    connection.info["holds_writer_lock"] = True
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        _release_writer(connection)
        raise


def _release_writer(connection: Any, *_: Any) -> None:
    if connection.info.pop("holds_writer_lock", False):
        _WRITERS.release()


def _checkin(_dbapi_connection: Any, record: Any) -> None:
    """A connection back in the pool never keeps the writers' lock (reset without commit)."""
    if record.info.pop("holds_writer_lock", False):
        _WRITERS.release()


def writer(engine: Engine) -> Engine:
    """The same engine, for transactions that write (BEGIN IMMEDIATE on SQLite)."""
    return engine.execution_options(sqlite_immediate=True)


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[-1]
        if path and path != ":memory:":
            from pathlib import Path

            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False},
                               json_serializer=_json, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "commit", _release_writer)
        event.listen(engine, "rollback", _release_writer)
        event.listen(engine, "checkin", _checkin)
        return engine
    return create_engine(url, pool_pre_ping=True, json_serializer=_json, **kwargs)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: committed if the block succeeds, rolled back otherwise."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
