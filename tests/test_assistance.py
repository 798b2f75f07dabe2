"""帮代办 requests through the API and the pages, on both databases: a person asks for help
at home, the window of the region is told, takes it up (supervision stops watching its
deadline) and records what it did; what each side sees, and what bad input gets."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from onething.kernel.principal import Role
from onething.outbox.models import Notification
from onething.supervision.models import WatchedDeadline
from world import Api, Clock, World

PEOPLE = [("zhang", Role.applicant, None, None), ("li", Role.applicant, None, None),
          ("clerk_furong", Role.clerk, "430102", None),
          ("clerk2_furong", Role.clerk, "430102", None),
          ("clerk_zhuzhou", Role.clerk, "430200", None),
          ("supervisor_cs", Role.supervisor, "430100", None),
          ("scjg_furong", Role.approver, "430102", "SCJG")]
HOME = {"region": "430102001", "mode": "home_visit", "reason": "elderly",
        "need": "想办理退休，行动不便", "contact_name": "张大爷", "phone": "13812345678",
        "address": "长沙市芙蓉区五一大道 1 号", "bundle": "RETIREMENT"}


@pytest.fixture
def world(demo_world: World) -> World:
    return demo_world


def errors(answer: Any) -> dict[str, str]:
    return {e["field"]: e["message"] for e in answer.json()["errors"]}


def test_a_home_visit_asked_taken_and_done(api: Api, world: World) -> None:
    sent = api.post("zhang", "/api/v1/help-requests", HOME)
    assert sent.status_code == 201, sent.text
    req = sent.json()
    assert (req["status"], req["window"]) == ("requested", "文艺路街道便民服务中心综合窗口")
    assert req["due_on"] == "2026-11-25"  # two working days after Monday
    assert req["actions"] == ["cancel"] and req["phone"] == "13812345678"
    with world.sessions() as session:
        told = session.scalars(select(Notification.recipient_id).where(
            Notification.subject.contains("帮代办"))).all()
        assert world.users["clerk_furong"].user_id in told
        assert session.scalars(select(WatchedDeadline.subject)).all() == ["help_request"]
    # the window of 芙蓉区 sees it, the phone masked until it takes it; 株洲 does not
    seen = api.get("clerk_furong", f"/api/v1/help-requests/{req['id']}").json()
    assert seen["phone"] == "138****5678" and seen["actions"] == ["take"]
    assert seen["address"].endswith("****")
    assert api.get("clerk_zhuzhou", f"/api/v1/help-requests/{req['id']}").status_code == 404
    assert api.get("li", f"/api/v1/help-requests/{req['id']}").status_code == 404
    assert [r["id"] for r in api.get("supervisor_cs", "/api/v1/help-requests",
                                     params={"status": "open"}).json()] == [req["id"]]
    taken = api.post("clerk_furong", f"/api/v1/help-requests/{req['id']}/taking")
    assert taken.status_code == 200, taken.text
    assert taken.json()["phone"] == "13812345678"
    assert taken.json()["actions"] == ["finish", "follow_up"]
    with world.sessions() as session:  # taken up in time: no longer watched
        assert session.scalars(select(WatchedDeadline)).all() == []
    # another clerk may not finish what a colleague took up
    other = api.post("clerk2_furong", f"/api/v1/help-requests/{req['id']}/finishing",
                     {"outcome": "已办"})
    assert other.status_code == 403
    done = api.post("clerk_furong", f"/api/v1/help-requests/{req['id']}/finishing",
                    {"outcome": "已上门帮助提交退休一件事", "application_number": "X-1"})
    assert done.status_code == 200 and done.json()["status"] == "done"
    mine = api.get("zhang", "/api/v1/help-requests").json()
    assert mine[0]["outcome"] == "已上门帮助提交退休一件事" and mine[0]["actions"] == []
    assert api.post("zhang", f"/api/v1/help-requests/{req['id']}/cancellation"
                    ).status_code == 409


def test_bad_requests_name_their_fields(api: Api) -> None:
    bad = api.post("zhang", "/api/v1/help-requests",
                   {**HOME, "region": "999999", "phone": "12345", "address": "",
                    "bundle": "NOPE"})
    assert bad.status_code == 422
    assert set(errors(bad)) == {"region", "phone", "address", "bundle"}
    assert api.post("clerk_furong", "/api/v1/help-requests", HOME).status_code == 403
    assert api.post("scjg_furong", "/api/v1/help-requests", HOME).status_code == 403
    remote = api.post("zhang", "/api/v1/help-requests",
                      {**HOME, "mode": "remote", "address": None})
    assert remote.status_code == 201  # no address needed by telephone


def test_a_request_not_taken_up_is_overdue_and_may_be_withdrawn(api: Api,
                                                                clock: Clock) -> None:
    req = api.post("li", "/api/v1/help-requests", HOME).json()
    clock.advance(days=3)  # Thursday: past Wednesday's due date
    api.tokens.clear()  # Monday's sessions have expired: sign in again
    assert api.get("clerk_furong", f"/api/v1/help-requests/{req['id']}").json()["overdue"]
    gone = api.post("li", f"/api/v1/help-requests/{req['id']}/cancellation")
    assert gone.status_code == 200 and gone.json()["status"] == "cancelled"
    assert api.post("clerk_furong", f"/api/v1/help-requests/{req['id']}/taking"
                    ).status_code == 409


def test_the_pages_ask_take_and_finish(api: Api, world: World) -> None:
    client = api.client
    csrf = world.sign_in(client, "zhang")
    page = client.get("/help")
    assert page.status_code == 200 and "申请帮代办" in page.text
    refused = client.post("/help", data={**HOME, "phone": "1", "csrf_token": csrf})
    assert refused.status_code == 422 and "联系电话" in refused.text
    assert "想办理退休，行动不便" in refused.text  # what was typed is kept
    sent = client.post("/help", data={**HOME, "csrf_token": csrf}, follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"] == "/help?done=1"
    assert "已提交" in client.get("/help?done=1").text
    csrf = world.sign_in(client, "clerk_furong")
    queue = client.get("/help-requests")
    assert "想办理退休，行动不便" in queue.text and "接单" in queue.text
    assert "帮代办请求" in queue.text  # the menu lists it
    help_id = api.get("clerk_furong", "/api/v1/help-requests").json()[0]["id"]
    client.post(f"/help-requests/{help_id}/take", data={"csrf_token": csrf})
    client.post(f"/help-requests/{help_id}/finish",
                data={"outcome": "已上门帮办", "csrf_token": csrf})
    world.sign_in(client, "zhang")
    assert "已上门帮办" in client.get("/help").text
    client.cookies.clear()


def test_the_due_date_counts_working_days(api: Api, clock: Clock) -> None:
    clock.now = dt.datetime(2026, 12, 31, 2, 0, tzinfo=dt.UTC)  # a Thursday before 元旦
    req = api.post("zhang", "/api/v1/help-requests", HOME).json()
    assert req["due_on"] == "2027-01-05"  # 1–3 January off: Monday the 4th, Tuesday the 5th

