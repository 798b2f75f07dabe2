"""Offices named as they are at their level on every page; the window's ratings counted in
its row of the dashboard; 整改率 "—" when nothing is left to rectify; cards that say whether
a deadline is near or passed; follow-up checks shown with a case only to those concerned."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from onething.cases import tasks
from onething.cases.tasks import Decision
from onething.kernel.db import session_factory
from onething.kernel.principal import Role
from onething.outbox.models import Notification
from onething.supervision.models import Card
from onething.supervision.sweep import sweep
from samples import FORM, OWNED
from test_commitments import approved_on_commitment
from test_produced import _apply, _approver, _stage
from world import Api, World, accepted, build_world, client_for

D = dt.date


class Site(Api):
    """The API and the pages, as one user or another."""

    def __init__(self, client: TestClient, world: World) -> None:
        super().__init__(client)
        self.world = world

    def page(self, who: str, path: str) -> Any:
        self.world.sign_in(self.client, who)
        try:
            return self.client.get(path)
        finally:
            self.client.cookies.clear()


def _site(engine: Engine, catalog_dir: Path, tmp_path: Path,
          people: list[tuple[str, Role, str | None, str | None]] | None = None
          ) -> Iterator[Site]:
    world = build_world(session_factory(engine), catalog_dir, tmp_path / "files", people)
    with client_for(engine, tmp_path) as client:
        yield Site(client, world)


@pytest.fixture
def site(engine: Engine, basic_dir: Path, tmp_path: Path) -> Iterator[Site]:
    yield from _site(engine, basic_dir, tmp_path)


@pytest.fixture
def demo_site(engine: Engine, demo_dir: Path, tmp_path: Path) -> Iterator[Site]:
    yield from _site(engine, demo_dir, tmp_path, [
        ("zhang", Role.applicant, None, None), ("clerk_furong", Role.clerk, "430102", None),
        ("supervisor_cs", Role.supervisor, "430100", None)])


def _finished(site: Site) -> int:
    scan = site.upload("zhang", "身份证.pdf").json()["id"]
    app_id = site.post("zhang", "/api/v1/applications", {
        "bundle": "STORE", "region": "430102", "answers": OWNED, "form": FORM,
        "materials": {"ID_CARD": {"file": scan}}}).json()["id"]
    site.post("clerk_furong", f"/api/v1/applications/{app_id}/acceptance",
              {"decision": "accept"})
    assert site.decide("scjg_furong", app_id, "REG").status_code == 200
    return int(app_id)


def _rate_window(site: Site, app_id: int, level: int) -> dict[str, Any]:
    code = site.post("clerk_furong", f"/api/v1/applications/{app_id}/rating-code").json()
    rated = site.client.post("/api/v1/rating-codes/rating", json={
        "code": code["code"], "target": "window", "level": level, "comment": "等了很久"})
    assert rated.status_code == 201, rated.text
    return dict(rated.json())


def test_a_street_window_is_named_as_it_is_on_the_case_and_the_rectifications(
        demo_site: Site) -> None:
    """A case received at 文艺路街道: its health office is the 社区卫生服务中心, its window
    the 便民服务中心综合窗口, on the case's page, the inbox and the rectifications."""
    site, world = demo_site, demo_site.world
    answers = {"parents_married": True, "want_social_security_card": False}
    created = _apply(site, world, "NEWBORN_BIRTH", answers, region="430102001")
    assert created.status_code == 201, created.text
    app_id = created.json()["id"]
    site.post("clerk_furong", f"/api/v1/applications/{app_id}/acceptance",
              {"decision": "accept"})
    _stage(site, world, app_id, {})
    inbox = site.page(_approver(world, "WJ", "430102001"), "/inbox")  # the street's task
    assert "文艺路街道社区卫生服务中心" in inbox.text
    for _ in range(2):
        _stage(site, world, app_id, {"GA_BIRTH_HUKOU": {"child_id_number": "430102202601150025"}})
    rating = _rate_window(site, app_id, 1)
    assert rating["rectification"]["target"] == "window"

    case = site.page("zhang", f"/applications/{app_id}").text
    assert "文艺路街道社区卫生服务中心" in case  # the task's office
    assert "评价对象：文艺路街道便民服务中心综合窗口" in case
    listed = site.page("supervisor_cs", "/rectifications").text
    assert "文艺路街道便民服务中心综合窗口" in listed
    for wrong in ("街道卫生健康委员会", "街道政务服务综合窗口", "受理的综合窗口"):
        assert wrong not in case + listed + inbox.text, wrong


def test_the_window_row_counts_the_window_ratings_as_the_summary_does(site: Site) -> None:
    """A bad rating of the window found unjustified: the window's row of the departments
    table has it (评价 1, 好评率 0%), and nothing is left to rectify: 整改率 "—" on the
    dashboard and on the public page, not 0%."""
    rated = _rate_window(site, _finished(site), 1)
    steps = f"/api/v1/rectifications/{rated['rectification']['id']}/steps"
    assert site.post("clerk_furong", steps, {"action": "verify", "text": "已回访"}
                     ).status_code == 200
    decided = site.post("supervisor_cs", steps, {"action": "decide", "text": "排队属正常",
                                                 "justified": False})
    assert decided.status_code == 200, decided.text
    good = _finished(site)
    assert site.post("zhang", f"/api/v1/applications/{good}/rating", {
        "target": "department", "department": "SCJG", "level": 5}).status_code == 201

    stats = site.get("supervisor_cs", "/api/v1/stats", params={"month": "2026-11"}).json()
    rows = {d["department"]: d for d in stats["departments"]}
    window = rows[""]
    assert (window["name"], window["ratings"], window["bad"], window["unjustified"]) == (
        "综合窗口", 1, 1, 1)
    assert window["good_rate"] == 0.0 and window["rectification_rate"] is None
    assert (rows["SCJG"]["ratings"], rows["SCJG"]["good_rate"]) == (1, 1.0)
    assert stats["ratings"] == sum(d["ratings"] for d in stats["departments"]) == 2
    assert stats["rectification_rate"] is None
    only = site.get("supervisor_cs", "/api/v1/stats", params={
        "month": "2026-11", "department": "SCJG"}).json()
    assert only["ratings"] == sum(d["ratings"] for d in only["departments"]) == 1

    public = {r["department"]: r for r in site.client.get("/api/v1/ratings/public").json()}
    assert public["window"]["name"] == "综合窗口"
    assert (public["window"]["bad"], public["window"]["rectification_rate"]) == (1, None)
    assert public["SCJG"]["rectification_rate"] is None and public["SCJG"]["good_rate"] == 1.0
    page = site.client.get("/ratings/public").text
    row = page[page.index("<td data-label=\"部门\">综合窗口"):]
    row = row[:row.index("</tr>")]
    assert '<td data-label="差评整改率">—</td>' in row and "0%" in row  # 好评率 0%
    dashboard = site.page("supervisor_cs", "/dashboard?month=2026-11").text
    assert 'id="departments-ratings">2<' in dashboard


def suspend(world: World, task_id: int, days: int, when: dt.date) -> None:
    with world.as_("scjg_furong", now=world.day(when)) as ctx:
        version = ctx.session.get_one(tasks.Task, task_id).version
        tasks.decide(ctx, task_id, Decision("suspend", version, reason="现场检测",
                                            procedure="检测", procedure_days=days))


def test_a_special_procedure_warned_before_its_end_is_not_said_to_be_over(
        site: Site) -> None:
    world = site.world
    app_id = accepted(world)
    with world.as_("clerk_furong") as ctx:
        from onething.cases import service as cases

        view = cases.view(ctx, app_id)
        number, task_id = view.application.number, view.tasks[0].id
    suspend(world, task_id, 3, D(2026, 11, 23))  # expected to end on Thursday 26th
    report = sweep(world.sessions, world.catalog, world.day(D(2026, 11, 24)))
    assert "特别程序 1" in str(report) and "新亮牌：预警 1；" in str(report)
    late = sweep(world.sessions, world.catalog, world.day(D(2026, 12, 2)))
    assert "新亮牌：黄牌 1，红牌 1" in str(late)
    assert not any(code in str(report) + str(late) for code in ("procedure", "warning", "red"))
    with world.sessions() as session:
        titles = {c.kind: c.title for c in session.scalars(select(Card))}
        told = set(session.scalars(select(Notification.subject).where(
            Notification.card_id.is_not(None))))
    what = f"营业执照（设立登记）（办件 {number}）"
    assert titles == {"warning": f"预警：特别程序（检测）即将届满：{what}",
                      "yellow": f"黄牌：特别程序（检测）已超出预计时间：{what}",
                      "red": f"红牌：特别程序（检测）已超出预计时间：{what}"}
    assert f"【预警】特别程序（检测）即将届满：{what}" in told


def test_follow_up_checks_show_with_the_case_only_to_those_concerned(site: Site) -> None:
    """The deciding office, the applicant, the case's window and supervisors see the check on
    the case's page; another department deciding in the same case does not."""
    scan = site.upload("zhang", "身份证.pdf").json()["id"]
    created = site.post("zhang", "/api/v1/applications", {
        "bundle": "STORE", "region": "430102", "channel": "web",
        "answers": {"premises": "rented", "sells_food": False, "sells_tobacco": True,
                    "shop_area": 10},
        "form": {**FORM, "phone": "13800000000"},
        "materials": {"ID_CARD": {"file": scan}, "LEASE": {"commitment": True}}})
    assert created.status_code == 201, created.text
    app_id = created.json()["id"]
    site.post("clerk_furong", f"/api/v1/applications/{app_id}/acceptance",
              {"decision": "accept"})
    assert site.decide("scjg_furong", app_id, "REG").status_code == 200  # on a commitment
    assert site.task("yc_furong", app_id, "TOBACCO")["status"] == "pending"
    for who in ("scjg_furong", "zhang", "clerk_furong", "supervisor_cs", "admin"):
        page = site.page(who, f"/applications/{app_id}")
        assert page.status_code == 200 and "告知承诺核查" in page.text, who
    other = site.page("yc_furong", f"/applications/{app_id}")
    assert other.status_code == 200 and "烟草专卖零售许可" in other.text
    assert "告知承诺核查" not in other.text
    checks = site.page("supervisor_cs", "/checks").text
    assert "核查机关</dt><dd>芙蓉区市场监督管理局</dd>" in checks


def test_the_inbox_counts_every_open_check(site: Site) -> None:
    for _ in range(2):
        approved_on_commitment(site)
    inbox = site.page("scjg_furong", "/inbox").text
    assert "有 2 项告知承诺待核查" in inbox

