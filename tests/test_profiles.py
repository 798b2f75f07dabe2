"""一人一档、一企一档 on the demo catalog, through the API and the pages, on both databases:
a 营业执照 issued through the real case flow makes the company a holder in its own right;
its file is seen by its legal representative and by staff in scope (404 to anyone else);
the person's own file; the application form starts from what the files hold."""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, update

from onething.demo.data import _form, in_region, result_data
from onething.guide.engine import MaterialStatus, compute_guide
from onething.identity import service as identity
from onething.identity.models import User
from onething.kernel.db import session_factory, unit_of_work
from onething.kernel.identifiers import new_uscc
from onething.kernel.principal import Role
from world import Api, World, build_world, client_for

FURONG = "430102"
ID_NUMBER = "430102198507150038"  # zhang's 居民身份证号 (a valid check digit)
PHONE = "13912345678"
STORE = {"entity_type": "individual", "premises": "owned", "sells_food": False,
         "sells_tobacco": False, "sells_medical_devices": False, "shop_area": 60,
         "outdoor_sign": False, "has_employees": False}
STORE_QUERY = {k: str(v).lower() for k, v in STORE.items()}  # as the guide's page links them
SHOP = "张三便利店（芙蓉区）"
PEOPLE = [("zhang", Role.applicant, None, None), ("li", Role.applicant, None, None),
          ("proxy1", Role.proxy, FURONG, None),
          ("clerk_furong", Role.clerk, FURONG, None),
          ("clerk_zhuzhou", Role.clerk, "430200", None),
          ("scjg_furong", Role.approver, FURONG, "SCJG"),
          ("sw_furong", Role.approver, FURONG, "SW"),
          ("supervisor_cs", Role.supervisor, "430100", None),
          ("supervisor_zz", Role.supervisor, "430200", None),
          ("admin", Role.admin, "430000", None)]
APPROVERS = {"SCJG": "scjg_furong", "SW": "sw_furong"}
# a bundle for a business that exists already (its form asks for the USCC): an outdoor sign
SIGN_BUNDLE = """bundles:
  - code: SHOP_SIGN
    name: 我要设置户外招牌
    audience: company
    description: 已登记的个体工商户、企业设置门头户外招牌。
    questions:
      - {code: premises, text: 经营场所是自有还是租赁？, type: choice,
         options: {owned: 自有房产, rented: 租赁}, default: owned}
    stages:
      - name: 招牌设置
        items:
          - {item: CGZF_SHOP_SIGN}
"""


@pytest.fixture
def world(engine: Engine, demo_dir: Path, tmp_path: Path) -> World:
    changed = tmp_path / "catalog"
    shutil.copytree(demo_dir, changed)
    (changed / "bundles" / "shop_sign.yaml").write_text(SIGN_BUNDLE, encoding="utf-8")
    world = build_world(session_factory(engine), changed, tmp_path / "files", PEOPLE)
    with unit_of_work(world.sessions) as session:
        session.execute(update(User).where(User.username == "zhang").values(
            display_name="张三", id_number=ID_NUMBER, phone=PHONE))
    return world


@pytest.fixture
def api(engine: Engine, world: World, tmp_path: Path) -> Iterator[Api]:
    with client_for(engine, tmp_path) as client:
        yield Api(client)


def _catalog(api: Api) -> Any:
    state = api.client.app.state  # type: ignore[attr-defined]
    return state.catalogs.recent(state.sessions, 0)


def _open_shop(api: Api, **form: Any) -> int:
    """zhang applies online for his 个体工商户 convenience store in 芙蓉区 (as its 经营者);
    the window accepts it and every office approves: the 营业执照 is issued. Its id."""
    catalog = _catalog(api)
    guide = compute_guide(catalog, "OPEN_CONVENIENCE_STORE", STORE)
    scan = api.upload("zhang", "材料.pdf").json()["id"]
    drawn = in_region(catalog, _form(catalog, guide.fields, random.Random(5)), FURONG)
    body = {"bundle": "OPEN_CONVENIENCE_STORE", "region": FURONG, "answers": STORE,
            "form": {**drawn, "company_name": SHOP, "legal_rep_name": "张三",
                     "legal_rep_id_number": ID_NUMBER, **form},
            "materials": {m.code: {"file": scan} for m in guide.materials
                          if m.status == MaterialStatus.submit and m.required}}
    sent = api.post("zhang", "/api/v1/applications", body)
    assert sent.status_code == 201, sent.text
    app_id = int(sent.json()["id"])
    accepted = api.post("clerk_furong", f"/api/v1/applications/{app_id}/acceptance",
                        {"decision": "accept"})
    assert accepted.status_code == 200, accepted.text
    for _ in range(5):
        app = api.get("clerk_furong", f"/api/v1/applications/{app_id}").json()
        pending = [t for t in app["tasks"] if t["status"] == "pending"]
        if not pending:
            break
        for task in pending:
            answer = api.decide(APPROVERS[task["department"]], app_id, task["item"],
                                data=result_data(catalog, task["item"], random.Random(1)))
            assert answer.status_code == 200, answer.text
    return app_id


def _uscc(api: Api) -> str:
    wallet = api.get("zhang", "/api/v1/licences").json()
    return str(next(lic["holder_number"] for lic in wallet
                    if lic["licence_type"] == "BUSINESS_LICENCE"))


def test_a_business_licence_makes_the_company_a_holder_with_its_file(api: Api) -> None:
    app_id = _open_shop(api)
    uscc = _uscc(api)
    mine = api.get("zhang", "/api/v1/companies").json()
    assert mine["total"] == 1
    company = mine["items"][0]
    assert (company["uscc"], company["name"], company["kind"]) == (uscc, SHOP, "个体工商户")
    assert company["legal_rep_name"] == "张三"
    assert company["legal_rep_id_number"] == ID_NUMBER  # his own: in full
    assert company["region"] == FURONG and company["region_name"] == "长沙市芙蓉区"

    delivered = api.post("clerk_furong", f"/api/v1/applications/{app_id}/delivery",
                         {"method": "window"})
    assert delivered.status_code == 200, delivered.text
    rated = api.post("zhang", f"/api/v1/applications/{app_id}/rating",
                     {"target": "window", "level": 5})
    assert rated.status_code in (200, 201), rated.text

    file = api.get("zhang", f"/api/v1/companies/{uscc}").json()
    assert file["represented_by_me"] is True
    assert [lic["licence_type"] for lic in file["licences"]] == ["BUSINESS_LICENCE"]
    assert file["licences"][0]["holder_number"] == uscc
    assert [(a["id"], a["status"], a["status_name"]) for a in file["applications"]] == [
        (app_id, "delivered", "已送达")]
    assert [(r["target"], r["level_name"]) for r in file["ratings"]] == [("window", "非常满意")]

    # staff in scope see it (the legal representative's ID number masked); others: 404
    for who in ("clerk_furong", "scjg_furong", "supervisor_cs", "admin"):
        seen = api.get(who, f"/api/v1/companies/{uscc}")
        assert seen.status_code == 200, (who, seen.text)
        rep = seen.json()["company"]["legal_rep_id_number"]
        assert rep != ID_NUMBER and rep.startswith("4301") and "*" in rep, who
        assert seen.json()["represented_by_me"] is False
    for who in ("li", "proxy1", "clerk_zhuzhou", "supervisor_zz"):
        hidden = api.get(who, f"/api/v1/companies/{uscc}")
        assert hidden.status_code == 404, (who, hidden.text)
        assert hidden.headers["content-type"].startswith("application/problem+json")
        assert hidden.json()["code"] == "company_not_found"

    # staff search their region by USCC or name; nobody else's region lists it
    for q in (uscc, "便利店", uscc.lower()):
        found = api.get("clerk_furong", "/api/v1/companies", params={"q": q}).json()
        assert [c["uscc"] for c in found["items"]] == [uscc], q
    assert api.get("clerk_furong", "/api/v1/companies",
                   params={"q": "没有这家"}).json()["total"] == 0
    assert api.get("clerk_zhuzhou", "/api/v1/companies").json()["total"] == 0
    assert api.get("li", "/api/v1/companies").json()["items"] == []


def test_a_bad_uscc_is_refused_naming_it(api: Api) -> None:
    good = new_uscc(FURONG, "1")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")  # the check character wrong
    for who in ("zhang", "clerk_furong"):
        for value in (bad, "123"):
            answer = api.get(who, f"/api/v1/companies/{value}")
            assert answer.status_code == 422, answer.text
            assert [e["field"] for e in answer.json()["errors"]] == ["uscc"]
        assert api.get(who, f"/api/v1/companies/{good}").status_code == 404  # unknown
    assert api.client.get(f"/api/v1/companies/{good}").status_code == 401


def test_the_person_file_and_its_masking(api: Api, world: World) -> None:
    _open_shop(api)
    uscc = _uscc(api)
    with world.as_("clerk_furong") as ctx:
        proxy, zhang = (identity.find_user(ctx.session, n) for n in ("proxy1", "zhang"))
        identity.record_consent(ctx.session, ctx.actor, ctx.catalog, proxy=proxy,
                                person=zhang, note="本人书面授权")
    mine = api.get("zhang", "/api/v1/profile")
    assert mine.status_code == 200, mine.text
    f = mine.json()
    assert f["person"] == {"username": "zhang", "name": "张三", "id_number": ID_NUMBER,
                           "phone": PHONE, "email": None}  # his own: in full
    assert {lic["licence_type"] for lic in f["licences"]} >= {"BUSINESS_LICENCE"}
    assert len(f["applications"]) == 1 and f["applications"][0]["status"] == "completed"
    assert [(c["name"], c["active"]) for c in f["consents_given"]] == [("proxy1", True)]
    assert f["consents_received"] == []
    assert [c["uscc"] for c in f["companies"]] == [uscc]
    assert f["form_company"] == uscc
    assert f["form_defaults"] == {
        "applicant_name": "张三", "applicant_id_number": ID_NUMBER, "phone": PHONE,
        "legal_rep_name": "张三", "legal_rep_id_number": ID_NUMBER, "legal_rep_phone": PHONE,
        "company_name": SHOP, "uscc": uscc, "business_region": FURONG}

    # the proxy's file: the consent received names zhang, and nothing of his personal data
    theirs = api.get("proxy1", "/api/v1/profile")
    assert [c["name"] for c in theirs.json()["consents_received"]] == ["张三"]
    assert ID_NUMBER not in theirs.text and PHONE not in theirs.text
    assert theirs.json()["companies"] == [] and theirs.json()["form_defaults"] == {}
    # staff have no file of their own; a company not theirs cannot be chosen
    assert api.get("clerk_furong", "/api/v1/profile").status_code == 403
    other = api.get("zhang", "/api/v1/profile", params={"company": new_uscc(FURONG, "1")})
    assert other.status_code == 404
    assert api.get("zhang", "/api/v1/profile", params={"company": "x"}).status_code == 422


def test_the_form_starts_from_the_files(api: Api, world: World) -> None:
    world.sign_in(api.client, "zhang")
    # before any company: the person's own values, also as the new shop's 经营者
    page = api.client.get("/bundles/OPEN_CONVENIENCE_STORE/apply",
                          params=STORE_QUERY)
    assert page.status_code == 200, page.text
    assert f'value="{ID_NUMBER}"' in page.text and f'value="{PHONE}"' in page.text
    assert 'id="reused"' in page.text and "我的档案" in page.text
    _open_shop(api)
    uscc = _uscc(api)
    # a form that asks for the USCC: the company's values too, all editable inputs
    world.sign_in(api.client, "zhang")
    page = api.client.get("/bundles/SHOP_SIGN/apply")
    assert page.status_code == 200, page.text
    for value in (uscc, SHOP, ID_NUMBER, PHONE):
        assert f'value="{value}"' in page.text, value
    assert f"“{SHOP}”" in page.text
    # a new registration (its USCC produced) starts from the person only, not the old shop
    page = api.client.get("/bundles/OPEN_CONVENIENCE_STORE/apply",
                          params=STORE_QUERY)
    assert f'value="{ID_NUMBER}"' in page.text and f'value="{SHOP}"' not in page.text
    # the window's form is about the person before it: nothing of the clerk's
    world.sign_in(api.client, "clerk_furong")
    page = api.client.get("/bundles/SHOP_SIGN/apply")
    assert page.status_code == 200 and 'id="reused"' not in page.text
    api.client.cookies.clear()


def test_the_pages_of_the_files(api: Api, world: World) -> None:
    _open_shop(api)
    uscc = _uscc(api)
    world.sign_in(api.client, "zhang")
    home = api.client.get("/profile")
    assert home.status_code == 200
    for text in ("我的档案", "张三", ID_NUMBER, SHOP, f'/companies/{uscc}', "营业执照"):
        assert text in home.text, text
    assert 'href="/profile"' in home.text and 'href="/companies"' in home.text  # the menu
    listed = api.client.get("/companies")
    assert listed.status_code == 200 and f'id="company-{uscc}"' in listed.text
    file = api.client.get(f"/companies/{uscc}")
    assert file.status_code == 200 and SHOP in file.text and "已办结" in file.text
    world.sign_in(api.client, "clerk_furong")
    found = api.client.get("/companies", params={"q": "便利店"})
    assert f'id="company-{uscc}"' in found.text and ID_NUMBER not in found.text
    file = api.client.get(f"/companies/{uscc}")
    assert file.status_code == 200 and ID_NUMBER not in file.text
    assert api.client.get("/profile").status_code in (303, 200)  # not a page for staff
    # staff open zhang's file with a reason: masked, audited (the API's test counts the audit)
    csrf = world.sign_in(api.client, "clerk_furong")
    opened = api.client.post("/people", data={"username": "zhang", "reason": "核对登记信息",
                                              "csrf_token": csrf})
    assert opened.status_code == 200 and "办事人档案：张三" in opened.text
    assert "4301**********0038" in opened.text and ID_NUMBER not in opened.text
    assert PHONE not in opened.text and "核对登记信息" in opened.text
    blank = api.client.post("/people", data={"username": "zhang", "reason": "",
                                             "csrf_token": csrf})
    assert blank.status_code == 422 and "请填写查阅" in blank.text
    world.sign_in(api.client, "clerk_zhuzhou")
    assert api.client.get(f"/companies/{uscc}").status_code == 404
    assert f"company-{uscc}" not in api.client.get("/companies").text
    api.client.cookies.clear()


def test_staff_open_a_persons_file_with_a_reason_in_scope_audited(api: Api,
                                                                    world: World) -> None:
    from sqlalchemy import select

    from onething.audit.models import AuditRecord

    _open_shop(api)
    path = "/api/v1/people/zhang/profile"
    seen = api.post("clerk_furong", path, {"reason": "核对个体工商户登记信息"})
    assert seen.status_code == 200, seen.text
    f = seen.json()
    assert f["person"]["id_number"] == "4301**********0038" and ID_NUMBER not in seen.text
    assert f["person"]["phone"] == "139****5678" and PHONE not in seen.text
    assert len(f["applications"]) == 1 and f["form_defaults"] == {}
    assert [c["name"] for c in f["companies"]] == [SHOP]
    assert api.post("admin", path, {"reason": "抽查"}).status_code == 200
    blank = api.post("clerk_furong", path, {"reason": "  "})
    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "reason"
    for who in ("clerk_zhuzhou", "supervisor_zz"):  # none of his applications there
        assert api.post(who, path, {"reason": "核对"}).status_code == 404, who
    assert api.post("clerk_furong", "/api/v1/people/nobody/profile",
                    {"reason": "核对"}).status_code == 404
    assert api.post("li", path, {"reason": "好奇"}).status_code == 403
    with world.sessions() as session:
        views = session.scalars(select(AuditRecord).where(
            AuditRecord.action == "view_person_file")).all()
        assert [(v.actor, (v.after or {}).get("reason")) for v in views] == [
            ("clerk_furong", "核对个体工商户登记信息"), ("admin", "抽查")]
