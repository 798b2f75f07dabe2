"""双随机、一公开: a joint inspection task from the check list to published results, with
回避, through the API and through the staff pages as a person uses them, on both databases;
the refusals (a ratio outside (0, 1], too few inspectors, a pool changed after the
commitment, a seed that does not match); a late publication carded; and the pure rules."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from onething.catalog.expressions import ExpressionError
from onething.cli import main as cli
from onething.draw.record import verify
from onething.inspections import rules
from onething.inspections.loading import EntitiesInvalid, load
from onething.inspections.models import InspectionObject, PoolChunk
from onething.kernel.db import unit_of_work
from onething.kernel.identifiers import new_uscc
from world import MONDAY, Api, World

TOWNS = ("430102001", "430102002", "430102003")
# two inspectors of each department in each of the three townships of 芙蓉区
INSPECTORS = [(dept, f"{dept}-{n}{t[-1]}", t) for dept in ("SCJG", "CG") for t in TOWNS
              for n in (1, 2)]


def _entities(world: World, tmp_path: Path, count: int, name: str = "e.csv") -> list[str]:
    codes = [new_uscc("430102") for _ in range(count)]
    lines = ["uscc,name,region,township,risk,kind"] + [
        f"{c},芙蓉区测试商户{i}有限公司,430102,{TOWNS[i % 3]},{'ABCD'[i % 4]},企业"
        for i, c in enumerate(codes)]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with unit_of_work(world.sessions) as session:
        load(session, path, set(world.catalog.regions), MONDAY)
    return codes


def _lists(api: Api) -> list[int]:
    """Each department's check item and its inspectors."""
    items = []
    for who, dept, name in (("scjg_furong", "SCJG", "食品经营者落实食品安全主体责任情况"),
                            ("cg_furong", "CG", "户外广告设施设置情况")):
        r = api.post(who, "/api/v1/inspection-items", {
            "department": dept, "name": name, "basis": "《食品安全法》第一百一十条",
            "method": "现场检查"})
        assert r.status_code == 201, r.text
        items.append(r.json()["id"])
    for dept, cert, town in INSPECTORS:
        who = "scjg_furong" if dept == "SCJG" else "cg_furong"
        r = api.post(who, "/api/v1/inspectors", {
            "name": f"检查员{cert}", "cert_number": cert, "department": dept,
            "region": "430102", "township": town, "qualification": "行政执法证"})
        assert r.status_code == 201, r.text
    return items


def _task(api: Api, items: list[int], **changes: Any) -> Any:
    body = {"name": "2026 年度芙蓉区市场监管、城管联合抽查", "region": "430102",
            "departments": ["SCJG", "CG"], "items": items, "ratio": "1",
            "inspectors_per_object": 2, "starts_on": "2026-11-23", "ends_on": "2026-12-31",
            **changes}
    return api.post("scjg_furong", "/api/v1/inspection-tasks", body)


def test_a_joint_task_from_the_list_to_published_results(api: Api, world: World,
                                                         tmp_path: Path) -> None:
    items = _lists(api)
    codes = _entities(world, tmp_path, 6)
    conflicted = codes[0]  # SCJG-11 has a conflict with it, beside the township rule
    r = api.post("scjg_furong", "/api/v1/inspection-recusals",
                 {"cert_number": "SCJG-12", "uscc": conflicted, "reason": "其配偶为该企业股东"})
    assert r.status_code == 201, r.text
    created = _task(api, items)
    assert created.status_code == 201, created.text
    task = created.json()
    assert task["status"] == "draft" and task["departments"] == ["SCJG", "CG"]
    assert api.post("yc_furong", f"/api/v1/inspection-tasks/{task['id']}/freeze"
                    ).status_code == 403  # not one of its departments

    frozen = api.post("cg_furong", f"/api/v1/inspection-tasks/{task['id']}/freeze").json()
    assert frozen["status"] == "frozen" and frozen["pool_size"] == 6
    assert len(frozen["commitment"]) == 64 and frozen["seed"] is None
    public = api.client.get(f"/api/v1/inspection-tasks/{task['id']}").json()
    assert public["commitment"] == frozen["commitment"] and public["seed"] is None

    _entities(world, tmp_path, 1, "later.csv")  # the register moves on: the task is frozen
    drawn = api.post("scjg_furong", f"/api/v1/inspection-tasks/{task['id']}/draw")
    assert drawn.status_code == 200, drawn.text
    done = drawn.json()
    assert done["status"] == "drawn" and done["picked"] == 6 and done["seed"]
    town_of = {cert: town for _, cert, town in INSPECTORS}
    for i, o in enumerate(done["objects"]):
        entity_town = TOWNS[codes.index(o["uscc"]) % 3]
        assert len(o["inspectors"]) == 2 and len(set(o["inspectors"])) == 2
        assert all(town_of[c] != entity_town for c in o["inspectors"])  # 回避: same township
        left = {c for c, _ in o["left_out"]}
        assert {c for c, t in town_of.items() if t == entity_town} <= left
        assert not left & set(o["inspectors"]) and o["seq"] == i
    first = next(o for o in done["objects"] if o["uscc"] == conflicted)
    assert ["SCJG-12", "有利害关系（已登记回避）"] in first["left_out"]

    # the record, downloaded by anyone, verifies with `onething draw verify`
    got = api.client.get(f"/api/v1/inspection-tasks/{task['id']}/record")
    assert got.status_code == 200
    record = got.json()
    assert record["draws"][0]["label"] == "objects" and len(record["draws"]) == 7
    assert record["draws"][1]["label"] == f"inspectors:{done['objects'][0]['uscc']}"
    assert verify(record) == []
    saved = tmp_path / "record.json"
    saved.write_text(got.text, encoding="utf-8")
    assert cli(["draw", "verify", str(saved)]) == 0
    pool = api.client.get(f"/api/v1/inspection-tasks/{task['id']}/pool").text.split("\n")
    assert pool == sorted(codes) == record["draws"][0]["pool"]

    # a revealed seed that does not match its commitment is refused by the verifier
    record["seed"] = "00" * 32
    saved.write_text(json.dumps(record), encoding="utf-8")
    assert any("commitment" in p for p in verify(record))
    assert cli(["draw", "verify", str(saved)]) == 1

    # 谁检查、谁录入: the joint partner's approver records, then publishes
    obj = done["objects"][0]
    path = f"/api/v1/inspection-objects/{obj['id']}"
    assert api.post("yc_furong", f"{path}/result", {"result": "no_problem"}
                    ).status_code == 403
    bad = api.post("cg_furong", f"{path}/result", {"result": "fine"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "result"
    recorded = api.post("cg_furong", f"{path}/result",
                        {"result": "corrected", "note": "占道经营，已当场责令改正"})
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["publish_due_on"] == "2026-12-21"  # 20 working days on
    assert api.client.get("/api/v1/inspection-results", params={"uscc": obj["uscc"]}
                          ).json() == []  # not yet published
    assert api.post("scjg_furong", f"{path}/publication").status_code == 200
    assert api.post("scjg_furong", f"{path}/publication").status_code == 409
    [shown] = api.client.get("/api/v1/inspection-results", params={"uscc": obj["uscc"]}).json()
    assert shown["result_name"] == "发现问题已责令改正" and shown["task"] == task["id"]
    page = api.client.get("/inspection-publicity", params={"q": obj["uscc"]})
    assert page.status_code == 200 and "发现问题已责令改正" in page.text
    record_page = api.client.get(f"/inspection-publicity/{task['id']}")
    assert done["seed"] in record_page.text and "onething draw verify" in record_page.text


def _cards(page: str) -> dict[str, tuple[list[str], str]]:
    """The drawn objects as the task page shows them: each entity's name → the certificate
    numbers of its inspectors, and its 回避 line."""
    found = {}
    for card in page.split('<div class="card" id="object-')[1:]:
        name = re.search(r"<h3>\d+\. (\S+) ", card)
        team = re.search(r"<p>执法检查人员：(.*?)</p>", card)
        left = re.search(r"回避：(.*?)</p>", card)
        assert name and team, card
        found[name.group(1)] = (re.findall(r"（([A-Z]+-\d+)）", team.group(1)),
                                left.group(1) if left else "")
    return found


def test_the_staff_pages_create_freeze_draw_record_and_publish(api: Api, world: World,
                                                               tmp_path: Path) -> None:
    items = _lists(api)
    codes = _entities(world, tmp_path, 3)
    assert api.post("cg_furong", "/api/v1/inspection-recusals", {
        "cert_number": "CG-13", "uscc": codes[1], "reason": "其近亲属在该企业任职"}
                    ).status_code == 201
    client = api.client
    csrf = world.sign_in(client, "scjg_furong")
    form = {"name": "芙蓉区食品经营与户外广告联合抽查", "region": "430102",
            "departments": ["SCJG", "CG"], "items": [str(i) for i in items],
            "ratio": "1.5", "inspectors_per_object": "2", "starts_on": "2026-11-23",
            "ends_on": "2026-12-31", "csrf_token": csrf}
    refused = client.post("/inspections/tasks", data=form)
    assert refused.status_code == 422
    assert "抽查比例须大于 0 且不超过 1" in refused.text and "收到 1.5" in refused.text
    assert "还没有抽查任务" in refused.text  # nothing created; the form keeps what was sent
    assert 'value="芙蓉区食品经营与户外广告联合抽查"' in refused.text
    ticked = re.findall(r'name="(departments|items)" value="(\w+)" checked', refused.text)
    assert sorted(ticked) == sorted([("departments", "SCJG"), ("departments", "CG")]
                                    + [("items", str(i)) for i in items])
    made = client.post("/inspections/tasks", data={**form, "ratio": "1"},
                       follow_redirects=False)
    assert made.status_code == 303, made.text
    where = made.headers["location"]
    listed = client.get("/inspections").text
    assert "抽查任务（1）" in listed and "联合抽查" in listed and "待冻结名录" in listed

    assert "冻结名录并公布承诺" in client.get(where).text
    client.post(f"{where}/freeze", data={"csrf_token": csrf})
    frozen = client.get(where).text
    assert "已公布承诺，待摇号" in frozen and "检查对象 3 户，执法检查人员 12 名" in frozen
    assert re.search(r"种子承诺</dt><dd><code[^>]*>[0-9a-f]{64}</code>", frozen)
    assert "摇号并公布结果" in frozen

    assert client.post(f"{where}/draw", data={"csrf_token": csrf},
                       follow_redirects=False).status_code == 303
    drawn = client.get(where).text
    assert "已摇号" in drawn and "抽中的检查对象（3 户）" in drawn
    town_of = {cert: town for _, cert, town in INSPECTORS}
    cards = _cards(drawn)
    assert len(cards) == 3
    for i in range(3):
        team, left = cards[f"芙蓉区测试商户{i}有限公司"]
        assert len(set(team)) == 2 and all(town_of[c] != TOWNS[i] for c in team)
        assert left.count("与检查对象属同一基层所（乡镇、街道）") == 4
    team, left = cards["芙蓉区测试商户1有限公司"]
    assert "CG-13" not in team and "检查员CG-13（有利害关系（已登记回避））" in left

    # 谁检查、谁录入: the joint partner's approver records on the page, then publishes
    csrf = world.sign_in(client, "cg_furong")
    page = client.get(where).text
    assert "录入检查结果" in page
    first = re.findall(r'action="(/inspections/objects/\d+)/result"', page)[0]
    late = client.post(f"{first}/result", data={"result": "corrected", "on": "2026-11-30",
                                                "csrf_token": csrf})
    assert late.status_code == 422 and "检查日期须在 2026-11-23 至今天之间" in late.text
    recorded = client.post(f"{first}/result", data={
        "result": "corrected", "on": "2026-11-23", "note": "占道经营，已当场责令改正",
        "csrf_token": csrf}, follow_redirects=False)
    assert recorded.status_code == 303, recorded.text
    page = client.get(where).text
    assert "检查结果：<strong>发现问题已责令改正</strong>" in page
    assert "占道经营，已当场责令改正" in page and "公示期限：2026-12-21 前" in page
    client.post(f"{first}/publish", data={"csrf_token": csrf})
    assert "已公示" in client.get(where).text
    again = client.post(f"{first}/publish", data={"csrf_token": csrf})
    assert again.status_code == 409 and "该检查结果已公示" in again.text

    client.cookies.clear()  # anyone, without signing in
    name = re.search(r"<h3>1\. (\S+) <span[^>]*>(\w+)</span>", page)
    assert name
    public = client.get("/inspection-publicity", params={"q": name.group(2)}).text
    assert name.group(1) in public and "发现问题已责令改正" in public
    assert "芙蓉区食品经营与户外广告联合抽查" in public and "已摇号" in public


def test_refusals_leave_nothing_half_written(api: Api, world: World, tmp_path: Path) -> None:
    items = _lists(api)
    for ratio in ("0", "1.5", "-0.1", "五成"):
        r = _task(api, items, ratio=ratio)
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["field"] == "ratio"
    supervisor = api.post("supervisor_cs", "/api/v1/inspection-tasks", {})
    assert supervisor.status_code == 422  # the body first; then the role
    codes = _entities(world, tmp_path, 3)

    # eight of the twelve inspectors remain for each object after 回避: nine are too few
    many = _task(api, items, inspectors_per_object=9).json()
    api.post("scjg_furong", f"/api/v1/inspection-tasks/{many['id']}/freeze")
    short = api.post("scjg_furong", f"/api/v1/inspection-tasks/{many['id']}/draw")
    assert short.status_code == 422, short.text
    assert all(c in short.json()["detail"] for c in codes)  # names every object
    after = api.client.get(f"/api/v1/inspection-tasks/{many['id']}").json()
    assert after["status"] == "frozen" and after["objects"] == []

    # a pool changed after the commitment: the frozen list no longer hashes as committed
    task = _task(api, items).json()
    api.post("scjg_furong", f"/api/v1/inspection-tasks/{task['id']}/freeze")
    with unit_of_work(world.sessions) as session:
        chunk = session.get_one(PoolChunk, (task["id"], 0))
        chunk.ids = chunk.ids.replace(codes[0], new_uscc("430102"))
    changed = api.post("scjg_furong", f"/api/v1/inspection-tasks/{task['id']}/draw")
    assert changed.status_code == 409, changed.text
    assert changed.json()["code"] == "inspection_pool_changed"
    assert "发生了变化" in changed.json()["detail"]
    with world.sessions() as session:
        assert session.scalar(select(func.count()).select_from(InspectionObject)) == 0
    again = api.post("scjg_furong", f"/api/v1/inspection-tasks/{task['id']}/freeze")
    assert again.status_code == 409  # the commitment stands: no second seed
    assert api.client.get(f"/api/v1/inspection-tasks/{task['id']}/record").status_code == 409


def test_a_register_with_bad_rows_is_refused_whole(world: World, tmp_path: Path) -> None:
    good = new_uscc("430102")
    path = tmp_path / "bad.csv"
    path.write_text("uscc,name,region,township,risk\n"
                    f"{good},好企业,430102,430102001,A\n"
                    "91430102XXXXXXXXXX,坏代码,430102,,B\n"
                    f"{new_uscc('430102')},风险不明,430102,,E\n"
                    f"{good},重复,430102,,A\n", encoding="utf-8")
    with pytest.raises(EntitiesInvalid) as refused, unit_of_work(world.sessions) as session:
        load(session, path, set(world.catalog.regions), MONDAY)
    lines = refused.value.report.problems
    assert [p.split("：")[0] for p in lines] == ["bad.csv:3", "bad.csv:4", "bad.csv:5"]
    assert "A、B、C 或 D" in lines[1] and "第 2 行" in lines[2]
    with world.sessions() as session:
        from onething.inspections.models import Entity
        assert session.scalar(select(func.count()).select_from(Entity)) == 0


def test_a_late_publication_is_carded(api: Api, world: World, tmp_path: Path) -> None:
    from onething.supervision.models import Card
    from onething.supervision.profile import load_profile
    from onething.supervision.sweep import sweep

    items = _lists(api)
    _entities(world, tmp_path, 2)
    task = _task(api, items, object_filter='township != "430102002"').json()
    frozen = api.post("scjg_furong", f"/api/v1/inspection-tasks/{task['id']}/freeze").json()
    assert frozen["pool_size"] == 1  # the filter leaves out the second entity's township
    obj = api.post("scjg_furong", f"/api/v1/inspection-tasks/{task['id']}/draw"
                   ).json()["objects"][0]
    api.post("scjg_furong", f"/api/v1/inspection-objects/{obj['id']}/result",
             {"result": "no_problem"})  # published by 2026-12-21
    own = tmp_path / "publicity.yaml"
    own.write_text("code: p\nname: 抽查结果公示亮牌\nchecks:\n  inspection_publicity:\n"
                   "    warning: {before: 2}\n    yellow: {after: 0}\n", encoding="utf-8")
    late = dt.datetime(2026, 12, 23, 2, tzinfo=dt.UTC)
    assert sweep(world.sessions, world.catalog, late, load_profile(str(own))).raised == {
        "warning": 1, "yellow": 1}
    api.post("scjg_furong", f"/api/v1/inspection-objects/{obj['id']}/publication")
    with world.sessions() as session:
        cards = session.scalars(select(Card).where(Card.subject == "check_result")).all()
        assert {(c.kind, c.department_code, c.subject_id) for c in cards} == {
            ("warning", "SCJG", obj["id"]), ("yellow", "SCJG", obj["id"])}
        assert all(c.closed_at is not None for c in cards)  # published: the cards close


# --- the pure rules ---------------------------------------------------------------------


def test_ratio_and_count() -> None:
    assert rules.ratio_problem("0.05") is None and rules.ratio_problem("1") is None
    assert all(rules.ratio_problem(r) for r in ("0", "1.01", "-1", "NaN", "abc"))
    assert rules.objects_to_draw(Decimal("0.05"), 4_000_000) == 200_000
    assert rules.objects_to_draw(Decimal("0.05"), 21) == 2  # ⌈1.05⌉
    assert rules.objects_to_draw(Decimal("1"), 7) == 7


def test_eligible_inspectors_leave_out_conflicts_and_the_same_township() -> None:
    roster = [rules.Candidate("A1", "430102001"), rules.Candidate("B2", "430102002"),
              rules.Candidate("C3", None)]
    pool, left = rules.eligible(roster, "430102001", frozenset({"C3"}))
    assert pool == ["B2"]
    assert [c for c, _ in left] == ["A1", "C3"]
    assert rules.eligible(roster, None, frozenset())[0] == ["A1", "B2", "C3"]


def test_the_filter_reads_only_what_it_names() -> None:
    f = rules.compile_filter('risk in ["C", "D"] && township == "430102001"')
    assert f.reads == ("township", "risk")
    holds = f.holds_for()
    assert holds(["430102001", "D"]) and not holds(["430102002", "D"])
    assert rules.compile_filter("").holds_for()([])
    with pytest.raises(ExpressionError, match="未知的名称"):
        rules.compile_filter("capital > 100")
    assert rules.effective_risk("A", bad_credit=True) == "D"
