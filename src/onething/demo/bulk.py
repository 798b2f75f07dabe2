"""`onething demo generate --fast`: a province's worth of applications in minutes.

Rows are built in memory and written with batched multi-row inserts, one transaction
per batch, bypassing the services (which take ~25 ms an application): the guide of each
bundle is computed once per answer variant, deadlines come from the real calendar, and
the states, tasks, events, licences and ratings agree with each other as the services
would leave them. Deterministic for a seed.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from onething.calendar.service import current_calendar
from onething.cases.models import Application, Event, NumberCounter, Task
from onething.cases.routing import competent_region, office_name
from onething.catalog.linked import Catalog
from onething.catalog.models import CatalogVersion
from onething.catalog.spec import Level
from onething.demo.data import _answers, _form, _receiving_regions
from onething.demo.people import DEMO_PASSWORD
from onething.files.models import StoredFile
from onething.guide.engine import Guide, compute_guide
from onething.identity import service as identity
from onething.identity.models import User
from onething.kernel.clock import CHINA
from onething.kernel.workdays import Calendar
from onething.licences.models import Licence
from onething.ratings.models import Rating, Rectification
from onething.supervision.models import WatchedDeadline

# (status, weight): most delivered, some open (a share of those late), a few refused …
STATES = [("delivered", 70), ("completed", 4), ("in_progress", 9), ("accepted", 3),
          ("submitted", 3), ("returned", 2), ("refused", 2), ("withdrawn", 2),
          ("partly_denied", 3), ("denied", 2)]
VARIANTS = 6  # answer variants per bundle, each with its guide computed once


@dataclass
class BulkResult:
    applications: int = 0
    rows: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)


@dataclass
class _Variant:
    answers: dict[str, Any]
    guide: Guide
    snapshot: dict[str, Any]
    materials: list[dict[str, Any]]
    forms: list[dict[str, Any]]


class _Ids:
    """Explicit ids, so that children reference parents without a round trip."""

    def __init__(self, session: Session) -> None:
        self.next = {
            model: (session.scalar(select(func.max(model.id))) or 0) + 1
            for model in (Application, Task, Event, Licence, Rating, Rectification)
        }

    def take(self, model: Any) -> int:
        value = self.next[model]
        self.next[model] = value + 1
        return int(value)


def generate_fast(sessions: sessionmaker[Session], catalog: Catalog, count: int,
                  seed: int = 2026, now: dt.datetime | None = None, months: int = 12,
                  batch: int = 2000, progress: Callable[[int], None] | None = None
                  ) -> BulkResult:
    rng = random.Random(seed)
    now = now or dt.datetime.now(dt.UTC)
    result = BulkResult()
    with sessions.begin() as session:
        people = _people(session, catalog, count)
        calendar = current_calendar(session)
        variants = _variants(catalog, rng)
        version = session.scalar(select(CatalogVersion.id).order_by(
            CatalogVersion.id.desc()).limit(1))
        file_id = _one_file(session, people["applicants"][0])
        ids = _Ids(session)
    counters: Counter[str] = Counter()
    regions = _receiving_regions(catalog)
    made = 0
    while made < count:
        rows: dict[Any, list[dict[str, Any]]] = {m: [] for m in (
            Application, Task, Event, Licence, Rating, Rectification, WatchedDeadline)}
        for _ in range(min(batch, count - made)):
            bundle_code = rng.choice(sorted(variants))
            region = rng.choice(regions)
            _application(rows, rng, catalog, calendar, variants[bundle_code], bundle_code,
                         region, people, ids, counters, version or 1, file_id, now, months,
                         result)
            made += 1
        with sessions.begin() as session:
            connection = session.connection()
            for model, values in rows.items():
                if values:  # Core executemany: one statement for the whole batch
                    connection.execute(model.__table__.insert(), values)
                    result.rows[model.__tablename__] += len(values)
        if progress:
            progress(made)
    with sessions.begin() as session:
        _finish(session, counters)
    result.applications = made
    return result


def _people(session: Session, catalog: Catalog, count: int) -> dict[str, Any]:
    """Applicants (about one per three applications) and the staff of every office."""
    hashed = identity.hash_password(DEMO_PASSWORD)
    existing = set(session.scalars(select(User.username)))
    wanted: list[dict[str, Any]] = []
    applicants = [f"bulk_applicant_{i:06d}" for i in range(max(10, min(count // 3, 300_000)))]
    for name in applicants:
        if name not in existing:
            wanted.append({"username": name, "display_name": "申请人" + name[-6:],
                           "role": "applicant", "password_hash": hashed, "active": True})
    offices = {(item.handler.code, competent_region(catalog, region, Level(item.level)))
               for item in catalog.items.values() for region in _receiving_regions(catalog)}
    for department, region in sorted(offices):
        name = f"bulk_{department.lower()}_{region}"
        if name not in existing:
            wanted.append({"username": name, "display_name": name, "role": "approver",
                           "region_code": region, "department_code": department,
                           "password_hash": hashed, "active": True})
    for region in _receiving_regions(catalog):
        name = f"bulk_clerk_{region}"
        if name not in existing:
            wanted.append({"username": name, "display_name": name, "role": "clerk",
                           "region_code": region, "password_hash": hashed, "active": True})
    now = dt.datetime.now(dt.UTC)
    for start in range(0, len(wanted), 5000):
        session.execute(insert(User), [{**w, "created_at": now}
                                       for w in wanted[start:start + 5000]])
    ids = {name: user_id for name, user_id in session.execute(
        select(User.username, User.id).where(User.username.like("bulk_%")))}
    return {"applicants": [ids[a] for a in applicants], "ids": ids}


def _variants(catalog: Catalog, rng: random.Random) -> dict[str, list[_Variant]]:
    found: dict[str, list[_Variant]] = {}
    for code, bundle in sorted(catalog.bundles.items()):
        found[code] = []
        for _ in range(VARIANTS):
            answers = _answers(bundle, rng)
            guide = compute_guide(catalog, code, answers)
            data = guide.as_dict()
            found[code].append(_Variant(
                answers=guide.answers, guide=guide,
                snapshot={k: data[k] for k in ("items", "stages", "promised_days", "fee",
                                               "effect", "departments")},
                materials=[{"code": m.code, "name": m.name, "key": m.key,
                            "required": m.required, "status": m.status.value,
                            "items": m.items,
                            "provided": {"submit": "file", "commitment": "commitment",
                                         "licence": "licence", "produced": "produced"}[
                                m.status.value]} for m in guide.materials],
                forms=[_form(catalog, guide.fields, rng) for _ in range(4)]))
    return found


def _one_file(session: Session, owner: int) -> str:
    file_id = secrets.token_hex(16)
    session.add(StoredFile(id=file_id, sha256="0" * 64, size=0, content_type="application/pdf",
                           filename="生成数据.pdf", owner_id=owner))
    return file_id


@lru_cache(maxsize=200_000)
def _add(calendar_id: int, start: dt.date, days: int) -> tuple[dt.date, bool]:
    deadline = _CALENDARS[calendar_id].add(start, days)
    return deadline.date, deadline.provisional


_CALENDARS: dict[int, Calendar] = {}


def _deadline(calendar: Calendar, start: dt.date, days: int) -> tuple[dt.date, bool]:
    _CALENDARS[id(calendar)] = calendar
    return _add(id(calendar), start, days)


def _application(rows: dict[Any, list[dict[str, Any]]], rng: random.Random, catalog: Catalog,
                 calendar: Calendar, variants: list[_Variant], bundle: str, region: str,
                 people: dict[str, Any], ids: _Ids, counters: Counter[str], version: int,
                 file_id: str, now: dt.datetime, months: int, result: BulkResult) -> None:
    v = rng.choice(variants)
    status = rng.choices([s for s, _ in STATES], [w for _, w in STATES])[0]
    open_ = status in ("in_progress", "accepted", "submitted")
    age = rng.uniform(0, 40) if open_ else rng.uniform(5, 30 * months)
    submitted = now - dt.timedelta(days=age)
    day = submitted.astimezone(CHINA).date()
    prefix = f"{region}-{day:%Y%m%d}-"
    counters[prefix] += 1
    app_id = ids.take(Application)
    applicant = rng.choice(people["applicants"])
    clerk = people["ids"][f"bulk_clerk_{region}"]
    app: dict[str, Any] = {
        "id": app_id, "number": f"{prefix}{counters[prefix]:06d}", "bundle_code": bundle,
        "catalog_version_id": version, "catalog_version": v.guide.catalog_version,
        "applicant_id": applicant, "submitted_by_id": applicant,
        "channel": rng.choices(["web", "mobile", "window", "kiosk", "api"],
                               [45, 30, 18, 4, 3])[0],
        "region_code": region, "status": status, "answers": v.answers,
        "form": rng.choice(v.forms),
        "materials": [{**m, "file": file_id} if m["provided"] == "file" else m
                      for m in v.materials],
        "guide": v.snapshot, "idempotency_key": None, "promised_days": v.guide.promised_days,
        "deficient": False, "supplement_due": None, "supplemented_at": None,
        "supplement_missed": False, "notice": None, "reason": None, "submitted_at": submitted,
        "accepted_at": None, "accepted_by_id": None, "deadline": None,
        "deadline_provisional": False, "completed_at": None, "delivered_at": None,
        "delivery": None, "rating_invited_at": None, "version": 1, "legal_days": None,
        "worked_days": None, "late_days": None,
    }
    events = rows[Event]
    events.append(_event(ids, app_id, None, submitted, applicant, "applicant", "submit", None,
                         "submitted"))
    result.statuses[status] += 1
    if status in ("submitted", "returned", "refused", "withdrawn"):
        if status != "submitted":
            app["reason"] = {"returned": None, "refused": "不属于受理范围",
                             "withdrawn": "申请人撤回"}[status]
            if status == "returned":
                app["notice"] = {"items": [{"subject": "材料", "message": "复印件不清晰"}]}
            events.append(_event(ids, app_id, None, submitted + dt.timedelta(hours=3), clerk,
                                 "clerk", {"returned": "return", "refused": "refuse",
                                           "withdrawn": "withdraw"}[status], "submitted",
                                 status))
        rows[Application].append(app)
        return
    accepted = submitted + dt.timedelta(hours=rng.uniform(0.5, 20))
    accepted_day = accepted.astimezone(CHINA).date()
    app.update(accepted_at=accepted, accepted_by_id=clerk)
    app["deadline"], app["deadline_provisional"] = _deadline(calendar, accepted_day,
                                                             v.guide.promised_days)
    events.append(_event(ids, app_id, None, accepted, clerk, "clerk", "accept", "submitted",
                         "accepted"))
    finished_at, app_tasks = _tasks(rows, rng, catalog, calendar, v, app, region, people, ids,
                                    accepted, now, status)
    app["legal_days"] = _per_stage_max(app_tasks, "legal_days")
    if status in ("completed", "delivered", "partly_denied", "denied"):
        app["completed_at"] = finished_at
        done = finished_at.astimezone(CHINA).date()
        app["worked_days"] = calendar.count(accepted_day, done)
        app["late_days"] = calendar.count(app["deadline"], done)
        events.append(_event(ids, app_id, None, finished_at, None, "admin", "complete",
                             "in_progress", "completed" if status == "delivered" else status))
    if status == "delivered":
        delivered = finished_at + dt.timedelta(hours=rng.uniform(2, 40))
        app.update(delivered_at=delivered, delivery={"method": rng.choice(
            ["window", "post", "electronic"]), "tracking_number": None, "note": None,
            "by": "窗口"})
        events.append(_event(ids, app_id, None, delivered, clerk, "clerk", "deliver",
                             "completed", "delivered"))
        if rng.random() < 0.8 and app_tasks:
            _rating(rows, rng, calendar, ids, app, app_tasks[-1], delivered, now)
    rows[Application].append(app)


def _tasks(rows: dict[Any, list[dict[str, Any]]], rng: random.Random, catalog: Catalog,
           calendar: Calendar, v: _Variant, app: dict[str, Any], region: str,
           people: dict[str, Any], ids: _Ids, start: dt.datetime, now: dt.datetime,
           status: str) -> tuple[dt.datetime, list[dict[str, Any]]]:
    """The tasks stage by stage; returns when the last one was decided, and the tasks."""
    made: list[dict[str, Any]] = []
    speed = rng.choice([0.3, 0.6, 0.9, 1.2, 1.6])
    when = start
    stages = sorted({i["stage"] for i in v.snapshot["items"]})
    deny_stage = stages[-1] if status in ("partly_denied", "denied") else None
    stop_stage = (stages[0] if status == "accepted" else
                  rng.choice(stages) if status == "in_progress" else None)
    for stage in stages:
        opened_day = when.astimezone(CHINA).date()
        decided_last = when
        for entry in (i for i in v.snapshot["items"] if i["stage"] == stage):
            item = catalog.items[entry["code"]]
            office = competent_region(catalog, region, Level(item.level))
            task_id = ids.take(Task)
            running = stop_stage is not None and stage >= stop_stage
            deadline, provisional = _deadline(calendar, opened_day, item.promised_days)
            task: dict[str, Any] = {
                "id": task_id, "application_id": app["id"], "item_code": item.code,
                "item_name": item.name, "stage": stage,
                "department_code": item.handler.code, "region_code": office,
                "status": "waiting" if running and stage > stop_stage else (
                    "pending" if running else "approved"),
                "promised_days": item.promised_days, "legal_days": item.legal_days,
                "opened_on": None if running and stage > stop_stage else opened_day,
                "deadline": None if running and stage > stop_stage else deadline,
                "deadline_provisional": provisional, "suspended_days": 0,
                "suspended_on": None, "suspension": None, "decided_at": None,
                "decided_by_id": None, "reason": None, "version": 1, "worked_days": None,
                "late_days": None,
            }
            if not running:
                decided = when + dt.timedelta(days=max(0.1, item.promised_days * speed * 1.4)
                                              * rng.uniform(0.4, 1.1))
                decided = min(decided, now - dt.timedelta(hours=1))
                approver = people["ids"][f"bulk_{item.handler.code.lower()}_{office}"]
                denied = stage == deny_stage and (status == "denied" or rng.random() < 0.5)
                done = decided.astimezone(CHINA).date()
                task.update(status="denied" if denied else "approved", decided_at=decided,
                            decided_by_id=approver, reason="不符合法定条件" if denied else None,
                            worked_days=calendar.count(opened_day, done),
                            late_days=calendar.count(deadline, done))
                rows[Event].append(_event(ids, app["id"], task_id, decided, approver,
                                          "approver", "deny" if denied else "approve",
                                          "pending", task["status"]))
                if not denied and item.result is not None:
                    _licence(rows, ids, app, task, item, office, catalog, decided)
                decided_last = max(decided_last, decided)
            rows[Task].append(task)
            made.append(task)
        if stop_stage is not None and stage >= stop_stage:
            break
        when = decided_last
    return when, made


def _per_stage_max(found: list[dict[str, Any]], key: str) -> int:
    longest: dict[int, int] = {}
    for task in found:
        longest[task["stage"]] = max(longest.get(task["stage"], 0), task[key])
    return sum(longest.values())


def _licence(rows: dict[Any, list[dict[str, Any]]], ids: _Ids, app: dict[str, Any],
             task: dict[str, Any], item: Any, office: str, catalog: Catalog,
             decided: dt.datetime) -> None:
    day = decided.astimezone(CHINA).date()
    licence_id = ids.take(Licence)
    years = item.result.valid_years
    rows[Licence].append({
        "id": licence_id, "number": f"ZZ{office}{day:%Y}B{licence_id:09d}",
        "holder_id": app["applicant_id"], "holder_name": str(app["form"].get(
            "applicant_name") or "申请人"), "licence_type": item.result.licence_type,
        "name": item.result.name,
        "issuer": office_name(catalog, office, item.handler.code), "issued_on": day,
        "valid_until": day.replace(year=day.year + years) if years else None,
        "status": "valid", "application_id": app["id"], "task_id": task["id"],
        "created_at": decided})


def _rating(rows: dict[Any, list[dict[str, Any]]], rng: random.Random, calendar: Calendar,
            ids: _Ids, app: dict[str, Any], task: dict[str, Any], delivered: dt.datetime,
            now: dt.datetime) -> None:
    rated = min(delivered + dt.timedelta(hours=rng.uniform(1, 72)), now)
    level = rng.choices([5, 4, 3, 2, 1], [72, 18, 6, 3, 1])[0]
    rating_id = ids.take(Rating)
    rows[Rating].append({
        "id": rating_id, "application_id": app["id"], "applicant_id": app["applicant_id"],
        "level": level, "channel": "online", "target": "department",
        "indicators": {"efficiency": level},
        "comment": None if level >= 3 else "等待时间太长", "department_code":
        task["department_code"], "service": f"department:{task['department_code']}",
        "region_code": task["region_code"], "taken_by_id": None,
        "created_at": rated})
    rows[Event].append(_event(ids, app["id"], None, rated, app["applicant_id"], "applicant",
                              "rate", None, None))
    if level < 3:
        due, _ = _deadline(calendar, rated.astimezone(CHINA).date(), 15)
        closed = rated + dt.timedelta(days=rng.uniform(3, 20))
        done = closed < now and rng.random() < 0.9
        rect_id = ids.take(Rectification)
        rows[Rectification].append({
            "id": rect_id, "rating_id": rating_id, "target": "department",
            "application_id": app["id"], "department_code": task["department_code"],
            "region_code": task["region_code"], "status": "closed" if done else "verifying",
            "due_on": due, "steps": [], "justified": True if done else None,
            "response": "已整改" if done else None, "review": None, "created_at": rated,
            "closed_at": closed if done else None,
            "on_time": closed.astimezone(CHINA).date() <= due if done else None})
        if not done:  # watched by supervision, as ratings announces it (WatchStarted)
            rows[WatchedDeadline].append({
                "subject": "rectification", "subject_id": rect_id,
                "opened_on": rated.astimezone(CHINA).date(), "due_on": due,
                "title": f"差评整改（办件 {app['number']}）",
                "region_code": task["region_code"], "department_code": task["department_code"],
                "window": False, "application_id": app["id"], "task_id": None,
                "responsible_id": None})


def _event(ids: _Ids, app_id: int, task_id: int | None, at: dt.datetime, actor: int | None,
           role: str, action: str, before: str | None, after: str | None) -> dict[str, Any]:
    return {"id": ids.take(Event), "application_id": app_id, "task_id": task_id, "at": at,
            "actor_id": actor, "actor_role": role, "action": action, "from_status": before,
            "to_status": after, "reason": None, "data": {}}


def _finish(session: Session, counters: Counter[str]) -> None:
    """Number sequences continue after the generated ones; PostgreSQL sequences too."""
    for prefix, value in counters.items():
        row = session.get(NumberCounter, prefix)
        if row is None:
            session.add(NumberCounter(prefix=prefix, value=value))
        else:
            row.value = max(row.value, value)
    if session.get_bind().dialect.name == "postgresql":
        for table in ("applications", "tasks", "events", "licences", "ratings",
                      "rectifications", "users"):
            session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT max(id) FROM {table}), 1))"))

