"""In headless Chromium, against `onething serve`: an approver starts a special procedure and
the applicant reads its notice; the window is told why a 即办件 cannot be 容缺-accepted; a
supervisor lists and filters the cards the dashboard counts."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from onething.cases import service as cases
from onething.cases.models import Application
from onething.kernel.clock import CHINA
from onething.kernel.db import unit_of_work
from onething.kernel.workdays import Calendar
from onething.supervision.sweep import sweep
from samples import FORM, OWNED
from served import Served
from test_browser import _as, launch_chromium
from test_cards_api import instant_catalog
from world import world_at

pytestmark = pytest.mark.browser


def _working_days_ago(days: int) -> dt.datetime:
    calendar, day = Calendar(), dt.datetime.now(CHINA).date()
    while days:
        day -= dt.timedelta(days=1)
        days -= calendar.is_workday(day)
    return dt.datetime.combine(day, dt.time(10), tzinfo=CHINA)


class Prepared:
    """Cases made through the services at past moments, then swept now: the demo's people
    and the server's data directory, ready for `onething serve`."""

    def __init__(self, data: Path, catalog_dir: Path) -> None:
        self.engine, self.world = world_at(f"sqlite:///{data / 'onething.db'}", data,
                                           catalog_dir, people=[])
        self.world.add_demo_people()
        self.ids: dict[str, int] = {}

    def apply(self, when: dt.datetime, bundle: str = "STORE",
              materials: dict[str, Any] | None = None) -> int:
        scan = self.world.upload("zhangsan")
        chosen = materials or {"ID_CARD" if bundle == "STORE" else "FLOOR_PLAN": {"file": scan}}
        with self.world.as_("zhangsan", when) as ctx:
            return cases.submit(ctx, cases.Submission(
                bundle=bundle, region="430102", answers=OWNED if bundle == "STORE" else {},
                form=FORM if bundle == "STORE" else {}, materials=chosen)).id

    def deferred_before_the_rule(self, app_id: int, code: str) -> None:
        """容缺 chosen for a 即办件 (refused at submission now; older applications have it)."""
        with unit_of_work(self.world.sessions) as session:
            app = session.get_one(Application, app_id)
            app.materials = [{**m, "provided": "deferred", "file": None} if m["code"] == code
                             else m for m in app.materials]

    def accept(self, app_id: int, when: dt.datetime) -> None:
        with self.world.as_("chuangkou", when) as ctx:
            cases.decide_at_window(ctx, app_id, cases.WindowDecision("accept"))


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    yield from launch_chromium()


@dataclass
class Site:
    url: str
    ids: dict[str, int]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, basic_dir: Path) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("cards")
    catalog_dir = instant_catalog(basic_dir, root / "catalog")
    data = root / "var"
    data.mkdir()
    world = Prepared(data, catalog_dir)
    long_ago, a_while_ago = _working_days_ago(20), _working_days_ago(8)
    for _ in range(2):  # late beyond the statutory limit: warning, yellow and red
        world.accept(world.apply(long_ago), long_ago)
    world.apply(a_while_ago)  # online, never accepted: the window's cards
    world.ids["pending"] = world.apply(dt.datetime.now(dt.UTC))
    world.accept(world.ids["pending"], dt.datetime.now(dt.UTC))
    world.ids["instant"] = world.apply(dt.datetime.now(dt.UTC), "SIGN_NOW")
    world.deferred_before_the_rule(world.ids["instant"], "FLOOR_PLAN")
    sweep(world.world.sessions, world.world.catalog, dt.datetime.now(dt.UTC))
    world.engine.dispose()
    with Served(data, catalog=catalog_dir) as served:
        yield Site(served.url, world.ids)


def _fits_a_phone(page: Any, shot: Path) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(shot), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_an_approver_starts_a_special_procedure_and_the_applicant_is_told(
        site: Site, chromium: Any, tmp_path: Path) -> None:
    server, app_id = site.url, site.ids["pending"]
    approver = _as(chromium, server, "scjg_430102")
    approver.goto(f"{server}/applications/{app_id}")
    approver.check("input[name=action][value=suspend]")
    approver.select_option("select[name=procedure]", "检测")
    approver.fill("input[name=reason]", "经营场所需要进行消防检测")
    approver.click("text=提交「营业执照（设立登记）」的决定")
    assert "预计所需工作日" in approver.inner_text(".alert")  # the length is required
    approver.check("input[name=action][value=suspend]")
    approver.select_option("select[name=procedure]", "检测")
    approver.fill("input[name=procedure_days]", "10")
    approver.fill("input[name=reason]", "经营场所需要进行消防检测")
    approver.click("text=提交「营业执照（设立登记）」的决定")
    assert "特别程序中" in approver.inner_text("#tasks ~ table")
    approver.screenshot(path=str(tmp_path / "suspended-approver.png"), full_page=True)

    end = Calendar().add(dt.datetime.now(CHINA).date(), 10).date
    citizen = _as(chromium, server, "zhangsan")
    citizen.goto(f"{server}/applications/{app_id}")
    notice = citizen.inner_text("dd.notice")
    assert "需要进行检测" in notice and "预计需要 10 个工作日" in notice
    assert f"{end.year}年{end.month}月{end.day}日" in notice
    assert "特别程序告知" in citizen.inner_text("#status + dl")
    citizen.screenshot(path=str(tmp_path / "notice-desktop.png"), full_page=True)
    _fits_a_phone(citizen, tmp_path / "notice-phone.png")


def test_the_window_is_told_why_an_immediate_item_cannot_be_accepted_with_deficiency(
        site: Site, chromium: Any, tmp_path: Path) -> None:
    clerk = _as(chromium, site.url, "chuangkou")
    clerk.goto(f"{site.url}/applications/{site.ids['instant']}")
    assert clerk.locator("input[name=decision][value=accept_with_deficiency]").count() == 0
    why = clerk.inner_text("#no-deficiency")
    assert "即办件不能容缺受理" in why and "退回补正" in why
    clerk.check("input[name=decision][value=return]")
    clerk.fill("textarea[name=notice]", "请补交经营场所平面图")
    clerk.screenshot(path=str(tmp_path / "instant-window.png"), full_page=True)
    _fits_a_phone(clerk, tmp_path / "instant-window-phone.png")
    clerk.click("text=确认")
    assert "已退回补正" in clerk.inner_text("#status")


def _total(page: Any) -> int:
    return int(re.search(r"共 (\d+) 张", page.inner_text("#card-total"))[1])  # type: ignore[index]


def test_a_supervisor_lists_and_filters_the_cards_the_dashboard_counts(
        site: Site, chromium: Any, tmp_path: Path) -> None:
    server = site.url
    page = _as(chromium, server, "jiancha")
    page.goto(f"{server}/dashboard")
    counted = page.inner_text("#kpi-cards-link")
    page.click("#kpi-cards-link")
    assert page.url.startswith(f"{server}/cards?")
    everything = _total(page)
    assert f"共 {everything} 张" in counted and everything >= 9
    assert page.locator("#cards tbody tr").count() == everything

    page.select_option("select[name=kind]", "red")
    page.click("#card-filters button")
    reds = _total(page)
    assert 0 < reds < everything
    assert set(page.locator("#cards .card-kind").all_inner_texts()) == {"红牌"}

    page.select_option("select[name=kind]", "")
    page.select_option("select[name=check]", "pre_acceptance")
    page.click("#card-filters button")
    assert _total(page) == 3  # the online application nobody accepted: all three
    assert set(page.locator("#cards td[data-label=负责机关]").all_inner_texts()) == {
        "芙蓉区政务服务综合窗口"}
    page.screenshot(path=str(tmp_path / "cards-desktop.png"), full_page=True)

    page.select_option("select[name=check]", "")
    page.select_option("select[name=department]", "SCJG")
    page.check("input[name=open]")
    page.click("#card-filters button")
    assert set(page.locator("#cards td[data-label=负责机关]").all_inner_texts()) == {
        "芙蓉区市场监督管理局"}
    page.fill("input[name=from]", "2000-01-01")
    page.fill("input[name=to]", "2000-01-31")
    page.click("#card-filters button")
    assert _total(page) == 0 and "没有符合条件的红黄牌" in page.inner_text("main")
    _fits_a_phone(page, tmp_path / "cards-phone.png")
