"""好差评 through the API: what a rating is about, 扫码评价 with the receipt's code, and 认定
by a supervisor, not by the office rated."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from onething.catalog.service import current_catalog
from onething.identity.models import User
from onething.kernel.db import session_factory
from onething.outbox.models import Notification
from onething.supervision.profile import load_profile
from onething.supervision.sweep import sweep
from samples import FORM, OWNED
from world import MONDAY, Api, Clock, World, client_for


def accepted(api: Api) -> int:
    """zhang's case, accepted at the window; its one task (REG, SCJG) pending."""
    scan = api.upload("zhang", "身份证.pdf").json()["id"]
    app_id = api.post("zhang", "/api/v1/applications", {
        "bundle": "STORE", "region": "430102", "answers": OWNED, "form": FORM,
        "materials": {"ID_CARD": {"file": scan}}}).json()["id"]
    api.post("clerk_furong", f"/api/v1/applications/{app_id}/acceptance",
             {"decision": "accept"})
    return int(app_id)


def finished(api: Api) -> int:
    app_id = accepted(api)
    assert api.decide("scjg_furong", app_id, "REG").status_code == 200
    return app_id


def test_staff_print_a_code_and_the_applicant_rates_the_window_with_it(api: Api) -> None:
    app_id = finished(api)
    rating = {"target": "window", "level": 2, "indicators": {"attitude": 2},
              "comment": "窗口人员态度生硬"}
    refused = api.post("clerk_furong", f"/api/v1/applications/{app_id}/rating", rating)
    assert refused.status_code == 403 and "扫码" in refused.json()["detail"]
    assert api.post("zhang", f"/api/v1/applications/{app_id}/rating-code").status_code == 403

    issued = api.post("clerk_furong", f"/api/v1/applications/{app_id}/rating-code")
    assert issued.status_code == 201, issued.text
    code = issued.json()["code"]
    assert issued.json()["url"].endswith(f"/r/{code.replace('-', '')}")
    anonymous = api.client
    targets = anonymous.post("/api/v1/rating-codes/targets", json={"code": code}).json()
    assert [t["name"] for t in targets["targets"]] == ["芙蓉区政务服务综合窗口",
                                                      "芙蓉区市场监督管理局"]
    wrong = anonymous.post("/api/v1/rating-codes/rating",
                           json={**rating, "code": code, "indicators": {"efficiency": 2}})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == (
        "indicators.efficiency")
    rated = anonymous.post("/api/v1/rating-codes/rating", json={**rating, "code": code})
    assert rated.status_code == 201, rated.text
    body = rated.json()
    assert (body["channel"], body["target"], body["department"]) == ("code", "window", None)
    assert body["rectification"]["target"] == "window"
    again = anonymous.post("/api/v1/rating-codes/rating", json={**rating, "code": code})
    assert again.status_code == 409
    seen = api.get("zhang", f"/api/v1/applications/{app_id}/rating").json()
    assert seen["level_name"] == "不满意" and seen["channel"] == "code"

    rect = body["rectification"]["id"]
    steps = f"/api/v1/rectifications/{rect}/steps"
    assert [r["id"] for r in api.get("clerk_furong", "/api/v1/rectifications").json()] == [rect]
    assert api.get("scjg_furong", "/api/v1/rectifications").json() == []
    verified = api.post("clerk_furong", steps, {"action": "verify", "text": "已回访"})
    assert verified.status_code == 200
    own_judge = api.post("clerk_furong", steps, {"action": "decide", "text": "不属实",
                                                 "justified": False})
    assert own_judge.status_code == 403
    decided = api.post("supervisor_cs", steps, {"action": "decide", "text": "属实",
                                                "justified": True})
    assert decided.status_code == 200 and decided.json()["status"] == "rectifying"


def test_the_applicant_rates_a_deciding_department_online(api: Api) -> None:
    app_id = finished(api)
    missing = api.post("zhang", f"/api/v1/applications/{app_id}/rating", {"level": 5})
    assert missing.status_code == 422
    other = api.post("zhang", f"/api/v1/applications/{app_id}/rating",
                     {"target": "department", "department": "YC", "level": 5})
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "department"
    rated = api.post("zhang", f"/api/v1/applications/{app_id}/rating",
                     {"target": "department", "department": "SCJG", "level": 5,
                      "indicators": {"efficiency": 5}})
    assert rated.status_code == 201, rated.text
    assert (rated.json()["channel"], rated.json()["department"]) == ("online", "SCJG")


@pytest.fixture
def strict(engine: Engine, world: World, tmp_path: Path) -> Iterator[tuple[Api, Clock, World]]:
    """Three wrong codes lock an address; the receipt names the public address."""
    clock = Clock()
    with client_for(engine, tmp_path, clock, rating_code_max_failures=3,
                    public_url="https://zwfw.example.gov.cn/") as client:
        yield Api(client), clock, world


def test_wrong_codes_from_one_address_are_locked_out_for_a_while(
        strict: tuple[Api, Clock, World]) -> None:
    api, clock, world = strict
    app_id = finished(api)
    csrf = world.sign_in(api.client, "clerk_furong")
    receipt = api.client.post(f"/applications/{app_id}/rating-code", data={"csrf_token": csrf})
    api.client.cookies.clear()
    assert receipt.status_code == 200, receipt.text
    assert "zwfw.example.gov.cn/r" in receipt.text and "testserver" not in receipt.text
    issued = api.post("clerk_furong", f"/api/v1/applications/{app_id}/rating-code").json()
    assert issued["url"].startswith("https://zwfw.example.gov.cn/r/")  # ONETHING_PUBLIC_URL
    targets = "/api/v1/rating-codes/targets"
    anonymous = api.client
    assert anonymous.post(targets, json={"code": "ZZZZZ-ZZZZZ"}).status_code == 404
    assert anonymous.get("/r/YYYYYYYYYY").status_code == 404  # the page counts too
    locked = anonymous.post(targets, json={"code": "WWWWW-WWWWW"})  # the third
    assert locked.status_code == 429 and locked.headers["Retry-After"] == "900"
    assert locked.json()["code"] == "rating_code_locked" and "分钟后再试" in locked.json()["detail"]
    right = anonymous.post(targets, json={"code": issued["code"]})
    assert right.status_code == 429  # even the right code, while locked
    page = anonymous.get(f"/r/{issued['code'].replace('-', '')}")
    assert page.status_code == 429 and "分钟后再试" in page.text
    assert int(page.headers["Retry-After"]) > 0

    clock.now = MONDAY + dt.timedelta(minutes=16)
    api.tokens.clear()
    assert anonymous.post(targets, json={"code": issued["code"]}).status_code == 200
    rated = anonymous.post("/api/v1/rating-codes/rating", json={
        "code": issued["code"], "target": "window", "level": 5})
    assert rated.status_code == 201, rated.text
    department = anonymous.post("/api/v1/rating-codes/rating", json={
        "code": issued["code"], "target": "department", "department": "SCJG", "level": 5})
    assert department.status_code == 201, department.text  # the same code, another service
    used = anonymous.post(targets, json={"code": issued["code"]})
    assert used.status_code == 409  # a used code is no guess: not counted
    assert used.json()["code"] == "rating_code_used"


def test_a_window_rectification_and_its_cards_reach_the_window(
        api: Api, engine: Engine, tmp_path: Path) -> None:
    """The office rated is told: for a window rating, the window's clerks (not only the
    supervisors), at once and by the cards a profile raises when the 整改 is late."""
    app_id = finished(api)
    code = api.post("clerk_furong", f"/api/v1/applications/{app_id}/rating-code").json()["code"]
    rated = api.client.post("/api/v1/rating-codes/rating", json={
        "code": code, "target": "window", "level": 1, "comment": "窗口让我等了两个小时"})
    assert rated.status_code == 201, rated.text
    sessions = session_factory(engine)

    def told(subject: str) -> set[str]:
        with sessions() as session:
            return set(session.scalars(select(User.username).join(
                Notification, Notification.recipient_id == User.id).where(
                Notification.subject.contains(subject))))

    assert told("差评待整改") == {"clerk_furong", "supervisor_cs"}  # not 株洲's, not SCJG
    profile = tmp_path / "rectifying.yaml"
    profile.write_text("code: r\nname: 整改也亮牌\nchecks:\n  rectification:\n"
                       "    yellow: {after: 0}\n", encoding="utf-8")
    with sessions() as session:
        catalog = current_catalog(session)
    late = dt.datetime(2026, 12, 15, 2, tzinfo=dt.UTC)  # due 2026-12-14
    assert sweep(sessions, catalog, late, load_profile(str(profile))).raised == {"yellow": 1}
    assert told("【黄牌】差评整改") == {"clerk_furong", "supervisor_cs"}
    cards = api.get("supervisor_cs", "/api/v1/cards", params={"department": "window"}).json()
    assert [c["check"] for c in cards["items"]] == ["rectification"]


def test_a_refusal_at_the_window_can_be_rated(api: Api) -> None:
    """不予受理 ends the service: the applicant may rate the window that refused (and no
    department, since none decided)."""
    scan = api.upload("zhang", "身份证.pdf").json()["id"]
    app_id = api.post("zhang", "/api/v1/applications", {
        "bundle": "STORE", "region": "430102", "answers": OWNED, "form": FORM,
        "materials": {"ID_CARD": {"file": scan}}}).json()["id"]
    refused = api.post("clerk_furong", f"/api/v1/applications/{app_id}/acceptance",
                       {"decision": "refuse", "reason": "不属于本机关受理范围"})
    assert refused.status_code == 200, refused.text
    department = api.post("zhang", f"/api/v1/applications/{app_id}/rating",
                          {"target": "department", "department": "SCJG", "level": 5})
    assert department.status_code == 422 and "尚无部门作出决定" in department.text
    rated = api.post("zhang", f"/api/v1/applications/{app_id}/rating", {
        "target": "window", "level": 2, "indicators": {"attitude": 2},
        "comment": "没有说明应向哪个机关申请"})
    assert rated.status_code == 201, rated.text
    assert rated.json()["rectification"]["target"] == "window"


# --- one rating per service per case (国办发〔2019〕51号) ---------------------------------

WINDOW = {"target": "window", "level": 5, "indicators": {"attitude": 5}}
MARKET = {"target": "department", "department": "SCJG", "level": 4,
          "indicators": {"efficiency": 4}}


def test_each_service_is_rated_once_when_it_is_done(api: Api) -> None:
    """The window once it has accepted, the department once it has decided: each once, in
    any order; GET …/rating answers the first and lists them all."""
    app_id = accepted(api)
    rate = f"/api/v1/applications/{app_id}/rating"
    assert api.get("zhang", rate).json() is None
    early = api.post("zhang", rate, MARKET)
    assert early.status_code == 409 and early.json()["code"] == "not_finished"
    assert "芙蓉区市场监督管理局" in early.json()["detail"] and "办结后" in early.json()["detail"]
    window = api.post("zhang", rate, WINDOW)
    assert window.status_code == 201, window.text  # while the department still works
    again = api.post("zhang", rate, {**WINDOW, "level": 1, "comment": "改评"})
    assert again.status_code == 409 and again.json()["code"] == "already_rated"
    assert "芙蓉区政务服务综合窗口" in again.json()["detail"]

    assert api.decide("scjg_furong", app_id, "REG").status_code == 200
    market = api.post("zhang", rate, MARKET)
    assert market.status_code == 201, market.text
    assert (market.json()["target"], market.json()["department"]) == ("department", "SCJG")
    twice = api.post("zhang", rate, MARKET)
    assert twice.status_code == 409 and "芙蓉区市场监督管理局" in twice.json()["detail"]

    seen = api.get("zhang", rate).json()
    assert (seen["target"], seen["level"]) == ("window", 5)  # the first, as it always was
    assert [(r["target"], r["department"], r["level"]) for r in seen["ratings"]] == [
        ("window", None, 5), ("department", "SCJG", 4)]
    timeline = api.get("zhang", f"/api/v1/applications/{app_id}").json()["timeline"]
    assert [e["action_name"] for e in timeline].count("评价") == 2


def test_a_bad_rating_of_each_service_opens_its_own_rectification(api: Api) -> None:
    app_id = finished(api)
    rate = f"/api/v1/applications/{app_id}/rating"
    window = api.post("zhang", rate, {**WINDOW, "level": 2, "comment": "窗口排队太久"})
    market = api.post("zhang", rate, {**MARKET, "level": 1, "comment": "审批说明不清"})
    assert window.json()["rectification"]["target"] == "window"
    assert market.json()["rectification"]["target"] == "department"  # its own, not the first
    assert market.json()["rectification"]["id"] != window.json()["rectification"]["id"]
    seen = api.get("zhang", rate).json()
    assert [r["rectification"]["target"] for r in seen["ratings"]] == ["window", "department"]
    assert [r["target"] for r in api.get("scjg_furong", "/api/v1/rectifications").json()] == [
        "department"]
    public = api.client.get("/api/v1/ratings/public").json()
    assert sorted((r["department"], r["ratings"], r["bad"]) for r in public) == [
        ("SCJG", 1, 1), ("window", 1, 1)]
    stats = api.get("supervisor_cs", "/api/v1/stats", params={"region": "430100"})
    assert stats.status_code == 200, stats.text
    assert (stats.json()["ratings"], stats.json()["bad"]) == (2, 2)


def test_the_receipt_s_code_rates_what_is_done_and_waits_for_the_rest(api: Api) -> None:
    """Printed at acceptance: the window at once; the department after its decision, with
    the same code; nothing to rate now is said before any form; used up when all are."""
    app_id = accepted(api)
    code = api.post("clerk_furong", f"/api/v1/applications/{app_id}/rating-code").json()["code"]
    path = f"/r/{code.replace('-', '')}"
    anonymous = api.client

    def offered() -> dict[str, Any]:
        answer = anonymous.post("/api/v1/rating-codes/targets", json={"code": code})
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return {k: [t["name"] for t in body[k]] for k in ("targets", "waiting", "rated")} | {
            "message": body["message"]}

    assert offered() == {"targets": ["芙蓉区政务服务综合窗口"],
                         "waiting": ["芙蓉区市场监督管理局"], "rated": [], "message": None}
    page = anonymous.get(path)
    assert page.status_code == 200 and 'id="rate-window"' in page.text
    assert 'id="rate-department-SCJG"' not in page.text and "办结后可评价" in page.text
    rated = anonymous.post("/api/v1/rating-codes/rating", json={**WINDOW, "code": code})
    assert rated.status_code == 201, rated.text

    nothing = offered()
    assert nothing["targets"] == [] and nothing["rated"] == ["芙蓉区政务服务综合窗口"]
    assert "部门审批尚未办结" in nothing["message"] and "再次扫码评价" in nothing["message"]
    page = anonymous.get(path)
    assert page.status_code == 200 and "部门审批尚未办结" in page.text
    assert 'name="level"' not in page.text  # no form to be refused by
    early = anonymous.post("/api/v1/rating-codes/rating", json={**MARKET, "code": code})
    assert early.status_code == 409 and early.json()["code"] == "not_finished"

    assert api.decide("scjg_furong", app_id, "REG").status_code == 200
    assert offered()["targets"] == ["芙蓉区市场监督管理局"]
    again = anonymous.post("/api/v1/rating-codes/rating", json={**WINDOW, "code": code})
    assert again.status_code == 409 and again.json()["code"] == "already_rated"
    last = anonymous.post("/api/v1/rating-codes/rating", json={**MARKET, "code": code})
    assert last.status_code == 201, last.text
    used = anonymous.post("/api/v1/rating-codes/targets", json={"code": code})
    assert used.status_code == 409 and used.json()["code"] == "rating_code_used"
    page = anonymous.get(path)
    assert page.status_code == 409 and "均已评价" in page.text
    printed = api.post("clerk_furong", f"/api/v1/applications/{app_id}/rating-code")
    assert printed.status_code == 409 and printed.json()["code"] == "all_rated"


def test_the_invitation_asks_while_a_service_is_unrated(api: Api, engine: Engine) -> None:
    from onething.ratings.service import invite_to_rate

    sessions = session_factory(engine)
    half, whole = finished(api), finished(api)
    for app_id in (half, whole):
        assert api.post("clerk_furong", f"/api/v1/applications/{app_id}/delivery",
                        {"method": "window"}).status_code == 200
    api.post("zhang", f"/api/v1/applications/{half}/rating", WINDOW)
    for body in (WINDOW, MARKET):
        assert api.post("zhang", f"/api/v1/applications/{whole}/rating", body).status_code == 201
    assert invite_to_rate(sessions, MONDAY + dt.timedelta(days=5), 3) == 1
    with sessions() as session:
        invited = session.scalars(select(Notification.subject).where(
            Notification.subject.contains("请对办件"))).all()
    number = api.get("zhang", f"/api/v1/applications/{half}").json()["number"]
    assert invited == [f"请对办件 {number} 的服务进行评价"]
