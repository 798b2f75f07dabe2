"""跨省通办 in one process, on both databases: the signature and the format (pure), a
package from a partner imported as a case received elsewhere (and every refusal leaving
nothing behind), a window forwarding a case to a partner, and the job that sends it.

This platform is HN; its partner JX is played by the test, which holds JX's private key."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, func, select, update

from onething.cases.models import Application, Event
from onething.catalog.service import CatalogCache
from onething.exchange import format as fmt
from onething.exchange import service as exchange
from onething.exchange import signing
from onething.exchange.models import ExchangePackage
from onething.exchange.partners import configure, load
from onething.files.models import StoredFile
from onething.identity.models import User
from onething.kernel.config import SOURCE_ROOT, Settings
from samples import FORM, OWNED, PDF
from world import MONDAY, Api, World, client_for

ID_NUMBER = FORM["id_number"]


# --- keys and partners ----------------------------------------------------------------


def platform(root: Path, code: str, name: str, partners: dict[str, tuple[str, str, str]]
             ) -> dict[str, Any]:
    """The settings of platform `code` with a new key pair in `root`, and its partners
    file: code → (name, url, public key)."""
    directory = root / code
    private, _ = signing.keygen(directory)
    listed = "".join(f"  - code: {c}\n    name: {n}\n    url: {u}\n    public_key: {k}\n"
                     for c, (n, u, k) in partners.items())
    (directory / "partners.yaml").write_text(f"partners:\n{listed}", encoding="utf-8")
    return {"exchange_platform": code, "exchange_platform_name": name,
            "exchange_key": private, "exchange_partners": directory / "partners.yaml"}


@pytest.fixture
def jx_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def hn(tmp_path: Path, jx_key: Ed25519PrivateKey) -> dict[str, Any]:
    return platform(tmp_path / "keys", "HN", "湖南省一件事一次办平台", {
        "JX": ("江西省一件事一次办平台", "http://127.0.0.1:9", signing.public_text(
            jx_key.public_key()))})


@pytest.fixture
def api(engine: Engine, world: World, tmp_path: Path, hn: dict[str, Any]) -> Iterator[Api]:
    with client_for(engine, tmp_path, **hn) as client:
        yield Api(client)
    configure(Settings())  # the exchange off again for the next test in this process


def hn_public(hn: dict[str, Any]) -> Any:
    return signing.read_private_key(hn["exchange_key"]).public_key()


def application_package(key: Ed25519PrivateKey, **body: Any) -> dict[str, Any]:
    """A package from JX: a 芙蓉区 shop (REG only) received at a 南昌 window."""
    found = {"bundle": "STORE", "catalog_version": "jx-1", "region": "430102",
             "case_number": "JX360102202611230001", "answers": OWNED, "form": FORM,
             "applicant": {"name": "张三", "id_number": ID_NUMBER, "phone": "13800138000"},
             "materials": [{"code": "ID_CARD", "name": "身份证", "filename": "身份证.pdf",
                            "media_type": "application/pdf",
                            "sha256": hashlib.sha256(PDF).hexdigest(),
                            "content": base64.b64encode(PDF).decode()}],
             "check": {"office": "东湖区政务服务综合窗口", "clerk": "刘窗口",
                       "checked_at": "2026-11-23T09:00:00+00:00", "materials": ["ID_CARD"]},
             **body}
    return signed(key, {"format": fmt.FORMAT, "package_id": str(uuid.uuid4()),
                        "sender": "JX", "recipient": "HN",
                        "created_at": "2026-11-23T09:30:00+00:00", "kind": "application",
                        "body": found})


def signed(key: Ed25519PrivateKey, document: dict[str, Any]) -> dict[str, Any]:
    return signing.sign(document, key)


def rows(world: World) -> dict[str, int]:
    with world.sessions() as session:
        return {model.__tablename__: session.scalar(select(func.count()).select_from(model))
                or 0 for model in (Application, Event, User, StoredFile, ExchangePackage)}


# --- pure: signatures and the format ----------------------------------------------------


def test_a_signature_covers_everything_but_itself(jx_key: Ed25519PrivateKey) -> None:
    package = application_package(jx_key)
    assert signing.verify(package, jx_key.public_key())
    assert signing.canonical(package) == json.dumps(
        {k: v for k, v in package.items() if k != "signature"}, sort_keys=True,
        ensure_ascii=False, separators=(",", ":")).encode()
    assert "张三".encode() in signing.canonical(package)  # UTF-8, not \\u escapes
    changed = copy.deepcopy(package)
    changed["body"]["form"]["applicant_name"] = "李四"
    assert not signing.verify(changed, jx_key.public_key())
    assert not signing.verify(package, Ed25519PrivateKey.generate().public_key())
    assert not signing.verify({**package, "signature": "not base64!"}, jx_key.public_key())


def test_the_schema_the_code_checks_is_the_one_documented() -> None:
    documented = json.loads((SOURCE_ROOT / "docs" / "exchange-package.schema.json")
                            .read_text(encoding="utf-8"))
    assert documented == fmt.schema()
    assert documented["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert "exchange-package.schema.json" in (SOURCE_ROOT / "docs" / "EXCHANGE.md").read_text()


def test_schema_problems_name_the_json_path(jx_key: Ed25519PrivateKey) -> None:
    package = application_package(jx_key)
    assert fmt.problems(package) == []
    package["body"]["materials"][0]["sha256"] = "xyz"
    del package["body"]["check"]
    paths = {p.field for p in fmt.problems(package)}
    assert {"body.materials.0.sha256", "body.check"} <= paths
    assert {p.field for p in fmt.problems({**package, "kind": "gift"})} == {"kind"}


def test_keygen_writes_a_private_key_only_its_owner_reads(tmp_path: Path) -> None:
    private, public = signing.keygen(tmp_path)
    assert private.stat().st_mode & 0o777 == 0o600
    assert signing.public_text(signing.read_private_key(private).public_key()) == public
    with pytest.raises(FileExistsError):
        signing.keygen(tmp_path)


# --- inbound ------------------------------------------------------------------------------


def post(api: Api, package: Any) -> Any:
    return api.client.post("/api/v1/exchange/packages", json=package)


def test_a_package_becomes_a_case_received_elsewhere(api: Api, world: World,
                                                      jx_key: Ed25519PrivateKey,
                                                      hn: dict[str, Any]) -> None:
    package = application_package(jx_key)
    r = post(api, package)
    assert r.status_code == 200, r.text
    receipt = r.json()
    assert signing.verify(receipt, hn_public(hn))
    assert fmt.problems(receipt, "receipt") == []
    assert (receipt["kind"], receipt["package_id"], receipt["sender"],
            receipt["recipient"]) == ("receipt", package["package_id"], "HN", "JX")
    # the 芙蓉区 window sees it, accepted on JX's window's check, at our competent office
    found = api.get("clerk_furong", "/api/v1/applications").json()
    case = next(a for a in found if a["number"] == receipt["case_number"])
    case = api.get("clerk_furong", f"/api/v1/applications/{case['id']}").json()
    assert case["status"] == "accepted"
    assert [(t["item"], t["region"])
            for t in case["tasks"]] == [("REG", "430102")]
    steps = {e["action"]: e for e in case["timeline"]}
    assert steps["receive"]["data"]["partner_name"] == "江西省一件事一次办平台"
    assert steps["receive"]["data"]["office"] == "东湖区政务服务综合窗口"
    assert steps["receive"]["data"]["partner_number"] == "JX360102202611230001"
    assert "forward" not in case["actions"]
    # the same package again: the same receipt, nothing more
    before = rows(world)
    again = post(api, package)
    assert again.status_code == 200 and again.json() == receipt
    assert rows(world) == before
    # another content under the used id: refused
    other = copy.deepcopy(package)
    other["body"]["case_number"] = "JX-OTHER"
    r = post(api, signed(jx_key, other))
    assert r.status_code == 409 and r.json()["code"] == "package_id_reused"
    assert rows(world) == before
    # the case page says where it came from
    world.sign_in(api.client, "clerk_furong")
    page = api.client.get(f"/applications/{case['id']}")
    assert page.status_code == 200
    assert "收自江西省一件事一次办平台·东湖区政务服务综合窗口（刘窗口审核）" in page.text


def refusals(key: Ed25519PrivateKey) -> list[tuple[str, dict[str, Any], int, str, str]]:
    """(what, package, status, code, the field named)."""
    good = application_package(key)
    stranger = Ed25519PrivateKey.generate()
    tampered = copy.deepcopy(good)
    tampered["body"]["form"]["applicant_name"] = "李四"
    other_sha = {**good["body"]["materials"][0],
                 "content": base64.b64encode(PDF + b"x").decode()}
    bad_form = {**FORM, "id_number": "110105194912310021"}
    return [
        ("unknown partner", {**signed(stranger, {**good, "sender": "ZJ"})}, 403,
         "unknown_partner", "sender"),
        ("signed by another key", signed(stranger, good), 403, "bad_signature", "signature"),
        ("changed after signing", tampered, 403, "bad_signature", "signature"),
        ("not addressed to us", signed(key, {**good, "recipient": "GD"}), 422,
         "not_addressed_to_us", "recipient"),
        ("schema", signed(key, {**good, "body": {**good["body"], "region": "43"}}), 422,
         "bad_package", "body.region"),
        ("no such bundle", application_package(key, bundle="NOPE"), 422,
         "bundle_not_found", "body.bundle"),
        ("no such region", application_package(key, region="999999"), 422,
         "region_not_found", "body.region"),
        ("form refused", application_package(key, form=bad_form), 422,
         "incomplete_application", "body.form.id_number"),
        ("sha256 differs", application_package(key, materials=[other_sha]), 422,
         "bad_material", "body.materials.0.sha256"),
        ("bad applicant ID", application_package(key, applicant={
            "name": "张三", "id_number": "110105194912310021"}), 422, "bad_id_number",
         "body.applicant.id_number"),
        ("a result for a case never forwarded", signed(key, {
            **good, "kind": "result", "body": {
                "case_number": "JX-0001", "recipient_case_number": "430102-20261123-000001",
                "status": "completed", "items": [], "licences": []}}), 422,
         "case_not_forwarded", "body.recipient_case_number"),
    ]


def test_every_refusal_imports_nothing(api: Api, world: World,
                                       jx_key: Ed25519PrivateKey) -> None:
    before = rows(world)
    for what, package, status, code, field in refusals(jx_key):
        r = post(api, package)
        assert r.status_code == status, (what, r.text)
        assert r.headers["content-type"].startswith("application/problem+json"), what
        problem = r.json()
        assert problem["code"] == code, (what, problem)
        assert field in {p["field"] for p in problem.get("errors", problem.get(
            "problems", []))} or field in r.text, (what, problem)
        assert rows(world) == before, what
    assert post(api, [1, 2]).status_code == 422
    assert rows(world) == before


def test_off_without_settings(engine: Engine, world: World, tmp_path: Path,
                              jx_key: Ed25519PrivateKey) -> None:
    with client_for(engine, tmp_path) as client:
        r = client.post("/api/v1/exchange/packages", json=application_package(jx_key))
        assert r.status_code == 404 and r.json()["code"] == "exchange_off"
        api = Api(client)
        app_id = submitted(api)
        found = api.get("clerk_furong", f"/api/v1/applications/{app_id}").json()
        assert "forward" not in found["actions"]
        r = api.post("clerk_furong", f"/api/v1/applications/{app_id}/forwarding",
                     {"partner": "JX", "reason": "经营场所在江西"})
        assert r.status_code == 404 and r.json()["code"] == "exchange_off"


# --- outbound -------------------------------------------------------------------------------


def submitted(api: Api) -> int:
    scan = api.upload("zhang", "身份证.pdf").json()["id"]
    r = api.post("zhang", "/api/v1/applications", {
        "bundle": "STORE", "region": "430102", "answers": OWNED, "form": FORM,
        "materials": {"ID_CARD": {"file": scan}}})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def test_the_window_forwards_and_the_job_sends(api: Api, world: World, hn: dict[str, Any],
                                               jx_key: Ed25519PrivateKey) -> None:
    with world.sessions.begin() as session:
        session.execute(update(User).where(User.username == "zhang")
                        .values(id_number=ID_NUMBER))
    app_id = submitted(api)
    found = api.get("clerk_furong", f"/api/v1/applications/{app_id}").json()
    assert "forward" in found["actions"]
    assert "forward" not in api.get("zhang", f"/api/v1/applications/{app_id}").json()["actions"]
    path = f"/api/v1/applications/{app_id}/forwarding"
    r = api.post("clerk_furong", path, {"partner": "GD", "reason": "经营场所在广东"})
    assert r.status_code == 422 and r.json()["code"] == "unknown_partner"
    r = api.post("zhang", path, {"partner": "JX", "reason": "经营场所在江西"})
    assert r.status_code == 403
    r = api.post("clerk_furong", path, {"partner": "JX", "reason": "经营场所在江西"})
    assert r.status_code == 200, r.text
    case = r.json()
    assert case["status"] == "forwarded" and "forward" not in case["actions"]
    step = next(e for e in case["timeline"] if e["action"] == "forward")
    assert step["data"]["partner_name"] == "江西省一件事一次办平台"
    r = api.post("clerk_furong", path, {"partner": "JX", "reason": "再转一次"})
    assert r.status_code == 409
    with world.sessions() as session:
        row = session.scalars(select(ExchangePackage)).one()
        assert (row.direction, row.kind, row.status, row.partner) == (
            "outbound", "application", "queued", "JX")
        envelope = row.envelope
    assert signing.verify(envelope, hn_public(hn)) and fmt.problems(envelope) == []
    body = envelope["body"]
    assert body["applicant"]["id_number"] == ID_NUMBER
    assert base64.b64decode(body["materials"][0]["content"]).startswith(PDF)

    def partner(url: str, data: bytes, timeout: float) -> tuple[int, bytes]:
        assert url == "http://127.0.0.1:9/api/v1/exchange/packages"
        got = json.loads(data)
        receipt = signing.sign({"format": fmt.FORMAT, "kind": "receipt",
                                "package_id": got["package_id"], "sender": "JX",
                                "recipient": "HN", "created_at": "2026-11-23T10:00:00Z",
                                "status": "accepted", "case_number": "JX-0001"}, jx_key)
        return 200, json.dumps(receipt).encode()

    def down(url: str, data: bytes, timeout: float) -> tuple[int, bytes]:
        raise OSError("connection refused")

    ex = load(**{"code": hn["exchange_platform"], "name": hn["exchange_platform_name"],
                 "key": hn["exchange_key"], "partners": hn["exchange_partners"]})
    assert ex is not None
    catalog = CatalogCache().recent(world.sessions, 0)
    later = MONDAY + dt.timedelta(minutes=1)
    assert exchange.send_due(world.sessions, ex, catalog, later, down) == 0
    with world.sessions() as session:
        row = session.scalars(select(ExchangePackage)).one()
        assert (row.status, row.attempts) == ("queued", 1) and "refused" in row.last_error
    assert exchange.send_due(world.sessions, ex, catalog, later, partner) == 0  # not yet due
    assert exchange.send_due(world.sessions, ex, catalog, later + dt.timedelta(hours=1),
                             partner) == 1
    with world.sessions() as session:
        row = session.scalars(select(ExchangePackage)).one()
        assert (row.status, row.partner_number, row.attempts) == ("acknowledged", "JX-0001", 2)
    case = api.get("clerk_furong", f"/api/v1/applications/{app_id}").json()
    told = next(e for e in case["timeline"] if e["action"] == "partner_receipt")
    assert told["data"]["partner_number"] == "JX-0001"
    world.sign_in(api.client, "clerk_furong")
    page = api.client.get(f"/applications/{app_id}").text
    assert "转往江西省一件事一次办平台" in page and "对方办件编号 JX-0001" in page


def test_a_refused_package_is_said_on_the_timeline(api: Api, world: World,
                                                   hn: dict[str, Any]) -> None:
    with world.sessions.begin() as session:
        session.execute(update(User).where(User.username == "zhang")
                        .values(id_number=ID_NUMBER))
    app_id = submitted(api)
    r = api.post("clerk_furong", f"/api/v1/applications/{app_id}/forwarding",
                 {"partner": "JX", "reason": "经营场所在江西"})
    assert r.status_code == 200, r.text

    def refusing(url: str, data: bytes, timeout: float) -> tuple[int, bytes]:
        return 422, json.dumps({"code": "bundle_not_found",
                                "detail": "本平台没有代码为 STORE 的一件事"}).encode()

    ex = load(hn["exchange_platform"], hn["exchange_platform_name"], hn["exchange_key"],
              hn["exchange_partners"])
    assert ex is not None
    catalog = CatalogCache().recent(world.sessions, 0)
    assert exchange.send_due(world.sessions, ex, catalog, MONDAY + dt.timedelta(minutes=1),
                             refusing) == 0
    with world.sessions() as session:
        row = session.scalars(select(ExchangePackage)).one()
        assert row.status == "failed" and "本平台没有代码为 STORE 的一件事" in row.last_error
    case = api.get("clerk_furong", f"/api/v1/applications/{app_id}").json()
    [failed] = [e for e in case["timeline"] if e["action"] == "partner_failed"]
    assert "对方平台拒收" in failed["reason"] and failed["action_name"] == "向对方平台发送失败"


def test_the_case_page_offers_the_forwarding_form(api: Api, world: World) -> None:
    app_id = submitted(api)
    world.sign_in(api.client, "clerk_furong")
    page = api.client.get(f"/applications/{app_id}").text
    assert "转外省（市）办理" in page and "江西省一件事一次办平台" in page
    form = {"csrf_token": _csrf(page), "partner": "JX", "reason": ""}
    r = api.client.post(f"/applications/{app_id}/forwarding", data=form)
    assert r.status_code == 422 and "转外省（市）办理须说明理由" in r.text


def _csrf(page: str) -> str:
    return page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def test_keygen_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from onething.cli import main

    assert main(["exchange", "keygen", str(tmp_path / "keys")]) == 0
    printed = capsys.readouterr().out
    public = (tmp_path / "keys" / "exchange-public.txt").read_text().strip()
    assert public in printed and "ONETHING_EXCHANGE_KEY=" in printed
    assert main(["exchange", "keygen", str(tmp_path / "keys")]) != 0  # never overwritten
