"""Engine, sessions and the unit of work.

Services only flush; the request, CLI command or job that calls them owns the
transaction through a `UnitOfWork` (one transaction per state change).
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import Any

import orjson
from sqlalchemy import (
    JSON,
    Connection,
    DateTime,
    Engine,
    Enum,
    Insert,
    MetaData,
    Table,
    create_engine,
    event,
    insert,
    make_url,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, make_transient_to_detached, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


MAX_INT = 2**31 - 1  # the database's INTEGER: ids, versions and counts above it cannot exist

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


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # BEGIN is emitted by _sqlite_transactions
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}")
    cursor.close()


BUSY_SECONDS = 10


class _WriterQueue:
    """Where the writers of one SQLite file wait their turn, before BEGIN IMMEDIATE.

    SQLite's busy handler polls with sleeps instead of queueing, so under load a writer of
    one process can lose the write lock to the other process's writers again and again,
    past the busy timeout. Here writers queue on a lock within the process and on an
    advisory file lock (flock) across processes, where a blocked waiter is woken at once.
    """

    def __init__(self, path: str | None) -> None:
        self.lock = threading.Lock()
        self.fd = os.open(f"{path}.writers", os.O_CREAT | os.O_RDWR, 0o600) if path else None

    def acquire(self) -> None:
        if not self.lock.acquire(timeout=BUSY_SECONDS):
            busy = sqlite3.OperationalError("database is locked (writers' queue)")
            raise OperationalError("BEGIN IMMEDIATE", None, busy)
        if self.fd is not None:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX)
            except BaseException:
                self.lock.release()
                raise

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
        self.lock.release()


def _sqlite_transactions(engine: Engine, path: str | None) -> None:
    """Writers take SQLite's write lock up front (BEGIN IMMEDIATE), after waiting their turn
    in the queue, so concurrent writers never fail on a stale snapshot; readers begin
    deferred and never block each other."""
    queue = _WriterQueue(path)

    def begin(connection: Any) -> None:
        if not connection.get_execution_options().get("sqlite_immediate", False):
            connection.exec_driver_sql("BEGIN")
            return
        queue.acquire()
        connection.info["holds_writer_lock"] = True
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            end(connection)
            raise

    def end(connection: Any, *_: Any) -> None:
        if connection.info.pop("holds_writer_lock", False):
            queue.release()

    def checkin(_dbapi_connection: Any, record: Any) -> None:
        """A connection back in the pool never keeps the turn (reset without commit)."""
        if record.info.pop("holds_writer_lock", False):
            queue.release()

    event.listen(engine, "begin", begin)
    event.listen(engine, "commit", end)
    event.listen(engine, "rollback", end)
    event.listen(engine, "checkin", checkin)


def writer(engine: Engine) -> Engine:
    """The same engine, for transactions that write (BEGIN IMMEDIATE on SQLite)."""
    return engine.execution_options(sqlite_immediate=True)


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def _from_json(text: str | bytes) -> Any:
    """Documents read back with orjson (a list of 100 applications decoded 5 documents
    each with the standard library in 13 ms of its 20); what orjson refuses and the
    standard library reads (an integer past 64 bits, NaN) still loads."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def upsert(bind: Session | Connection) -> Callable[[Any], Any]:
    """The database's own INSERT, the one with ON CONFLICT (PostgreSQL's or SQLite's)."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    dialect = bind.get_bind().dialect if isinstance(bind, Session) else bind.dialect
    return pg_insert if dialect.name == "postgresql" else sqlite_insert


def locked_row(session: Session, model: Any, defaults: dict[str, Any], **key: Any) -> Any:
    """The row of `model` with primary `key`, locked until the transaction ends; created with
    `defaults` first if missing. Safe when several processes create it at once (the loser
    of the race waits for the winner's row instead of failing on the key)."""
    found = session.get(model, tuple(key.values()), with_for_update=True)
    if found is not None:
        return found
    session.execute(upsert(session)(model).values(**key, **defaults).on_conflict_do_nothing(
        index_elements=list(key)))
    return session.get_one(model, tuple(key.values()), with_for_update=True,
                           populate_existing=True)


def add_inserted(session: Session, row: Base) -> None:
    """Adds a new row by one INSERT … RETURNING its key, sent now, and keeps it in the
    session as if read back (later changes to it are flushed as usual): half the work of the
    ORM's flush of one new object, for a hot path. Every column the row has no value for is
    stored NULL and read as None; one with a default must be given (no default applies)."""
    table = row.__table__
    assert isinstance(table, Table)
    (key,) = table.primary_key.columns
    given = row.__dict__
    for column in table.columns:
        if column is not key and column.key not in given:
            if column.default is not None:
                raise ValueError(f"{table.name}.{column.key}: a column with a default is unset")
            setattr(row, column.key, None)
    values = {c.key: given[c.key] for c in table.columns if c is not key}
    setattr(row, key.key, session.connection().execute(_inserting(table), values).scalar_one())
    make_transient_to_detached(row)
    session.add(row)


@cache
def _inserting(table: Table) -> Insert:
    (key,) = table.primary_key.columns
    return insert(table).returning(key)


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        path: str | None = url.split(":///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        else:
            path = None
        # SQLite connections are cheap, and a writer waiting its turn holds one: a pool as
        # large as the server's thread pool keeps readers from waiting behind writers
        kwargs.setdefault("pool_size", 40)
        kwargs.setdefault("max_overflow", 40)
        engine = create_engine(url, connect_args={"check_same_thread": False},
                               json_serializer=_json,
                               json_deserializer=_from_json, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        _sqlite_transactions(engine, path)
        return engine
    engine = create_engine(url, json_serializer=_json, json_deserializer=_from_json,
                           connect_args=_connect_timeout(url, kwargs.pop("connect_args", {})),
                           **kwargs)
    _ping_when_idle(engine)
    return engine


_TWINS: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()
_TWINS_LOCK = threading.Lock()


def autocommit_twin(engine: Engine) -> Engine:
    """A small pool of autocommitted connections to the engine's database, beside its own:
    for a statement that commits on its own while the caller holds one of the engine's
    connections (a number taken apart). From the engine's own pool, a burst of callers
    holding all of its connections would each wait for one more, until the pool's timeout.
    Disposed with the engine."""
    with _TWINS_LOCK:
        twin = _TWINS.get(engine)
        if twin is None:
            twin = make_engine(engine.url.render_as_string(hide_password=False),
                               isolation_level="AUTOCOMMIT", pool_size=2, max_overflow=8)
            _TWINS[engine] = twin
            event.listen(engine, "engine_disposed", lambda _engine: twin.dispose())
        return twin


PING_IDLE_SECONDS = 10.0  # a pooled connection unused this long is tried before it is lent


def _ping_when_idle(engine: Engine) -> None:
    """A pooled connection is tried with a round trip before it is lent, and replaced when
    it does not answer (a restarted server, a dropped network), unless it was given back
    less than PING_IDLE_SECONDS ago: a busy server lends the same few connections many
    times a second, and a ping each time was a round trip more on every request (as a
    connection pooler keeps a released connection for immediate reuse unchecked). When the
    server goes away within that moment, the request that finds it out is answered 503 and
    the pool starts afresh (SQLAlchemy invalidates it on a disconnect)."""
    pool = engine.pool

    @event.listens_for(pool, "checkin")
    def given_back(_connection: Any, record: Any) -> None:
        record.info["given_back"] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def tried(connection: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get("given_back", 0.0) < PING_IDLE_SECONDS:
            return
        try:
            alive = engine.dialect.do_ping(connection)
        except Exception as exc:  # whatever the driver raises for a dead connection
            raise DisconnectionError(str(exc)) from exc
        if not alive:
            raise DisconnectionError("the connection did not answer")


CONNECT_TIMEOUT = 10  # seconds to wait for PostgreSQL to answer a new connection


def _connect_timeout(url: str, given: dict[str, Any]) -> dict[str, Any]:
    """A database host that does not answer (a dropped network, not a refused connection)
    must not hold a request until the operating system gives up: psycopg waits
    CONNECT_TIMEOUT seconds, unless the URL says otherwise (`?connect_timeout=5`)."""
    if "connect_timeout" in make_url(url).query or "connect_timeout" in given:
        return given
    return {**given, "connect_timeout": CONNECT_TIMEOUT}


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


_KEPT = "onething.kept_refusal"


class UnitOfWork:
    """One state change on an open session, the way every door runs a service step (an API
    route, a page, a CLI command, a job): services only flush; `with UnitOfWork(session):`
    commits when the block succeeds and rolls back when it raises, a refusal as much as a
    failure, so that a refused step leaves nothing half-written. A refusal that is itself
    the change to keep (a failed login counts towards a lock) is marked with `keep_refusal`
    where it is raised, and is committed instead of rolled back.

    The commit is the last step of the block, inside the route: FastAPI runs the exit code
    of a dependency with `yield` only after the answer was sent, too late to report a failed
    commit. A commit gives the connection back to the pool, so the answer is then read on a
    session of its own (`Context.reading`), outside the write transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def __enter__(self) -> Session:
        return self.session

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        kept = self.session.info.pop(_KEPT, None)
        if error is not None and error is not kept:
            self.session.rollback()
            return
        try:
            self.session.commit()
        except BaseException:
            self.session.rollback()
            raise


def keep_refusal(session: Session, refusal: BaseException) -> None:
    """Mark a refusal about to be raised as a change to keep: the unit of work it ends
    commits what was written before it (a failed login counted, a lock set)."""
    session.info[_KEPT] = refusal


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A new session and one transaction on it (`UnitOfWork`), closed at the end."""
    with factory() as session, UnitOfWork(session):
        yield session


def stored_as_string(kind: type[StrEnum], length: int) -> Enum:
    """A column of `kind`'s values: VARCHAR(`length`), read back as the enum's members; a
    value not of `kind` is refused before it is written."""
    return Enum(kind, native_enum=False, create_constraint=False, length=length,
                validate_strings=True, values_callable=lambda members: [m.value for m in members])
