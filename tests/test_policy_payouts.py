"""Policy payouts through the API, on both databases: a 高龄津贴 beneficiary found from loaded
户籍 data, told, approved and paid month by month, and stopped the month after a loaded
death record; a 稳岗返还 company matched from loaded 社保 data confirms its account, goes
through 公示 (working days; an objection recorded and decided) and is paid once; a person
the calculator finds not qualifying appeals; the database refuses a second payout for one
period. And the flow's table itself."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from onething.cases.models import Application
from onething.catalog.models import CatalogVersion
from onething.identity.models import User
from onething.kernel.db import unit_of_work
from onething.kernel.principal import Role
from onething.outbox.models import Notification
from onething.policies.flow import MatchStatus, Move, Steps, next_status, refusal
from onething.policies.matching import match
from onething.policies.models import Payout, PolicyMatch
from onething.policies.recheck import stop_unqualified
from onething.policies.service import load
from onething.profiles import service as profiles
from world import Api, Clock, World

PEOPLE = [("zhangyi", Role.applicant, None, None), ("boss", Role.applicant, None, None),
          ("neighbour", Role.applicant, None, None),
          ("mz", Role.approver, "430100", "MZ"), ("rs", Role.approver, "430100", "RS"),
          ("scjg", Role.approver, "430102", "SCJG")]
ZHANG, LI, YOUNG = "430102194001011235", "430102192505050028", "43010219500101123X"
BOSS = "430102199001011238"
SHOP = "91430102QJ3982JB2G"
HUJI = "id_number,name,birth_date,household_region,died_on,as_of\n"
DECEMBER, JANUARY, FEBRUARY = dt.date(2026, 12, 1), dt.date(2027, 1, 4), dt.date(2027, 2, 1)
ACCOUNT = {"account_name": "长沙稳岗制造有限公司", "account_bank": "中国工商银行长沙芙蓉支行",
           "account_number": "1901 0000 0000 1234 567", "amount": "7200.00"}


@pytest.fixture
def world(demo_world: World) -> World:
    with unit_of_work(demo_world.sessions) as session:
        for username, number in (("zhangyi", ZHANG), ("boss", BOSS), ("neighbour", YOUNG)):
            session.execute(update(User).where(User.username == username).values(
                id_number=number))
    return demo_world


def at(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 2, 0, tzinfo=dt.UTC)


def loaded(world: World, code: str, path: Path, day: dt.date) -> None:
    with unit_of_work(world.sessions) as session:
        load(session, world.catalog, code, path, day, at(day))


def run(world: World, code: str, day: dt.date) -> int:
    """The worker's daily run for one policy: match, then stop who no longer qualifies."""
    with unit_of_work(world.sessions) as session:
        match(session, world.catalog, code, day, at(day))
        return stop_unqualified(session, world.catalog, code, day, at(day))


def told(world: World, username: str) -> list[str]:
    with world.sessions() as session:
        user = session.scalar(select(User.id).where(User.username == username))
        return list(session.scalars(select(Notification.subject).where(
            Notification.recipient_id == user).order_by(Notification.id)))


def ok(answer: Any, status: int = 200) -> Any:
    assert answer.status_code == status, answer.text
    return answer.json()


def refused(answer: Any, status: int, code: str) -> str:
    assert answer.status_code == status, answer.text
    assert answer.json()["code"] == code, answer.text
    return str(answer.json()["detail"])


def rows_of(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_the_elderly_allowance_is_paid_monthly_and_stops_the_month_after_death(
        api: Api, world: World, clock: Clock, tmp_path: Path) -> None:
    huji = tmp_path / "huji.csv"
    huji.write_text(HUJI + f"{ZHANG},张一,1940-01-01,430102,,2026-11-30\n"
                    f"{LI},李二,1925-05-05,430103,,2026-11-30\n", encoding="utf-8")
    loaded(world, "HUJI", huji, DECEMBER)
    clock.now = at(DECEMBER)
    assert run(world, "ELDERLY_ALLOWANCE", DECEMBER) == 0
    mine = ok(api.get("zhangyi", "/api/v1/policy-matches"))
    assert [(m["policy"], m["period"], m["amount"], m["status"], m["status_name"])
            for m in mine] == [("ELDERLY_ALLOWANCE", "2026-12", "50.00", "matched", "待审核发放")]
    assert mine[0]["holder"] == "4301**********1235"
    assert told(world, "zhangyi") == ["您符合“高龄津贴”政策"]
    match_id = mine[0]["id"]
    # nothing to confirm for a 免申即享 allowance; only 民政 approves it
    refused(api.post("zhangyi", f"/api/v1/policy-matches/{match_id}/confirmation", ACCOUNT),
            409, "illegal_transition")
    refused(api.post("zhangyi", f"/api/v1/policy-matches/{match_id}/approval"), 403,
            "not_policy_department")
    refused(api.post("scjg", f"/api/v1/policy-matches/{match_id}/approval"), 403,
            "not_policy_department")
    refused(api.post("mz", "/api/v1/policies/ELDERLY_ALLOWANCE/payout-batches", {}), 409,
            "nothing_to_pay")  # none approved yet
    assert ok(api.post("mz", "/api/v1/policies/ELDERLY_ALLOWANCE/approval", {})) == {
        "approved": 2}
    batch = ok(api.post("mz", "/api/v1/policies/ELDERLY_ALLOWANCE/payout-batches", {}), 201)
    assert (batch["period"], batch["count"], batch["total"]) == ("2026-12", 2, "1050.00")
    refused(api.post("mz", "/api/v1/policies/ELDERLY_ALLOWANCE/payout-batches", {}), 409,
            "nothing_to_pay")  # a second batch pays nobody twice
    file = api.get("mz", f"/api/v1/payout-batches/{batch['id']}/file")
    assert file.status_code == 200 and "attachment" in file.headers["content-disposition"]
    rows = rows_of(file.content)
    assert rows[0][:6] == ["序号", "收款人", "证件号码", "开户银行（发放渠道）", "账号",
                           "金额（元）"]
    assert [r[:6] for r in rows[1:3]] == [["1", "李二", LI, "社会保障卡", "", "1000.00"],
                                          ["2", "张一", ZHANG, "社会保障卡", "", "50.00"]]
    assert rows[-1][:2] == ["合计", "2 笔"] and rows[-1][5] == "1050.00"
    refused(api.get("rs", f"/api/v1/payout-batches/{batch['id']}/file"), 403,
            "not_policy_department")
    assert ok(api.get("zhangyi", "/api/v1/policy-matches"))[0]["status"] == "paid"
    assert told(world, "zhangyi")[-1] == "“高龄津贴”已发放"

    # 张一 died on 20 December, 李二 on 2 January: paid for the month of death, not after
    death = tmp_path / "death.csv"
    death.write_text(HUJI + f"{ZHANG},张一,1940-01-01,430102,2026-12-20,2027-01-03\n"
                     f"{LI},李二,1925-05-05,430103,2027-01-02,2027-01-03\n", encoding="utf-8")
    loaded(world, "HUJI", death, JANUARY)
    assert run(world, "ELDERLY_ALLOWANCE", JANUARY) == 1
    assert run(world, "ELDERLY_ALLOWANCE", JANUARY) == 0  # repeated: nobody stopped twice
    with world.sessions() as session:
        january = {m.holder_key: m for m in session.scalars(select(PolicyMatch).where(
            PolicyMatch.period == "2027-01"))}
    assert {k: m.status for k, m in january.items()} == {ZHANG: "stopped", LI: "matched"}
    assert january[ZHANG].amount == 0
    assert january[ZHANG].note == "户籍信息中无本月之前的死亡登记（死亡次月停发）"
    assert told(world, "zhangyi").count("“高龄津贴”停发通知") == 1
    mine = ok(api.get("zhangyi", "/api/v1/policy-matches"))
    assert [(m["period"], m["status_name"]) for m in mine] == [("2027-01", "已停发"),
                                                                ("2026-12", "已发放")]
    assert run(world, "ELDERLY_ALLOWANCE", FEBRUARY) == 1  # 李二 from February
    with world.sessions() as session:
        assert dict(session.execute(select(PolicyMatch.holder_key, PolicyMatch.status).where(
            PolicyMatch.period == "2027-02")).all()) == {LI: "stopped"}


def test_one_payout_per_holder_and_period_is_a_database_rule(api: Api, world: World) -> None:
    with unit_of_work(world.sessions) as session:
        session.execute(insert(PolicyMatch), [
            {"policy_code": "ELDERLY_ALLOWANCE", "holder_kind": "person", "holder_key": ZHANG,
             "period": p, "amount": Decimal("50"), "status": "approved", "facts": {},
             "matched_at": at(DECEMBER)} for p in ("2026-12", "2027-01")])
    batch = ok(api.post("mz", "/api/v1/policies/ELDERLY_ALLOWANCE/payout-batches",
                        {"period": "2026-12"}), 201)
    with world.sessions() as session:
        first, second = session.scalars(select(PolicyMatch.id).order_by(PolicyMatch.period))
    row = {"batch_id": batch["id"], "policy_code": "ELDERLY_ALLOWANCE", "holder_key": ZHANG,
           "period": "2026-12", "amount": Decimal("50"), "payee": "张一",
           "account_bank": "社会保障卡", "account_number": ""}
    with pytest.raises(IntegrityError), unit_of_work(world.sessions) as session:
        session.execute(insert(Payout), [row | {"match_id": second}])  # same period
    with pytest.raises(IntegrityError), unit_of_work(world.sessions) as session:
        session.execute(insert(Payout), [row | {"match_id": first, "period": "2027-01"}])
    # January paid behind the flow's back: a batch of it is refused whole
    with unit_of_work(world.sessions) as session:
        session.execute(insert(Payout), [row | {"match_id": second, "period": "2027-01"}])
    refused(api.post("mz", "/api/v1/policies/ELDERLY_ALLOWANCE/payout-batches",
                     {"period": "2027-01"}), 409, "already_paid")
    assert [b["id"] for b in ok(api.get("mz", "/api/v1/payout-batches"))] == [batch["id"]]


def company(world: World) -> None:
    """SHOP, registered by a 营业执照 with boss as its legal representative."""
    with world.as_("mz") as ctx:
        session = ctx.session
        version = session.scalar(select(CatalogVersion.id).order_by(CatalogVersion.id.desc()))
        boss = session.scalar(select(User.id).where(User.username == "boss"))
        app_id = session.execute(insert(Application).returning(Application.id), [{
            "number": "TEST-SHOP-1", "bundle_code": next(iter(world.catalog.bundles)),
            "catalog_version_id": version, "catalog_version": "test", "applicant_id": boss,
            "submitted_by_id": boss, "channel": "web", "region_code": "430102",
            "status": "completed", "answers": {}, "form": {}, "materials": [], "guide": {},
            "promised_days": 1, "deficient": False, "submitted_at": at(DECEMBER),
            "version": 1}]).scalar_one()
        profiles.record_company(session, uscc=SHOP, name="长沙稳岗制造有限公司", kind="企业",
                                legal_rep_name="王老板", legal_rep_id_number=BOSS,
                                region_code="430102", licence_number="T1",
                                application_id=app_id, now=at(DECEMBER))


def test_a_job_retention_refund_confirmed_publicized_and_paid_once(
        api: Api, world: World, clock: Clock, tmp_path: Path) -> None:
    company(world)
    shebao = tmp_path / "shebao.jsonl"
    shebao.write_text("\n".join(json.dumps({"uscc": SHOP, "month": f"{y}-{m:02d}",
                                            "paid": 1000, "insured": 18})
                                for y, months in ((2025, range(1, 13)), (2026, range(1, 12)))
                                for m in months), encoding="utf-8")
    staff = tmp_path / "staff.csv"
    staff.write_text(f"uscc,staff_at_start,laid_off\n{SHOP},20,2\n", encoding="utf-8")
    loaded(world, "SHEBAO", shebao, DECEMBER)
    loaded(world, "STAFF", staff, DECEMBER)
    clock.now = at(DECEMBER)  # a Tuesday
    run(world, "JOB_RETENTION_REFUND", DECEMBER)
    [found] = ok(api.get("boss", "/api/v1/policy-matches"))
    assert (found["period"], found["amount"], found["status_name"]) == ("2026", "7200.00",
                                                                        "待确认")
    path = f"/api/v1/policy-matches/{found['id']}"
    refused(api.post("neighbour", f"{path}/confirmation", ACCOUNT), 404, "match_not_found")
    refused(api.post("rs", f"{path}/approval"), 409, "illegal_transition")  # not confirmed
    assert "7200.00" in refused(api.post("boss", f"{path}/confirmation", ACCOUNT | {
        "amount": "8000"}), 422, "amount_differs")
    answer = api.post("boss", f"{path}/confirmation", ACCOUNT | {"account_number": "12ab"})
    assert refused(answer, 422, "invalid_account")
    assert [p["field"] for p in answer.json()["errors"]] == ["account_number"]
    confirmed = ok(api.post("boss", f"{path}/confirmation", ACCOUNT))
    # 5 working days from the day after: 2, 3, 4, 7 and 8 December
    assert (confirmed["status"], confirmed["publicity_until"]) == ("in_publicity", "2026-12-08")
    assert confirmed["account"] == "中国工商银行长沙芙蓉支行 **** 4567"
    refused(api.post("boss", f"{path}/confirmation", ACCOUNT), 409, "illegal_transition")
    assert "2026-12-08" in refused(api.post("rs", f"{path}/approval"), 409,
                                   "illegal_transition")  # still in 公示

    [shown] = ok(api.get("neighbour", "/api/v1/policy-publicity"))
    assert (shown["name"], shown["holder"], shown["amount"]) == (
        "长沙稳岗制造有限公司", "9143**********JB2G", "7200.00")
    objection = ok(api.post("neighbour", f"{path}/objections",
                            {"reason": "该企业今年裁员较多"}), 201)
    refused(api.post("neighbour", f"/api/v1/policy-objections/{objection['id']}/decision",
                     {"upheld": False, "answer": "不成立"}), 403, "not_policy_department")
    clock.now = at(dt.date(2026, 12, 9))
    api.tokens.clear()  # the sessions of a week ago have expired
    assert ok(api.get("neighbour", "/api/v1/policy-publicity")) == []
    refused(api.post("neighbour", f"{path}/objections", {"reason": "还有异议"}), 409,
            "publicity_ended")
    assert "异议" in refused(api.post("rs", f"{path}/approval"), 409, "illegal_transition")
    assert [o["id"] for o in ok(api.get("rs", "/api/v1/policy-objections"))] == [
        objection["id"]]
    decided = ok(api.post("rs", f"/api/v1/policy-objections/{objection['id']}/decision",
                          {"upheld": False, "answer": "经核实裁员率符合规定"}))
    assert decided["decision"] == "dismissed"
    refused(api.post("rs", f"/api/v1/policy-objections/{objection['id']}/decision",
                     {"upheld": True, "answer": "再议"}), 409, "objection_decided")
    assert told(world, "neighbour") == ["您提出的公示异议已处理"]
    assert ok(api.post("rs", f"{path}/approval"))["status"] == "approved"

    batch = ok(api.post("rs", "/api/v1/policies/JOB_RETENTION_REFUND/payout-batches",
                        {"period": "2026"}), 201)
    assert (batch["count"], batch["total"]) == (1, "7200.00")
    refused(api.post("rs", "/api/v1/policies/JOB_RETENTION_REFUND/payout-batches",
                     {"period": "2026"}), 409, "nothing_to_pay")
    rows = rows_of(api.get("rs", f"/api/v1/payout-batches/{batch['id']}/file").content)
    assert rows[1][:6] == ["1", "长沙稳岗制造有限公司", SHOP, "中国工商银行长沙芙蓉支行",
                           "1901000000001234567", "7200.00"]
    assert rows[-1][5] == "7200.00"
    assert [b["id"] for b in ok(api.get("rs", "/api/v1/payout-batches"))] == [batch["id"]]
    assert ok(api.get("mz", "/api/v1/payout-batches")) == []  # another department's
    assert "已发放" in refused(api.post("boss", f"{path}/confirmation", ACCOUNT), 409,
                               "illegal_transition")
    assert told(world, "boss") == ["您符合“失业保险稳岗返还”政策", "“失业保险稳岗返还”确认成功",
                                   "“失业保险稳岗返还”已发放"]


def test_an_objection_upheld_rejects_the_match(api: Api, world: World, clock: Clock) -> None:
    with unit_of_work(world.sessions) as session:
        session.execute(insert(PolicyMatch), [{
            "policy_code": "JOB_RETENTION_REFUND", "holder_kind": "company",
            "holder_key": SHOP, "period": "2026", "amount": Decimal("100"),
            "status": "in_publicity", "facts": {}, "matched_at": at(DECEMBER),
            "publicity_until": dt.date(2026, 12, 8), "account_name": "某公司"}])
        match_id = session.scalar(select(PolicyMatch.id))
    clock.now = at(DECEMBER)
    objection = ok(api.post("zhangyi", f"/api/v1/policy-matches/{match_id}/objections",
                            {"reason": "该企业已停业"}), 201)
    ok(api.post("rs", f"/api/v1/policy-objections/{objection['id']}/decision",
                {"upheld": True, "answer": "经核实该企业已停业"}))
    refused(api.post("rs", f"/api/v1/policy-matches/{match_id}/approval"), 409,
            "illegal_transition")
    with world.sessions() as session:
        rejected = session.get(PolicyMatch, match_id)
        assert rejected is not None
        assert (rejected.status, rejected.note) == ("rejected", "经核实该企业已停业")


def test_a_person_appeals_a_non_match(api: Api, world: World, clock: Clock,
                                      tmp_path: Path) -> None:
    huji = tmp_path / "huji.csv"
    huji.write_text(HUJI + f"{YOUNG},赵四,1950-01-01,430102,,2026-11-30\n", encoding="utf-8")
    loaded(world, "HUJI", huji, DECEMBER)
    clock.now = at(DECEMBER)
    appeal = {"policy": "ELDERLY_ALLOWANCE", "reason": "户籍登记的出生日期有误，实际已满 80 周岁"}
    made = ok(api.post("neighbour", "/api/v1/policy-appeals", appeal), 201)
    assert (made["unmet"], made["period"], made["decision"]) == ("年满 80 周岁", "2026-12", None)
    refused(api.post("neighbour", "/api/v1/policy-appeals", appeal), 409, "appeal_pending")
    refused(api.post("mz", "/api/v1/policy-appeals", appeal), 403, "role_not_allowed")
    assert [a["id"] for a in ok(api.get("mz", "/api/v1/policy-appeals"))] == [made["id"]]
    assert ok(api.get("rs", "/api/v1/policy-appeals")) == []
    decision = f"/api/v1/policy-appeals/{made['id']}/decision"
    answer = api.post("mz", decision, {"upheld": True, "answer": "经公安核实出生日期为 1940 年"})
    assert [p["field"] for p in answer.json()["errors"]] == ["amount"]
    decided = ok(api.post("mz", decision, {"upheld": True, "amount": "50",
                                           "answer": "经公安核实出生日期为 1940 年"}))
    assert decided["decision"] == "upheld" and decided["match_id"]
    [by_hand] = ok(api.get("neighbour", "/api/v1/policy-matches"))
    assert (by_hand["period"], by_hand["amount"], by_hand["note"]) == (
        "2026-12", "50.00", "经公安核实出生日期为 1940 年")
    assert told(world, "neighbour") == ["“高龄津贴”申诉处理结果"]
    refused(api.post("mz", decision, {"upheld": False, "answer": "再议"}), 409,
            "appeal_decided")


def test_the_flow_table() -> None:
    both, none = Steps(confirm=True, publicity=True), Steps(confirm=False, publicity=False)
    confirm_only = Steps(confirm=True, publicity=False)
    assert next_status(MatchStatus.matched, Move.confirm, both) == MatchStatus.confirmed
    assert next_status(MatchStatus.matched, Move.confirm, none) is None
    assert next_status(MatchStatus.matched, Move.approve, none) == MatchStatus.approved
    assert next_status(MatchStatus.matched, Move.approve, both) is None  # confirm first
    assert next_status(MatchStatus.confirmed, Move.approve, both) is None  # 公示 first
    assert next_status(MatchStatus.confirmed, Move.approve, confirm_only) == MatchStatus.approved
    assert next_status(MatchStatus.confirmed, Move.publicize, both) == MatchStatus.in_publicity
    assert next_status(MatchStatus.in_publicity, Move.approve, both) == MatchStatus.approved
    assert next_status(MatchStatus.in_publicity, Move.uphold, both) == MatchStatus.rejected
    assert next_status(MatchStatus.approved, Move.pay, both) == MatchStatus.paid
    for status in (MatchStatus.paid, MatchStatus.rejected, MatchStatus.stopped):
        for move in Move:
            assert next_status(status, move, both) is None
    assert refusal(MatchStatus.paid, Move.confirm, both) == "该待遇已发放"
    assert refusal(MatchStatus.paid, Move.pay, both) == "该待遇已发放"
    assert refusal(MatchStatus.approved, Move.uphold, both) == "公示已结束，不能再处理异议"
    assert refusal(MatchStatus.in_publicity, Move.confirm, both) == "已确认过收款账户和金额"
