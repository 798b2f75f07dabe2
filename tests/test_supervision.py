"""红黄牌: the rules, the sweep moving across deadlines, holidays and suspensions, workers."""

from __future__ import annotations

import datetime as dt
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from onething.calendar.service import load_notice
from onething.cases import service as cases
from onething.cases import tasks
from onething.cases.tasks import Decision
from onething.supervision.models import Card, Notification
from onething.supervision.rules import (
    DEFAULTS,
    NEVER,
    CardKind,
    Clock,
    Thresholds,
    assess,
    next_check,
)
from onething.supervision.sweep import sweep
from onething.workdays import Calendar
from world import World, accepted, build_world

D = dt.date
W, Y, R = CardKind.warning, CardKind.yellow, CardKind.red
cal = Calendar()


def due(clock: Clock, today: dt.date, thresholds: Thresholds = DEFAULTS) -> set[CardKind]:
    return set(assess(clock, today, cal, thresholds).due)


def test_cards_by_the_rules() -> None:
    five = Clock(D(2026, 11, 23), promised_days=5, legal_days=8)  # Monday
    assert due(five, D(2026, 11, 23)) == set()
    assert due(five, D(2026, 11, 26)) == set()  # 3 of 5 used: less than two thirds
    assert due(five, D(2026, 11, 27)) == {W}  # 4 of 5 used; one day left
    assert due(five, D(2026, 11, 30)) == {W}  # the deadline day itself is on time
    assert due(five, D(2026, 12, 1)) == {W, Y}  # one working day late
    assert due(five, D(2026, 12, 4)) == {W, Y, R}  # past the legal limit (8)
    yellow = Clock(D(2026, 11, 23), 5, 20, yellow_since=D(2026, 12, 1))
    assert due(yellow, D(2026, 12, 3)) == {W, Y}
    assert due(yellow, D(2026, 12, 4)) == {W, Y, R}  # yellow open for 3 working days
    assert due(yellow, D(2026, 12, 4), Thresholds(red_after_yellow_days=5)) == {W, Y}


def test_holidays_do_not_count() -> None:
    clock = Clock(D(2026, 9, 28), promised_days=3, legal_days=10)  # 国庆 10-1..10-7
    assert due(clock, D(2026, 10, 7)) == {W}  # 2 used, the holiday week not counted
    assert due(clock, D(2026, 10, 8)) == {W}
    assert due(clock, D(2026, 10, 9)) == {W, Y}


def test_suspended_time_does_not_count() -> None:
    running = Clock(D(2026, 11, 23), 2, 5, suspended_since=D(2026, 11, 24))
    assert due(running, D(2026, 12, 4)) == {W}  # 1 of 2 used; the clock is stopped
    finished = Clock(D(2026, 11, 23), 2, 5, suspended_days=4)
    assert assess(finished, D(2026, 11, 30), cal).promised_deadline == D(2026, 12, 1)
    assert due(finished, D(2026, 12, 1)) == {W}
    assert due(finished, D(2026, 12, 2)) == {W, Y}


def first_new_card_day(clock: Clock, raised: set[str], today: dt.date,
                       thresholds: Thresholds) -> dt.date:
    """By brute force: the first day after `today` on which `assess` finds a new card."""
    day = today
    for _ in range(800):
        day += dt.timedelta(days=1)
        if {k.value for k in assess(clock, day, cal, thresholds).due} - raised:
            return day
    return NEVER


def test_the_next_day_to_look_is_exactly_the_first_day_a_new_card_can_fall_due() -> None:
    rng = random.Random(2026)
    for _ in range(3000):
        opened = D(2025, 12, 1) + dt.timedelta(days=rng.randrange(420))
        promised = rng.randrange(1, 30)
        clock = Clock(opened, promised, promised + rng.randrange(0, 40),
                      suspended_days=rng.choice([0, 0, rng.randrange(1, 10)]))
        today = opened + dt.timedelta(days=rng.randrange(0, 80))
        thresholds = Thresholds(rng.randrange(0, 3), rng.choice([0.5, 2 / 3, 0.8]),
                                rng.randrange(1, 6))
        raised = {k.value for k in assess(clock, today, cal, thresholds).due}
        if "yellow" in raised:  # as the sweep sees it: raised on some day up to today
            yellow_day = today - dt.timedelta(days=rng.randrange(0, 5))
            clock = Clock(clock.opened_on, clock.promised_days, clock.legal_days,
                          clock.suspended_days, None, max(yellow_day, opened))
            raised = {k.value for k in assess(clock, today, cal, thresholds).due}
        expected = first_new_card_day(clock, raised, today, thresholds)
        assert next_check(clock, raised, today, cal, thresholds) == expected, (
            clock, raised, today, thresholds)


def test_a_running_special_procedure_needs_no_look_until_it_ends() -> None:
    clock = Clock(D(2026, 11, 23), 2, 5, suspended_since=D(2026, 11, 24))
    assert next_check(clock, set(), D(2026, 11, 24), cal) == NEVER


PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def world(sessions: sessionmaker[Session], basic_dir: Path, tmp_path: Path) -> World:
    return build_world(sessions, basic_dir, tmp_path / "files")


def cards(world: World) -> list[tuple[str, str]]:
    with world.sessions() as session:
        return [(c.subject, c.kind) for c in session.scalars(select(Card).order_by(Card.id))]


def run(world: World, day: dt.date) -> dict[str, int]:
    return dict(sweep(world.sessions, world.catalog, world.day(day)).raised)


def test_the_sweep_raises_each_card_once_as_the_clock_moves(world: World) -> None:
    # one task, REG (promised 1, legal 15), and its application (promised 1), from Monday
    app_id = accepted(world)
    assert run(world, D(2026, 11, 23)) == {"warning": 2}  # one day left, for both
    assert run(world, D(2026, 11, 23)) == {}  # again: nothing twice
    assert run(world, D(2026, 11, 24)) == {}
    assert run(world, D(2026, 11, 25)) == {"yellow": 2}
    assert run(world, D(2026, 11, 27)) == {}
    assert run(world, D(2026, 11, 30)) == {"red": 2}  # yellow open 3 working days
    assert cards(world) == [(s, k) for k in ("warning", "yellow", "red")
                            for s in ("task", "application")]
    with world.sessions() as session:
        recipients = set(session.scalars(select(Notification.recipient_id)))
        card = session.scalars(select(Card)).first()
        assert card is not None and card.department_code == "SCJG"
        assert card.region_code == "430102" and card.responsible_id is not None
    assert recipients == {world.users[u].user_id  # the office, the window, the supervisor
                          for u in ("scjg_furong", "clerk_furong", "supervisor_cs")}
    task_id = next(t.id for t in _view(world, app_id).tasks)
    with world.as_("scjg_furong", now=world.day(D(2026, 12, 1))) as ctx:
        version = ctx.session.get_one(tasks.Task, task_id).version
        tasks.decide(ctx, task_id, Decision("approve", version))
    with world.sessions() as session:
        closed = list(session.scalars(select(Card)))
        assert all(c.closed_at is not None and c.delay_days == 5 for c in closed)


def checked(world: World, day: dt.date) -> dict[str, int]:
    return dict(sweep(world.sessions, world.catalog, world.day(day)).checked)


def test_the_sweep_reads_a_case_again_only_when_a_card_can_be_due(world: World) -> None:
    accepted(world)
    assert checked(world, D(2026, 11, 23)) == {"task": 1, "application": 1}
    assert checked(world, D(2026, 11, 23)) == {}  # the same day again: nothing to read
    assert checked(world, D(2026, 11, 24)) == {}  # nothing can fall due on Tuesday
    assert checked(world, D(2026, 11, 25)) == {"task": 1, "application": 1}  # yellow
    with world.sessions.begin() as session:  # a holiday notice changes the calendar
        load_notice(session, {"year": 2027, "holidays": [
            {"name": "元旦", "from": "2027-01-01", "to": "2027-01-01"}]})
    assert checked(world, D(2026, 11, 25)) == {"task": 1, "application": 1}


def test_a_suspension_holds_the_cards_back(world: World) -> None:
    app_id = accepted(world)
    run(world, D(2026, 11, 23))
    task_id = next(t.id for t in _view(world, app_id).tasks)
    with world.as_("scjg_furong") as ctx:
        version = ctx.session.get_one(tasks.Task, task_id).version
        tasks.decide(ctx, task_id, Decision("suspend", version, reason="现场检测",
                                            procedure="检测"))
    assert run(world, D(2026, 12, 2)) == {}  # stopped: no yellow while the clock stands
    with world.as_("scjg_furong", now=world.day(D(2026, 12, 2))) as ctx:
        version = ctx.session.get_one(tasks.Task, task_id).version
        tasks.decide(ctx, task_id, Decision("resume", version))
    assert run(world, D(2026, 12, 3)) == {}  # 1 day of its 1 used
    assert run(world, D(2026, 12, 4)) == {"yellow": 2}


def _view(world: World, app_id: int) -> cases.CaseView:
    with world.as_("admin") as ctx:
        return cases.view(ctx, app_id)


@pytest.mark.postgres
def test_two_workers_on_postgresql_raise_each_card_exactly_once(
        postgres_server: str, basic_dir: Path, tmp_path: Path) -> None:
    from conftest import _fresh_postgres
    from onething.db import make_engine, session_factory, writer
    from onething.migrate import upgrade

    with _fresh_postgres(postgres_server) as url:
        engine = make_engine(url)
        upgrade(engine)
        world = build_world(session_factory(writer(engine)), basic_dir, tmp_path / "files")
        world.now = world.day(D(2026, 11, 2))  # so that, by today, every task is long late
        for _ in range(40):
            accepted(world)
        env = {**os.environ, "ONETHING_DATABASE_URL": url, "ONETHING_NOTIFY": "log"}
        workers = [subprocess.Popen([sys.executable, "-m", "onething.cli", "worker", "--once"],
                                    env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True) for _ in range(2)]
        outputs = [w.communicate(timeout=180) for w in workers]
        assert all(w.returncode == 0 for w in workers), outputs
        with world.sessions() as session:
            total = session.scalar(select(func.count()).select_from(Card))
            distinct = session.scalar(select(func.count()).select_from(
                select(Card.subject, Card.subject_id, Card.kind).distinct().subquery()))
            unsent = session.scalar(select(func.count()).select_from(Notification).where(
                Notification.sent_at.is_(None)))
        assert total == distinct == 40 * 3 * 2  # warning, yellow, red: each task and app
        assert unsent == 0
        engine.dispose()


def test_notifications_go_out_by_smtp(world: World, tmp_path: Path) -> None:
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    from onething.identity.models import User
    from onething.supervision.notify import SmtpSender, deliver_pending

    received: list[object] = []

    class Keep(Message):  # type: ignore[misc]
        def handle_message(self, message: object) -> None:
            received.append(message)

    from conftest import _free_port

    port = _free_port()
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with world.sessions.begin() as session:
            for user in session.scalars(select(User)):
                user.email = f"{user.username}@example.gov.cn"
        accepted(world)
        run(world, D(2026, 11, 23))
        smtp = SmtpSender("127.0.0.1", port, "onething@example.gov.cn")
        sent = deliver_pending(world.sessions, smtp, world.day(D(2026, 11, 23)))
        assert sent == 4 and len(received) == 4  # two cards, each to two people
        from email.header import decode_header, make_header

        subjects = {str(make_header(decode_header(m["Subject"])))  # type: ignore[index]
                    for m in received}
        assert any("预警" in s for s in subjects)
        assert deliver_pending(world.sessions, SmtpSender("127.0.0.1", port, "x@y"),
                               world.day(D(2026, 11, 23))) == 0  # nothing twice
    finally:
        controller.stop()


def test_a_sweep_killed_half_way_misses_nothing_and_repeats_nothing(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    for _ in range(5):
        accepted(world)
    import onething.supervision.sweep as sweeping

    real, calls = sweeping.raise_cards, {"n": 0}

    def dies_in_the_third_batch(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("killed")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sweeping, "raise_cards", dies_in_the_third_batch)
    with pytest.raises(RuntimeError):
        sweep(world.sessions, world.catalog, world.day(D(2026, 11, 25)), batch=2)
    monkeypatch.setattr(sweeping, "raise_cards", real)
    sweep(world.sessions, world.catalog, world.day(D(2026, 11, 25)))
    sweep(world.sessions, world.catalog, world.day(D(2026, 11, 25)))
    assert sorted(cards(world)) == sorted([(s, k) for s in ("task", "application")
                                           for k in ("warning", "yellow") for _ in range(5)])


def test_no_red_card_while_the_clock_stands_still() -> None:
    yellow_then_suspended = Clock(D(2026, 11, 23), 1, 20, yellow_since=D(2026, 11, 25),
                                  suspended_since=D(2026, 11, 25))
    assert R not in due(yellow_then_suspended, D(2026, 11, 30))


def test_a_failing_mail_server_costs_one_attempt_per_run(world: World) -> None:
    from onething.supervision.notify import deliver_pending

    class Down:
        def send(self, user: object, subject: str, body: str) -> None:
            raise OSError("connection refused")

    for _ in range(3):
        accepted(world)
    run(world, D(2026, 11, 23))
    assert deliver_pending(world.sessions, Down(), world.day(D(2026, 11, 23)), batch=2) == 0
    with world.sessions() as session:
        attempts = set(session.scalars(select(Notification.attempts)))
    assert attempts == {1}


def test_two_sweeps_starting_together_share_one_mark(engine: Engine) -> None:
    """The first run on a new database creates the sweep's mark; a second process doing the
    same at that moment waits for it instead of failing on the key (seen in CI)."""
    import threading

    from onething.db import locked_row, session_factory, writer
    from onething.supervision.models import SweepMark

    factory = session_factory(writer(engine))  # as the sweep's sessions
    first = factory()
    first.begin()
    locked_row(first, SweepMark, {"value": "a"}, name="next_check")
    found: list[str] = []

    def second() -> None:
        with factory.begin() as session:
            found.append(locked_row(session, SweepMark, {"value": "b"}, name="next_check").value)

    other = threading.Thread(target=second)
    other.start()
    other.join(0.5)  # on PostgreSQL it waits for the first; SQLite's writers queue anyway
    first.commit()
    first.close()
    other.join(10)
    assert found == ["a"]


def test_durations_of_cases_decided_before_they_were_kept_are_filled_in(world: World) -> None:
    from sqlalchemy import update

    from onething.cases.durations import backfill
    from onething.cases.models import Application, Task

    app_id = accepted(world)  # Monday; REG promised 1 working day
    task_id = next(t.id for t in _view(world, app_id).tasks)
    with world.as_("scjg_furong", now=world.day(D(2026, 12, 4))) as ctx:  # Friday after
        tasks.decide(ctx, task_id, Decision("approve", ctx.session.get_one(
            tasks.Task, task_id).version))

    def kept() -> tuple[object, ...]:
        with world.sessions() as session:
            t, a = session.get_one(Task, task_id), session.get_one(Application, app_id)
            return t.worked_days, t.late_days, a.worked_days, a.late_days, a.legal_days

    decided = kept()
    assert decided[:2] == (9, 8) and decided[2] is not None
    with world.sessions.begin() as session:  # as rows decided before migration 0005 are
        session.execute(update(Task).values(worked_days=None, late_days=None))
        session.execute(update(Application).values(worked_days=None, late_days=None,
                                                   legal_days=None))
    assert backfill(world.sessions, cal) == (1, 1)
    assert kept() == decided
    assert backfill(world.sessions, cal) == (0, 0)  # nothing left to do
