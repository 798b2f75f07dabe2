"""跨域通办 on the demo catalog, through the API and the pages, on both databases: an item is
decided by the office of the region its catalog entry names (a form field's, the
applicant's or the receiving one), received anywhere its 通办 scope reaches, and seen by
both sides' windows and supervisors."""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from onething.demo.data import _form, in_region, result_data
from onething.guide.engine import MaterialStatus, compute_guide
from onething.kernel.clock import CHINA
from onething.kernel.db import session_factory
from onething.kernel.principal import Role
from samples import NEWBORN
from world import Api, World, build_world, client_for

FURONG, YUELU, LINGLING, HETANG = "430102", "430104", "431102", "430202"
# a 个体工商户 convenience store without food, tobacco or a sign: 营业执照 and the taxpayer's
# registration, both decided where the shop is
STORE = {"entity_type": "individual", "premises": "owned", "sells_food": False,
         "sells_tobacco": False, "sells_medical_devices": False, "shop_area": 60,
         "outdoor_sign": False, "has_employees": False}
PEOPLE = [("zhang", Role.applicant, None, None),
          ("clerk_furong", Role.clerk, FURONG, None), ("clerk_yuelu", Role.clerk, YUELU, None),
          ("supervisor_furong", Role.supervisor, FURONG, None),
          ("supervisor_yuelu", Role.supervisor, YUELU, None),
          ("supervisor_yongzhou", Role.supervisor, "431100", None),
          ("scjg_furong", Role.approver, FURONG, "SCJG"),
          ("scjg_yuelu", Role.approver, YUELU, "SCJG"), ("sw_yuelu", Role.approver, YUELU, "SW"),
          ("ga_furong", Role.approver, FURONG, "GA"),
          ("ga_lingling", Role.approver, LINGLING, "GA")]


@pytest.fixture
def world(engine: Engine, demo_dir: Path, tmp_path: Path) -> World:
    return build_world(session_factory(engine), demo_dir, tmp_path / "files", PEOPLE)


@pytest.fixture
def api(engine: Engine, world: World, tmp_path: Path) -> Iterator[Api]:
    with client_for(engine, tmp_path) as client:
        yield Api(client)


def application(api: Api, bundle: str, answers: dict[str, Any], region: str,
                **form: Any) -> dict[str, Any]:
    """The body of a window entry for zhang at `region`, its form drawn by the demo and every
    行政区划 field `region` unless `form` says otherwise."""
    catalog = catalog_of(api)
    guide = compute_guide(catalog, bundle, answers)
    scan = api.upload("zhang", "材料.pdf").json()["id"]
    today = api.client.app.state.clock().astimezone(CHINA).date()  # type: ignore[attr-defined]
    drawn = in_region(catalog, _form(catalog, guide.fields, random.Random(3), today), region)
    return {"bundle": bundle, "region": region, "answers": answers, "channel": "window",
            "applicant": "zhang", "form": {**drawn, **form},
            "materials": {m.code: {"file": scan} for m in guide.materials
                          if m.status == MaterialStatus.submit and m.required}}


def catalog_of(api: Api) -> Any:
    """The catalog the app serves."""
    state = api.client.app.state  # type: ignore[attr-defined]
    return state.catalogs.recent(state.sessions, 0)


def errors(answer: Any) -> dict[str, str]:
    return {e["field"]: e["message"] for e in answer.json()["errors"]}


def test_a_yuelu_shop_filed_at_the_furong_window_is_decided_in_yuelu(api: Api,
                                                                      world: World) -> None:
    sent = api.post("clerk_furong", "/api/v1/applications",
                    application(api, "OPEN_CONVENIENCE_STORE", STORE, FURONG,
                                business_region=YUELU))
    assert sent.status_code == 201, sent.text
    app = sent.json()
    assert app["region"] == FURONG
    api.post("clerk_furong", f"/api/v1/applications/{app['id']}/acceptance",
             {"decision": "accept"})
    app = api.get("clerk_furong", f"/api/v1/applications/{app['id']}").json()
    assert {t["region"] for t in app["tasks"]} == {YUELU}
    assert {t["office"] for t in app["tasks"]} >= {"岳麓区市场监督管理局"}
    # the deciding office decides; the receiving side's office has nothing to decide
    assert api.get("scjg_furong", "/api/v1/tasks").json() == []
    assert [t["application_id"] for t in api.get("scjg_yuelu", "/api/v1/tasks").json()] == [
        app["id"]]
    for who in ("clerk_furong", "clerk_yuelu", "supervisor_furong", "supervisor_yuelu"):
        assert api.get(who, f"/api/v1/applications/{app['id']}").status_code == 200, who
        assert app["id"] in [a["id"] for a in api.get(who, "/api/v1/applications").json()], who
    assert api.get("supervisor_yongzhou", f"/api/v1/applications/{app['id']}").status_code == 404
    # only the receiving window takes the window's steps
    refused = api.post("clerk_yuelu", f"/api/v1/applications/{app['id']}/acceptance",
                       {"decision": "accept"})
    assert refused.status_code in (403, 409)
    _decide_everything(api, app["id"])
    delivered = api.post("clerk_furong", f"/api/v1/applications/{app['id']}/delivery",
                         {"method": "window"})
    assert delivered.status_code == 200, delivered.text
    assert delivered.json()["status"] == "delivered"
    # statistics count it on both sides: received by 芙蓉区 for 岳麓区, decided by 岳麓区
    furong = api.get("supervisor_furong", "/api/v1/stats", params={"month": "2026-11"}).json()
    yuelu = api.get("supervisor_yuelu", "/api/v1/stats", params={"month": "2026-11"}).json()
    assert (furong["received"], furong["received_for_others"]) == (1, 1)
    assert furong["decided_for_others"] == 0 and yuelu["received_for_others"] == 0
    assert yuelu["decided_for_others"] == len(app["tasks"]) > 0
    world.sign_in(api.client, "supervisor_furong")
    page = api.client.get("/dashboard", params={"month": "2026-11"})
    assert "为外地代收 1 件" in page.text
    world.sign_in(api.client, "scjg_yuelu")  # the deciding office's page of the case
    case = api.client.get(f"/applications/{app['id']}")
    assert case.status_code == 200 and "芙蓉区" in case.text and "岳麓区市场监督管理局" in case.text
    api.client.cookies.clear()


def _decide_everything(api: Api, app_id: int) -> None:
    approvers = {("SCJG", YUELU): "scjg_yuelu", ("SW", YUELU): "sw_yuelu",
                 ("GA", LINGLING): "ga_lingling", ("GA", FURONG): "ga_furong"}
    catalog = catalog_of(api)
    for _ in range(10):
        app = api.get("clerk_furong", f"/api/v1/applications/{app_id}").json()
        pending = [t for t in app["tasks"] if t["status"] == "pending"]
        if not pending:
            return
        for task in pending:
            who = approvers[(task["department"], task["region"])]
            data = result_data(catalog, task["item"], random.Random(1))
            answer = api.decide(who, app_id, task["item"], data=data)
            assert answer.status_code == 200, answer.text


def test_a_newborn_with_a_yongzhou_household_gets_yongzhous_hukou_task(api: Api) -> None:
    answers = {**NEWBORN, "household_place": "other"}
    sent = api.post("clerk_furong", "/api/v1/applications",
                    application(api, "NEWBORN_BIRTH", answers, FURONG,
                                household_region=LINGLING))
    assert sent.status_code == 201, sent.text
    app_id = sent.json()["id"]
    api.post("clerk_furong", f"/api/v1/applications/{app_id}/acceptance", {"decision": "accept"})
    tasks = {t["item"]: t for t in api.get("clerk_furong",
                                           f"/api/v1/applications/{app_id}").json()["tasks"]}
    assert tasks["GA_BIRTH_HUKOU"]["region"] == LINGLING
    assert tasks["GA_BIRTH_HUKOU"]["office"].startswith("零陵区")
    assert tasks["WJ_BIRTH_CERT"]["region"] == FURONG  # the hospital's, where it was received
    assert api.get("supervisor_yongzhou", f"/api/v1/applications/{app_id}").status_code == 200


def test_a_region_field_must_be_a_region_of_the_province(api: Api) -> None:
    for value in ("999999", "110101"):  # no such region; 北京市东城区, not below 湖南省
        answer = api.post("clerk_furong", "/api/v1/applications",
                          application(api, "OPEN_CONVENIENCE_STORE", STORE, FURONG,
                                      business_region=value))
        assert answer.status_code == 422, answer.text
        assert value in errors(answer)["form.business_region"]


def test_the_guide_says_whose_office_decides(api: Api) -> None:
    guide = api.client.post("/api/v1/bundles/OPEN_CONVENIENCE_STORE/guide",
                            json={"answers": STORE}).json()
    reg = next(i for i in guide["items"] if i["code"] == "SCJG_INDIVIDUAL_REG")
    assert reg["competent_region"] == {"field": "business_region"}
    assert reg["cross_region"] == "province"
    assert reg["decided_where"] == "经营场所所在地"
    page = api.client.get("/bundles/OPEN_CONVENIENCE_STORE/guide", params=STORE)
    assert "由经营场所所在地市场监督管理局办理" in page.text and "全省通办" in page.text


@pytest.fixture
def city_only(engine: Engine, demo_dir: Path, tmp_path: Path) -> Iterator[Api]:
    """The demo catalog with 营业执照 of a 个体工商户 received only within its city (市域通办)."""
    changed = tmp_path / "catalog"
    shutil.copytree(demo_dir, changed)
    items = changed / "items" / "market_regulation.yaml"
    text = items.read_text(encoding="utf-8")
    first = text.index("cross_region: province")  # SCJG_INDIVIDUAL_REG comes first
    items.write_text(text[:first] + "cross_region: city" + text[first + 22:], encoding="utf-8")
    build_world(session_factory(engine), changed, tmp_path / "files", PEOPLE)
    with client_for(engine, tmp_path) as client:
        yield Api(client)


def test_an_item_is_received_only_as_far_as_its_scope_reaches(city_only: Api) -> None:
    api = city_only
    far = api.post("clerk_furong", "/api/v1/applications",
                   application(api, "OPEN_CONVENIENCE_STORE", STORE, FURONG,
                               business_region=HETANG))  # 株洲市荷塘区
    assert far.status_code == 422, far.text
    message = errors(far)["region"]
    assert "个体工商户" in message and "市域通办" in message and "芙蓉区" in message
    near = api.post("clerk_furong", "/api/v1/applications",
                    application(api, "OPEN_CONVENIENCE_STORE", STORE, FURONG,
                                business_region=YUELU))  # the same city
    assert near.status_code == 201, near.text


# --- the rules, directly (pure) -----------------------------------------------------------


def test_whose_region_decides_and_how_far_an_item_is_received(demo: Any) -> None:
    from dataclasses import replace

    from onething.cases.routing import deciding, may_receive
    from onething.catalog.spec import CrossRegion, RegionFrom

    reg = demo.items["SCJG_INDIVIDUAL_REG"]  # county, decided where the shop is
    shop_in = {"business_region": "430102001"}  # 文艺路街道 of 芙蓉区: its county's office
    assert deciding(demo, reg, YUELU, shop_in, None).region == FURONG  # type: ignore[union-attr]
    assert deciding(demo, reg, FURONG, {}, None) is None  # the form must say
    own = replace(reg, region_field=None, region_from=RegionFrom.applicant)
    assert deciding(demo, own, FURONG, {}, LINGLING).region == LINGLING  # type: ignore[union-attr]
    assert deciding(demo, own, FURONG, {}, None) is None  # no registered region
    here = replace(reg, region_field=None)
    found = deciding(demo, here, "430102001", {}, None)  # received in a street of 芙蓉区
    assert found is not None and (found.region, found.elsewhere) == (FURONG, False)
    for scope, hetang, yuelu in ((CrossRegion.none, False, False),
                                 (CrossRegion.city, False, True),
                                 (CrossRegion.province, True, True),
                                 (CrossRegion.nationwide, True, True)):
        item = replace(reg, cross_region=scope)
        for region, allowed in ((HETANG, hetang), (YUELU, yuelu)):
            where = deciding(demo, item, FURONG, {"business_region": region}, None)
            assert where is not None and may_receive(demo, where, FURONG) == allowed, (
                scope, region)
        home = deciding(demo, item, YUELU, {"business_region": YUELU}, None)
        assert home is not None and may_receive(demo, home, YUELU)  # at home: always
