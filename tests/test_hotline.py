"""12345 tickets through the API, on both databases: an operator takes a call, dispatches
it to the office the 派单目录 suggests, the office signs, asks for more time, replies; the
centre reviews, closes, calls back, and a dissatisfied caller reopens it; every other
branch (直接答复, 转办, 告知其他途径, 退单 then 改派 or 驳回, 督办 after three returns, a
citizen's online request tracked by number and phone), what each side sees, and what bad
input gets."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from onething.calendar.service import load_notice
from onething.hotline.models import Ticket
from onething.kernel.principal import Role
from onething.outbox.models import Notification
from onething.supervision.models import WatchedDeadline
from world import Api, Clock, World, client_for

PEOPLE = [("zhang", Role.applicant, None, None), ("li", Role.applicant, None, None),
          ("op_cs", Role.operator, "430100", None),
          ("op_zz", Role.operator, "430200", None),
          ("cg_furong", Role.approver, "430102", "CGZF"),
          ("scjg_furong", Role.approver, "430102", "SCJG"),
          ("scjg_cs", Role.approver, "430100", "SCJG"),
          ("supervisor_cs", Role.supervisor, "430100", None),
          ("admin", Role.admin, "430000", None)]
CALL = {"channel": "phone", "kind": "complaint", "category": "0201", "urgency": "normal",
        "region": "430102001", "address": "长沙市芙蓉区五一大道 1 号门口",
        "lat": 28.196, "long": 112.98, "caller_name": "王五", "caller_phone": "13912345678",
        "description": "五一大道 1 号门口长期占道经营，影响通行",
        "received_at": "2026-11-23T09:58:00+08:00"}


@pytest.fixture
def world(demo_world: World) -> World:
    return demo_world


def errors(answer: Any) -> dict[str, str]:
    return {e["field"]: e["message"] for e in answer.json()["errors"]}


def ok(answer: Any, status: int = 200) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert isinstance(answer.json(), dict)
    return answer.json()  # type: ignore[no-any-return]


def move(api: Api, who: str, ticket: int, name: str, body: Any = None) -> dict[str, Any]:
    return ok(api.post(who, f"/api/v1/tickets/{ticket}/{name}", body or {}))


def taken(api: Api, **changes: Any) -> dict[str, Any]:
    return ok(api.post("op_cs", "/api/v1/tickets", {**CALL, **changes}), 201)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)  # type: ignore[misc]


def watched(world: World) -> list[tuple[str, dt.date]]:
    with world.sessions() as session:
        return [(w.subject, w.due_on) for w in session.scalars(
            select(WatchedDeadline).order_by(WatchedDeadline.subject))]


def test_a_holiday_notice_loaded_while_the_app_runs_moves_its_deadlines(
        engine: Engine, world: World, tmp_path: Path, clock: Clock) -> None:
    """The app keeps the working-day calendar between requests and looks for a newly loaded
    notice (by the CLI, in another process) every `catalog_refresh_seconds`."""
    with client_for(engine, tmp_path, clock, catalog_refresh_seconds=0.2) as client:
        api = Api(client)
        first = move(api, "op_cs", taken(api)["id"], "dispatch", {})
        assert at(first["sign_due_at"]) == utc(2026, 11, 24, 16, 0)  # Tuesday
        with world.sessions.begin() as session:  # Tuesday made a day off
            load_notice(session, {"year": 2026, "holidays": [
                {"name": "调休", "from": "2026-11-24", "to": "2026-11-24"}]})
        time.sleep(0.3)
        second = move(api, "op_cs", taken(api, caller_phone="13800001111")["id"], "dispatch",
                      {})
        assert at(second["sign_due_at"]) == utc(2026, 11, 25, 16, 0)  # Wednesday


def test_a_complaint_from_call_to_evaluation(api: Api, world: World, clock: Clock) -> None:
    t = taken(api)
    assert t["number"].startswith("12345-430100-20261123-")
    assert (t["status"], t["kind_name"], t["category_name"]) == ("accepted", "投诉", "占道经营")
    assert at(t["received_at"]) == utc(2026, 11, 23, 1, 58)  # the telephony system's time
    assert t["actions"] == ["answer", "transfer", "redirect", "dispatch",
                            "merge"]
    assert t["caller_phone"] == "13912345678"  # the centre calls back
    assert t["suggested_office"]["name"] == "芙蓉区城市管理和综合执法局"
    # dispatched as suggested: 城管 hosts, 市场监管 assists; the deadlines start
    t = move(api, "op_cs", t["id"], "dispatch", {})
    assert [(o["department"], o["host"]) for o in t["offices"]] == [("CGZF", True),
                                                                   ("SCJG", False)]
    assert at(t["sign_due_at"]) == utc(2026, 11, 24, 16, 0)  # end of Tuesday, China time
    assert at(t["reply_due_at"]) == utc(2026, 12, 10, 16, 0)  # 13 working days
    assert "13 个工作日" in t["reply_limit"]["source"]
    assert watched(world) == [("ticket_reply", dt.date(2026, 12, 10)),
                              ("ticket_sign", dt.date(2026, 11, 24))]
    with world.sessions() as session:
        told = session.scalars(select(Notification.recipient_id)).all()
        assert world.users["cg_furong"].user_id in told
    # the office sees it in its inbox, the caller's phone masked; the 协办 office reads only
    inbox = api.get("cg_furong", "/api/v1/tickets", params={"status": "open"}).json()
    assert [x["id"] for x in inbox] == [t["id"]]
    seen = inbox[0]
    assert seen["caller_phone"] == "139****5678" and seen["actions"] == ["sign", "return"]
    assert seen["suggested_office"] is None
    assert api.get("scjg_furong", f"/api/v1/tickets/{t['id']}").json()["actions"] == ["assist"]
    assert api.post("scjg_furong", f"/api/v1/tickets/{t['id']}/sign").status_code == 403
    t = move(api, "cg_furong", t["id"], "sign")
    assert t["status"] == "handling" and [w[0] for w in watched(world)] == ["ticket_reply"]
    # 延期: asked by the office, granted by the centre: the reply deadline moves
    t = move(api, "cg_furong", t["id"], "extend", {"days": 5, "reason": "需协调摊贩搬迁"})
    assert t["actions"] == ["reply"]
    assert api.get("op_cs", f"/api/v1/tickets/{t['id']}").json()["actions"] == [
        "decide_extension", "urge"]
    t = move(api, "op_cs", t["id"], "decide-extension", {"approved": True})
    assert at(t["reply_due_at"]) == utc(2026, 12, 17, 16, 0)
    assert watched(world) == [("ticket_reply", dt.date(2026, 12, 17))]
    move(api, "op_cs", t["id"], "urge", {"note": "群众再次来电"})
    t = move(api, "cg_furong", t["id"], "reply", {"text": "已依法取缔占道经营"})
    assert t["status"] == "replied" and watched(world) == []
    # the centre sends it back once, then passes it: 办结
    t = move(api, "op_cs", t["id"], "send-back", {"reason": "答复未说明后续巡查安排"})
    assert (t["status"], t["returns"]) == ("handling", 1)
    move(api, "cg_furong", t["id"], "reply", {"text": "已取缔，并每日巡查两次"})
    # 回访 before 办结 is refused
    early = api.post("op_cs", f"/api/v1/tickets/{t['id']}/callback",
                     {"satisfaction": "satisfied"})
    assert early.status_code == 409 and early.json()["code"] == "not_closed"
    t = move(api, "op_cs", t["id"], "approve", {})
    assert t["status"] == "closed"
    # not satisfied, the office's fault: 重办 with a new reply deadline, counted from now
    clock.advance(hours=2)
    t = move(api, "op_cs", t["id"], "callback", {"satisfaction": "unsatisfied",
                                                  "fault": "office", "reason": "仍有摊贩"})
    assert (t["status"], t["returns"]) == ("handling", 2)
    assert at(t["reply_due_at"]) == utc(2026, 12, 10, 16, 0)  # no longer the extended one
    move(api, "cg_furong", t["id"], "reply", {"text": "已清理，设置隔离栏"})
    move(api, "op_cs", t["id"], "approve", {})
    t = move(api, "op_cs", t["id"], "callback", {"satisfaction": "satisfied"})
    assert t["status"] == "visited" and t["actions"] == ["evaluate"]
    t = move(api, "op_cs", t["id"], "evaluate", {"score": 5, "note": "满意"})
    assert t["status"] == "evaluated" and t["actions"] == []
    assert [s["move"] for s in t["timeline"]] == [
        "accept", "dispatch", "sign", "extend", "decide_extension", "urge", "reply",
        "send_back", "reply", "approve", "callback", "reopen", "reply", "approve", "callback",
        "evaluate"]
    # the supervisor of 长沙 sees it; 株洲's operator and another applicant do not
    assert api.get("supervisor_cs", f"/api/v1/tickets/{t['id']}").status_code == 200
    assert api.get("op_zz", f"/api/v1/tickets/{t['id']}").status_code == 404
    assert api.get("li", f"/api/v1/tickets/{t['id']}").status_code == 404


def test_tickets_ended_at_once(api: Api) -> None:
    a = taken(api, kind="enquiry", category="0501")
    a = move(api, "op_cs", a["id"], "answer", {"answer": "可在政务服务网在线办理"})
    assert (a["status"], a["reply"], a["actions"]) == ("answered", "可在政务服务网在线办理", [])
    b = taken(api, urgency="urgent")
    b = move(api, "op_cs", b["id"], "transfer", {"line": "110", "note": "现场发生冲突"})
    assert b["status"] == "transferred" and b["outcome"]["line"] == "110"
    c = taken(api)
    bad = api.post("op_cs", f"/api/v1/tickets/{c['id']}/redirect", {"way": "court"})
    assert bad.status_code == 422 and "way" in errors(bad)
    c = move(api, "op_cs", c["id"], "redirect", {"way": "reconsideration"})
    assert c["status"] == "redirected" and "行政复议" in c["timeline"][-1]["note"]
    late = api.post("op_cs", f"/api/v1/tickets/{c['id']}/dispatch", {})
    assert late.status_code == 409 and late.json()["code"] == "illegal_transition"


def test_returned_then_reassigned_or_overruled(api: Api, world: World) -> None:
    t = move(api, "op_cs", taken(api, category="0101")["id"], "dispatch", {})
    assert t["offices"][0]["department"] == "SCJG"
    t = move(api, "scjg_furong", t["id"], "return", {"reason": "属于城管职责"})
    assert t["status"] == "disputed" and t["offices"][0]["returned_reason"] == "属于城管职责"
    same = api.post("op_cs", f"/api/v1/tickets/{t['id']}/reassign",
                    {"host": {"department": "SCJG", "region": "430102"}})
    assert same.status_code == 422 and "host" in errors(same)
    t = move(api, "op_cs", t["id"], "reassign",
             {"host": {"department": "CGZF", "region": "430102"}, "note": "改派城管"})
    assert t["status"] == "dispatched" and [o["department"] for o in t["offices"]] == ["CGZF"]
    # the office it left no longer sees it
    assert api.get("scjg_furong", f"/api/v1/tickets/{t['id']}").status_code == 404
    t = move(api, "cg_furong", t["id"], "return", {"reason": "不是城管职责"})
    t = move(api, "op_cs", t["id"], "overrule", {"reason": "占道经营属城管职责"})
    assert t["status"] == "dispatched"
    assert api.get("cg_furong", f"/api/v1/tickets/{t['id']}").json()["actions"] == [
        "sign", "return"]
    with world.sessions() as session:
        assert {w.subject for w in session.scalars(select(WatchedDeadline))} == {
            "ticket_sign", "ticket_reply"}


def test_three_returns_escalate_to_supervision(api: Api) -> None:
    t = move(api, "op_cs", taken(api)["id"], "dispatch", {})
    move(api, "cg_furong", t["id"], "sign")
    for _ in range(3):
        move(api, "cg_furong", t["id"], "reply", {"text": "已处理"})
        t = move(api, "op_cs", t["id"], "send-back", {"reason": "未处理到位"})
    assert t["escalated"] and t["returns"] == 3 and t["timeline"][-1]["move"] == "escalate"
    listed = api.get("op_cs", "/api/v1/tickets", params={"escalated": True}).json()
    assert [x["id"] for x in listed] == [t["id"]]


def test_a_citizen_sends_a_request_online_and_tracks_it(api: Api) -> None:
    sent = ok(api.post("zhang", "/api/v1/tickets", {
        **{k: v for k, v in CALL.items() if k != "received_at"}, "channel": "web",
        "kind": "report", "confidential": True, "caller_name": "张三",
        "caller_phone": "13812345678"}), 201)
    assert sent["status"] == "submitted" and sent["centre_region"] == "430100"
    assert sent["actions"] == []
    t = move(api, "op_cs", sent["id"], "accept")
    t = move(api, "op_cs", t["id"], "dispatch", {})
    # 保密: the handling office does not see who reported
    seen = api.get("cg_furong", f"/api/v1/tickets/{t['id']}").json()
    assert (seen["caller_name"], seen["caller_phone"]) == (None, None)
    assert api.get("zhang", f"/api/v1/tickets/{t['id']}").json()["caller_phone"] == \
        "13812345678"
    tracked = api.client.post("/api/v1/tickets/tracking",
                              json={"number": t["number"], "phone": "13812345678"})
    assert tracked.status_code == 200 and tracked.json()["status_name"] == "已派单，待签收"
    assert all(s["by"] == "" for s in tracked.json()["steps"])
    wrong = api.client.post("/api/v1/tickets/tracking",
                            json={"number": t["number"], "phone": "13800000000"})
    assert wrong.status_code == 404
    assert wrong.headers["content-type"].startswith("application/problem+json")
    # a citizen's own list; online only through the web or the app
    assert [x["id"] for x in api.get("zhang", "/api/v1/tickets").json()] == [t["id"]]
    phoned = api.post("zhang", "/api/v1/tickets", {**CALL, "channel": "phone"})
    assert phoned.status_code == 422 and "channel" in errors(phoned)


@pytest.mark.parametrize(("change", "field"), [
    ({"category": "7777"}, "category"),
    ({"category": "02"}, "category"),  # a class, not a leaf
    ({"region": "999999"}, "region"),
    ({"region": "430200"}, "region"),  # 株洲: not this centre's
    ({"kind": "rumour"}, "kind"),
    ({"urgency": "critical"}, "urgency"),
    ({"lat": 39.9, "long": 116.4}, "lat"),  # Beijing: outside the province
    ({"lat": None}, "lat"),
    ({"description": "   "}, "description"),
    ({"description": "很" * 4001}, "description"),
    ({"caller_phone": "12345"}, "caller_phone"),
    ({"confidential": True}, "confidential"),  # only a 举报 is kept secret
    ({"attachments": ["nope"]}, "attachments[0]"),
    ({"application_number": "430102-20260101-999999"}, "application_number"),
    ({"received_at": "2026-11-24T09:00:00+08:00"}, "received_at"),
])
def test_bad_input_names_the_field_and_writes_nothing(api: Api, world: World,
                                                      change: dict[str, Any],
                                                      field: str) -> None:
    answer = api.post("op_cs", "/api/v1/tickets", {**CALL, **change})
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert field in errors(answer)
    with world.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_who_may_act_on_a_ticket(api: Api, world: World) -> None:
    t = taken(api)
    # an operator of another centre does not see it; an office it is not assigned to neither
    assert api.post("op_zz", f"/api/v1/tickets/{t['id']}/dispatch", {}).status_code == 404
    t = move(api, "op_cs", t["id"], "dispatch", {})
    assert api.post("scjg_cs", f"/api/v1/tickets/{t['id']}/sign").status_code == 404
    # the centre may not sign for the office, the office may not review itself
    assert api.post("op_cs", f"/api/v1/tickets/{t['id']}/sign").status_code == 403
    move(api, "cg_furong", t["id"], "sign")
    move(api, "cg_furong", t["id"], "reply", {"text": "已处理"})
    assert api.post("cg_furong", f"/api/v1/tickets/{t['id']}/approve", {}).status_code == 403
    # people who are not staff of the hotline may not take calls
    assert api.post("supervisor_cs", "/api/v1/tickets", CALL).status_code == 403
    assert api.post("cg_furong", "/api/v1/tickets", CALL).status_code == 403
    # a bad reply or callback names its field and changes nothing
    back = api.post("op_cs", f"/api/v1/tickets/{t['id']}/send-back", {"reason": " "})
    assert back.status_code == 422 and "reason" in errors(back)
    assert api.get("op_cs", f"/api/v1/tickets/{t['id']}").json()["status"] == "replied"
    move(api, "op_cs", t["id"], "approve", {})
    unsaid = api.post("op_cs", f"/api/v1/tickets/{t['id']}/callback",
                      {"satisfaction": "unsatisfied"})
    assert unsaid.status_code == 422 and {"fault", "reason"} <= set(errors(unsaid))
    assert api.get("op_cs", f"/api/v1/tickets/{t['id']}").json()["status"] == "closed"


def test_the_category_tree_is_public(api: Api) -> None:
    tree = api.client.get("/api/v1/ticket-categories").json()
    leaf = next(c for c in tree if c["code"] == "0201")
    assert leaf == {"code": "0201", "name": "占道经营", "parent": "02", "leaf": True,
                    "open311": True}


def test_the_sweep_raises_cards_on_a_ticket_not_signed_in_time(api: Api, world: World) -> None:
    from onething.supervision.models import Card
    from onething.supervision.sweep import sweep

    t = move(api, "op_cs", taken(api)["id"], "dispatch", {})  # to be signed by Tuesday
    with world.as_("admin") as ctx:
        catalog = ctx.catalog
    sweep(world.sessions, catalog, utc(2026, 11, 25, 2))  # Wednesday: one day late
    with world.sessions() as session:
        cards = session.scalars(select(Card).where(Card.subject == "ticket_sign")).all()
        # the enquiry row of the card profile: warned before the deadline, yellow once late
        assert {(c.subject_id, c.kind, c.department_code) for c in cards} == {
            (t["id"], "warning", "CGZF"), (t["id"], "yellow", "CGZF")}
