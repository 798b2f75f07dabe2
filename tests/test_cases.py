"""Applications end to end through the services, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from onething.cases import service as cases
from onething.cases import tasks
from onething.cases.service import Submission, WindowDecision
from onething.cases.tasks import Decision
from onething.identity import service as identity
from onething.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from onething.licences import service as licences
from samples import FOOD_AND_SIGN as ANSWERS
from samples import FORM_500 as FORM
from samples import PDF
from world import World


def upload(world: World, username: str, name: str = "scan.pdf") -> str:
    return world.upload(username, name, PDF + name.encode())


def apply(world: World, username: str = "zhang", **overrides: object) -> int:
    id_card = upload(world, username)
    sub = Submission(bundle="STORE", region="430102", answers=dict(ANSWERS), form=dict(FORM),
                     materials={"ID_CARD": {"file": id_card}, "LEASE": {"deferred": True},
                                "FLOOR_PLAN": {"commitment": True}})
    for key, value in overrides.items():
        setattr(sub, key, value)
    with world.as_(username) as ctx:
        return cases.submit(ctx, sub).id


def accept(world: World, app_id: int, decision: str = "accept_with_deficiency") -> None:
    with world.as_("clerk_furong") as ctx:
        cases.decide_at_window(ctx, app_id, WindowDecision(decision, supplement_days=3))


def task_of(world: World, app_id: int, item: str) -> tuple[int, int, str, dt.date | None]:
    with world.as_("admin") as ctx:
        found = next(t for t in cases.view(ctx, app_id).tasks if t.item_code == item)
        return found.id, found.version, found.status, found.deadline


def decide(world: World, username: str, app_id: int, item: str, action: str = "approve",
           **kw: object) -> None:
    task_id, version, _, _ = task_of(world, app_id, item)
    with world.as_(username) as ctx:
        tasks.decide(ctx, task_id, Decision(action, version, **kw))  # type: ignore[arg-type]


def status(world: World, app_id: int) -> str:
    with world.as_("admin") as ctx:
        return cases.view(ctx, app_id).application.status


def test_the_whole_journey(world: World) -> None:
    app_id = apply(world)
    with world.as_("zhang") as ctx:
        app = cases.view(ctx, app_id).application
        assert re.fullmatch(r"430102-20261123-\d{6}", app.number)
        provided = {m["code"]: m["provided"] for m in app.materials}
        assert provided == {"ID_CARD": "file", "LEASE": "deferred", "BL_COPY": "produced",
                            "FLOOR_PLAN": "commitment", "HEALTH_CERT": "none",
                            "FOOD_PERMIT_COPY": "produced"}
    with world.as_("clerk_furong") as ctx, pytest.raises(Conflict):
        cases.decide_at_window(ctx, app_id, WindowDecision("accept"))
    accept(world, app_id)
    assert status(world, app_id) == "accepted_with_deficiency"
    _, _, reg_status, reg_deadline = task_of(world, app_id, "REG")
    assert reg_status == "pending" and reg_deadline == dt.date(2026, 11, 24)  # 1 working day
    assert task_of(world, app_id, "FOOD")[2] == "waiting"

    decide(world, "scjg_furong", app_id, "REG")
    assert status(world, app_id) == "in_progress"
    assert task_of(world, app_id, "FOOD")[3] == dt.date(2026, 11, 30)  # 5 working days
    assert task_of(world, app_id, "SIGN")[3] == dt.date(2026, 11, 23)  # 即办: the same day
    decide(world, "cg_furong", app_id, "SIGN")
    decide(world, "scjg_furong", app_id, "FOOD")
    assert task_of(world, app_id, "FIRE")[2] == "pending"  # stage 3 opens after stage 2
    decide(world, "xf_furong", app_id, "FIRE")
    assert status(world, app_id) == "completed"

    with world.as_("zhang") as ctx:
        assert licences.wallet(ctx.session, ctx.actor.user_id) == []  # held: 容缺 not supplemented
    with world.as_("clerk_furong") as ctx, pytest.raises(Conflict) as held:
        cases.deliver(ctx, app_id, "window")
    assert held.value.code == "results_held"
    lease = upload(world, "zhang", "lease.pdf")
    with world.as_("zhang") as ctx:
        cases.supplement(ctx, app_id, {"LEASE": {"file": lease}})
        wallet = licences.wallet(ctx.session, ctx.actor.user_id)
        assert {lic.licence_type for lic in wallet} == {"BUSINESS_LICENCE", "FOOD_PERMIT"}
        assert all(lic.issuer == "芙蓉区市场监督管理局" for lic in wallet)
    with world.as_("clerk_furong") as ctx:
        cases.deliver(ctx, app_id, "post", tracking_number="EMS1234567890")
    with world.as_("zhang") as ctx:
        view = cases.view(ctx, app_id)
        assert view.application.status == "delivered"
        actions = [e.action for e in view.events]
        assert actions[:3] == ["submit", "accept_with_deficiency", "open"]
        assert actions.count("issue_licence") == 2 and actions[-1] == "deliver"


def test_licences_satisfy_the_next_application(world: World) -> None:
    first = apply(world)
    accept(world, first)
    for who, item in (("scjg_furong", "REG"), ("cg_furong", "SIGN"), ("scjg_furong", "FOOD"),
                      ("xf_furong", "FIRE")):
        decide(world, who, first, item)
    lease = upload(world, "zhang", "lease.pdf")
    with world.as_("zhang") as ctx:
        cases.supplement(ctx, first, {"LEASE": {"file": lease}})
    second = apply(world, answers={**ANSWERS, "sells_food": False, "extras": []},
                   materials={"ID_CARD": {"file": lease}, "LEASE": {"file": lease}})
    with world.as_("zhang") as ctx:
        provided = {m["code"]: m["provided"]
                    for m in cases.view(ctx, second).application.materials}
    assert provided["BL_COPY"] == "licence" and provided["FOOD_PERMIT_COPY"] == "licence"


def test_a_denial_cancels_later_stages(world: World) -> None:
    app_id = apply(world)
    accept(world, app_id)
    with pytest.raises(Invalid):
        decide(world, "scjg_furong", app_id, "REG", "deny")  # a reason is required
    decide(world, "scjg_furong", app_id, "REG", "deny", reason="经营范围不符合规定")
    assert status(world, app_id) == "denied"
    for item in ("FOOD", "SIGN", "FIRE"):
        assert task_of(world, app_id, item)[2] == "cancelled"


def test_partly_denied(world: World) -> None:
    app_id = apply(world, answers={**ANSWERS, "shop_area": 50},
                   form={**FORM, "shop_area": 50})
    accept(world, app_id)
    decide(world, "scjg_furong", app_id, "REG")
    decide(world, "cg_furong", app_id, "SIGN", "deny", reason="招牌设置不符合规划")
    decide(world, "scjg_furong", app_id, "FOOD")
    assert status(world, app_id) == "partly_denied"


def test_suspension_stops_the_clock(world: World) -> None:
    app_id = apply(world)
    accept(world, app_id)
    decide(world, "scjg_furong", app_id, "REG")
    food, version, _, deadline = task_of(world, app_id, "FOOD")
    assert deadline == dt.date(2026, 11, 30)
    with world.as_("scjg_furong") as ctx:
        tasks.decide(ctx, food, Decision("suspend", version, reason="现场核查需要检测",
                                         procedure="检测", procedure_days=5))
    resumed = world.day(dt.date(2026, 11, 26))  # Thursday: 3 working days later
    _, version, state, _ = task_of(world, app_id, "FOOD")
    assert state == "suspended"
    with world.as_("scjg_furong", now=resumed) as ctx:
        tasks.decide(ctx, food, Decision("resume", version))
    assert task_of(world, app_id, "FOOD")[3] == dt.date(2026, 12, 3)  # 5 + 3 working days


def test_stale_versions_and_double_decisions_are_refused(world: World) -> None:
    app_id = apply(world)
    accept(world, app_id)
    task_id, version, _, _ = task_of(world, app_id, "REG")
    decide(world, "scjg_furong", app_id, "REG")
    with world.as_("scjg_furong") as ctx, pytest.raises(Conflict) as stale:
        tasks.decide(ctx, task_id, Decision("approve", version))
    assert stale.value.code == "stale_version"
    _, fresh, _, _ = task_of(world, app_id, "REG")
    with world.as_("scjg_furong") as ctx, pytest.raises(Conflict) as twice:
        tasks.decide(ctx, task_id, Decision("deny", fresh, reason="x"))
    assert twice.value.code == "illegal_transition"


def test_scope_is_checked_door_by_door(world: World) -> None:
    app_id = apply(world)
    with world.as_("li") as ctx, pytest.raises(NotFound):
        cases.view(ctx, app_id)
    with world.as_("clerk_zhuzhou") as ctx, pytest.raises(NotFound):
        cases.decide_at_window(ctx, app_id, WindowDecision("accept"))
    with world.as_("zhang") as ctx, pytest.raises(Forbidden):
        cases.decide_at_window(ctx, app_id, WindowDecision("refuse", reason="x"))
    accept(world, app_id)
    with pytest.raises(NotFound):
        decide(world, "scjg_zhuzhou", app_id, "REG")  # same department, other region
    with pytest.raises(NotFound):
        decide(world, "yc_furong", app_id, "REG")  # same region, other department
    with pytest.raises(Forbidden):
        decide(world, "zhang", app_id, "REG")  # sees the case, may not decide it
    with world.as_("supervisor_cs") as ctx:
        assert cases.view(ctx, app_id).application.id == app_id  # 芙蓉区 is in 长沙市
    with world.as_("scjg_furong") as ctx:
        assert [a.id for a in cases.list_applications(ctx)] == [app_id]
    with world.as_("yc_furong") as ctx:
        assert cases.list_applications(ctx) == []


def test_return_lists_everything_and_resubmission_keeps_the_number(world: World) -> None:
    app_id = apply(world)
    with world.as_("clerk_furong") as ctx, pytest.raises(Invalid):
        cases.decide_at_window(ctx, app_id, WindowDecision("return"))
    notice = [{"subject": "ID_CARD", "message": "身份证复印件不清晰"},
              {"subject": "shop_area", "message": "经营面积与租赁合同不一致"}]
    with world.as_("clerk_furong") as ctx:
        app = cases.decide_at_window(ctx, app_id, WindowDecision("return", notice=notice))
        number = app.number
        assert app.notice is not None and len(app.notice["items"]) == 2
    again = upload(world, "zhang", "clear.pdf")
    lease = upload(world, "zhang", "lease.pdf")
    sub = Submission(bundle="STORE", region="430102", answers=ANSWERS, form=FORM,
                     materials={"ID_CARD": {"file": again}, "LEASE": {"file": lease},
                                "FLOOR_PLAN": {"commitment": True}})
    with world.as_("zhang") as ctx:
        app = cases.resubmit(ctx, app_id, sub)
        assert app.number == number and app.status == "submitted"
    accept(world, app_id, "accept")
    assert status(world, app_id) == "accepted"


def test_everything_missing_or_invalid_is_listed_at_once(world: World) -> None:
    sub = Submission(bundle="STORE", region="430102", answers=ANSWERS,
                     form={"applicant_name": "", "id_number": "110105194912310021",
                           "shop_area": -3, "colour": "red"},
                     materials={"ID_CARD": {"deferred": True}, "LEASE": {"commitment": True}})
    with world.as_("zhang") as ctx, pytest.raises(Invalid) as caught:
        cases.submit(ctx, sub)
    fields = {p.field: p.message for p in caught.value.problems}
    assert set(fields) == {"form.applicant_name", "form.id_number", "form.shop_area",
                           "form.colour", "materials.ID_CARD", "materials.LEASE",
                           "materials.FLOOR_PLAN"}
    assert "校验位" in fields["form.id_number"]
    assert "关键材料" in fields["materials.ID_CARD"]


def test_idempotency_key_returns_the_same_application(world: World) -> None:
    first = apply(world, idempotency_key="retry-1")
    again = apply(world, idempotency_key="retry-1")
    assert first == again
    assert apply(world, idempotency_key="retry-2") != first


def test_proxy_needs_recorded_consent(world: World) -> None:
    with pytest.raises(Forbidden):
        apply(world, "proxy1", applicant="zhang")
    with world.as_("clerk_furong") as ctx:
        identity.record_consent(ctx.session, ctx.actor, ctx.catalog,
                                proxy=identity.find_user(ctx.session, "proxy1"),
                                person=identity.find_user(ctx.session, "zhang"),
                                note="张三（78 岁）书面授权帮代办")
    app_id = apply(world, "proxy1", applicant="zhang")
    with world.as_("zhang") as ctx:
        app = cases.view(ctx, app_id).application
        assert app.applicant_id == world.users["zhang"].user_id
        assert app.submitted_by_id == world.users["proxy1"].user_id


def test_clerk_applies_at_the_window(world: World) -> None:
    app_id = apply(world, "clerk_furong", applicant="zhang", channel="window")
    with world.as_("zhang") as ctx:
        assert cases.view(ctx, app_id).application.channel == "window"
    with pytest.raises(Invalid):
        apply(world, "zhang", channel="window")


def test_withdraw_before_any_decision_only(world: World) -> None:
    app_id = apply(world)
    accept(world, app_id)
    with world.as_("zhang") as ctx:
        cases.withdraw(ctx, app_id, "不开了")
    assert status(world, app_id) == "withdrawn"
    assert task_of(world, app_id, "REG")[2] == "cancelled"
    other = apply(world)
    accept(world, other)
    decide(world, "scjg_furong", other, "REG")
    with world.as_("zhang") as ctx, pytest.raises(Conflict):
        cases.withdraw(ctx, other, "不开了")


def test_deadlines_across_the_new_year_are_provisional(world: World) -> None:
    late = world.day(dt.date(2026, 12, 30))
    app_id = apply(world)
    with world.as_("clerk_furong", now=late) as ctx:
        cases.decide_at_window(ctx, app_id, WindowDecision("accept_with_deficiency",
                                                           supplement_days=3))
    with world.as_("admin") as ctx:
        app = cases.view(ctx, app_id).application
        # 12-31 is the first working day; 2027-01-01 is 元旦 by law; 1-2, 1-3 a weekend
        assert app.supplement_due == dt.date(2027, 1, 5)
        assert app.deadline_provisional


def test_a_missed_supplement_period_ends_the_case_once(world: World) -> None:
    from onething.kernel.principal import SYSTEM

    app_id = apply(world)
    accept(world, app_id)  # due 2026-11-26: three working days after Monday
    decide(world, "scjg_furong", app_id, "REG")  # approved: its licence is held
    for day, expected in ((dt.date(2026, 11, 26), 0), (dt.date(2026, 11, 27), 1),
                          (dt.date(2026, 11, 30), 0)):
        with world.as_("admin", now=world.day(day)) as ctx:
            system = ctx.acting_as(SYSTEM)
            assert len(cases.terminate_missed_supplements(system)) == expected
    with world.as_("zhang") as ctx:
        view = cases.view(ctx, app_id)
        assert view.application.status == "terminated" and view.application.supplement_missed
        assert {t.item_code: t.status for t in view.tasks} == {
            "REG": "approved", "FOOD": "cancelled", "SIGN": "cancelled", "FIRE": "cancelled"}
        ended = [e for e in view.events if e.action == "terminate"]
        assert len(ended) == 1 and ended[0].actor_id is None
        assert licences.wallet(ctx.session, ctx.actor.user_id) == []  # never released
    lease = upload(world, "zhang", "lease.pdf")
    with world.as_("zhang", now=world.day(dt.date(2026, 11, 30))) as ctx, \
            pytest.raises(Conflict) as late:
        cases.supplement(ctx, app_id, {"LEASE": {"file": lease}})
    assert late.value.code == "supplement_period_over"


def test_the_supplement_period_is_at_most_the_promised_limit(world: World) -> None:
    app_id = apply(world)  # STORE with these answers: 13 working days promised
    with world.as_("clerk_furong") as ctx, pytest.raises(Invalid) as long:
        cases.decide_at_window(ctx, app_id, WindowDecision("accept_with_deficiency",
                                                           supplement_days=14))
    assert long.value.problems[0].field == "supplement_days"
    assert "13" in long.value.detail


def test_a_stage_opens_only_when_the_one_before_is_decided(world: World) -> None:
    app_id = apply(world)
    accept(world, app_id)
    decide(world, "scjg_furong", app_id, "REG")
    decide(world, "scjg_furong", app_id, "FOOD")  # SIGN, in the same stage, still pending
    assert task_of(world, app_id, "SIGN")[2] == "pending"
    assert task_of(world, app_id, "FIRE")[2] == "waiting"
    decide(world, "cg_furong", app_id, "SIGN")
    assert task_of(world, app_id, "FIRE")[2] == "pending"


def test_only_window_decisions_at_the_window_and_only_decisions_by_departments(
        world: World) -> None:
    app_id = apply(world)
    for forced in ("complete", "deliver", "withdraw", "start", "resubmit"):
        with world.as_("clerk_furong") as ctx, pytest.raises(Invalid):
            cases.decide_at_window(ctx, app_id, WindowDecision(forced))
    assert status(world, app_id) == "submitted"
    accept(world, app_id)
    for forced in ("cancel", "open", "complete"):
        with pytest.raises(Invalid):
            decide(world, "scjg_furong", app_id, "REG", forced)
    assert task_of(world, app_id, "REG")[2] == "pending"


def test_withdrawal_closes_the_applications_cards(world: World) -> None:
    from onething.supervision.models import Card
    from onething.supervision.sweep import sweep

    app_id = apply(world)
    accept(world, app_id)
    sweep(world.sessions, world.catalog, world.day(dt.date(2026, 11, 25)))
    with world.as_("zhang") as ctx:
        cases.withdraw(ctx, app_id, "不办了")
    with world.sessions() as session:
        from sqlalchemy import select

        cards = list(session.scalars(select(Card)))
    assert cards and all(c.closed_at is not None for c in cards)


def test_a_licence_issued_on_29_february(world: World) -> None:
    from onething.kernel.workdays import last_day_of_years

    assert last_day_of_years(dt.date(2028, 2, 29), 5) == dt.date(2033, 2, 27)
    assert last_day_of_years(dt.date(2028, 2, 29), 4) == dt.date(2032, 2, 28)
    assert last_day_of_years(dt.date(2026, 11, 23), 3) == dt.date(2029, 11, 22)
