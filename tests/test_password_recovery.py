"""忘记密码 and temporary passwords, through the API and the pages, on both databases.

A person who forgot the password asks for a one-time code by SMS or mail (the same answer
whether or not the account exists), and sets a new one with it: the code is used once,
dies after ten minutes or five wrong tries, requests are limited per name and per client,
and locked or ended accounts get none. An administrator issues a staff member of their
scope a temporary password, which is changed before the next sign-in; the staff page shows
the account's history."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, update

from onething.audit.models import AuditRecord
from onething.identity import recovery
from onething.identity.models import PasswordCode, User
from onething.identity.policy import AccountPolicy
from onething.kernel.errors import TooManyRequests
from onething.kernel.principal import Role
from onething.outbox.models import Notification
from world import PASSWORD, Api, Clock, World

NEW = "Xinmima#2026"
SENT = "如果该账号存在且留有所选的联系方式，验证码已发送"


def _contacts(world: World, username: str, phone: str | None = "13812345678",
              email: str | None = None) -> int:
    with world.sessions.begin() as session:
        session.execute(update(User).where(User.username == username)
                        .values(phone=phone, email=email))
        return int(session.scalar(select(User.id).where(User.username == username)) or 0)


def _codes(world: World, user_id: int) -> list[tuple[str | None, str]]:
    """The messages the person received: (channel, the code in it)."""
    with world.sessions() as session:
        rows = session.scalars(select(Notification).where(Notification.recipient_id == user_id)
                               .order_by(Notification.id))
        return [(row.channel, re.findall(r"验证码：(\d{6})", row.body)[0]) for row in rows]


def _forgot(api: Api, username: str, channel: str = "sms") -> object:
    return api.client.post("/api/v1/password/forgot",
                           json={"username": username, "channel": channel})


def _reset(api: Api, username: str, code: str, password: str = NEW) -> object:
    return api.client.post("/api/v1/password/reset", json={
        "username": username, "code": code, "new_password": password})


def _token(api: Api, username: str, password: str) -> object:
    return api.client.post("/api/v1/auth/token", data={"username": username,
                                                       "password": password})


def test_a_code_by_sms_sets_a_new_password_once(api: Api, world: World) -> None:
    zhang = _contacts(world, "zhang")
    li = _contacts(world, "li", phone=None, email="li@example.cn")
    theirs = api.login("zhang")
    asked = _forgot(api, "zhang")
    assert asked.status_code == 202 and SENT in asked.json()["detail"]
    for other in ("nobody_here", "li"):  # no such account; no phone on file: the same answer
        same = _forgot(api, other)
        assert (same.status_code, same.json()) == (202, asked.json())
    assert _codes(world, li) == []
    [(channel, code)] = _codes(world, zhang)
    assert channel == "sms"
    with world.sessions() as session:
        kept = session.scalars(select(PasswordCode.code_hash).where(
            PasswordCode.user_id == zhang)).one()
    assert kept is not None and code not in kept  # only a hash is kept

    wrong = _reset(api, "zhang", "000000" if code != "000000" else "111111")
    assert wrong.status_code == 422 and wrong.json()["code"] == "code_invalid"
    assert wrong.json()["errors"][0]["field"] == "code" and "还可尝试 4 次" in wrong.text
    weak = _reset(api, "zhang", code, "short")
    assert weak.status_code == 422 and weak.json()["code"] == "weak_password"  # code kept
    assert _reset(api, "zhang", code).status_code == 204
    assert api.client.get("/api/v1/me", headers=theirs).status_code == 401  # sessions ended
    assert _token(api, "zhang", PASSWORD).status_code == 401
    assert _token(api, "zhang", NEW).status_code == 200
    again = _reset(api, "zhang", code, "Another#2027")  # used once
    assert again.status_code == 422 and again.json()["code"] == "code_invalid"
    with world.sessions() as session:
        done = session.scalars(select(AuditRecord.action).where(
            AuditRecord.subject_id == str(zhang), AuditRecord.actor == "zhang")).all()
    assert {"ask_recovery_code", "recover_password"} <= set(done)


def test_a_code_expires_and_dies_after_five_wrong_tries(api: Api, world: World,
                                                        clock: Clock) -> None:
    zhang = _contacts(world, "zhang", phone=None, email="zhang@example.cn")
    assert _forgot(api, "zhang", "email").status_code == 202
    clock.advance(minutes=11)
    [(channel, late)] = _codes(world, zhang)
    expired = _reset(api, "zhang", late)
    assert channel == "email"
    assert expired.status_code == 422 and expired.json()["code"] == "code_expired"
    assert _forgot(api, "zhang", "email").status_code == 202
    code = _codes(world, zhang)[-1][1]
    wrong = "123456" if code != "123456" else "654321"
    answers = [_reset(api, "zhang", wrong) for _ in range(5)]
    assert [a.status_code for a in answers] == [422, 422, 422, 422, 429]
    assert answers[-1].json()["code"] == "too_many_attempts"
    assert answers[-1].headers["content-type"].startswith("application/problem+json")
    dead = _reset(api, "zhang", code)  # the right code, too late
    assert dead.status_code == 422 and dead.json()["code"] == "code_invalid"
    assert _token(api, "zhang", PASSWORD).status_code == 200  # nothing changed


def test_requests_are_limited_per_name_whether_it_exists_or_not(api: Api, world: World,
                                                                clock: Clock) -> None:
    _contacts(world, "zhang")
    for name in ("zhang", "ghost"):
        assert _forgot(api, name).status_code == 202
        refused = _forgot(api, name)
        assert refused.status_code == 429 and refused.json()["code"] == "too_many_requests"
        assert "获取验证码过于频繁" in refused.json()["detail"]
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert 0 < int(refused.headers["retry-after"]) <= 60
    for _ in range(4):  # one a minute: five in the hour, then none until it has passed
        clock.advance(seconds=61)
        assert _forgot(api, "zhang").status_code == 202
    clock.advance(seconds=61)
    assert _forgot(api, "zhang").status_code == 429
    clock.advance(minutes=60)
    assert _forgot(api, "zhang").status_code == 202


def test_one_client_is_limited_across_names(world: World) -> None:
    policy = AccountPolicy(address_codes_per_hour=2)
    with world.as_("zhang") as ctx:
        for name in ("a1", "a2"):
            recovery.ask_code(ctx, username=name, channel="sms", client="10.0.0.9",
                              policy=policy)
        with pytest.raises(TooManyRequests):
            recovery.ask_code(ctx, username="a3", channel="sms", client="10.0.0.9",
                              policy=policy)
        recovery.ask_code(ctx, username="a3", channel="sms", client="10.0.0.10", policy=policy)


@pytest.fixture
def city(world: World) -> World:
    world.add_people([("admin_cs", Role.admin, "430100", None)])
    return world


def test_locked_and_ended_accounts_cannot_recover(api: Api, city: World,
                                                   clock: Clock) -> None:
    clerk = _contacts(city, "clerk_furong")
    assert _forgot(api, "clerk_furong").status_code == 202
    [(_, code)] = _codes(city, clerk)
    assert api.post("admin_cs", f"/api/v1/staff/{clerk}/lock", {"reason": "暂停"}
                    ).status_code == 200
    locked = _reset(api, "clerk_furong", code)
    assert locked.status_code == 403 and "锁定或停用" in locked.json()["detail"]
    assert api.post("admin_cs", f"/api/v1/staff/{clerk}/end", {"reason": "调离"}
                    ).status_code == 200
    clock.advance(minutes=2)
    asked = _forgot(api, "clerk_furong")
    assert asked.status_code == 202 and SENT in asked.json()["detail"]  # the same answer
    assert len(_codes(city, clerk)) == 1  # and no code


def test_an_admin_issues_a_temporary_password_in_scope(api: Api, city: World) -> None:
    with city.sessions() as session:
        ids = {name: id_ for name, id_ in session.execute(select(User.username, User.id))}
    clerk, outside = ids["clerk_furong"], ids["clerk_zhuzhou"]
    theirs = api.login("clerk_furong")
    path = f"/api/v1/staff/{clerk}/password"
    assert api.post("admin_cs", f"/api/v1/staff/{outside}/password",
                    {"reason": "电话核实"}).status_code == 404  # outside the city
    assert api.post("clerk_zhuzhou", path, {"reason": "x"}).status_code == 403
    assert api.post("admin_cs", path, {"reason": ""}).status_code == 422
    assert api.post("admin_cs", f"/api/v1/staff/{ids['admin_cs']}/password",
                    {"reason": "本人"}).status_code == 403  # not one's own
    issued = api.post("admin_cs", path, {"reason": "本人到场，核验身份证"})
    assert issued.status_code == 200, issued.text
    temporary = issued.json()["password"]
    assert api.client.get("/api/v1/me", headers=theirs).status_code == 401
    refused = _token(api, "clerk_furong", temporary)
    assert refused.status_code == 403 and refused.json()["code"] == "password_change_required"
    assert "临时密码" in refused.json()["detail"]
    assert api.client.post("/api/v1/password/change", json={
        "username": "clerk_furong", "current_password": temporary, "new_password": NEW}
    ).status_code == 204
    assert _token(api, "clerk_furong", NEW).status_code == 200
    history = api.get("admin_cs", f"/api/v1/staff/{clerk}/history").json()
    assert [h["action"] for h in history[:2]] == ["修改密码", "设置临时密码"]
    assert history[1]["actor"] == "admin_cs"
    assert history[1]["after"]["reason"] == "本人到场，核验身份证"
    assert api.get("admin_cs", f"/api/v1/staff/{outside}/history").status_code == 404


def test_the_pages_sign_in_with_a_temporary_password_only_to_change_it(
        api: Api, city: World) -> None:
    client = api.client
    with city.sessions() as session:
        clerk = session.scalar(select(User.id).where(User.username == "clerk_furong"))
    csrf = city.sign_in(client, "admin_cs")
    issued = client.post(f"/admin/staff/{clerk}/password",
                         data={"csrf_token": csrf, "reason": "电话回拨核实"})
    assert issued.status_code == 200 and "临时密码" in issued.text
    assert "账号变更记录" in issued.text and "电话回拨核实" in issued.text
    found = re.search(r'临时密码：<strong class="code-text">([^<]+)</strong>', issued.text)
    assert found is not None
    client.cookies.clear()
    login = client.get("/login")
    assert 'href="/password/forgot"' in login.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
    assert token is not None
    asked = client.post("/login", data={"csrf_token": token[1], "username": "clerk_furong",
                                        "password": found[1]}, follow_redirects=False)
    assert asked.status_code == 403 and "请先设置新密码" in asked.text
    form = re.search(r'name="csrf_token" value="([^"]+)"', asked.text)
    assert form is not None
    mismatch = client.post("/password/change", data={
        "csrf_token": form[1], "username": "clerk_furong", "current_password": found[1],
        "new_password": NEW, "new_password_again": NEW + "x"})
    assert mismatch.status_code == 422 and "两次输入的新密码不一致" in mismatch.text
    form = re.search(r'name="csrf_token" value="([^"]+)"', mismatch.text)
    assert form is not None
    changed = client.post("/password/change", data={
        "csrf_token": form[1], "username": "clerk_furong", "current_password": found[1],
        "new_password": NEW, "new_password_again": NEW}, follow_redirects=True)
    assert changed.status_code == 200 and "密码已修改，请用新密码登录" in changed.text
