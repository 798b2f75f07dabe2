"""Rectifications (ratings) and commitment checks (commitments) reach supervision's sweep as
watched deadlines announced through the bus, never by supervision reading their tables; an
upgraded database (migration 0017) watches the ones open before it, as they were."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from onething.cases import service as cases
from onething.cases import tasks
from onething.cases.models import Application
from onething.commitments import service as commitments
from onething.commitments.models import FollowUpCheck
from onething.files import service as files
from onething.kernel import bus
from onething.kernel.watch import WatchEnded, WatchStarted
from onething.ops.migrate import alembic_config
from onething.ratings import service as ratings
from onething.ratings.models import Rectification
from onething.supervision.models import WatchedDeadline
from world import PDF, World, accepted, build_world

D = dt.date
SEEN = ("subject", "subject_id", "opened_on", "due_on", "title", "region_code",
        "department_code", "window", "application_id", "task_id", "responsible_id")


@pytest.fixture
def world(sessions: sessionmaker[Session], basic_dir: Path, tmp_path: Path) -> World:
    return build_world(sessions, basic_dir, tmp_path / "files")


def approved(world: World, materials: dict[str, Any] | None = None,
             answers: dict[str, Any] | None = None) -> tuple[int, int]:
    """An application of REG accepted and approved in 芙蓉区: (its id, its task's id)."""
    if materials is None:
        app_id = accepted(world)
    else:
        with world.as_("zhang") as ctx:
            scan = files.store(ctx.session, world.files_root, ctx.actor, "id.pdf", PDF).id
            app_id = cases.submit(ctx, cases.Submission(
                bundle="STORE", region="430102", answers=answers or {},
                form={"applicant_name": "张三", "id_number": "11010519491231002X"},
                materials={"ID_CARD": {"file": scan}, **materials})).id
        with world.as_("clerk_furong") as ctx:
            cases.decide_at_window(ctx, app_id, cases.WindowDecision("accept"))
    with world.as_("scjg_furong") as ctx:
        task = cases.view(ctx, app_id).tasks[0]
        tasks.decide(ctx, task.id, tasks.Decision("approve", task.version))
    return app_id, task.id


def rated_badly(world: World, target: str = "department") -> Rectification:
    app_id, _ = approved(world)
    with world.as_("zhang") as ctx:
        ratings.rate(ctx, app_id, ratings.RatingInput(
            1, {}, "等了很久", "SCJG" if target == "department" else None, target),
            rectification_days=15)
        _, rect = ratings.rating_of(ctx, app_id)
    assert rect is not None
    return rect


def checked(world: World) -> FollowUpCheck:
    """An approval that relied on a commitment (the lease): its follow-up check."""
    app_id, _ = approved(world, {"LEASE": {"commitment": True}},
                         {"premises": "rented", "sells_food": False, "shop_area": 10})
    with world.as_("scjg_furong") as ctx:
        [check] = commitments.checks(ctx, commitments.CheckQuery(application_id=app_id))
    return check


def watched(sessions: sessionmaker[Session]) -> dict[tuple[str, int], tuple[Any, ...]]:
    """The watched rectifications and checks (a bad rating of a department also opens a
    12345 ticket, whose 签收 and 答复 are watched too: test_hotline_links)."""
    with sessions() as session:
        return {(w.subject, w.subject_id): tuple(getattr(w, k) for k in SEEN)
                for w in session.scalars(select(WatchedDeadline).where(
                    WatchedDeadline.subject.not_in(("ticket_sign", "ticket_reply"))))}


def test_supervision_alone_listens_to_the_watch_events() -> None:
    assert bus.subscribers(WatchStarted) == [
        "onething.supervision.handlers.watch_the_deadline"]
    assert bus.subscribers(WatchEnded) == ["onething.supervision.handlers.close_the_cards"]


def test_a_rectification_and_a_check_are_watched_while_open(world: World) -> None:
    window = rated_badly(world, "window")
    office = rated_badly(world)
    check = checked(world)
    with world.sessions() as session:
        numbers = dict(session.execute(select(Application.id, Application.number)).all())
    monday = D(2026, 11, 23)
    assert watched(world.sessions) == {
        ("rectification", window.id): (
            "rectification", window.id, monday, window.due_on,
            f"差评整改（办件 {numbers[window.application_id]}）", "430102", None, True,
            window.application_id, None, None),
        ("rectification", office.id): (
            "rectification", office.id, monday, office.due_on,
            f"差评整改（办件 {numbers[office.application_id]}）", "430102", "SCJG", False,
            office.application_id, None, None),
        ("commitment_check", check.id): (
            "commitment_check", check.id, monday, check.due_on,
            f"告知承诺核查：{check.item_name}（办件 {numbers[check.application_id]}）",
            "430102", "SCJG", False, check.application_id, check.task_id, None),
    }
    for action, who, justified in (("verify", "clerk_furong", None),
                                   ("decide", "supervisor_cs", False),
                                   ("follow_up", "clerk_furong", None)):
        with world.as_(who) as ctx:
            ratings.advance(ctx, window.id, action, "办理情况", justified)
    with world.as_("scjg_furong") as ctx:
        commitments.decide(ctx, check.id, "kept", "现场核对原件，属实", credit_years=3)
    assert set(watched(world.sessions)) == {("rectification", office.id)}


def test_an_upgraded_database_watches_what_was_open_before(world: World,
                                                          engine: Engine) -> None:
    """Down to 0016 (rectifications and checks carry the sweep's next look themselves) and
    up again: the open ones are watched as the events would have announced them, from the
    day the sweep was to look at them next; a closed one is not."""
    window, office, check = rated_badly(world, "window"), rated_badly(world), checked(world)
    closed = rated_badly(world)
    before = watched(world.sessions)
    with world.sessions.begin() as session:
        session.execute(update(Rectification).where(Rectification.id == closed.id)
                        .values(status="closed"))
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    command.downgrade(config, "0016")
    with engine.begin() as connection:
        connection.execute(text("UPDATE rectifications SET next_check_on = :day WHERE id = :id"),
                           {"day": D(2026, 12, 1), "id": office.id})
    command.upgrade(config, "head")
    after = watched(world.sessions)
    assert set(before) == {("rectification", window.id), ("rectification", office.id),
                           ("commitment_check", check.id), ("rectification", closed.id)}
    assert after == {k: v for k, v in before.items() if k != ("rectification", closed.id)}
    with world.sessions() as session:
        next_look = dict(session.execute(select(
            WatchedDeadline.subject_id, WatchedDeadline.next_check_on).where(
            WatchedDeadline.subject == "rectification")).all())
    assert next_look == {window.id: D(1970, 1, 1), office.id: D(2026, 12, 1)}
