"""Values an earlier stage creates are never asked for, and licences say whom they are about
(issue: the core, right for the people who use it — point 1 and the holders of point 8)."""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from helpers import write_yaml
from onething.catalog.linked import Bundle, Catalog, build_catalog
from onething.catalog.validate import read_catalog, validate_directory
from onething.demo.data import _form
from onething.guide.engine import FieldStatus, MaterialStatus, compute_guide
from onething.kernel.clock import CHINA
from onething.kernel.db import session_factory
from onething.kernel.identifiers import id_number_problem, new_uscc, uscc_entity_kind, uscc_problem
from onething.kernel.principal import Role
from onething.licences import service as licences
from samples import CONSTRUCTION_FACTORY
from world import Api, World, build_world, client_for

CHILD_ID = "430102202601150025"  # born 2026-01-15


# --- the guide, over every demo bundle ------------------------------------------------------


def _answer_sets(bundle: Bundle) -> Iterator[dict[str, Any]]:
    """Every combination of the answers that change which items and fields apply."""
    choices: list[list[Any]] = []
    for q in bundle.questions:
        kind = q.type.value
        choices.append([True, False] if kind == "bool" else list(q.options or {})
                       if kind == "choice" else [[], list(q.options or {})]
                       if kind == "multichoice" else [0.0, 100.0, 400.0] if kind == "number"
                       else [0, 2, 8] if kind == "integer" else ["示例"])
    for combination in itertools.product(*choices):
        yield dict(zip((q.code for q in bundle.questions), combination, strict=True))


def test_no_demo_guide_asks_for_what_an_earlier_stage_creates(demo: Catalog) -> None:
    checked = 0
    for bundle in demo.bundles.values():
        for answers in _answer_sets(bundle):
            guide = compute_guide(demo, bundle.code, answers)
            stage = {i.code: i.stage for i in guide.items}
            created = {code: i for i in guide.items if i.item.result
                       for code in i.item.result.fills}
            for f in guide.fields:
                first = min(stage[code] for code in f.items)
                producer = created.get(f.code)
                if f.status == FieldStatus.fill:
                    assert producer is None or producer.stage >= first, (bundle.code, answers,
                                                                         f.code)
                else:
                    assert producer is not None and producer.stage < first
                    assert f.produced_by == producer.code and f.reason
            after = guide.as_dict()["effect"]["after"]["fields"]
            assert after == len(guide.fields_with(FieldStatus.fill))
            checked += 1
    assert checked > 1000


@pytest.mark.parametrize(("bundle", "answers", "produced"), [
    ("OPEN_CONVENIENCE_STORE", {"entity_type": "individual"}, {"uscc": "SCJG_INDIVIDUAL_REG"}),
    ("OPEN_CONVENIENCE_STORE", {"entity_type": "company"}, {"uscc": "SCJG_COMPANY_REG"}),
    ("OPEN_BARBER_SHOP", {"entity_type": "individual"}, {"uscc": "SCJG_INDIVIDUAL_REG"}),
    ("COMPANY_OPENING", {"has_employees": True},
     {"uscc": "SCJG_COMPANY_REG", "bank_account": "BANK_ACCOUNT_OPEN"}),
    ("COMPANY_OPENING", {"has_employees": True, "open_bank_account": False},
     {"uscc": "SCJG_COMPANY_REG"}),  # no account opened here: the applicant gives theirs
    ("OPEN_RESTAURANT", {"entity_type": "company", "has_employees": True},
     {"uscc": "SCJG_COMPANY_REG", "bank_account": "BANK_ACCOUNT_OPEN"}),
    ("NEWBORN_BIRTH", {"want_social_security_card": True},
     {"child_id_number": "GA_BIRTH_HUKOU"}),
    ("RETIREMENT", {}, {}),
    ("CONSTRUCTION_PERMIT", CONSTRUCTION_FACTORY,
     {"project_code": "FGW_ENTERPRISE_FILING",
      "works_planning_permit_number": "ZRZY_WORKS_PLANNING",
      "construction_permit_number": "ZJ_CONSTRUCTION_PERMIT"}),
])
def test_what_each_demo_bundle_produces(demo: Catalog, bundle: str, answers: dict[str, Any],
                                        produced: dict[str, str]) -> None:
    base = {"premises": "rented", "sells_food": True, "sells_tobacco": True, "shop_area": 80,
            "entity_type": "company", "uses_gas": True, "has_employees": False,
            "parents_married": True, "retirement_type": "normal", "has_housing_fund": True,
            "age_group": "male_60"}
    asked = {q.code for q in demo.bundles[bundle].questions}
    guide = compute_guide(demo, bundle, {k: v for k, v in {**base, **answers}.items()
                                         if k in asked})
    fields = {f["code"]: f for f in guide.as_dict()["fields"]}
    assert {c: f["produced_by"] for c, f in fields.items() if f["status"] == "produced"} == \
        produced
    assert all(f["produced_by"] is None for f in fields.values() if f["status"] == "fill")


def _catalog(tmp_path: Path, stages: list[Any], items: list[dict[str, Any]]) -> Catalog:
    write_yaml(tmp_path / "c.yaml", {
        "departments": [{"code": "D", "name": "部门"}],
        "fields": [{"code": "name", "label": "名称"}, {"code": "uscc", "label": "统一社会信用代码",
                                                       "type": "uscc"}],
        "items": items,
        "bundles": [{"code": "B", "name": "一件事", "stages": stages}],
    })
    return build_catalog(read_catalog(tmp_path))


def _item(code: str, fields: list[str], fills: list[str] | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"code": code, "name": code, "type": "行政许可", "department": "D",
                            "level": "county", "legal_days": 5, "promised_days": 1,
                            "fields": fields}
    if fills is not None:
        item["result"] = {"licence_type": "L", "name": "证", "fills": fills}
    return item


def test_a_field_is_produced_only_before_every_item_asking_for_it(tmp_path: Path) -> None:
    items = [_item("REG", ["name"], fills=["uscc"]), _item("TAX", ["name", "uscc"]),
             _item("EARLY", ["uscc"])]
    later = _catalog(tmp_path / "1", [{"items": [{"item": "REG"}]},
                                      {"items": [{"item": "TAX"}]}], items)
    guide = compute_guide(later, "B", {})
    assert [(f.code, f.status, f.produced_by) for f in guide.fields] == [
        ("name", FieldStatus.fill, None), ("uscc", FieldStatus.produced, "REG")]
    assert guide.as_dict()["effect"]["after"]["fields"] == 1
    same = _catalog(tmp_path / "2", [{"items": [{"item": "REG"}, {"item": "TAX"}]}], items)
    assert compute_guide(same, "B", {}).fields[1].status == FieldStatus.fill
    needed_before = _catalog(tmp_path / "3", [{"items": [{"item": "EARLY"}]},
                                              {"items": [{"item": "REG"}]},
                                              {"items": [{"item": "TAX"}]}], items)
    assert {f.code: f.status for f in compute_guide(needed_before, "B", {}).fields}[
        "uscc"] == FieldStatus.fill


def test_fills_and_holders_are_validated_at_their_line(tmp_path: Path) -> None:
    write_yaml(tmp_path / "c.yaml", {
        "departments": [{"code": "D", "name": "部门"}],
        "fields": [{"code": "name", "label": "名称"}, {"code": "phone", "label": "电话",
                                                       "type": "phone"}],
        "items": [
            {**_item("A", ["name"]), "result": {"licence_type": "L", "name": "证",
                                                "fills": ["nope", "name", "name"]}},
            {**_item("B", ["name", "phone"]), "result": {
                "licence_type": "L", "name": "证",
                "holder": {"kind": "company", "name": "name", "id": "phone"}}},
            {**_item("C", ["name"]), "result": {
                "licence_type": "L", "name": "证", "holder": {"kind": "person", "id": "gone"}}},
            {**_item("E", []), "result": {
                "licence_type": "L", "name": "证", "holder": {"kind": "person", "name": "name"}}},
        ],
    })
    document, problems = validate_directory(tmp_path)
    assert document is None
    text = [f"{p.file}:{p.line}: {p.message}" for p in problems]
    lines = (tmp_path / "c.yaml").read_text().splitlines()

    def at(word: str) -> str:
        found = [f"c.yaml:{p.line}: {p.message}" for p in problems if word in p.message]
        assert found, (word, text)
        return found[0]

    assert "引用了不存在的表单字段 nope" in at("nope")
    assert "nope" in lines[int(at("nope").split(":")[1]) - 1]
    assert "重复列出回填字段 name" in at("重复列出回填字段")
    assert "应为 uscc 类型" in at("应为 uscc")
    assert "须用 name 指明" in at("须用 name")
    assert "不存在的表单字段 gone" in at("gone")
    assert "既不是本事项的表单字段" in at("既不是")


def test_a_new_uscc_is_valid_random_and_of_its_kind() -> None:
    codes = {new_uscc("430102", "1") for _ in range(2000)}
    assert len(codes) == 2000
    assert all(uscc_problem(c) is None and c.startswith("91430102") for c in codes)
    individual = new_uscc("430102001", "2")
    assert individual.startswith("92430102") and uscc_entity_kind(individual) == "个体工商户"
    with pytest.raises(ValueError):
        new_uscc("长沙", "1")


# --- applications, through the API, on both databases ------------------------------------


@pytest.fixture
def demo_api(engine: Engine, demo_dir: Path, tmp_path: Path) -> Iterator[tuple[Api, World]]:
    world = build_world(session_factory(engine), demo_dir, tmp_path / "files", people=[
        ("zhang", Role.applicant, None, None), ("clerk_furong", Role.clerk, "430102", None)])
    with client_for(engine, tmp_path) as client:
        yield Api(client), world


def _approver(world: World, department: str, region: str) -> str:
    """The approver of one office (made on first use)."""
    username = f"{department.lower()}_{region}"
    if username not in world.users:
        world.add_people([(username, Role.approver, region, department)])
    return username


def _apply(api: Api, world: World, bundle: str, answers: dict[str, Any],
           extra: dict[str, Any] | None = None, region: str = "430102") -> Any:
    guide = compute_guide(world.catalog, bundle, answers)
    rng = random.Random(7)
    form = _form(world.catalog, guide.fields, rng, world.now.astimezone(CHINA).date())
    form.update(company_name="长沙某某便利店有限公司", child_name="张小明",
                applicant_name="张三")
    form = {k: v for k, v in form.items() if k in {f.code for f in guide.fields}}
    scan = api.upload("zhang", "材料.pdf").json()["id"]
    materials = {m.code: {"commitment": True} if m.status == MaterialStatus.commitment
                 else {"file": scan} for m in guide.materials
                 if m.status in (MaterialStatus.submit, MaterialStatus.commitment)}
    return api.post("zhang", "/api/v1/applications", {
        "bundle": bundle, "region": region, "answers": answers, "channel": "web",
        "form": {**form, **(extra or {})}, "materials": materials})


def _pending(api: Api, world: World, app_id: int) -> list[tuple[str, dict[str, Any]]]:
    app = api.get("clerk_furong", f"/api/v1/applications/{app_id}").json()
    return [(_approver(world, t["department"], t["region"]), t) for t in app["tasks"]
            if t["status"] == "pending"]


def _decide(api: Api, who: str, task: dict[str, Any], **extra: Any) -> Any:
    return api.post(who, f"/api/v1/tasks/{task['id']}/decision",
                    {"action": "approve", "version": task["version"], **extra})


def _stage(api: Api, world: World, app_id: int, data: dict[str, dict[str, Any]]) -> list[str]:
    """Approve every pending task, each with the data given for its item; the items."""
    done = []
    for who, task in _pending(api, world, app_id):
        answer = _decide(api, who, task, **({"data": data[task["item"]]}
                                            if task["item"] in data else {}))
        assert answer.status_code == 200, answer.text
        done.append(task["item"])
    return done


def _problems(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.text
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def test_a_new_company_gets_its_uscc_and_bank_account_from_the_earlier_stages(
        demo_api: tuple[Api, World]) -> None:
    api, world = demo_api
    answers = {"premises": "owned", "has_employees": True}
    refused = _apply(api, world, "COMPANY_OPENING", answers,
                     {"uscc": "91430102MA4L0000XX", "bank_account": "123456789"})
    problems = _problems(refused)
    assert problems["form.uscc"] == ("本申请不需要填写“统一社会信用代码”：第 1 阶段“企业设立登记”"
                                     "办结时生成，自动填入申请表")
    assert "form.bank_account" in problems

    item = api.client.get("/api/v1/items/SCJG_COMPANY_REG").json()["result"]
    assert (item["fills"], item["holder_kind"]) == (["uscc"], "company")
    assert "办结时生成：统一社会信用代码" in api.client.get("/items/SCJG_COMPANY_REG").text
    page = api.client.get("/bundles/COMPANY_OPENING/guide?premises=owned&has_employees=true")
    assert "需填写 33 项信息" in page.text
    assert "无需填写、办理中自动填入：统一社会信用代码（第 1 阶段" in page.text
    created = _apply(api, world, "COMPANY_OPENING", answers)
    assert created.status_code == 201, created.text
    app_id = created.json()["id"]
    assert "uscc" not in created.json()["form"] and "bank_account" not in created.json()["form"]
    assert api.post("clerk_furong", f"/api/v1/applications/{app_id}/acceptance",
                    {"decision": "accept"}).status_code == 200

    assert _stage(api, world, app_id, {}) == ["SCJG_COMPANY_REG"]  # the platform assigns it
    app = api.get("zhang", f"/api/v1/applications/{app_id}").json()
    uscc = app["form"]["uscc"]
    assert uscc_problem(uscc) is None and uscc.startswith("91430102")
    filled = [e for e in app["timeline"] if e["action"] == "fill_form"]
    assert [e["action_name"] for e in filled] == ["办结信息填入申请表"]
    assert "统一社会信用代码" in filled[0]["reason"] and uscc not in str(filled[0])

    second = dict(_pending(api, world, app_id))
    bank = next(who for who, t in _pending(api, world, app_id)
                if t["item"] == "BANK_ACCOUNT_OPEN")
    task = second[bank]
    assert "data.bank_account" in _problems(_decide(api, bank, task))
    assert "格式不正确" in _problems(_decide(api, bank, task, data={"bank_account": "12ab"}))[
        "data.bank_account"]
    assert "data.uscc" in _problems(_decide(api, bank, task, data={
        "bank_account": "43050178360000000123", "uscc": uscc}))
    assert "data" in _problems(api.post(bank, f"/api/v1/tasks/{task['id']}/decision", {
        "action": "deny", "version": task["version"], "reason": "不符合条件",
        "data": {"bank_account": "43050178360000000123"}}))
    assert _stage(api, world, app_id, {"BANK_ACCOUNT_OPEN": {
        "bank_account": " 43050178360000000123 "}})
    rs = _pending(api, world, app_id)
    assert [t["item"] for _, t in rs] == ["RS_EMPLOYER_INSURANCE_REG"]  # after the bank
    seen = api.get(rs[0][0], f"/api/v1/applications/{app_id}").json()["form"]
    assert seen["bank_account"] == "43050178360000000123" and seen["uscc"] == uscc
    _stage(api, world, app_id, {})
    assert api.get("zhang", f"/api/v1/applications/{app_id}").json()["status"] == "completed"

    wallet = {w["licence_type"]: w for w in api.get("zhang", "/api/v1/licences").json()}
    licence = wallet["BUSINESS_LICENCE"]
    assert licence["data"] == {"uscc": uscc}
    assert (licence["holder_kind"], licence["holder_title"], licence["holder_name"],
            licence["holder_number"]) == ("company", "企业", "长沙某某便利店有限公司", uscc)
    assert wallet["BASIC_ACCOUNT_INFO"]["data"] == {"bank_account": "43050178360000000123"}
    with world.as_("zhang") as ctx:  # about the company: no material of a later application
        assert licences.held_types(ctx.session, ctx.actor.user_id, ctx.today) == {}


def test_a_newborn_gets_the_citizen_number_from_the_household_registration(
        demo_api: tuple[Api, World]) -> None:
    api, world = demo_api
    answers = {"parents_married": True, "want_social_security_card": True}
    guide = api.client.post("/api/v1/bundles/NEWBORN_BIRTH/guide",
                            json={"answers": answers}).json()
    number = next(f for f in guide["fields"] if f["code"] == "child_id_number")
    assert (number["status"], number["produced_by"]) == ("produced", "GA_BIRTH_HUKOU")
    created = _apply(api, world, "NEWBORN_BIRTH", answers)
    assert created.status_code == 201, created.text
    app_id = created.json()["id"]
    api.post("clerk_furong", f"/api/v1/applications/{app_id}/acceptance", {"decision": "accept"})
    assert _stage(api, world, app_id, {}) == ["WJ_BIRTH_CERT"]
    police, task = next((w, t) for w, t in _pending(api, world, app_id)
                        if t["item"] == "GA_BIRTH_HUKOU")
    assert "请填写“新生儿公民身份号码”" in _problems(_decide(api, police, task))[
        "data.child_id_number"]
    assert "校验位" in _problems(_decide(api, police, task, data={
        "child_id_number": CHILD_ID[:-1] + "9"}))["data.child_id_number"]
    _stage(api, world, app_id, {"GA_BIRTH_HUKOU": {"child_id_number": CHILD_ID}})
    assert _stage(api, world, app_id, {}) == ["RS_SSCARD_APPLY"]
    app = api.get("zhang", f"/api/v1/applications/{app_id}").json()
    assert app["status"] == "completed" and app["form"]["child_id_number"] == CHILD_ID

    wallet = {w["licence_type"]: w for w in api.get("zhang", "/api/v1/licences").json()}
    card = wallet["SOCIAL_SECURITY_CARD"]
    assert (card["holder_kind"], card["holder_title"], card["holder_name"]) == (
        "person", "子女", "张小明")
    assert card["holder_number"] == "4301**********0025"  # personal: masked in the list
    assert wallet["HOUSEHOLD_REGISTER"]["data"] == {"child_id_number": "4301**********0025"}
    assert wallet["BIRTH_CERT"]["holder_number"] is None  # issued before the child had one
    with world.as_("zhang") as ctx:  # a second baby's 出生医学证明 is not this one
        held = licences.held_types(ctx.session, ctx.actor.user_id, ctx.today)
        assert "BIRTH_CERT" not in held and "SOCIAL_SECURITY_CARD" not in held
    again = api.post("zhang", "/api/v1/bundles/NEWBORN_BIRTH/guide", {"answers": answers}).json()
    assert {m["code"]: m["status"] for m in again["materials"]}["BIRTH_CERT"] == "produced"
    assert id_number_problem(CHILD_ID) is None


def test_a_licence_about_the_applicant_still_stands_for_a_material(
        demo_api: tuple[Api, World]) -> None:
    """Retirement: the pension approval is the applicant's own, and later ones reuse it."""
    api, world = demo_api
    created = _apply(api, world, "RETIREMENT", {"retirement_type": "normal",
                                                "has_housing_fund": False,
                                                "age_group": "male_60"})
    app_id = created.json()["id"]
    api.post("clerk_furong", f"/api/v1/applications/{app_id}/acceptance", {"decision": "accept"})
    _stage(api, world, app_id, {})
    licence = api.get("zhang", "/api/v1/licences").json()[0]
    assert (licence["holder_kind"], licence["holder_title"], licence["holder_name"]) == (
        "applicant", "本人", "张三")
    with world.as_("zhang") as ctx:
        assert set(licences.held_types(ctx.session, ctx.actor.user_id, ctx.today)) == {
            "PENSION_APPROVAL"}


def test_individual_business_licences_name_the_shop(demo_api: tuple[Api, World]) -> None:
    api, world = demo_api
    created = _apply(api, world, "OPEN_BARBER_SHOP", {"premises": "owned",
                                                      "outdoor_sign": False,
                                                      "has_employees": False})
    assert created.status_code == 201, created.text
    app_id = created.json()["id"]
    api.post("clerk_furong", f"/api/v1/applications/{app_id}/acceptance", {"decision": "accept"})
    _stage(api, world, app_id, {})
    _stage(api, world, app_id, {})
    wallet = {w["licence_type"]: w for w in api.get("zhang", "/api/v1/licences").json()}
    uscc = wallet["BUSINESS_LICENCE"]["holder_number"]
    assert re.fullmatch(r"92430102\w{10}", uscc) and uscc_problem(uscc) is None
    hygiene = wallet["PUBLIC_HYGIENE_PERMIT"]
    assert (hygiene["holder_title"], hygiene["holder_number"]) == ("个体工商户", uscc)


def test_offices_are_named_as_they_are_at_their_level(demo_api: tuple[Api, World]) -> None:
    """A street's health office is its 社区卫生服务中心 (not “文艺路街道卫生健康委员会”), a
    district's is its 卫生健康局; the window of a street is its 便民服务中心; the names are
    the tasks', the licences' issuers' and the rating targets'."""
    api, world = demo_api
    answers = {"parents_married": True, "want_social_security_card": False}
    created = _apply(api, world, "NEWBORN_BIRTH", answers, region="430102001")
    assert created.status_code == 201, created.text
    app_id = created.json()["id"]
    api.post("clerk_furong", f"/api/v1/applications/{app_id}/acceptance", {"decision": "accept"})
    for _ in range(3):
        _stage(api, world, app_id, {"GA_BIRTH_HUKOU": {"child_id_number": CHILD_ID}})
    app = api.get("zhang", f"/api/v1/applications/{app_id}").json()
    assert app["status"] == "completed", app["status"]
    offices = {t["item"]: t["office"] for t in app["tasks"]}
    assert offices["WJ_VACCINATION_CERT"] == "文艺路街道社区卫生服务中心"
    assert offices["WJ_FAMILY_DOCTOR"] == "文艺路街道社区卫生服务中心"
    assert offices["GA_BIRTH_HUKOU"] == "芙蓉区公安局"
    assert not any("街道卫生健康" in name for name in offices.values())
    wallet = {w["licence_type"]: w for w in api.get("zhang", "/api/v1/licences").json()}
    assert wallet["VACCINATION_CERT"]["issuer"] == "文艺路街道社区卫生服务中心"
    code = api.post("clerk_furong", f"/api/v1/applications/{app_id}/rating-code").json()["code"]
    targets = api.client.post("/api/v1/rating-codes/targets", json={"code": code}).json()
    names = [t["name"] for t in targets["targets"]]
    assert names[0] == "文艺路街道便民服务中心综合窗口" and "芙蓉区卫生健康局" in names


def test_the_bank_opens_the_account_the_central_bank_supervises(
        demo_api: tuple[Api, World]) -> None:
    """The guide names the competent department (中国人民银行) and the bank as the body that
    opens the account; the task goes to the bank's office, not to a 人民银行 approver."""
    api, world = demo_api
    answers = {"premises": "owned", "has_employees": False}
    guide = api.client.post("/api/v1/bundles/COMPANY_OPENING/guide",
                            json={"answers": answers}).json()
    bank = next(i for i in guide["items"] if i["code"] == "BANK_ACCOUNT_OPEN")
    assert (bank["department"], bank["department_name"]) == ("RMYH", "中国人民银行")
    assert "开户银行" in bank["implementing_body"]
    created = _apply(api, world, "COMPANY_OPENING", answers)
    app_id = created.json()["id"]
    api.post("clerk_furong", f"/api/v1/applications/{app_id}/acceptance", {"decision": "accept"})
    _stage(api, world, app_id, {})
    task = api.task("clerk_furong", app_id, "BANK_ACCOUNT_OPEN")
    assert (task["department"], task["office"]) == ("BANK", "长沙市开户银行网点")
    assert _stage(api, world, app_id, {"BANK_ACCOUNT_OPEN": {
        "bank_account": "43050178360000000123"}})
    assert "rmyh_430100" not in world.users  # no 人民银行 approver was needed
    wallet = {w["licence_type"]: w for w in api.get("zhang", "/api/v1/licences").json()}
    assert wallet["BASIC_ACCOUNT_INFO"]["issuer"] == "长沙市开户银行网点"
