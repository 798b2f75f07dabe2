"""The 12345 pages in headless Chromium without JavaScript, against `onething serve` with
the demo catalog and people: the 长沙 operator takes a call on the console and dispatches it
to the office the 派单目录 suggests; 芙蓉区城管 signs and replies; the centre passes it, calls
back and records the evaluation; a call answered at once from a knowledge article; the
other branches (转办, 告知其他途径, 退单 and 改派, 延期, 催办, 重办, 并单 and its undoing)
each from its form; a citizen sends a request online and tracks it by number and phone
without signing in. On SQLite and PostgreSQL. Screenshots of every page at desktop and
phone width (no sideways scrolling on a phone)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from conftest import _fresh_postgres
from served import Served
from test_browser import _as, _both, _shots, launch_chromium

pytestmark = pytest.mark.browser

OPERATOR, OFFICE, WRITER, CITIZEN = "huawu", "cgzf_430102", "scjg_430102", "zhangsan"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    yield from launch_chromium()


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def demo_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                demo_dir: Path) -> Iterator[str]:
    """`onething serve --demo` on each database (the whole flow runs on both)."""
    with contextlib.ExitStack() as stack:
        url = "" if request.param == "sqlite" else stack.enter_context(
            _fresh_postgres(request.getfixturevalue("postgres_server")))
        served = Served(tmp_path_factory.mktemp("hotline"), url, catalog=demo_dir)
        served.cli("catalog", "load", str(demo_dir), check=True, timeout=300)
        with served:
            yield served.url


def _article(server: str) -> None:
    token = httpx.post(f"{server}/api/v1/auth/token",
                       data={"username": WRITER, "password": "Onething2026"}, timeout=60).json()
    me = {"Authorization": f"Bearer {token['access_token']}"}
    made = httpx.post(f"{server}/api/v1/knowledge/articles", headers=me, json={
        "question": "个体工商户怎么办理营业执照？",
        "answer": "带本人身份证和经营场所证明，到芙蓉区政务服务中心市场监管窗口办理，"
                  "也可以在湖南政务服务网在线申请，一般 3 个工作日内办结。",
        "department": "SCJG", "region": "430102"}, timeout=60)  # jieba loads once
    assert made.status_code == 201, made.text
    httpx.post(f"{server}/api/v1/knowledge/articles/{made.json()['id']}/publication",
               headers=me, timeout=60).raise_for_status()


def _fill_call(page: Any, kind: str, category: str, description: str) -> None:
    page.check(f"#take input[name=kind][value={kind}]")
    page.select_option("#take select[name=category]", category)
    page.select_option("#take select[name=region]", "430102001")
    page.fill("#take input[name=address]", "五一大道 1 号门口")
    page.fill("#take input[name=caller_name]", "王五")
    page.fill("#take input[name=caller_phone]", "13912345678")
    page.fill("#take textarea[name=description]", description)


def test_a_call_from_console_to_evaluation(demo_server: str, browser: object,
                                           tmp_path: Path) -> None:
    shots = _shots(tmp_path)
    _article(demo_server)
    op: Any = _as(browser, demo_server, OPERATOR)
    assert op.url.endswith("/tickets")  # the operator's home: the queue
    _both(op, shots, "hotline-queue")
    op.goto(f"{demo_server}/hotline?q=营业执照")
    assert "个体工商户怎么办理营业执照" in op.inner_text("#kb")
    _fill_call(op, "complaint", "0201", "五一大道 1 号门口长期占道经营，影响通行")
    op.fill("#take input[name=caller_phone]", "12")
    op.click("#do-take")  # refused: the message next to the phone, what was typed kept
    assert op.inner_text("#caller_phone-error")
    assert "占道经营" in op.input_value("#take textarea[name=description]")
    _both(op, shots, "hotline-console-refused")
    op.fill("#take input[name=caller_phone]", "13912345678")
    _both(op, shots, "hotline-console")
    op.click("#do-take")
    main = op.inner_text("main")
    assert "已受理" in main and "派单目录建议：芙蓉区城市管理和综合执法局" in main
    ticket_url = op.url.split("?")[0].split("#")[0]
    _both(op, shots, "ticket-accepted")
    op.click("#do-dispatch")
    assert "已派单，待签收" in op.inner_text("#ticket-status")
    assert "芙蓉区城市管理和综合执法局" in op.inner_text("#offices")

    office: Any = _as(browser, demo_server, OFFICE)
    office.goto(f"{demo_server}/tickets")
    assert "待签收" in office.inner_text("main")
    _both(office, shots, "hotline-inbox")
    office.click("#tickets a")
    assert "139****5678" in office.inner_text("#ticket-facts")
    office.click("#do-sign")
    assert "办理中" in office.inner_text("#ticket-status")
    office.fill("#reply textarea[name=reply]", "已依法取缔占道经营，并安排每日巡查两次。")
    _both(office, shots, "ticket-handling")
    office.click("#do-reply")
    assert "已答复，待审核" in office.inner_text("#ticket-status")

    op.goto(f"{demo_server}/tickets?view=review")
    assert "已答复，待审核" in op.inner_text("main")
    _both(op, shots, "hotline-review")
    op.goto(ticket_url)
    op.click("#do-approve")
    assert "已办结，待回访" in op.inner_text("#ticket-status")
    op.check("#callback input[name=satisfaction][value=satisfied]")
    op.click("#do-callback")
    op.check("#evaluate input[name=score][value='5']")
    op.fill("#evaluate textarea[name=note]", "处理及时，很满意")
    op.click("#do-evaluate")
    assert "已评价" in op.inner_text("#ticket-status")
    steps = op.inner_text("#steps")
    for name in ("受理", "派单", "签收", "答复", "审核通过", "回访", "评价"):
        assert name in steps
    _both(op, shots, "ticket-evaluated")

    # 直接答复 from the knowledge base: chosen beside the form, filled in on the ticket
    op.goto(f"{demo_server}/hotline?q=营业执照")
    _fill_call(op, "enquiry", "0104", "想开一家小吃店，营业执照怎么办？")
    op.click("#kb button[name=article]")
    assert "引用知识库" in op.inner_text("#answer")
    assert "政务服务中心" in op.input_value("#answer textarea[name=answer]")
    op.click("#do-answer")
    assert "已直接答复" in op.inner_text("#ticket-status")


def test_a_citizen_sends_online_and_tracks(demo_server: str, browser: object,
                                           tmp_path: Path) -> None:
    shots = _shots(tmp_path)
    me: Any = _as(browser, demo_server, CITIZEN)
    me.goto(f"{demo_server}/hotline/new")
    me.check("#online input[name=kind][value=report]")
    me.select_option("#online select[name=category]", "0101")
    me.select_option("#online select[name=region]", "430102")
    me.fill("#online input[name=address]", "五一大道某超市")
    me.fill("#online textarea[name=description]", "超市销售过期食品")
    me.fill("#online input[name=caller_phone]", "13812345678")
    me.check("#online input[name=confidential]")
    me.click("#do-send")
    sent = me.inner_text("#ticket-sent")
    number = me.inner_text("#ticket-sent strong")
    assert number.startswith("12345-430100-") and "工单编号" in sent
    _both(me, shots, "hotline-online")

    anyone = browser.new_context(java_script_enabled=False, locale="zh-CN")  # type: ignore[attr-defined]
    page = anyone.new_page()
    page.goto(f"{demo_server}/hotline/track")
    page.fill("#track input[name=number]", number)
    page.fill("#track input[name=phone]", "13900000000")
    page.click("#track button[type=submit]")
    assert "没有查到该工单" in page.inner_text("#track-error")
    page.fill("#track input[name=phone]", "13812345678")
    page.click("#track button[type=submit]")
    found = page.inner_text("#found")
    assert "待受理" in found and "在线提交" in found
    _both(page, shots, "hotline-track")
    anyone.close()


def _take(op: Any, server: str, kind: str, category: str, description: str,
          address: str = "五一大道 1 号门口") -> str:
    """An operator takes a call on the console; the ticket's page address."""
    op.goto(f"{server}/hotline")
    _fill_call(op, kind, category, description)
    op.fill("#take input[name=address]", address)
    op.click("#do-take")
    assert "已受理" in op.inner_text("#ticket-status")
    return str(op.url.split("?")[0].split("#")[0])


def _do(page: Any, move: str) -> str:
    """Sends the move's form on the ticket's page; the status it shows after."""
    page.click(f"#{move} button[type=submit]")
    return str(page.inner_text("#ticket-status"))


def test_the_other_branches_in_a_browser(demo_server: str, browser: object,
                                         tmp_path: Path) -> None:
    """转办, 告知其他途径, 退单 and 改派, 延期 decided, 催办, 重办 after an unsatisfied
    回访, and 并单 of a second call about the same place, each from its form."""
    shots = _shots(tmp_path)
    op: Any = _as(browser, demo_server, OPERATOR)
    _take(op, demo_server, "help", "0201", "老人在五一大道摔倒，无法起身")
    op.select_option("#transfer select[name=line]", "120")
    assert _do(op, "transfer") == "已转办"
    _take(op, demo_server, "complaint", "0201", "与邻居的合同纠纷，要求政府处理")
    op.select_option("#redirect select[name=way]", "litigation")
    assert _do(op, "redirect") == "已告知其他途径"

    ticket = _take(op, demo_server, "complaint", "0201", "五一大道 8 号夜间占道烧烤，油烟扰民",
                   address="五一大道 8 号")
    assert _do(op, "dispatch") == "已派单，待签收"
    office: Any = _as(browser, demo_server, OFFICE)
    office.goto(ticket)
    office.fill("#return textarea[name=reason]", "夜间烧烤油烟属市场监管")
    assert _do(office, "return") == "退单待审核"
    op.goto(ticket)
    op.select_option("#reassign select[name='host.department']", "SCJG")
    assert _do(op, "reassign") == "已派单，待签收"
    scjg: Any = _as(browser, demo_server, WRITER)
    scjg.goto(ticket)
    assert _do(scjg, "sign") == "办理中"
    scjg.fill("#extend input[name=days]", "5")
    scjg.fill("#extend textarea[name=reason]", "需联合城管夜间执法")
    _do(scjg, "extend")
    op.goto(ticket)
    op.check("#decide_extension input[name=approved][value=yes]")
    _do(op, "decide_extension")
    due = op.inner_text("#reply-due").splitlines()[0].strip()  # 2026-12-25 24:00
    assert f"答复期限延至 {due}" in op.inner_text("#steps")  # the same words for one instant
    op.fill("#urge textarea[name=note]", "群众多次来电，请加快办理")
    _do(op, "urge")
    _both(op, shots, "ticket-extended-urged")
    scjg.goto(ticket)
    scjg.fill("#reply textarea[name=reply]", "已责令整改")
    assert _do(scjg, "reply") == "已答复，待审核"
    op.goto(ticket)
    assert _do(op, "approve") == "已办结，待回访"
    op.check("#callback input[name=satisfaction][value=unsatisfied]")
    op.check("#callback input[name=fault][value=office]")
    op.fill("#callback textarea[name=reason]", "仍在烧烤")
    assert _do(op, "callback") == "办理中"  # 重办
    steps = op.inner_text("#steps")
    for name in ("退单", "改派", "申请延期", "审批延期", "催办", "回访", "重办"):
        assert name in steps, name

    first = _take(op, demo_server, "complaint", "0201", "五一大道 20 号占道摆摊",
                  address="五一大道 20 号")
    _take(op, demo_server, "complaint", "0201", "五一大道 20 号有人摆摊占道",
          address="五一大道 20 号")
    parent = first.rsplit("/", 1)[-1]  # the first call, offered as the parent
    assert op.locator(f"#similar a[href='/tickets/{parent}']").count() == 1
    op.check(f"#similar input[name=parent][value='{parent}']")
    _both(op, shots, "ticket-merge")
    assert _do(op, "merge") == "已并单"
    child = op.url.split("?")[0]
    op.click("#parent a")  # the parent, linked from its duplicate
    assert op.url.split("?")[0].endswith(f"/tickets/{parent}")
    assert "并入的重复工单" in op.inner_text("main")
    op.goto(child)  # a wrong merge is undone, with the reason
    op.fill("#unmerge textarea[name=reason]", "不是同一摊位")
    assert _do(op, "unmerge") == "已受理"
    assert "取消并单" in op.inner_text("#steps")
