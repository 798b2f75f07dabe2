"""The queries that must stay fast at province scale use their indexes, on both databases,
and list endpoints do not issue a query per row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select, text

from onething.cases.models import Application
from onething.cases.tasks import inbox_query
from onething.supervision.sweep import WATCHED, Watched, due_now
from world import World, accepted, client_for


def plan(engine: Engine, statement: Any) -> str:
    compiled = statement.compile(engine, compile_kwargs={"literal_binds": True})
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SET enable_seqscan = off"))  # tiny tables: ask if it *can*
            rows = conn.execute(text(f"EXPLAIN {compiled}")).scalars()
            return "\n".join(rows)
        rows = conn.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
        return "\n".join(str(r[-1]) for r in rows)


def uses(found: str, index: str) -> bool:
    return index in found and "Seq Scan on tasks" not in found and "SCAN tasks\n" not in (
        found + "\n")


def test_the_inbox_uses_its_index(engine: Engine) -> None:
    query = inbox_query("SCJG", "430102", ("pending", "suspended"), 50)
    found = plan(engine, query)
    assert uses(found, "ix_tasks_inbox"), found


@pytest.mark.parametrize("watched", WATCHED, ids=lambda w: w.subject)
def test_the_sweep_reads_only_the_due_cases_through_their_index(engine: Engine,
                                                                watched: Watched) -> None:
    found = plan(engine, due_now(watched, (watched.model.id,), dt.date(2026, 11, 25)))
    table = watched.model.__tablename__
    # follow-up checks keep ix_…_due for their due date (the /checks filter); the sweep's is _next
    index = f"ix_{table}_next" if table == "follow_up_checks" else f"ix_{table}_due"
    assert uses(found, index), found


def test_an_applicants_list_uses_its_indexes(engine: Engine) -> None:
    query = (select(Application).where((Application.applicant_id == 7)
                                       | (Application.submitted_by_id == 7))
             .order_by(Application.id.desc()).limit(20))
    found = plan(engine, query)
    assert "ix_applications_applicant" in found and "ix_applications_submitter" in found, found


@pytest.fixture
def busy(engine: Engine, world: World, tmp_path: Path) -> Iterator[tuple[TestClient, World]]:
    for _ in range(12):
        accepted(world)
    with client_for(engine, tmp_path, raise_server_exceptions=True) as client:
        yield client, world


def count_queries(engine: Engine, call: Any) -> int:
    seen: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return len(seen)


def test_lists_do_not_query_per_row(busy: tuple[TestClient, World], engine: Engine) -> None:
    client, world = busy
    headers = {name: world.bearer(name) for name in ("scjg_furong", "zhang", "clerk_furong")}
    for who, path, rows in (("scjg_furong", "/api/v1/tasks", 12),
                            ("zhang", "/api/v1/applications", 12),
                            ("clerk_furong", "/api/v1/applications", 12)):
        answers: list[Any] = []

        def call(p: str = path, w: str = who, out: list[Any] = answers) -> None:
            out.append(client.get(p, headers=headers[w]))

        queries = count_queries(engine, call)
        assert len(answers[0].json()) == rows
        assert queries <= 8, (path, queries)  # a constant handful, not one per row


def test_a_supervisors_list_reads_the_newest_of_each_region(engine: Engine) -> None:
    """A province's supervisor sees every region: the list reads each region's newest ids
    within a window through the region index instead of every case in scope."""
    query = (select(Application).where(Application.region_code.in_(["430102", "430103"]),
                                       Application.id >= 98_000)
             .order_by(Application.id.desc()).limit(100))
    found = plan(engine, query)
    assert "ix_applications_region_newest" in found, found


def test_a_new_tickets_duplicates_at_its_place_are_found_through_their_index(
        engine: Engine) -> None:
    # (the located variant's plan, a BitmapOr with ix_hotline_tickets_located, is the
    # planner's choice only with statistics of a filled table: measured at 2 000 000)
    from onething.hotline.service import _SIMILAR

    now = dt.datetime(2026, 11, 25, 2, tzinfo=dt.UTC)
    query = _SIMILAR[False].params(
        centre="430100", category="0101", region="430102", place="五一大道1号", ticket=0,
        since=now - dt.timedelta(hours=72), until=now + dt.timedelta(hours=72))
    found = plan(engine, query)
    assert "ix_hotline_tickets_similar" in found, found
