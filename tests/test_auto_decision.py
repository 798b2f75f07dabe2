"""智能办 (秒批) and 信用: an item with an automatic rule is decided by the platform when its
task opens if the rule holds (the facts it read on the timeline and in the audit trail), and
goes to people with the condition not met otherwise; a 失信 record removes 容缺, 告知承诺
and 秒批 for its holder, and 信用修复 restores them. Through the API and the pages, on both
databases; the catalog refuses a bad rule at its file:line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from onething.audit.models import AuditRecord
from onething.catalog.validate import validate_directory
from onething.credit.loading import CreditInvalid, load
from onething.credit.models import CreditRecord
from onething.identity.models import User
from onething.kernel.db import session_factory, unit_of_work
from onething.kernel.principal import Role
from onething.policies import service as shared
from samples import ID_NUMBER
from world import MONDAY, Api, World, build_world

AUTO = Path(__file__).parent / "catalogs" / "auto"
PEOPLE: list[tuple[str, Role, str | None, str | None]] = [
    ("zhang", Role.applicant, None, None), ("li", Role.applicant, None, None),
    ("clerk_furong", Role.clerk, "430102", None),
    ("rs_furong", Role.approver, "430102", "RS"), ("yb_furong", Role.approver, "430102", "YB"),
    ("fgw_furong", Role.approver, "430102", "FGW"),
    ("supervisor_cs", Role.supervisor, "430100", None), ("proxy1", Role.proxy, "430102", None)]
FORM = {"applicant_name": "张三", "id_number": ID_NUMBER, "insured_years": 30}
TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def world(engine: Engine, tmp_path: Path) -> World:
    """The auto catalog; zhang's account carries his ID number (the key of shared data)."""
    made = build_world(session_factory(engine), AUTO, tmp_path / "files", PEOPLE)
    with unit_of_work(made.sessions) as session:
        session.execute(update(User).where(User.username == "zhang").values(
            id_number=ID_NUMBER))
    return made


def huji(world: World, tmp_path: Path, region: str = "430102") -> None:
    """公安 shares zhang's household register."""
    path = tmp_path / "huji.csv"
    path.write_text(f"id_number,name,household_region\n{ID_NUMBER},张三,{region}\n",
                    encoding="utf-8")
    with unit_of_work(world.sessions) as session:
        shared.load(session, world.catalog, "HUJI", path, TODAY, MONDAY)


def blacklisted(world: World, tmp_path: Path) -> None:
    """A 失信 list of another department names zhang's ID number (he needs no account)."""
    path = tmp_path / "credit.csv"
    path.write_text(
        "id_number,name,kind,source,reference,reason,valid_from,valid_until\n"
        f"{ID_NUMBER},张三,失信,长沙市市场监督管理局,长市监罚〔2026〕88号,"
        "销售过期食品，拒不履行行政处罚决定,2026-01-05,2029-01-04\n", encoding="utf-8")
    with unit_of_work(world.sessions) as session:
        assert load(session, path, MONDAY).added == 1


def apply(api: Api, bundle: str = "PENSION", form: dict[str, Any] | None = None,
          living: dict[str, Any] | None = None) -> Any:
    scan = api.upload("zhang", "身份证.pdf").json()["id"]
    materials = ({"ID_CARD": {"file": scan}, "LIVING_PROOF": living or {"file": scan}}
                 if bundle == "PENSION" else {"REPAIR_APPLICATION": {"file": scan}})
    return api.post("zhang", "/api/v1/applications", {
        "bundle": bundle, "region": "430102", "answers": {}, "channel": "web",
        "form": form or FORM, "materials": materials})


def accepted(api: Api, **kw: Any) -> dict[str, Any]:
    created = apply(api, **kw)
    assert created.status_code == 201, created.text
    app_id = created.json()["id"]
    done = api.post("clerk_furong", f"/api/v1/applications/{app_id}/acceptance",
                    {"decision": "accept"})
    assert done.status_code == 200, done.text
    return dict(api.get("clerk_furong", f"/api/v1/applications/{app_id}").json())


def task(app: dict[str, Any], item: str) -> dict[str, Any]:
    return next(t for t in app["tasks"] if t["item"] == item)


def test_an_automatic_item_is_decided_by_the_system_when_its_rule_holds(
        api: Api, world: World, tmp_path: Path) -> None:
    huji(world, tmp_path)
    app = accepted(api)
    qualify, transfer = task(app, "QUALIFY"), task(app, "TRANSFER")
    assert (qualify["status"], qualify["auto_approved"]) == ("approved", True)
    assert qualify["reason"] == "符合秒批条件，系统自动准予" and qualify["actions"] == []
    facts = qualify["auto_check"]["facts"]
    assert facts["profile"] == {"age": 76, "huji": {"household_region": "430102"}}
    assert facts["form"] == {"insured_years": 30} and facts["credit"]["bad"] is False
    # its licence opened the second stage, whose rule reads it: decided at once as well
    assert (transfer["status"], transfer["auto_approved"]) == ("approved", True)
    assert transfer["auto_check"]["facts"]["licences"] == ["QUALIFIED"]
    assert app["status"] == "completed"
    steps = [(e["action"], e["actor"]) for e in app["timeline"]]
    assert ("auto_approve", None) in steps and steps[-1][0] == "complete"
    [licence] = api.get("zhang", "/api/v1/licences").json()
    assert licence["name"] == "待遇资格认证结果"
    with world.sessions() as session:
        trail = session.scalars(select(AuditRecord).where(
            AuditRecord.action == "auto_approve")).all()
    assert {r.role for r in trail} == {"system"}
    assert trail[0].after is not None and trail[0].after["facts"]["profile"]["age"] == 76
    world.sign_in(api.client, "zhang")
    page = api.client.get(f"/applications/{app['id']}").text
    assert "秒批（系统自动准予）" in page and "户籍所在地 430102" in page


def test_when_the_rule_does_not_hold_people_decide_and_see_the_condition_not_met(
        api: Api, world: World, tmp_path: Path) -> None:
    huji(world, tmp_path, region="430200")  # registered in 株洲
    app = accepted(api, form={**FORM, "insured_years": 30})
    qualify = task(app, "QUALIFY")
    assert (qualify["status"], qualify["auto_approved"]) == ("pending", False)
    assert qualify["auto_check"]["unmet"] == "户籍在长沙市"
    assert task(app, "TRANSFER")["status"] == "waiting"
    step = next(e for e in app["timeline"] if e["action"] == "auto_referred")
    assert step["reason"] == "不符合秒批条件：户籍在长沙市"
    world.sign_in(api.client, "rs_furong")
    page = api.client.get(f"/applications/{app['id']}").text
    assert "未通过秒批，转人工办理。" in page and "不符合的条件：户籍在长沙市" in page
    assert "户籍所在地 430200" in page
    api.client.cookies.clear()

    assert api.decide("rs_furong", app["id"], "QUALIFY").status_code == 200
    after = api.get("zhang", f"/api/v1/applications/{app['id']}").json()
    assert task(after, "TRANSFER")["auto_approved"] is True  # the next stage is automatic
    assert after["status"] == "completed"

    huji(world, tmp_path)  # moved to 长沙: now only the years fall short
    few_years = accepted(api, form={**FORM, "insured_years": 10})
    assert task(few_years, "QUALIFY")["auto_check"]["unmet"] == "参保满 15 年"

    stats = api.get("supervisor_cs", "/api/v1/stats", params={"month": "2026-11"}).json()
    shares = {i["item"]: (i["decided"], i["automatic"]) for i in stats["items"]}
    assert shares == {"QUALIFY": (1, 0), "TRANSFER": (1, 1)}
    world.sign_in(api.client, "supervisor_cs")
    assert "秒批率" in api.client.get("/dashboard?month=2026-11").text


def test_without_shared_data_people_decide(api: Api, world: World) -> None:
    app = accepted(api)  # no household register shared about zhang
    assert task(app, "QUALIFY")["auto_check"]["unmet"] == "户籍在长沙市"
    with unit_of_work(world.sessions) as session:  # an account without an ID number
        session.execute(update(User).where(User.username == "zhang").values(id_number=None))
    app = accepted(api)
    assert task(app, "QUALIFY")["auto_check"]["unmet"] == (
        "年满 60 周岁（共享数据或申请信息中缺少比对所需的信息）")


def test_bad_credit_removes_every_option_and_credit_repair_restores_them(
        api: Api, world: World, tmp_path: Path) -> None:
    huji(world, tmp_path)
    assert all(a["allowed"] for a in api.get("zhang", "/api/v1/credit").json()["may_use"])
    blacklisted(world, tmp_path)

    mine = api.get("zhang", "/api/v1/credit").json()
    assert [(a["option"], a["allowed"]) for a in mine["may_use"]] == [
        ("deficiency", False), ("commitment", False), ("auto_approval", False)]
    assert "信用修复前不适用秒批" in mine["may_use"][2]["reason"]
    [record] = mine["records"]
    assert (record["kind_name"], record["source_name"], record["in_force"]) == (
        "失信", "长沙市市场监督管理局", True)
    seen = api.get("clerk_furong", "/api/v1/credit/holders", params={"key": ID_NUMBER}).json()
    assert seen["holder"] == "1101**********002X" and not seen["may_use"][0]["allowed"]
    submitted = apply(api).json()["id"]  # the window sees it on the case it handles
    world.sign_in(api.client, "clerk_furong")
    shown = api.client.get(f"/applications/{submitted}").text
    assert "信用修复前不适用容缺受理、告知承诺、秒批" in shown
    api.client.cookies.clear()

    refused = apply(api, living={"commitment": True})
    assert refused.status_code == 422
    assert "失信" in {e["field"]: e["message"] for e in refused.json()["errors"]}[
        "materials.LIVING_PROOF"]
    app = accepted(api)
    qualify = task(app, "QUALIFY")
    assert qualify["status"] == "pending"
    assert "信用修复前不适用秒批" in qualify["auto_check"]["unmet"]

    repair = accepted(api, bundle="REPAIR", form={"applicant_name": "张三"})
    assert api.decide("fgw_furong", repair["id"], "REPAIR").status_code == 200
    repaired = api.get("zhang", f"/api/v1/applications/{repair['id']}").json()
    step = next(e for e in repaired["timeline"] if e["action"] == "repair_credit")
    assert "长沙市市场监督管理局" in step["reason"]
    mine = api.get("zhang", "/api/v1/credit").json()
    assert all(a["allowed"] for a in mine["may_use"])
    assert mine["records"][0]["repaired_at"] is not None
    assert not mine["records"][0]["in_force"]

    again = accepted(api, living={"commitment": True})
    assert task(again, "QUALIFY")["auto_approved"] is True
    world.sign_in(api.client, "zhang")
    page = api.client.get("/credit").text
    assert "已修复" in page and "可以适用" in page


def test_a_ruling_is_recorded_by_an_office_and_bad_input_is_refused(
        api: Api, world: World) -> None:
    body = {"key": ID_NUMBER, "name": "张三", "kind": "good", "reason": "连续三年纳税信用 A 级",
            "reference": "长发改信用〔2026〕3号", "valid_from": "2026-01-01",
            "valid_until": "2028-12-31"}
    made = api.post("fgw_furong", "/api/v1/credit/records", body)
    assert made.status_code == 201, made.text
    assert (made.json()["source_name"], made.json()["kind_name"]) == ("芙蓉区发展和改革委员会",
                                                                       "守信")
    mine = api.get("zhang", "/api/v1/credit").json()
    assert "守信" in mine["may_use"][0]["reason"] and mine["may_use"][0]["allowed"]
    assert api.post("zhang", "/api/v1/credit/records", body).status_code == 403
    wrong = api.post("fgw_furong", "/api/v1/credit/records", {
        **body, "key": "110105194912310021", "valid_until": "2025-01-01"})
    assert wrong.status_code == 422
    assert {e["field"] for e in wrong.json()["errors"]} == {"key", "valid_until"}
    assert api.get("clerk_furong", "/api/v1/credit/holders",
                   params={"key": "123"}).status_code == 422
    assert api.get("proxy1", "/api/v1/credit/holders",
                   params={"key": ID_NUMBER}).status_code == 403
    with world.sessions() as session:
        assert session.scalar(select(AuditRecord.id).where(
            AuditRecord.action == "record_credit")) is not None


def test_a_malformed_credit_file_is_refused_at_its_lines_and_nothing_is_written(
        world: World, tmp_path: Path) -> None:
    path = tmp_path / "credit.csv"
    path.write_text(
        "id_number,uscc,name,kind,source,reference,reason,valid_from,valid_until\n"
        f"{ID_NUMBER},,张三,失信,某局,文1,事由,2026-01-01,2027-01-01\n"
        "110105194912310021,,李四,失信,某局,文2,事由,2026-01-01,2027-01-01\n"
        ",91430102MA4L0000X1,某公司,黑名单,某局,文3,事由,2026-01-01,2027-01-01\n"
        f"{ID_NUMBER},,张三,守信,某局,文4,事由,2026-02-30,2027-01-01\n"
        f"{ID_NUMBER},,张三,守信,某局,文5,事由,2027-01-01,2026-01-01\n", encoding="utf-8")
    with pytest.raises(CreditInvalid) as refused, unit_of_work(world.sessions) as session:
        load(session, path, MONDAY)
    lines = refused.value.report.problems
    assert [line.split(": ")[0] for line in lines] == [
        "credit.csv:3", "credit.csv:4", "credit.csv:5", "credit.csv:6"]
    assert "校验位" in lines[0] and "1101" in lines[0] and "110105194912310021" not in lines[0]
    assert "统一社会信用代码" in lines[1] or "kind" in lines[1]
    assert "valid_from（2026-02-30）" in lines[2] and "早于" in lines[3]
    with world.sessions() as session:
        assert session.scalars(select(CreditRecord)).all() == []


# --- the catalog refuses a bad automatic rule at its file:line ----------------------------


def refusals(tmp_path: Path, rule: str, extra: str = "") -> list[str]:
    text = (AUTO / "catalog.yaml").read_text(encoding="utf-8").replace(
        "'QUALIFIED' in licences && !credit.bad", rule) + extra
    (tmp_path / "catalog.yaml").write_text(text, encoding="utf-8")
    document, problems = validate_directory(tmp_path)
    assert document is None
    line = next(n for n, t in enumerate(text.splitlines(), 1) if rule in t)
    assert all(p.line == line for p in problems if "TRANSFER" in p.message)
    return [p.message for p in problems]


@pytest.mark.parametrize(("rule", "said"), [
    ("'QUALIFIED' in licences &&", "表达式语法错误"),
    ("salary > 3", "用到未知变量 salary"),
    ("profile.huji.hukou == '430102'", "用到没有的数据项"),
    ("form.insured_years > 1.0", "用到表单字段 insured_years，但该事项没有这个字段"),
    ("form.applicant_name", "的结果不是真/假"),
])
def test_a_bad_automatic_rule_is_refused_at_its_line(tmp_path: Path, rule: str,
                                                     said: str) -> None:
    [message] = refusals(tmp_path, rule)
    assert message.startswith("事项 TRANSFER 的秒批条件") and said in message


def test_an_item_whose_result_an_office_fills_cannot_be_automatic(tmp_path: Path) -> None:
    text = (AUTO / "catalog.yaml").read_text(encoding="utf-8").replace(
        "result: {licence_type: QUALIFIED, name: 待遇资格认证结果}",
        "result: {licence_type: QUALIFIED, name: 待遇资格认证结果, fills: [insured_years]}")
    (tmp_path / "catalog.yaml").write_text(text, encoding="utf-8")
    _, problems = validate_directory(tmp_path)
    assert [str(p).split(": ", 1)[1] for p in problems] == [
        "事项 QUALIFY 的秒批条件：办结时须由部门填写 insured_years，不能由系统自动准予"]
