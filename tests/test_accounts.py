"""Accounts from outside: throttled logins, sessions that end, cookies, CSRF on every form,
password rules and 帮代办 consents, through the API and the pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, select
from starlette.routing import Route

from conftest import BASIC
from onething.identity.models import LoginEvent
from onething.kernel.db import session_factory
from onething.web.session import COOKIE, LOGIN_CSRF
from samples import FORM, OWNED, PDF
from world import PASSWORD, Clock, World, accepted, build_world, client_for


@dataclass
class Site:
    client: TestClient
    world: World
    clock: Clock

    def token(self, username: str, password: str = PASSWORD) -> Response:
        return self.client.post("/api/v1/auth/token",
                                data={"username": username, "password": password})

    def bearer(self, username: str) -> dict[str, str]:
        answer = self.token(username)
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}

    def page_login(self, username: str, password: str = PASSWORD) -> Response:
        self.client.get("/login")
        return self.client.post("/login", follow_redirects=False, data={
            "username": username, "password": password,
            "csrf_token": self.client.cookies.get(LOGIN_CSRF)})


def _site(engine: Engine, tmp_path: Path, **settings: Any) -> Iterator[Site]:
    world = build_world(session_factory(engine), BASIC, tmp_path / "files")
    clock = Clock()
    with client_for(engine, tmp_path, clock, **settings) as client:
        yield Site(client, world, clock)


@pytest.fixture
def site(engine: Engine, tmp_path: Path) -> Iterator[Site]:
    yield from _site(engine, tmp_path)


def _is_problem(answer: Response, status: int, code: str) -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["code"] == code


# --- throttling and lockout -------------------------------------------------------------


def test_failed_logins_are_slowed(site: Site) -> None:
    for _ in range(3):
        _is_problem(site.token("zhang", "Wrong-pass1"), 401, "bad_credentials")
    slowed = site.token("zhang", PASSWORD)  # even the right password waits its turn
    _is_problem(slowed, 429, "login_slowed")
    assert slowed.headers["Retry-After"] == "2" and "秒后再试" in slowed.json()["detail"]
    site.clock.advance(seconds=2)
    assert site.token("zhang", PASSWORD).status_code == 200


def test_five_failures_lock_a_name_whether_or_not_it_exists(site: Site) -> None:
    for _ in range(4):
        for name in ("zhang", "nobody"):
            _is_problem(site.token(name, "Wrong-pass1"), 401, "bad_credentials")
        site.clock.advance(seconds=30)
    answers = {name: site.token(name, "Wrong-pass1") for name in ("zhang", "nobody")}
    for answer in answers.values():
        _is_problem(answer, 429, "login_locked")
        assert answer.headers["Retry-After"] == "900" and "15 分钟后再试" in answer.json()["detail"]
    assert answers["zhang"].json()["detail"] == answers["nobody"].json()["detail"]
    site.clock.advance(minutes=14)
    locked = site.token("zhang", PASSWORD)
    _is_problem(locked, 429, "login_locked")
    assert locked.json()["detail"] == site.token("nobody", PASSWORD).json()["detail"]
    assert site.token("li", PASSWORD).status_code == 200  # other people are not held back
    site.clock.advance(minutes=1)
    assert site.token("zhang", PASSWORD).status_code == 200
    with site.world.sessions() as session:
        outcomes = list(session.scalars(select(LoginEvent.outcome).where(
            LoginEvent.username == "zhang").order_by(LoginEvent.id)))
    assert outcomes == ["failure"] * 5 + ["locked", "refused"]


def test_a_successful_login_resets_the_count(site: Site) -> None:
    for _ in range(2):
        for _ in range(4):
            _is_problem(site.token("zhang", "Wrong-pass1"), 401, "bad_credentials")
            site.clock.advance(seconds=30)
        assert site.token("zhang", PASSWORD).status_code == 200
    for _ in range(4):
        site.token("zhang", "Wrong-pass1")
        site.clock.advance(seconds=30)
    _is_problem(site.token("zhang", "Wrong-pass1"), 429, "login_locked")


def test_one_address_failing_for_many_names_is_locked(engine: Engine, tmp_path: Path) -> None:
    for site in _site(engine, tmp_path, login_address_max_failures=3):
        for name in ("a1", "a2"):
            _is_problem(site.token(name, "Wrong-pass1"), 401, "bad_credentials")
        _is_problem(site.token("a3", "Wrong-pass1"), 429, "login_locked")
        _is_problem(site.token("li", PASSWORD), 429, "login_locked")
        site.clock.advance(minutes=15)
        assert site.token("li", PASSWORD).status_code == 200


def test_the_login_page_is_locked_too_with_a_chinese_message(site: Site) -> None:
    pages = {}
    for _ in range(5):
        site.clock.advance(seconds=30)
        pages = {name: site.page_login(name, "Wrong-pass1") for name in ("zhang", "ghost")}
    assert pages["zhang"].status_code == pages["ghost"].status_code == 429
    assert pages["zhang"].headers["Retry-After"] == "900"
    for page in pages.values():
        assert "登录失败次数过多，已暂时锁定" in page.text
    refused = site.page_login("zhang", PASSWORD)
    assert refused.status_code == 429 and COOKIE not in refused.cookies
    with site.world.sessions() as session:
        doors = set(session.scalars(select(LoginEvent.door)))
    assert doors == {"web"}


# --- sessions ---------------------------------------------------------------------------


def _cookie_header(answer: Response, name: str) -> str:
    return next(h for h in answer.headers.get_list("set-cookie") if h.startswith(name + "="))


def test_web_sessions_end_when_idle_or_too_old(site: Site) -> None:
    login = site.page_login("zhang")
    assert login.status_code == 303
    cookie = _cookie_header(login, COOKIE).lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    assert "secure" not in cookie
    for _ in range(20):  # in use every 25 minutes: it lives its whole 8 hours
        assert site.client.get("/my/applications").status_code == 200
        site.clock.advance(minutes=25)
    ended = site.client.get("/my/applications", follow_redirects=False)
    assert ended.status_code == 303 and "expired=1" in ended.headers["location"]
    assert "登录已超时" in site.client.get(ended.headers["location"]).text

    site.page_login("zhang")
    site.clock.advance(minutes=29)
    assert site.client.get("/wallet").status_code == 200
    site.clock.advance(minutes=30)
    assert site.client.get("/wallet", follow_redirects=False).status_code == 303


def test_bearer_tokens_expire(site: Site) -> None:
    headers = site.bearer("zhang")
    assert site.token("zhang").json()["expires_in"] == 12 * 3600
    site.clock.advance(hours=11, minutes=59)
    assert site.client.get("/api/v1/me", headers=headers).status_code == 200
    site.clock.advance(minutes=1)
    _is_problem(site.client.get("/api/v1/me", headers=headers), 401, "session_expired")


def test_logout_ends_the_session_on_the_page_and_the_api(site: Site) -> None:
    site.page_login("zhang")
    old = site.client.cookies[COOKIE]
    page = site.client.get("/my/applications").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf is not None
    out = site.client.post("/logout", data={"csrf_token": csrf.group(1)},
                           follow_redirects=False)
    assert out.status_code == 303 and COOKIE not in site.client.cookies
    assert 'max-age=0' in _cookie_header(out, COOKIE).lower()
    site.client.cookies.clear()
    site.client.cookies.set(COOKIE, old)
    again = site.client.get("/my/applications", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"].startswith("/login")

    headers = site.bearer("zhang")
    assert site.client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    _is_problem(site.client.get("/api/v1/me", headers=headers), 401, "session_expired")


def test_logging_in_again_issues_a_new_session(site: Site) -> None:
    site.page_login("zhang")
    first = site.client.cookies[COOKIE]
    site.page_login("zhang")
    second = site.client.cookies[COOKIE]
    assert first != second
    site.client.cookies.clear()
    site.client.cookies.set(COOKIE, first)
    assert site.client.get("/wallet", follow_redirects=False).status_code == 303


def test_cookies_are_secure_behind_https(engine: Engine, tmp_path: Path) -> None:
    for site in _site(engine, tmp_path, secure_cookies=True):
        site.client.base_url = site.client.base_url.copy_with(scheme="https")
        form = site.client.get("/login")
        login = site.page_login("zhang")
        large = site.client.get("/prefs/large-text?on=1", follow_redirects=False)
        for answer, name in ((form, LOGIN_CSRF), (login, COOKIE), (large, "large_text")):
            header = _cookie_header(answer, name).lower()
            assert "secure" in header and "httponly" in header and "path=/" in header


# --- CSRF on every form -----------------------------------------------------------------


def _routes(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, set[str]]]:
    """(path, methods) of every route, inside included routers too (FastAPI ≥ 0.165 keeps
    them as `_IncludedRouter`s holding the `original_router`)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            context = getattr(route, "include_context", None)
            yield from _routes(inner.routes, prefix + (getattr(context, "prefix", "") or ""))
        elif isinstance(route, Route):
            yield prefix + route.path, set(route.methods or ())


def test_every_form_refuses_a_missing_or_wrong_csrf_token(site: Site) -> None:
    app_id = accepted(site.world)
    # (the Open311 door takes its clients' forms with an api_key, no session: test_open311)
    forms = [path for path, methods in _routes(site.client.app.routes)  # type: ignore[attr-defined]
             if "POST" in methods and not path.startswith(("/api/", "/open311/"))]
    assert {"/login", "/logout", "/bundles/{code}/apply"} <= set(forms)
    values = {"code": "STORE", "application_id": str(app_id), "task_id": "1",
              "rectification_id": "1"}
    headers = site.bearer("zhang")
    before = site.client.get(f"/api/v1/applications/{app_id}", headers=headers).json()
    site.page_login("clerk_furong")
    for route in forms:
        path = re.sub(r"\{(\w+)(:\w+)?\}", lambda m: values.get(m.group(1), "1"), route)
        for sent in ({}, {"csrf_token": "forged"}):
            answer = site.client.post(path, data={**sent, "decision": "refuse",
                                                  "username": "zhang", "password": PASSWORD},
                                      follow_redirects=False)
            assert answer.status_code == 403, (route, sent, answer.status_code)
            assert "页面已过期" in answer.text, route
    assert site.client.get("/workbench").status_code == 200  # still signed in
    after = site.client.get(f"/api/v1/applications/{app_id}", headers=headers).json()
    assert after["status"] == before["status"] and after["timeline"] == before["timeline"]


# --- passwords --------------------------------------------------------------------------


def test_a_new_password_must_meet_the_rules(site: Site) -> None:
    headers = site.bearer("zhang")
    rules = {"Ab1": "至少 8 位", "abcdefgh1": "至少三类", "Zhang-2026x": "用户名",
             "P@ssw0rd": "过于常见"}
    for weak, rule in rules.items():
        answer = site.client.post("/api/v1/me/password", headers=headers,
                                  json={"current_password": PASSWORD, "new_password": weak})
        _is_problem(answer, 422, "weak_password")
        assert rule in answer.json()["detail"], weak
    other = site.bearer("zhang")
    wrong = site.client.post("/api/v1/me/password", headers=headers, json={
        "current_password": "Not-mine-1", "new_password": "Neues-Passwort-9"})
    _is_problem(wrong, 401, "bad_credentials")
    changed = site.client.post("/api/v1/me/password", headers=headers, json={
        "current_password": PASSWORD, "new_password": "Neues-Passwort-9"})
    assert changed.status_code == 204
    assert site.client.get("/api/v1/me", headers=headers).status_code == 200
    _is_problem(site.client.get("/api/v1/me", headers=other), 401, "session_expired")
    _is_problem(site.token("zhang", PASSWORD), 401, "bad_credentials")
    assert site.token("zhang", "Neues-Passwort-9").status_code == 200


# --- 帮代办 consents ---------------------------------------------------------------------


def test_a_proxy_acts_only_while_the_consent_stands(site: Site) -> None:
    proxy, clerk, zhang = (site.bearer(n) for n in ("proxy1", "clerk_furong", "zhang"))

    def apply() -> Response:
        scan = site.client.post("/api/v1/files", files={"file": ("id.pdf", PDF)},
                                headers=proxy).json()["id"]
        return site.client.post("/api/v1/applications", headers=proxy, json={
            "bundle": "STORE", "region": "430102", "applicant": "zhang",
            "answers": OWNED, "form": FORM,
            "materials": {"ID_CARD": {"file": scan}}})

    _is_problem(apply(), 403, "no_consent")
    recorded = site.client.post("/api/v1/consents", headers=clerk, json={
        "proxy": "proxy1", "person": "zhang", "note": "张三书面授权帮代办"})
    assert recorded.status_code == 201
    consent_id = recorded.json()["id"]
    made = apply()
    assert made.status_code == 201, made.text
    app_id = made.json()["id"]
    assert site.client.get(f"/api/v1/applications/{app_id}", headers=proxy).status_code == 200

    for who in (zhang, clerk, proxy, site.bearer("admin")):
        listed = site.client.get("/api/v1/consents", headers=who).json()
        assert [(c["id"], c["proxy"], c["person"], c["active"]) for c in listed] == [
            (consent_id, "proxy1", "zhang", True)]
    assert site.client.get("/api/v1/consents", headers=site.bearer("li")).json() == []
    assert site.client.get("/api/v1/consents",
                           headers=site.bearer("clerk_zhuzhou")).json() == []
    _is_problem(site.client.get("/api/v1/consents", headers=site.bearer("scjg_furong")),
                403, "role_not_allowed")
    _is_problem(site.client.delete(f"/api/v1/consents/{consent_id}",
                                   headers=site.bearer("li")), 404, "consent_not_found")
    _is_problem(site.client.delete(f"/api/v1/consents/{consent_id}", headers=proxy),
                403, "role_not_allowed")

    site.clock.advance(minutes=5)
    assert site.client.delete(f"/api/v1/consents/{consent_id}", headers=zhang).status_code == 204
    _is_problem(site.client.get(f"/api/v1/applications/{app_id}", headers=proxy),
                404, "application_not_found")
    assert site.client.get("/api/v1/applications", headers=proxy).json() == []
    _is_problem(apply(), 403, "no_consent")
    gone = site.client.get("/api/v1/consents", headers=clerk).json()[0]
    assert gone["active"] is False and gone["revoked_at"].startswith("2026-11-23T02:05")
    assert site.client.get("/api/v1/consents?active=true", headers=zhang).json() == []
    assert site.client.get(f"/api/v1/applications/{app_id}", headers=zhang).status_code == 200
