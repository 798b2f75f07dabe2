"""`onething demo generate`: realistic applications over the loaded catalog, deterministic
with a seed, made through the same services people use (so every rule holds).

Spread over the past months: most delivered and rated, some denied, returned or
withdrawn, some still open and some of those late, a few bad ratings rectified.
This path favours fidelity over speed (see docs/PERFORMANCE.md for what it costs).
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from onething.cases import service as cases
from onething.cases import tasks
from onething.cases.models import Application
from onething.cases.routing import office_name
from onething.catalog import browse
from onething.catalog.context import Ctx, build_ctx
from onething.catalog.linked import Bundle, Catalog
from onething.catalog.spec import FieldType, Level, QuestionType
from onething.demo.people import DEMO_PASSWORD
from onething.files import service as files
from onething.guide.engine import FieldStatus, MaterialStatus, compute_guide
from onething.identity import service as identity
from onething.identity.models import User
from onething.kernel.identifiers import id_number_check_digit, uscc_check_char
from onething.kernel.principal import Principal, Role
from onething.ratings import service as ratings
from onething.ratings.models import Rectification

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"


@dataclass
class Generated:
    applications: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    ratings: int = 0
    rectifications: int = 0


class _People:
    """Applicants, and a clerk and approvers for every office the cases reach."""

    def __init__(self, session: Session, catalog: Catalog, rng: random.Random) -> None:
        self.session, self.catalog, self.rng = session, catalog, rng
        self.hash = identity.hash_password(DEMO_PASSWORD)
        self.cache: dict[str, Principal] = {}

    def get(self, username: str, role: Role, region: str | None = None,
            department: str | None = None, name: str | None = None) -> Principal:
        if username not in self.cache:
            user = self.session.scalar(select(User).where(User.username == username))
            if user is None:
                user = identity.create_user(
                    self.session, username=username, password=DEMO_PASSWORD, role=role,
                    region=region, department=department, display_name=name or username,
                    password_hash=self.hash)
            self.cache[username] = identity.principal_of(user)
        return self.cache[username]

    def applicant(self, n: int) -> Principal:
        name = self.rng.choice(SURNAMES) + "".join(self.rng.choices(GIVEN, k=2))
        return self.get(f"gen_applicant_{n:05d}", Role.applicant, name=name)

    def clerk(self, region: str) -> Principal:
        return self.get(f"gen_clerk_{region}", Role.clerk, region=region,
                        name=f"{self.catalog.regions[region].name}窗口")

    def supervisor(self, region: str) -> Principal:
        return self.get(f"gen_supervisor_{region}", Role.supervisor, region=region,
                        name=f"{self.catalog.regions[region].name}效能监察")

    def approver(self, department: str, region: str) -> Principal:
        return self.get(f"gen_{department.lower()}_{region}", Role.approver, region=region,
                        department=department, name=office_name(self.catalog, region, department))


def generate(sessions: sessionmaker[Session], catalog: Catalog, files_root: Path, count: int,
             seed: int = 2026, now: dt.datetime | None = None, months: int = 6,
             progress: Callable[[int], None] | None = None) -> Generated:
    rng = random.Random(seed)
    now = now or dt.datetime.now(dt.UTC)
    result = Generated()
    receiving = _receiving_regions(catalog)
    with sessions.begin() as session:
        people = _People(session, catalog, rng)
        for n in range(count):
            start = now - dt.timedelta(days=rng.uniform(0, 30 * months))
            bundle = rng.choice(list(catalog.bundles.values()))
            regions = [r for r in receiving if browse.offered_in(catalog, bundle, r)]
            if not regions:
                continue
            status = _one(session, catalog, people, files_root, rng, bundle,
                          rng.choice(regions), n, start, now, result)
            result.statuses[status] = result.statuses.get(status, 0) + 1
            result.applications += 1
            if progress:
                progress(n + 1)
    return result


def _receiving_regions(catalog: Catalog) -> list[str]:
    counties = [c for c, r in catalog.regions.items() if r.level == Level.county]
    return sorted(counties) or sorted(catalog.regions)


@contextmanager
def _acting(session: Session, catalog: Catalog, who: Principal,
            when: dt.datetime) -> Iterator[Ctx]:
    yield build_ctx(session, catalog, who, when)


def _one(session: Session, catalog: Catalog, people: _People, files_root: Path,
         rng: random.Random, bundle: Bundle, region: str, n: int, start: dt.datetime,
         now: dt.datetime, result: Generated) -> str:
    applicant = people.applicant(rng.randrange(max(1, n // 3 + 1)))
    answers = _answers(bundle, rng)
    guide = compute_guide(catalog, bundle.code, answers)
    with _acting(session, catalog, applicant, start) as ctx:
        scan = files.store(session, files_root, applicant, f"材料{n}.pdf", PDF)
        materials = {m.code: ({"commitment": True} if m.status == MaterialStatus.commitment
                              else {"file": scan.id})
                     for m in guide.materials if m.status in (MaterialStatus.submit,
                                                              MaterialStatus.commitment)}
        app = cases.submit(ctx, cases.Submission(
            bundle=bundle.code, region=region, answers=answers,
            form=in_region(catalog, _form(catalog, guide.fields, rng, ctx.today), region),
            materials=materials,
            channel=rng.choices(["web", "mobile", "api"], [55, 35, 10])[0]))
    clerk = people.clerk(region)
    when = start + dt.timedelta(hours=rng.uniform(1, 30))
    if when > now:
        return app.status
    roll = rng.random()
    with _acting(session, catalog, clerk, when) as ctx:
        if roll < 0.03:
            cases.decide_at_window(ctx, app.id, cases.WindowDecision("refuse",
                                                                     reason="不属于受理范围"))
            return app.status
        if roll < 0.08:
            cases.decide_at_window(ctx, app.id, cases.WindowDecision(
                "return", notice=[{"subject": "材料", "message": "身份证复印件不清晰"}]))
            return app.status
        cases.decide_at_window(ctx, app.id, cases.WindowDecision("accept"))
    return _decide_all(session, catalog, people, rng, app.id, when, now, result)


def _decide_all(session: Session, catalog: Catalog, people: _People, rng: random.Random,
                app_id: int, when: dt.datetime, now: dt.datetime, result: Generated) -> str:
    speed = rng.choice([0.3, 0.5, 0.8, 1.0, 1.3])  # some offices are slow: they get cards
    while True:
        with _acting(session, catalog, people.clerk(_app(session, app_id).region_code),
                     when) as ctx:
            pending = [t for t in cases.view(ctx, app_id).tasks if t.status == "pending"]
        if not pending:
            break
        for task in pending:
            decided = when + dt.timedelta(days=max(0.2, task.promised_days * speed * 1.4)
                                          * rng.uniform(0.5, 1.2))
            if decided > now:
                return _app(session, app_id).status  # still open (and maybe late)
            approver = people.approver(task.department_code, task.region_code)
            action = "deny" if rng.random() < 0.03 else "approve"
            with _acting(session, catalog, approver, decided) as ctx:
                tasks.decide(ctx, task.id, tasks.Decision(
                    action, task.version, reason="不符合法定条件" if action == "deny" else None,
                    data=result_data(catalog, task.item_code, rng) if action == "approve"
                    else {}))
            when = max(when, decided)
    return _finish(session, catalog, people, rng, app_id, when, now, result)


def _finish(session: Session, catalog: Catalog, people: _People, rng: random.Random,
            app_id: int, when: dt.datetime, now: dt.datetime, result: Generated) -> str:
    app = _app(session, app_id)
    delivered = when + dt.timedelta(hours=rng.uniform(2, 48))
    if delivered > now:
        return app.status
    with _acting(session, catalog, people.clerk(app.region_code), delivered) as ctx:
        cases.deliver(ctx, app_id, rng.choice(["window", "post", "electronic"]),
                      tracking_number=f"EMS{rng.randrange(10**11, 10**12)}")
    rated = delivered + dt.timedelta(hours=rng.uniform(1, 60))
    if rated > now or rng.random() < 0.15:
        return app.status
    level = rng.choices([5, 4, 3, 2, 1], [70, 18, 7, 3, 2])[0]
    applicant = identity.principal_of(session.get_one(User, app.applicant_id))
    with _acting(session, catalog, applicant, rated) as ctx:
        target = rng.choice(ratings.targets(ctx, app))  # the window or a deciding department
        indicator = "service_efficiency" if target.kind == ratings.WINDOW else "efficiency"
        rating = ratings.rate(ctx, app_id, ratings.RatingInput(
            level, {indicator: level}, "办理很快" if level >= 3 else "等待时间太长",
            target.department, target.kind), rectification_days=15)
    result.ratings += 1
    if level < 3:
        result.rectifications += 1
        _rectify(session, catalog, people, rng, rating.id, rated, now)
    return app.status


def _rectify(session: Session, catalog: Catalog, people: _People, rng: random.Random,
             rating_id: int, when: dt.datetime, now: dt.datetime) -> None:
    rect = session.scalar(select(Rectification).where(Rectification.rating_id == rating_id))
    if rect is None:
        return
    office = (people.clerk(rect.region_code) if rect.department_code is None
              else people.approver(rect.department_code, rect.region_code))
    supervisor = people.supervisor(rect.region_code)  # 认定: never the office rated
    steps = [("verify", "已回访核实", None), ("decide", "差评属实，已致歉", True),
             ("rectify", "优化窗口流程", None), ("follow_up", "回访满意", None)]
    for action, text, justified in steps[:rng.choice([1, 2, 4, 4, 4])]:
        when += dt.timedelta(days=rng.uniform(1, 4))
        if when > now:
            return
        with _acting(session, catalog, supervisor if action == "decide" else office,
                     when) as ctx:
            ratings.advance(ctx, rect.id, action, text, justified)


def _app(session: Session, app_id: int) -> Application:
    return session.get_one(Application, app_id)


def _answers(bundle: Bundle, rng: random.Random) -> dict[str, Any]:
    return {q.code: _answer(q.type, list(q.options or {}), rng) for q in bundle.questions}


def _answer(kind: QuestionType, options: list[str], rng: random.Random) -> Any:
    match kind:
        case QuestionType.bool:
            return rng.random() < 0.6
        case QuestionType.choice:
            return rng.choice(options)
        case QuestionType.multichoice:
            return rng.sample(options, rng.randint(0, len(options)))
        case QuestionType.number:
            return float(rng.choice([30, 60, 120, 250, 400, 800]))
        case QuestionType.integer:
            return rng.randint(0, 12)
    return "示例"


def id_number(rng: random.Random, female: bool | None = None) -> str:
    """A valid 居民身份证号; its 17th character is odd for a man, even for a woman."""
    born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(365 * 55))
    order = rng.randrange(1000) if female is None else 2 * rng.randrange(500) + (not female)
    first = f"430102{born:%Y%m%d}{order:03d}"
    return first + id_number_check_digit(first)


def uscc(rng: random.Random) -> str:
    first = "9143" + "0102" + "".join(rng.choices("0123456789ABCDEFGHJKLMNPQRTUWXY", k=9))
    return first + uscc_check_char(first)


def _form(catalog: Catalog, fields: list[Any], rng: random.Random,
          today: dt.date | None = None) -> dict[str, Any]:
    """The applicant's values (not those an earlier stage creates: they are not asked), of the
    right type, that also pass the catalog's cross-field checks as of `today` (the date in
    China of the submission; the machine's date when not given)."""
    values = {f.code: _value(catalog.fields[f.code], rng) for f in fields
              if f.status == FieldStatus.fill}
    values.update(_consistent(set(values), rng, today or dt.date.today()))
    for part, whole in (("insured_count", "employee_count"),
                        ("health_certified_count", "employee_count"),
                        ("underground_area", "floor_area"), ("shelter_area", "underground_area")):
        if part in values and whole in values:
            values[part] = min(values[part], values[whole])
    return {k: v for k, v in values.items() if v is not None}


def in_region(catalog: Catalog, form: dict[str, Any], region: str) -> dict[str, Any]:
    """The form of someone applying where they live or do business: every 行政区划 field is
    the receiving region (so the competent offices are those of that region)."""
    return {code: region if catalog.fields[code].type == FieldType.region else value
            for code, value in form.items()}


def result_data(catalog: Catalog, item_code: str, rng: random.Random) -> dict[str, Any]:
    """What the deciding office enters on approval: the values its item creates (a
    统一社会信用代码 is left to the platform, which assigns one)."""
    item = catalog.items.get(item_code)
    fills = item.result.fills if item is not None and item.result is not None else ()
    values = {code: _value(catalog.fields[code], rng) for code in fills
              if catalog.fields[code].type != FieldType.uscc}
    return {k: v for k, v in values.items() if v is not None}


# the values `_consistent` draws relative to the day of the submission (the others are not)
DAY_RELATIVE = ("birth_date", "opening_date", "lease_end_date", "retirement_date",
                "planned_start", "planned_completion")


def _consistent(codes: set[str], rng: random.Random, today: dt.date) -> dict[str, Any]:
    """Values whose meaning ties them to each other or to the day: births in the past, leases
    ending after the opening, parents' ID numbers of their sex, work before retirement, works
    finishing after they start."""
    def day(low: int, high: int) -> str:
        return (today + dt.timedelta(days=rng.randint(low, high))).isoformat()

    years = round(rng.uniform(15, 30), 1)
    chosen = {
        "birth_date": day(-25, 0), "opening_date": day(7, 60), "lease_end_date": day(400, 1800),
        "retirement_date": day(0, 60), "mother_id_number": id_number(rng, female=True),
        "father_id_number": id_number(rng, female=False),
        "work_start_date": (dt.date(1985, 1, 1) + dt.timedelta(days=rng.randrange(3650))
                            ).isoformat(),
        "contribution_years": years, "medical_contribution_years": years,
    }
    if codes & {"planned_start", "planned_completion"}:  # drawn only where asked
        chosen.update(planned_start=day(10, 90), planned_completion=day(200, 1000))
    return {code: value for code, value in chosen.items() if code in codes}


_PATTERNED = ("410000", "6222020200112233445", "08:30", "12345678", "2026-430102-47-03-000001")


def _value(spec: Any, rng: random.Random) -> Any:
    low = spec.min if spec.min is not None else 0
    high = min(spec.max if spec.max is not None else low + 500, low + 500)
    match spec.type:
        case FieldType.id_number:
            return id_number(rng)
        case FieldType.uscc:
            return uscc(rng)
        case FieldType.phone:
            return f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
        case FieldType.email:
            return f"user{rng.randrange(10**6)}@example.com"
        case FieldType.date:
            return (dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(300))).isoformat()
        case FieldType.number:
            return round(rng.uniform(low, high), 1)
        case FieldType.integer:
            return rng.randint(int(low), int(min(high, low + 50)))
        case FieldType.bool:
            return rng.random() < 0.5
        case FieldType.choice:
            return rng.choice(list(spec.options or {"x": ""}))
        case FieldType.region:
            return "430102"
    if spec.pattern:
        fitting = [c for c in _PATTERNED if re.fullmatch(spec.pattern, c)]
        return fitting[0] if fitting else None
    return _text(spec, rng)


def _text(spec: Any, rng: random.Random) -> str:
    text = f"{spec.label[:10]}示例{rng.randrange(1000)}"
    return text[:spec.max_length] if spec.max_length else text

