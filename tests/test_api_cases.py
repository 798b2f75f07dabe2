"""The whole journey through the HTTP API, as the issue's done-when describes it."""

from __future__ import annotations

import threading

from samples import FOOD_AND_SIGN as ANSWERS
from samples import FORM_500 as FORM
from world import Api


def test_journey_guide_apply_deficiency_supplement_parallel_licences_reuse(api: Api) -> None:
    guide = api.client.post("/api/v1/bundles/STORE/guide", json={"answers": ANSWERS}).json()
    assert {m["code"] for m in guide["materials"] if m["status"] == "submit"} == {
        "ID_CARD", "LEASE", "HEALTH_CERT"}
    id_card = api.upload("zhang", "身份证.pdf").json()["id"]
    body = {"bundle": "STORE", "region": "430102", "answers": ANSWERS, "form": FORM,
            "channel": "web", "materials": {"ID_CARD": {"file": id_card},
                                            "LEASE": {"deferred": True},
                                            "FLOOR_PLAN": {"commitment": True}}}
    created = api.post("zhang", "/api/v1/applications", body,
                       headers={"Idempotency-Key": "k-1"})
    assert created.status_code == 201, created.text
    app = created.json()
    retried = api.post("zhang", "/api/v1/applications", body, headers={"Idempotency-Key": "k-1"})
    assert retried.json()["id"] == app["id"] and retried.json()["number"] == app["number"]
    app_id = app["id"]

    accepted = api.post("clerk_furong", f"/api/v1/applications/{app_id}/acceptance",
                        {"decision": "accept_with_deficiency", "supplement_days": 3})
    assert accepted.json()["status"] == "accepted_with_deficiency"
    lease = api.upload("zhang", "租赁合同.pdf").json()["id"]
    supplemented = api.post("zhang", f"/api/v1/applications/{app_id}/supplement",
                            {"materials": {"LEASE": {"file": lease}}})
    assert supplemented.status_code == 200, supplemented.text

    assert api.decide("scjg_furong", app_id, "REG").status_code == 200
    inbox = api.get("cg_furong", "/api/v1/tasks").json()
    assert [t["item"] for t in inbox] == ["SIGN"]  # stage 2 opened, in parallel
    assert {t["item"] for t in api.get("scjg_furong", "/api/v1/tasks").json()} == {"FOOD"}
    api.decide("cg_furong", app_id, "SIGN")
    api.decide("scjg_furong", app_id, "FOOD")
    api.decide("xf_furong", app_id, "FIRE")
    done = api.get("zhang", f"/api/v1/applications/{app_id}").json()
    assert done["status"] == "completed"
    assert [e["action"] for e in done["timeline"]].count("issue_licence") == 2
    wallet = api.get("zhang", "/api/v1/licences").json()
    assert {w["licence_type"] for w in wallet} == {"BUSINESS_LICENCE", "FOOD_PERMIT"}
    delivered = api.post("clerk_furong", f"/api/v1/applications/{app_id}/delivery",
                         {"method": "window"})
    assert delivered.json()["status"] == "delivered"

    again = api.client.post("/api/v1/bundles/STORE/guide", json={
        "answers": {**ANSWERS, "sells_food": False, "extras": []},
        "licences": [w["licence_type"] for w in wallet]}).json()
    statuses = {m["code"]: m["status"] for m in again["materials"]}
    assert statuses["FOOD_PERMIT_COPY"] == "licence" and statuses["BL_COPY"] == "licence"
    signed_in = api.post("zhang", "/api/v1/bundles/STORE/guide", {
        "answers": {**ANSWERS, "sells_food": False, "extras": []}}).json()
    assert {m["code"]: m["status"] for m in signed_in["materials"]}[
        "FOOD_PERMIT_COPY"] == "licence"  # the caller's wallet counts without being named
    second = api.post("zhang", "/api/v1/applications", {
        "bundle": "STORE", "region": "430102", "form": FORM,
        "answers": {**ANSWERS, "sells_food": False, "extras": []},
        "materials": {"ID_CARD": {"file": id_card}, "LEASE": {"file": lease}}})
    assert second.status_code == 201, second.text
    provided = {m["code"]: m["provided"] for m in second.json()["materials"]}
    assert provided["FOOD_PERMIT_COPY"] == "licence"  # not asked for again


def test_refusals_are_problems_naming_the_rule(api: Api) -> None:
    assert api.client.get("/api/v1/applications").status_code == 401
    bad = api.client.post("/api/v1/auth/token", data={"username": "zhang", "password": "x"})
    assert bad.status_code == 401 and bad.json()["code"] == "bad_credentials"
    incomplete = api.post("zhang", "/api/v1/applications", {
        "bundle": "STORE", "region": "430102", "answers": ANSWERS, "form": {}})
    assert incomplete.status_code == 422
    fields = {e["field"] for e in incomplete.json()["errors"]}
    assert {"form.applicant_name", "form.id_number", "materials.ID_CARD"} <= fields
    script = api.upload("zhang", "virus.pdf", b"#!/bin/sh\nrm -rf /\n")
    assert script.status_code == 422 and script.json()["code"] == "file_type_not_allowed"


def test_concurrent_decisions_leave_exactly_one(api: Api) -> None:
    id_card = api.upload("zhang", "id.pdf").json()["id"]
    lease = api.upload("zhang", "lease.pdf").json()["id"]
    app = api.post("zhang", "/api/v1/applications", {
        "bundle": "STORE", "region": "430102", "answers": ANSWERS, "form": FORM,
        "materials": {"ID_CARD": {"file": id_card}, "LEASE": {"file": lease},
                      "FLOOR_PLAN": {"commitment": True}}}).json()
    api.post("clerk_furong", f"/api/v1/applications/{app['id']}/acceptance",
             {"decision": "accept"})
    task = api.task("scjg_furong", app["id"], "REG")
    headers = api.login("scjg_furong")
    results: list[int] = []

    def decide(action: str) -> None:
        body = {"action": action, "version": task["version"], "reason": "并发测试"}
        r = api.client.post(f"/api/v1/tasks/{task['id']}/decision", json=body,
                            headers=headers)
        results.append(r.status_code)

    threads = [threading.Thread(target=decide, args=(a,)) for a in ("approve", "deny") * 3]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 409, 409, 409, 409, 409]
    timeline = api.get("zhang", f"/api/v1/applications/{app['id']}").json()["timeline"]
    assert sum(e["action"] in ("approve", "deny") for e in timeline) == 1


def test_statistics_through_the_api(api: Api) -> None:
    figures = api.get("supervisor_cs", "/api/v1/stats", params={"month": "2026-11"})
    assert figures.status_code == 200, figures.text
    body = figures.json()
    assert body["query"]["region"] == "430100"  # a supervisor's own region by default
    assert body["received"] == 0 and body["good_rate"] is None  # no ratings: no rate
    assert api.get("supervisor_cs", "/api/v1/stats", params={"region": "430200"}
                   ).status_code == 403  # 株洲 is not below 长沙
    assert api.get("supervisor_cs", "/api/v1/stats", params={"month": "2026-13"}
                   ).status_code == 422
    assert api.get("zhang", "/api/v1/stats").status_code == 403
    csv = api.get("admin", "/api/v1/stats.csv", params={"from": "2026-11-01",
                                                        "to": "2026-11-30"})
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "按时办结率" in csv.text
    assert api.client.get("/api/v1/ratings/public").json() == []


def test_the_last_two_decisions_at_once_still_complete_the_case(api: Api) -> None:
    id_card = api.upload("zhang", "id.pdf").json()["id"]
    lease = api.upload("zhang", "lease.pdf").json()["id"]
    app = api.post("zhang", "/api/v1/applications", {
        "bundle": "STORE", "region": "430102", "form": {**FORM, "shop_area": 50},
        "answers": {**ANSWERS, "shop_area": 50},
        "materials": {"ID_CARD": {"file": id_card}, "LEASE": {"file": lease},
                      "FLOOR_PLAN": {"commitment": True}}}).json()
    api.post("clerk_furong", f"/api/v1/applications/{app['id']}/acceptance",
             {"decision": "accept"})
    api.decide("scjg_furong", app["id"], "REG")
    food, sign = api.task("scjg_furong", app["id"], "FOOD"), api.task("cg_furong", app["id"],
                                                                      "SIGN")
    calls = [("scjg_furong", food), ("cg_furong", sign)]
    headers = {who: api.login(who) for who, _ in calls}
    threads = [threading.Thread(target=lambda w=who, t=task: api.client.post(
        f"/api/v1/tasks/{t['id']}/decision", json={"action": "approve", "version": t["version"]},
        headers=headers[w])) for who, task in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert api.get("zhang", f"/api/v1/applications/{app['id']}").json()["status"] == "completed"


def test_far_away_years_are_refused_not_crashed(api: Api) -> None:
    assert api.client.get("/api/v1/ratings/public", params={"month": "9999-12"}
                          ).status_code == 422
    assert api.client.get("/ratings/public", params={"month": "9999-12"}).status_code == 200
    for params in ({"month": "9999-12"}, {"from": "9999-12-30", "to": "9999-12-31"},
                   {"from": "0001-01-01", "to": "0001-01-02"}):
        assert api.get("admin", "/api/v1/stats", params=params).status_code == 422


def test_a_client_may_ask_for_the_summary_instead_of_the_whole_case(api: Api) -> None:
    """`Prefer: return=minimal` (RFC 7240): a write answers with the case's summary as the
    list shows it, where the whole case is; without it, the whole case as before."""
    id_card = api.upload("zhang", "身份证.pdf").json()["id"]
    lease = api.upload("zhang", "租赁合同.pdf").json()["id"]
    body = {"bundle": "STORE", "region": "430102", "answers": ANSWERS, "form": FORM,
            "materials": {"ID_CARD": {"file": id_card}, "LEASE": {"file": lease},
                          "FLOOR_PLAN": {"commitment": True}}}
    minimal = {"Prefer": "handling=lenient, return=minimal"}
    created = api.post("zhang", "/api/v1/applications", body, headers=minimal)
    assert created.status_code == 201, created.text
    brief = created.json()
    assert created.headers["Preference-Applied"] == "return=minimal"
    assert created.headers["Location"] == f"/api/v1/applications/{brief['id']}"
    listed = {a["id"]: a for a in api.get("zhang", "/api/v1/applications").json()}
    assert brief == listed[brief["id"]]  # the summary the list shows, nothing more
    whole = api.get("zhang", created.headers["Location"]).json()
    assert whole["number"] == brief["number"] and whole["tasks"] == []

    accepted = api.post("clerk_furong", f"/api/v1/applications/{brief['id']}/acceptance",
                        {"decision": "accept"}, headers={"Prefer": "return=minimal"})
    assert accepted.status_code == 200 and "tasks" not in accepted.json()
    now = api.get("zhang", f"/api/v1/applications/{brief['id']}").json()
    assert accepted.json()["status"] == now["status"] == "accepted"
    assert accepted.json()["version"] == now["version"] > brief["version"]
    full = api.post("zhang", "/api/v1/applications", body)  # no preference: the whole case
    assert "Preference-Applied" not in full.headers and "timeline" in full.json()
