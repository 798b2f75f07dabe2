"""The walk of a new user, in headless Chromium against `onething serve --demo`: what each
person sees when a step is refused, what the apply form says before submitting, consents
granted and revoked in pages, the notice a resubmission answers, a phone's workbench and
wallet, and no raw codes, English or internal ids where people read.

Set-up goes through the API (quick, and the same services); what a person does and sees goes
through the pages, without JavaScript as the tests of tests/test_browser.py do."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from onething.catalog.linked import Catalog
from onething.demo.data import _form
from onething.demo.people import DEMO_PASSWORD as PASSWORD
from onething.guide.engine import FieldStatus, MaterialStatus, compute_guide
from samples import NEWBORN, PDF
from served import Served
from test_browser import _shots, launch_chromium

pytestmark = pytest.mark.browser

WALKERS = ("walker1", "walker2", "walker3", "walker4", "walker5", "walker6", "walker7")
STORE = {"entity_type": "individual", "premises": "rented", "sells_food": False,
         "sells_tobacco": False, "sells_medical_devices": False, "shop_area": 50,
         "outdoor_sign": False, "has_employees": False}
NEWBORN_QUERY = ("parents_married=true&household_place=local&sign_family_doctor=false"
                 "&want_social_security_card=false")
COMPANY = {"premises": "owned", "need_seal": False, "has_employees": False,
           "open_bank_account": True}
LONG_NAME = "长沙市芙蓉区" + "某" * 40 + "便利店有限责任公司"
LATIN = re.compile(r"[A-Za-z]")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, demo_dir: Path) -> Iterator[str]:
    """The demo on its own data, with applicants of its own for each test."""
    served = Served(tmp_path_factory.mktemp("walk"), catalog=demo_dir)
    for name in WALKERS:
        served.cli("user", "add", name, "--role", "applicant", "--display-name",
                   f"步行者{name[-1]}", input=f"{PASSWORD}\n", check=True)
    with served:
        yield served.url


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    yield from launch_chromium()


# --- set-up through the API -------------------------------------------------------------


def _headers(server: str, username: str) -> dict[str, str]:
    r = httpx.post(f"{server}/api/v1/auth/token",
                   data={"username": username, "password": PASSWORD})
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _call(server: str, username: str, method: str, path: str, **kw: Any) -> Any:
    r = httpx.request(method, f"{server}/api/v1{path}", headers=_headers(server, username),
                      timeout=30, **kw)
    assert r.status_code < 300, r.text
    return r.json() if r.content else None


def _submit(server: str, demo: Catalog, username: str, bundle: str,
            answers: dict[str, Any], commitments: tuple[str, ...] = (),
            **values: Any) -> dict[str, Any]:
    """An application with the demo's values (and `values`), every material uploaded except
    those signed for (告知承诺)."""
    guide = compute_guide(demo, bundle, answers)
    form = {**_form(demo, guide.fields, random.Random(7)), **values}
    scan = _call(server, username, "POST", "/files", files={"file": ("扫描件.pdf", PDF)})["id"]
    materials = {m.code: ({"commitment": True} if m.code in commitments else {"file": scan})
                 for m in guide.materials
                 if m.status in (MaterialStatus.submit, MaterialStatus.commitment)}
    return _call(server, username, "POST", "/applications", json={
        "bundle": bundle, "region": "430102", "answers": answers, "materials": materials,
        "form": {f.code: form[f.code] for f in guide.fields_with(FieldStatus.fill)
                 if f.code in form}})


def _accept(server: str, app_id: int) -> None:
    _call(server, "chuangkou", "POST", f"/applications/{app_id}/acceptance",
          json={"decision": "accept"})


def _approve_all(server: str, app_id: int, but: tuple[str, ...] = ()) -> None:
    """Every pending task approved by its office, stage after stage, except items in `but`."""
    while True:
        app = _call(server, "admin", "GET", f"/applications/{app_id}")
        pending = [t for t in app["tasks"] if t["status"] == "pending" and t["item"] not in but]
        if not pending:
            return
        for t in pending:
            _call(server, f"{t['department'].lower()}_{t['region']}", "POST",
                  f"/tasks/{t['id']}/decision", json={"action": "approve",
                                                      "version": t["version"]})


# --- pages ------------------------------------------------------------------------------


def _page(chromium: Any, server: str, username: str | None, width: int = 1280) -> Any:
    context = chromium.new_context(viewport={"width": width, "height": 900},
                                  java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    if username:
        page.goto(f"{server}/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("form.stack button[type=submit]")
    return page


def _fill(page: Any, demo: Catalog, bundle: str, answers: dict[str, Any],
          upload: Path) -> dict[str, Any]:
    """The apply form filled as a person would, with the demo's values; every file chosen."""
    guide = compute_guide(demo, bundle, answers)
    values = _form(demo, guide.fields, random.Random(5))
    page.select_option("select[name=region]", "430102")
    for f in guide.fields_with(FieldStatus.fill):
        selector, value = f"[name='field.{f.code}']", values.get(f.code)
        if value is None:
            continue
        if f.field.options or f.type in ("bool", "region"):  # chosen, never typed
            page.select_option(selector, str(value).lower())
        else:
            page.fill(selector, str(value))
    for chooser in page.locator("input[type=file]").all():
        chooser.set_input_files(str(upload))
    return values


def _checked(page: Any, name: str) -> list[str]:
    return [e.get_attribute("value") for e in page.locator(f"input[name={name}]:checked").all()]


def _fits(page: Any, shots: Path, name: str) -> None:
    """Screenshots at desktop and phone width; on the phone nothing scrolls sideways."""
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
    page.set_viewport_size({"width": 1280, "height": 900})


# --- the tests ----------------------------------------------------------------------------


def test_the_window_keeps_its_choice_and_text_and_the_resubmission_shows_the_notice(
        server: str, chromium: Any, demo: Catalog, tmp_path: Path) -> None:
    shots = _shots(tmp_path)
    app = _submit(server, demo, "walker1", "OPEN_CONVENIENCE_STORE", STORE)
    url = f"{server}/applications/{app['id']}"
    clerk = _page(chromium, server, "chuangkou")
    clerk.goto(url)
    assert _checked(clerk, "decision") == []  # nothing pre-selected: the clerk chooses
    clerk.check("input[name=decision][value=refuse]")
    clerk.fill("textarea[name=notice]", "租赁合同缺少出租方签字页")
    clerk.click("text=确认受理决定")
    assert "不予受理须说明理由" in clerk.inner_text(".alert")
    assert "已提交，待受理" in clerk.inner_text("#status")  # nothing was decided
    assert _checked(clerk, "decision") == ["refuse"]  # the choice did not jump back
    assert clerk.input_value("textarea[name=notice]") == "租赁合同缺少出租方签字页"
    assert "不予受理须说明理由" in clerk.inner_text("#window .form-error")
    _fits(clerk, shots, "walk-window-refused")
    clerk.check("input[name=decision][value=return]")
    clerk.fill("textarea[name=notice]", "租赁合同缺少出租方签字页\n身份证照片不清晰，请重新拍摄")
    clerk.click("text=确认受理决定")
    assert "已退回补正" in clerk.inner_text("#status")

    citizen = _page(chromium, server, "walker1")
    citizen.goto(url)
    citizen.click("text=补正并重新提交")
    assert app["number"] in citizen.title()
    assert citizen.locator("h1").inner_text().endswith("补正并重新提交")
    notice = citizen.locator("#return-notice li").all_inner_texts()
    assert notice == ["租赁合同缺少出租方签字页", "身份证照片不清晰，请重新拍摄"]
    assert citizen.locator("text=修改情形").count() == 0  # the situation is not changed here
    _fits(citizen, shots, "walk-resubmit")
    citizen.click("text=补正后重新提交")
    assert "已提交，待受理" in citizen.inner_text("#status")


def test_an_approver_keeps_the_action_the_procedure_and_the_values_typed(
        server: str, chromium: Any, demo: Catalog, tmp_path: Path) -> None:
    shots = _shots(tmp_path)
    app = _submit(server, demo, "walker2", "COMPANY_OPENING", COMPANY,
                  company_name="长沙步行者科技有限公司")
    _accept(server, app["id"])
    url = f"{server}/applications/{app['id']}"
    market = _page(chromium, server, "scjg_430102")
    market.goto(url)
    assert _checked(market, "action") == []  # neither 准予 nor anything else pre-selected
    market.check("input[name=action][value=suspend]")
    market.fill("input[name=procedure_days]", "10")
    market.fill("input[name=reason]", "住所需要现场核查")
    market.click("text=提交「企业设立登记」的决定")
    assert "程序种类" in market.inner_text(".alert")
    assert _checked(market, "action") == ["suspend"]
    assert market.input_value("input[name=procedure_days]") == "10"
    assert market.input_value("input[name=reason]") == "住所需要现场核查"
    market.select_option("select[name=procedure]", "检验")
    market.click("text=提交「企业设立登记」的决定")
    assert "特别程序中" in market.inner_text("#tasks ~ table")
    market.check("input[name=action][value=resume]")
    market.click("text=提交「企业设立登记」的决定")
    _approve_all(server, app["id"], but=("BANK_ACCOUNT_OPEN",))

    bank = _page(chromium, server, "bank_430100")
    bank.goto(url)
    bank.check("input[name=action][value=approve]")
    bank.fill("input[name='data.bank_account']", "4305-ABC")
    bank.click("text=提交「企业银行基本存款账户开立」的决定")
    assert "银行账号" in bank.inner_text(".alert")
    assert _checked(bank, "action") == ["approve"]
    assert bank.input_value("input[name='data.bank_account']") == "4305-ABC"
    _fits(bank, shots, "walk-approval-refused")
    bank.fill("input[name='data.bank_account']", "43050178360000000456")
    bank.click("text=提交「企业银行基本存款账户开立」的决定")
    assert "43050178360000000456" in bank.inner_text("#form-h + dl")


def test_delivery_check_and_rating_keep_what_was_chosen(
        server: str, chromium: Any, demo: Catalog, tmp_path: Path) -> None:
    shots = _shots(tmp_path)
    app = _submit(server, demo, "walker3", "OPEN_CONVENIENCE_STORE", STORE,
                  commitments=("LESSOR_PROPERTY_PROOF",), capital_amount=50)
    _accept(server, app["id"])
    _approve_all(server, app["id"])
    url = f"{server}/applications/{app['id']}"

    clerk = _page(chromium, server, "chuangkou")
    clerk.goto(url)
    assert _checked(clerk, "method") == []
    clerk.check("input[name=method][value=post]")
    clerk.click("text=登记送达")
    assert "快递单号" in clerk.inner_text(".alert")
    assert _checked(clerk, "method") == ["post"]
    clerk.fill("input[name=tracking_number]", "EMS1234567890CN")
    clerk.click("text=登记送达")
    assert "已送达" in clerk.inner_text("#status")

    market = _page(chromium, server, "scjg_430102")
    market.goto(f"{server}/checks")
    check = market.locator(f"section.check:has-text('{app['number']}')")
    assert check.locator("input[name=outcome]:checked").count() == 0
    check.locator("input[name=outcome][value=false]").check()
    check.locator("textarea[name=note]").fill("   ")  # only spaces: the office must say
    check.locator("button[type=submit]").click()
    assert "核查" in market.inner_text(".alert")
    check = market.locator(f"section.check:has-text('{app['number']}')")
    assert check.locator("input[name=outcome]:checked").get_attribute("value") == "false"

    citizen = _page(chromium, server, "walker3")
    citizen.goto(url)
    citizen.click("#rate-department-SCJG summary")
    citizen.check("#rate-department-SCJG input[name=level][value='2']")
    citizen.click("#rate-department-SCJG button[type=submit]")
    assert "差评请写明原因" in citizen.inner_text(".alert")
    assert citizen.is_checked("#rate-department-SCJG input[name=level][value='2']")
    assert citizen.locator("#rate-department-SCJG[open]").count() == 1
    _fits(citizen, shots, "walk-rating-refused")
    citizen.fill("#rate-department-SCJG textarea[name=comment]", "材料要求说明不清楚")
    citizen.click("#rate-department-SCJG button[type=submit]")
    assert "我的评价" in citizen.inner_text("#rating-h")
    rated = citizen.inner_text("#ratings article")
    assert "评价对象：芙蓉区市场监督管理局" in rated and "不满意" in rated
    assert citizen.locator("#rate-department-SCJG").count() == 0  # rated: once
    assert citizen.locator("#rate-window").count() == 1  # the window still may be
    _fits(citizen, shots, "walk-rated-one-service")

    # what a person reads: step names in Chinese (评价, not `rate`), whole numbers whole,
    # the 办件编号 in the title, no catalog hash
    steps = citizen.locator(".timeline > li > strong").all_inner_texts()
    assert "评价" in steps and "送达" in steps and "准予" in steps
    assert not [s for s in steps if LATIN.search(s)], steps
    form = citizen.inner_text("#form-h + dl")
    assert "50.0" not in form and re.search(r"资金数额（万元）\s+50\b", form)
    assert "芙蓉区（430102）" in form  # a 行政区划 field by its name, not its code
    assert citizen.title() == f"办件 {app['number']} · 湖南政务服务"
    assert "目录版本" not in citizen.inner_text("body")


def test_the_receipt_s_code_offers_only_what_can_be_rated_now(
        server: str, chromium: Any, demo: Catalog, tmp_path: Path) -> None:
    """The code printed at acceptance: the window at once; nothing ratable while the
    departments decide, said before any form; each department after its decision, with the
    same code; then the code is used up."""
    shots = _shots(tmp_path)
    app = _submit(server, demo, "walker7", "OPEN_CONVENIENCE_STORE", STORE,
                  commitments=("LESSOR_PROPERTY_PROOF",))
    _accept(server, app["id"])
    clerk = _page(chromium, server, "chuangkou")
    clerk.goto(f"{server}/applications/{app['id']}")
    clerk.click("text=打印评价回执（生成评价码）")
    code = clerk.inner_text("#rating-code").strip()

    phone = _page(chromium, server, None, width=390)
    phone.goto(f"{server}/r/{code}")
    assert phone.locator("details.rate-target").count() == 1
    assert phone.locator("#rate-window[open]").count() == 1  # the only one: open
    assert "办结后可评价" in phone.inner_text("#rating-progress")
    _fits(phone, shots, "code-window-ratable")
    phone.check("#rate-window input[name=level][value='5']")
    phone.click("#rate-window button[type=submit]")
    done = phone.inner_text("main")
    assert "感谢您的评价" in done and "办结后可凭同一评价码再次扫码评价" in done

    phone.goto(f"{server}/r/{code}")
    assert "部门审批尚未办结" in phone.inner_text("#not-yet")
    assert "办结后可再次扫码评价" in phone.inner_text("#not-yet")
    assert phone.locator("input[name=level]").count() == 0  # no form to be refused by
    assert "芙蓉区政务服务综合窗口" in phone.inner_text("#rating-progress")
    _fits(phone, shots, "code-nothing-yet")

    _approve_all(server, app["id"])
    phone.goto(f"{server}/r/{code}")
    departments = phone.locator("details.rate-target").count()
    assert departments >= 2 and phone.locator("#rate-window").count() == 0
    for _ in range(departments):
        if phone.locator("details.rate-target[open]").count() == 0:  # several: choose one
            phone.locator("details.rate-target summary").first.click()
        phone.locator("details.rate-target[open] input[name=level][value='4']").check()
        phone.locator("details.rate-target[open] button[type=submit]").click()
        assert "感谢您的评价" in phone.inner_text("main")
        phone.goto(f"{server}/r/{code}")
    assert "均已评价" in phone.inner_text("main")
    assert phone.locator("input[name=level]").count() == 0
    _fits(phone, shots, "code-all-rated")
    ratings = _call(server, "walker7", "GET", f"/applications/{app['id']}/rating")
    assert len(ratings["ratings"]) == departments + 1 and ratings["target"] == "window"


def test_the_apply_form_says_what_it_asks_before_submitting(
        server: str, chromium: Any, demo: Catalog, tmp_path: Path) -> None:
    shots = _shots(tmp_path)
    page = _page(chromium, server, "walker4")
    page.goto(f"{server}/bundles/NEWBORN_BIRTH/apply?{NEWBORN_QUERY}")
    name = page.locator("label.field:has([name='field.child_name'])")
    assert "*" in name.locator(".lt").inner_text()
    assert page.get_attribute("[name='field.child_name']", "required") is not None
    assert page.get_attribute("[name='field.child_name']", "aria-required") == "true"
    assert "不超过 50 个字" in name.inner_text()
    hints = {code: page.inner_text(f"label.field:has([name='field.{code}']) .hint")
             for code in ("mother_id_number", "birth_weight", "birth_date", "birth_time",
                          "phone")}
    assert "18 位居民身份证号码" in hints["mother_id_number"]
    assert "范围：300 至 7000" in hints["birth_weight"] and "整数" in hints["birth_weight"]
    assert "年-月-日" in hints["birth_date"] and "2026-05-20" in hints["birth_date"]
    assert "08:30" in hints["birth_time"]
    assert "11 位手机号码" in hints["phone"]
    assert page.get_attribute("[name='field.birth_weight']", "min") == "300"
    optional = page.locator("label.field:has([name='field.family_doctor_team'])")
    if optional.count():  # only when the family doctor is signed
        assert "（选填）" in optional.inner_text()
    gender = page.locator("[name='field.child_gender']")
    assert gender.input_value() == ""  # 请选择: nothing is chosen for the applicant
    assert "请选择" in gender.inner_text()
    _fits(page, shots, "walk-apply-form")

    scan, note = tmp_path / "扫描件.pdf", tmp_path / "笔记.txt"
    scan.write_bytes(PDF + b"scan")
    note.write_text("不是扫描件")
    _fill(page, demo, "NEWBORN_BIRTH", NEWBORN, scan)
    page.fill("[name='field.child_name']", "步小宝")
    first = page.locator("fieldset.question:has(input[type=file])").first
    material = first.locator("legend").inner_text()
    first.locator("input[type=file]").set_input_files(str(note))
    page.click("text=提交申请")
    alert = page.inner_text(".alert")
    named = material.replace("（必须提供）", "").replace("*", "").replace("关键材料", "").strip()
    assert f"“{named}”的文件“笔记.txt”未能上传" in alert, alert
    assert page.input_value("[name='field.child_name']") == "步小宝"  # what was typed stays


def test_a_proxy_without_consent_keeps_the_form_and_the_person_grants_and_revokes(
        server: str, chromium: Any, demo: Catalog, tmp_path: Path) -> None:
    shots = _shots(tmp_path)
    scan = tmp_path / "出生医学证明.pdf"
    scan.write_bytes(PDF + b"birth")
    proxy = _page(chromium, server, "daiban")
    proxy.goto(f"{server}/bundles/NEWBORN_BIRTH/apply?{NEWBORN_QUERY}")
    proxy.fill("input[name=applicant]", "walker5")
    values = _fill(proxy, demo, "NEWBORN_BIRTH", NEWBORN, scan)
    proxy.click("text=提交申请")
    alert = proxy.inner_text(".alert")
    assert "尚未授权您代为办理" in alert and "代办授权" in alert
    assert proxy.input_value("input[name=applicant]") == "walker5"  # all that was typed stays
    assert proxy.input_value("[name='field.child_name']") == str(values["child_name"])
    assert proxy.locator("text=已上传：出生医学证明.pdf").count() >= 1  # and the uploads
    _fits(proxy, shots, "walk-no-consent")
    proxy.fill("input[name=applicant]", "nobody_walker5")  # a name nobody has: the same words
    proxy.click("text=提交申请")
    assert proxy.inner_text(".alert").replace("nobody_walker5", "walker5") == alert
    proxy.fill("input[name=applicant]", "walker5")

    person = _page(chromium, server, "walker5")
    person.goto(f"{server}/consents")
    assert "您还没有授权任何人代办" in person.inner_text("main")
    person.fill("#grant input[name=proxy]", "daiban")
    person.fill("#grant input[name=note]", "新生儿出生一件事")
    person.click("#grant button[type=submit]")
    row = person.inner_text("#consents tbody tr")
    assert "daiban" in row and "有效" in row and "新生儿出生一件事" in row
    _fits(person, shots, "walk-consents")

    proxy.click("text=提交申请")  # the same form, sent again: now with consent
    assert "已提交，待受理" in proxy.inner_text("#status")
    assert "由 王帮办" in proxy.inner_text("#status + dl")

    person.click("#consents button:text('撤销授权')")
    assert "已撤销" in person.inner_text("#consents tbody tr")
    proxy.goto(f"{server}/consents")
    assert "已撤销" in proxy.inner_text("main") and "walker5" in proxy.inner_text("main")


def test_the_workbench_and_the_wallet_on_a_phone(
        server: str, chromium: Any, demo: Catalog, tmp_path: Path) -> None:
    shots = _shots(tmp_path)
    app = _submit(server, demo, "walker6", "COMPANY_OPENING", COMPANY, company_name=LONG_NAME)
    _accept(server, app["id"])
    _approve_all(server, app["id"], but=("BANK_ACCOUNT_OPEN",))
    bank = _call(server, "admin", "GET", f"/applications/{app['id']}")["tasks"]
    task = next(t for t in bank if t["item"] == "BANK_ACCOUNT_OPEN")
    _call(server, "bank_430100", "POST", f"/tasks/{task['id']}/decision", json={
        "action": "approve", "version": task["version"],
        "data": {"bank_account": "430501783600000000000000000012"}})

    clerk = _page(chromium, server, "chuangkou", width=390)
    clerk.goto(f"{server}/workbench")
    assert clerk.evaluate("document.documentElement.scrollWidth") <= 390
    for tab in clerk.locator(".tabs a").all():
        box = tab.bounding_box()
        assert box["height"] >= 44, tab.inner_text()  # a finger's target
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, tab.inner_text()  # all seen
    clerk.screenshot(path=str(shots / "walk-workbench-390.png"), full_page=True)

    wallet = _page(chromium, server, "walker6", width=390)
    wallet.goto(f"{server}/wallet")
    assert LONG_NAME in wallet.inner_text("main")
    assert wallet.evaluate("document.documentElement.scrollWidth") <= 390
    overflowing = wallet.evaluate("""[...document.querySelectorAll('li.card, li.card *')]
        .filter(e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX
                     !== 'auto').map(e => e.tagName + ':' + e.textContent.slice(0, 30))""")
    assert overflowing == []
    assert app["number"] in wallet.inner_text("li.card")  # the 办件编号, not an id
    wallet.screenshot(path=str(shots / "walk-wallet-390.png"), full_page=True)


def test_the_guide_reads_as_a_person_reads(server: str, chromium: Any) -> None:
    page = _page(chromium, server, None)
    query = "&".join(f"{k}={str(v).lower()}" for k, v in STORE.items())
    page.goto(f"{server}/bundles/OPEN_CONVENIENCE_STORE/guide?{query}")
    situation = page.inner_text("#summary + dl")
    assert "您以什么身份开店？个体工商户" in situation
    assert "？：" not in page.inner_text("main")
    assert "经营场所建筑面积（平方米）：50" in situation and "50.0" not in situation
    assert "目录版本" not in page.inner_text("body")
