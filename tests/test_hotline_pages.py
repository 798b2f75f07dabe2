"""The 12345 pages without a browser, on both databases: the operator's console takes a
call and the ticket's page walks it through every move's form (派单 to the suggested
office, 签收, 延期, 答复, 审核, 回访, 评价, and the other branches); the lists; a citizen's
online request and its tracking by number and phone; bad input answered in Chinese next
to the field with nothing written."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from onething.hotline.models import Ticket
from onething.identity import service as identity
from onething.kernel.db import unit_of_work
from onething.kernel.principal import Role
from onething.knowledge import service as knowledge
from onething.knowledge.rules import Move
from onething.web.session import COOKIE
from world import Api, Clock, World

PEOPLE = [("zhang", Role.applicant, None, None),
          ("op_cs", Role.operator, "430100", None),
          ("op_zz", Role.operator, "430200", None),
          ("cg_furong", Role.approver, "430102", "CGZF"),
          ("scjg_furong", Role.approver, "430102", "SCJG"),
          ("supervisor_cs", Role.supervisor, "430100", None)]
CALL = {"channel": "phone", "kind": "complaint", "category": "0201", "urgency": "normal",
        "region": "430102001", "address": "五一大道 1 号门口", "lat": "28.196",
        "long": "112.98", "caller_name": "王五", "caller_phone": "13912345678",
        "description": "五一大道 1 号门口长期占道经营，影响通行",
        "received_at": "2026-11-23T09:58"}


@pytest.fixture
def world(demo_world: World) -> World:
    return demo_world


class Browser:
    """The test client signed in as one person at a time, sending forms with their token."""

    def __init__(self, api: Api, world: World) -> None:
        self.client, self.world, self.csrf = api.client, world, ""

    def as_(self, who: str) -> Browser:
        self.csrf = self.world.sign_in(self.client, who)
        return self

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get(path, **kw)

    def post(self, path: str, data: dict[str, str] | None = None) -> Any:
        return self.client.post(path, data={"csrf_token": self.csrf, **(data or {})},
                                follow_redirects=False)

    def move(self, ticket: int, move: str, data: dict[str, str] | None = None) -> Any:
        answer = self.post(f"/tickets/{ticket}/{move}", data)
        assert answer.status_code == 303, answer.text[:2000]
        return self.get(answer.headers["location"])


@pytest.fixture
def web(api: Api, world: World) -> Browser:
    return Browser(api, world)


def tickets(world: World) -> int:
    with world.sessions() as session:
        return session.scalar(select(func.count()).select_from(Ticket)) or 0


def status(world: World, ticket: int) -> str:
    with world.sessions() as session:
        return session.get_one(Ticket, ticket).status.value


def error_of(page: Any, field: str) -> str:
    """The message shown next to the field (its label's error)."""
    found = re.search(r'name="' + re.escape(field) + r'"[^<]*(?:</textarea>|</select>|>)'
                      r'(?:(?!</label>).)*?<span class="error"[^>]*>([^<]+)</span>',
                      page.text, re.S)
    return found.group(1) if found else ""


def take(web: Browser, **changes: str) -> int:
    made = web.as_("op_cs").post("/hotline", {**CALL, **changes})
    assert made.status_code == 303, made.text[:3000]
    return int(made.headers["location"].split("/")[2].split("?")[0].split("#")[0])


def test_console_takes_a_call_and_the_ticket_walks_to_evaluation(
        web: Browser, world: World) -> None:
    console = web.as_("op_cs").get("/hotline")
    assert console.status_code == 200 and "<script" not in console.text
    assert '<optgroup label="城市管理">' in console.text and "占道经营" in console.text
    assert "12345 受理" in console.text and "12345 工单" in console.text  # the menu
    t = take(web)
    page = web.get(f"/tickets/{t}")
    assert "已受理" in page.text and "13912345678" in page.text  # the centre calls back
    assert "派单目录建议" in page.text and "芙蓉区城市管理和综合执法局" in page.text
    # 派单 as suggested (the form comes filled in: 城管 hosts, 市场监管 assists)
    assert 'value="CGZF" selected' in page.text
    page = web.move(t, "dispatch", {"host.department": "CGZF", "host.region": "430102",
                                    "assist[0].department": "SCJG",
                                    "assist[0].region": "430102", "note": ""})
    assert "已派单，待签收" in page.text and "签收期限" in page.text
    assert "2026-11-24" in page.text  # the end of the next working day
    # the office: its inbox, the caller masked, 签收
    inbox = web.as_("cg_furong").get("/tickets")
    assert f"/tickets/{t}" in inbox.text and "待签收" in inbox.text
    page = web.get(f"/tickets/{t}")
    assert "139****5678" in page.text and "13912345678" not in page.text
    assert "派单目录建议" not in page.text
    assert web.as_("scjg_furong").get(f"/tickets/{t}").status_code == 200  # 协办 reads
    forms = re.findall(r'action="(/tickets/[^"]+)"', web.get(f"/tickets/{t}").text)
    assert forms == [f"/tickets/{t}/assist"]  # and may only give its opinion
    page = web.as_("cg_furong").move(t, "sign")
    assert "办理中" in page.text
    # 延期: asked (a bad number is refused next to the field), decided by the centre
    bad = web.post(f"/tickets/{t}/extend", {"days": "九十", "reason": "需协调"})
    assert bad.status_code == 422 and "延期天数应为 1 至 30" in error_of(bad, "days")
    assert "需协调" in bad.text  # what was typed stays
    web.move(t, "extend", {"days": "5", "reason": "需协调摊贩搬迁"})
    queue = web.as_("op_cs").get("/tickets?view=queue")
    assert f"/tickets/{t}" in queue.text and "延期待批" in queue.text
    page = web.move(t, "decide-extension", {"approved": "yes", "note": ""})
    assert "已同意" in page.text
    web.move(t, "urge", {"note": "群众再次来电"})
    # 答复 (empty refused), reviewed by the centre: 办结
    empty = web.as_("cg_furong").post(f"/tickets/{t}/reply", {"reply": " "})
    assert empty.status_code == 422 and "请填写答复内容" in error_of(empty, "reply")
    assert status(world, t) == "handling"
    web.move(t, "reply", {"reply": "已依法取缔占道经营，并每日巡查"})
    review = web.as_("op_cs").get("/tickets?view=review")
    assert f"/tickets/{t}" in review.text
    page = web.move(t, "approve", {"note": ""})
    assert "已办结，待回访" in page.text
    assert f"/tickets/{t}" in web.get("/tickets?view=callback").text
    # 回访: 不满意 without saying whose fault is refused; then satisfied; 评价
    bad = web.post(f"/tickets/{t}/callback", {"satisfaction": "unsatisfied"})
    assert bad.status_code == 422 and "不满意时须填写原因" in error_of(bad, "reason")
    assert status(world, t) == "closed"
    page = web.move(t, "callback", {"satisfaction": "satisfied"})
    assert "已回访" in page.text
    bad = web.post(f"/tickets/{t}/evaluate", {"score": "9"})
    assert bad.status_code == 422 and "评价应为 1 至 5 分" in bad.text
    page = web.move(t, "evaluate", {"score": "5", "note": "处理及时"})
    assert "已评价" in page.text and "5 分" in page.text
    steps = page.text.split("办理过程")[1]
    for name in ("受理", "派单", "签收", "申请延期", "审批延期", "催办", "答复", "审核通过",
                 "回访", "评价"):
        assert name in steps


def test_a_bad_call_is_answered_next_to_the_field_and_nothing_is_written(
        web: Browser, world: World) -> None:
    cases = [({"category": "02"}, "category", "是大类"),
             ({"caller_phone": "12"}, "caller_phone", ""),
             ({"description": ""}, "description", "请填写诉求内容"),
             ({"confidential": "1"}, "confidential", "只有举报类诉求"),
             ({"region": "430202"}, "region", "不在本热线中心的受理范围内"),
             ({"lat": "北纬"}, "lat", "纬度应为数字"),
             ({"received_at": "昨天"}, "received_at", "来电时间应为日期和时间"),
             ({"received_at": "2030-01-01T10:00"}, "received_at", "不能晚于现在")]
    for changes, field, message in cases:
        answer = web.as_("op_cs").post("/hotline", {**CALL, **changes})
        assert answer.status_code == 422, (changes, answer.status_code)
        assert 'class="alert"' in answer.text
        shown = re.search(r'<span class="error" id="' + re.escape(field) +
                          r'-error">([^<]+)</span>', answer.text)
        assert shown and message in shown.group(1), (field, answer.text[:200])
        assert CALL["address"] in answer.text  # what was typed stays
    assert tickets(world) == 0
    # only operators take calls
    assert web.as_("zhang").post("/hotline", CALL).status_code == 403
    assert web.as_("cg_furong").get("/hotline", follow_redirects=False
                                    ).headers["location"] == "/inbox"
    assert tickets(world) == 0


def test_the_other_branches_and_a_knowledge_answer(web: Browser, world: World) -> None:
    with world.as_("scjg_furong") as ctx:
        article = knowledge.create(ctx, knowledge.ArticleInput(
            question="个体工商户怎么办营业执照？", answer="带身份证到区政务服务中心办理。",
            department="SCJG", region="430102"))
        knowledge.move(ctx, article.id, Move.publish)
        article_id = article.id
    console = web.as_("op_cs").get("/hotline", params={"q": "营业执照"})
    assert "个体工商户怎么办营业执照" in console.text
    assert f'name="article" value="{article_id}"' in console.text
    # 受理并用此条答复: the ticket's 直接答复 comes filled in with the article
    made = web.post("/hotline", {**CALL, "kind": "enquiry", "category": "0104",
                                 "article": str(article_id)})
    assert made.status_code == 303 and f"article={article_id}" in made.headers["location"]
    t = int(made.headers["location"].split("/")[2].split("?")[0])
    page = web.get(made.headers["location"])
    assert "带身份证到区政务服务中心办理。</textarea>" in page.text
    assert f'name="article" value="{article_id}"' in page.text
    # the ticket's own knowledge search leads to the same
    found = web.get(f"/tickets/{t}", params={"q": "营业执照"})
    assert f"/tickets/{t}?article={article_id}" in found.text
    page = web.move(t, "answer", {"answer": "带身份证到区政务服务中心办理。",
                                  "article": str(article_id)})
    assert "已直接答复" in page.text
    with world.sessions() as session:
        assert session.get_one(Ticket, t).outcome["article"] == str(article_id)
    # 转办 and 告知其他途径
    t2 = take(web, kind="help")
    bad = web.post(f"/tickets/{t2}/transfer", {"line": "114"})
    assert bad.status_code == 422 and "应为 110、119、120 或 122" in bad.text
    assert "已转" in web.move(t2, "transfer", {"line": "120", "note": "老人摔倒"}).text
    t3 = take(web)
    assert "已告知" in web.move(t3, "redirect", {"way": "litigation"}).text
    # 退单 → 改派 (the same office refused, next to the field); 退单 → 驳回
    t4 = take(web)
    web.move(t4, "dispatch", {"host.department": "CGZF", "host.region": "430102"})
    web.as_("cg_furong").move(t4, "return", {"reason": "不属本单位职责"})
    queue = web.as_("op_cs").get("/tickets?view=queue")
    assert f"/tickets/{t4}" in queue.text and "退单待审核" in queue.text
    same = web.post(f"/tickets/{t4}/reassign", {"host.department": "CGZF",
                                                "host.region": "430102"})
    assert same.status_code == 422 and "改派须选择另一个主办单位" in same.text
    page = web.move(t4, "reassign", {"host.department": "SCJG", "host.region": "430102",
                                     "note": "属市场监管"})
    assert "芙蓉区市场监督管理局" in page.text and "已派单，待签收" in page.text
    web.as_("scjg_furong").move(t4, "return", {"reason": "属城管"})
    assert web.as_("op_cs").post(f"/tickets/{t4}/overrule", {"reason": ""}).status_code == 422
    assert "已派单，待签收" in web.move(t4, "overrule", {"reason": "属你单位职责"}).text
    # a move in the wrong state: 409 on the ticket's page, in Chinese
    late = web.post(f"/tickets/{t4}/approve", {})
    assert late.status_code == 409 and "不能审核通过" in late.text
    # 审核退回 three times (with 重办) escalates: the 督办 list
    web.as_("scjg_furong").move(t4, "sign")
    for n in range(3):
        web.as_("scjg_furong").move(t4, "reply", {"reply": f"第 {n + 1} 次答复"})
        web.as_("op_cs").move(t4, "send-back", {"reason": "未答复诉求"})
    assert f"/tickets/{t4}" in web.get("/tickets?view=escalated").text
    assert f"/tickets/{t4}" in web.as_("supervisor_cs").get("/tickets").text
    # other centres and unknown moves
    assert web.as_("op_zz").get(f"/tickets/{t4}").status_code == 404
    assert web.as_("op_zz").post(f"/tickets/{t4}/urge", {}).status_code == 404
    assert web.as_("op_cs").post(f"/tickets/{t4}/fly", {}).status_code == 404


def test_lists_are_paged_and_filtered(web: Browser, world: World, clock: Clock) -> None:
    made = [take(web, kind="complaint" if n % 2 else "suggestion") for n in range(23)]
    first = web.as_("op_cs").get("/tickets?view=all")
    assert "共 23 张" in first.text and "第 1 / 2 页" in first.text
    assert first.text.count('<tr id="ticket-') == 20
    second = web.get("/tickets?view=all&page=2")
    assert second.text.count('<tr id="ticket-') == 3
    only = web.get("/tickets?view=all&kind=suggestion")
    assert "共 12 张" in only.text
    assert "共 0 张" in web.get("/tickets?view=all&category=03").text
    assert "共 23 张" in web.get("/tickets?view=all&category=02").text
    assert "共 0 张" in web.get("/tickets").text  # nothing waits in the queue
    assert web.as_("zhang").get("/tickets", follow_redirects=False).headers[
        "location"] == "/my/applications"
    # the office sees only its own, due first
    for t in made[:2]:
        web.as_("op_cs").move(t, "dispatch", {"host.department": "CGZF",
                                              "host.region": "430102"})
    inbox = web.as_("cg_furong").get("/tickets")
    assert "共 2 张" in inbox.text and "已超期" not in inbox.text
    clock.advance(days=3)  # past the 签收 deadline: marked, on the list and the ticket
    with unit_of_work(world.sessions) as session:  # signed in again, three days on
        secret, _ = identity.open_session(session, identity.find_user(session, "cg_furong"),
                                          "web", clock.now)
    web.client.cookies.set(COOKIE, secret)
    inbox = web.get("/tickets")
    assert inbox.text.count('class="late"') == 2 and "已超期" in inbox.text
    assert "已超期" in web.get(f"/tickets/{made[0]}").text.split('id="sign-due"')[1][:200]


def test_a_citizen_sends_online_and_tracks_by_number_and_phone(
        web: Browser, world: World, api: Api) -> None:
    form = web.as_("zhang").get("/hotline/new")
    assert form.status_code == 200 and "12345 诉求" in form.text
    request = {"kind": "report", "category": "0101", "region": "430102",
               "address": "五一大道超市", "description": "超市销售过期食品",
               "caller_name": "张三", "caller_phone": "13812345678", "confidential": "1"}
    bad = web.post("/hotline/new", {**request, "region": ""})
    assert bad.status_code == 422 and "行政区划" in bad.text and tickets(world) == 0
    sent = web.post("/hotline/new", request)
    assert sent.status_code == 303
    page = web.get(sent.headers["location"])
    with world.sessions() as session:
        t = session.scalars(select(Ticket)).one()
        number, ticket_id = t.number, t.id
    assert f"工单编号 <strong>{number}</strong>" in page.text and "待受理" in page.text
    # the centre's queue; 受理 and 派单; the office does not see who reported
    queue = web.as_("op_cs").get("/tickets")
    assert f"/tickets/{ticket_id}" in queue.text and "待受理" in queue.text
    web.move(ticket_id, "accept")
    web.move(ticket_id, "dispatch", {"host.department": "SCJG", "host.region": "430102"})
    office = web.as_("scjg_furong").get(f"/tickets/{ticket_id}")
    assert "举报人要求保密" in office.text and "13812345678" not in office.text
    assert "张三" not in office.text.split("办理过程")[0]
    # the citizen's own page names no staff
    own = web.as_("zhang").get(f"/tickets/{ticket_id}")
    assert own.status_code == 200 and "op_cs" not in own.text
    # tracking: no sign-in; a wrong phone finds nothing; the right one shows the steps
    web.client.cookies.clear()
    blank = web.get("/hotline/track")
    assert blank.status_code == 200 and "<script" not in blank.text
    token = web.client.cookies.get("onething_track_csrf")
    wrong = web.client.post("/hotline/track", data={"csrf_token": token, "number": number,
                                                    "phone": "13900000000"})
    assert wrong.status_code == 404 and "没有查到该工单" in wrong.text
    token = web.client.cookies.get("onething_track_csrf")
    found = web.client.post("/hotline/track", data={"csrf_token": token, "number": number,
                                                    "phone": "138 1234 5678"})
    assert found.status_code == 200 and "已派单，待签收" in found.text
    assert "答复期限" in found.text and "op_cs" not in found.text and "派单" in found.text
    forged = web.client.post("/hotline/track", data={"csrf_token": "x", "number": number,
                                                     "phone": "13812345678"})
    assert forged.status_code == 403
    # ended: the reply is shown
    web.as_("scjg_furong").move(ticket_id, "sign")
    web.move(ticket_id, "reply", {"reply": "已立案查处，罚款 5000 元"})
    web.as_("op_cs").move(ticket_id, "approve", {})
    web.client.cookies.clear()
    web.get("/hotline/track")
    token = web.client.cookies.get("onething_track_csrf")
    done = web.client.post("/hotline/track", data={"csrf_token": token, "number": number,
                                                   "phone": "13812345678"})
    assert "已立案查处，罚款 5000 元" in done.text


def test_a_duplicate_is_merged_from_its_page_and_an_assisting_office_gives_its_opinion(
        web: Browser, world: World) -> None:
    first = take(web)
    second = take(web, caller_name="赵六", caller_phone="13800001111",
                  description="五一大道 1 号门口又有人占道摆摊")
    page = web.get(f"/tickets/{second}")
    assert "疑似重复" in page.text and f'name="parent" value="{first}"' in page.text
    bad = web.post(f"/tickets/{second}/merge", {})
    assert bad.status_code == 422 and "请选择主工单" in bad.text
    assert status(world, second) == "accepted"
    page = web.move(second, "merge", {"parent": str(first)})
    assert "已并单" in page.text and "主工单" in page.text
    parent = web.get(f"/tickets/{first}")
    assert "并入的重复工单" in parent.text and f"/tickets/{second}" in parent.text
    assert "疑似重复" not in parent.text  # a ticket with duplicates is nobody's duplicate
    web.move(first, "dispatch", {"host.department": "CGZF", "host.region": "430102",
                                 "assist[0].department": "SCJG",
                                 "assist[0].region": "430102", "note": ""})
    empty = web.as_("scjg_furong").post(f"/tickets/{first}/assist", {"text": " "})
    assert empty.status_code == 422 and error_of(empty, "text")
    page = web.move(first, "assist", {"text": "摊贩已办理临时经营许可，建议核实"})
    assert "摊贩已办理临时经营许可" in page.text.split("办理过程")[0]
    host = web.as_("cg_furong").get(f"/tickets/{first}")
    assert "摊贩已办理临时经营许可" in host.text and "协办意见" in host.text
