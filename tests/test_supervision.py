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

from onething.calendar.service import load_notice
from onething.cases import service as cases
from onething.cases import tasks
from onething.cases.tasks import Decision
from onething.kernel.workdays import Calendar
from onething.outbox.models import Notification
from onething.supervision.models import Card
from onething.supervision.profile import load_profile
from onething.supervision.rules import (
    NEVER,
    CardKind,
    Check,
    Clock,
    Rule,
    assess,
    next_check,
)
from onething.supervision.sweep import sweep
from samples import FORM, OWNED
from world import World, accepted, build_world

D = dt.date
W, Y, R = CardKind.warning, CardKind.yellow, CardKind.red
cal = Calendar()
HUNAN = load_profile("hunan")
CASE = HUNAN.checks["case"]


def due(clock: Clock, today: dt.date, check: Check = CASE) -> set[CardKind]:
    return set(assess(clock, today, cal, check).due)


def test_cards_of_a_case_by_the_hunan_profile() -> None:
    five = Clock(D(2026, 11, 23), limit_days=5, legal_days=8)  # Monday
    assert due(five, D(2026, 11, 23)) == set()
    assert due(five, D(2026, 11, 25)) == set()  # 2 of 5 used: 3 working days left
    assert due(five, D(2026, 11, 26)) == {W}  # 2 working days before the promised deadline
    assert due(five, D(2026, 11, 30)) == {W}  # the deadline day itself is on time
    assert due(five, D(2026, 12, 1)) == {W, Y}  # past the promised deadline
    assert due(five, D(2026, 12, 3)) == {W, Y}  # the statutory deadline day (8)
    assert due(five, D(2026, 12, 4)) == {W, Y, R}  # past the statutory deadline
    # no "red some days after yellow": only the statutory deadline turns a case red
    assert due(Clock(D(2026, 11, 23), 1, 20), D(2026, 12, 18)) == {W, Y}


def test_no_warning_the_moment_a_short_case_opens() -> None:
    immediate = Clock(D(2026, 11, 23), limit_days=0, legal_days=5)  # 即办件
    assert due(immediate, D(2026, 11, 23)) == set()  # opened today: nothing to warn about
    assert due(immediate, D(2026, 11, 24)) == {Y}  # not done the same day: late, no warning
    assert due(immediate, D(2026, 12, 1)) == {Y, R}
    for days in (1, 2):  # the warning comes on the first working day counted, not before
        short = Clock(D(2026, 11, 23), limit_days=days, legal_days=10)
        assert due(short, D(2026, 11, 23)) == set()
        assert due(short, D(2026, 11, 24)) == {W}


def test_the_other_checks_of_the_hunan_profile() -> None:
    procedure = Clock(D(2026, 11, 23), limit_days=10)  # 10 working days expected
    check = HUNAN.checks["special_procedure"]
    assert due(procedure, D(2026, 12, 2), check) == set()  # 7 used
    assert due(procedure, D(2026, 12, 3), check) == {W}  # 2 days before it should end
    assert due(procedure, D(2026, 12, 7), check) == {W}  # the expected end
    assert due(procedure, D(2026, 12, 8), check) == {W, Y}  # overdue
    assert due(procedure, D(2026, 12, 9), check) == {W, Y, R}  # overdue by more than 1 day
    waiting = Clock(D(2026, 11, 23), limit_days=2)  # submitted online on Monday
    check = HUNAN.checks["pre_acceptance"]
    assert due(waiting, D(2026, 11, 25), check) == set()  # the 2-day limit
    assert due(waiting, D(2026, 11, 26), check) == {W}  # overdue
    assert due(waiting, D(2026, 11, 30), check) == {W}  # 3 days overdue: not more than 3
    assert due(waiting, D(2026, 12, 1), check) == {W, Y}
    assert due(waiting, D(2026, 12, 3), check) == {W, Y, R}  # more than 5 days overdue
    issuing = Clock(D(2026, 11, 23), limit_days=3)  # decided on Monday, not delivered
    check = HUNAN.checks["issuing"]
    assert due(issuing, D(2026, 11, 26), check) == set()
    assert due(issuing, D(2026, 11, 27), check) == {Y}
    assert due(issuing, D(2027, 1, 29), check) == {Y}  # a yellow card, and nothing more
    assert HUNAN.check("enquiry") is not None  # 12345 tickets: 签收 and 答复 deadlines


def test_holidays_do_not_count() -> None:
    clock = Clock(D(2026, 9, 28), limit_days=4, legal_days=10)  # 国庆 10-1..10-7
    assert due(clock, D(2026, 9, 30)) == {W}  # 2 used, 2 left
    assert due(clock, D(2026, 10, 7)) == {W}  # the holiday week not counted
    assert due(clock, D(2026, 10, 9)) == {W}  # the 4th working day: the deadline
    assert due(clock, D(2026, 10, 10)) == {W, Y}  # a make-up working day (Saturday)


def test_suspended_time_does_not_count() -> None:
    running = Clock(D(2026, 11, 23), 3, 5, suspended_since=D(2026, 11, 24))
    assert due(running, D(2026, 12, 4)) == {W}  # 1 of 3 used; the clock is stopped
    finished = Clock(D(2026, 11, 23), 2, 5, suspended_days=4)
    assert assess(finished, D(2026, 11, 30), cal, CASE).deadline == D(2026, 12, 1)
    assert due(finished, D(2026, 11, 30)) == {W}
    assert due(finished, D(2026, 12, 2)) == {W, Y}
    red = assess(finished, D(2026, 12, 9), cal, CASE)
    assert red.due == {W, Y, R} and red.deadlines[R] == D(2026, 12, 4)  # legal 5 + 4 stopped


def first_new_card_day(clock: Clock, raised: set[str], today: dt.date,
                       check: Check) -> dt.date:
    """By brute force: the first day after `today` on which `assess` finds a new card.
    (No rule here reaches past its limit by more than 6 working days: the walk stops a
    fortnight after that.)"""
    longest = max(clock.limit_days, clock.legal_days or 0) + 7 + clock.suspended_days
    last = max(cal.add(clock.opened_on, longest).date + dt.timedelta(days=14),
               today + dt.timedelta(days=1))
    day = today
    while day < last:
        day += dt.timedelta(days=1)
        if {k.value for k in assess(clock, day, cal, check).due} - raised:
            return day
    return NEVER


def random_check(rng: random.Random) -> Check:
    """Any profile's rules: one or two per kind, before or after, of either limit."""
    def rule() -> Rule:
        days = rng.randrange(0, 6)
        of = rng.choice(["limit", "limit", "legal"])
        return Rule(of, before=days) if rng.random() < 0.4 else Rule(of, after=days)

    kinds = [k for k in CardKind if rng.random() < 0.8]
    return Check("case", None, {k: tuple(rule() for _ in range(rng.choice([1, 1, 2])))
                                for k in kinds})


def test_the_next_day_to_look_is_exactly_the_first_day_a_new_card_can_fall_due() -> None:
    rng = random.Random(2026)
    checks = [check for check in HUNAN.checks.values()]
    for n in range(3000):
        opened = D(2025, 12, 1) + dt.timedelta(days=rng.randrange(420))
        promised = rng.randrange(0, 30)
        clock = Clock(opened, promised, promised + rng.randrange(0, 40),
                      suspended_days=rng.choice([0, 0, rng.randrange(1, 10)]))
        today = opened + dt.timedelta(days=rng.randrange(0, 80))
        check = checks[n % len(checks)] if n % 3 == 0 else random_check(rng)
        raised = {k.value for k in assess(clock, today, cal, check).due}
        if rng.random() < 0.3:  # as the sweep may see it: some raised on an earlier day
            raised -= {rng.choice(list(CardKind)).value}
        expected = first_new_card_day(clock, raised, today, check)
        assert next_check(clock, raised, today, cal, check) == expected, (
            clock, raised, today, check)


def test_a_running_special_procedure_needs_no_look_until_it_ends() -> None:
    clock = Clock(D(2026, 11, 23), 2, 5, suspended_since=D(2026, 11, 24))
    assert next_check(clock, set(), D(2026, 11, 24), cal, CASE) == NEVER


def cards(world: World) -> list[tuple[str, str]]:
    with world.sessions() as session:
        return [(c.subject, c.kind) for c in session.scalars(select(Card).order_by(Card.id))]


def run(world: World, day: dt.date) -> dict[str, int]:
    return dict(sweep(world.sessions, world.catalog, world.day(day)).raised)


def test_the_sweep_raises_each_card_once_as_the_clock_moves(world: World) -> None:
    # one task, REG (promised 1, legal 15), and its application (promised 1), from Monday
    app_id = accepted(world)
    assert run(world, D(2026, 11, 23)) == {}  # nothing the day the clock starts
    assert run(world, D(2026, 11, 24)) == {"warning": 2}  # the deadline day, for both
    assert run(world, D(2026, 11, 24)) == {}  # again: nothing twice
    assert run(world, D(2026, 11, 25)) == {"yellow": 2}
    assert run(world, D(2026, 12, 14)) == {}  # 15 working days: the statutory deadline
    assert run(world, D(2026, 12, 15)) == {"red": 2}
    assert cards(world) == [(s, k) for k in ("warning", "yellow", "red")
                            for s in ("task", "application")]
    with world.sessions() as session:
        recipients = set(session.scalars(select(Notification.recipient_id)))
        card = session.scalars(select(Card)).first()
        assert card is not None and card.department_code == "SCJG"
        assert card.region_code == "430102" and card.responsible_id is not None
        number = session.get_one(cases.Application, app_id).number
        assert card.title == f"预警：营业执照（设立登记）（办件 {number}）"
        red = session.scalars(select(Card).where(Card.kind == "red")).first()
        assert red is not None and red.due_on == D(2026, 12, 14)  # the statutory deadline
    assert recipients == {world.users[u].user_id  # the office, the window, the supervisor
                          for u in ("scjg_furong", "clerk_furong", "supervisor_cs")}
    task_id = next(t.id for t in _view(world, app_id).tasks)
    with world.as_("scjg_furong", now=world.day(D(2026, 12, 16))) as ctx:
        version = ctx.session.get_one(tasks.Task, task_id).version
        tasks.decide(ctx, task_id, Decision("approve", version))
    with world.sessions() as session:
        closed = list(session.scalars(select(Card)))
        assert all(c.closed_at is not None and c.delay_days == 16 for c in closed)


def checked(world: World, day: dt.date) -> dict[str, int]:
    return dict(sweep(world.sessions, world.catalog, world.day(day)).checked)


def test_the_sweep_reads_a_case_again_only_when_a_card_can_be_due(world: World) -> None:
    accepted(world)
    assert checked(world, D(2026, 11, 23)) == {"task": 1, "application": 1}
    assert checked(world, D(2026, 11, 23)) == {}  # the same day again: nothing to read
    assert checked(world, D(2026, 11, 24)) == {"task": 1, "application": 1}  # warning
    assert checked(world, D(2026, 11, 25)) == {"task": 1, "application": 1}  # yellow
    assert checked(world, D(2026, 11, 26)) == {}  # red only after 15 working days
    with world.sessions.begin() as session:  # a holiday notice changes the calendar
        load_notice(session, {"year": 2027, "holidays": [
            {"name": "元旦", "from": "2027-01-01", "to": "2027-01-01"}]})
    assert checked(world, D(2026, 11, 26)) == {"task": 1, "application": 1}


def suspend(world: World, task_id: int, days: int, when: dt.date) -> None:
    with world.as_("scjg_furong", now=world.day(when)) as ctx:
        version = ctx.session.get_one(tasks.Task, task_id).version
        tasks.decide(ctx, task_id, Decision("suspend", version, reason="现场检测",
                                            procedure="检测", procedure_days=days))


def test_a_suspension_holds_the_cards_back_and_its_own_end_is_watched(world: World) -> None:
    app_id = accepted(world)
    run(world, D(2026, 11, 23))
    task_id = next(t.id for t in _view(world, app_id).tasks)
    suspend(world, task_id, 3, D(2026, 11, 23))  # 检测, expected to end on Thursday
    assert run(world, D(2026, 11, 24)) == {"warning": 1}  # the procedure's: 2 days before
    assert cards(world) == [("procedure", "warning")]  # the case's clock stands still
    assert run(world, D(2026, 12, 2)) == {"yellow": 1, "red": 1}  # 4 days over
    with world.as_("scjg_furong", now=world.day(D(2026, 12, 2))) as ctx:
        version = ctx.session.get_one(tasks.Task, task_id).version
        tasks.decide(ctx, task_id, Decision("resume", version))
    with world.sessions() as session:
        ended = list(session.scalars(select(Card).where(Card.subject == "procedure")))
        assert {c.delay_days for c in ended} == {4} and all(c.closed_at for c in ended)
    assert run(world, D(2026, 12, 3)) == {"warning": 2}  # 1 day of its 1 used
    assert run(world, D(2026, 12, 4)) == {"yellow": 2}


def test_online_submissions_not_accepted_in_time_are_carded(world: World) -> None:
    from world import submitted

    online = submitted(world)  # web, Monday
    scan = _scan(world)
    with world.as_("clerk_furong") as ctx:  # entered at the window: accepted on the spot
        at_window = cases.submit(ctx, cases.Submission(
            bundle="STORE", region="430102", channel="window", applicant="zhang",
            answers=OWNED, form=FORM,
            materials={"ID_CARD": {"file": scan}})).id
    assert run(world, D(2026, 11, 25)) == {}  # within the 2-day limit
    assert run(world, D(2026, 11, 26)) == {"warning": 1}  # overdue
    assert run(world, D(2026, 11, 30)) == {}  # 3 days overdue: not more than 3
    assert run(world, D(2026, 12, 1)) == {"yellow": 1}
    with world.as_("clerk_furong", now=world.day(D(2026, 12, 1))) as ctx:
        cases.decide_at_window(ctx, online, cases.WindowDecision(
            "return", notice=[{"subject": "", "message": "请补充租赁合同"}]))
    with world.sessions() as session:
        mine = list(session.scalars(select(Card).where(Card.subject == "acceptance")))
        assert [(c.subject_id, c.kind) for c in mine] == [(online, "warning"),
                                                          (online, "yellow")]
        assert all(c.closed_at and c.delay_days == 4 for c in mine)
        assert "网上申请未按时受理" in mine[0].title
    scan = _scan(world)
    with world.as_("zhang", now=world.day(D(2026, 12, 7))) as ctx:  # resubmitted: restarts
        cases.resubmit(ctx, online, cases.Submission(
            bundle="STORE", region="430102",
            answers=OWNED, form=FORM,
            materials={"ID_CARD": {"file": scan}}))
    assert run(world, D(2026, 12, 9)) == {}  # 2 days after the resubmission: in time
    # more than 5 days overdue; each kind of card comes once per application, so this second
    # wait raises only the red card the first one had not had
    assert run(world, D(2026, 12, 17)) == {"red": 1}
    assert at_window not in {c for c, _ in _subjects(world, "acceptance")}


def test_results_not_delivered_in_time_get_a_yellow_card(world: World) -> None:
    app_id = accepted(world)
    task_id = next(t.id for t in _view(world, app_id).tasks)
    with world.as_("scjg_furong") as ctx:  # decided on Monday: the result is to be issued
        tasks.decide(ctx, task_id, Decision(
            "approve", ctx.session.get_one(tasks.Task, task_id).version))
    assert run(world, D(2026, 11, 26)) == {}  # within 3 working days
    assert run(world, D(2026, 11, 27)) == {"yellow": 1}
    assert run(world, D(2026, 12, 30)) == {}  # nothing more: the profile has no red for it
    with world.as_("clerk_furong", now=world.day(D(2026, 12, 30))) as ctx:
        cases.deliver(ctx, app_id, "window")
    with world.sessions() as session:
        card = session.scalars(select(Card).where(Card.subject == "issuing")).one()
        assert card.closed_at is not None and card.due_on == D(2026, 11, 26)
        assert card.responsible_id == world.users["clerk_furong"].user_id


def _scan(world: World) -> str:
    return world.upload("zhang")


def _subjects(world: World, subject: str) -> list[tuple[int, str]]:
    with world.sessions() as session:
        return [(i, k) for i, k in session.execute(select(Card.subject_id, Card.kind).where(
            Card.subject == subject))]


def _view(world: World, app_id: int) -> cases.CaseView:
    with world.as_("admin") as ctx:
        return cases.view(ctx, app_id)


@pytest.mark.postgres
def test_two_workers_on_postgresql_raise_each_card_exactly_once(
        postgres_server: str, basic_dir: Path, tmp_path: Path) -> None:
    from conftest import _fresh_postgres
    from onething.kernel.db import make_engine, session_factory, writer
    from onething.ops.migrate import upgrade

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
    from onething.outbox.service import SmtpSender, deliver_pending

    received: list[object] = []

    class Keep(Message):  # type: ignore[misc]
        def handle_message(self, message: object) -> None:
            received.append(message)

    from served import free_port

    port = free_port()
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with world.sessions.begin() as session:
            for user in session.scalars(select(User)):
                user.email = f"{user.username}@example.gov.cn"
        accepted(world)
        run(world, D(2026, 11, 24))
        smtp = SmtpSender("127.0.0.1", port, "onething@example.gov.cn")
        sent = deliver_pending(world.sessions, smtp, world.day(D(2026, 11, 24)))
        assert sent == 4 and len(received) == 4  # two cards, each to two people
        from email.header import decode_header, make_header

        subjects = {str(make_header(decode_header(m["Subject"])))  # type: ignore[index]
                    for m in received}
        assert any("预警" in s for s in subjects)
        assert deliver_pending(world.sessions, SmtpSender("127.0.0.1", port, "x@y"),
                               world.day(D(2026, 11, 24))) == 0  # nothing twice
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
    yellow_then_suspended = Clock(D(2026, 11, 23), 1, 3, suspended_since=D(2026, 11, 25))
    assert due(yellow_then_suspended, D(2026, 12, 30)) == {W, Y}


def test_a_failing_mail_server_costs_one_attempt_per_run(world: World) -> None:
    from onething.outbox.service import deliver_pending

    class Down:
        def send(self, user: object, subject: str, body: str, channel: str = "") -> None:
            raise OSError("connection refused")

    for _ in range(3):
        accepted(world)
    run(world, D(2026, 11, 24))
    assert deliver_pending(world.sessions, Down(), world.day(D(2026, 11, 24)), batch=2) == 0
    with world.sessions() as session:
        attempts = set(session.scalars(select(Notification.attempts)))
    assert attempts == {1}


def test_two_sweeps_starting_together_share_one_mark(engine: Engine) -> None:
    """The first run on a new database creates the sweep's mark; a second process doing the
    same at that moment waits for it instead of failing on the key (seen in CI)."""
    import threading

    from onething.kernel.db import locked_row, session_factory, writer
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


BAD_PROFILE = """\
code: bad
name: 有错的规则
checks:
  case:
    warning: {before: -1}
    red: {after: 0, of: statutory}
  issuing:
    yellow: {after: 0}
  special_procedure:
    warning: {before: 2, after: 1}
  hotline: {}
colour: red
"""


def test_a_malformed_profile_is_refused_with_every_problem_at_its_line(
        tmp_path: Path) -> None:
    from onething.supervision.profile import ProfileError

    path = tmp_path / "bad.yaml"
    path.write_text(BAD_PROFILE, encoding="utf-8")
    with pytest.raises(ProfileError) as refused:
        load_profile(str(path))
    lines = {(p.line, p.message.split("（")[0].split("，")[0]) for p in refused.value.problems}
    assert {line for line, _ in lines} == {5, 6, 7, 10, 11, 12}
    assert all(p.file == str(path) for p in refused.value.problems)
    assert "limit_days" in str(refused.value) and "hotline" in str(refused.value)
    with pytest.raises(ProfileError) as unknown:
        load_profile("guangdong")
    assert "随附：hunan" in str(unknown.value)
    broken = tmp_path / "broken.yaml"
    broken.write_text("code: x\nchecks: [\n", encoding="utf-8")
    with pytest.raises(ProfileError) as syntax:
        load_profile(str(broken))
    assert "YAML 语法错误" in str(syntax.value)


def test_a_province_writes_its_own_profile(tmp_path: Path) -> None:
    path = tmp_path / "other.yaml"
    path.write_text("code: other\nname: 某省\nchecks:\n  case:\n    yellow: {after: 0}\n"
                    "    red: [{after: 0, of: legal}, {after: 3}]\n", encoding="utf-8")
    other = load_profile(str(path))
    assert other.digest != HUNAN.digest and other.check("pre_acceptance") is None
    clock = Clock(D(2026, 11, 23), limit_days=2, legal_days=20)
    check = other.checks["case"]
    assert due(clock, D(2026, 11, 24), check) == set()  # no warning rule: no warning
    assert due(clock, D(2026, 11, 26), check) == {Y}
    assert due(clock, D(2026, 11, 30), check) == {Y}  # 3 days late: not more than 3
    assert due(clock, D(2026, 12, 1), check) == {Y, R}


def test_the_command_line_checks_a_profile(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD_PROFILE, encoding="utf-8")
    env = {**os.environ, "ONETHING_DATA_DIR": str(tmp_path), "ONETHING_CARD_PROFILE": str(path)}
    refused = subprocess.run([sys.executable, "-m", "onething.cli", "worker", "--once"],
                             env=env, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1 and f"{path}:5: before" in refused.stderr
    assert "Traceback" not in refused.stderr
    shown = subprocess.run([sys.executable, "-m", "onething.cli", "cards", "profile", "hunan"],
                           env=env, capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr
    assert "黄牌：超过承诺办结时限" in shown.stdout and "红牌：超过法定办结时限" in shown.stdout
    assert "网上申请受理，时限 2 个工作日" in shown.stdout
