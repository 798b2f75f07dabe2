"""Scope and state rules, door by door: the API and the pages refuse the same things."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from onething.cases import service as cases
from onething.cases.service import Submission
from onething.files import service as files
from samples import FORM, OWNED, PDF
from world import World, accepted, client_for


@dataclass
class Case:
    client: TestClient
    world: World
    app_id: int
    reg_task: int
    reg_version: int

    def token(self, username: str) -> dict[str, str]:
        return self.world.bearer(username)

    def web(self, username: str) -> tuple[dict[str, str], str]:
        secret, csrf = self.world.web_session(username)
        return {"onething_session": secret}, csrf


@pytest.fixture
def case(engine: Engine, world: World, tmp_path: Path) -> Iterator[Case]:
    app_id = accepted(world)
    with world.as_("clerk_furong") as ctx:
        task = cases.view(ctx, app_id).tasks[0]
    with client_for(engine, tmp_path) as client:
        yield Case(client, world, app_id, task.id, task.version)


# (who, method, path, body, expected) — the API door
API_RULES = [
    (None, "GET", "/api/v1/applications/{app}", None, 401),
    ("li", "GET", "/api/v1/applications/{app}", None, 404),
    ("clerk_zhuzhou", "GET", "/api/v1/applications/{app}", None, 404),
    ("clerk_zhuzhou", "POST", "/api/v1/applications/{app}/acceptance",
     {"decision": "refuse", "reason": "x"}, 404),
    ("zhang", "GET", "/api/v1/applications/{app}", None, 200),
    ("supervisor_cs", "GET", "/api/v1/applications/{app}", None, 200),
    ("scjg_furong", "GET", "/api/v1/applications/{app}", None, 200),
    ("yc_furong", "GET", "/api/v1/applications/{app}", None, 404),
    ("clerk_furong", "POST", "/api/v1/applications/{app}/acceptance",
     {"decision": "accept"}, 409),  # already accepted
    ("zhang", "POST", "/api/v1/tasks/{task}/decision", {"action": "approve"}, 403),
    ("yc_furong", "POST", "/api/v1/tasks/{task}/decision", {"action": "approve"}, 404),
    ("scjg_zhuzhou", "POST", "/api/v1/tasks/{task}/decision", {"action": "approve"}, 404),
    ("scjg_furong", "POST", "/api/v1/tasks/{task}/decision",
     {"action": "approve", "version": 99}, 409),
    ("scjg_furong", "GET", "/api/v1/tasks", None, 200),
    ("zhang", "GET", "/api/v1/tasks", None, 403),
]


@pytest.mark.parametrize(("who", "method", "path", "body", "expected"), API_RULES,
                         ids=[f"{r[0]}-{r[1]}-{r[2]}" for r in API_RULES])
def test_api_door(case: Case, who: str | None, method: str, path: str, body: dict | None,
                  expected: int) -> None:
    url = path.format(app=case.app_id, task=case.reg_task)
    if body is not None and body.get("action") and "version" not in body:
        body = {**body, "version": case.reg_version}
    headers = case.token(who) if who else {}
    response = case.client.request(method, url, json=body, headers=headers)
    assert response.status_code == expected, response.text
    if expected >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")


# (who, method, path, form, expected) — the pages door
PAGE_RULES = [
    (None, "GET", "/applications/{app}", None, 303),
    ("li", "GET", "/applications/{app}", None, 404),
    ("clerk_zhuzhou", "GET", "/applications/{app}", None, 404),
    ("zhang", "GET", "/applications/{app}", None, 200),
    ("zhang", "POST", "/applications/{app}/acceptance", {"decision": "refuse", "reason": "x"},
     403),
    ("yc_furong", "POST", "/tasks/{task}/decision", {"action": "approve"}, 404),
    ("scjg_zhuzhou", "POST", "/tasks/{task}/decision", {"action": "approve"}, 404),
    ("scjg_furong", "POST", "/tasks/{task}/decision", {"action": "approve", "version": "99"},
     409),
    ("scjg_furong", "POST", "/tasks/{task}/decision", {"action": "approve", "csrf": "forged"},
     403),
]


@pytest.mark.parametrize(("who", "method", "path", "form", "expected"), PAGE_RULES,
                         ids=[f"{r[0]}-{r[1]}-{r[2]}" for r in PAGE_RULES])
def test_page_door(case: Case, who: str | None, method: str, path: str, form: dict | None,
                   expected: int) -> None:
    url = path.format(app=case.app_id, task=case.reg_task)
    cookies, csrf = case.web(who) if who else ({}, "")
    data = {"csrf_token": csrf, "application_id": str(case.app_id),
            "version": str(case.reg_version), **(form or {})}
    if "csrf" in data:
        data["csrf_token"] = data.pop("csrf")
    case.client.cookies.clear()
    for name, value in cookies.items():
        case.client.cookies.set(name, value)
    response = case.client.request(method, url, data=data if method == "POST" else None,
                                   follow_redirects=False)
    assert response.status_code == expected, response.text[:500]
    if expected == 303:
        assert response.headers["location"].startswith("/login")
    elif expected >= 400:
        assert response.headers["content-type"].startswith("text/html")
        assert "<html" in response.text


def test_the_form_comes_back_with_every_problem_and_keeps_uploads(case: Case) -> None:
    csrf = case.world.sign_in(case.client, "zhang")
    answers = {"answer.premises": "owned", "answer.sells_food": "false",
               "answer.shop_area": "10", "answer.sells_tobacco": "false",
               "answer.extras__present": "1"}
    response = case.client.post(
        "/bundles/STORE/apply", data={"csrf_token": csrf, "region": "430102",
                                      "field.id_number": "110105194912310021", **answers},
        files={"material.ID_CARD": ("身份证.pdf", PDF + b"x", "application/pdf")})
    assert response.status_code == 422
    page = response.text
    assert "请填写“申请人姓名”" in page and "校验位不正确" in page
    assert 'name="kept.ID_CARD"' in page and "已上传：身份证.pdf ✓" in page
    kept = page.split('name="kept.ID_CARD" value="')[1].split('"')[0]
    done = case.client.post("/bundles/STORE/apply", data={
        "csrf_token": csrf, "region": "430102", "field.applicant_name": "张三",
        "field.id_number": "11010519491231002X", "kept.ID_CARD": kept, **answers},
        follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/applications/")


def test_returned_application_is_fixed_and_resubmitted_through_the_pages(case: Case) -> None:
    with case.world.as_("zhang") as ctx:
        scan = files.store(ctx.session, case.world.files_root, ctx.actor, "b.pdf", PDF).id
        app = cases.submit(ctx, Submission(
            bundle="STORE", region="430102",
            answers=OWNED, form=FORM,
            materials={"ID_CARD": {"file": scan}}))
    csrf = case.world.sign_in(case.client, "clerk_furong")
    returned = case.client.post(f"/applications/{app.id}/acceptance", data={
        "csrf_token": csrf, "decision": "return", "notice": "身份证照片不清晰\n姓名与证件不一致"})
    assert returned.status_code == 200 and "已退回补正" in returned.text
    csrf = case.world.sign_in(case.client, "zhang")
    form = case.client.get(f"/applications/{app.id}/resubmit")
    assert form.status_code == 200 and 'value="张三"' in form.text
    done = case.client.post(f"/applications/{app.id}/resubmit", data={
        "csrf_token": csrf, "region": "430102", "field.applicant_name": "张三",
        "field.id_number": "11010519491231002X", "answer.premises": "owned",
        "answer.sells_food": "false", "answer.shop_area": "10", "answer.extras__present": "1"},
        files={"material.ID_CARD": ("清晰.pdf", PDF + b"clear", "application/pdf")})
    assert done.status_code == 200 and "已提交，待受理" in done.text
    assert app.number in done.text
