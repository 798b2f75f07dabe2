"""我的档案 and 企业档案 in headless Chromium, against `onething serve` with the demo catalog
and its people: zhangsan opens a 个体工商户 shop through the API (the window accepts, the
offices approve), then reads his own file and his company's, as does the 芙蓉区 window;
screenshots at desktop and phone width."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from onething.catalog.linked import Catalog
from onething.demo.data import _form, in_region, result_data
from onething.guide.engine import MaterialStatus, compute_guide
from samples import PDF
from served import Served
from test_browser import _as, _shots, launch_chromium

pytestmark = pytest.mark.browser

ZHANGSAN = "11010519491231002X"  # the demo applicant's ID number
SHOP = "芙蓉区张三百货便利店"
STORE = {"entity_type": "individual", "premises": "owned", "sells_food": False,
         "sells_tobacco": False, "sells_medical_devices": False, "shop_area": 60,
         "outdoor_sign": False, "has_employees": False}


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    yield from launch_chromium()


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory, demo_dir: Path) -> Iterator[str]:
    served = Served(tmp_path_factory.mktemp("profiles"), catalog=demo_dir)
    served.cli("catalog", "load", str(demo_dir), check=True, timeout=300)
    with served:
        yield served.url


def _token(server: str, username: str) -> dict[str, str]:
    r = httpx.post(f"{server}/api/v1/auth/token",
                   data={"username": username, "password": "Onething2026"})
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _open_shop(server: str, catalog: Catalog) -> str:
    """zhangsan's shop, registered through the case flow; its USCC."""
    me = _token(server, "zhangsan")
    scan = httpx.post(f"{server}/api/v1/files", headers=me,
                      files={"file": ("材料.pdf", PDF)}).json()["id"]
    guide = compute_guide(catalog, "OPEN_CONVENIENCE_STORE", STORE)
    form = in_region(catalog, _form(catalog, guide.fields, random.Random(9)), "430102")
    form.update(company_name=SHOP, legal_rep_name="张三", legal_rep_id_number=ZHANGSAN)
    app = httpx.post(f"{server}/api/v1/applications", headers=me, json={
        "bundle": "OPEN_CONVENIENCE_STORE", "region": "430102", "answers": STORE,
        "form": form, "materials": {m.code: {"file": scan} for m in guide.materials
                                    if m.status == MaterialStatus.submit and m.required}})
    assert app.status_code == 201, app.text
    app_id = app.json()["id"]
    httpx.post(f"{server}/api/v1/applications/{app_id}/acceptance",
               headers=_token(server, "chuangkou"),
               json={"decision": "accept"}).raise_for_status()
    for _ in range(5):
        found: dict[str, Any] = httpx.get(f"{server}/api/v1/applications/{app_id}",
                                          headers=me).json()
        pending = [t for t in found["tasks"] if t["status"] == "pending"]
        if not pending:
            break
        for task in pending:
            decided = httpx.post(
                f"{server}/api/v1/tasks/{task['id']}/decision",
                headers=_token(server, f"{task['department'].lower()}_{task['region']}"),
                json={"action": "approve", "version": task["version"],
                      "data": result_data(catalog, task["item"], random.Random(1))})
            assert decided.status_code == 200, decided.text
    companies = httpx.get(f"{server}/api/v1/companies", headers=me).json()
    assert [c["name"] for c in companies["items"]] == [SHOP]
    return str(companies["items"][0]["uscc"])


def _look(browser: object, server: str, username: str, path: str, shots: Path,
          name: str) -> str:
    """The page as `username` sees it, shot at desktop and phone width (no sideways
    scrolling on the phone); its main text."""
    page: Any = _as(browser, server, username)
    for width, height, suffix in ((1280, 900, "desktop"), (390, 844, "phone")):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{server}{path}")
        page.screenshot(path=str(shots / f"{name}-{suffix}.png"), full_page=True)
        if suffix == "phone":
            scroll = page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= 390, f"{path} must fit a phone without sideways scrolling"
    return str(page.inner_text("main"))


def test_the_person_and_company_files_in_chromium(demo_server: str, browser: object,
                                                  demo: Catalog, tmp_path: Path) -> None:
    server, shots = demo_server, _shots(tmp_path)
    uscc = _open_shop(server, demo)
    mine = _look(browser, server, "zhangsan", "/profile", shots, "profile")
    for text in ("我的档案", "张三", ZHANGSAN, SHOP, "营业执照", "办事时自动带出的信息"):
        assert text in mine, text
    listed = _look(browser, server, "zhangsan", "/companies", shots, "companies")
    assert SHOP in listed and uscc in listed
    file = _look(browser, server, "zhangsan", f"/companies/{uscc}", shots, "company")
    assert "登记信息" in file and "已办结" in file and ZHANGSAN in file
    # the window of 芙蓉区 finds it by name; the legal representative's ID number masked
    clerk = _look(browser, server, "chuangkou", "/companies?q=便利店", shots, "companies-staff")
    assert SHOP in clerk and ZHANGSAN not in clerk and "1101**********002X" in clerk
    staff_file = _look(browser, server, "chuangkou", f"/companies/{uscc}", shots,
                       "company-staff")
    assert SHOP in staff_file and ZHANGSAN not in staff_file
    # the window opens his file with a reason (audited): masked
    clerk_page: Any = _as(browser, server, "chuangkou")
    clerk_page.goto(f"{server}/people")
    clerk_page.fill("[name=username]", "zhangsan")
    clerk_page.fill("[name=reason]", "核对个体工商户登记信息")
    clerk_page.click("#lookup button[type=submit]")
    shown = str(clerk_page.inner_text("main"))
    assert "办事人档案：张三" in shown and ZHANGSAN not in shown and SHOP in shown
    for width, height, suffix in ((1280, 900, "desktop"), (390, 844, "phone")):
        clerk_page.set_viewport_size({"width": width, "height": height})
        clerk_page.screenshot(path=str(shots / f"person-staff-{suffix}.png"), full_page=True)
    # the form of a new shop starts from his file: his own values, editable
    page: Any = _as(browser, server, "zhangsan")
    query = "&".join(f"{k}={str(v).lower()}" for k, v in STORE.items())
    page.goto(f"{server}/bundles/OPEN_CONVENIENCE_STORE/apply?{query}")
    assert page.input_value("[name='field.legal_rep_id_number']") == ZHANGSAN
    assert "我的档案" in page.inner_text("#reused")
    page.fill("[name='field.legal_rep_name']", "张三丰")  # what is prefilled stays editable
    assert page.input_value("[name='field.legal_rep_name']") == "张三丰"
