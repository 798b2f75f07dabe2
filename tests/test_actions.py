"""What may be done next comes from the state machine: for each state of a case and each
person, the `actions` the API answers are exactly what the services accept.

Every case belongs to zhang, applied for by proxy1 with his consent (as in the access
matrix). For each state below and each person of the world, the application is read through
the API (`actions` on it and on each of its tasks, or 404 for whoever may not see it); then
every step is taken through its service, each in a transaction rolled back after, with a
request that passes the step's own rules: a step listed succeeds, one not listed is refused
with 403 or 409 (404 for whoever may not see the case)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import _fresh_postgres
from onething.app import create_app
from onething.calendar.service import current_calendar
from onething.cases import actions, tasks
from onething.cases import service as cases
from onething.cases.states import Action, TaskDecision
from onething.catalog.context import Ctx
from onething.files import service as files
from onething.identity import service as identity
from onething.kernel.config import Settings
from onething.kernel.db import unit_of_work
from onething.kernel.errors import DomainError
from onething.kernel.principal import Role
from onething.ratings import codes
from onething.ratings import service as ratings
from world import MONDAY, PDF, PEOPLE, World, world_at

FORM = {"applicant_name": "张三", "id_number": "11010519491231002X"}
OWNED = {"premises": "owned", "sells_food": False, "shop_area": 10}
RENTED = {**OWNED, "premises": "rented"}  # REG asks for the lease too: 容缺 is open
SIGNED = {**OWNED, "extras": ["sign"]}  # REG, then SIGN (城管) in the second stage
LATER = MONDAY + dt.timedelta(days=14)  # past any supplement period given below


@dataclass
class Case:
    """One application in one state, and what a step on it needs."""

    app: int
    answers: dict[str, Any]
    materials: dict[str, dict[str, Any]]
    scan: str
    now: dt.datetime = MONDAY
    deferred: list[str] = field(default_factory=list)


def _ctx(world: World, session: Any, who: str, now: dt.datetime) -> Ctx:
    return Ctx(session=session, catalog=world.catalog, calendar=current_calendar(session),
               now=now, actor=world.users[who])


def _apply(world: World, answers: dict[str, Any], deferred: tuple[str, ...] = ()) -> Case:
    with world.as_("zhang") as ctx:
        scan = files.store(ctx.session, world.files_root, ctx.actor, "id.pdf", PDF).id
    materials = {"ID_CARD": {"file": scan}, **{code: {"deferred": True} for code in deferred}}
    if answers.get("extras") and "FLOOR_PLAN" not in deferred:
        materials["FLOOR_PLAN"] = {"file": scan}
    if answers["premises"] == "rented" and "LEASE" not in deferred:
        materials["LEASE"] = {"file": scan}
    with world.as_("proxy1") as ctx:
        app_id = cases.submit(ctx, cases.Submission(
            bundle="STORE", region="430102", answers=answers, form=FORM,
            materials=materials, applicant="zhang")).id
    return Case(app_id, answers, materials, scan, deferred=list(deferred))


def _window(world: World, case: Case, decision: str, **kw: Any) -> Case:
    with world.as_("clerk_furong") as ctx:
        cases.decide_at_window(ctx, case.app, cases.WindowDecision(decision, **kw))
    return case


def _decide(world: World, case: Case, action: str, item: str = "REG") -> Case:
    task = next(t for t in _tasks(world, case) if t.item_code == item)
    office = {"REG": "scjg_furong", "SIGN": "cg_furong"}[item]
    with world.as_(office) as ctx:
        tasks.decide(ctx, task.id, tasks.Decision(
            action, task.version, reason="理由", procedure="检验" if action == "suspend" else None,
            procedure_days=5 if action == "suspend" else None))
    return case


def _tasks(world: World, case: Case) -> list[Any]:
    with world.as_("admin") as ctx:
        return cases.view(ctx, case.app).tasks


def _accepted(world: World, answers: dict[str, Any] = OWNED) -> Case:
    return _window(world, _apply(world, answers), "accept")


def _deficient(world: World) -> Case:
    return _window(world, _apply(world, RENTED, ("LEASE",)), "accept_with_deficiency",
                   supplement_days=1)


def _delivered(world: World) -> Case:
    case = _decide(world, _accepted(world), "approve")
    with world.as_("clerk_furong") as ctx:
        cases.deliver(ctx, case.app, "window")
    return case


def _all_rated(world: World) -> Case:
    case = _delivered(world)
    with world.as_("zhang") as ctx:
        for kind, department in (("window", None), ("department", "SCJG")):
            ratings.rate(ctx, case.app, ratings.RatingInput(5, {}, None, department, kind),
                         rectification_days=15)
    return case


def _terminated(world: World) -> Case:
    case = _deficient(world)
    with world.as_("admin", LATER) as ctx:
        cases.terminate_missed_supplements(ctx)
    case.now = LATER
    return case


def _period_over(world: World) -> Case:
    case = _deficient(world)
    case.now = LATER  # the sweep has not ended it yet
    return case


STATES: dict[str, Callable[[World], Case]] = {  # built in this order
    "terminated": _terminated,  # first: the sweep ends every case whose period is over
    "submitted": lambda w: _apply(w, OWNED),
    "submitted, 容缺 asked": lambda w: _apply(w, RENTED, ("LEASE",)),
    "returned": lambda w: _window(w, _apply(w, OWNED), "return",
                                  notice=[{"subject": "", "message": "身份证照片不清晰"}]),
    "refused": lambda w: _window(w, _apply(w, OWNED), "refuse", reason="不在受理范围"),
    "withdrawn": lambda w: _withdrawn(w),
    "accepted": _accepted,
    "accepted with deficiency": _deficient,
    "容缺 period over": _period_over,
    "suspended": lambda w: _decide(w, _accepted(w), "suspend"),
    "second stage": lambda w: _decide(w, _accepted(w, SIGNED), "approve"),
    "completed": lambda w: _decide(w, _accepted(w), "approve"),
    "completed, results held": lambda w: _decide(w, _deficient(w), "approve"),
    "denied": lambda w: _decide(w, _accepted(w), "deny"),
    "partly denied": lambda w: _decide(w, _decide(w, _accepted(w, SIGNED), "approve"), "deny",
                                       "SIGN"),
    "delivered": _delivered,
    "delivered, all rated": _all_rated,
}


def _withdrawn(world: World) -> Case:
    case = _apply(world, OWNED)
    with world.as_("zhang") as ctx:
        cases.withdraw(ctx, case.app, None)
    return case


# --- each step, as its service takes it --------------------------------------------------

Step = Callable[[Ctx, Case], object]


def _rate(ctx: Ctx, case: Case) -> object:
    app = cases.view(ctx, case.app).application
    found = ratings.services(ctx, app)
    ratable = [t for t in found if t.state == ratings.RATABLE] or found
    target = ratable[0] if ratable else ratings.Target(ratings.WINDOW, None, "", "")
    return ratings.rate(ctx, case.app, ratings.RatingInput(5, {}, None, target.department,
                                                           target.kind),
                        rectification_days=15)


APPLICATION_STEPS: dict[Action, Step] = {
    Action.accept: lambda ctx, c: cases.decide_at_window(
        ctx, c.app, cases.WindowDecision("accept")),
    Action.accept_with_deficiency: lambda ctx, c: cases.decide_at_window(
        ctx, c.app, cases.WindowDecision("accept_with_deficiency", supplement_days=1)),
    Action.return_: lambda ctx, c: cases.decide_at_window(ctx, c.app, cases.WindowDecision(
        "return", notice=[{"subject": "", "message": "租赁合同缺页"}])),
    Action.refuse: lambda ctx, c: cases.decide_at_window(
        ctx, c.app, cases.WindowDecision("refuse", reason="不在受理范围")),
    Action.resubmit: lambda ctx, c: cases.resubmit(ctx, c.app, cases.Submission(
        bundle="", region="", answers=c.answers, form=FORM, materials=c.materials)),
    Action.withdraw: lambda ctx, c: cases.withdraw(ctx, c.app, None),
    Action.supplement: lambda ctx, c: cases.supplement(
        ctx, c.app, {code: {"file": c.scan} for code in c.deferred or ["LEASE"]}),
    Action.deliver: lambda ctx, c: cases.deliver(
        ctx, c.app, "electronic" if ctx.actor.role == Role.applicant else "window"),
    Action.rate: _rate,
    Action.print_rating_code: lambda ctx, c: codes.issue(ctx, c.app, 7),
    Action.reveal_personal_data: lambda ctx, c: cases.reveal_personal_data(ctx, c.app),
}


def _decision(action: TaskDecision, task_id: int, version: int) -> Step:
    suspend = action == TaskDecision.suspend
    return lambda ctx, c: tasks.decide(ctx, task_id, tasks.Decision(
        action, version, reason="理由", procedure="检验" if suspend else None,
        procedure_days=5 if suspend else None))


def _taken(world: World, who: str, case: Case, step: Step) -> int:
    """The status the step is answered with (2xx: 200), nothing of it kept."""
    with world.sessions() as session:
        try:
            step(_ctx(world, session, who, case.now), case)
            session.flush()
            return 200
        except DomainError as exc:
            return exc.status
        finally:
            session.rollback()


# --- the world -------------------------------------------------------------------------


@dataclass
class Env:
    world: World
    client: TestClient
    cases: dict[str, Case]
    clock: list[dt.datetime]
    tokens: dict[tuple[str, dt.datetime], str] = field(default_factory=dict)

    def read(self, who: str, case: Case) -> tuple[int, dict[str, Any]]:
        """The application as `who` reads it through the API, at the case's time."""
        if (who, case.now) not in self.tokens:
            with unit_of_work(self.world.sessions) as session:
                user = identity.find_user(session, who)
                self.tokens[who, case.now] = identity.open_session(session, user, "api",
                                                                   case.now)[0]
        self.clock[0] = case.now
        answer = self.client.get(f"/api/v1/applications/{case.app}", headers={
            "Authorization": f"Bearer {self.tokens[who, case.now]}"})
        return answer.status_code, answer.json()


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def env(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
        basic_dir: Path) -> Iterator[Env]:
    root = tmp_path_factory.mktemp("actions")
    with ExitStack() as stack:
        url = f"sqlite:///{root / 'onething.db'}"
        if request.param == "postgresql":
            url = stack.enter_context(_fresh_postgres(request.getfixturevalue("postgres_server")))
        engine, world = world_at(url, root, basic_dir)
        stack.callback(engine.dispose)
        with world.as_("clerk_furong") as ctx:
            proxy, zhang = (identity.find_user(ctx.session, n) for n in ("proxy1", "zhang"))
            identity.record_consent(ctx.session, ctx.actor, ctx.catalog, proxy=proxy,
                                    person=zhang, note="书面授权")
        built = {name: build(world) for name, build in STATES.items()}
        clock = [MONDAY]
        app = create_app(Settings(data_dir=root), engine)
        app.state.clock = lambda: clock[0]
        with TestClient(app, raise_server_exceptions=False) as client:
            yield Env(world, client, built, clock)


@pytest.mark.parametrize("state", list(STATES))
def test_the_actions_given_are_the_steps_taken(env: Env, state: str) -> None:
    case = env.cases[state]
    wrong: list[str] = []
    offered: dict[str, list[str]] = {}
    for who, role, _, _ in PEOPLE:
        status, body = env.read(who, case)
        steps: dict[str, Step] = dict(APPLICATION_STEPS)
        listed: set[str] = set()
        if status != 404:  # (404: no actions to give, every step refused as if no case)
            assert status == 200, body
            listed = set(body["actions"])
            for t in body["tasks"]:
                for action in TaskDecision:
                    key = f"{action.value}#{t['id']}"
                    steps[key] = _decision(action, t["id"], t["version"])
                    if action.value in t["actions"]:
                        listed.add(key)
            offered[who] = sorted(listed)
        for action, step in steps.items():
            got = _taken(env.world, who, case, step)
            expected = ({200} if action in listed else {404} if status == 404
                        else {403, 409})
            if got not in expected:
                wrong.append(f"{who} ({role.value}) {action}: listed={action in listed}, "
                             f"answered {got}")
    assert not wrong, f"{state}: " + "; ".join(wrong)
    assert any(offered.values()) or state in ("withdrawn", "refused", "terminated",
                                               "delivered, all rated"), offered


def test_each_state_offers_its_own_steps(env: Env) -> None:
    """A few rows of the table, read as people would: who may do what in which state."""
    def listed(state: str, who: str) -> list[str]:
        status, body = env.read(who, env.cases[state])
        return [] if status == 404 else body["actions"]

    def task_actions(state: str, who: str) -> list[list[str]]:
        return [t["actions"] for t in env.read(who, env.cases[state])[1]["tasks"]]

    assert listed("submitted", "clerk_furong") == ["accept", "return", "refuse", "withdraw",
                                                   "reveal_personal_data"]
    assert listed("submitted, 容缺 asked", "clerk_furong") == [
        "accept_with_deficiency", "return", "refuse", "withdraw", "reveal_personal_data"]
    assert listed("submitted", "clerk_zhuzhou") == []  # another region's window: no case
    assert listed("submitted", "zhang") == ["withdraw"]
    assert listed("returned", "proxy1") == ["resubmit", "withdraw"]
    assert listed("accepted", "scjg_furong") == ["reveal_personal_data"]
    assert task_actions("accepted", "scjg_furong") == [["approve", "deny", "suspend"]]
    assert task_actions("accepted", "supervisor_cs") == [[]]
    assert task_actions("suspended", "scjg_furong") == [["resume"]]
    assert task_actions("second stage", "cg_furong") == [[], ["approve", "deny", "suspend"]]
    assert listed("accepted with deficiency", "zhang") == ["withdraw", "supplement", "rate"]
    assert listed("completed", "clerk_furong") == ["deliver", "reveal_personal_data",
                                                   "print_rating_code"]
    assert listed("completed", "zhang") == ["deliver", "rate"]  # 电子送达 confirmed
    assert listed("completed, results held", "clerk_furong") == [
        "supplement", "reveal_personal_data", "print_rating_code"]
    assert "supplement" not in listed("容缺 period over", "zhang")
    assert listed("delivered, all rated", "zhang") == []
    assert listed("delivered", "supervisor_cs") == []  # watches, never acts


def test_the_page_offers_each_side_its_own_steps(env: Env) -> None:
    """The case page: the window's page leaves the applicant's steps to the applicant, and
    keeps its delivery form while the results are held; the applicant's page leaves the
    delivery to the window."""
    def on_page(state: str, who: str) -> list[str]:
        case = env.cases[state]
        with env.world.as_(who, case.now) as ctx:
            view = cases.view(ctx, case.app)
            found = actions.of_application(ctx, view.application, view.tasks)
            return [str(a) for a in actions.on_page(ctx, view.application, found)]

    assert on_page("submitted", "clerk_furong") == ["accept", "return", "refuse",
                                                    "reveal_personal_data"]
    assert on_page("completed, results held", "clerk_furong") == [
        "reveal_personal_data", "print_rating_code", "deliver"]
    assert on_page("completed", "zhang") == ["rate"]
    assert on_page("returned", "proxy1") == ["resubmit", "withdraw"]
