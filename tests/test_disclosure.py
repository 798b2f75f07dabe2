"""依申请公开 (disclosure on request) on both databases: the reply's due day across the 国庆
holiday, after a 补正 and with the one extension, a consultation's pause, every reply type
refused without its mandatory parts and shown with them, the fees of 国办函〔2020〕109号,
a request withdrawn when its correction does not come, the cards of a late reply, and the
annual report's tables; bad input refused naming its field, with nothing written."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select

from onething.catalog.context import build_ctx
from onething.disclosure import fees, rules
from onething.disclosure import service as disclosure
from onething.disclosure.models import DisclosureRequest
from onething.kernel.principal import SYSTEM
from onething.kernel.workdays import Calendar
from world import Api, Clock, World

D = dt.date
ASK = {"department": "SCJG", "region": "430102", "delivery": "online",
       "description": "2026 年芙蓉区食品安全监督抽检计划及抽检结果"}
REDRESS = "可以在 60 日内申请行政复议，或者在 6 个月内提起行政诉讼"
PARTS = {"how_to_obtain": "已在芙蓉区人民政府门户网站公开", "withheld": "第三页涉及个人信息的内容",
         "reason": "涉及个人隐私", "basis": "《政府信息公开条例》第十五条",
         "responsible_body": "长沙市市场监督管理局"}


def at(api: Api, clock: Clock, world: World, day: D) -> None:
    """The app's clock on `day` at 10:00 in China (everyone signs in again)."""
    clock.now = world.day(day)
    api.tokens.clear()


def asked(api: Api, who: str = "zhang", **extra: Any) -> dict[str, Any]:
    sent = api.post(who, "/api/v1/disclosure-requests", {**ASK, **extra})
    assert sent.status_code == 201, sent.text
    return dict(sent.json())


def page(api: Api, world: World, who: str, path: str) -> str:
    world.sign_in(api.client, who)
    try:
        got = api.client.get(path)
        assert got.status_code == 200, got.text
        return str(got.text)
    finally:
        api.client.cookies.clear()


def _count(world: World) -> int:
    with world.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(DisclosureRequest)) or 0)


# --- the pure rules ------------------------------------------------------------------------


def test_the_reply_is_due_20_working_days_on_across_the_national_day_holiday() -> None:
    calendar = Calendar()
    # received on Tuesday 29 September 2026: 中秋 is past, 国庆 runs 1–7 October and
    # Saturday 10 October is worked (调休); counted on weekdays alone it would be 27 October
    assert rules.clock(calendar, D(2026, 9, 29), 0, 0).due_on == D(2026, 11, 2)
    assert rules.clock(calendar, D(2026, 9, 29), 0, 20) == rules.Clock(
        D(2026, 11, 2), D(2026, 11, 30))
    assert rules.clock(calendar, D(2026, 9, 29), 3, 0).due_on == D(2026, 11, 5)
    assert rules.correction_asked_in_time(calendar, D(2026, 9, 29), D(2026, 10, 14))
    assert not rules.correction_asked_in_time(calendar, D(2026, 9, 29), D(2026, 10, 15))
    assert rules.paused(calendar, D(2026, 11, 24), D(2026, 11, 27)) == 3
    assert rules.paused(calendar, D(2026, 11, 2), D(2026, 12, 31)) == rules.CONSULT_DAYS


def test_fees_by_count_or_by_pages() -> None:
    assert [fees.by_count(n) for n in (1, 10, 11, 30, 31, 40, 41, 50, 51)] == [
        0, 0, 100, 100, 200, 200, 300, 300, 400]
    assert [fees.by_pages(n) for n in (0, 30, 31, 100, 101, 200, 201, 250)] == [
        0, 0, 10, 700, 720, 2700, 2740, 4700]
    assert fees.fee(fees.FeeMode.none, 99, 999) == 0
    assert fees.fee(fees.FeeMode.requests, 11, 999) == 100  # pages do not count
    assert fees.fee(fees.FeeMode.pages, 11, 120) == 1100  # nor the count


def test_each_reply_type_names_its_mandatory_parts() -> None:
    for kind in rules.ReplyKind:
        missing = rules.missing_parts(kind, {}, False, "")
        assert "redress" in missing
        required = {p.name for p in rules.REQUIRED[kind]}
        if kind in rules.GIVES_INFORMATION:
            required.add("how_to_obtain")
        assert set(missing) - {"redress"} == required, kind
        assert rules.missing_parts(kind, PARTS, False, REDRESS) == {}
    # 予以公开 with the document attached needs no other words
    assert rules.missing_parts(rules.ReplyKind.disclose, {}, True, REDRESS) == {}


# --- through the API ---------------------------------------------------------------------


def test_due_dates_with_a_correction_and_one_extension(api: Api, world: World,
                                                        clock: Clock) -> None:
    at(api, clock, world, D(2026, 9, 29))
    r = asked(api)
    assert (r["received_on"], r["due_on"], r["extended_due_on"]) == (
        "2026-09-29", "2026-11-02", None)
    assert r["status"] == "received" and "ask_correction" not in r["actions"]
    other = asked(api, "li")

    at(api, clock, world, D(2026, 10, 15))  # 8 working days after receipt: too late
    late = api.post("scjg_furong", f"/api/v1/disclosure-requests/{other['id']}/"
                    "correction-request", {"note": "请写明抽检的食品类别"})
    assert late.status_code == 422 and late.json()["code"] == "correction_too_late"
    assert api.get("scjg_furong", f"/api/v1/disclosure-requests/{other['id']}"
                   ).json()["status"] == "received"

    at(api, clock, world, D(2026, 10, 9))
    path = f"/api/v1/disclosure-requests/{r['id']}"
    office = api.get("scjg_furong", path).json()
    assert "ask_correction" in office["actions"] and "reply" in office["actions"]
    blank = api.post("scjg_furong", f"{path}/correction-request", {"note": " "})
    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "note"
    corr = api.post("scjg_furong", f"{path}/correction-request",
                    {"note": "请写明所需抽检结果的时间段"}).json()
    assert (corr["status"], corr["correction_due_on"]) == ("correcting", "2026-10-29")
    again = api.post("scjg_furong", f"{path}/correction-request", {"note": "再问一次"})
    assert again.status_code == 409

    at(api, clock, world, D(2026, 10, 12))
    fixed = api.post("zhang", f"{path}/correction", {"text": "2026 年 1 月至 9 月"}).json()
    assert (fixed["status"], fixed["clock_start_on"], fixed["due_on"]) == (
        "received", "2026-10-12", "2026-11-09")

    at(api, clock, world, D(2026, 10, 13))
    too_long = api.post("scjg_furong", f"{path}/extension",
                        {"days": 21, "reason": "信息量大", "approver": "王主任"})
    assert too_long.status_code == 422 and too_long.json()["errors"][0]["field"] == "days"
    no_approver = api.post("scjg_furong", f"{path}/extension",
                           {"days": 10, "reason": "信息量大", "approver": " "})
    assert no_approver.status_code == 422
    extended = api.post("scjg_furong", f"{path}/extension",
                        {"days": 10, "reason": "需要汇总多个科室的抽检结果",
                         "approver": "王主任"}).json()
    assert (extended["due_on"], extended["extended_due_on"]) == ("2026-11-09", "2026-11-23")
    assert "extend" not in extended["actions"]
    second = api.post("scjg_furong", f"{path}/extension",
                      {"days": 5, "reason": "还要更久", "approver": "王主任"})
    assert second.status_code == 409
    mine = api.get("zhang", path).json()
    assert mine["extended_due_on"] == "2026-11-23" and [s["move"] for s in mine["steps"]] == [
        "receive", "ask_correction", "correct", "extend"]
    shown = page(api, world, "zhang", f"/disclosure/{r['id']}")
    assert "2026-11-23" in shown and "王主任批准" in shown


def test_a_consultation_does_not_count(api: Api, world: World, clock: Clock) -> None:
    r = asked(api)  # Monday 23 November 2026
    path = f"/api/v1/disclosure-requests/{r['id']}"
    assert r["due_on"] == "2026-12-21"
    at(api, clock, world, D(2026, 11, 24))
    sent = api.post("scjg_furong", f"{path}/consultation", {"third_party": "某食品公司"}).json()
    assert sent["status"] == "consulting" and sent["consult_due_on"] == "2026-12-15"
    assert api.post("scjg_furong", f"{path}/reply", {"kind": "disclose", "parts": PARTS,
                                                    "redress": REDRESS}).status_code == 409
    at(api, clock, world, D(2026, 11, 27))
    back = api.post("scjg_furong", f"{path}/consultation-reply",
                    {"opinion": "不同意公开第三页"}).json()
    assert (back["status"], back["paused_days"], back["due_on"]) == (
        "received", 3, "2026-12-24")


def test_every_reply_type_is_refused_without_its_parts_and_shown_with_them(
        api: Api, world: World) -> None:
    for kind in rules.ReplyKind:
        r = asked(api)
        path = f"/api/v1/disclosure-requests/{r['id']}"
        bare = api.post("scjg_furong", f"{path}/reply", {"kind": kind.value, "redress": "无"})
        assert bare.status_code == 422, kind
        fields = {p["field"] for p in bare.json()["errors"]}
        assert "redress" in fields and {p.name for p in rules.REQUIRED[kind]} <= fields
        assert api.get("zhang", path).json()["status"] == "received"  # nothing written
        done = api.post("scjg_furong", f"{path}/reply",
                        {"kind": kind.value, "parts": PARTS, "redress": REDRESS})
        assert done.status_code == 200, done.text
        out = done.json()
        assert out["reply_name"] == rules.REPLY_NAMES[kind] and out["redress"] == REDRESS
        shown = page(api, world, "zhang", f"/disclosure/{r['id']}")
        assert rules.REPLY_NAMES[kind] in shown and "行政诉讼" in shown
        for part in rules.parts(kind):
            assert part.label in shown and PARTS[part.name] in shown, (kind, part.name)
    with world.sessions() as session:
        from onething.outbox.models import Notification
        told = session.scalars(select(Notification.subject).where(
            Notification.recipient_id == world.users["zhang"].user_id)).all()
        assert told.count("【政府信息公开】政府信息公开申请已答复") == len(rules.ReplyKind)


def test_fees_and_the_attached_document(api: Api, world: World) -> None:
    r = asked(api)
    path = f"/api/v1/disclosure-requests/{r['id']}"
    both = api.post("scjg_furong", f"{path}/reply", {
        "kind": "disclose", "parts": PARTS, "redress": REDRESS, "fee_mode": "requests",
        "pages": 120})
    assert both.status_code == 422 and both.json()["errors"][0]["field"] == "pages"
    document = api.upload("scjg_furong", "抽检结果.pdf").json()["id"]
    paid = api.post("scjg_furong", f"{path}/reply", {
        "kind": "disclose", "redress": REDRESS, "document": document,
        "fee_mode": "pages", "pages": 120}).json()
    assert (paid["fee_mode"], paid["fee_yuan"], paid["document"]) == ("pages", 1100, True)
    got = api.get("zhang", f"{path}/document")
    assert got.status_code == 200 and got.content.startswith(b"%PDF")
    assert api.get("li", f"{path}/document").status_code == 404


def test_the_eleventh_request_of_a_month_is_charged_by_count(api: Api, world: World) -> None:
    made = [asked(api) for _ in range(11)]
    fee = [api.post("scjg_furong", f"/api/v1/disclosure-requests/{made[i]['id']}/reply", {
        "kind": "proactive", "parts": PARTS, "redress": REDRESS, "fee_mode": "requests"}
        ).json()["fee_yuan"] for i in (9, 10)]
    assert fee == [0, 100]


def test_no_correction_in_time_withdraws_the_request(api: Api, world: World,
                                                     clock: Clock) -> None:
    r = asked(api)
    api.post("scjg_furong", f"/api/v1/disclosure-requests/{r['id']}/correction-request",
             {"note": "请写明年度"})
    due = api.get("zhang", f"/api/v1/disclosure-requests/{r['id']}").json()
    assert due["correction_due_on"] == "2026-12-14"
    for day, expected in ((D(2026, 12, 14), 0), (D(2026, 12, 15), 1)):
        with world.sessions() as session:
            ctx = build_ctx(session, world.catalog, SYSTEM, world.day(day))
            assert disclosure.lapse_corrections(ctx) == expected
            session.commit()
    at(api, clock, world, D(2026, 12, 15))
    gone = api.get("zhang", f"/api/v1/disclosure-requests/{r['id']}").json()
    assert (gone["status"], gone["lapsed"], gone["closed_on"]) == (
        "withdrawn", True, "2026-12-15")
    late = api.post("zhang", f"/api/v1/disclosure-requests/{r['id']}/correction",
                    {"text": "2026 年"})
    assert late.status_code == 409
    table = api.get("supervisor_cs", "/api/v1/disclosure-report",
                    params={"year": 2026}).json()
    assert table["cells"]["lapsed"]["person"] == 1


def test_a_late_reply_is_carded_and_the_cards_close(api: Api, world: World) -> None:
    from onething.supervision.models import Card
    from onething.supervision.sweep import sweep

    r = asked(api)  # due 2026-12-21
    assert sweep(world.sessions, world.catalog, world.day(D(2026, 12, 17))).raised == {
        "warning": 1}
    assert sweep(world.sessions, world.catalog, world.day(D(2026, 12, 22))).raised == {
        "yellow": 1}
    assert sweep(world.sessions, world.catalog, world.day(D(2026, 12, 29))).raised == {
        "red": 1}
    api.post("scjg_furong", f"/api/v1/disclosure-requests/{r['id']}/reply",
             {"kind": "refuse", "parts": PARTS, "redress": REDRESS})
    with world.sessions() as session:
        cards = session.scalars(select(Card).where(Card.subject == "disclosure")).all()
        assert {(c.kind, c.department_code, c.region_code) for c in cards} == {
            ("warning", "SCJG", "430102"), ("yellow", "SCJG", "430102"),
            ("red", "SCJG", "430102")}
        assert all(c.closed_at is not None for c in cards)


def test_a_window_records_a_request_by_post_and_bad_input_is_refused(
        api: Api, world: World) -> None:
    post = {**ASK, "channel": "post", "applicant_type": "legal", "applicant_name": "某律师事务所",
            "contact": "长沙市芙蓉区五一大道 1 号", "received_on": "2026-11-20"}
    for who, body, field in (
            ("zhang", {**ASK, "description": "  "}, "description"),
            ("clerk_furong", {**post, "received_on": "2026-11-24"}, "received_on"),
            ("clerk_furong", {**post, "received_on": None}, "received_on"),
            ("clerk_furong", {**post, "received_on": "0001-01-01"}, "received_on"),
            ("clerk_zhuzhou", post, "region"),
            ("yc_furong", post, "department"),
            ("clerk_furong", {**post, "contact": ""}, "contact")):
        refused = api.post(who, "/api/v1/disclosure-requests", body)
        assert refused.status_code == 422, (who, field)
        assert field in {p["field"] for p in refused.json()["errors"]}
    assert api.post("supervisor_cs", "/api/v1/disclosure-requests", post).status_code == 403
    assert _count(world) == 0
    r = asked(api, "clerk_furong", **{k: v for k, v in post.items() if k not in ASK})
    assert (r["channel"], r["received_on"], r["due_on"]) == ("post", "2026-11-20", "2026-12-18")
    inbox = api.get("scjg_furong", "/api/v1/disclosure-requests",
                    params={"open_only": True}).json()
    assert [x["id"] for x in inbox] == [r["id"]]
    assert api.get("supervisor_cs", f"/api/v1/disclosure-requests/{r['id']}"
                   ).json()["contact"].endswith("****")
    assert api.get("supervisor_zz", f"/api/v1/disclosure-requests/{r['id']}"
                   ).status_code == 404


@pytest.mark.parametrize("year", [2026])
def test_the_annual_report_tables(api: Api, world: World, clock: Clock, year: int) -> None:
    at(api, clock, world, D(2025, 12, 22))
    old = asked(api, "li", applicant_type="business")  # carried into 2026, answered then
    still = asked(api, "li", applicant_type="research")  # carried in and out
    at(api, clock, world, D(2026, 11, 23))
    asked(api)  # new, still open: carried out
    answered = asked(api)
    for r in (old, answered):
        api.post("scjg_furong", f"/api/v1/disclosure-requests/{r['id']}/reply",
                 {"kind": "partial", "parts": PARTS, "redress": REDRESS})
    assert still["status"] == "received"
    cells = api.get("supervisor_cs", "/api/v1/disclosure-report",
                    params={"year": year}).json()["cells"]
    assert cells["new"] == {**cells["new"], "person": 2, "total": 2}
    assert (cells["carried_in"]["business"], cells["carried_in"]["research"],
            cells["carried_in"]["total"]) == (1, 1, 2)
    assert (cells["partial"]["person"], cells["partial"]["business"],
            cells["closed"]["total"]) == (1, 1, 2)
    assert (cells["carried_out"]["person"], cells["carried_out"]["research"],
            cells["carried_out"]["total"]) == (1, 1, 2)
    figures = api.get("supervisor_cs", "/api/v1/disclosure-report",
                      params={"year": year}).json()["figures"]
    # the one received in December 2025 was due in January and answered in November: late
    assert figures == {"replied": 2, "on_time": 1, "open": 2, "late": 1}
    last = api.get("scjg_furong", "/api/v1/disclosure-report", params={"year": 2025}).json()
    assert last["cells"]["new"]["total"] == 2 and last["cells"]["carried_out"]["total"] == 2
    elsewhere = api.get("supervisor_zz", "/api/v1/disclosure-report",
                        params={"year": year}).json()
    assert elsewhere["cells"]["new"]["total"] == 0
    assert api.get("supervisor_zz", "/api/v1/disclosure-report",
                   params={"year": year, "region": "430100"}).status_code == 422
    assert api.get("zhang", "/api/v1/disclosure-report",
                   params={"year": year}).status_code == 403
    lines = page(api, world, "supervisor_cs", f"/disclosure/report.csv?year={year}"
                 ).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("项目,自然人,商业企业")
    assert "结转下年度继续办理,1,0,1,0,0,0,2" in lines
