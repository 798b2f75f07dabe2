"""Hostile input: oversized and deeply nested bodies, too many form parts, uploads that lie
about their type or name, and files asked for by someone else. Every refusal is a problem
(API) or a Chinese page, never a 500."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from onething.files.service import display_name
from onething.kernel.db import session_factory
from samples import FORM as STORE_FORM
from samples import OWNED, PDF
from world import MONDAY, PASSWORD, World, build_world, client_for


@pytest.fixture
def client(sqlite_engine: Engine, basic_dir: Path, tmp_path: Path) -> Iterator[TestClient]:
    build_world(session_factory(sqlite_engine), basic_dir, tmp_path / "files")
    with client_for(sqlite_engine, tmp_path, max_body_bytes=64 * 1024,
                    max_upload_bytes=256 * 1024) as c:
        yield c


def login(client: TestClient, username: str = "zhang") -> dict[str, str]:
    r = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def problem(response: Any, status: int, code: str | None = None,
            field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status and any("\u4e00" <= c <= "\u9fff" for c in body["title"])
    if code:
        assert body["code"] == code
    if field:
        assert field in {e["field"] for e in body["errors"]}, body
    assert "Too many" not in str(body) and "exceeded" not in str(body)
    return body


def chunks(data: bytes, size: int = 8192) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start:start + size]


GUIDE = "/api/v1/bundles/STORE/guide"
JSON = {"content-type": "application/json"}


def test_an_oversized_json_body_is_refused_before_it_is_read(client: TestClient) -> None:
    big = b'{"answers": {"x": "' + b"a" * 100_000 + b'"}}'
    body = problem(client.post(GUIDE, content=big, headers=JSON), 413, "payload_too_large",
                   "body")
    assert "64 KB" in body["detail"]


def test_an_oversized_chunked_body_without_length_is_refused(client: TestClient) -> None:
    big = b'{"answers": {"x": "' + b"a" * 100_000 + b'"}}'
    response = client.post(GUIDE, content=chunks(big), headers=JSON)
    assert "content-length" not in response.request.headers
    problem(response, 413, "payload_too_large", "body")
    small = client.post(GUIDE, content=chunks(b'{"answers": {}}'), headers=JSON)
    assert small.status_code == 422  # read whole and answered as usual


@pytest.mark.parametrize("depth", [5_000, 200_000])
def test_deeply_nested_json_is_a_problem_not_a_crash(client: TestClient, depth: int) -> None:
    nested = b'{"answers": {"premises": ' + b"[" * depth + b"]" * depth + b"}}"
    if len(nested) > 64 * 1024:
        problem(client.post(GUIDE, content=nested, headers=JSON), 413)
    else:
        body = problem(client.post(GUIDE, content=nested, headers=JSON), 400, "bad_request",
                       "body")
        assert "嵌套" in body["detail"]


def test_uploads_are_limited_in_size_and_parts(client: TestClient) -> None:
    me = login(client)
    too_big = client.post("/api/v1/files", files={"file": ("a.pdf", PDF + b"0" * 300_000)},
                          headers=me)
    problem(too_big, 413, "payload_too_large", "body")
    many_files = [("file", (f"{i}.pdf", PDF)) for i in range(5)]
    problem(client.post("/api/v1/files", files=many_files, headers=me), 400, "bad_request",
            "body")
    many_fields = {f"f{i}": "x" for i in range(50)}
    body = problem(client.post("/api/v1/files", files={"file": ("a.pdf", PDF)},
                               data=many_fields, headers=me), 400, "bad_request", "body")
    assert "字段过多" in body["detail"]


def test_one_upload_over_the_file_limit_is_413_naming_the_file(
        sqlite_engine: Engine, basic_dir: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from onething.files import service

    monkeypatch.setattr(service, "MAX_BYTES", 1024)
    build_world(session_factory(sqlite_engine), basic_dir, tmp_path / "files")
    with client_for(sqlite_engine, tmp_path, None, raise_server_exceptions=True) as c:
        response = c.post("/api/v1/files", files={"file": ("a.pdf", PDF + b"0" * 2048)},
                          headers=login(c))
        problem(response, 413, "file_too_large", "file")


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("bomb.pdf", b"\0" * 5_000_000)
    return out.getvalue()


@pytest.mark.parametrize(("name", "data", "code"), [
    ("report.pdf", b"#!/bin/sh\nrm -rf / --no-preserve-root\n", "file_type_not_allowed"),
    ("photo.jpg", b"<!doctype html><script>alert(document.cookie)</script>",
     "file_type_not_allowed"),
    ("scan.pdf", _zip_bomb(), "file_type_not_allowed"),
    ("empty.pdf", b"", "file_empty"),
])
def test_uploads_are_judged_by_content_not_name(client: TestClient, name: str, data: bytes,
                                                code: str) -> None:
    response = client.post("/api/v1/files", files={"file": (name, data)}, headers=login(client))
    problem(response, 422, code, "file")


@pytest.mark.parametrize(("given", "kept"), [
    ("../../etc/passwd", "passwd"),
    ("/etc/shadow", "shadow"),
    ("C:\\Windows\\system32\\cmd.pdf", "cmd.pdf"),
    ("..\\..\\boot.ini", "boot.ini"),
    ("evil\x00.pdf", "evil.pdf"),
    ('a";\r\nSet-Cookie: x=1.pdf', "a_;Set-Cookie_ x=1.pdf"),
    # bidi overrides and isolates: "invoice\u202efdp.exe" shows as "invoiceexe.pdf"
    ("invoice\u202efdp.exe", "invoicefdp.exe"),
    ("\u2066申请书\u2069\u2067.pdf\u2068x\u202a\u202b\u202c\u202d", "申请书.pdfx"),
    ("\u200bzero\u200c\u200dwidth\ufeff\u00ad.pdf", "zerowidth.pdf"),
    ("line\u2028para\u2029tab\there\x7f\x85.pdf", "lineparatabhere.pdf"),
    ("\u202e\u200b", "upload"),
    ("营业执照\u3000副本.pdf", "营业执照\u3000副本.pdf"),  # a visible (ideographic) space
    ("..", "upload"),
    (".htaccess", "htaccess"),
    ("申请书.pdf", "申请书.pdf"),
])
def test_stored_names_never_come_from_the_client(given: str, kept: str) -> None:
    assert display_name(given) == kept


def test_no_invisible_character_is_stored_in_a_file_name(client: TestClient) -> None:
    me = login(client)
    given = "\u200b合同\u202egpj.pdf\u2066\u2029"
    stored = client.post("/api/v1/files", files={"file": (given, PDF)}, headers=me).json()
    assert stored["filename"] == "合同gpj.pdf"
    download = client.get(f"/api/v1/files/{stored['id']}", headers=me)
    assert "%E2%80%AE" not in download.headers["content-disposition"]  # U+202E


def test_upload_names_cannot_reach_the_disk_or_the_headers(client: TestClient,
                                                           tmp_path: Path) -> None:
    me = login(client)
    response = client.post("/api/v1/files",
                           files={"file": ('../../x";\r\nevil.pdf', PDF)}, headers=me)
    assert response.status_code == 201, response.text
    stored = response.json()
    assert "/" not in stored["filename"] and "\r" not in stored["filename"]
    blobs = [p for p in (tmp_path / "files").rglob("*") if p.is_file()]
    assert [p.name for p in blobs] == [stored["sha256"]]  # named by content only
    download = client.get(f"/api/v1/files/{stored['id']}", headers=me)
    assert download.status_code == 200 and download.content == PDF
    disposition = download.headers["content-disposition"]
    assert disposition.startswith("attachment;") and "\r" not in disposition
    assert '";' not in disposition.split("filename", 1)[1][2:]
    assert download.headers["x-content-type-options"] == "nosniff"
    chinese = client.post("/api/v1/files", files={"file": ("营业执照.pdf", PDF + b"1")},
                          headers=me).json()
    got = client.get(f"/api/v1/files/{chinese['id']}", headers=me)
    assert "filename*=utf-8''%E8%90%A5" in got.headers["content-disposition"]


def test_files_are_served_only_to_those_allowed(client: TestClient) -> None:
    mine = client.post("/api/v1/files", files={"file": ("id.pdf", PDF)},
                       headers=login(client, "zhang")).json()["id"]
    url = f"/api/v1/files/{mine}"
    problem(client.get(url), 401)
    for other in ("li", "clerk_furong", "scjg_furong", "supervisor_cs"):
        problem(client.get(url, headers=login(client, other)), 404, "file_not_found")
    problem(client.get("/api/v1/files/" + "0" * 32, headers=login(client)), 404,
            "file_not_found")
    problem(client.get("/api/v1/files/onething.db", headers=login(client)), 422)
    problem(client.get("/api/v1/files/..%2F..%2Fonething.db", headers=login(client)), 404)
    assert client.get(url, headers=login(client, "zhang")).content == PDF


# --- pages -----------------------------------------------------------------------


def signed_in(client: TestClient, sqlite_engine: Engine, username: str = "zhang") -> str:
    from onething.identity import service as identity
    from onething.identity.models import User

    with session_factory(sqlite_engine)() as session:
        user = session.query(User).filter_by(username=username).one()
        secret, row = identity.open_session(session, user, "web", MONDAY)
        csrf = row.csrf_token
        session.commit()
    client.cookies.set("onething_session", secret)
    return csrf


def chinese_page(response: Any, status: int) -> str:
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    assert 'lang="zh-CN"' in response.text and "Traceback" not in response.text
    for english in ("Too many", "exceeded", "Content Too Large", "Internal Server Error"):
        assert english not in response.text
    return str(response.text)


FORM = {"content-type": "application/x-www-form-urlencoded"}


def test_a_huge_form_gets_a_chinese_page(client: TestClient, sqlite_engine: Engine) -> None:
    csrf = signed_in(client, sqlite_engine)
    huge = f"csrf_token={csrf}&reason=".encode() + b"x" * 100_000
    page = chinese_page(client.post("/applications/1/withdrawal", content=huge, headers=FORM),
                        413)
    assert "64 KB" in page
    page = chinese_page(client.post("/applications/1/withdrawal", content=chunks(huge),
                                    headers=FORM), 413)
    many = [("material.X", (f"{i}.pdf", PDF)) for i in range(41)]
    chinese_page(client.post("/bundles/STORE/apply", data={"csrf_token": csrf}, files=many),
                 400)


@pytest.mark.parametrize("body", [
    b"csrf_token=%E4%B8%AD%E6%96%87&reason=x",  # a token in Chinese
    b"csrf_token=\xff\xfe\x00&reason=\xe4\xb8",  # not UTF-8 at all
    b"csrf_token=%00%00&reason=%ZZ%",  # NULs and broken escapes
])
def test_odd_encodings_are_refused_not_crashed(client: TestClient, sqlite_engine: Engine,
                                               body: bytes) -> None:
    signed_in(client, sqlite_engine)
    chinese_page(client.post("/applications/1/withdrawal", content=body, headers=FORM), 403)
    chinese_page(client.post("/login", content=body, headers=FORM), 403)


@pytest.mark.parametrize("content_type", [
    "multipart/form-data", "multipart/form-data; boundary=xx",
    "application/x-www-form-urlencoded; charset=utf-16",
])
def test_malformed_forms_get_a_page(client: TestClient, sqlite_engine: Engine,
                                    content_type: str) -> None:
    signed_in(client, sqlite_engine)
    response = client.post("/applications/1/withdrawal", content=b"--xx\r\nbroken",
                           headers={"content-type": content_type})
    assert response.status_code in (400, 403)
    chinese_page(response, response.status_code)


# --- catalog expressions ---------------------------------------------------------

HOSTILE_EXPRESSIONS = [
    ("__import__('os').system('touch {pwned}')", "未知函数"),
    ("food.__class__.__mro__ == []", "无法求值"),
    ("premises.__globals__ == 'x'", "无法求值"),
    ("().__class__.__bases__[0].__subclasses__()", "语法错误"),
    ("size('a' * 1000000000) > 0", "无法求值"),
    ("(" * 5000 + "food" + ")" * 5000, "太长"),
    ("(" * 300 + "food" + ")" * 300, "语法错误"),
    ("!" * 1990 + "food", None),  # long but harmless: valid
    ("'" + "a" * 100_000 + "' == premises", "太长"),
    ("exec('import os') || food", "未知函数 exec"),
]


@pytest.mark.parametrize(("source", "says"), HOSTILE_EXPRESSIONS,
                         ids=[f"expr{n}" for n in range(len(HOSTILE_EXPRESSIONS))])
def test_catalog_expressions_cannot_reach_python(tmp_path: Path, source: str,
                                                 says: str | None) -> None:
    from test_validate import BASE, line_of, problems_for

    pwned = tmp_path / "pwned"
    when = source.format(pwned=pwned).replace('"', '\\"')
    text = BASE.replace("when: \"food || premises == 'owned'\"", f'when: "{when}"')
    (tmp_path / "catalog").mkdir()
    problems = problems_for(tmp_path / "catalog", text)
    assert not pwned.exists()
    if says is None:
        assert problems == []
        return
    line = line_of(text, "items: [{item: REG, when:")
    assert any(p.startswith(f"catalog.yaml:{line}: ") and says in p for p in problems), problems


def test_catalog_validate_names_the_line_of_a_hostile_expression(tmp_path: Path) -> None:
    from test_validate import BASE, line_of, run_cli

    pwned = tmp_path / "pwned"
    text = BASE.replace("when: \"food || premises == 'owned'\"",
                        f"when: \"__import__('os').system('touch {pwned}')\"")
    (tmp_path / "catalog.yaml").write_text(text, encoding="utf-8")
    result = run_cli("catalog", "validate", str(tmp_path))
    assert result.returncode == 1 and not pwned.exists()
    line = line_of(text, "__import__")
    assert f"catalog.yaml:{line}:" in result.stderr and "__import__" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("path", [
    "/api/v1/applications/745026456850619422692343808",
    "/api/v1/applications/2147483648/rating",
    "/api/v1/applications?before_id=99999999999999999999",
    "/api/v1/tasks?offset=99999999999999999999",
])
def test_ids_beyond_the_database_are_refused_not_crashed(client: TestClient, path: str) -> None:
    problem(client.get(path, headers=login(client)), 422, "invalid_request")


@pytest.mark.parametrize("target", ["//evil.example", "/\\evil.example", "/\\/evil.example",
                                    "https://evil.example", "/ok\r\nSet-Cookie: x=1"])
def test_a_login_never_sends_anyone_to_another_site(target: str) -> None:
    from onething.web.session import safe_next

    assert safe_next(target) is None
    assert safe_next("/applications/7?tab=1") == "/applications/7?tab=1"


def test_a_nul_character_is_a_problem_on_either_database(engine: Engine, world: World,
                                                         tmp_path: Path) -> None:
    with client_for(engine, tmp_path, None) as client:
        r = client.post("/api/v1/auth/token", data={"username": "zh\x00ang", "password": "x"})
        assert r.status_code in (401, 422), r.text
        assert r.headers["content-type"].startswith("application/problem+json")


def page_routes_with_ids(app: Any) -> list[tuple[str, str, list[str]]]:
    """(method, path, its int path parameters) of every page route that takes an id."""
    from fastapi.routing import APIRoute, iter_route_contexts

    found = []
    for route in iter_route_contexts(app.routes):
        original = route.original_route
        if str(route.path).startswith("/api/") or not isinstance(original, APIRoute):
            continue
        ids = [p.name for p in original.dependant.path_params
               if p.field_info.annotation is int]
        found += [(method, str(route.path), ids) for method in sorted(route.methods or ())
                  if ids and method != "HEAD"]
    return found


@pytest.mark.parametrize("number", [2**63, 2**64 + 1, 2**31, 10**40, 0, -1])
def test_ids_beyond_the_database_on_pages_are_not_found(client: TestClient,
                                                        sqlite_engine: Engine,
                                                        number: int) -> None:
    routes = page_routes_with_ids(client.app)
    assert len(routes) >= 12, routes
    csrf = signed_in(client, sqlite_engine, "admin")
    for method, path, ids in routes:
        for name in ids:
            assert f"{{{name}:id}}" in path, f"{path}: take {name} as {{{name}:id}}"
        url = re.sub(r"\{(\w+)(?::\w+)?\}",
                     lambda m, ids=ids: str(number) if m[1] in ids else "x", path)
        response = client.request(method, url, data={"csrf_token": csrf} if method == "POST"
                                  else None)
        page = chinese_page(response, 404)  # 2^31: the route runs and finds nothing
        assert "找不到页面" in page or number == 2**31, url


# --- 帮代办 consents: no way to learn which usernames exist ---------------------------


def _consent(client: TestClient, who: str, proxy: str, person: str) -> Any:
    return client.post("/api/v1/consents", headers=login(client, who),
                       json={"proxy": proxy, "person": person, "note": "本人书面授权"})


def _same(a: Any, b: Any) -> None:
    """Two answers that tell nothing apart: the same status and body, but for the names."""
    assert a.status_code == b.status_code, (a.text, b.text)
    assert (a.json()["code"], a.json()["title"]) == (b.json()["code"], b.json()["title"])


@pytest.mark.parametrize("who", ["proxy1", "scjg_furong", "supervisor_cs"])
def test_a_role_that_may_not_record_consents_learns_nothing_about_names(
        client: TestClient, who: str) -> None:
    for proxy, person in [("proxy1", "zhang"), ("nobody1", "nobody2"), ("zhang", "li")]:
        problem(_consent(client, who, proxy, person), 403, "role_not_allowed")


def test_the_person_grants_a_consent_only_for_themselves(client: TestClient) -> None:
    for person in ("li", "nobody", "proxy1", "admin"):
        problem(_consent(client, "zhang", "proxy1", person), 403, "not_your_consent", "person")
    unknown = _consent(client, "zhang", "nobody", "zhang")
    not_a_proxy = _consent(client, "zhang", "li", "zhang")
    problem(unknown, 422, "proxy_not_found", "proxy")
    _same(unknown, not_a_proxy)
    granted = _consent(client, "zhang", "proxy1", "zhang")
    assert granted.status_code == 201, granted.text
    listed = client.get("/api/v1/consents", headers=login(client, "proxy1")).json()
    assert [(c["proxy"], c["person"], c["recorded_by"]) for c in listed] == [
        ("proxy1", "zhang", "zhang")]


def test_the_window_hears_the_same_for_unknown_and_wrong_names(client: TestClient) -> None:
    _same(_consent(client, "clerk_furong", "nobody", "zhang"),
          _consent(client, "clerk_furong", "scjg_furong", "zhang"))
    problem(_consent(client, "clerk_furong", "proxy1", "nobody"), 422, "applicant_not_found",
            "person")
    _same(_consent(client, "clerk_furong", "proxy1", "nobody"),
          _consent(client, "clerk_furong", "proxy1", "admin"))
    assert _consent(client, "clerk_furong", "proxy1", "li").status_code == 201


def test_the_window_records_consents_of_its_own_region_only(client: TestClient) -> None:
    """A window lists and revokes the consents of its region's proxies: it records those
    only, not a consent for a proxy of another city."""
    refused = problem(_consent(client, "clerk_zhuzhou", "proxy1", "li"), 403, "out_of_scope",
                      "proxy")
    assert "本地区" in refused["detail"]
    assert client.get("/api/v1/consents", headers=login(client, "proxy1")).json() == []
    assert _consent(client, "admin", "proxy1", "li").status_code == 201


def test_a_proxy_hears_the_same_for_an_unknown_applicant_and_one_without_consent(
        client: TestClient) -> None:
    """Submitting for a name tells a proxy nothing about whether that username exists."""
    proxy = login(client, "proxy1")

    def apply(applicant: str) -> Any:
        return client.post("/api/v1/applications", headers=proxy,
                           json=_submission(client, proxy, applicant=applicant))

    unknown, without = apply("nobody"), apply("li")
    problem(unknown, 403, "no_consent", "applicant")
    _same(unknown, without)
    assert unknown.json()["detail"] == without.json()["detail"]
    assert unknown.json()["errors"] == without.json()["errors"]
    _same(apply("clerk_furong"), without)  # a user who is no applicant, too
    li = login(client, "li")  # an applicant naming someone else hears the same
    _same(client.post("/api/v1/applications", headers=li,
                      json=_submission(client, li, applicant="nobody")), without)
    clerk = login(client, "clerk_furong")  # the window, the person before it, is told
    problem(client.post("/api/v1/applications", headers=clerk, json=_submission(
        client, clerk, applicant="nobody", channel="window")), 422, "applicant_not_found",
        "applicant")


def test_the_page_and_the_api_record_the_same_withdrawal(
        client: TestClient, sqlite_engine: Engine) -> None:
    """Without a reason typed, both doors record the service's own: nothing invented by one."""
    me = login(client)
    by_api, by_page = (client.post("/api/v1/applications", json=_submission(client, me),
                                   headers=me).json()["id"] for _ in range(2))
    assert client.post(f"/api/v1/applications/{by_api}/withdrawal", json={},
                       headers=me).status_code == 200
    csrf = signed_in(client, sqlite_engine)
    sent = client.post(f"/applications/{by_page}/withdrawal", data={"csrf_token": csrf},
                       follow_redirects=False)
    assert sent.status_code == 303, sent.text[:500]
    client.cookies.clear()

    def recorded(app_id: int) -> tuple[str, str, list[str]]:
        body = client.get(f"/api/v1/applications/{app_id}", headers=me).json()
        return body["status"], body["reason"], [e["reason"] for e in body["timeline"]
                                                if e["action"] == "withdraw"]

    assert recorded(by_api) == recorded(by_page) == ("withdrawn", "申请人主动撤回",
                                                     ["申请人主动撤回"])


# --- Idempotency-Key: the same key with other content is refused, not answered ---------


def _submission(client: TestClient, me: dict[str, str], **changes: Any) -> dict[str, Any]:
    scan = client.post("/api/v1/files", files={"file": ("id.pdf", PDF)}, headers=me).json()
    return {"bundle": "STORE", "region": "430102",
            "answers": OWNED, "form": STORE_FORM,
            "materials": {"ID_CARD": {"file": scan["id"]}}, **changes}


def test_the_same_idempotency_key_with_other_content_is_422(client: TestClient) -> None:
    me = login(client)
    key = {**me, "Idempotency-Key": "order-7"}
    body = _submission(client, me)
    first = client.post("/api/v1/applications", json=body, headers=key)
    assert first.status_code == 201, first.text
    # a retry: the same content, its keys in another order, the scan uploaded again
    retry = {k: body[k] for k in reversed(list(body))} | {
        "materials": _submission(client, me)["materials"]}
    again = client.post("/api/v1/applications", json=retry, headers=key)
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    changed = dict(body, form={**body["form"], "applicant_name": "李四"})
    refused = problem(client.post("/api/v1/applications", json=changed, headers=key), 422,
                      "idempotency_key_reused", "Idempotency-Key")
    assert first.json()["number"] in refused["detail"]
    other_file = client.post("/api/v1/files", files={"file": ("id.pdf", PDF + b"2")},
                             headers=me).json()["id"]
    problem(client.post("/api/v1/applications", headers=key, json=dict(
        body, materials={"ID_CARD": {"file": other_file}})), 422, "idempotency_key_reused")
    mine = client.get("/api/v1/applications", headers=me).json()
    assert [a["id"] for a in mine] == [first.json()["id"]]  # nothing else was made
    fresh = client.post("/api/v1/applications", json=changed,
                        headers={**me, "Idempotency-Key": "order-8"})
    assert fresh.status_code == 201 and fresh.json()["id"] != first.json()["id"]
    li = login(client, "li")  # keys are the submitter's own
    assert client.post("/api/v1/applications", json=_submission(client, li),
                       headers={**li, "Idempotency-Key": "order-7"}).status_code == 201


def test_an_apply_page_sent_again_changed_is_refused_with_a_new_key(
        client: TestClient, sqlite_engine: Engine) -> None:
    csrf = signed_in(client, sqlite_engine)
    form = {"csrf_token": csrf, "idempotency_key": "page-key-1", "region": "430102",
            "answer.premises": "owned", "answer.sells_food": "false", "answer.shop_area": "10",
            "field.applicant_name": "张三", "field.id_number": "11010519491231002X"}
    upload = {"material.ID_CARD": ("身份证.pdf", PDF, "application/pdf")}
    first = client.post("/bundles/STORE/apply", data=form, files=upload,
                        follow_redirects=False)
    assert first.status_code == 303, first.text[:2000]
    double = client.post("/bundles/STORE/apply", data=form, files=upload,
                         follow_redirects=False)  # a double click: the scan sent again
    assert double.headers["location"] == first.headers["location"]
    changed = client.post("/bundles/STORE/apply", files=upload,
                          data={**form, "field.applicant_name": "张小三"})
    page = chinese_page(changed, 422)
    assert "这份申请表已经提交过" in page and "Idempotency" not in page
    assert 'value="page-key-1"' not in page
    new_key = re.search(r'name="idempotency_key" value="([0-9a-f]{24})"', page)
    assert new_key is not None
    again = client.post("/bundles/STORE/apply", files=upload, follow_redirects=False, data={
        **form, "field.applicant_name": "张小三", "idempotency_key": new_key[1]})
    assert again.status_code == 303 and again.headers["location"] != first.headers["location"]
