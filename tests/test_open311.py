"""The Open311 GeoReport v2 door (/open311/v2/), as an Open311 client sees it: every
endpoint in JSON and XML, the JSON checked against a JSON Schema written from the spec and
the XML parsed and checked element by element; a request posted form-encoded becomes a
ticket the centre's operator takes through /api/v1/tickets, and its status follows the
ticket's flow; keys (missing, wrong, revoked: 403), unknown ids (404), bad input (400 naming
the field, nothing written), the filters and the spec's defaults; personal data is never
answered back; and an existing Open311 client library against a real `onething serve`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import jsonschema
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from onething.app import create_app
from onething.audit.models import AuditRecord
from onething.cli import main
from onething.hotline import reference as hotline_data
from onething.hotline.models import Ticket
from onething.hotline.reference import DATA_DIR, in_force
from onething.kernel.config import Settings
from onething.kernel.db import unit_of_work
from onething.kernel.principal import Role
from onething.open311 import keys
from onething.open311 import reference as open311_data
from onething.open311 import service as open311_service
from onething.open311.models import Submission
from onething.open311.reference import DataError, read_services
from served import Served
from world import MONDAY, Api, Clock, World, client_for

PEOPLE = [("op_cs", Role.operator, "430100", None),
          ("op_zz", Role.operator, "430200", None),
          ("cg_furong", Role.approver, "430102", "CGZF"),
          ("scjg_furong", Role.approver, "430102", "SCJG")]
DOOR = "/open311/v2"
NAME, PHONE, EMAIL = "晓明", "13912345678", "xiaoming@example.cn"
FORM = {"service_code": "0201", "lat": "28.196", "long": "112.98",
        "address_string": "长沙市芙蓉区五一大道 1 号门口", "attribute[region]": "430102001",
        "attribute[kind]": "complaint", "first_name": NAME, "last_name": "王",
        "phone": PHONE, "email": EMAIL, "description": "五一大道 1 号门口长期占道经营，影响通行",
        "media_url": "https://img.example.cn/1.jpg", "device_id": "device-42",
        "account_id": "acct-7"}

# --- JSON Schemas written from the GeoReport v2 spec ------------------------------------

NULLABLE_TEXT = {"type": ["string", "null"]}
SERVICES = {"type": "array", "items": {
    "type": "object", "additionalProperties": False,
    "required": ["service_code", "service_name", "description", "metadata", "type",
                 "keywords", "group"],
    "properties": {"service_code": {"type": "string", "minLength": 1},
                   "service_name": {"type": "string", "minLength": 1},
                   "description": {"type": "string"}, "metadata": {"type": "boolean"},
                   "type": {"enum": ["realtime", "batch", "blackbox"]},
                   "keywords": {"type": "string"}, "group": {"type": "string"}}}}
DEFINITION = {"type": "object", "additionalProperties": False,
              "required": ["service_code", "attributes"], "properties": {
                  "service_code": {"type": "string"},
                  "attributes": {"type": "array", "items": {
                      "type": "object", "additionalProperties": False,
                      "required": ["variable", "code", "datatype", "required",
                                   "datatype_description", "order", "description"],
                      "properties": {
                          "variable": {"type": "boolean"}, "code": {"type": "string"},
                          "datatype": {"enum": ["string", "number", "datetime", "text",
                                                "singlevaluelist", "multivaluelist"]},
                          "required": {"type": "boolean"},
                          "datatype_description": NULLABLE_TEXT,
                          "order": {"type": "integer", "minimum": 1},
                          "description": {"type": "string"},
                          "values": {"type": "array", "minItems": 1, "items": {
                              "type": "object", "additionalProperties": False,
                              "required": ["key", "name"],
                              "properties": {"key": {"type": "string"},
                                             "name": {"type": "string"}}}}}}}}}
W3C = {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$"}
POSTED = {"type": "array", "minItems": 1, "maxItems": 1, "items": {
    "type": "object", "additionalProperties": False,
    "required": ["service_request_id", "service_notice", "account_id"],
    "properties": {"service_request_id": {"type": "string"},
                   "service_notice": NULLABLE_TEXT, "account_id": NULLABLE_TEXT}}}
REQUESTS = {"type": "array", "items": {
    "type": "object", "additionalProperties": False,
    "required": ["service_request_id", "status", "status_notes", "service_name",
                 "service_code", "description", "agency_responsible", "service_notice",
                 "requested_datetime", "updated_datetime", "expected_datetime", "address",
                 "address_id", "zipcode", "lat", "long", "media_url"],
    "properties": {"service_request_id": {"type": "string"},
                   "status": {"enum": ["open", "closed"]}, "status_notes": NULLABLE_TEXT,
                   "service_name": {"type": "string"}, "service_code": {"type": "string"},
                   "description": NULLABLE_TEXT, "agency_responsible": NULLABLE_TEXT,
                   "service_notice": NULLABLE_TEXT, "requested_datetime": W3C,
                   "updated_datetime": W3C, "expected_datetime": {"anyOf": [W3C,
                                                                            {"type": "null"}]},
                   "address": NULLABLE_TEXT, "address_id": NULLABLE_TEXT,
                   "zipcode": NULLABLE_TEXT, "lat": {"type": ["number", "null"]},
                   "long": {"type": ["number", "null"]}, "media_url": NULLABLE_TEXT}}}
TOKEN = {"type": "array", "items": {
    "type": "object", "additionalProperties": False,
    "required": ["service_request_id", "token"],
    "properties": {"service_request_id": {"type": ["string", "null"]},
                   "token": {"type": "string"}}}}
ERRORS = {"type": "array", "minItems": 1, "items": {
    "type": "object", "additionalProperties": False, "required": ["code", "description"],
    "properties": {"code": {"type": "integer"}, "description": {"type": "string",
                                                                "minLength": 1}}}}
# the XML: the root, each item's element and the fields it has, in the spec's order
XML_FIELDS = {
    "services": ("service", list(SERVICES["items"]["required"])),  # type: ignore[index]
    "posted": ("request", ["service_request_id", "service_notice", "account_id"]),
    "service_requests": ("request", list(REQUESTS["items"]["required"])),  # type: ignore[index]
    "token": ("request", ["service_request_id", "token"]),
    "errors": ("error", ["code", "description"]),
}


# --- the world -------------------------------------------------------------------------


@pytest.fixture
def world(demo_world: World) -> World:
    return demo_world


@pytest.fixture
def client(engine: Engine, world: World, tmp_path: Path, clock: Clock) -> Iterator[TestClient]:
    with client_for(engine, tmp_path, clock) as client:
        yield client


@pytest.fixture
def api(client: TestClient) -> Api:
    return Api(client)


@pytest.fixture
def key(world: World) -> str:
    with unit_of_work(world.sessions) as session:
        return keys.add(session, "city-app", MONDAY, "430100")[1]


def as_json(answer: httpx.Response, schema: dict[str, Any], status: int = 200) -> Any:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/json; charset=utf-8"
    data = answer.json()
    jsonschema.validate(data, schema)
    return data


def as_xml(answer: httpx.Response, shape: str, status: int = 200) -> list[dict[str, str]]:
    """The items of a list answer in XML, after checking the declaration, the root, the
    items' element and their fields (every one, in the spec's order, and nothing else)."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "text/xml; charset=utf-8"
    assert answer.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    root = ET.fromstring(answer.content)
    item, fields = XML_FIELDS[shape]
    assert root.tag == ("service_requests" if shape in ("posted", "token") else shape)
    found = []
    for element in root:
        assert element.tag == item
        assert [child.tag for child in element] == fields
        assert all(len(child) == 0 for child in element)
        found.append({child.tag: child.text or "" for child in element})
    return found


def errors_of(answer: httpx.Response, status: int) -> list[str]:
    """The descriptions of a JSON error answer, checked against the spec's shape."""
    found = as_json(answer, ERRORS, status)
    assert {e["code"] for e in found} == {status}
    return [e["description"] for e in found]


def xml_errors(answer: httpx.Response, status: int) -> list[str]:
    found = as_xml(answer, "errors", status)
    assert found and {e["code"] for e in found} == {str(status)}
    return [e["description"] for e in found]


def post(client: TestClient, key: str | None, fmt: str = "json", **changes: str | None
         ) -> httpx.Response:
    form = {**FORM, **({"api_key": key} if key is not None else {}), **changes}
    return client.post(f"{DOOR}/requests.{fmt}",
                       data={k: v for k, v in form.items() if v is not None})


def tickets(world: World) -> int:
    with world.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Ticket)) or 0)


def personal(text: str) -> list[str]:
    return [p for p in (NAME, "王晓明", PHONE, EMAIL, "device-42", "acct-7") if p in text]


# --- service discovery ---------------------------------------------------------------------

STAMP = {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$"}
DISCOVERY = {"type": "object", "additionalProperties": False,
             "required": ["changeset", "contact", "key_service", "endpoints"], "properties": {
                 "changeset": STAMP, "contact": {"type": "string", "minLength": 1},
                 "key_service": {"type": "string", "minLength": 1},
                 "endpoints": {"type": "array", "minItems": 1, "items": {
                     "type": "object", "additionalProperties": False,
                     "required": ["specification", "url", "changeset", "type", "formats"],
                     "properties": {
                         "specification": {"type": "string"}, "url": {"type": "string"},
                         "changeset": STAMP, "type": {"enum": ["production", "test"]},
                         "formats": {"type": "array", "items": {"type": "string"}}}}}}}


def test_service_discovery_leads_a_client_to_the_door(client: TestClient) -> None:
    """/open311/discovery.{json,xml} (required of a GeoReport v2 server): a client that
    knows only it finds the v2 endpoint, its formats, whom to ask and how to get a key."""
    found = as_json(client.get("/open311/discovery.json"), DISCOVERY)
    endpoint, = found["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["type"] == "production"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    assert endpoint["url"].endswith(DOOR) and "12345" in found["contact"]
    services = client.get(endpoint["url"].removeprefix(str(client.base_url)) + "/services.json")
    assert services.status_code == 200 and services.json()
    answer = client.get("/open311/discovery.xml")
    assert answer.status_code == 200 and answer.content.startswith(
        b'<?xml version="1.0" encoding="utf-8"?>')
    root = ET.fromstring(answer.content)
    assert [c.tag for c in root] == ["changeset", "contact", "key_service", "endpoints"]
    endpoints, formats = root.find("endpoints"), root.find("endpoints/endpoint/formats")
    assert endpoints is not None and formats is not None
    element, = list(endpoints)
    assert [c.tag for c in element] == ["specification", "url", "changeset", "type", "formats"]
    assert [f.text for f in formats] == endpoint["formats"]
    assert element.findtext("url") == endpoint["url"]
    assert errors_of(client.get("/open311/discovery.html"), 404)


# --- services ------------------------------------------------------------------------------


def test_services_in_json_and_xml(client: TestClient) -> None:
    listed = as_json(client.get(f"{DOOR}/services.json"), SERVICES)
    offered = {c.code for c in in_force().categories.values() if c.open311}
    assert {s["service_code"] for s in listed} == offered
    stalls = next(s for s in listed if s["service_code"] == "0201")
    assert stalls == {"service_code": "0201", "service_name": "占道经营",
                      "description": "占用道路、人行道经营摆摊", "metadata": True,
                      "type": "realtime", "keywords": "摆摊, 占道, 流动摊贩", "group": "城市管理"}
    in_xml = as_xml(client.get(f"{DOOR}/services.xml"), "services")
    assert [s["service_code"] for s in in_xml] == [s["service_code"] for s in listed]
    assert next(s for s in in_xml if s["service_code"] == "0201") == {
        **{k: str(v) for k, v in stalls.items()}, "metadata": "true"}
    # the jurisdiction, when named, is the province's
    assert client.get(f"{DOOR}/services.json",
                      params={"jurisdiction_id": "430000"}).status_code == 200
    assert errors_of(client.get(f"{DOOR}/services.json",
                                params={"jurisdiction_id": "sfgov.org"}), 404)


def test_service_definitions_in_json_and_xml(client: TestClient) -> None:
    noise = as_json(client.get(f"{DOOR}/services/0204.json"), DEFINITION)
    assert noise["service_code"] == "0204"
    attrs = noise["attributes"]
    assert [(a["code"], a["datatype"], a["required"], a["order"]) for a in attrs] == [
        ("kind", "singlevaluelist", False, 1), ("urgency", "singlevaluelist", False, 2),
        ("region", "string", False, 3), ("noise_time", "singlevaluelist", True, 4),
        ("noise_source", "multivaluelist", False, 5)]
    assert {v["key"] for v in attrs[0]["values"]} == {"enquiry", "help", "complaint",
                                                     "suggestion", "praise"}
    assert "region" in attrs[2]["description"] or "行政区划" in attrs[2]["description"]
    assert attrs[2]["datatype_description"].startswith("6 位行政区划代码")
    # XML: <service_definition><service_code/><attributes><attribute>…<values><value>
    answer = client.get(f"{DOOR}/services/0204.xml")
    assert answer.headers["content-type"] == "text/xml; charset=utf-8"
    root = ET.fromstring(answer.content)
    assert root.tag == "service_definition"
    assert [c.tag for c in root] == ["service_code", "attributes"]
    attributes = root.find("attributes")
    assert attributes is not None
    assert [a.findtext("code") for a in attributes.findall("attribute")] == [
        a["code"] for a in attrs]
    first = attributes.findall("attribute")[0]
    assert [c.tag for c in first] == ["variable", "code", "datatype", "required",
                                      "datatype_description", "order", "description",
                                      "values"]
    assert (first.findtext("variable"), first.findtext("required")) == ("true", "false")
    assert [(v.findtext("key"), v.findtext("name")) for v in first.iter("value")][:2] == [
        ("enquiry", "咨询"), ("help", "求助")]
    assert attributes.findall("attribute")[2].find("values") is None  # a string: none
    floor = as_json(client.get(f"{DOOR}/services/0601.json"), DEFINITION)["attributes"][-1]
    assert (floor["code"], floor["datatype"]) == ("floor", "number")
    # an unknown service: 404, in either format; a class is no service either
    for code in ("9999", "02", "0102"):
        assert errors_of(client.get(f"{DOOR}/services/{code}.json"), 404)
        assert xml_errors(client.get(f"{DOOR}/services/{code}.xml"), 404)


# --- a request's life --------------------------------------------------------------------


def test_a_request_from_an_open311_client_through_the_centre(
        client: TestClient, api: Api, world: World, key: str, clock: Clock) -> None:
    posted = as_json(post(client, key), POSTED)[0]
    number = posted["service_request_id"]
    assert number.startswith("12345-430100-20261123-")  # the city's centre, today
    assert posted["account_id"] == "acct-7"
    assert "13 个工作日" in posted["service_notice"]  # the 投诉 limit of the data
    # the centre's operator sees it as an online request waiting to be taken
    mine = api.get("op_cs", "/api/v1/tickets", params={"status": "submitted"}).json()
    assert [t["number"] for t in mine] == [number]
    t = mine[0]
    assert (t["channel"], t["kind"], t["category"], t["region"], t["urgency"]) == (
        "open311", "complaint", "0201", "430102001", "normal")
    assert (t["caller_name"], t["caller_phone"]) == ("王晓明", PHONE)
    assert (t["lat"], t["long"], t["address"]) == (28.196, 112.98, FORM["address_string"])
    assert t["timeline"][0]["note"] == "经Open311 接入方（city-app）提交诉求"
    assert api.get("op_zz", f"/api/v1/tickets/{t['id']}").status_code == 404
    with world.sessions() as session:
        kept = session.get(Submission, t["id"])
        assert kept is not None
        assert (kept.email, kept.device_id, kept.media_url) == (EMAIL, "device-42",
                                                               FORM["media_url"])
        assert session.scalar(select(AuditRecord.actor).where(
            AuditRecord.action == "ticket_submit")) == "open311:city-app"

    def seen() -> dict[str, Any]:
        answer = client.get(f"{DOOR}/requests/{number}.json")
        found = as_json(answer, REQUESTS)
        assert len(found) == 1 and not personal(answer.text)
        in_xml = as_xml(client.get(f"{DOOR}/requests/{number}.xml"), "service_requests")
        assert len(in_xml) == 1 and in_xml[0]["service_request_id"] == number
        assert in_xml[0]["status"] == found[0]["status"]
        return found[0]  # type: ignore[no-any-return]

    r = seen()
    assert (r["status"], r["status_notes"], r["service_name"], r["service_code"]) == (
        "open", "待受理", "占道经营", "0201")
    assert r["agency_responsible"] == "长沙市 12345 政务服务便民热线"
    assert r["requested_datetime"] == "2026-11-23T10:00:00+08:00"
    assert r["expected_datetime"] is None  # not dispatched yet
    assert (r["lat"], r["long"], r["media_url"]) == (28.196, 112.98, FORM["media_url"])
    assert (r["address_id"], r["zipcode"]) == (None, None)
    # taken and dispatched as the 派单目录 suggests: the office is responsible, and the
    # reply deadline is expected
    clock.advance(hours=1)
    assert api.post("op_cs", f"/api/v1/tickets/{t['id']}/accept").status_code == 200
    clock.advance(minutes=5)
    assert api.post("op_cs", f"/api/v1/tickets/{t['id']}/dispatch", {}).status_code == 200
    r = seen()
    assert (r["status"], r["status_notes"]) == ("open", "已派单，待签收")
    assert r["agency_responsible"] == "芙蓉区城市管理和综合执法局"
    assert r["expected_datetime"] == "2026-12-11T00:00:00+08:00"  # 13 working days
    assert r["updated_datetime"] == "2026-11-23T11:05:00+08:00"
    for who, step, body in [("cg_furong", "sign", None),
                            ("cg_furong", "reply", {"text": "已清理占道摊点，将加强巡查"}),
                            ("op_cs", "approve", {})]:
        clock.advance(hours=2)
        answer = api.post(who, f"/api/v1/tickets/{t['id']}/{step}", body or {})
        assert answer.status_code == 200, answer.text
    r = seen()
    assert (r["status"], r["status_notes"]) == ("closed", "已办结，待回访")
    assert r["updated_datetime"] == "2026-11-23T17:05:00+08:00"
    assert "已清理" not in r["status_notes"]  # the reply is the caller's
    # not satisfied, the office's fault: 重办, open again
    api.post("op_cs", f"/api/v1/tickets/{t['id']}/callback",
             {"satisfaction": "unsatisfied", "fault": "office", "reason": "摊点又回来了"})
    r = seen()
    assert (r["status"], r["status_notes"]) == ("open", "办理中（重办）")


def test_posting_in_xml_and_the_tokens(client: TestClient, key: str) -> None:
    posted = as_xml(post(client, key, "xml", account_id=None, jurisdiction_id="430000"),
                    "posted")
    assert len(posted) == 1
    number = posted[0]["service_request_id"]
    assert posted[0]["account_id"] == "" and "工作日" in posted[0]["service_notice"]
    # ids are given at once; a token is the id, and answers as the spec says
    token = as_json(client.get(f"{DOOR}/tokens/{number}.json"), TOKEN)
    assert token == [{"service_request_id": number, "token": number}]
    assert as_xml(client.get(f"{DOOR}/tokens/{number}.xml"), "token") == [
        {"service_request_id": number, "token": number}]
    assert errors_of(client.get(f"{DOOR}/tokens/nope.json"), 404)
    assert xml_errors(client.get(f"{DOOR}/tokens/nope.xml"), 404)


def test_an_urgent_noise_report_with_its_own_attributes(
        client: TestClient, api: Api, key: str) -> None:
    posted = as_json(post(client, key, **{
        "service_code": "0204", "attribute[kind]": "help", "attribute[urgency]": "urgent",
        "attribute[noise_time]": "night", "attribute[noise_source][]": "construction",
        "attribute[region]": None}), POSTED)[0]
    assert "24 小时" in posted["service_notice"]
    # the multivaluelist with several values, sent as attribute[code][]
    several = urlencode([
        *[(k, v) for k, v in FORM.items() if k not in ("attribute[region]", "service_code")],
        ("api_key", key), ("service_code", "0204"), ("attribute[noise_time]", "day"),
        ("attribute[noise_source][]", "business"), ("attribute[noise_source][]", "traffic")])
    as_json(client.post(f"{DOOR}/requests.json", content=several, headers={
        "content-type": "application/x-www-form-urlencoded; charset=utf-8"}), POSTED)
    found = api.get("op_cs", "/api/v1/tickets").json()
    assert len(found) == 2
    first = next(t for t in found if t["number"] == posted["service_request_id"])
    # no region given: the key's (长沙市); the attributes no ticket field holds are written
    # into the description
    assert (first["region"], first["kind"], first["urgency"]) == ("430100", "help", "urgent")
    assert first["description"].endswith("【噪声主要出现的时段】夜间（22 时至次日 6 时）\n"
                                          "【噪声来源（可多选）】建筑施工")
    second = next(t for t in found if t is not first)
    assert second["description"].endswith("【噪声来源（可多选）】商业经营、交通")


# --- refusals ---------------------------------------------------------------------------


def test_a_missing_wrong_or_revoked_key_is_403(client: TestClient, world: World,
                                               key: str) -> None:
    for fmt in ("json", "xml"):
        for given in (None, "", "o311_not-a-key"):
            answer = post(client, given, fmt)
            said = errors_of(answer, 403) if fmt == "json" else xml_errors(answer, 403)
            assert "api_key" in said[0]
    with unit_of_work(world.sessions) as session:
        keys.revoke(session, "city-app", MONDAY)
    assert "吊销" in errors_of(post(client, key), 403)[0]
    assert tickets(world) == 0
    # the key is checked before anything else, even an unknown service
    assert errors_of(post(client, None, service_code="9999"), 403)


BAD: list[tuple[dict[str, str | None], str, int]] = [
    ({"service_code": ""}, "service_code", 400),
    ({"service_code": "9999"}, "没有代码为 9999 的服务", 404),
    ({"lat": None, "long": None, "address_string": None}, "address_string", 400),
    ({"lat": None, "long": None, "address_string": None, "address_id": "545483"},
     "address_id", 400),
    ({"long": None}, "long", 400),
    ({"lat": "39.9", "long": "116.4"}, "lat", 400),  # Beijing: outside the province
    ({"lat": "north"}, "lat", 400),
    ({"description": "  "}, "description", 400),
    ({"description": "长" * 4001}, "description", 400),
    ({"attribute[kind]": "report"}, "attribute[kind]", 400),  # 举报 is not offered here
    ({"attribute[region]": "110101"}, "attribute[region]", 400),
    ({"attribute[region]": "430299999"}, "attribute[region]", 400),
    ({"attribute[colour]": "red"}, "attribute[colour]", 400),
    ({"phone": "12345"}, "phone", 400),
    ({"email": "nobody"}, "email", 400),
    ({"media_url": "file:///etc/passwd"}, "media_url", 400),
    ({"address_string": "路" * 201}, "address_string", 400),
    ({"service_code": "0204"}, "attribute[noise_time]", 400),  # required attribute
    ({"jurisdiction_id": "sfgov.org"}, "jurisdiction_id", 404),
]


def test_bad_input_names_the_field_and_writes_nothing(client: TestClient, world: World,
                                                      key: str) -> None:
    for changes, field, status in BAD:
        for fmt in ("json", "xml"):
            answer = post(client, key, fmt, **changes)
            said = errors_of(answer, status) if fmt == "json" else xml_errors(answer, status)
            assert any(field in d for d in said), (changes, said)
    assert tickets(world) == 0
    with world.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Submission)) == 0


def test_unknown_ids_formats_and_paths_are_404(client: TestClient) -> None:
    assert errors_of(client.get(f"{DOOR}/requests/12345-430100-20261123-9.json"), 404)
    assert xml_errors(client.get(f"{DOOR}/requests/12345-430100-20261123-9.xml"), 404)
    assert errors_of(client.get(f"{DOOR}/services.yaml"), 404)
    assert errors_of(client.get(f"{DOOR}/discovery.json"), 404)
    assert xml_errors(client.get(f"{DOOR}/nothing/here.xml"), 404)
    # the door is not part of the /api/v1 document
    assert not [p for p in client.get("/openapi.json").json()["paths"] if "open311" in p]


def test_a_phone_call_is_not_published(client: TestClient, api: Api, key: str) -> None:
    """Only what came in through Open311 is answered; a caller's ticket taken by phone is
    not, even asked for by its number."""
    call = api.post("op_cs", "/api/v1/tickets", {
        "kind": "complaint", "category": "0201", "region": "430102001",
        "caller_name": "赵六", "caller_phone": "13800001111", "description": "电话诉求"})
    assert call.status_code == 201, call.text
    number = call.json()["number"]
    assert as_json(client.get(f"{DOOR}/requests.json"), REQUESTS) == []
    assert as_json(client.get(f"{DOOR}/requests.json",
                           params={"service_request_id": number}), REQUESTS) == []
    assert errors_of(client.get(f"{DOOR}/requests/{number}.json"), 404)
    # nor can a request sent with no phone be tracked with an empty one
    number = as_json(post(client, key, phone=None), POSTED)[0]["service_request_id"]
    assert client.post("/api/v1/tickets/tracking",
                       json={"number": number, "phone": ""}).status_code == 404


# --- GET requests: filters and defaults ----------------------------------------------------


def test_filters_and_the_spec_defaults(client: TestClient, api: Api, key: str, clock: Clock,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    old = as_json(post(client, key), POSTED)[0]["service_request_id"]
    clock.advance(days=100)
    food = as_json(post(client, key, service_code="0101"), POSTED)[0]["service_request_id"]
    clock.advance(hours=1)
    stalls = as_json(post(client, key), POSTED)[0]["service_request_id"]

    def listed(fmt: str = "json", **params: str) -> list[str]:
        answer = client.get(f"{DOOR}/requests.{fmt}", params=params)
        if fmt == "xml":
            return [r["service_request_id"] for r in as_xml(answer, "service_requests")]
        return [r["service_request_id"] for r in as_json(answer, REQUESTS)]

    # the default: the last 90 days, newest first
    assert listed() == [stalls, food] == listed("xml")
    assert listed(service_code="0101") == [food]
    assert listed(service_code="0101,0201") == [stalls, food]
    assert listed(status="closed") == []
    assert listed(status="open") == [stalls, food] == listed(status="open,closed")
    # a span of requested_datetime, at most 90 days
    assert listed(start_date="2026-11-01T00:00:00+08:00",
                  end_date="2026-12-01T00:00:00+08:00") == [old]
    assert listed(start_date="2026-11-23T00:00:00Z") == [old]  # 90 days from the start
    assert listed(end_date="2026-12-01T00:00:00+08:00") == [old]  # 90 days to the end
    # the ids override every other filter
    assert set(listed(service_request_id=f"{old},{food}", service_code="0204")) == {old, food}
    assert listed(service_request_id="nope") == []
    # the common paging extension
    assert listed(page_size="1") == [stalls] and listed(page_size="1", page="2") == [food]
    # at most MOST (1000) by default: here made 1
    monkeypatch.setattr(open311_service, "MOST", 1)
    assert listed() == [stalls]
    monkeypatch.undo()
    # the closed ones, once closed
    ticket = next(t for t in api.get("op_cs", "/api/v1/tickets").json()
                  if t["number"] == food)
    api.post("op_cs", f"/api/v1/tickets/{ticket['id']}/accept")
    api.post("op_cs", f"/api/v1/tickets/{ticket['id']}/transfer", {"line": "110"})
    assert listed(status="closed") == [food]
    notes = as_json(client.get(f"{DOOR}/requests/{food}.json"), REQUESTS)[0]["status_notes"]
    assert notes == "已转办：110 报警"
    for params, field in [({"status": "pending"}, "status"),
                          ({"start_date": "yesterday"}, "start_date"),
                          ({"end_date": "2026-12-01"}, "end_date"),  # no time zone
                          ({"start_date": "2026-01-01T00:00:00Z",
                            "end_date": "2026-12-01T00:00:00Z"}, "90"),
                          ({"start_date": "2026-12-01T00:00:00Z",
                            "end_date": "2026-11-01T00:00:00Z"}, "end_date"),
                          ({"page_size": "1001"}, "page_size")]:
        assert any(field in d for d in errors_of(
            client.get(f"{DOOR}/requests.json", params=params), 400)), params
        assert xml_errors(client.get(f"{DOOR}/requests.xml", params=params), 400)


# --- the data and the keys -------------------------------------------------------------


def test_bad_services_data_is_reported_at_its_line(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "services.yaml"
    bad.write_text(
        "attributes:\n"
        "  - code: kind\n"
        "    maps_to: kind\n"
        "    datatype: singlevaluelist\n"
        "    description: 类型\n"
        "    values:\n"
        "      - {key: theft, name: 盗窃}\n"
        "  - code: when\n"
        "    datatype: date\n"
        "    description: 时间\n"
        "services:\n"
        "  \"0102\":\n"
        "    description: 消费维权\n", encoding="utf-8")
    services, problems = read_services(bad, in_force().categories)
    assert services is None
    assert [(p.line, p.message.split("（")[0].split("，")[0]) for p in problems] == [
        (6, "theft 不是工单的 kind 取值"), (9, "datatype 应为 string、number、datetime、text、"
                                           "singlevaluelist、multivaluelist 之一"),
        (12, "0102 不是开放给 Open311 的末级诉求分类")]
    # beside the hotline's own data (ONETHING_HOTLINE_DATA), checked with it, and at start
    data = tmp_path / "hotline"
    shutil.copytree(DATA_DIR, data)
    shutil.copy(bad, data / "open311.yaml")
    assert main(["hotline", "validate", str(data)]) == 1
    said = capsys.readouterr().err
    assert f"{data / 'open311.yaml'}:6" in said and "Open311 服务数据无效：共 3 处问题" in said
    try:
        with pytest.raises(DataError):
            create_app(Settings(data_dir=tmp_path, hotline_data=str(data)))
    finally:  # the shipped data in force again for the tests after this one
        open311_data.configure(None, hotline_data.configure(None).categories)
    (data / "open311.yaml").unlink()  # none there: the shipped file
    assert main(["hotline", "validate", str(data)]) == 0
    assert "5 个 Open311 服务" in capsys.readouterr().out


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "onething.cli", *args], capture_output=True,
                          text=True, env={**os.environ, **env}, timeout=120)


def test_keys_through_the_command_line(tmp_path: Path) -> None:
    env = {"ONETHING_DATA_DIR": str(tmp_path), "ONETHING_DATABASE_URL": ""}
    made = cli("open311", "key", "add", "city-app", env=env)
    assert made.returncode == 0, made.stderr
    raw = made.stdout.strip().splitlines()[-1]
    assert raw.startswith("o311_") and len(raw) > 40
    again = cli("open311", "key", "add", "city-app", env=env)
    assert again.returncode == 1 and "已有名为 city-app" in again.stderr
    assert "行政区划" in cli("open311", "key", "add", "x", "--region", "999999",
                         env=env).stderr
    listed = cli("open311", "key", "list", env=env)
    assert listed.stdout.startswith("city-app\t—\t") and "有效" in listed.stdout
    assert raw not in listed.stdout  # stored hashed, never shown again
    revoked = cli("open311", "key", "revoke", "city-app", env=env)
    assert revoked.returncode == 0 and "已吊销" in revoked.stdout
    assert "已吊销" in cli("open311", "key", "list", env=env).stdout
    assert cli("open311", "key", "revoke", "city-app", env=env).returncode == 1
    assert cli("open311", "key", "revoke", "nobody", env=env).returncode == 1


# --- an existing client against a real server ---------------------------------------------


def test_an_existing_open311_client_against_onething_serve(tmp_path: Path) -> None:
    """`georeport` (a published GeoReport v2 client, which reads) and plain form posts (as
    every Open311 client posts) against `onething serve --demo`."""
    georeport = pytest.importorskip("georeport")
    env = {"ONETHING_DATA_DIR": str(tmp_path), "ONETHING_DATABASE_URL": ""}
    with Served(tmp_path) as served:
        made = cli("open311", "key", "add", "city-app", "--region", "430102", env=env)
        assert made.returncode == 0, made.stderr
        raw = made.stdout.strip().splitlines()[-1]
        for fmt in ("json", "xml"):
            client = georeport.GeoReport(f"{served.url}{DOOR}", api_key=raw,
                                         output_format=fmt)
            services = client.get_service_list()
            assert "0201" in [s["service_code"] for s in services]
            definition = client.get_service_definition("0204")
            attributes = definition["attributes"]
            if fmt == "xml":
                attributes = attributes["attribute"]
            assert [a["code"] for a in attributes][:3] == ["kind", "urgency", "region"]
            answer = httpx.post(f"{served.url}{DOOR}/requests.{fmt}", data={
                **FORM, "attribute[region]": "", "api_key": raw})
            assert answer.status_code == 200, answer.text
            number = (answer.json()[0]["service_request_id"] if fmt == "json" else
                      ET.fromstring(answer.content).findtext("request/service_request_id"))
            one = client.get_service_request(number)
            assert (one["service_request_id"], one["status"]) == (number, "open")
            assert one["service_code"] == "0201"
            listed = client.get_service_requests(service_request_id=number)
            if fmt == "xml":
                assert listed["service_request_id"] == number  # one: no list in xmltodict
            else:
                assert [r["service_request_id"] for r in listed] == [number]
            assert client.get_service_requests(status="open")


def test_a_merged_duplicate_reads_open_until_its_parent_ends() -> None:
    import datetime as dt

    from onething.hotline.rules import Status
    from onething.open311.rules import status_of

    assert status_of(Status.merged) == "open"
    assert status_of(Status.merged, dt.datetime(2026, 11, 30, tzinfo=dt.UTC)) == "closed"
    assert status_of(Status.handling) == "open" and status_of(Status.closed) == "closed"
