"""The 12345 hotline and the rest of the platform, through the API on both databases:
duplicates suggested and merged under a parent (并单) that answers for them; a bad 好差评
rating opening a complaint ticket linked to its rectification, and the rectification told
how it ended; a case listing its tickets; a 协办 office's opinion; a 直接答复 naming a
published article; tracking by number and phone throttled."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from onething.hotline.models import Ticket
from onething.kernel import bus, links
from onething.kernel.principal import Role
from onething.ops.migrate import alembic_config
from onething.ratings.models import Rectification
from samples import FORM, OWNED
from world import PEOPLE, Api, Clock, World, build_world, client_for

STAFF = [("op_cs", Role.operator, "430100", None), ("op_zz", Role.operator, "430200", None),
         ("scjg_cs", Role.approver, "430100", "SCJG")]
# a call about expired food at a shop (市场监管 hosts 0101 in the county)
CALL = {"channel": "phone", "kind": "complaint", "category": "0101", "urgency": "normal",
        "region": "430102", "address": "芙蓉区五一大道 1 号便利店",
        "lat": 28.1960, "long": 112.9800, "caller_name": "王五", "caller_phone": "13912345678",
        "description": "便利店销售过期牛奶", "received_at": "2026-11-23T09:00:00+08:00"}
ARTICLES = "/api/v1/knowledge/articles"


@pytest.fixture
def world(sessions: sessionmaker[Session], basic_dir: Path, tmp_path: Path) -> World:
    return build_world(sessions, basic_dir, tmp_path / "files", [*PEOPLE, *STAFF])


@pytest.fixture
def api(engine: Engine, world: World, tmp_path: Path, clock: Clock) -> Iterator[Api]:
    with client_for(engine, tmp_path, clock, rating_code_max_failures=3) as client:
        yield Api(client)


def ok(answer: Any, status: int = 200) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert isinstance(answer.json(), dict)
    return answer.json()  # type: ignore[no-any-return]


def refused(answer: Any, status: int, code: str, field: str | None = None) -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["code"] == code, answer.text
    if field is not None:
        assert field in {e["field"] for e in answer.json()["errors"]}


def move(api: Api, who: str, ticket: int, name: str, body: Any = None) -> dict[str, Any]:
    return ok(api.post(who, f"/api/v1/tickets/{ticket}/{name}", body or {}))


def taken(api: Api, who: str = "op_cs", **changes: Any) -> dict[str, Any]:
    return ok(api.post(who, "/api/v1/tickets", {**CALL, **changes}), 201)


def one(api: Api, who: str, ticket: int) -> dict[str, Any]:
    return ok(api.get(who, f"/api/v1/tickets/{ticket}"))


def closed_by_office(api: Api, ticket: int, reply: str) -> dict[str, Any]:
    move(api, "op_cs", ticket, "dispatch")
    move(api, "scjg_furong", ticket, "sign")
    move(api, "scjg_furong", ticket, "reply", {"text": reply})
    return move(api, "op_cs", ticket, "approve")


def finished(api: Api) -> tuple[int, str]:
    """zhang's STORE case, accepted at the 芙蓉区 window, its REG task approved by 市场监管."""
    scan = api.upload("zhang", "身份证.pdf").json()["id"]
    app = ok(api.post("zhang", "/api/v1/applications", {
        "bundle": "STORE", "region": "430102", "answers": OWNED, "form": FORM,
        "materials": {"ID_CARD": {"file": scan}}}), 201)
    ok(api.post("clerk_furong", f"/api/v1/applications/{app['id']}/acceptance",
                {"decision": "accept"}))
    assert api.decide("scjg_furong", app["id"], "REG").status_code == 200
    return int(app["id"]), str(app["number"])


def count(world: World) -> int:
    with world.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Ticket)) or 0)


# --- 并单 ------------------------------------------------------------------------------


def test_duplicates_are_suggested_merged_and_answered_with_their_parent(api: Api,
                                                                        clock: Clock) -> None:
    first = taken(api)
    # a second caller, 150 m away and a day later: suggested as the same 诉求
    second = taken(api, caller_name="赵六", caller_phone="13800001111", lat=28.1973,
                   long=112.9803, address=None, received_at="2026-11-23T09:30:00+08:00")
    elsewhere = taken(api, lat=28.2300, address="芙蓉区八一路 9 号")  # 4 km away
    other_kind = taken(api, category="0102")  # 消费维权 at the same door
    seen = one(api, "op_cs", second["id"])
    assert [s["number"] for s in seen["similar"]] == [first["number"]]
    assert seen["children"] == [] and "merge" in seen["actions"]
    assert one(api, "op_cs", elsewhere["id"])["similar"] == []
    assert one(api, "op_cs", other_kind["id"])["similar"] == []
    # listings do not compute them
    listed = api.get("op_cs", "/api/v1/tickets").json()
    assert {x["similar"] is None and x["children"] is None for x in listed} == {True}

    merged = move(api, "op_cs", second["id"], "merge", {"parent": first["id"]})
    assert (merged["status"], merged["status_name"]) == ("merged", "已并单")
    assert (merged["parent"], merged["parent_number"]) == (first["id"], first["number"])
    assert merged["actions"] == ["unmerge"] and merged["similar"] == []
    parent = one(api, "op_cs", first["id"])
    assert [c["number"] for c in parent["children"]] == [second["number"]]
    assert parent["timeline"][-1]["move_name"] == "重复工单并入"
    # a third call, taken as a duplicate at once
    third = taken(api, caller_phone="13700002222", parent=first["id"])
    assert third["status"] == "merged" and third["parent"] == first["id"]
    assert len(one(api, "op_cs", first["id"])["children"]) == 2
    # 取消并单 (a wrong merge undone, with the reason): taken on its own again
    refused(api.post("op_cs", f"/api/v1/tickets/{third['id']}/unmerge", {"reason": " "}),
            422, "invalid", "reason")
    own = move(api, "op_cs", third["id"], "unmerge", {"reason": "不是同一摊位"})
    assert (own["status"], own["parent"], own["parent_number"]) == ("accepted", None, None)
    assert "dispatch" in own["actions"] and own["timeline"][-1]["move_name"] == "取消并单"
    parent = one(api, "op_cs", first["id"])
    assert [c["number"] for c in parent["children"]] == [second["number"]]
    assert parent["timeline"][-1]["move_name"] == "重复工单取消并单"
    # open tickets list leaves the merged ones out; the parent is worked on alone
    assert second["id"] not in [x["id"] for x in api.get(
        "op_cs", "/api/v1/tickets", params={"status": "open"}).json()]

    # the parent ends: every duplicate's caller gets its reply
    clock.advance(hours=5)
    closed_by_office(api, first["id"], "已责令下架过期牛奶并立案调查")
    child = one(api, "op_cs", second["id"])
    assert child["status"] == "merged" and child["reply"] == "已责令下架过期牛奶并立案调查"
    assert child["timeline"][-1]["move_name"] == "主工单办结"
    assert child["actions"] == []  # answered with its parent: no longer undone
    refused(api.post("op_cs", f"/api/v1/tickets/{second['id']}/unmerge",
                     {"reason": "误并"}), 409, "parent_ended")
    tracked = ok(api.client.post("/api/v1/tickets/tracking",
                                 json={"number": second["number"], "phone": "13800001111"}))
    assert tracked["status_name"] == "已并单" and tracked["reply"] == "已责令下架过期牛奶并立案调查"


def test_an_address_written_another_way_is_the_same_place(api: Api, engine: Engine) -> None:
    """Without latitude and longitude, the same address is the same place however it is
    typed (full-width digits, spaces, punctuation); a database of the revision before the
    folded place is kept gets it on upgrade, and its tickets are suggested as before."""
    plain = {"lat": None, "long": None}
    first = taken(api, **plain, address="芙蓉区五一大道 1 号便利店")
    second = taken(api, **plain, address="芙蓉区五一大道１号，便利店", caller_phone="13800001111")
    third = taken(api, **plain, address="芙蓉区五一大道 11 号便利店", caller_phone="13800002222")
    nowhere = taken(api, **plain, address=None, caller_phone="13800003333")
    assert [s["number"] for s in one(api, "op_cs", second["id"])["similar"]] == [
        first["number"]]
    assert one(api, "op_cs", third["id"])["similar"] == []
    assert one(api, "op_cs", nowhere["id"])["similar"] == []  # a county is not a place

    config = alembic_config(engine.url.render_as_string(hide_password=False))
    command.downgrade(config, "0028")
    command.upgrade(config, "head")
    with Session(engine) as session:
        places = {i: p for i, p in session.execute(select(Ticket.id, Ticket.place))}
    assert places[first["id"]] == places[second["id"]] == "芙蓉区五一大道1号便利店"
    assert places[nowhere["id"]] is None
    assert [s["number"] for s in one(api, "op_cs", second["id"])["similar"]] == [
        first["number"]]


def test_merging_is_refused_naming_the_rule(api: Api, world: World) -> None:
    parent = taken(api)
    child = taken(api, caller_phone="13800001111")
    move(api, "op_cs", child["id"], "merge", {"parent": parent["id"]})
    spare = taken(api, caller_phone="13800003333")
    food = taken(api, category="0102")
    ended = taken(api, kind="enquiry")
    move(api, "op_cs", ended["id"], "answer", {"answer": "请拨打市场监管投诉电话"})
    zz = taken(api, "op_zz", region="430200", lat=None, long=None)
    before = count(world)

    def merge(who: str, ticket: int, into: int) -> Any:
        return api.post(who, f"/api/v1/tickets/{ticket}/merge", {"parent": into})

    refused(merge("op_cs", spare["id"], spare["id"]), 422, "merge_into_itself", "parent")
    refused(merge("op_cs", spare["id"], 999999), 422, "parent_not_found", "parent")
    refused(merge("op_cs", spare["id"], zz["id"]), 422, "parent_not_found", "parent")
    refused(merge("op_cs", food["id"], parent["id"]), 422, "not_same_category", "parent")
    refused(merge("op_cs", spare["id"], child["id"]), 409, "parent_is_merged", "parent")
    refused(merge("op_cs", ended["id"], parent["id"]), 409, "illegal_transition")
    refused(merge("op_cs", parent["id"], spare["id"]), 409, "has_children")
    answered_parent = merge("op_cs", taken(api, kind="enquiry", caller_phone="13800004444")["id"],
                            ended["id"])
    refused(answered_parent, 409, "parent_not_open", "parent")
    refused(merge("op_zz", spare["id"], parent["id"]), 404, "ticket_not_found")
    refused(merge("scjg_furong", spare["id"], parent["id"]), 404, "ticket_not_found")
    refused(api.post("op_cs", "/api/v1/tickets", {**CALL, "parent": child["id"]}), 409,
            "parent_is_merged")
    online = {**CALL, "channel": "web", "parent": parent["id"]}
    online.pop("received_at")
    refused(api.post("zhang", "/api/v1/tickets", online), 422, "invalid", "parent")
    # after 派单 it is too late to merge
    move(api, "op_cs", spare["id"], "dispatch")
    refused(merge("op_cs", spare["id"], parent["id"]), 409, "illegal_transition")
    assert count(world) == before + 1  # only the enquiry taken above; nothing half-written
    assert one(api, "op_cs", parent["id"])["status"] == "accepted"


# --- 好差评 → complaint ---------------------------------------------------------------


def test_a_bad_rating_opens_a_complaint_ticket_linked_to_its_rectification(
        api: Api, world: World) -> None:
    app_id, number = finished(api)
    rated = ok(api.post("zhang", f"/api/v1/applications/{app_id}/rating", {
        "target": "department", "department": "SCJG", "level": 1,
        "comment": "审批说明不清，跑了三趟"}), 201)
    rect_id = rated["rectification"]["id"]
    # 市场监管 has it in its inbox, dispatched to it, linked to the rating and the 整改
    inbox = api.get("scjg_furong", "/api/v1/tickets", params={"status": "open"}).json()
    assert len(inbox) == 1
    t = inbox[0]
    assert (t["channel"], t["kind"], t["category"], t["category_name"], t["status"]) == (
        "rating", "complaint", "0504", "审批服务", "dispatched")
    assert t["application_number"] == number and t["centre_region"] == "430100"
    assert (t["source"]["kind"], t["source"]["rectification_id"]) == ("rating", rect_id)
    assert "审批说明不清" in t["description"] and t["actions"] == ["sign", "return"]
    assert t["reply_due_at"] is not None  # the complaint's 13 working days run
    # the rater sees it among their own; the centre sees it too
    assert [x["id"] for x in api.get("zhang", "/api/v1/tickets").json()] == [t["id"]]
    assert one(api, "op_cs", t["id"])["timeline"][0]["by"] == "系统"
    # the rectification shows where the complaint stands
    rect = next(r for r in api.get("scjg_furong", "/api/v1/rectifications").json()
                if r["id"] == rect_id)
    assert rect["steps"][0]["action"] == "ticket" and t["number"] in rect["steps"][0]["text"]
    # the case lists it
    case = ok(api.get("zhang", f"/api/v1/applications/{app_id}"))
    assert [(x["number"], x["channel"], x["status_name"]) for x in case["tickets"]] == [
        (t["number"], "rating", "已派单，待签收")]
    # the office handles it, the centre closes it: the rectification is told
    move(api, "scjg_furong", t["id"], "sign")
    move(api, "scjg_furong", t["id"], "reply", {"text": "已向申请人致歉并改进一次性告知"})
    move(api, "op_cs", t["id"], "approve")
    rect = next(r for r in api.get("scjg_furong", "/api/v1/rectifications").json()
                if r["id"] == rect_id)
    assert [s["action"] for s in rect["steps"]] == ["ticket", "ticket"]
    assert "已办结" in rect["steps"][1]["text"] and "致歉" in rect["steps"][1]["text"]
    # replayed, the fact opens nothing more
    with world.sessions() as session:
        row = session.get(Rectification, rect_id)
        assert row is not None
    with world.as_("zhang") as ctx:
        bus.publish(ctx, links.BadRatingRecorded(
            t["source"]["id"], rect_id, app_id, number, world.users["zhang"].user_id, "department",
            "SCJG", "430102", 1, "非常不满意", "芙蓉区市场监督管理局", "重放"))
    assert count(world) == 1


def test_a_bad_window_rating_waits_in_the_centre_s_queue(api: Api, world: World) -> None:
    app_id, _ = finished(api)
    ok(api.post("zhang", f"/api/v1/applications/{app_id}/rating", {
        "target": "window", "level": 2, "indicators": {"attitude": 2},
        "comment": "窗口排队太久"}), 201)
    ok(api.post("zhang", f"/api/v1/applications/{app_id}/rating", {
        "target": "department", "department": "SCJG", "level": 5}), 201)  # good: no ticket
    queue = api.get("op_cs", "/api/v1/tickets", params={"status": "accepted"}).json()
    assert [(x["channel"], x["category"], x["offices"]) for x in queue] == [
        ("rating", "0503", [])]
    assert "dispatch" in queue[0]["actions"]
    assert count(world) == 1


# --- a case's tickets -------------------------------------------------------------------


def test_a_case_lists_the_tickets_about_it(api: Api, world: World) -> None:
    app_id, number = finished(api)
    t = taken(api, kind="enquiry", category="0101", application_number=number)
    taken(api, kind="report", confidential=True, application_number=number,
          caller_phone="13800005555")  # a 保密 举报: not shown on the case
    for who in ("zhang", "scjg_furong", "supervisor_cs"):
        case = ok(api.get(who, f"/api/v1/applications/{app_id}"))
        assert [(x["number"], x["kind_name"], x["status_name"]) for x in case["tickets"]] == [
            (t["number"], "咨询", "已受理")], who
        assert "caller_name" not in case["tickets"][0]
    world.sign_in(api.client, "zhang")
    page = api.client.get(f"/applications/{app_id}")
    api.client.cookies.clear()
    assert page.status_code == 200 and "相关 12345 工单" in page.text
    assert t["number"] in page.text and "举报" not in page.text


# --- 协办意见 ---------------------------------------------------------------------------


def test_an_assisting_office_gives_its_opinion_to_the_host(api: Api) -> None:
    t = taken(api)
    refused(api.post("scjg_cs", f"/api/v1/tickets/{t['id']}/assist", {"text": "x"}), 404,
            "ticket_not_found")  # not dispatched to it (yet)
    move(api, "op_cs", t["id"], "dispatch", {
        "host": {"department": "SCJG", "region": "430102"},
        "assist": [{"department": "SCJG", "region": "430100"}]})
    said = move(api, "scjg_cs", t["id"], "assist", {"text": "该店去年已被处罚，请从重处理"})
    assisted = next(o for o in said["offices"] if not o["host"])
    assert assisted["opinion"] == "该店去年已被处罚，请从重处理"
    host_view = one(api, "scjg_furong", t["id"])
    assert [o["opinion"] for o in host_view["offices"]] == [None, "该店去年已被处罚，请从重处理"]
    assert host_view["timeline"][-1]["move_name"] == "协办意见"
    refused(api.post("scjg_furong", f"/api/v1/tickets/{t['id']}/assist", {"text": "x"}), 403,
            "not_assisting")
    refused(api.post("scjg_cs", f"/api/v1/tickets/{t['id']}/assist", {"text": " "}), 422,
            "invalid", "text")
    closed_by_office(api, taken(api, caller_phone="13800006666")["id"], "已处理")
    move(api, "scjg_furong", t["id"], "sign")
    move(api, "scjg_furong", t["id"], "reply", {"text": "已从重处罚"})
    move(api, "op_cs", t["id"], "approve")
    refused(api.post("scjg_cs", f"/api/v1/tickets/{t['id']}/assist", {"text": "补充"}), 409,
            "illegal_transition")


# --- 直接答复 with an article ---------------------------------------------------------


def test_a_direct_answer_names_a_published_article(api: Api) -> None:
    article = ok(api.post("scjg_cs", ARTICLES, {
        "question": "过期食品怎么投诉？", "answer": "可拨打 12345 或登录政务服务网投诉。",
        "department": "SCJG", "region": "430100", "category": "0101"}), 201)
    t = taken(api, kind="enquiry")
    draft = api.post("op_cs", f"/api/v1/tickets/{t['id']}/answer",
                     {"answer": "可拨打 12345", "article": str(article["id"])})
    refused(draft, 422, "article_not_published", "article")
    refused(api.post("op_cs", f"/api/v1/tickets/{t['id']}/answer",
                     {"answer": "可拨打 12345", "article": "K1"}), 422, "article_not_published",
            "article")
    ok(api.post("scjg_cs", f"{ARTICLES}/{article['id']}/publication", {}))
    done = move(api, "op_cs", t["id"], "answer",
                {"answer": "可拨打 12345", "article": str(article["id"])})
    assert done["status"] == "answered"
    assert done["outcome"]["article_question"] == "过期食品怎么投诉？"


# --- tracking throttled ---------------------------------------------------------------


def test_tracking_by_number_and_phone_is_throttled(api: Api, clock: Clock) -> None:
    t = taken(api)
    track = "/api/v1/tickets/tracking"
    anonymous = api.client
    right = {"number": t["number"], "phone": "13912345678"}
    assert anonymous.post(track, json=right).status_code == 200
    for phone in ("13900000001", "13900000002"):
        refused(anonymous.post(track, json={**right, "phone": phone}), 404, "ticket_not_found")
    locked = anonymous.post(track, json={**right, "phone": "13900000003"})
    refused(locked, 429, "tracking_locked")
    assert locked.headers["Retry-After"] == "900" and "分钟后再试" in locked.json()["detail"]
    assert anonymous.post(track, json=right).status_code == 429  # even the right pair
    # the rating codes' counter is another one
    assert anonymous.post("/api/v1/rating-codes/targets",
                          json={"code": "ZZZZZ-ZZZZZ"}).status_code == 404
    clock.now = clock.now + dt.timedelta(minutes=16)
    assert anonymous.post(track, json=right).status_code == 200

