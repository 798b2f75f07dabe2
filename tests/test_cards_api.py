"""Special procedures with an end, 容缺 as the rules say, and the cards listed and counted,
through the HTTP API, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from onething.cases.models import Application
from onething.kernel.db import session_factory
from onething.outbox.models import Notification
from onething.supervision.sweep import SweepReport, sweep
from samples import FORM, OWNED, RENTED
from world import Api, Clock, World, build_world, client_for

D = dt.date
# A 即办件 bundle beside the basic catalog: 户外招牌设置 alone (promised 0 working days).
INSTANT = """\
bundles:
  - code: SIGN_NOW
    name: 户外招牌即办
    questions:
      - {code: premises, text: 经营场所, type: choice, default: owned,
         options: {owned: 自有, rented: 租赁}}
    stages:
      - items: [{item: SIGN}]
"""


def instant_catalog(basic_dir: Path, into: Path) -> Path:
    shutil.copytree(basic_dir, into)
    (into / "instant.yaml").write_text(INSTANT, encoding="utf-8")
    return into


@dataclass
class Env:
    api: Api
    world: World
    clock: Clock

    def at(self, day: dt.date) -> None:
        self.clock.now = self.world.day(day)
        self.api.tokens.clear()  # tokens of another day have expired

    def sweep(self, day: dt.date) -> SweepReport:
        return sweep(self.world.sessions, self.world.catalog, self.world.day(day))

    def apply(self, answers: dict[str, Any], materials: dict[str, Any],
              bundle: str = "STORE", **extra: Any) -> dict[str, Any]:
        scan = self.api.upload("zhang", "id.pdf").json()["id"]
        form = FORM if bundle == "STORE" else {}
        r = self.api.post("zhang", "/api/v1/applications", {
            "bundle": bundle, "region": "430102", "answers": answers, "form": form,
            "materials": {k: ({"file": scan} if v == "file" else v) for k, v in materials.items()},
            **extra})
        assert r.status_code == 201, r.text
        return dict(r.json())

    def notifications(self, username: str) -> list[tuple[str, str]]:
        with self.world.sessions() as session:
            return [(n.subject, n.body) for n in session.scalars(
                select(Notification).where(
                    Notification.recipient_id == self.world.users[username].user_id)
                .order_by(Notification.id))]


@pytest.fixture
def env(engine: Engine, basic_dir: Path, tmp_path: Path) -> Iterator[Env]:
    catalog = instant_catalog(basic_dir, tmp_path / "catalog")
    world = build_world(session_factory(engine), catalog, tmp_path / "files")
    clock = Clock()
    with client_for(engine, tmp_path, clock) as client:
        yield Env(Api(client), world, clock)


def test_a_special_procedure_has_a_kind_a_length_and_a_written_notice(env: Env) -> None:
    app = env.apply(OWNED, {"ID_CARD": "file"})
    assert env.api.post("clerk_furong", f"/api/v1/applications/{app['id']}/acceptance",
                        {"decision": "accept"}).status_code == 200
    missing = env.api.decide("scjg_furong", app["id"], "REG", "suspend")
    assert missing.status_code == 422
    assert {p["field"] for p in missing.json()["errors"]} == {
        "procedure", "procedure_days", "reason"}
    wrong = env.api.decide("scjg_furong", app["id"], "REG", "suspend", procedure="现场核查",
                           procedure_days=5, reason="核查")
    assert wrong.status_code == 422 and "听证" in wrong.text and "专家评审" in wrong.text

    done = env.api.decide("scjg_furong", app["id"], "REG", "suspend", procedure="检测",
                          procedure_days=10, reason="经营场所需要进行消防检测")
    assert done.status_code == 200, done.text
    suspension = done.json()["suspension"]
    assert suspension["procedure"] == "检测" and suspension["days"] == 10
    assert suspension["expected_end"] == "2026-12-07"  # 10 working days after Monday

    seen = env.api.get("zhang", f"/api/v1/applications/{app['id']}").json()
    [notice] = seen["notices"]
    assert notice["title"] == "特别程序告知"
    for words in ("检测", "预计需要 10 个工作日", "2026年12月7日", "不计入办理时限",
                  "第四十五条", "经营场所需要进行消防检测", seen["number"]):
        assert words in notice["text"]
    [(subject, body)] = env.notifications("zhang")  # and through the outbox
    assert subject == f"【特别程序告知】办件 {seen['number']}" and body == notice["text"]

    assert dict(env.sweep(D(2026, 12, 9)).raised) == {"warning": 1, "yellow": 1, "red": 1}
    listed = env.api.get("supervisor_cs", "/api/v1/cards",
                         params={"check": "special_procedure"}).json()
    assert listed["total"] == 3
    assert {c["kind_name"] for c in listed["items"]} == {"预警", "黄牌", "红牌"}
    assert all(c["check_name"] == "特别程序" and c["office"] == "芙蓉区市场监督管理局"
               for c in listed["items"])
    assert {c["due_on"] for c in listed["items"]} == {"2026-12-07"}

    env.at(D(2026, 12, 9))
    resumed = env.api.decide("scjg_furong", app["id"], "REG", "resume")
    assert resumed.status_code == 200 and resumed.json()["suspension"] is None
    closed = env.api.get("scjg_furong", "/api/v1/cards").json()["items"]
    assert {(c["check"], c["delay_days"]) for c in closed} == {("special_procedure", 2)}


def deferred_before_the_rule(env: Env, app_id: int, code: str) -> None:
    """Mark a material 容缺 in the database, as an application submitted before 容缺 was
    refused at submission for a 即办件 would have it."""
    with env.world.sessions.begin() as session:
        app = session.get_one(Application, app_id)
        app.materials = [{**m, "provided": "deferred", "file": None} if m["code"] == code
                         else m for m in app.materials]


def test_an_immediate_item_cannot_be_accepted_with_deficiency(env: Env) -> None:
    scan = env.api.upload("zhang", "平面图.pdf").json()["id"]
    body = {"bundle": "SIGN_NOW", "region": "430102", "answers": {"premises": "owned"},
            "form": {}, "materials": {"FLOOR_PLAN": {"deferred": True}}}
    early = env.api.post("zhang", "/api/v1/applications", body)
    assert early.status_code == 422  # the applicant is told at once, not at the window
    [problem] = early.json()["errors"]
    assert problem["field"] == "materials.FLOOR_PLAN" and "即办件" in problem["message"]
    app = env.apply({"premises": "owned"}, {"FLOOR_PLAN": {"file": scan}}, bundle="SIGN_NOW")
    assert app["promised_days"] == 0
    deferred_before_the_rule(env, app["id"], "FLOOR_PLAN")
    refused = env.api.post("clerk_furong", f"/api/v1/applications/{app['id']}/acceptance",
                           {"decision": "accept_with_deficiency", "supplement_days": 1})
    assert refused.status_code == 409
    problem = refused.json()
    assert problem["code"] == "immediate_item_no_deficiency"
    assert "即办件不能容缺受理" in problem["detail"] and "承诺办结时限" in problem["detail"]
    returned = env.api.post("clerk_furong", f"/api/v1/applications/{app['id']}/acceptance",
                            {"decision": "return", "notice": [{"message": "请补交平面图"}]})
    assert returned.status_code == 200


def test_a_missed_supplement_period_terminates_the_case(env: Env) -> None:
    app = env.apply(RENTED, {"ID_CARD": "file", "LEASE": {"deferred": True}})
    too_long = env.api.post("clerk_furong", f"/api/v1/applications/{app['id']}/acceptance",
                            {"decision": "accept_with_deficiency", "supplement_days": 2})
    assert too_long.status_code == 422  # REG alone: 1 working day promised
    assert too_long.json()["errors"][0]["field"] == "supplement_days"
    accepted = env.api.post("clerk_furong", f"/api/v1/applications/{app['id']}/acceptance",
                            {"decision": "accept_with_deficiency", "supplement_days": 1})
    assert accepted.json()["supplement_due"] == "2026-11-24"
    assert env.api.decide("scjg_furong", app["id"], "REG").status_code == 200

    assert env.sweep(D(2026, 11, 24)).terminated == 0  # the last day of the period
    ended = env.sweep(D(2026, 11, 25))
    assert ended.terminated == 1 and not ended.raised  # an ended case is not carded
    assert env.sweep(D(2026, 11, 26)).terminated == 0  # once
    assert all(c["closed_at"] for c in _cards(env, "admin").json()["items"])

    seen = env.api.get("zhang", f"/api/v1/applications/{app['id']}").json()
    assert seen["status"] == "terminated"
    assert seen["status_name"] == "已终止（逾期未补齐容缺材料）"
    assert seen["notices"][-1]["title"] == "终止办理告知"
    assert "房屋租赁合同" in seen["notices"][-1]["text"]
    assert [t["status"] for t in seen["tasks"]] == ["approved"]
    assert env.api.get("zhang", "/api/v1/licences").json() == []  # held results stay held
    assert env.notifications("zhang")[-1][0] == f"【终止办理告知】办件 {seen['number']}"

    env.at(D(2026, 11, 26))
    lease = env.api.upload("zhang", "lease.pdf").json()["id"]
    late = env.api.post("zhang", f"/api/v1/applications/{app['id']}/supplement",
                        {"materials": {"LEASE": {"file": lease}}})
    assert late.status_code == 409
    assert late.json()["code"] == "supplement_period_over"
    assert "逾期未补齐材料的，终止办理" in late.json()["detail"]
    delivered = env.api.post("clerk_furong", f"/api/v1/applications/{app['id']}/delivery",
                             {"method": "window"})
    assert delivered.status_code == 409


def test_a_supplement_after_the_period_is_refused_before_the_sweep_runs(env: Env) -> None:
    app = env.apply(RENTED, {"ID_CARD": "file", "LEASE": {"deferred": True}})
    env.api.post("clerk_furong", f"/api/v1/applications/{app['id']}/acceptance",
                 {"decision": "accept_with_deficiency", "supplement_days": 1})
    env.at(D(2026, 11, 25))
    lease = env.api.upload("zhang", "lease.pdf").json()["id"]
    late = env.api.post("zhang", f"/api/v1/applications/{app['id']}/supplement",
                        {"materials": {"LEASE": {"file": lease}}})
    assert late.status_code == 409 and late.json()["code"] == "supplement_period_over"


def _cards(env: Env, who: str, **params: Any) -> Any:
    return env.api.get(who, "/api/v1/cards", params=params)


def test_cards_are_listed_filtered_and_paged(env: Env) -> None:
    waiting = env.apply(OWNED, {"ID_CARD": "file"})  # online, never accepted
    accepted = env.apply(OWNED, {"ID_CARD": "file"})
    env.api.post("clerk_furong", f"/api/v1/applications/{accepted['id']}/acceptance",
                 {"decision": "accept"})
    assert dict(env.sweep(D(2026, 11, 24)).raised) == {"warning": 2}  # REG and its case
    assert dict(env.sweep(D(2026, 12, 1)).raised) == {"warning": 1, "yellow": 3}

    everything = _cards(env, "supervisor_cs").json()
    assert everything["total"] == 6 and len(everything["items"]) == 6
    assert [c["raised_at"] for c in everything["items"]] == sorted(
        (c["raised_at"] for c in everything["items"]), reverse=True)  # newest first
    by = {(c["check"], c["kind"]) for c in everything["items"]}
    assert by == {("case", "warning"), ("case", "yellow"), ("pre_acceptance", "warning"),
                  ("pre_acceptance", "yellow")}
    waited = _cards(env, "supervisor_cs", check="pre_acceptance").json()["items"]
    assert {c["application_id"] for c in waited} == {waiting["id"]}
    assert all(c["office"] == "芙蓉区政务服务综合窗口" and c["department"] is None for c in waited)
    assert _cards(env, "supervisor_cs", kind="yellow").json()["total"] == 3
    assert _cards(env, "supervisor_cs", department="SCJG").json()["total"] == 2
    assert _cards(env, "supervisor_cs", department="window").json()["total"] == 4
    assert _cards(env, "supervisor_cs", region="430102", **{"from": "2026-12-01",
                                                            "to": "2026-12-01"}
                  ).json()["total"] == 4
    assert _cards(env, "supervisor_cs", **{"to": "2026-11-30"}).json()["total"] == 2
    first = _cards(env, "supervisor_cs", limit=4).json()
    second = _cards(env, "supervisor_cs", limit=4, offset=first["next_offset"]).json()
    assert first["next_offset"] == 4 and second["next_offset"] is None
    assert len({c["id"] for c in first["items"] + second["items"]}) == 6
    assert _cards(env, "scjg_furong").json()["total"] == 2  # the office's own
    assert _cards(env, "supervisor_zz").json()["total"] == 0  # another city
    assert _cards(env, "supervisor_cs", region="430200").status_code == 403
    unknown = _cards(env, "supervisor_cs", department="NOPE", check="hotline")
    assert unknown.status_code == 422
    assert {p["field"] for p in unknown.json()["errors"]} == {"department", "check"}
    assert _cards(env, "zhang").status_code == 403


def test_the_figures_agree_and_say_what_they_cannot_count(env: Env) -> None:
    app = env.apply(OWNED, {"ID_CARD": "file"})
    env.api.post("clerk_furong", f"/api/v1/applications/{app['id']}/acceptance",
                 {"decision": "accept"})
    env.apply(OWNED, {"ID_CARD": "file"})  # never accepted: carded at the window
    env.sweep(D(2026, 11, 27))
    env.at(D(2026, 11, 27))
    assert env.api.decide("scjg_furong", app["id"], "REG").status_code == 200  # 3 days late
    stats = env.api.get("supervisor_cs", "/api/v1/stats",
                        params={"month": "2026-11"}).json()
    assert stats["cards"] == {"warning": 3, "yellow": 2, "red": 0}
    assert stats["cards_total"] == sum(d["cards"] for d in stats["departments"]) == 5
    window = next(d for d in stats["departments"] if d["department"] == "")
    assert window["name"].startswith("综合窗口") and window["cards"] == 3
    assert stats["ratings"] == 0 and stats["good_rate"] is None  # nothing rated yet
    assert stats["completed"] == 1 and stats["on_time_rate"] == 0.0  # completed late
    # over the items decided in the period: REG, promised 1 working day, legal 15
    assert stats["promise_compression"] == round(1 - 1 / 15, 4)
    scjg = next(d for d in stats["departments"] if d["department"] == "SCJG")
    assert scjg["decided"] == 1 and scjg["promise_compression"] == stats["promise_compression"]
    by_department = env.api.get("supervisor_cs", "/api/v1/stats", params={
        "month": "2026-11", "department": "SCJG"}).json()
    assert by_department["cards_total"] == 2 == sum(
        d["cards"] for d in by_department["departments"])
    csv = env.api.get("supervisor_cs", "/api/v1/stats.csv", params={"month": "2026-11"}).text
    assert "承诺时限压缩率,0.9333" in csv and "好评率,\r\n" in csv


def test_written_notices_reach_the_applicant_and_their_proxy_while_the_consent_stands(
        env: Env) -> None:
    """A special procedure's notice and a termination's go to the applicant and to the proxy
    who applied for them; once the person revokes the consent, the proxy is told nothing."""
    api = env.api
    consent = api.post("clerk_furong", "/api/v1/consents",
                       {"proxy": "proxy1", "person": "zhang", "note": "书面授权"})
    assert consent.status_code == 201, consent.text
    ids = []
    for lease in ({"file": api.upload("zhang", "租赁合同.pdf").json()["id"]}, {"deferred": True}):
        scan = api.upload("zhang", "身份证.pdf").json()["id"]
        created = api.post("proxy1", "/api/v1/applications", {
            "bundle": "STORE", "region": "430102", "answers": RENTED, "applicant": "zhang",
            "form": FORM,
            "materials": {"ID_CARD": {"file": scan}, "LEASE": lease}})
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    suspended, deferred = ids
    api.post("clerk_furong", f"/api/v1/applications/{suspended}/acceptance",
             {"decision": "accept"})
    api.post("clerk_furong", f"/api/v1/applications/{deferred}/acceptance",
             {"decision": "accept_with_deficiency", "supplement_days": 1})
    assert api.decide("scjg_furong", suspended, "REG", "suspend", procedure="鉴定",
                      procedure_days=5, reason="租赁合同真伪需要鉴定").status_code == 200
    told = [s for s, _ in env.notifications("proxy1")]
    assert [s for s, _ in env.notifications("zhang")] == told and len(told) == 1
    assert told[0].startswith("【特别程序告知】")

    revoked = api.delete("clerk_furong", f"/api/v1/consents/{consent.json()['id']}")
    assert revoked.status_code in (200, 204), revoked.text
    assert env.sweep(D(2026, 11, 26)).terminated == 1  # the 容缺 period ended on 11-24
    assert [s for s, _ in env.notifications("zhang")][-1].startswith("【终止办理告知】")
    assert len(env.notifications("proxy1")) == 1  # nothing after the consent ended
