"""The message bus: handlers run in the publisher's unit of work, in the wiring order, and
only once the domains are wired; who listens to each fact of a case."""

from __future__ import annotations

import inspect
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, sessionmaker

from onething import wiring
from onething.cases import events, ports, tasks
from onething.cases import service as cases
from onething.cases.models import Event as TimelineEvent
from onething.cases.models import Task
from onething.commitments.models import FollowUpCheck
from onething.files import service as files
from onething.identity.events import RecoveryCodeIssued
from onething.kernel import bus, links
from onething.kernel.context import Context
from onething.kernel.errors import Conflict
from onething.kernel.watch import WatchEnded
from onething.licences import events as licence_events
from onething.licences.models import Licence
from onething.outbox.models import Notification
from world import PDF, World, build_world

# the 办不成事 window notes the end of the cases it follows
STUCK_WINDOW = ["onething.assistance.handlers.note_the_end"]

# who listens to each fact of a case, in the order they run (docs/ARCHITECTURE.md)
LISTENERS: dict[type[bus.Event], list[str]] = {
    events.ApplicationSubmitted: [],
    events.ApplicationResubmitted: [],
    events.ApplicationAccepted: [],
    events.ApplicationReturned: [],
    events.ApplicationRefused: STUCK_WINDOW,
    events.ApplicationWithdrawn: STUCK_WINDOW,
    events.SupplementReceived: ["onething.licences.handlers.release_the_held"],
    events.ApplicationTerminated: STUCK_WINDOW,
    events.ApplicationForwarded: [],
    events.ApplicationReceived: [],
    events.ApplicationCompleted: [*STUCK_WINDOW, "onething.exchange.handlers.send_the_result_back"],
    events.ResultsDelivered: STUCK_WINDOW,
    events.TaskApproved: ["onething.licences.handlers.issue_the_licence",
                          "onething.commitments.handlers.open_the_check"],
    events.TaskDecided: [],
    events.ApprovalRevoked: ["onething.licences.handlers.revoke_what_it_issued"],
    WatchEnded: ["onething.supervision.handlers.close_the_cards"],
    licence_events.LicenceIssued: ["onething.profiles.handlers.record_the_company"],
    # between siblings (kernel/links.py): a bad rating's complaint ticket, and back
    links.BadRatingRecorded: ["onething.hotline.handlers.open_complaint"],
    links.RatingTicketNoted: ["onething.ratings.handlers.note_ticket"],
}


def test_who_listens_to_each_case_event() -> None:
    defined = {cls for module in (events, licence_events, links)
               for _, cls in inspect.getmembers(module, inspect.isclass)
               if issubclass(cls, bus.Event) and cls.__module__ == module.__name__}
    assert defined == set(LISTENERS) - {WatchEnded}, "every case, licence and link event is listed"
    for event_type, expected in LISTENERS.items():
        assert bus.subscribers(event_type) == expected, event_type.__name__
    assert bus.subscribers(RecoveryCodeIssued) == ["onething.outbox.handlers.send_recovery_code"]


def test_the_questions_of_cases_are_answered_by_their_domains() -> None:
    assert type(ports.licences()).__module__ == "onething.licences.handlers"
    assert type(ports.commitments()).__module__ == "onething.commitments.handlers"
    assert type(ports.tickets()).__module__ == "onething.hotline.handlers"
    assert type(links.articles()).__module__ == "onething.knowledge.handlers"
    assert type(links.categories()).__module__ == "onething.hotline.handlers"


def test_handlers_run_in_the_wiring_order() -> None:
    """Every fact's handlers are ordered as their domains in `wiring.DOMAINS`, and publish
    runs them in that order, those of a parent event type after the event's own."""
    for event_type in LISTENERS:
        domains = [name.split(".")[1] for name in bus.subscribers(event_type)]
        assert domains == sorted(domains, key=wiring.DOMAINS.index), event_type.__name__

    @dataclass(frozen=True)
    class Base(bus.Event):
        n: int

    @dataclass(frozen=True)
    class Child(Base):
        pass

    ran: list[str] = []

    def handler(name: str) -> Callable[[Context, Base], None]:
        def handle(_ctx: Context, event: Base) -> None:
            ran.append(f"{name}:{event.n}")
        return handle

    for name in ("first", "second", "third"):
        bus.handles(Child)(handler(name))
    bus.handles(Base)(handler("base"))
    bus.publish(None, Child(1))  # type: ignore[arg-type]  # these handlers need no context
    assert ran == ["first:1", "second:1", "third:1", "base:1"]


@pytest.fixture
def world(sessions: sessionmaker[Session], basic_dir: Path, tmp_path: Path) -> World:
    return build_world(sessions, basic_dir, tmp_path / "files")


def accepted_on_commitment(world: World) -> int:
    """A 营业执照 (REG) application whose lease is replaced by a commitment, accepted: REG's
    approval issues a licence and opens a follow-up check."""
    with world.as_("zhang") as ctx:
        scan = files.store(ctx.session, world.files_root, ctx.actor, "id.pdf", PDF).id
    with world.as_("zhang") as ctx:
        app_id = cases.submit(ctx, cases.Submission(
            bundle="STORE", region="430102",
            answers={"premises": "rented", "sells_food": False, "shop_area": 10},
            form={"applicant_name": "张三", "id_number": "11010519491231002X"},
            materials={"ID_CARD": {"file": scan}, "LEASE": {"commitment": True}})).id
    with world.as_("clerk_furong") as ctx:
        cases.decide_at_window(ctx, app_id, cases.WindowDecision("accept"))
    return app_id


@dataclass(frozen=True)
class Written:
    """What the approval and its handlers write, as a session reads it."""

    task: str
    licences: int
    checks: int
    notifications: int
    timeline: tuple[str, ...]


def written(session: Session, app_id: int) -> Written:
    def count(model: type[object], *where: ColumnElement[bool]) -> int:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    task = session.scalars(select(Task).where(Task.application_id == app_id)).one()
    return Written(
        task.status, count(Licence, Licence.application_id == app_id),
        count(FollowUpCheck, FollowUpCheck.application_id == app_id),
        count(Notification, Notification.subject.contains("告知承诺核查")),
        tuple(session.scalars(select(TimelineEvent.action).where(
            TimelineEvent.application_id == app_id).order_by(TimelineEvent.id))))


def test_handlers_run_in_the_publishers_transaction(world: World) -> None:
    """The approval's handlers (the licence, the follow-up check and its notice) write in
    the approver's unit of work: seen inside it, and gone with it when a refusal follows."""
    app_id = accepted_on_commitment(world)
    with world.sessions() as session:
        before = written(session, app_id)
    assert (before.task, before.licences, before.checks, before.notifications) == (
        "pending", 0, 0, 0)
    with pytest.raises(Conflict), world.as_("scjg_furong") as ctx:
        task = ctx.session.scalars(select(Task).where(Task.application_id == app_id)).one()
        tasks.decide(ctx, task.id, tasks.Decision("approve", task.version))
        inside = written(ctx.session, app_id)
        assert (inside.task, inside.licences, inside.checks, inside.notifications) == (
            "approved", 1, 1, 1)
        assert inside.timeline == (*before.timeline, "issue_licence", "approve", "start",
                                   "complete")
        raise Conflict("拒绝：在同一事务中")
    with world.sessions() as session:
        assert written(session, app_id) == before

    with world.as_("scjg_furong") as ctx:  # the same approval, committed, keeps everything
        task = ctx.session.scalars(select(Task).where(Task.application_id == app_id)).one()
        tasks.decide(ctx, task.id, tasks.Decision("approve", task.version))
    with world.sessions() as session:
        assert written(session, app_id) == inside


def test_publishing_before_the_domains_are_wired_is_a_clear_error() -> None:
    """A door that forgot `wiring.load()` fails at once, naming it, rather than silently
    skipping the licence, the check or the cards; asking a port likewise."""
    script = """
from onething.cases import ports
from onething.cases.events import ApplicationCompleted
from onething.kernel import bus, links
for call in (lambda: bus.publish(None, ApplicationCompleted(1, "completed")),
             ports.licences, ports.commitments):
    try:
        call()
    except RuntimeError as exc:
        print(exc)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, timeout=120)
    lines = done.stdout.splitlines()
    assert len(lines) == 3 and all("onething.wiring.load()" in line for line in lines), (
        done.stdout + done.stderr)

