"""The 办不成事 window, through the API and the pages, on both databases: an applicant reports
a case of theirs that got stuck, the window that received it takes it up, records each
step, hears when the case reaches its end, and closes the report with what came of it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from onething.cases import service as cases
from onething.kernel.principal import Role
from onething.supervision.models import WatchedDeadline
from world import Api, World, accepted


def errors(answer: Any) -> dict[str, str]:
    return {e["field"]: e["message"] for e in answer.json()["errors"]}


def stuck_case(world: World) -> tuple[int, str]:
    """zhang's 营业执照 application, accepted at the 芙蓉区 window and waiting on 市场监管;
    (its id, its number)."""
    app_id = accepted(world)
    with world.as_("admin") as ctx:
        return app_id, cases.view(ctx, app_id).application.number


def test_a_stuck_case_is_reported_taken_followed_to_its_end_and_closed(
        api: Api, world: World) -> None:
    world.add_people([("clerk2_furong", Role.clerk, "430102", None)])
    app_id, number = stuck_case(world)
    report = {"application_number": number, "problem": "受理一周了部门还没有办",
              "contact_name": "张三", "phone": "13812345678"}
    theirs = api.post("li", "/api/v1/stuck-cases", report)
    assert theirs.status_code == 422 and "application_number" in errors(theirs)
    assert api.post("clerk_furong", "/api/v1/stuck-cases", report).status_code == 403
    sent = api.post("zhang", "/api/v1/stuck-cases", report)
    assert sent.status_code == 201, sent.text
    req = sent.json()
    assert (req["kind"], req["kind_name"], req["application_number"]) == (
        "stuck", "办不成事反映", number)
    assert req["region"] == "430102" and req["status"] == "requested"
    with world.sessions() as session:
        watched = session.scalar(select(WatchedDeadline).where(
            WatchedDeadline.subject == "help_request",
            WatchedDeadline.subject_id == req["id"]))
        assert watched is not None and "办不成事" in watched.title
    listed = api.get("clerk_furong", "/api/v1/help-requests", params={"kind": "stuck"}).json()
    assert [r["id"] for r in listed] == [req["id"]]
    assert api.get("clerk_furong", "/api/v1/help-requests",
                   params={"kind": "help"}).json() == []
    assert api.get("clerk_zhuzhou", f"/api/v1/help-requests/{req['id']}").status_code == 404
    path = f"/api/v1/help-requests/{req['id']}"
    assert api.post("clerk_furong", f"{path}/follow-ups", {"note": "x"}).status_code == 409
    api.post("clerk_furong", f"{path}/taking")
    assert api.post("clerk2_furong", f"{path}/follow-ups", {"note": "我来"}).status_code == 403
    noted = api.post("clerk_furong", f"{path}/follow-ups",
                     {"note": "已联系芙蓉区市场监管局，承诺今天办结"})
    assert noted.status_code == 200 and "follow_up" in noted.json()["actions"]
    assert api.decide("scjg_furong", app_id, "REG").status_code == 200
    steps = api.get("zhang", path).json()["follow_ups"]
    assert [(s["by"], s["note"]) for s in steps] == [
        ("clerk_furong", "已联系芙蓉区市场监管局，承诺今天办结"),
        ("系统", "办件已办结，等待送达结果")]
    done = api.post("clerk_furong", f"{path}/finishing", {"outcome": "已协调办结"}).json()
    assert done["status"] == "done" and done["application_number"] == number


def test_the_stuck_page_reports_and_shows_the_follow_ups(api: Api, world: World) -> None:
    app_id, number = stuck_case(world)
    client = api.client
    csrf = world.sign_in(client, "zhang")
    case = client.get(f"/applications/{app_id}")
    assert f'/stuck?application={number}' in case.text
    page = client.get(f"/stuck?application={number}")
    assert page.status_code == 200 and f'value="{number}" selected' in page.text
    form = {"application_number": number, "problem": "部门一直没有办",
            "contact_name": "张三", "phone": "1", "csrf_token": csrf}
    refused = client.post("/stuck", data=form)
    assert refused.status_code == 422 and "部门一直没有办" in refused.text
    sent = client.post("/stuck", data={**form, "phone": "13812345678"},
                       follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"] == "/stuck?done=1"
    assert "部门一直没有办" not in client.get("/help").text  # 帮代办 lists its own requests
    csrf = world.sign_in(client, "clerk_furong")
    queue = client.get("/help-requests")
    assert "办不成事" in queue.text and number in queue.text
    req_id = api.get("clerk_furong", "/api/v1/help-requests").json()[0]["id"]
    client.post(f"/help-requests/{req_id}/take", data={"csrf_token": csrf})
    client.post(f"/help-requests/{req_id}/follow-up",
                data={"note": "已联系市场监管局", "csrf_token": csrf})
    world.sign_in(client, "zhang")
    assert "已联系市场监管局" in client.get("/stuck").text
    client.cookies.clear()
