"""The 12345 figures, on both databases: each rate checked on a hand-made set of tickets
(dispatched on the eve of 国庆 and signed after it, an urgent one signed late, one answered
at once, one reopened after an unsatisfied 回访, one of another city), the hot categories
and places against the period before, who may read them for which region, and the page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, select

from onething.hotline import figures as f
from onething.hotline.models import Ticket
from onething.hotline.rules import Channel, Kind, Limit, Status, Urgency, due_at
from onething.kernel.clock import CHINA
from onething.kernel.db import session_factory, unit_of_work
from onething.kernel.principal import Role
from onething.kernel.workdays import Calendar
from onething.ops.migrate import alembic_config
from world import MONDAY, Api, Clock, World

PEOPLE = [("zhang", Role.applicant, None, None),
          ("op_cs", Role.operator, "430100", None),
          ("cg_furong", Role.approver, "430102", "CGZF"),
          ("supervisor_cs", Role.supervisor, "430100", None),
          ("supervisor_zz", Role.supervisor, "430200", None),
          ("admin", Role.admin, "430000", None)]
CAL = Calendar()
# 28 September to 11 October 2026: two weeks around 国庆 (1–8 October)
RANGE = {"from": "2026-09-28", "to": "2026-10-11"}


def china(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CHINA).astimezone(dt.UTC)  # type: ignore[misc]


@pytest.fixture
def world(demo_world: World) -> World:
    return demo_world


SEQ = iter(range(1, 10_000))


def ticket(received: dt.datetime, *, kind: Kind = Kind.complaint, status: Status,
           region: str = "430102001", category: str = "0201",
           channel: Channel = Channel.phone, urgency: Urgency = Urgency.normal,
           **more: Any) -> Ticket:
    n = next(SEQ)
    return Ticket(number=f"12345-430100-T-{n:06d}", channel=channel, kind=kind,
                  category_code=category, urgency=urgency, status=status,
                  centre_region=region[:4] + "00", region_code=region, caller_name="王五",
                  caller_phone="13912345678", confidential=False, description="测试",
                  attachments=[], received_at=received, outcome={}, returns=0,
                  escalated=False, version=1, created_at=received, updated_at=received,
                  **{"timeline": [], **more})


def hand_made() -> list[Ticket]:
    a_at = china(2026, 9, 30, 10, 0)  # the eve of the holiday
    a_sign = due_at(Limit("working_days", 1), a_at, CAL)
    assert a_sign == china(2026, 10, 9, 0, 0)  # due at the end of 8 October
    b_at = china(2026, 10, 2, 8, 0)  # urgent, during the holiday: 30 minutes on the clock
    e_at = china(2026, 9, 29, 9, 0)
    f_at = china(2026, 9, 1, 9, 0)
    return [
        # A: signed on the first working day after the holiday: on time
        ticket(a_at, status=Status.handling, dispatched_at=a_at, sign_due_at=a_sign,
               signed_at=china(2026, 10, 8, 9, 0),
               reply_due_at=due_at(Limit("working_days", 13), a_at, CAL)),
        # B: urgent, signed 10 minutes late, replied within its 24 hours, closed, satisfied
        ticket(b_at, kind=Kind.help, urgency=Urgency.urgent, channel=Channel.web,
               status=Status.visited, dispatched_at=b_at,
               sign_due_at=due_at(Limit("hours", 0.5), b_at, CAL),
               signed_at=china(2026, 10, 2, 8, 40),
               reply_due_at=due_at(Limit("hours", 24), b_at, CAL),
               replied_at=china(2026, 10, 3, 7, 0), closed_at=china(2026, 10, 4, 9, 0),
               visited_at=china(2026, 10, 5, 9, 0), satisfaction="satisfied"),
        # C: answered at once
        ticket(china(2026, 10, 9, 9, 0), kind=Kind.enquiry, category="0501",
               status=Status.answered, closed_at=china(2026, 10, 9, 9, 5)),
        # D: sent in online, not taken yet
        ticket(china(2026, 10, 10, 9, 0), kind=Kind.enquiry, category="0501",
               channel=Channel.mobile, status=Status.submitted),
        # E: its 签收 deadline (the end of 30 September) passed without a signature
        ticket(e_at, status=Status.dispatched, dispatched_at=e_at,
               sign_due_at=due_at(Limit("working_days", 1), e_at, CAL),
               reply_due_at=due_at(Limit("working_days", 13), e_at, CAL)),
        # F: from September, closed, then reopened in the period after an unsatisfied 回访
        ticket(f_at, status=Status.handling, dispatched_at=f_at, sign_due_at=china(2026, 9, 2),
               signed_at=f_at, replied_at=None, visited_at=china(2026, 10, 9, 10, 0),
               satisfaction="unsatisfied", reopens=1, reopened_at=china(2026, 10, 9, 10, 0),
               reply_due_at=due_at(Limit("working_days", 13), china(2026, 10, 9, 10), CAL)),
        # G: another city's
        ticket(china(2026, 10, 1, 9, 0), region="430200", status=Status.answered,
               closed_at=china(2026, 10, 1, 9, 5)),
        # H: the period before (14–27 September): one 占道经营, two 物业管理
        ticket(china(2026, 9, 20, 9, 0), status=Status.accepted),
        ticket(china(2026, 9, 21, 9, 0), category="0301", status=Status.accepted),
        ticket(china(2026, 9, 22, 9, 0), category="0301", status=Status.accepted),
    ]


@pytest.fixture
def seeded(world: World) -> World:
    with unit_of_work(world.sessions) as session:
        session.add_all(hand_made())
    return world


def ok(answer: Any) -> dict[str, Any]:
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def rates(x: dict[str, Any]) -> dict[str, tuple[int, int]]:
    return {k: (x[k]["numerator"], x[k]["denominator"])
            for k in ("sign_on_time", "reply_on_time", "satisfied", "reopened", "answered")}


def test_each_figure_on_a_hand_made_set_across_the_holiday(api: Api, seeded: World) -> None:
    x = ok(api.get("supervisor_cs", "/api/v1/tickets/figures", params=RANGE))
    assert (x["region"], x["region_name"], x["period"]) == ("430100", "长沙市", "range")
    assert (x["first_day"], x["last_day"]) == ("2026-09-28", "2026-10-11")
    assert x["received"] == 5  # A B C D E (G is 株洲's, F and H before)
    assert rates(x) == {
        "sign_on_time": (1, 3),  # A on time across the holiday; B late by 10 minutes; E not
        "reply_on_time": (1, 1),  # B within its 24 hours
        "satisfied": (1, 2),  # B satisfied, F not
        "reopened": (1, 2),  # B closed, F reopened (C was answered at once: not dispatched)
        "answered": (1, 4),  # C, among the four taken (D is waiting)
    }
    assert x["sign_on_time"]["value"] == pytest.approx(1 / 3)
    kinds = {k["code"]: k["count"] for k in x["by_kind"]}
    assert kinds == {"enquiry": 2, "help": 1, "complaint": 2, "report": 0,
                     "suggestion": 0, "praise": 0}
    assert {k["code"]: k["count"] for k in x["by_channel"] if k["count"]} == {
        "phone": 3, "web": 1, "mobile": 1}
    # hot categories against the two weeks before: 占道经营 3 (1 before), 办事咨询 2
    assert [(h["name"], h["count"], h["before"], h["change"]) for h in x["categories"]] == [
        ("占道经营", 3, 1, 2), ("办事咨询", 2, 0, 2)]
    assert x["received_before"] == 3
    # places one level below the region asked: the districts of 长沙
    assert [(h["name"], h["count"]) for h in x["places"]] == [("芙蓉区", 5)]
    # the province's admin sees 株洲 too
    x = ok(api.get("admin", "/api/v1/tickets/figures", params=RANGE))
    assert x["region"] is None and x["received"] == 6
    assert [(h["name"], h["count"]) for h in x["places"]] == [("长沙市", 5), ("株洲市", 1)]
    assert rates(x)["answered"] == (2, 5)
    # the operator of the 长沙 centre sees its region's
    assert rates(ok(api.get("op_cs", "/api/v1/tickets/figures", params=RANGE))) == rates(
        ok(api.get("supervisor_cs", "/api/v1/tickets/figures", params=RANGE)))
    # a county below: the same set, places are its streets
    x = ok(api.get("supervisor_cs", "/api/v1/tickets/figures",
                   params={**RANGE, "region": "430102"}))
    assert x["received"] == 5 and x["places"][0]["code"] == "430102001"


def test_the_week_so_far_follows_the_flow(api: Api, world: World, clock: Clock) -> None:
    """A complaint taken on Monday, dispatched, signed, replied, closed, called back
    unsatisfied (the office's fault): reopened; a duplicate merged under it; the week's
    figures say so."""
    call = {"kind": "complaint", "category": "0201", "region": "430102001",
            "caller_name": "王五", "caller_phone": "13912345678", "description": "占道经营"}
    t = api.post("op_cs", "/api/v1/tickets", call).json()
    tid = t["id"]
    for who, step, body in [("op_cs", "dispatch", {}), ("cg_furong", "sign", {}),
                            ("cg_furong", "reply", {"text": "已处理"}),
                            ("op_cs", "approve", {}),
                            ("op_cs", "callback", {"satisfaction": "unsatisfied",
                                                   "fault": "office", "reason": "未处理"})]:
        clock.advance(minutes=30)
        assert api.post(who, f"/api/v1/tickets/{tid}/{step}", body).status_code == 200
    answered = api.post("op_cs", "/api/v1/tickets", {**call, "kind": "enquiry",
                                                     "category": "0501"}).json()
    assert api.post("op_cs", f"/api/v1/tickets/{answered['id']}/answer",
                    {"answer": "可在网上办理"}).status_code == 200
    # a second call about the same stall, merged under the first (并单): counted as
    # received, but not again among the tickets taken
    dup = api.post("op_cs", "/api/v1/tickets", {**call, "caller_phone": "13912340000",
                                                "parent": tid}).json()
    assert dup["status"] == "merged"
    x = ok(api.get("supervisor_cs", "/api/v1/tickets/figures"))
    assert x["period"] == "this_week" and x["first_day"] == "2026-11-23"
    assert x["received"] == 3
    assert rates(x) == {"sign_on_time": (1, 1), "reply_on_time": (0, 0),
                        "satisfied": (0, 1), "reopened": (1, 1), "answered": (1, 2)}
    last = ok(api.get("supervisor_cs", "/api/v1/tickets/figures",
                      params={"period": "last_week"}))
    assert (last["first_day"], last["last_day"], last["received"]) == (
        "2026-11-16", "2026-11-22", 0)


@pytest.mark.parametrize(("who", "params", "status", "code"), [
    ("supervisor_cs", {"region": "430200"}, 403, "out_of_scope"),
    ("supervisor_zz", {"region": "430102"}, 403, "out_of_scope"),
    ("op_cs", {"region": "430200"}, 403, "out_of_scope"),
    ("cg_furong", {}, 403, "role_not_allowed"),
    ("zhang", {}, 403, "role_not_allowed"),
    ("admin", {"region": "999999"}, 422, None),
    ("admin", {"from": "2026-10-11", "to": "2026-09-28"}, 422, None),
    ("admin", {"from": "2025-01-01", "to": "2026-10-11"}, 422, None),
    ("admin", {"period": "yesterday"}, 422, None),
])
def test_who_may_read_which_figures(api: Api, world: World, who: str,
                                    params: dict[str, str], status: int,
                                    code: str | None) -> None:
    answer = api.get(who, "/api/v1/tickets/figures", params=params)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    if code:
        assert answer.json()["code"] == code
    else:
        assert answer.json()["errors"][0]["field"] in ("region", "to", "period")


def test_periods() -> None:
    now = MONDAY + dt.timedelta(days=2)  # Wednesday 25 November, 10:00 China time
    week = f.this_week(now)
    assert (week.first, week.last, week.start) == (
        dt.date(2026, 11, 23), dt.date(2026, 11, 25), china(2026, 11, 23))
    before = week.before()
    assert (before.start, before.end) == (china(2026, 11, 16),
                                         china(2026, 11, 18, 10) + dt.timedelta(microseconds=1))
    last = f.last_week(now)
    assert (last.first, last.last, last.end) == (dt.date(2026, 11, 16), dt.date(2026, 11, 22),
                                                 china(2026, 11, 23))
    assert last.before().first == dt.date(2026, 11, 9)
    chosen = f.date_range(dt.date(2026, 9, 28), dt.date(2026, 10, 11), now)
    assert chosen.before().first == dt.date(2026, 9, 14) and chosen.days == 14
    assert f.Rate(0, 0).value is None and f.Rate(1, 4).value == 0.25
    assert [(h.code, h.change) for h in f.hot({"a": 2, "b": 5, "c": 2}, {"b": 7}, top=2)] == [
        ("b", -2), ("a", 2)]


def test_the_page_draws_each_chart_with_its_table(api: Api, seeded: World) -> None:
    client = api.client
    seeded.sign_in(client, "supervisor_cs")
    page = client.get("/hotline/figures", params={"period": "range", **RANGE})
    assert page.status_code == 200, page.text
    html = page.text
    assert 'id="kpi-sign_on_time">33.3%' in html and 'id="kpi-received">5' in html
    for name in ("rates", "categories", "places", "kinds", "channels"):
        assert f'id="chart-{name}"' in html and f'id="table-{name}"' in html
    assert html.count("<svg") == 5 and "<script src" not in html  # drawn, nothing to run
    assert "<td>占道经营</td><td>3</td><td>1</td><td>+2</td>" in html
    assert 'href="/hotline/figures"' in html  # in the menu
    # a bad range is said on the page, not a traceback
    bad = client.get("/hotline/figures", params={"period": "range", "from": "2026-10-11",
                                                 "to": "2026-09-01"})
    assert bad.status_code == 422 and 'id="error"' in bad.text
    seeded.sign_in(client, "op_cs")
    assert client.get("/hotline/figures").status_code == 200
    seeded.sign_in(client, "cg_furong")
    assert client.get("/hotline/figures", follow_redirects=False).status_code == 303


def test_tickets_called_back_before_the_figures_get_theirs_on_upgrade(engine: Engine,
                                                                       world: World) -> None:
    """A database of the revision before the figures: its tickets' 回访 and 重办 are read
    from their record when it is upgraded."""
    at, again = china(2026, 10, 9, 10, 0), china(2026, 10, 12, 11, 0)
    steps = [{"at": at.isoformat(), "move": "callback", "note": "回访：不满意"},
             {"at": at.isoformat(), "move": "reopen", "note": "重办"},
             {"at": again.isoformat(), "move": "callback", "note": "回访：不满意"},
             {"at": again.isoformat(), "move": "reopen", "note": "重办"}]
    with unit_of_work(session_factory(engine)) as session:
        session.add_all([
            ticket(china(2026, 10, 1, 9, 0), status=Status.handling, timeline=steps,
                   callback={"satisfaction": "unsatisfied", "fault": "office",
                             "at": again.isoformat()}),
            ticket(china(2026, 10, 1, 9, 0), status=Status.accepted)])
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    command.downgrade(config, "0027")
    command.upgrade(config, "head")
    with unit_of_work(session_factory(engine)) as session:
        called, waiting = session.scalars(select(Ticket).order_by(Ticket.id)).all()
        assert (called.visited_at, called.satisfaction) == (again, "unsatisfied")
        assert (called.reopens, called.reopened_at) == (2, again)
        assert (waiting.visited_at, waiting.satisfaction, waiting.reopens) == (None, None, 0)
