"""Province-unique numbers (办件编号, licence numbers, 12345 tickets): on PostgreSQL a number is
taken apart from the caller's transaction, so another submission of the same region and day
(another ticket of the same centre, another licence of the same office) does not wait for it;
a number is never handed out twice, one given to a case that is then refused is skipped."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from onething.cases.numbering import next_number
from onething.kernel.db import make_engine
from onething.ops.migrate import upgrade


def test_a_number_taken_apart_does_not_hold_the_next_caller(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: numbers are taken in the transaction")
    prefix = "12345-430100-20261201-"
    first = Session(engine)
    try:
        assert next_number(first, prefix) == prefix + "000001"
        taken: list[str] = []

        def another_operator() -> None:
            with Session(engine) as session:
                taken.append(next_number(session, prefix))

        other = threading.Thread(target=another_operator)
        other.start()
        other.join(timeout=10)  # the first caller has not committed: a held row would block
        assert not other.is_alive() and taken == [prefix + "000002"]
        first.rollback()  # the first ticket was refused after all: its number stays unused
    finally:
        first.close()
    with Session(engine) as session:
        assert next_number(session, prefix) == prefix + "000003"


def test_a_number_is_taken_when_every_pooled_connection_is_held(database_url: str) -> None:
    """A burst of submissions can hold every connection of the pool, each then asking for
    a number: those are taken on connections of their own, not from the same pool."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite takes numbers in the caller's transaction")
    engine = make_engine(database_url, pool_size=1, max_overflow=0, pool_timeout=2)
    try:
        upgrade(engine)
        with Session(engine) as session:
            session.execute(text("SELECT 1"))  # holds the pool's only connection
            assert next_number(session, "ZZ4301022026") == "ZZ4301022026000001"
    finally:
        engine.dispose()
