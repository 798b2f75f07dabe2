"""单点登录 through a real OpenID provider (oidc-provider, started by the tests): citizens
linked by the ID number the provider verified or created, staff linked only to an existing
account, and every bad callback refused with a Chinese page and nothing written. The
person's side at the provider is driven with httpx (tests/oidc_provider.py)."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine

from oidc_provider import (
    CLIENT_ID,
    OTHER_ID,
    OTHER_SECRET,
    SCOPE,
    ZHANG_ID,
    OpenIdProvider,
    sign_in_at,
)
from onething.audit.models import AuditRecord
from onething.identity.models import LoginEvent, OidcLink, OidcLogin, User
from onething.identity.oidc import Provider
from onething.kernel.config import Settings
from onething.kernel.db import unit_of_work
from onething.kernel.errors import Unauthenticated
from onething.web.session import COOKIE
from world import MONDAY, PASSWORD, World, client_for

BASE = "http://testserver"


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenIdProvider]:
    with OpenIdProvider(tmp_path_factory.mktemp("oidc"), [BASE]) as started:
        yield started


@pytest.fixture
def site(engine: Engine, world: World, tmp_path: Path,
         provider: OpenIdProvider) -> Iterator[TestClient]:
    with unit_of_work(world.sessions) as session:  # 张 has the ID number the provider verified
        session.execute(update(User).where(User.username == "zhang").values(id_number=ZHANG_ID))
    with client_for(engine, tmp_path, **provider.settings()) as client:
        yield client


@pytest.fixture
def person() -> Iterator[httpx.Client]:
    """The person's browser at the provider (its cookies), not following redirects."""
    with httpx.Client(timeout=30) as client:
        yield client


def _begin(site: TestClient, next_url: str = "") -> str:
    answer = site.get("/login/sso" + (f"?next={next_url}" if next_url else ""),
                      follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return str(answer.headers["location"])


def _back(site: TestClient, url: str) -> Any:
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == BASE + "/login/sso/callback"
    return site.get(f"{parts.path}?{parts.query}", follow_redirects=False)


def _sign_in(site: TestClient, provider: OpenIdProvider, person: httpx.Client,
             account: str, next_url: str = "") -> Any:
    return _back(site, sign_in_at(provider, person, _begin(site, next_url), account))


def _refused(answer: Any, words: str) -> None:
    """A Chinese login page naming the reason; no session cookie given."""
    assert answer.status_code == 401, answer.text
    assert "text/html" in answer.headers["content-type"]
    main = answer.text.split("<main")[1]
    assert words in main and "统一身份认证登录" in main, main
    assert COOKIE not in answer.headers.get("set-cookie", "")


def _count(world: World, model: Any) -> int:
    with world.sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_citizens_link_by_verified_id_number_or_are_created(
        site: TestClient, provider: OpenIdProvider, person: httpx.Client, world: World) -> None:
    authorize = urlsplit(_begin(site))
    asked = parse_qs(authorize.query)
    assert asked["code_challenge_method"] == ["S256"] and asked["nonce"] and asked["state"]
    assert "code_verifier" not in asked

    answer = _sign_in(site, provider, person, "c-zhang", "/my/licences")
    assert answer.status_code == 303 and answer.headers["location"] == "/my/licences"
    page = site.get("/my/applications")
    assert page.status_code == 200 and "zhang" in page.text  # 张's own account

    site.cookies.clear()
    new = _sign_in(site, provider, person, "c-new")
    assert new.status_code == 303 and new.headers["location"] == "/my/applications"
    with world.sessions() as session:
        links = {link.subject: link for link in session.scalars(select(OidcLink))}
        created = session.get_one(User, links["c-new"].user_id)
        zhang = session.scalar(select(User).where(User.username == "zhang"))
        actions = list(session.scalars(select(AuditRecord.action)
                                       .where(AuditRecord.subject == "user")))
    assert zhang is not None and links["c-zhang"].user_id == zhang.id
    assert (links["c-zhang"].linked_by, links["c-new"].linked_by) == ("id_number", "created")
    assert (created.role, created.id_number, created.display_name, created.phone) == (
        "applicant", "430104199002020059", "王芳", "13800000002")
    assert actions.count("link_sso") == 2 and actions.count("login") == 2

    site.cookies.clear()  # the second time: the link, nothing new
    assert _sign_in(site, provider, person, "c-zhang").status_code == 303
    assert _count(world, OidcLink) == 2


def test_staff_link_only_to_an_existing_usable_account(
        site: TestClient, provider: OpenIdProvider, person: httpx.Client, world: World) -> None:
    answer = _sign_in(site, provider, person, "s-clerk")
    assert answer.status_code == 303 and answer.headers["location"] == "/workbench"
    assert site.get("/workbench").status_code == 200

    users = _count(world, User)
    site.cookies.clear()
    _refused(_sign_in(site, provider, person, "s-nobody"), "未提供已实名核验的身份证号码")
    assert _count(world, User) == users  # never a staff account made from a sign-in

    with unit_of_work(world.sessions) as session:
        session.execute(update(User).where(User.username == "clerk_zhuzhou")
                        .values(locked_at=MONDAY))
    _refused(_sign_in(site, provider, person, "s-zhuzhou"), "账号已被管理员锁定")
    with world.sessions() as session:
        assert session.scalar(select(OidcLink).where(OidcLink.subject == "s-zhuzhou")) is None
        refused = list(session.scalars(select(LoginEvent.username)
                                       .where(LoginEvent.door == "sso")))
    assert refused == ["s-nobody", "s-zhuzhou"]


def test_bad_callbacks_are_refused_and_write_nothing(
        site: TestClient, provider: OpenIdProvider, person: httpx.Client, world: World) -> None:
    users, links = _count(world, User), _count(world, OidcLink)
    back = sign_in_at(provider, person, _begin(site), "c-new")
    state = parse_qs(urlsplit(back).query)["state"][0]
    _refused(site.get("/login/sso/callback?code=x", follow_redirects=False), "登录请求已失效")
    _refused(_back(site, back.replace(state, state[:-2] + "xx")), "登录请求已失效")
    site.cookies.set("onething_sso", state[:-2] + "xx")  # a state of another browser
    _refused(_back(site, back), "登录请求已失效")

    back = sign_in_at(provider, person, _begin(site), "c-new")  # the nonce kept is not sent
    with unit_of_work(world.sessions) as session:
        session.execute(update(OidcLogin).where(OidcLogin.used_at.is_(None))
                        .values(nonce="another-nonce"))
    _refused(_back(site, back), "可能已被篡改")

    _refused(_sign_in(site, provider, person, "c-unverified"), "未提供已实名核验的身份证号码")
    assert (_count(world, User), _count(world, OidcLink)) == (users, links)

    back = sign_in_at(provider, person, _begin(site), "c-new")
    state = parse_qs(urlsplit(back).query)["state"][0]
    assert _back(site, back).status_code == 303
    site.cookies.clear()  # the same code again (its sign-in row made usable again)
    with unit_of_work(world.sessions) as session:
        session.execute(update(OidcLogin).values(used_at=None))
    site.cookies.set("onething_sso", state)
    _refused(_back(site, back), "授权码无效、已使用或已过期")
    state = parse_qs(urlsplit(_begin(site)).query)["state"][0]  # the person says no there
    _refused(_back(site, BASE + "/login/sso/callback?error=access_denied&state=" + state),
             "您已取消统一身份认证登录")


def test_an_id_token_for_another_client_is_refused(provider: OpenIdProvider) -> None:
    """A real ID token of the same provider, issued to another client (another portal)."""
    verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(16)
    challenge = base64.urlsafe_b64encode(
        hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    with httpx.Client(timeout=30) as person:
        back = sign_in_at(provider, person, f"{provider.issuer}/auth?" + urlencode({
            "client_id": OTHER_ID, "response_type": "code", "scope": SCOPE, "nonce": nonce,
            "redirect_uri": BASE + "/login/sso/callback", "state": "s" * 16,
            "code_challenge": challenge, "code_challenge_method": "S256"}), "c-zhang")
        token = httpx.post(f"{provider.issuer}/token", auth=(OTHER_ID, OTHER_SECRET), data={
            "grant_type": "authorization_code", "code": parse_qs(urlsplit(back).query)["code"][0],
            "redirect_uri": BASE + "/login/sso/callback", "code_verifier": verifier}).json()
    ours = Provider(Settings(**provider.settings()))
    with pytest.raises(Unauthenticated) as refused:
        ours.verify(token["id_token"], nonce)
    assert refused.value.code == "sso_audience" and "不是签发给本平台的" in refused.value.detail
    assert Provider(Settings(**{**provider.settings(), "oidc_client_id": OTHER_ID})).verify(
        token["id_token"], nonce)["id_number"] == ZHANG_ID  # the token itself is sound
    assert CLIENT_ID != OTHER_ID


def test_logout_ends_the_session_here_and_at_the_provider(
        site: TestClient, provider: OpenIdProvider, person: httpx.Client, world: World) -> None:
    assert _sign_in(site, provider, person, "c-zhang").status_code == 303
    page = site.get("/my/applications")
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    out = site.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert out.status_code == 303
    location = urlsplit(out.headers["location"])
    asked = parse_qs(location.query)
    assert out.headers["location"].startswith(provider.issuer + "/session/end")
    assert asked["post_logout_redirect_uri"] == [BASE + "/"] and asked["id_token_hint"]
    assert site.get("/my/applications", follow_redirects=False).status_code == 303
    ending = person.get(out.headers["location"])  # the provider asks to confirm, then ends
    assert ending.status_code == 200 and "确认退出统一身份认证" in ending.text
    with world.sessions() as session:
        assert session.scalar(select(OidcLogin).where(OidcLogin.id_token.is_not(None))) is None


def test_staff_passwords_may_be_turned_off_and_sso_off_shows_no_button(
        engine: Engine, world: World, tmp_path: Path, provider: OpenIdProvider) -> None:
    with client_for(engine, tmp_path, **provider.settings(),
                    oidc_staff_passwords=False) as client:
        login = client.get("/login")
        assert "统一身份认证登录" in login.text and "工作人员请使用统一身份认证登录" in login.text
        token = login.text.split('name="csrf_token" value="')[1].split('"')[0]
        staff = client.post("/login", data={"username": "clerk_furong", "password": "x",
                                             "csrf_token": token}, follow_redirects=False)
        assert staff.status_code in (401, 403)
        refused = client.post("/api/v1/auth/token", data={"username": "clerk_furong",
                                                          "password": PASSWORD})
        assert refused.status_code == 403 and refused.json()["code"] == "sso_required"
        assert "统一身份认证" in refused.json()["detail"]
        citizen = client.post("/api/v1/auth/token", data={"username": "zhang",
                                                          "password": PASSWORD})
        assert citizen.status_code == 200
    with client_for(engine, tmp_path) as client:
        assert "统一身份认证" not in client.get("/login").text
        off = client.get("/login/sso", follow_redirects=False)
        assert off.status_code == 404 and "未开通统一身份认证" in off.text

