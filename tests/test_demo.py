"""The fast demo generator (demo/bulk.py) writes its rows directly, for speed; they must be the
rows the services would write. The same small world twice: generated fast, then told again
through the services (every application submitted, decided, delivered and rated by the same
people at the same moments, in the same order), and compared row by row — applications,
tasks, timelines, licences, companies, ratings, rectifications, follow-up checks, the deadlines
supervision watches and number sequences, their statuses, dates, numbers and deadlines.
Ids are compared through what they point at."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from conftest import _fresh_postgres
from onething.cases import service as cases
from onething.cases import tasks
from onething.cases.models import Application, Event, NumberCounter, Task
from onething.commitments.models import FollowUpCheck
from onething.demo.bulk import STATES, generate_fast
from onething.files.models import StoredFile
from onething.guide.engine import FieldStatus, compute_guide
from onething.identity import service as identity
from onething.identity.models import User
from onething.kernel.db import unit_of_work
from onething.kernel.principal import Role
from onething.licences.models import Licence
from onething.profiles.models import Company
from onething.ratings import service as ratings
from onething.ratings.models import Rating, Rectification
from onething.supervision.models import WatchedDeadline
from samples import PDF
from world import MONDAY, PASSWORD, World, world_at

# A few dozen applications, most delivered (and rated), every other state a few times: the
# seed makes one of each, entries at the window, postal deliveries, approvals on a
# commitment, a bad rating's rectification to the end and another still open.
APPLICATIONS, SEEDS = 40, {"sqlite": 147, "postgresql": 155}
AIMS = [(status, 40 if status == "delivered" else 6) for status, _ in STATES]
# Bookkeeping of the storage, not facts of the world: row ids (compared through what they
# point at), optimistic-lock counters, uploaded files' ids; and when the services stamp the
# wall clock instead of the moment of the story (a licence's row).
IGNORED = {"id", "version", "file"}
WALL_CLOCK = {"licences": {"created_at"}}
WINDOW_ACTIONS = ("accept", "return", "refuse")


@pytest.fixture
def told_url(request: pytest.FixtureRequest, database_url: str,
             tmp_path: Path) -> Iterator[str]:
    """A second database of the same kind, for the world told through the services."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'told.db'}"
        return
    with _fresh_postgres(request.getfixturevalue("postgres_server")) as url:
        yield url


def test_the_fast_generator_writes_the_rows_the_services_would(
        tmp_path: Path, demo_dir: Path, database_url: str, told_url: str) -> None:
    """On either database (the rows go in by COPY on PostgreSQL). The story drawn for a
    seed differs between them (PostgreSQL's JSONB keeps the catalog's keys in its own
    order), hence a seed each that draws every state."""
    fast_engine, fast = world_at(database_url, tmp_path / "fast", demo_dir, people=[])
    made = generate_fast(fast.sessions, fast.catalog, APPLICATIONS,
                         seed=SEEDS[fast_engine.dialect.name], now=MONDAY, months=4, batch=16,
                         files_root=tmp_path / "fast", states=AIMS)
    assert set(made.statuses) == {status for status, _ in STATES}
    told_engine, told = world_at(told_url, tmp_path / "told", demo_dir, people=[])
    _tell(fast, told)
    generated, services = _rows(fast), _rows(told)
    fast_engine.dispose()
    told_engine.dispose()
    assert {r["status"] for r in generated["rectifications"]} == {"closed", "verifying"}
    assert "window" in {a["channel"] for a in generated["applications"]}
    assert "post" in {(a["delivery"] or {}).get("method") for a in generated["applications"]}
    assert generated["follow_up_checks"]
    assert generated["watched_deadlines"]  # the open checks, as supervision watches them
    assert generated["companies"]  # those their 营业执照 registered (一企一档)
    assert {t: len(r) for t, r in generated.items()} == {t: len(r) for t, r in services.items()}
    for table in generated:
        assert generated[table] == services[table], table


# --- telling the fast world again through the services ------------------------------------


def _tell(fast: World, told: World) -> None:
    """Every application of `fast`, in the order it was generated, through the services of
    `told`: each its own applicant (the fast world's, by name), so that what one of them
    holds from another application does not change the guide."""
    with fast.sessions() as session:
        staff = [u for u in session.scalars(select(User).order_by(User.id))
                 if u.role != Role.applicant]
        people = {u.id: u for u in session.scalars(select(User))}
        apps = list(session.scalars(select(Application).order_by(Application.id)))
        timeline = defaultdict(list)
        for event in session.scalars(select(Event).order_by(Event.at, Event.id)):
            timeline[event.application_id].append(event)
        by_task = {t.id: t for t in session.scalars(select(Task))}
        licences = {lic.task_id: lic for lic in session.scalars(select(Licence))}
        rectifications = {r.rating_id: r for r in session.scalars(select(Rectification))}
        ratings_ = defaultdict(list)
        for rating in session.scalars(select(Rating).order_by(Rating.id)):
            ratings_[rating.application_id].append(rating)
        filenames = {f.id: f.filename for f in session.scalars(select(StoredFile))}
        session.expunge_all()
    _people(told, staff)
    for n, app in enumerate(apps):
        applicant = f"{people[app.applicant_id].username}.{n}"
        _people(told, [people[app.applicant_id]], applicant)
        story = _Story(told, app, applicant, people, by_task, licences, filenames)
        for event in timeline[app.id]:
            story.tell(event)
        for rating in ratings_[app.id]:
            story.rate(rating, rectifications.get(rating.id))


def _people(told: World, users: list[User], as_: str | None = None) -> None:
    with unit_of_work(told.sessions) as session:
        for u in users:
            user = identity.create_user(
                session, username=as_ or u.username, password=PASSWORD,
                role=Role(u.role), region=u.region_code, department=u.department_code,
                display_name=u.display_name, id_number=u.id_number,
                password_hash=u.password_hash)
            told.users[user.username] = identity.principal_of(user)


class _Story:
    """One application's timeline, told to the services event by event (what the services
    record on their own — tasks opened, the case started and completed, licences issued,
    forms filled, later stages cancelled — is left to them)."""

    def __init__(self, told: World, app: Application, applicant: str, people: dict[int, User],
                 by_task: dict[int, Task], licences: dict[int, Licence],
                 filenames: dict[str, str]) -> None:
        self.told, self.app, self.applicant, self.people = told, app, applicant, people
        self.by_task, self.licences, self.filenames = by_task, licences, filenames
        self.id = 0

    def actor(self, event: Event) -> str:
        assert event.actor_id is not None
        if event.actor_id == self.app.applicant_id:
            return self.applicant
        return self.people[event.actor_id].username

    def tell(self, event: Event) -> None:
        if event.action == "submit":
            self.submit(event)
        elif event.action in WINDOW_ACTIONS:
            with self.told.as_(self.actor(event), event.at) as ctx:
                cases.decide_at_window(ctx, self.id, cases.WindowDecision(
                    event.action, reason=self.app.reason if event.action == "refuse" else None,
                    notice=(self.app.notice or {}).get("items", [])))
        elif event.action == "withdraw":
            with self.told.as_(self.actor(event), event.at) as ctx:
                cases.withdraw(ctx, self.id, event.reason)
        elif event.action in ("approve", "deny"):
            self.decide(event)
        elif event.action == "deliver":
            with self.told.as_(self.actor(event), event.at) as ctx:
                delivery = self.app.delivery or {}
                cases.deliver(ctx, self.id, delivery["method"], delivery.get("tracking_number"),
                              delivery.get("note"))

    def submit(self, event: Event) -> None:
        app = self.app
        window = app.channel == "window"  # entered by the window, for the person before it
        who = next(u.username for u in self.people.values() if u.role == Role.clerk
                   and u.region_code == app.region_code) if window else self.applicant
        guide = compute_guide(self.told.catalog, app.bundle_code, app.answers)
        asked = {f.code for f in guide.fields_with(FieldStatus.fill)}
        materials: dict[str, dict[str, Any]] = {}
        for m in app.materials:
            if m.get("provided") == "file":
                name = self.filenames.get(m.get("file", ""), "材料.pdf")
                materials[m["code"]] = {"file": self.told.upload(who, name, PDF)}
            elif m.get("provided") in ("commitment", "deferred"):
                materials[m["code"]] = {m["provided"]: True}
        with self.told.as_(who, event.at) as ctx:
            self.id = cases.submit(ctx, cases.Submission(
                bundle=app.bundle_code, region=app.region_code, answers=app.answers,
                form={k: v for k, v in app.form.items() if k in asked}, materials=materials,
                channel=app.channel, applicant=self.applicant if window else None)).id

    def decide(self, event: Event) -> None:
        fast_task = self.by_task[event.task_id or 0]
        licence = self.licences.get(fast_task.id)
        with self.told.as_(self.actor(event), event.at) as ctx:
            task = ctx.session.scalars(select(Task).where(
                Task.application_id == self.id, Task.item_code == fast_task.item_code)).one()
            tasks.decide(ctx, task.id, tasks.Decision(
                event.action, task.version, reason=event.reason,
                data=dict(licence.data) if licence is not None else {}))

    def rate(self, rating: Rating, rect: Rectification | None) -> None:
        with self.told.as_(self.applicant, rating.created_at) as ctx:
            made = ratings.rate(ctx, self.id, ratings.RatingInput(
                rating.level, dict(rating.indicators), rating.comment, rating.department_code,
                rating.target), rectification_days=15)
            rect_id = ctx.session.scalars(select(Rectification.id).where(
                Rectification.rating_id == made.id)).one_or_none()
        for step in (rect.steps if rect is not None else []):  # the staff's names: usernames
            with self.told.as_(step["by"], dt.datetime.fromisoformat(step["at"])) as ctx:
                assert rect_id is not None
                ratings.advance(ctx, rect_id, step["action"], step["text"],
                                True if step["action"] == "decide" else None)


# --- the rows, ids replaced by what they point at ----------------------------------------


def _rows(world: World) -> dict[str, list[dict[str, Any]]]:
    with world.sessions() as session:
        keys = _Keys(session)
        found = {
            "applications": [keys.row(a) for a in _all(session, Application)],
            "tasks": [keys.row(t) for t in _all(session, Task)],
            "events": [keys.row(e) for e in session.scalars(
                select(Event).order_by(Event.application_id, Event.at, Event.id))],
            "licences": [keys.row(lic) for lic in _all(session, Licence)],
            "companies": [keys.row(c) for c in _all(session, Company)],
            "ratings": [keys.row(r) for r in _all(session, Rating)],
            "rectifications": [_without_tickets(keys.row(r))
                               for r in _all(session, Rectification)],
            "follow_up_checks": [keys.row(c) for c in _all(session, FollowUpCheck)],
            "watched_deadlines": sorted(
                (keys.row(w) for w in _all(session, WatchedDeadline)
                 if not w.subject.startswith("ticket_")),
                key=lambda w: (w["subject"], str(w["subject_id"]))),
            "number_counters": [keys.row(c) for c in session.scalars(
                select(NumberCounter).order_by(NumberCounter.prefix))
                if not c.prefix.startswith("12345-")],
        }
    return {table: [{k: v for k, v in row.items() if k not in WALL_CLOCK.get(table, ())}
                    for row in rows] for table, rows in found.items()}


def _without_tickets(row: dict[str, Any]) -> dict[str, Any]:
    """The fast generator opens no 12345 complaint tickets for bad ratings (the services do:
    the hotline's ticket, its watched deadlines and its number, and a `ticket` step on the
    rectification); they are left out of the comparison."""
    return {**row, "steps": [s for s in row["steps"] if s["action"] != "ticket"]}


def _all(session: Session, model: Any) -> list[Any]:
    return list(session.scalars(select(model).order_by(model.id)))


class _Keys:
    """Each id as what it stands for: a user by name (an applicant by the fast world's), an
    application by its number, a task by its application and item, a rating by its
    application and the service rated."""

    def __init__(self, session: Session) -> None:
        self.users = {u.id: u.username.split(".")[0] for u in session.scalars(select(User))}
        self.apps = dict(session.execute(select(Application.id, Application.number)).all())
        self.tasks = {t.id: (self.apps[t.application_id], t.item_code)
                      for t in session.scalars(select(Task))}
        self.ratings = {r.id: (self.apps[r.application_id], r.service)
                        for r in session.scalars(select(Rating))}
        self.subjects = {  # what a watched deadline watches
            **{("rectification", r.id): self.ratings[r.rating_id]
               for r in session.scalars(select(Rectification))},
            **{("commitment_check", c.id): self.tasks[c.task_id]
               for c in session.scalars(select(FollowUpCheck))}}

    def row(self, obj: Any) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for column in obj.__table__.columns:
            name, value = column.name, getattr(obj, column.key)
            if name in IGNORED:
                continue
            found[name] = self.key(name, value)
        if "subject_id" in found:
            found["subject_id"] = self.subjects[(found["subject"], found["subject_id"])]
        return found

    def key(self, name: str, value: Any) -> Any:
        if value is None:
            return None
        if name.endswith("_by_id") or name in ("applicant_id", "holder_id", "actor_id",
                                                "recipient_id", "signed_by_id"):
            return self.users[value]
        if name == "application_id":
            return self.apps[value]
        if name == "task_id":
            return self.tasks[value]
        if name == "rating_id":
            return self.ratings[value]
        if name == "materials" and isinstance(value, list):
            return [self.material(m) for m in value]
        return value

    def material(self, entry: dict[str, Any]) -> dict[str, Any]:
        found = {k: v for k, v in entry.items() if k not in IGNORED}
        signed = found.get("commitment")
        if isinstance(signed, dict):
            found["commitment"] = {**signed, "signed_by_id": self.users.get(
                signed.get("signed_by_id", 0))}
        return found
