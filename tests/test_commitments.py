"""告知承诺 as the applicant's choice, with its notice; the follow-up check (核查) after an
approval that relied on it; a false commitment revokes the licence and records bad credit
(失信), which then bars 告知承诺 and 容缺. Through the API, on both databases."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from onething.kernel.db import session_factory
from samples import FORM, RENTED
from world import Api


def apply(api: Api, who: str, lease: dict[str, Any]) -> Any:
    scan = api.upload(who, "身份证.pdf").json()["id"]
    return api.post(who, "/api/v1/applications", {
        "bundle": "STORE", "region": "430102", "answers": RENTED, "form": FORM,
        "channel": "web", "materials": {"ID_CARD": {"file": scan}, "LEASE": lease}})


def approved_on_commitment(api: Api) -> int:
    created = apply(api, "zhang", {"commitment": True})
    assert created.status_code == 201, created.text
    app_id = created.json()["id"]
    api.post("clerk_furong", f"/api/v1/applications/{app_id}/acceptance",
             {"decision": "accept"})
    assert api.decide("scjg_furong", app_id, "REG").status_code == 200
    return int(app_id)


def test_the_notice_is_shown_the_choice_is_the_applicants_and_the_signature_kept(
        api: Api) -> None:
    guide = api.post("zhang", "/api/v1/bundles/STORE/guide", {"answers": RENTED}).json()
    lease = next(m for m in guide["materials"] if m["code"] == "LEASE")
    assert lease["status"] == "commitment" and guide["bad_credit"] is None
    [notice] = lease["commitment_notices"]
    assert notice["item"] == "REG" and "营业执照（设立登记）" in notice["conditions"]
    assert "撤销" in notice["consequence"] and "信用记录" in notice["consequence"]

    unchosen = apply(api, "zhang", {})
    assert unchosen.status_code == 422
    assert "materials.LEASE" in {e["field"] for e in unchosen.json()["errors"]}

    created = apply(api, "zhang", {"commitment": True})
    assert created.status_code == 201, created.text
    app_id = created.json()["id"]
    seen = api.get("clerk_furong", f"/api/v1/applications/{app_id}").json()
    entry = next(m for m in seen["materials"] if m["code"] == "LEASE")
    assert entry["provided"] == "commitment"
    signed = entry["commitment"]
    assert signed["signed_by"] == "zhang" and signed["signed_at"].startswith("2026-11-23")
    assert [i["item"] for i in signed["items"]] == ["REG"]
    assert signed["items"][0]["notice"] == notice["text"]


def test_a_proxy_enters_the_commitment_the_applicant_signs(api: Api) -> None:
    with_consent = api.post("clerk_furong", "/api/v1/consents",
                            {"proxy": "proxy1", "person": "zhang", "note": "书面授权"})
    assert with_consent.status_code == 201, with_consent.text
    scan = api.upload("zhang", "身份证.pdf").json()["id"]
    created = api.post("proxy1", "/api/v1/applications", {
        "bundle": "STORE", "region": "430102", "answers": RENTED, "form": FORM,
        "applicant": "zhang", "materials": {"ID_CARD": {"file": scan},
                                            "LEASE": {"commitment": True}}})
    assert created.status_code == 201, created.text
    entry = next(m for m in created.json()["materials"] if m["code"] == "LEASE")
    assert (entry["commitment"]["signed_by"], entry["commitment"]["entered_by"]) == (
        "zhang", "proxy1")


def test_an_approval_on_a_commitment_gets_a_check_for_the_deciding_office(api: Api) -> None:
    app_id = approved_on_commitment(api)
    [check] = api.get("scjg_furong", "/api/v1/checks", params={"status": "open"}).json()
    assert check["application_id"] == app_id and check["item"] == "REG"
    assert check["materials"] == [{"code": "LEASE", "name": "房屋租赁合同"}]
    assert check["due_on"] == "2026-12-21"  # 20 working days after Monday 2026-11-23
    assert check["status_name"] == "待核查" and not check["overdue"]
    assert api.get("scjg_furong", "/api/v1/checks",
                   params={"due_before": "2026-12-20"}).json() == []
    assert len(api.get("scjg_furong", "/api/v1/checks",
                       params={"due_before": "2026-12-21"}).json()) == 1
    assert api.get("yc_furong", "/api/v1/checks").json() == []  # another department
    assert len(api.get("supervisor_cs", "/api/v1/checks").json()) == 1
    assert api.get("zhang", "/api/v1/checks").status_code == 403
    assert api.post("clerk_furong", f"/api/v1/checks/{check['id']}/outcome",
                    {"outcome": "kept", "note": "x"}).status_code == 404
    assert api.post("supervisor_cs", f"/api/v1/checks/{check['id']}/outcome",
                    {"outcome": "kept", "note": "x"}).status_code == 403

    kept = api.post("scjg_furong", f"/api/v1/checks/{check['id']}/outcome",
                    {"outcome": "kept", "note": "现场核对租赁合同原件，属实"})
    assert kept.status_code == 200 and kept.json()["status_name"] == "核查属实"
    again = api.post("scjg_furong", f"/api/v1/checks/{check['id']}/outcome",
                     {"outcome": "false", "note": "改主意"})
    assert again.status_code == 409
    [licence] = api.get("zhang", "/api/v1/licences").json()
    assert licence["status"] == "valid"
    timeline = api.get("zhang", f"/api/v1/applications/{app_id}").json()["timeline"]
    assert "告知承诺核查" in {e["action_name"] for e in timeline}


def test_no_check_without_a_commitment(api: Api) -> None:
    app_id = approved_on_commitment(api)
    created = apply(api, "li", {"deferred": True})
    assert created.status_code == 201
    assert [c["application_id"] for c in api.get("scjg_furong", "/api/v1/checks").json()
            ] == [app_id]


def test_a_false_commitment_revokes_the_licence_and_bars_commitments(api: Api) -> None:
    app_id = approved_on_commitment(api)
    [check] = api.get("scjg_furong", "/api/v1/checks").json()
    missing = api.post("scjg_furong", f"/api/v1/checks/{check['id']}/outcome",
                       {"outcome": "false", "note": " "})
    assert missing.status_code == 422
    found = api.post("scjg_furong", f"/api/v1/checks/{check['id']}/outcome",
                     {"outcome": "false", "note": "出租方否认签订租赁合同"})
    assert found.status_code == 200, found.text

    [licence] = api.get("zhang", "/api/v1/licences").json()
    assert (licence["status"], licence["status_name"]) == ("revoked", "已撤销")
    assert "出租方否认签订租赁合同" in licence["revoked_reason"]
    assert licence["revoked_at"] is not None
    timeline = api.get("zhang", f"/api/v1/applications/{app_id}").json()["timeline"]
    assert "撤销电子证照" in {e["action_name"] for e in timeline}
    [bad] = api.get("zhang", "/api/v1/credit").json()["records"]
    assert (bad["kind"], bad["source"], bad["in_force"]) == ("bad", "commitment_check", True)
    assert "出租方否认签订租赁合同" in bad["reason"]

    guide = api.post("zhang", "/api/v1/bundles/STORE/guide", {"answers": RENTED}).json()
    assert "失信" in guide["bad_credit"]
    lease = next(m for m in guide["materials"] if m["code"] == "LEASE")
    assert lease["status"] == "submit" and "commitment_notices" not in lease
    for choice in ({"commitment": True}, {"deferred": True}):
        refused = apply(api, "zhang", choice)
        assert refused.status_code == 422
        [problem] = [e for e in refused.json()["errors"] if e["field"] == "materials.LEASE"]
        assert "租赁合同" in problem["message"] and "失信" in problem["message"]
    assert apply(api, "li", {"commitment": True}).status_code == 201  # only zhang is barred
    anonymous = api.client.post("/api/v1/bundles/STORE/guide", json={"answers": RENTED})
    assert anonymous.json()["bad_credit"] is None


def test_the_bad_credit_record_ends(api: Api, engine: Engine) -> None:
    approved_on_commitment(api)
    [check] = api.get("scjg_furong", "/api/v1/checks").json()
    api.post("scjg_furong", f"/api/v1/checks/{check['id']}/outcome",
             {"outcome": "false", "note": "不实"})
    from onething.credit import service as credit

    with session_factory(engine)() as session:
        holder = api.get("zhang", "/api/v1/me").json()["id"]
        record = credit.current(session, holder, dt.date(2026, 11, 23))
        assert record is not None and record.valid_until == dt.date(2029, 11, 22)
        assert credit.current(session, holder, dt.date(2029, 11, 23)) is None


def _found_false(api: Api) -> None:
    [check] = api.get("scjg_furong", "/api/v1/checks", params={"status": "open"}).json()
    found = api.post("scjg_furong", f"/api/v1/checks/{check['id']}/outcome",
                     {"outcome": "false", "note": "出租方否认签订租赁合同"})
    assert found.status_code == 200, found.text


def test_bad_credit_recorded_after_submission_bars_the_window_from_accepting(
        api: Api) -> None:
    """A 失信 record that appears between submission and acceptance: the 告知承诺 and the 容缺
    the applicant chose no longer stand; the window must return the case, and can."""
    approved_on_commitment(api)
    committed = apply(api, "zhang", {"commitment": True}).json()["id"]
    deferred = apply(api, "zhang", {"deferred": True}).json()["id"]
    _found_false(api)

    acceptance = "/api/v1/applications/{}/acceptance"
    refused = api.post("clerk_furong", acceptance.format(committed), {"decision": "accept"})
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["code"] == "bad_credit"
    assert "失信" in problem["detail"] and "退回补正" in problem["detail"]
    assert "不适用告知承诺和容缺受理" in problem["detail"]
    [error] = problem["errors"]
    assert error["field"] == "materials.LEASE" and "告知承诺" in error["message"]
    late = api.post("clerk_furong", acceptance.format(deferred),
                    {"decision": "accept_with_deficiency", "supplement_days": 1})
    assert late.status_code == 409 and late.json()["code"] == "bad_credit"
    assert "容缺" in late.json()["errors"][0]["message"]
    plain = api.post("clerk_furong", acceptance.format(deferred), {"decision": "accept"})
    assert plain.status_code == 409 and plain.json()["code"] == "bad_credit"
    for app_id in (committed, deferred):
        assert api.get("zhang", f"/api/v1/applications/{app_id}").json()["status"] == (
            "submitted")  # nothing half-written

    returned = api.post("clerk_furong", acceptance.format(committed), {
        "decision": "return", "notice": [{"message": "请提交房屋租赁合同"}]})
    assert returned.status_code == 200, returned.text
    scan = api.upload("zhang", "身份证.pdf").json()["id"]
    body = {"bundle": "STORE", "region": "430102", "form": FORM, "answers": RENTED,
            "materials": {"ID_CARD": {"file": scan}, "LEASE": {"commitment": True}}}
    again = api.post("zhang", f"/api/v1/applications/{committed}/resubmission", body)
    assert again.status_code == 422 and "失信" in again.text
    lease = api.upload("zhang", "租赁合同.pdf").json()["id"]
    body["materials"]["LEASE"] = {"file": lease}
    fixed = api.post("zhang", f"/api/v1/applications/{committed}/resubmission", body)
    assert fixed.status_code == 200, fixed.text
    accepted = api.post("clerk_furong", acceptance.format(committed), {"decision": "accept"})
    assert accepted.status_code == 200, accepted.text


def test_a_licence_revoked_after_submission_no_longer_stands_for_its_material(
        api: Api) -> None:
    approved_on_commitment(api)  # zhang's 营业执照
    scan = api.upload("zhang", "身份证.pdf").json()["id"]
    plan = api.upload("zhang", "平面图.pdf").json()["id"]
    created = api.post("zhang", "/api/v1/applications", {
        "bundle": "STORE", "region": "430102", "form": {**FORM, "shop_area": 10},
        "answers": {"premises": "owned", "sells_food": True, "shop_area": 10},
        "materials": {"ID_CARD": {"file": scan}, "FLOOR_PLAN": {"file": plan}}})
    assert created.status_code == 201, created.text
    [bl] = [m for m in created.json()["materials"] if m["code"] == "BL_COPY"]
    assert bl["provided"] == "licence"
    _found_false(api)  # the 营业执照 is revoked

    refused = api.post("clerk_furong", f"/api/v1/applications/{created.json()['id']}"
                       "/acceptance", {"decision": "accept"})
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "licence_not_valid"
    [error] = refused.json()["errors"]
    assert error["field"] == "materials.BL_COPY" and "已撤销" in error["message"]
    guide = api.post("zhang", "/api/v1/bundles/STORE/guide", {
        "answers": {"premises": "owned", "sells_food": True, "shop_area": 10}}).json()
    assert next(m for m in guide["materials"] if m["code"] == "BL_COPY")["status"] != "licence"


def test_an_overdue_check_is_carded_only_where_the_profile_says_so(
        api: Api, engine: Engine, tmp_path: Path) -> None:
    """Hunan's table has no row for 核查, so Hunan raises nothing; a profile with a
    `commitment_check` row cards the deciding office when the check runs late."""
    from onething.catalog.service import current_catalog
    from onething.supervision.profile import load_profile
    from onething.supervision.sweep import sweep

    approved_on_commitment(api)  # the check is due 2026-12-21
    sessions = session_factory(engine)
    with sessions() as session:
        catalog = current_catalog(session)
    late = dt.datetime(2026, 12, 23, 2, tzinfo=dt.UTC)
    sweep(sessions, catalog, late, load_profile("hunan"))  # (the result's issuing is late)
    none = api.get("scjg_furong", "/api/v1/cards", params={"check": "commitment_check"})
    assert none.status_code == 200 and none.json()["total"] == 0
    own = tmp_path / "checking.yaml"
    own.write_text("code: c\nname: 核查也亮牌\nchecks:\n  commitment_check:\n"
                   "    warning: {before: 2}\n    yellow: {after: 0}\n", encoding="utf-8")
    profile = load_profile(str(own))
    assert sweep(sessions, catalog, late, profile).raised == {"warning": 1, "yellow": 1}
    assert sweep(sessions, catalog, late, profile).raised == {}  # once each
    cards = api.get("scjg_furong", "/api/v1/cards", params={"check": "commitment_check"})
    assert cards.status_code == 200, cards.text
    listed = cards.json()["items"]
    assert {(c["kind"], c["due_on"]) for c in listed} == {("warning", "2026-12-21"),
                                                          ("yellow", "2026-12-21")}
    assert all(c["check_name"] == "告知承诺核查" and c["office"] == "芙蓉区市场监督管理局"
               and c["closed_at"] is None for c in listed)
    [check] = api.get("scjg_furong", "/api/v1/checks").json()
    api.post("scjg_furong", f"/api/v1/checks/{check['id']}/outcome",
             {"outcome": "kept", "note": "现场核对原件，属实"})
    closed = api.get("scjg_furong", "/api/v1/cards", params={"check": "commitment_check"})
    assert all(c["closed_at"] is not None for c in closed.json()["items"])


# --- 核查比例 and 核查抽取 -----------------------------------------------------------


def set_ratio(api: Api, who: str, body: dict[str, Any]) -> Any:
    return api.client.put("/api/v1/checks/ratios", json=body, headers=api.login(who))


def test_a_ratio_outside_0_1_is_refused_and_only_an_office_or_the_admin_sets_one(
        api: Api) -> None:
    [mine] = api.get("scjg_furong", "/api/v1/checks/ratios").json()
    assert (mine["ratio"], mine["ratio_name"], mine["set_at"]) == (1, "全部核查", None)
    for wrong in (0, -0.1, 1.5, 0.00001):
        refused = set_ratio(api, "scjg_furong", {"ratio": wrong})
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == ["ratio"]
        assert "核查比例" in refused.json()["errors"][0]["message"]
    assert api.get("scjg_furong", "/api/v1/checks/ratios").json() == [mine]  # nothing written
    assert set_ratio(api, "supervisor_cs", {"ratio": 0.5}).status_code == 403
    other = set_ratio(api, "yc_furong", {"ratio": 0.5, "department": "SCJG"})
    assert other.status_code == 403
    unnamed = set_ratio(api, "admin", {"ratio": 0.5})
    assert unnamed.status_code == 422
    assert {e["field"] for e in unnamed.json()["errors"]} == {"department", "region"}
    by_admin = set_ratio(api, "admin", {"ratio": 0.3, "department": "SCJG",
                                        "region": "430102"})
    assert by_admin.status_code == 200, by_admin.text
    assert (by_admin.json()["ratio"], by_admin.json()["ratio_name"]) == (0.3, "抽取 30%")
    assert by_admin.json()["office"] == "芙蓉区市场监督管理局"
    assert api.get("scjg_furong", "/api/v1/checks/ratios").json()[0]["ratio"] == 0.3
    assert [r["office"] for r in api.get("supervisor_cs", "/api/v1/checks/ratios").json()
            ] == ["芙蓉区市场监督管理局"]


def test_half_of_four_approvals_are_drawn_and_the_record_verifies(
        api: Api, tmp_path: Path, capsys: Any) -> None:
    from onething.cli import main

    assert set_ratio(api, "scjg_furong", {"ratio": 0.5}).status_code == 200
    apps = [approved_on_commitment(api) for _ in range(4)]
    pooled = api.get("scjg_furong", "/api/v1/checks", params={"status": "pooled"}).json()
    assert sorted(c["application_id"] for c in pooled) == apps
    assert all(c["status_name"] == "待抽取" and c["due_on"] is None for c in pooled)
    assert api.get("scjg_furong", "/api/v1/checks", params={"status": "open"}).json() == []
    refused = api.post("scjg_furong", f"/api/v1/checks/{pooled[0]['id']}/outcome",
                       {"outcome": "false", "note": "未抽取先核查"})
    assert refused.status_code == 409 and refused.json()["code"] == "check_not_drawn"
    assert api.post("yc_furong", "/api/v1/checks/draws", {}).status_code == 409  # none pooled
    assert api.post("supervisor_cs", "/api/v1/checks/draws", {}).status_code == 403

    made = api.post("scjg_furong", "/api/v1/checks/draws", {})
    assert made.status_code == 201, made.text
    drawn = made.json()
    assert (drawn["pooled"], drawn["picked"], drawn["by_platform"]) == (4, 2, False)
    record = drawn["record"]
    [entry] = record["draws"]
    assert entry["label"] == "checks" and entry["k"] == 2
    assert sorted(entry["pool"]) == sorted(str(c["id"]) for c in pooled)
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    assert main(["draw", "verify", str(path)]) == 0
    assert "验证通过" in capsys.readouterr().out

    checks = {str(c["id"]): c for c in drawn["checks"]}
    assert {checks[i]["status"] for i in entry["result"]} == {"open"}
    assert all(checks[i]["due_on"] == "2026-12-21" for i in entry["result"])
    lost = [c for i, c in checks.items() if i not in entry["result"]]
    assert [c["status_name"] for c in lost] == ["未抽中", "未抽中"]
    assert all(c["draw_id"] == drawn["id"] for c in checks.values())
    assert len(api.get("scjg_furong", "/api/v1/checks", params={"status": "open"}).json()
               ) == 2
    assert api.post("scjg_furong", f"/api/v1/checks/{lost[0]['id']}/outcome",
                    {"outcome": "kept", "note": "x"}).status_code == 409
    assert api.post("scjg_furong", "/api/v1/checks/draws", {}).status_code == 409  # all drawn
    assert [d["id"] for d in api.get("supervisor_cs", "/api/v1/checks/draws").json()] == [
        drawn["id"]]
    assert api.get("yc_furong", f"/api/v1/checks/draws/{drawn['id']}").status_code == 404
    assert api.get("scjg_furong", f"/api/v1/checks/draws/{drawn['id']}").json()[
        "record"] == record


def test_the_monthly_draw_takes_what_was_pooled_before_the_month(
        api: Api, engine: Engine) -> None:
    from onething.catalog.service import current_catalog
    from onething.commitments.draws import draw_monthly

    assert set_ratio(api, "scjg_furong", {"ratio": 0.25}).status_code == 200
    approved_on_commitment(api)  # 2026-11-23
    sessions = session_factory(engine)
    with sessions() as session:
        catalog = current_catalog(session)
    november = dt.datetime(2026, 11, 30, 15, tzinfo=dt.UTC)  # 23:00 in China, still November
    assert draw_monthly(sessions, catalog, november) == 0
    december = dt.datetime(2026, 11, 30, 16, tzinfo=dt.UTC)  # 00:00 on 1 December in China
    assert draw_monthly(sessions, catalog, december) == 1
    assert draw_monthly(sessions, catalog, december) == 0  # once
    [drawn] = api.get("scjg_furong", "/api/v1/checks/draws").json()
    assert (drawn["pooled"], drawn["picked"], drawn["by_platform"]) == (1, 1, True)
    [check] = api.get("scjg_furong", "/api/v1/checks", params={"status": "open"}).json()
    assert check["due_on"] == "2026-12-29"  # 20 working days after 1 December


def test_the_office_sets_its_ratio_and_draws_on_the_checks_page(api: Api, world: Any) -> None:
    client = api.client
    csrf = world.sign_in(client, "scjg_furong")
    wrong = client.post("/checks/ratio", data={"ratio": "1.5", "csrf_token": csrf})
    assert wrong.status_code == 422 and "核查比例须大于 0 且不超过 1" in wrong.text
    assert 'name="ratio" inputmode="decimal" size="8" required value="1.5"' in wrong.text
    saved = client.post("/checks/ratio", data={"ratio": "0.5", "csrf_token": csrf},
                        follow_redirects=False)
    assert saved.status_code == 303
    assert "抽取 50%" in client.get("/checks").text
    nothing = client.post("/checks/draws", data={"csrf_token": csrf})
    assert nothing.status_code == 409 and "没有待抽取的核查对象" in nothing.text
    for _ in range(2):
        approved_on_commitment(api)
    pooled = client.get("/checks", params={"status": "pooled"}).text
    assert "抽取核查对象（待抽取 2 件）" in pooled and "待抽取，抽中后起算" in pooled
    made = client.post("/checks/draws", data={"csrf_token": csrf}, follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"].startswith("/checks/draws/")
    shown = client.get(made.headers["location"]).text
    assert "待抽取 2 件，抽中 1 件" in shown and "onething-draw-v1" in shown
    assert "未抽中" in shown and "抽中 · 待核查" in shown
    lost = client.get("/checks", params={"status": "not_drawn"}).text
    assert "（未抽中，不再核查）" in lost
