"""A citizen finds a bundle, answers the questions and reads the guide, in headless Chromium,
against the service running as it runs in production (`onething serve`)."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, select

from conftest import IN_CI
from onething.outbox.models import Notification
from samples import PDF
from served import Served

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


SERVED: dict[str, Served] = {}  # the served processes by their address (their data)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, basic_dir: Path) -> Iterator[str]:
    with Served(tmp_path_factory.mktemp("serve"), catalog=basic_dir) as served:
        SERVED[served.url] = served
        yield served.url


@pytest.fixture(scope="module")
def busy_server(tmp_path_factory: pytest.TempPathFactory, demo_dir: Path) -> Iterator[str]:
    """The demo catalog with generated applications, swept once: real figures."""
    served = Served(tmp_path_factory.mktemp("busy"), catalog=demo_dir)
    for command in (["catalog", "load", str(demo_dir)],
                    ["demo", "generate", "--applications", "80", "--seed", "7"],
                    ["worker", "--once"]):
        served.cli(*command, check=True, timeout=300)
    with served:
        yield served.url


def launch_chromium() -> Iterator[Any]:
    """Headless Chromium for a module's tests; skipped (failed in CI) when not installed."""
    if CHROMIUM is None:
        if IN_CI:
            pytest.fail("chromium is not installed (scripts/ensure-chromium installs it)")
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    yield from launch_chromium()


def test_citizen_reads_a_guide_on_a_phone(server: str, browser: object,
                                          tmp_path: Path) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844},  # type: ignore[attr-defined]
                                  java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{server}/bundles")
    page.fill("input[name=q]", "便利店")
    page.click("form.search button")
    page.click("text=我要开便利店")
    assert page.url.endswith("/bundles/STORE")

    page.check("input[name=premises][value=rented]")
    page.check("input[name=sells_food][value=true]")
    page.check("input[name=sells_tobacco][value=true]")
    page.fill("input[name=shop_area]", "500")
    page.check("input[name=extras][value=sign]")
    page.click("text=生成我的办事指南")

    assert "/bundles/STORE/guide" in page.url
    assert page.locator("h1").inner_text() == "我要开便利店 · 我的办事指南"
    assert page.locator("#bring").inner_text() == "需要提交的材料（3 份）"
    assert page.locator(".figure").count() == 6
    assert "18 个工作日" in page.locator("#summary + dl").inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the guide must fit a phone screen without sideways scrolling"
    page.screenshot(path=str(tmp_path / "guide-phone.png"), full_page=True)

    page.click("text=修改情形")
    assert page.is_checked("input[name=premises][value=rented]")
    page.check("input[name=premises][value=owned]")
    page.fill("input[name=shop_area]", "")
    page.click("text=生成我的办事指南")
    assert "请检查以下 1 处回答" in page.inner_text(".alert")
    context.close()


def test_print_hides_navigation(server: str, browser: object) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(f"{server}/bundles/FAST/guide")
    page.emulate_media(media="print")
    assert not page.is_visible("header.site nav")
    assert page.is_visible("#bring")
    page.close()


STORE = "premises=rented&sells_food=true&sells_tobacco=false&shop_area=500&extras=sign"


_SIGNED_IN: dict[tuple[int, str, str], tuple[Any, str]] = {}  # its cookies, where it landed


def _as(browser: object, server: str, username: str) -> object:
    """A browser of its own for one person, signed in without JS: through the login page
    the first time on this server, then with that sign-in's cookies (each login is a slow
    argon2 check on purpose), on the page the login led to."""
    key = (id(browser), server, username)
    if key in _SIGNED_IN:
        state, landed = _SIGNED_IN[key]
        context = browser.new_context(java_script_enabled=False, locale="zh-CN",  # type: ignore[attr-defined]
                                      storage_state=state)
        page = context.new_page()
        page.goto(landed)
        if "/login" not in page.url:
            return page
        context.close()  # the session has ended since: sign in again
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(f"{server}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "Onething2026")
    page.click("form.stack button[type=submit]")
    if "/login" not in page.url:
        _SIGNED_IN[key] = (context.storage_state(), page.url)
    return page


def _approve(page: object, item: str) -> None:
    """Approve `item` on the application's page: nothing is pre-selected."""
    form = page.locator(f"form:has(button:text-is('提交「{item}」的决定'))")  # type: ignore[attr-defined]
    form.locator("input[name=action][value=approve]").check()
    form.locator("button[type=submit]").click()


def _decide(page: object, server: str, item: str) -> None:
    page.goto(f"{server}/inbox")  # type: ignore[attr-defined]
    page.click(f"tr:has-text('{item}') >> a.button")  # type: ignore[attr-defined]
    _approve(page, item)


def test_the_journey_through_the_pages(server: str, browser: object, tmp_path: Path) -> None:
    scan = tmp_path / "身份证.pdf"
    scan.write_bytes(PDF + b"id")
    lease = tmp_path / "租赁合同.pdf"
    lease.write_bytes(PDF + b"lease")

    citizen = _as(browser, server, "zhangsan")
    citizen.goto(f"{server}/bundles/STORE/guide?{STORE}")  # type: ignore[attr-defined]
    citizen.click("text=在线申请（一表申请）")  # type: ignore[attr-defined]
    citizen.select_option("select[name=region]", "430102")  # type: ignore[attr-defined]
    citizen.fill("input[name='field.applicant_name']", "张三")  # type: ignore[attr-defined]
    citizen.fill("input[name='field.id_number']", "11010519491231002X")  # type: ignore[attr-defined]
    citizen.fill("input[name='field.shop_area']", "500")  # type: ignore[attr-defined]
    citizen.set_input_files("input[name='material.ID_CARD']", str(scan))  # type: ignore[attr-defined]
    citizen.check("input[name='choice.LEASE'][value=deferred]")  # type: ignore[attr-defined]
    # 告知承诺 is the applicant's choice, never pre-selected
    assert citizen.is_checked("input[name='choice.FLOOR_PLAN'][value=file]")  # type: ignore[attr-defined]
    citizen.check("input[name='choice.FLOOR_PLAN'][value=commitment]")  # type: ignore[attr-defined]
    citizen.click("text=提交申请")  # type: ignore[attr-defined]
    assert "已提交，待受理" in citizen.inner_text("#status")  # type: ignore[attr-defined]
    application_url = citizen.url  # type: ignore[attr-defined]

    clerk = _as(browser, server, "chuangkou")
    clerk.goto(f"{server}/workbench")  # type: ignore[attr-defined]
    clerk.click("table.list a")  # type: ignore[attr-defined]
    clerk.check("input[name=decision][value=accept_with_deficiency]")  # type: ignore[attr-defined]
    clerk.fill("input[name=supplement_days]", "1")  # type: ignore[attr-defined]
    clerk.click("text=确认")  # type: ignore[attr-defined]
    assert "容缺受理" in clerk.inner_text("#status")  # type: ignore[attr-defined]

    citizen.goto(application_url)  # type: ignore[attr-defined]
    citizen.set_input_files("input[name='material.LEASE']", str(lease))  # type: ignore[attr-defined]
    citizen.click("text=提交补齐材料")  # type: ignore[attr-defined]
    assert "补齐" in citizen.inner_text("#status + dl")  # type: ignore[attr-defined]

    market = _as(browser, server, "scjg_430102")
    _decide(market, server, "营业执照（设立登记）")
    _decide(_as(browser, server, "cg_430102"), server, "户外招牌设置")
    _decide(market, server, "食品经营许可")
    _decide(_as(browser, server, "xf_430102"), server, "公众聚集场所投入使用、营业前消防安全检查")

    citizen.goto(application_url)  # type: ignore[attr-defined]
    assert "已办结" in citizen.inner_text("#status")  # type: ignore[attr-defined]
    assert citizen.locator(".timeline li").count() >= 12  # type: ignore[attr-defined]
    citizen.goto(f"{server}/wallet")  # type: ignore[attr-defined]
    wallet = citizen.inner_text("main")  # type: ignore[attr-defined]
    assert "营业执照" in wallet and "食品经营许可证" in wallet

    again = STORE.replace("sells_food=true", "sells_food=false")
    citizen.goto(f"{server}/bundles/STORE/apply?{again}")  # type: ignore[attr-defined]
    spared = citizen.inner_text("#materials ~ fieldset:has-text('食品经营许可证')")  # type: ignore[attr-defined]
    assert "您已持有该电子证照" in spared
    citizen.screenshot(path=str(tmp_path / "second-application.png"), full_page=True)  # type: ignore[attr-defined]


def _recent_months(count: int) -> list[str]:
    import datetime as dt

    first = dt.date.today().replace(day=1)
    months = []
    for _ in range(count):
        months.append(first.strftime("%Y-%m"))
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return months


def test_the_dashboard_shows_real_figures(busy_server: str, browser: object,
                                          tmp_path: Path) -> None:
    page = _as(browser, busy_server, "admin")
    totals = 0
    for month in _recent_months(7):  # the generator spreads 80 applications over 6 months
        page.goto(f"{busy_server}/dashboard?month={month}")  # type: ignore[attr-defined]
        totals += int(page.inner_text("#kpi-received"))  # type: ignore[attr-defined]
        if month == _recent_months(2)[1]:
            assert page.locator(".chart svg").count() == 2  # type: ignore[attr-defined]
            assert page.locator("#departments tbody tr").count() >= 3  # type: ignore[attr-defined]
            page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)  # type: ignore[attr-defined]
    assert totals == 80
    csv = page.request.get(f"{busy_server}/dashboard.csv")  # type: ignore[attr-defined]
    assert csv.status == 200 and "收件" in csv.text()

    public = browser.new_page()  # type: ignore[attr-defined]
    public.goto(f"{busy_server}/ratings/public")
    assert public.locator("#public tbody tr").count() >= 3
    assert "好评率" in public.inner_text("#public thead")

    # 工作日历, without JavaScript: the notice file previewed, then loaded
    notice = Path(__file__).resolve().parents[1] / "docs" / "notice-2027.example.yaml"
    page.goto(f"{busy_server}/admin/calendar")  # type: ignore[attr-defined]
    page.set_input_files("input[name=file]", str(notice))  # type: ignore[attr-defined]
    page.click("text=上传并预览")  # type: ignore[attr-defined]
    assert page.locator("#days tbody tr").count() > 10  # type: ignore[attr-defined]
    page.click("#confirm")  # type: ignore[attr-defined]
    assert "已加载 2027 年放假安排" in page.inner_text("#done")  # type: ignore[attr-defined]
    assert page.locator("#year-2027").count() == 1  # type: ignore[attr-defined]


def test_the_guide_shows_a_published_baseline_with_its_source(server: str, browser: object,
                                                              tmp_path: Path) -> None:
    """Rented premises: the figures the source published, marked, with the source named and
    the computed ones beside them; owned premises: no published figures apply."""
    context = browser.new_context(viewport={"width": 390, "height": 844},  # type: ignore[attr-defined]
                                  java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{server}/bundles/STORE/guide?{STORE}")
    source = page.inner_text("#effect-source")
    assert "某市人民政府《一件事一次办典型经验》，2020 年（租赁经营场所）" in source
    assert "申请次数 4 次" in source  # computed item by item, kept beside the published 6
    marked = page.locator(".figure:has(.mark) .label").all_inner_texts()
    assert marked == ["申请次数", "提交材料", "办理时间"]
    assert "原需 31 份" in page.inner_text(".figure:has-text('提交材料')")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(tmp_path / "guide-baseline-phone.png"), full_page=True)
    page.goto(f"{server}/bundles/STORE/guide?{STORE.replace('rented', 'owned')}")
    assert page.locator("#effect-source").count() == 0
    assert page.locator(".mark").count() == 0
    context.close()


def test_an_apply_form_refused_by_a_cross_field_check(busy_server: str, browser: object,
                                                      tmp_path: Path) -> None:
    """A clerk's checks, declared in the catalog, answer at once on the form: each field they
    name shows the message and keeps what was typed."""
    import datetime as dt

    scan = tmp_path / "证件.pdf"
    scan.write_bytes(PDF + b"scan")
    page = _as(browser, busy_server, "zhangsan")
    page.goto(f"{busy_server}/bundles/NEWBORN_BIRTH/apply?parents_married=true"  # type: ignore[attr-defined]
              "&household_place=local&sign_family_doctor=false&want_social_security_card=false")
    tomorrow = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    same = "430102199503120426"
    for name, value in {"child_name": "张小宝", "birth_date": tomorrow, "birth_time": "08:30",
                        "birth_place": "湖南省妇幼保健院", "birth_weight": "3200",
                        "gestational_weeks": "39", "mother_name": "李芳", "father_name": "张伟",
                        "mother_id_number": same, "father_id_number": same,
                        "phone": "13812345678", "household_address": "长沙市芙蓉区五一大道 1 号",
                        "address": "长沙市芙蓉区五一大道 1 号"}.items():
        page.fill(f"[name='field.{name}']", value)  # type: ignore[attr-defined]
    for choice in page.locator("select[required]").all():  # type: ignore[attr-defined]
        if not choice.input_value():  # nothing is chosen for the applicant
            choice.select_option(index=1)
    for upload in page.locator("input[type=file]").all():  # type: ignore[attr-defined]
        upload.set_input_files(str(scan))
    page.click("text=提交申请")  # type: ignore[attr-defined]
    alert = page.inner_text(".alert")  # type: ignore[attr-defined]
    assert "出生日期不能晚于今天" in alert and "母亲和父亲的身份证号码不能相同" in alert
    birth = page.locator("label.field.invalid:has([name='field.birth_date'])")  # type: ignore[attr-defined]
    assert "出生日期不能晚于今天" in birth.inner_text()
    assert birth.locator("input").input_value() == tomorrow
    father = page.locator("label.field.invalid:has([name='field.father_id_number'])")  # type: ignore[attr-defined]
    assert father.locator("input").input_value() == same
    page.screenshot(path=str(tmp_path / "apply-check-refused.png"), full_page=True)  # type: ignore[attr-defined]


def _shots(tmp_path: Path) -> Path:
    """Where screenshots go: ONETHING_SCREENSHOTS when set (to look at them), else tmp."""
    where = Path(os.environ.get("ONETHING_SCREENSHOTS") or tmp_path)
    where.mkdir(parents=True, exist_ok=True)
    return where


def _both(page: object, shots: Path, name: str) -> None:
    """A full-page screenshot at desktop width and at a phone's 390 px."""
    for width, suffix in ((1280, "desktop"), (390, "phone")):
        page.set_viewport_size({"width": width, "height": 900})  # type: ignore[attr-defined]
        page.screenshot(path=str(shots / f"{name}-{suffix}.png"), full_page=True)  # type: ignore[attr-defined]
        if width == 390:
            scroll = page.evaluate("document.documentElement.scrollWidth")  # type: ignore[attr-defined]
            assert scroll <= 390, f"{name} must fit a phone without sideways scrolling"
    page.set_viewport_size({"width": 1280, "height": 900})  # type: ignore[attr-defined]


RENTED = "premises=rented&sells_food=false&sells_tobacco=false&shop_area=10&extras__present=1"


def test_a_false_commitment_and_a_rating_by_code_through_the_pages(
        server: str, browser: object, tmp_path: Path) -> None:
    shots = _shots(tmp_path)
    scan = tmp_path / "身份证.pdf"
    scan.write_bytes(PDF + b"lisi")
    citizen = _as(browser, server, "lisi")
    citizen.goto(f"{server}/bundles/STORE/apply?{RENTED}")  # type: ignore[attr-defined]
    assert citizen.is_checked("input[name='choice.LEASE'][value=file]")  # type: ignore[attr-defined]
    assert not citizen.is_checked("input[name='choice.LEASE'][value=commitment]")  # type: ignore[attr-defined]
    notice = citizen.inner_text("#notice-LEASE")  # type: ignore[attr-defined]
    assert "营业执照（设立登记）" in notice and "不实承诺的后果" in notice
    _both(citizen, shots, "apply-commitment-notice")
    citizen.select_option("select[name=region]", "430102")  # type: ignore[attr-defined]
    citizen.fill("input[name='field.applicant_name']", "李四")  # type: ignore[attr-defined]
    citizen.fill("input[name='field.id_number']", "430102199001011238")  # type: ignore[attr-defined]
    citizen.set_input_files("input[name='material.ID_CARD']", str(scan))  # type: ignore[attr-defined]
    citizen.check("input[name='choice.LEASE'][value=commitment]")  # type: ignore[attr-defined]
    citizen.click("text=提交申请")  # type: ignore[attr-defined]
    assert "已签署告知承诺" in citizen.inner_text("#materials-h + table")  # type: ignore[attr-defined]
    application_url = citizen.url  # type: ignore[attr-defined]

    clerk = _as(browser, server, "chuangkou")
    clerk.goto(application_url)  # type: ignore[attr-defined]
    assert "李四签署" in clerk.inner_text("#materials-h + table")  # type: ignore[attr-defined]
    clerk.check("input[name=decision][value=accept]")  # type: ignore[attr-defined]
    clerk.click("text=确认")  # type: ignore[attr-defined]
    market = _as(browser, server, "scjg_430102")
    _decide(market, server, "营业执照（设立登记）")
    market.goto(f"{server}/inbox")  # type: ignore[attr-defined]
    market.click("#open-checks a")  # type: ignore[attr-defined]
    assert "营业执照（设立登记）" in market.inner_text("main")  # type: ignore[attr-defined]
    _both(market, shots, "checks")
    mine = "section.check:has-text('营业执照（设立登记）')"
    check = market.locator(mine)  # type: ignore[attr-defined]
    check.locator("input[name=outcome][value=false]").check()
    check.locator("textarea[name=note]").fill("出租方书面否认与申请人签订租赁合同")
    check.locator("button[type=submit]").click()
    assert market.locator(mine).count() == 0  # no longer open  # type: ignore[attr-defined]

    citizen.goto(f"{server}/wallet")  # type: ignore[attr-defined]
    revoked = citizen.inner_text("li.licence.revoked")  # type: ignore[attr-defined]
    assert "已撤销" in revoked and "出租方书面否认" in revoked
    _both(citizen, shots, "wallet-revoked")
    citizen.goto(f"{server}/bundles/STORE/apply?{RENTED}")  # type: ignore[attr-defined]
    assert "失信" in citizen.inner_text("#bad-credit")  # type: ignore[attr-defined]
    assert citizen.locator("input[name='choice.LEASE'][value=commitment]").count() == 0  # type: ignore[attr-defined]
    assert citizen.locator("input[value=deferred]").count() == 0  # type: ignore[attr-defined]
    _both(citizen, shots, "apply-bad-credit")
    citizen.goto(f"{server}/bundles/STORE/guide?{RENTED}")  # type: ignore[attr-defined]
    assert "失信" in citizen.inner_text("#bad-credit")  # type: ignore[attr-defined]
    citizen.goto(application_url)  # type: ignore[attr-defined]
    assert "承诺不实" in citizen.inner_text("#checks-h + div")  # type: ignore[attr-defined]
    assert citizen.locator("details.rate-target").count() == 2  # type: ignore[attr-defined]
    _both(citizen, shots, "application-applicant")

    clerk.goto(application_url)  # type: ignore[attr-defined]
    _both(clerk, shots, "application-window")
    assert clerk.locator("#rate-h").count() == 0  # staff have no rating form  # type: ignore[attr-defined]
    clerk.click("text=打印评价回执（生成评价码）")  # type: ignore[attr-defined]
    code = clerk.inner_text("#rating-code").strip()  # type: ignore[attr-defined]
    assert len(code) == 11 and clerk.locator(".qr svg").count() == 1  # type: ignore[attr-defined]
    assert server.split("//")[1] + "/r，" in clerk.inner_text(".receipt")  # type: ignore[attr-defined]
    _both(clerk, shots, "receipt")

    phone = browser.new_context(viewport={"width": 390, "height": 844},  # type: ignore[attr-defined]
                                java_script_enabled=False, locale="zh-CN").new_page()
    phone.goto(f"{server}/r")
    phone.fill("input[name=code]", code.lower())
    phone.click("text=下一步")
    phone.click("#rate-window summary")
    _both(phone, shots, "rate-by-code")
    phone.check("#rate-window input[name=level][value='2']")
    phone.click("#rate-window button[type=submit]")
    assert "差评请写明原因" in phone.inner_text(".alert")
    assert phone.is_checked("#rate-window input[name=level][value='2']")  # kept
    phone.fill("#rate-window textarea[name=comment]", "窗口让我排队两小时")
    phone.click("#rate-window button[type=submit]")
    assert "感谢您的评价" in phone.inner_text("main")
    phone.click("text=继续评价")  # the department decided: the same code rates it
    assert phone.locator("#rate-window").count() == 0
    assert phone.locator("details.rate-target[open]").count() == 1  # the only one: open
    phone.check("details.rate-target input[name=level][value='5']")
    phone.click("details.rate-target button[type=submit]")
    assert "感谢您的评价" in phone.inner_text("main")
    phone.goto(f"{server}/r/{code}")
    assert "均已评价" in phone.inner_text("main")

    clerk.goto(f"{server}/rectifications")  # type: ignore[attr-defined]
    clerk.fill("textarea[name=text]", "已电话回访申请人")  # type: ignore[attr-defined]
    clerk.click("text=提交回访核实")  # type: ignore[attr-defined]
    assert "等待效能监察人员认定" in clerk.inner_text("main")  # type: ignore[attr-defined]
    supervisor = _as(browser, server, "jiancha")
    supervisor.goto(f"{server}/rectifications")  # type: ignore[attr-defined]
    form = supervisor.locator("form.decide-form").first  # type: ignore[attr-defined]
    _both(supervisor, shots, "rectification-decide")
    form.locator("input[name=justified][value=yes]").check()
    form.locator("textarea[name=text]").fill("排队时间过长属实，窗口须增开")
    form.locator("button[type=submit]").click()
    assert "认定：属实" in supervisor.inner_text("main")  # type: ignore[attr-defined]


# --- values an earlier stage creates, and whom licences are about (demo catalog) --------------

COMPANY = "premises=owned&need_seal=true&has_employees=true&open_bank_account=true"
SHOTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory, demo_dir: Path) -> Iterator[str]:
    served = Served(tmp_path_factory.mktemp("demo"), catalog=demo_dir)
    served.cli("catalog", "load", str(demo_dir), check=True, timeout=300)
    with served:
        yield served.url


def _shoot(browser: object, server: str, username: str, path: str, name: str,
           tmp_path: Path) -> str:
    """The page as `username` sees it on a desktop and on a phone; its text."""
    for kind, size in SHOTS.items():
        page = _as(browser, server, username)
        page.set_viewport_size(size)  # type: ignore[attr-defined]
        page.goto(f"{server}{path}")  # type: ignore[attr-defined]
        page.screenshot(path=str(tmp_path / f"{name}-{kind}.png"), full_page=True)  # type: ignore[attr-defined]
        if kind == "phone":
            width = page.evaluate("document.documentElement.scrollWidth")  # type: ignore[attr-defined]
            assert width <= 390, f"{path} must fit a phone screen"
    return str(page.inner_text("main"))  # type: ignore[attr-defined]


def _newborn_through_the_api(server: str) -> None:
    """zhangsan's child: 出生医学证明 … 社会保障卡, the 公民身份号码 entered by the police."""
    def token(username: str) -> dict[str, str]:
        r = httpx.post(f"{server}/api/v1/auth/token",
                       data={"username": username, "password": "Onething2026"})
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    me = token("zhangsan")
    scan = httpx.post(f"{server}/api/v1/files", headers=me,
                      files={"file": ("户口簿.pdf", PDF)}).json()["id"]
    answers = {"parents_married": True, "want_social_security_card": True,
               "sign_family_doctor": False}
    guide = httpx.post(f"{server}/api/v1/bundles/NEWBORN_BIRTH/guide",
                       json={"answers": answers}).json()
    form = {"child_name": "张小明", "child_gender": "male", "birth_date": "2026-05-20",
            "birth_time": "08:30", "birth_place": "湖南省妇幼保健院", "birth_weight": 3300,
            "gestational_weeks": 39, "mother_name": "李芳", "mother_id_number":
            "430102199001011246", "father_name": "张三", "father_id_number":
            "430102198803031236", "phone": "13812345678", "household_address":
            "长沙市芙蓉区五一大道 1 号", "household_region": "430102",
            "household_head_relation": "son",
            "address": "长沙市芙蓉区五一大道 1 号", "applicant_name": "张三",
            "applicant_id_number": "11010519491231002X", "postal_delivery": True}
    assert {f["code"] for f in guide["fields"] if f["status"] == "fill"} <= set(form)
    app = httpx.post(f"{server}/api/v1/applications", headers=me, json={
        "bundle": "NEWBORN_BIRTH", "region": "430102", "answers": answers,
        "form": {k: v for k, v in form.items()
                 if k in {f["code"] for f in guide["fields"] if f["status"] == "fill"}},
        "materials": {m["code"]: {"file": scan} for m in guide["materials"]
                      if m["status"] == "submit"}})
    assert app.status_code == 201, app.text
    app = app.json()
    httpx.post(f"{server}/api/v1/applications/{app['id']}/acceptance",
               headers=token("chuangkou"), json={"decision": "accept"}).raise_for_status()
    while app["status"] != "completed":
        app = httpx.get(f"{server}/api/v1/applications/{app['id']}", headers=me).json()
        for task in (t for t in app["tasks"] if t["status"] == "pending"):
            data = {"child_id_number": "430102202605200018"} if task[
                "item"] == "GA_BIRTH_HUKOU" else {}
            decided = httpx.post(
                f"{server}/api/v1/tasks/{task['id']}/decision",
                headers=token(f"{task['department'].lower()}_{task['region']}"),
                json={"action": "approve", "version": task["version"], "data": data})
            assert decided.status_code == 200, decided.text


def test_produced_values_are_asked_of_the_office_not_the_applicant(
        demo_server: str, browser: object, demo: object, tmp_path: Path) -> None:
    import random

    from onething.demo.data import _form
    from onething.guide.engine import FieldStatus, MaterialStatus, compute_guide

    server = demo_server
    shown = _shoot(browser, server, "zhangsan", f"/bundles/COMPANY_OPENING/apply?{COMPANY}",
                   "apply", tmp_path)
    assert "无需填写：统一社会信用代码" in shown and "银行账号（" in shown
    citizen = _as(browser, server, "zhangsan")
    citizen.goto(f"{server}/bundles/COMPANY_OPENING/apply?{COMPANY}")  # type: ignore[attr-defined]
    assert citizen.locator("[name='field.uscc'], [name='field.bank_account']").count() == 0  # type: ignore[attr-defined]
    answers = {"premises": "owned", "need_seal": True, "has_employees": True,
               "open_bank_account": True}
    guide = compute_guide(demo, "COMPANY_OPENING", answers)  # type: ignore[arg-type]
    rng = random.Random(3)
    citizen.select_option("select[name=region]", "430102")  # type: ignore[attr-defined]
    values = _form(demo, guide.fields, rng)  # type: ignore[arg-type]
    for f in guide.fields_with(FieldStatus.fill):
        value = "长沙某某便利店有限公司" if f.code == "company_name" else values.get(f.code)
        name = f"[name='field.{f.code}']"
        if f.field.options or f.type in ("bool", "region"):  # chosen, never typed
            citizen.select_option(name, str(value).lower())  # type: ignore[attr-defined]
        elif value is not None:
            citizen.fill(name, str(value))  # type: ignore[attr-defined]
    scan = tmp_path / "材料.pdf"
    scan.write_bytes(PDF + b"scan")
    for m in guide.materials_with(MaterialStatus.submit):
        citizen.set_input_files(f"input[name='material.{m.code}']", str(scan))  # type: ignore[attr-defined]
    citizen.click("text=提交申请")  # type: ignore[attr-defined]
    assert "已提交，待受理" in citizen.inner_text("#status"), citizen.inner_text("main")  # type: ignore[attr-defined]
    path = citizen.url.removeprefix(server)  # type: ignore[attr-defined]

    clerk = _as(browser, server, "chuangkou")
    clerk.goto(f"{server}{path}")  # type: ignore[attr-defined]
    clerk.check("input[name=decision][value=accept]")  # type: ignore[attr-defined]
    clerk.click("text=确认")  # type: ignore[attr-defined]
    market = _as(browser, server, "scjg_430102")
    market.goto(f"{server}{path}")  # type: ignore[attr-defined]
    assert "可留空" in market.inner_text("tr.decide")  # type: ignore[attr-defined]
    _approve(market, "企业设立登记")
    assert "统一社会信用代码" in market.inner_text("#form-h + dl")  # type: ignore[attr-defined]

    shown = _shoot(browser, server, "bank_430100", path, "approve", tmp_path)
    assert "办结产生的信息" in shown and "银行账号" in shown
    bank = _as(browser, server, "bank_430100")
    bank.goto(f"{server}{path}")  # type: ignore[attr-defined]
    _approve(bank, "企业银行基本存款账户开立")
    assert "请填写“银行账号”" in bank.inner_text(".alert")  # type: ignore[attr-defined]
    # the choice is kept: the account number is all that is missing
    assert bank.is_checked("input[name=action][value=approve]")  # type: ignore[attr-defined]
    bank.fill("input[name='data.bank_account']", "43050178360000000123")  # type: ignore[attr-defined]
    bank.click("text=提交「企业银行基本存款账户开立」的决定")  # type: ignore[attr-defined]
    assert "43050178360000000123" in bank.inner_text("#form-h + dl")  # type: ignore[attr-defined]
    for department, item in (("ga", "公章刻制备案"),
                             ("sw", "新办纳税人涉税事项（税务信息确认、发票领用）"),
                             ("yb", "单位职工基本医疗保险参保登记"),
                             ("gjj", "住房公积金单位缴存登记"),
                             ("rs", "单位参加社会保险登记（职工参保登记）")):
        region = "430100" if department == "gjj" else "430102"
        office = _as(browser, server, f"{department}_{region}")
        office.goto(f"{server}{path}")  # type: ignore[attr-defined]
        _approve(office, item)
    citizen.goto(f"{server}{path}")  # type: ignore[attr-defined]
    assert "已办结" in citizen.inner_text("#status")  # type: ignore[attr-defined]
    assert "办结信息填入申请表" in citizen.inner_text(".timeline")  # type: ignore[attr-defined]

    _newborn_through_the_api(server)
    wallet = _shoot(browser, server, "zhangsan", "/wallet", "wallet", tmp_path)
    assert "企业：长沙某某便利店有限公司（统一社会信用代码 91430102" in wallet
    assert "子女：张小明（公民身份号码 4301**********0018）" in wallet


def test_help_at_the_window_and_a_stuck_case_through_the_pages(
        server: str, browser: object, tmp_path: Path) -> None:
    """帮办: the window files for a walk-in with no account, the signed consent uploaded;
    办不成事: a citizen reports a case of theirs, the window takes it up and notes a step."""
    scan, consent = tmp_path / "身份证.pdf", tmp_path / "帮办授权书.pdf"
    scan.write_bytes(PDF + b"walk-in id")
    consent.write_bytes(PDF + b"signed")
    owned = "premises=owned&sells_food=false&sells_tobacco=false&shop_area=10"
    clerk = _as(browser, server, "chuangkou")
    clerk.goto(f"{server}/bundles/STORE/apply?{owned}")  # type: ignore[attr-defined]
    clerk.select_option("select[name=region]", "430102")  # type: ignore[attr-defined]
    clerk.fill("input[name='field.applicant_name']", "王秀英")  # type: ignore[attr-defined]
    clerk.fill("input[name='field.id_number']", "430102195003150022")  # type: ignore[attr-defined]
    clerk.fill("input[name='assisted.name']", "王秀英")  # type: ignore[attr-defined]
    clerk.fill("input[name='assisted.id_number']", "430102195003150022")  # type: ignore[attr-defined]
    clerk.set_input_files("input[name='material.ID_CARD']", str(scan))  # type: ignore[attr-defined]
    clerk.set_input_files("input[name='assisted.consent']", str(consent))  # type: ignore[attr-defined]
    clerk.click("text=提交申请")  # type: ignore[attr-defined]
    facts = clerk.inner_text("#status + dl")  # type: ignore[attr-defined]
    assert "王秀英（帮办：由窗口人员" in facts and "帮办授权书.pdf" in facts

    with httpx.Client(base_url=server) as api:
        token = api.post("/api/v1/auth/token", data={"username": "zhangsan",
                                                     "password": "Onething2026"})
        bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
        file_id = api.post("/api/v1/files", files={"file": ("id.pdf", PDF + b"zs")},
                           headers=bearer).json()["id"]
        number = api.post("/api/v1/applications", headers=bearer, json={
            "bundle": "STORE", "region": "430102", "channel": "web",
            "answers": {"premises": "owned", "sells_food": False, "shop_area": 10},
            "form": {"applicant_name": "张三", "id_number": "11010519491231002X"},
            "materials": {"ID_CARD": {"file": file_id}}}).json()["number"]
    citizen = _as(browser, server, "zhangsan")
    citizen.goto(f"{server}/stuck?application={number}")  # type: ignore[attr-defined]
    citizen.fill("textarea[name=problem]", "提交三天了还没有受理")  # type: ignore[attr-defined]
    citizen.fill("input[name=phone]", "13812345678")  # type: ignore[attr-defined]
    citizen.click("text=提交反映")  # type: ignore[attr-defined]
    assert "已提交" in citizen.inner_text("#stuck-sent")  # type: ignore[attr-defined]
    clerk.goto(f"{server}/help-requests")  # type: ignore[attr-defined]
    report = clerk.locator(f"section.check:has-text('{number}')")  # type: ignore[attr-defined]
    report.locator("button:text-is('接单')").click()
    report = clerk.locator(f"section.check:has-text('{number}')")  # type: ignore[attr-defined]
    report.locator("textarea[name=note]").fill("已联系窗口，今天下午受理")
    report.locator("button:text-is('登记')").click()
    citizen.goto(f"{server}/stuck")  # type: ignore[attr-defined]
    assert "已联系窗口，今天下午受理" in citizen.inner_text("main")  # type: ignore[attr-defined]


def test_a_disclosure_request_answered_through_the_pages(
        server: str, browser: object, tmp_path: Path) -> None:
    """依申请公开: an applicant asks online; the office's form asks for exactly the parts of
    the reply type chosen (refused without them) and the applicant reads the reply with the
    redress; the annual tables count it."""
    shots = _shots(tmp_path)
    person = _as(browser, server, "zhangsan")
    person.goto(f"{server}/disclosure/new")  # type: ignore[attr-defined]
    person.select_option("select[name=region]", "430102")  # type: ignore[attr-defined]
    person.select_option("select[name=department]", "SCJG")  # type: ignore[attr-defined]
    person.fill("textarea[name=description]", "某超市的食品经营许可证及现场核查记录")  # type: ignore[attr-defined]
    _both(person, shots, "disclosure-new")
    person.click("form[action='/disclosure/new'] button[type=submit]")  # type: ignore[attr-defined]
    address = person.url  # type: ignore[attr-defined]
    assert "/disclosure/" in address and "办理中" in person.inner_text("#request-facts")  # type: ignore[attr-defined]
    _both(person, shots, "disclosure-follow")

    office = _as(browser, server, "scjg_430102")
    office.goto(address)  # type: ignore[attr-defined]
    office.check("input[name=kind][value=partial]")  # type: ignore[attr-defined]
    assert office.is_visible("textarea[name='partial.withheld']")  # type: ignore[attr-defined]
    assert not office.is_visible("textarea[name='refuse.basis']")  # type: ignore[attr-defined]
    office.click("form[action$='/reply'] button[type=submit]")  # type: ignore[attr-defined]
    assert "须写明不予公开的部分" in office.inner_text("main")  # type: ignore[attr-defined]
    office.fill("textarea[name='partial.withheld']", "现场核查记录中的个人信息")  # type: ignore[attr-defined]
    office.fill("textarea[name='partial.reason']", "涉及个人隐私")  # type: ignore[attr-defined]
    office.fill("textarea[name='partial.basis']", "《政府信息公开条例》第十五条")  # type: ignore[attr-defined]
    office.fill("textarea[name='partial.how_to_obtain']", "已通过本平台提供许可证副本")  # type: ignore[attr-defined]
    _both(office, shots, "disclosure-reply-form")
    office.click("form[action$='/reply'] button[type=submit]")  # type: ignore[attr-defined]

    person.goto(address)  # type: ignore[attr-defined]
    reply = person.inner_text("#reply")  # type: ignore[attr-defined]
    assert "部分公开" in reply and "涉及个人隐私" in reply and "行政复议" in reply
    _both(person, shots, "disclosure-reply")
    office.goto(f"{server}/disclosure/report")  # type: ignore[attr-defined]
    assert "办理结果：部分公开" in office.inner_text("#disclosure-report")  # type: ignore[attr-defined]
    _both(office, shots, "disclosure-report")


def test_a_forgotten_password_is_reset_with_a_code_on_a_phone(server: str,
                                                              browser: object) -> None:
    """忘记密码 on a phone, without JavaScript: the login page's link, the username and the
    channel, the code the SMS carries, the new password twice, then a sign-in with it."""
    admin = {"Authorization": "Bearer " + httpx.post(f"{server}/api/v1/auth/token", data={
        "username": "admin", "password": "Onething2026"}).json()["access_token"]}
    operator = httpx.get(f"{server}/api/v1/staff", params={"q": "huawu"},
                         headers=admin).json()[0]
    httpx.put(f"{server}/api/v1/staff/{operator['id']}", headers=admin, json={
        "display_name": operator["display_name"], "role": "operator",
        "region": operator["region"], "phone": "13812345678"}).raise_for_status()
    context = browser.new_context(java_script_enabled=False, locale="zh-CN",  # type: ignore[attr-defined]
                                  viewport={"width": 390, "height": 900})
    page = context.new_page()
    page.goto(f"{server}/login")
    page.click("#forgot")
    page.fill("input[name=username]", "huawu")
    page.click("form.stack button[type=submit]")
    assert "验证码已发送" in page.text_content("#notice")
    engine = create_engine(f"sqlite:///{SERVED[server].data / 'onething.db'}")
    with engine.connect() as db:  # the SMS the outbox holds for the operator
        body = db.execute(select(Notification.body).where(
            Notification.recipient_id == operator["id"], Notification.channel == "sms")
        ).scalar_one()
    engine.dispose()
    found = re.search(r"验证码：(\d{6})", body)
    assert found is not None
    page.fill("input[name=code]", found[1])
    page.fill("#new_password", "Xinmima#2026")
    page.fill("#new_password_again", "Xinmima#2026")
    page.click("form.stack button[type=submit]")
    assert "密码已重置" in page.text_content("#done")
    page.fill("input[name=username]", "huawu")
    page.fill("input[name=password]", "Xinmima#2026")
    page.click("form.stack button[type=submit]")
    assert "/login" not in page.url and "/password" not in page.url
    context.close()
