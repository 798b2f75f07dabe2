"""The staff directory through the API and its pages, on both databases: a city's
administrator adds, edits, locks, unlocks and ends the staff of the city (a locked or ended
account cannot sign in, through either door); what lies outside the city is refused; a CSV
import is all or nothing, with every bad row named by its line, and a second import of the
same file changes nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from onething.audit.models import AuditRecord
from onething.identity.models import User
from onething.kernel.principal import Role
from world import PASSWORD, Api, World

FILE = ("username,display_name,role,region,department,phone\n"
        "wang_fr,王芳,clerk,430102,,0731-1234567\n"
        "li_scjg,李明,approver,430102,SCJG,\n")


@pytest.fixture
def city(world: World) -> World:
    world.add_people([("admin_cs", Role.admin, "430100", None)])
    return world


def _sign_in(api: Api, username: str, password: str = PASSWORD) -> int:
    return int(api.client.post("/api/v1/auth/token", data={
        "username": username, "password": password}).status_code)


def _count(world: World) -> int:
    with world.sessions() as session:
        return int(session.scalar(select(func.count(User.id))) or 0)


def test_a_city_admin_runs_an_account_from_adding_to_ending(api: Api, city: World) -> None:
    added = api.post("admin_cs", "/api/v1/staff", {
        "username": "zhao_fr", "display_name": "赵窗口", "role": "综合窗口人员",
        "region": "430102", "phone": "13812345678"})
    assert added.status_code == 201, added.text
    staff_id, password = added.json()["staff"]["id"], added.json()["password"]
    assert added.json()["staff"]["state"] == "active" and password
    assert _sign_in(api, "zhao_fr", password) == 200  # the generated password, shown once
    token = api.client.post("/api/v1/auth/token", data={
        "username": "zhao_fr", "password": password}).json()["access_token"]
    theirs = {"Authorization": f"Bearer {token}"}
    assert api.client.get("/api/v1/me", headers=theirs).json()["role"] == "clerk"

    to_approver = {"display_name": "赵审批", "role": "approver", "region": "430102"}
    refused = api.client.put(f"/api/v1/staff/{staff_id}", json=to_approver,
                             headers=api.login("admin_cs"))
    assert refused.status_code == 422
    assert refused.json()["errors"] == [{"field": "department",
                                         "message": "审批人员必须指定所属部门"}]
    edited = api.client.put(f"/api/v1/staff/{staff_id}", json={**to_approver,
                                                                "department": "SCJG"},
                            headers=api.login("admin_cs"))
    assert edited.status_code == 200, edited.text
    assert edited.json()["changes"]["role"] == ["clerk", "approver"]
    me = api.client.get("/api/v1/me", headers=theirs).json()  # holds from the next request
    assert (me["role"], me["department"]) == ("approver", "SCJG")

    assert api.post("admin_cs", f"/api/v1/staff/{staff_id}/lock", {"reason": ""}
                    ).status_code == 422  # a reason is asked
    locked = api.post("admin_cs", f"/api/v1/staff/{staff_id}/lock", {"reason": "涉嫌违规，暂停"})
    assert locked.json()["state"] == "locked"
    assert api.client.get("/api/v1/me", headers=theirs).status_code == 401  # token closed
    refusal = api.client.post("/api/v1/auth/token", data={"username": "zhao_fr",
                                                          "password": password})
    assert refusal.status_code == 401 and "锁定" in refusal.text
    assert api.post("admin_cs", f"/api/v1/staff/{staff_id}/lock", {"reason": "再锁"}
                    ).status_code == 409
    assert api.post("admin_cs", f"/api/v1/staff/{staff_id}/unlock").json()["state"] == "active"
    assert _sign_in(api, "zhao_fr", password) == 200

    ended = api.post("admin_cs", f"/api/v1/staff/{staff_id}/end", {"reason": "调离"})
    assert ended.json()["state"] == "ended" and ended.json()["ended_at"]
    assert _sign_in(api, "zhao_fr", password) == 401
    assert api.client.put(f"/api/v1/staff/{staff_id}", json=to_approver,
                          headers=api.login("admin_cs")).status_code == 409
    kept = api.get("admin_cs", "/api/v1/staff", params={"state": "ended"}).json()
    assert [s["username"] for s in kept] == ["zhao_fr"]  # kept, never deleted

    with city.sessions() as session:
        trail = [(r.action, r.actor) for r in session.scalars(
            select(AuditRecord).where(AuditRecord.subject == "user",
                                      AuditRecord.subject_id == str(staff_id))
            .order_by(AuditRecord.seq))]
    assert [a for a, who in trail if who == "admin_cs"] == [
        "create_user", "edit_staff", "lock_staff", "unlock_staff", "end_staff"]


def test_what_lies_outside_the_city_is_refused(api: Api, city: World) -> None:
    listed = {s["username"] for s in api.get("admin_cs", "/api/v1/staff").json()}
    assert {"clerk_furong", "scjg_furong", "supervisor_cs", "admin_cs"} <= listed
    assert not listed & {"clerk_zhuzhou", "admin", "zhang", "proxy1"}  # other city; citizens
    zhuzhou = city.users["clerk_zhuzhou"].user_id
    assert api.get("admin_cs", f"/api/v1/staff/{zhuzhou}").status_code == 404
    assert api.post("admin_cs", f"/api/v1/staff/{zhuzhou}/lock", {"reason": "试试"}
                    ).status_code == 404
    assert api.get("admin", f"/api/v1/staff/{zhuzhou}").status_code == 200  # the province's
    assert api.get("supervisor_cs", "/api/v1/staff").status_code == 403
    before = _count(city)
    for body, field in (({"role": "system", "region": "430102"}, "role"),
                        ({"role": "applicant", "region": "430102"}, "role"),
                        ({"role": "admin", "region": "430000"}, "region"),
                        ({"role": "clerk", "region": "430200"}, "region")):
        r = api.post("admin_cs", "/api/v1/staff", {"username": "new_one",
                                                   "display_name": "新人", **body})
        assert r.status_code == 422 and field in r.text, body
    assert api.post("admin_cs", "/api/v1/staff", {
        "username": "clerk_furong", "display_name": "重名", "role": "clerk",
        "region": "430102"}).json()["detail"].endswith("用户名 clerk_furong 已存在")
    assert _count(city) == before
    me = city.users["admin_cs"].user_id
    assert api.post("admin_cs", f"/api/v1/staff/{me}/end", {"reason": "离职"}
                    ).status_code == 403
    assert api.client.put(f"/api/v1/staff/{me}", json={
        "display_name": "改名", "role": "clerk", "region": "430100"},
        headers=api.login("admin_cs")).status_code == 422


def _import(api: Api, who: str, text: str, encoding: str = "utf-8") -> object:
    return api.client.post("/api/v1/staff/import", headers=api.login(who),
                           files={"file": ("staff.csv", text.encode(encoding), "text/csv")})


def test_an_import_is_all_or_nothing_and_a_second_one_changes_nothing(api: Api,
                                                                     city: World) -> None:
    first = _import(api, "admin_cs", FILE)
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["added"], body["changed"], body["unchanged"]) == (2, 0, 0)
    assert all(line["password"] for line in body["lines"])
    assert _sign_in(api, "li_scjg", body["lines"][1]["password"]) == 200

    again = _import(api, "admin_cs", FILE.replace("\n", "\r\n"), "gbk").json()
    assert (again["added"], again["changed"], again["unchanged"]) == (0, 0, 2)
    assert "没有任何变化" in again["summary"]

    moved = _import(api, "admin_cs", FILE.replace("王芳,clerk", "王芳,supervisor")).json()
    assert [line["outcome"] for line in moved["lines"]] == ["changed", "unchanged"]
    assert moved["lines"][0]["changes"] == {"role": ["clerk", "supervisor"]}

    before = _count(city)
    bad = (FILE.replace("王芳,supervisor", "王芳,clerk")  # a change, not made: the file is bad
           + "zhou,周,clerk,439999,,\n"
           + "wu,吴,approver,430102,NOPE,\n"
           + "wang_fr,王芳二,clerk,430102,,\n"
           + "zz,株洲人,clerk,430200,,\n"
           + "boss,老板,system,430102,,\n"
           + "clerk_zhuzhou,株洲窗口,clerk,430102,,\n")
    refused = _import(api, "admin_cs", bad)
    assert refused.status_code == 422
    lines = [e["message"] for e in refused.json()["errors"]]
    assert lines == [
        "第 4 行：行政区划：行政区划 439999 不存在",
        "第 5 行：部门：部门 NOPE 不存在",
        "第 6 行：用户名：wang_fr 与第 2 行重复",
        "第 7 行：行政区划：只能管理本地区及下级地区的工作人员",
        "第 8 行：角色：只能授予工作人员角色："
        "综合窗口人员、部门审批人员、效能监察人员、热线话务员、管理员",
        "第 9 行：用户名：clerk_zhuzhou 已被不在您管理范围内的账号使用"]
    assert _count(city) == before
    still = api.get("admin_cs", "/api/v1/staff", params={"q": "wang_fr"}).json()
    assert still[0]["role"] == "supervisor"  # the good row of the bad file was not applied


def test_the_pages_add_an_account_and_refuse_a_bad_file_by_line(api: Api,
                                                               city: World) -> None:
    client = api.client
    csrf = city.sign_in(client, "admin_cs")
    home = client.get("/admin")
    assert home.status_code == 200 and "工作人员名录" in home.text
    listed = client.get("/admin/staff", params={"role": "clerk"})
    assert "clerk_furong" in listed.text and "clerk_zhuzhou" not in listed.text
    added = client.post("/admin/staff", data={
        "csrf_token": csrf, "username": "sun_fr", "display_name": "孙窗口", "role": "clerk",
        "region": "430102", "phone": "13812345678"})
    assert added.status_code == 201 and 'id="password"' in added.text
    refused = client.post("/admin/staff/import", data={"csrf_token": csrf}, files={
        "file": ("s.csv", "username,display_name,role,region\nsun_fr,孙,system,430102\n"
                 .encode(), "text/csv")})
    assert refused.status_code == 422
    assert "第 2 行：角色：只能授予工作人员角色" in refused.text
    user_id = client.get("/admin/staff", params={"q": "sun_fr"}).text
    found = re.search(r'href="/admin/staff/(\d+)"', user_id)
    assert found is not None
    locked = client.post(f"/admin/staff/{found[1]}/lock", data={"csrf_token": csrf,
                                                                "reason": "外借"},
                         follow_redirects=True)
    assert locked.status_code == 200 and "账号已锁定" in locked.text
    assert "138****5678" in client.get("/admin/staff").text  # masked in the list
    password = re.search(r'初始密码：<strong class="code-text">([^<]+)</strong>', added.text)
    assert password is not None
    client.cookies.clear()
    form = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None
    refused_login = client.post("/login", data={"csrf_token": token[1], "username": "sun_fr",
                                                "password": password[1]},
                                follow_redirects=False)
    assert refused_login.status_code == 401 and "账号已被管理员锁定" in refused_login.text
    city.sign_in(client, "clerk_furong")
    assert client.get("/admin/staff", follow_redirects=False).status_code == 303
