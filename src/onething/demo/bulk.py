"""`onething demo generate --fast`: a province's worth of applications in minutes.

Rows are built in memory and written a batch at a time, one transaction per batch (COPY
on PostgreSQL, one prepared INSERT per table on SQLite), bypassing the services (which
take ~25 ms an application): the guide of each bundle is computed once per answer variant,
deadlines come from the real calendar. The rows
are those the services would write for the same story — the same people submitting,
accepting, deciding, delivering and rating at the same moments: states, tasks (every stage's,
opened as the stages open, cancelled after a denial), the timeline, numbers, licences, the
values the results fill in, ratings, rectifications and the follow-up checks of approvals
on a commitment. tests/test_demo.py tells a small generated world again through the services
and compares the rows, so that a rule changed in a service cannot silently drift from here.

Left out, as a generator should: the audit trail and the notifications a live world would
have sent. Deterministic for a seed (but for the 统一社会信用代码 the results create).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select, text, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.schema import ScalarElementColumnDefault

from onething.calendar.service import current_calendar
from onething.cases import automatic
from onething.cases.durations import longest_per_stage
from onething.cases.forms import check_value
from onething.cases.models import Application, Event, NumberCounter, Task
from onething.cases.routing import competent_region, office_name
from onething.catalog.linked import Catalog, Item
from onething.catalog.models import CatalogVersion
from onething.catalog.spec import FieldType, HolderKind, Level
from onething.commitments.models import FollowUpCheck
from onething.commitments.notice import notices_for
from onething.demo.data import (
    DAY_RELATIVE,
    PDF,
    _answers,
    _form,
    _receiving_regions,
    in_region,
    result_data,
)
from onething.demo.people import DEMO_PASSWORD
from onething.files.models import StoredFile
from onething.files.service import write_blob
from onething.guide.engine import Guide, MaterialStatus, compute_guide
from onething.identity import service as identity
from onething.identity.models import User
from onething.kernel.clock import CHINA
from onething.kernel.config import get_settings
from onething.kernel.identifiers import USCC_CATEGORIES, new_uscc
from onething.kernel.workdays import Calendar, last_day_of_years
from onething.licences.models import Licence
from onething.licences.service import holder_of
from onething.profiles import service as profiles
from onething.profiles.models import Company
from onething.ratings.models import Rating, Rectification
from onething.supervision.models import WatchedDeadline

# (status, weight): most delivered, some open (a share of those late), a few refused …
# The status aimed at; the one written is what the services make of the decisions drawn
# (an application whose only stage has one task cannot be partly denied).
STATES = [("delivered", 70), ("completed", 4), ("in_progress", 9), ("accepted", 3),
          ("submitted", 3), ("returned", 2), ("refused", 2), ("withdrawn", 2),
          ("partly_denied", 3), ("denied", 2)]
VARIANTS = 6  # answer variants per bundle, each with its guide computed once
MODELS = (Application, Task, Event, Licence, Company, Rating, Rectification, FollowUpCheck,
          WatchedDeadline)
SCAN = PDF  # every applicant's one upload
SCAN_NAME = "生成数据.pdf"
RETURN_NOTICE = [{"subject": "材料", "message": "复印件不清晰"}]
REFUSED, WITHDRAWN = "不属于受理范围", "申请人撤回"
DENIED = "不符合法定条件"
AUTO_APPROVED = "符合秒批条件，系统自动准予"  # as cases.tasks._auto_approve
LEVELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
# 差评整改, step by step: (action, text, by the supervisor)
RECTIFY = [("verify", "已回访核实", False), ("decide", "差评属实，已致歉", True),
           ("rectify", "优化审批流程", False), ("follow_up", "回访满意", False)]


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
    items: list[tuple[int, Item]]  # (stage, item), in the guide's order
    materials: list[dict[str, Any]]  # each entry as submitted, but who provides it
    forms: list[dict[str, Any]]
    committed: dict[str, list[dict[str, str]]]  # item → the materials a commitment replaced


class _Ids:
    """Explicit ids, so that children reference parents without a round trip."""

    def __init__(self, session: Session) -> None:
        self.next = {model: (session.scalar(select(func.max(model.id))) or 0) + 1
                     for model in MODELS}

    def take(self, model: Any) -> int:
        value = self.next[model]
        self.next[model] = value + 1
        return int(value)


@dataclass
class _People:
    applicants: list[int]
    ids: dict[str, int]  # username → id
    names: dict[int, str]  # id → display name
    files: dict[int, tuple[str, str]] = field(default_factory=dict)  # applicant → (id, name)


@dataclass
class _Batch:
    """What is shared while writing: the world's fixed parts and the rows of the batch."""

    catalog: Catalog
    calendar: Calendar
    people: _People
    ids: _Ids
    counters: Counter[str]
    version: int
    now: dt.datetime
    result: BulkResult
    check_days: int
    states: list[tuple[str, int]]
    rows: dict[Any, list[dict[str, Any]]] = field(default_factory=dict)
    results: dict[str, list[dict[str, str]]] = field(default_factory=dict)  # item → data
    offices: dict[tuple[str, Level], str] = field(default_factory=dict)

    def office(self, region: str, level: Level) -> str:
        """competent_region, once per region and level."""
        key = (region, level)
        if key not in self.offices:
            self.offices[key] = competent_region(self.catalog, region, level)
        return self.offices[key]

    def result_data(self, item: str, rng: random.Random) -> dict[str, str]:
        """What an office enters on approving `item`: one of a few drawn once."""
        if item not in self.results:
            self.results[item] = [result_data(self.catalog, item, rng) for _ in range(4)]
        return rng.choice(self.results[item])

    def number(self, prefix: str, width: int = 6) -> str:
        """As cases.numbering.next_number: the prefix's next value."""
        self.counters[prefix] += 1
        return f"{prefix}{self.counters[prefix]:0{width}d}"


def generate_fast(sessions: sessionmaker[Session], catalog: Catalog, count: int,
                  seed: int = 2026, now: dt.datetime | None = None, months: int = 12,
                  batch: int = 2000, progress: Callable[[int], None] | None = None,
                  files_root: Path | None = None,
                  states: list[tuple[str, int]] = STATES) -> BulkResult:
    """`count` applications over the past `months` (to `now`), aiming at `states` (status,
    weight); every applicant's upload is stored under `files_root` (the data directory by
    default)."""
    rng = random.Random(seed)
    now = now or dt.datetime.now(dt.UTC)
    result = BulkResult()
    with sessions.begin() as session:
        people = _people(session, catalog, count)
        people.files = _files(session, people.applicants,
                              files_root or get_settings().data_dir)
        version = session.scalar(select(CatalogVersion.id).order_by(
            CatalogVersion.id.desc()).limit(1))
        shared = _Batch(catalog, current_calendar(session), people, _Ids(session),
                        Counter(dict(session.execute(select(NumberCounter.prefix,
                                                            NumberCounter.value)).all())),
                        version or 1, now, result, get_settings().commitment_check_days,
                        states)
    variants = _variants(catalog, rng, _day(now))
    regions = _receiving_regions(catalog)
    made = 0
    while made < count:
        shared.rows = {m: [] for m in MODELS}
        for _ in range(min(batch, count - made)):
            bundle_code = rng.choice(sorted(variants))
            region = rng.choice(regions)
            _Case(shared, rng, variants[bundle_code], region, months).write()
            made += 1
        with sessions.begin() as session:
            connection = session.connection()
            for model, values in shared.rows.items():
                if values:
                    _insert(connection, model.__table__, values)
                    result.rows[model.__tablename__] += len(values)
        if progress:
            progress(made)
    with sessions.begin() as session:
        _finish(session, shared.counters)
    result.applications = made
    return result


def _insert(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """The batch's rows of one table, each value bound by its column's own type (as
    `connection.execute(table.insert(), rows)` would store it) but without SQLAlchemy's
    per-row parameter handling, which took a third of the generation: on PostgreSQL
    through COPY, on SQLite one prepared statement for the batch. The rows of one table
    have the same keys; columns left out get their scalar default."""
    dialect = connection.dialect
    names = list(rows[0])
    defaults = {c.name: c.default.arg for c in table.columns
                if c.name not in names and isinstance(c.default, ScalarElementColumnDefault)}
    columns = [table.c[name] for name in [*names, *defaults]]
    binds = [c.type._cached_bind_processor(dialect) for c in columns]
    fixed = tuple(defaults.values())

    def bound(row: dict[str, Any]) -> tuple[Any, ...]:
        values = [row[name] for name in names]
        return tuple(bind(v) if bind else v
                     for bind, v in zip(binds, (*values, *fixed), strict=True))

    driver = connection.connection.driver_connection
    listed = ", ".join(f'"{c.name}"' for c in columns)
    if dialect.name == "postgresql":
        with driver.cursor() as cursor, cursor.copy(  # type: ignore[union-attr]
                f'COPY "{table.name}" ({listed}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(bound(row))
        return
    marks = ", ".join("?" for _ in columns)
    cursor = driver.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(f'INSERT INTO "{table.name}" ({listed}) VALUES ({marks})',
                           [bound(row) for row in rows])
    finally:
        cursor.close()


# --- the world's fixed parts ----------------------------------------------------------------


def _people(session: Session, catalog: Catalog, count: int) -> _People:
    """Applicants (about one per three applications), the staff of every office and a
    supervisor (效能监察) over each, who decides whether a bad rating is justified."""
    hashed = identity.hash_password(DEMO_PASSWORD)
    existing = set(session.scalars(select(User.username)))
    wanted: list[dict[str, Any]] = []
    applicants = [f"bulk_applicant_{i:06d}" for i in range(max(10, min(count // 3, 300_000)))]
    for name in applicants:
        if name not in existing:
            wanted.append({"username": name, "display_name": "申请人" + name[-6:],
                           "role": "applicant", "password_hash": hashed, "active": True})
    receiving = _receiving_regions(catalog)
    offices = {(item.handler.code, competent_region(catalog, region, Level(item.level)))
               for item in catalog.items.values() for region in receiving}
    staff: list[tuple[str, str, str, str | None]] = [
        (f"bulk_{department.lower()}_{region}", "approver", region, department)
        for department, region in sorted(offices)]
    staff += [(f"bulk_clerk_{region}", "clerk", region, None) for region in receiving]
    staff += [(f"bulk_supervisor_{region}", "supervisor", region, None)
              for region in sorted({region for _, region in offices} | set(receiving))]
    for name, role, region, department in staff:
        if name not in existing:
            wanted.append({"username": name, "display_name": name, "role": role,
                           "region_code": region, "department_code": department,
                           "password_hash": hashed, "active": True})
    now = dt.datetime.now(dt.UTC)
    for start in range(0, len(wanted), 5000):
        session.execute(insert(User), [{**w, "created_at": now}
                                       for w in wanted[start:start + 5000]])
    found = session.execute(select(User.username, User.id, User.display_name).where(
        User.username.like("bulk_%"))).all()
    ids = {name: user_id for name, user_id, _ in found}
    return _People([ids[a] for a in applicants], ids,
                   {user_id: display for _, user_id, display in found})


def _files(session: Session, applicants: list[int], root: Path) -> dict[int, tuple[str, str]]:
    """Each applicant's one upload (as files.store keeps it: one blob, a row per upload)."""
    digest = hashlib.sha256(SCAN).hexdigest()
    write_blob(root, digest, SCAN)
    found = {owner: (file_id, SCAN_NAME) for owner, file_id in session.execute(
        select(StoredFile.owner_id, StoredFile.id).where(StoredFile.filename == SCAN_NAME,
                                                         StoredFile.sha256 == digest))}
    wanted: list[dict[str, Any]] = [
        {"id": secrets.token_hex(16), "sha256": digest, "size": len(SCAN),
         "content_type": "application/pdf", "filename": SCAN_NAME, "owner_id": owner,
         "created_at": dt.datetime.now(dt.UTC)} for owner in applicants if owner not in found]
    for start in range(0, len(wanted), 5000):
        session.execute(insert(StoredFile), wanted[start:start + 5000])
    found.update({int(w["owner_id"]): (str(w["id"]), SCAN_NAME) for w in wanted})
    return found


def _variants(catalog: Catalog, rng: random.Random,
              today: dt.date) -> dict[str, list[_Variant]]:
    """Answers and their guides, and forms as of `today` (see `_on_day`)."""
    found: dict[str, list[_Variant]] = {}
    for code, bundle in sorted(catalog.bundles.items()):
        found[code] = []
        for _ in range(VARIANTS):
            answers = _answers(bundle, rng)
            guide = compute_guide(catalog, code, answers)
            data = guide.as_dict()
            snapshot = {k: data[k] for k in ("items", "stages", "promised_days", "fee",
                                             "effect", "departments")}
            found[code].append(_Variant(
                answers=guide.answers, guide=guide, snapshot=snapshot,
                items=[(entry["stage"], catalog.items[entry["code"]])
                       for entry in snapshot["items"]],
                materials=[_material(catalog, m) for m in guide.materials],
                forms=[_form(catalog, guide.fields, rng, today) for _ in range(4)],
                committed=_committed(guide)))
    return found


def _material(catalog: Catalog, m: Any) -> dict[str, Any]:
    """A material's entry as cases.service records it at submission (who provides it
    and its commitment's notices: filled in per application)."""
    entry: dict[str, Any] = {"code": m.code, "name": m.name, "key": m.key,
                             "required": m.required, "status": m.status.value,
                             "items": m.items}
    if m.status == MaterialStatus.produced:
        entry.update(provided="produced", produced_by=m.produced_by)
    elif m.status == MaterialStatus.commitment:
        entry.update(provided="commitment", commitment={"items": [
            {"item": n.item, "item_name": n.item_name, "notice": n.text,
             "statement": n.statement} for n in notices_for(catalog.items, m.material, m.items)]})
    else:  # to submit: the applicant's upload
        entry.update(provided="file")
    return entry


def _committed(guide: Guide) -> dict[str, list[dict[str, str]]]:
    """As commitments.committed_for: per item, the materials a commitment replaced."""
    found: dict[str, list[dict[str, str]]] = {}
    for m in guide.materials:
        if m.status == MaterialStatus.commitment:
            for item in m.items:
                found.setdefault(item, []).append({"code": m.code, "name": m.name})
    return found


@lru_cache(maxsize=200_000)
def _add(calendar_id: int, start: dt.date, days: int) -> tuple[dt.date, bool]:
    deadline = _CALENDARS[calendar_id].add(start, days)
    return deadline.date, deadline.provisional


_CALENDARS: dict[int, Calendar] = {}


def _deadline(calendar: Calendar, start: dt.date, days: int) -> tuple[dt.date, bool]:
    _CALENDARS[id(calendar)] = calendar
    return _add(id(calendar), start, days)


def _day(at: dt.datetime) -> dt.date:
    return at.astimezone(CHINA).date()


# --- one application --------------------------------------------------------------------


class _Case:
    """One application's story, drawn, and the rows the services would leave for it."""

    def __init__(self, batch: _Batch, rng: random.Random, variants: list[_Variant],
                 region: str, months: int) -> None:
        self.b, self.rng, self.region = batch, rng, region
        self.v = v = rng.choice(variants)
        self.aim = rng.choices([s for s, _ in batch.states], [w for _, w in batch.states])[0]
        open_ = self.aim in ("in_progress", "accepted", "submitted")
        age = rng.uniform(0, 40) if open_ else rng.uniform(5, 30 * months)
        self.submitted = batch.now - dt.timedelta(days=age)
        self.applicant = rng.choice(batch.people.applicants)
        self.clerk = batch.people.ids[f"bulk_clerk_{region}"]
        self.channel = rng.choices(["web", "mobile", "window", "kiosk", "api"],
                                   [45, 30, 18, 4, 3])[0]
        self.form = in_region(batch.catalog, _on_day(rng.choice(v.forms), (
            _day(self.submitted) - _day(batch.now)).days), region)
        self.app: dict[str, Any] = {}
        self.tasks: list[dict[str, Any]] = []
        self.wallet: list[dict[str, Any]] = []  # the licences this application issued

    def event(self, at: dt.datetime, actor: int | None, role: str, action: str,
              before: str | None = None, after: str | None = None, reason: str | None = None,
              task: dict[str, Any] | None = None, data: dict[str, Any] | None = None) -> None:
        self.b.rows[Event].append({
            "id": self.b.ids.take(Event), "application_id": self.app["id"],
            "task_id": task["id"] if task else None, "at": at, "actor_id": actor,
            "actor_role": role, "action": action, "from_status": before, "to_status": after,
            "reason": reason, "data": data or {}})

    def latest(self, after: dt.datetime) -> dt.datetime:
        """What happens after `after` happens by an hour ago (or at once, if it is later)."""
        return max(after, self.b.now - dt.timedelta(hours=1))

    def name(self, user: int) -> str:
        return self.b.people.names[user]

    def write(self) -> None:
        self.submit()
        if self.aim not in ("submitted", "returned", "refused", "withdrawn"):
            self.accept()
        self.b.result.statuses[self.app["status"]] += 1
        self.b.rows[Application].append(self.app)
        self.b.rows[Task].extend(self.tasks)

    # submission and the window

    def submit(self) -> None:
        b, v = self.b, self.v
        window = self.channel == "window"  # the window enters it for the person before it
        by = self.clerk if window else self.applicant
        self.app = {
            "id": b.ids.take(Application),
            "number": b.number(f"{self.region[:6]}-{_day(self.submitted):%Y%m%d}-"),
            "bundle_code": v.guide.bundle, "catalog_version_id": b.version,
            "catalog_version": v.guide.catalog_version, "applicant_id": self.applicant,
            "submitted_by_id": by, "channel": self.channel, "region_code": self.region,
            "status": "submitted", "answers": v.answers, "form": self.form,
            "materials": [self.provided(m, window) for m in v.materials], "guide": v.snapshot,
            "idempotency_key": None, "idempotency_fingerprint": None,
            "promised_days": v.guide.promised_days, "deficient": False,
            "supplement_due": None, "supplemented_at": None, "supplement_missed": False,
            "resubmitted_at": None, "notice": None, "reason": None,
            "submitted_at": self.submitted, "accepted_at": None, "accepted_by_id": None,
            "deadline": None, "deadline_provisional": False, "completed_at": None,
            "delivered_at": None, "delivery": None, "rating_invited_at": None, "version": 1,
            "legal_days": None, "worked_days": None, "late_days": None,
        }
        self.event(self.submitted, by, "clerk" if window else "applicant", "submit",
                   after="submitted", data={"channel": self.channel})
        at = self.submitted + dt.timedelta(hours=3)
        if self.aim == "returned":
            self.app.update(status="returned", notice={
                "items": RETURN_NOTICE, "at": at.isoformat(), "by": self.name(self.clerk)})
            self.event(at, self.clerk, "clerk", "return", "submitted", "returned",
                       data={"notice": self.app["notice"]})
        elif self.aim == "refused":
            self.app.update(status="refused", reason=REFUSED)
            self.event(at, self.clerk, "clerk", "refuse", "submitted", "refused", REFUSED)
        elif self.aim == "withdrawn":
            self.app.update(status="withdrawn", reason=WITHDRAWN)
            self.event(at, self.applicant, "applicant", "withdraw", "submitted", "withdrawn",
                       WITHDRAWN)

    def provided(self, m: dict[str, Any], window: bool) -> dict[str, Any]:
        if m["provided"] == "file":
            file_id, filename = self.b.people.files[self.applicant]
            return {**m, "file": file_id, "filename": filename}
        if m["provided"] == "commitment":
            signed = {**m["commitment"], "signed_by": self.name(self.applicant),
                      "signed_by_id": self.applicant, "signed_at": self.submitted.isoformat()}
            if window:
                signed["entered_by"] = self.name(self.clerk)
            return {**m, "commitment": signed}
        return m

    def accept(self) -> None:
        b, rng, v = self.b, self.rng, self.v
        accepted = min(self.submitted + dt.timedelta(hours=rng.uniform(0.5, 20)),
                       self.latest(self.submitted))
        day = _day(accepted)
        self.app.update(status="accepted", accepted_at=accepted, accepted_by_id=self.clerk)
        self.app["deadline"], self.app["deadline_provisional"] = _deadline(
            b.calendar, day, v.guide.promised_days)
        self.event(accepted, self.clerk, "clerk", "accept", "submitted", "accepted")
        for stage, item in v.items:  # every task at once, its stage not reached yet
            self.tasks.append({
                "id": b.ids.take(Task), "application_id": self.app["id"],
                "item_code": item.code, "item_name": item.name, "stage": stage,
                "department_code": item.handler.code,
                "region_code": b.office(self.region, Level(item.level)),
                "status": "waiting", "promised_days": item.promised_days,
                "legal_days": item.legal_days, "opened_on": None, "deadline": None,
                "deadline_provisional": False, "suspended_days": 0, "suspended_on": None,
                "suspension": None, "decided_at": None, "decided_by_id": None, "reason": None,
                "version": 1, "worked_days": None, "late_days": None,
                "auto_approved": False, "auto_check": None})
        self.app["legal_days"] = longest_per_stage(
            (SimpleNamespace(**task) for task in self.tasks), "legal_days")
        stages = sorted({t["stage"] for t in self.tasks})
        if not stages:
            return
        self.open(stages[0], accepted, self.clerk, "clerk")
        self.decide(stages, accepted)

    def open(self, stage: int, at: dt.datetime, by: int, role: str) -> None:
        opened = [task for task in self.tasks if task["stage"] == stage]
        for task in opened:
            task["status"], task["opened_on"] = "pending", _day(at)
            task["deadline"], task["deadline_provisional"] = _deadline(
                self.b.calendar, task["opened_on"], task["promised_days"])
            self.event(at, by, role, "open", "waiting", "pending", task=task)
        for task in opened:
            self.automatic(task, at)

    def automatic(self, task: dict[str, Any], at: dt.datetime) -> None:
        """As cases.tasks._automatic (秒批): the platform decides the task at once when its
        item's rule holds. A generated applicant has no ID number (no profile), no credit
        record, and holds only the licences this application issued in their own name."""
        item = self.b.catalog.items[task["item_code"]]
        if not item.auto:
            return
        day = _day(at)
        held = [lic["licence_type"] for lic in self.wallet
                if lic["holder_kind"] == HolderKind.applicant.value
                and (lic["valid_until"] is None or lic["valid_until"] >= day)]
        outcome = automatic.decide(item, automatic.Inputs(
            form=self.form, fields=self.b.catalog.fields, licences=held, profile={},
            bad_credit=False, good_credit=False, credit_bar=None, today=day))
        task["auto_check"] = {"held": outcome.held, "unmet": outcome.unmet,
                              "facts": outcome.facts}
        if not outcome.held:
            self.event(at, None, "system", "auto_referred", task=task,
                       reason=f"不符合秒批条件：{outcome.unmet}", data={"facts": outcome.facts})
            return
        self.result(task, at, None, "system")
        task.update(status="approved", decided_at=at, decided_by_id=None, reason=AUTO_APPROVED,
                    auto_approved=True,
                    worked_days=max(0, self.b.calendar.count(task["opened_on"], day)),
                    late_days=self.b.calendar.count(task["deadline"], day))
        self.event(at, None, "system", "auto_approve", "pending", "approved", AUTO_APPROVED,
                   task, {"facts": outcome.facts})
        if self.app["status"] == "accepted":
            self.app["status"] = "in_progress"
            self.event(at, None, "system", "start", "accepted", "in_progress")

    # the offices

    def decide(self, stages: list[int], when: dt.datetime) -> None:
        """Stage after stage, as cases.tasks: each stage's decisions in the order of their
        moments; the last of a stage opens the next, cancels the later ones after a
        denial, or completes the application."""
        rng, aim = self.rng, self.aim
        speed = rng.choice([0.3, 0.6, 0.9, 1.2, 1.6])
        deny_stage = (stages[0] if aim == "denied" else stages[-1] if aim == "partly_denied"
                      else None)
        stop_stage = (stages[0] if aim == "accepted" else
                      rng.choice(stages) if aim == "in_progress" else None)
        last, role = self.clerk, "clerk"  # who opened the first stage
        for stage in stages:
            if stage == stop_stage:
                return  # still open there: its tasks pending, the later ones waiting
            # those the platform did not decide at once (秒批)
            own = [t for t in self.tasks if t["stage"] == stage and t["status"] == "pending"]
            moments = []
            for n, task in enumerate(own):
                days = max(0.1, task["promised_days"] * speed * 1.4) * rng.uniform(0.4, 1.1)
                decided = min(when + dt.timedelta(days=days), self.latest(when))
                denied = stage == deny_stage and (aim == "denied" or n == 0
                                                  or rng.random() < 0.5)
                moments.append((decided, n, task, denied))
            moments.sort(key=lambda m: (m[0], m[1]))
            for decided, _, task, denied in moments:
                self.decision(task, decided, denied)
            if moments:
                when = moments[-1][0]
                last, role = self.b.people.ids[_approver(moments[-1][2])], "approver"
            if any(denied for *_, denied in moments):
                self.cancel_after(stage, when, last)
                break
            later = [s for s in stages if s > stage]
            if later:
                self.open(later[0], when, last, role)
        self.complete(when, last, role)

    def decision(self, task: dict[str, Any], at: dt.datetime, denied: bool) -> None:
        approver = self.b.people.ids[_approver(task)]
        action, status = ("deny", "denied") if denied else ("approve", "approved")
        done = _day(at)
        if not denied:
            self.result(task, at, approver, "approver")
        task.update(status=status, decided_at=at, decided_by_id=approver,
                    reason=DENIED if denied else None,
                    worked_days=max(0, self.b.calendar.count(task["opened_on"], done)),
                    late_days=self.b.calendar.count(task["deadline"], done))
        self.event(at, approver, "approver", action, "pending", status, task["reason"], task)
        if self.app["status"] == "accepted":
            self.app["status"] = "in_progress"
            self.event(at, approver, "approver", "start", "accepted", "in_progress")

    def result(self, task: dict[str, Any], at: dt.datetime, approver: int | None,
               role: str) -> None:
        """As tasks._approve: the follow-up check of a commitment, the values the item
        creates filled into the form, and its licence."""
        b = self.b
        item = b.catalog.items[task["item_code"]]
        committed = self.v.committed.get(item.code)
        if committed:
            check = {
                "id": b.ids.take(FollowUpCheck), "application_id": self.app["id"],
                "task_id": task["id"], "item_code": item.code, "item_name": item.name,
                "department_code": task["department_code"], "region_code": task["region_code"],
                "materials": committed, "status": "open",
                "due_on": _deadline(b.calendar, _day(at), b.check_days)[0], "outcome": None,
                "decided_by_id": None, "decided_at": None, "created_at": at}
            b.rows[FollowUpCheck].append(check)
            self.watch("commitment_check", check, _day(at),
                       f"告知承诺核查：{item.name}（办件 {self.app['number']}）",
                       task_id=task["id"])
        if item.result is None:
            return
        values = self.values(item, task["region_code"])
        changed = [code for code, value in values.items() if self.form.get(code) != value]
        if changed:
            self.form = self.app["form"] = {**self.form, **values}
            labels = "、".join(b.catalog.fields[code].label for code in changed)
            self.event(at, approver, role, "fill_form", task=task,
                       reason=f"“{item.name}”办结，填入申请表：{labels}",
                       data={"fields": changed})
        licence = self.licence(task, item, at, values)
        self.event(at, approver, role, "issue_licence", task=task, data={
            "licence": licence["number"], "type": licence["licence_type"], "status": "valid"})

    def values(self, item: Item, region: str) -> dict[str, Any]:
        """What the office enters on approval (as licences.result_values reads it): its own
        values, the form's, a new 统一社会信用代码 where none is given."""
        assert item.result is not None
        given = self.b.result_data(item.code, self.rng)
        found: dict[str, Any] = {}
        for code in item.result.fills:
            spec = self.b.catalog.fields[code]
            if code in given:
                found[code] = check_value(spec, given[code])[0]
            elif self.form.get(code) not in (None, ""):
                found[code] = self.form[code]
            elif spec.type == FieldType.uscc:
                category = next((c for c, title in USCC_CATEGORIES.items()
                                 if title == item.result.holder.title), "1")
                found[code] = new_uscc(region, category)
        return found

    def licence(self, task: dict[str, Any], item: Item, at: dt.datetime,
                values: dict[str, Any]) -> dict[str, Any]:
        """As licences.issue: about whom the result says, numbered in its office's year."""
        assert item.result is not None
        day = _day(at)
        kind, title, name, number = holder_of(item, self.form, self.name(self.applicant))
        years = item.result.valid_years
        licence = {
            "id": self.b.ids.take(Licence),
            "number": self.b.number(f"ZZ{task['region_code']}{day:%Y}"),
            "holder_id": self.applicant, "holder_kind": kind.value, "holder_title": title,
            "holder_name": name, "holder_number": number,
            "licence_type": item.result.licence_type, "name": item.result.name,
            "issuer": office_name(self.b.catalog, task["region_code"], item.handler.code),
            "issued_on": day, "valid_until": last_day_of_years(day, years) if years else None,
            "status": "valid", "data": values, "application_id": self.app["id"],
            "task_id": task["id"], "created_at": at, "revoked_reason": None,
            "revoked_at": None}
        self.b.rows[Licence].append(licence)
        self.wallet.append(licence)
        if (item.result.licence_type == profiles.BUSINESS_LICENCE
                and kind.value == profiles.COMPANY and number):
            self.company(licence, task)
        return licence

    def company(self, licence: dict[str, Any], task: dict[str, Any]) -> None:
        """As profiles record the company a 营业执照 registers (a new USCC: a new company)."""
        rep_name, rep_number = profiles.legal_representative(
            self.form, self.name(self.applicant), None)
        self.b.rows[Company].append({
            "id": self.b.ids.take(Company), "uscc": licence["holder_number"],
            "name": licence["holder_name"], "kind": licence["holder_title"],
            "legal_rep_name": rep_name, "legal_rep_id_number": rep_number,
            "region_code": profiles.registered_region(self.b.catalog, self.form,
                                                      task["region_code"]),
            "licence_number": licence["number"], "application_id": self.app["id"],
            "created_at": licence["created_at"], "updated_at": licence["created_at"]})

    def cancel_after(self, stage: int, at: dt.datetime, by: int) -> None:
        reason = f"第 {stage} 阶段有事项不予批准，后续事项终止"
        for task in sorted(self.tasks, key=lambda t: (t["stage"], t["id"])):
            if task["stage"] > stage:
                task.update(status="cancelled", reason=reason)
                self.event(at, by, "approver", "cancel", "waiting", "cancelled", reason, task)

    def complete(self, at: dt.datetime, by: int, role: str) -> None:
        b, app = self.b, self.app
        approved = sum(t["status"] == "approved" for t in self.tasks)
        denied = sum(t["status"] == "denied" for t in self.tasks)
        action, status = (("complete", "completed") if not denied else
                          ("complete_denied", "denied") if not approved else
                          ("complete_partly_denied", "partly_denied"))
        done = _day(at)
        app.update(status=status, completed_at=at,
                   worked_days=max(0, b.calendar.count(_day(app["accepted_at"]), done)),
                   late_days=b.calendar.count(app["deadline"], done))
        self.event(at, by, role, action, "in_progress", status)
        if status == "completed" and self.aim == "delivered":
            self.deliver(at)

    # the applicant gets the result, and rates

    def deliver(self, finished: dt.datetime) -> None:
        rng = self.rng
        delivered = min(finished + dt.timedelta(hours=rng.uniform(2, 40)), self.b.now)
        method = rng.choice(["window", "post", "electronic"])
        tracking = f"EMS{rng.randrange(10**11, 10**12)}" if method == "post" else None
        delivery = {"method": method, "tracking_number": tracking, "note": None,
                    "by": self.name(self.clerk)}
        self.app.update(status="delivered", delivered_at=delivered, delivery=delivery)
        self.event(delivered, self.clerk, "clerk", "deliver", "completed", "delivered",
                   data=delivery)
        if rng.random() < 0.8 and self.tasks:
            self.rate(max(self.tasks, key=lambda t: (t["decided_at"], t["id"])), delivered)

    def rate(self, task: dict[str, Any], delivered: dt.datetime) -> None:
        """As ratings.rate: the department that decided last, online."""
        b, rng, app = self.b, self.rng, self.app
        rated = min(delivered + dt.timedelta(hours=rng.uniform(1, 72)), b.now)
        level = rng.choices([5, 4, 3, 2, 1], [72, 18, 6, 3, 1])[0]
        department = task["department_code"]
        own = sorted((t for t in self.tasks if t["department_code"] == department),
                     key=lambda t: (t["decided_at"], t["id"]))
        region = own[0]["region_code"]
        rating = {
            "id": b.ids.take(Rating), "application_id": app["id"],
            "applicant_id": self.applicant, "level": level, "channel": "online",
            "target": "department", "indicators": {"efficiency": level},
            "comment": None if level >= 3 else "等待时间太长", "department_code": department,
            "service": f"department:{department}", "region_code": region,
            "taken_by_id": None, "created_at": rated}
        b.rows[Rating].append(rating)
        self.event(rated, self.applicant, "applicant", "rate",
                   reason=f"{office_name(b.catalog, region, department)}：{LEVELS[level]}",
                   data={"level": level, "channel": "online", "target": "department",
                         "department": department})
        if level < 3:
            self.rectify(rating, rated)

    def rectify(self, rating: dict[str, Any], rated: dt.datetime) -> None:
        """As ratings: verified, judged (by a supervisor), rectified and followed up — or
        still waiting to be verified."""
        b, rng = self.b, self.rng
        due, _ = _deadline(b.calendar, _day(rated), 15)
        closed = rated + dt.timedelta(days=rng.uniform(3, 20))
        done = closed < b.now and rng.random() < 0.9
        office = f"bulk_{rating['department_code'].lower()}_{rating['region_code']}"
        rect: dict[str, Any] = {
            "id": b.ids.take(Rectification), "rating_id": rating["id"],
            "application_id": rating["application_id"], "target": "department",
            "department_code": rating["department_code"],
            "region_code": rating["region_code"], "status": "verifying", "due_on": due,
            "steps": [], "justified": None, "response": None, "review": None,
            "created_at": rated, "closed_at": None, "on_time": None}
        if done:
            for n, (action, words, supervising) in enumerate(RECTIFY, start=1):
                at = rated + (closed - rated) * n / len(RECTIFY)
                by = f"bulk_supervisor_{rating['region_code']}" if supervising else office
                rect["steps"].append({"action": action, "text": words, "by": by,
                                      "at": at.isoformat()})
            rect.update(status="closed", justified=True,
                        response=f"{RECTIFY[1][1]}\n整改措施：{RECTIFY[2][1]}", closed_at=closed,
                        on_time=_day(closed) <= due)
        else:  # still open: watched by supervision, as ratings announces it (WatchStarted)
            self.watch("rectification", rect, _day(rated),
                       f"差评整改（办件 {self.app['number']}）")
        b.rows[Rectification].append(rect)

    def watch(self, subject: str, row: dict[str, Any], opened_on: dt.date, title: str,
              task_id: int | None = None) -> None:
        """As supervision.handlers on `WatchStarted`: a deadline its sweep watches."""
        self.b.rows[WatchedDeadline].append({
            "subject": subject, "subject_id": row["id"], "opened_on": opened_on,
            "due_on": row["due_on"], "title": title, "region_code": row["region_code"],
            "department_code": row["department_code"], "window": False,
            "application_id": self.app["id"], "task_id": task_id, "responsible_id": None})


def _on_day(form: dict[str, Any], days: int) -> dict[str, Any]:
    """A form drawn as of one day, as of `days` later: the dates that hold relative to the
    day of the submission (a birth not in the future, an opening ahead) moved with it."""
    moved = dict(form)
    for code in DAY_RELATIVE:
        if code in moved:
            moved[code] = (dt.date.fromisoformat(moved[code]) + dt.timedelta(days=days)
                           ).isoformat()
    return moved


def _approver(task: dict[str, Any]) -> str:
    return f"bulk_{task['department_code'].lower()}_{task['region_code']}"


def _finish(session: Session, counters: Counter[str]) -> None:
    """Number sequences continue after the generated ones (which continued those there
    were); PostgreSQL sequences too."""
    existing = set(session.scalars(select(NumberCounter.prefix)))
    rows = [{"prefix": prefix, "value": value} for prefix, value in counters.items()]
    if kept := [r for r in rows if r["prefix"] in existing]:
        session.execute(update(NumberCounter), kept)  # by primary key, in one go
    if new := [r for r in rows if r["prefix"] not in existing]:
        session.execute(insert(NumberCounter), new)
    if session.get_bind().dialect.name == "postgresql":
        for table in ("applications", "tasks", "events", "licences", "companies", "ratings",
                      "rectifications", "follow_up_checks", "users"):
            session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT max(id) FROM {table}), 1))"))
