"""The catalog and guide API: lists, details, guides, problem+json refusals, OpenAPI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from onething.guide.schemas import GuideOut
from onething.kernel.db import session_factory
from samples import FULL
from world import build_world, client_for


@pytest.fixture
def client(engine: Engine, basic_dir: Path, tmp_path: Path) -> Iterator[TestClient]:
    build_world(session_factory(engine), basic_dir, tmp_path / "files", people=[])
    with client_for(engine, clock=None) as c:
        yield c


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["code"] == code and body["title"]
    return body


def test_guide_through_http(client: TestClient) -> None:
    response = client.post("/api/v1/bundles/STORE/guide", json={"answers": FULL})
    assert response.status_code == 200, response.text
    guide = response.json()
    GuideOut.model_validate(guide)  # the documented schema matches what is sent
    assert guide["bundle"] == "STORE"
    assert guide["promised_days"] == 18
    assert guide["effect"]["after"]["materials"] == 3
    effect = guide["effect"]  # rented: the published figures, the computed ones kept
    assert effect["before"]["materials"] == 31 and effect["computed_before"]["materials"] == 12
    assert effect["baseline"]["published"] == ["applications", "materials", "days"]
    assert effect["baseline"]["source"].startswith("某市人民政府")
    assert {m["code"]: m["status"] for m in guide["materials"]}["BL_COPY"] == "produced"
    held = client.post("/api/v1/bundles/STORE/guide",
                       json={"answers": FULL, "licences": ["ID_CARD"]}).json()
    assert {m["code"]: m["status"] for m in held["materials"]}["ID_CARD"] == "licence"


def test_guide_refusals_name_the_question(client: TestClient) -> None:
    body = assert_problem(
        client.post("/api/v1/bundles/STORE/guide",
                    json={"answers": {**FULL, "premises": "tent", "colour": 1}}),
        422, "invalid_answers")
    fields = {e["field"] for e in body["errors"]}
    assert fields == {"answers.premises", "answers.colour"}
    assert_problem(client.post("/api/v1/bundles/NOPE/guide", json={"answers": {}}), 404,
                   "bundle_not_found")
    body = assert_problem(client.post("/api/v1/bundles/STORE/guide", json={"answers": [1]}),
                          422, "invalid_request")
    assert body["errors"][0]["field"] == "body.answers"
    broken = client.post("/api/v1/bundles/STORE/guide", content=b"{not json",
                         headers={"content-type": "application/json"})
    assert_problem(broken, 422, "invalid_request")


def test_bundle_list_paginates_and_searches(client: TestClient) -> None:
    page = client.get("/api/v1/bundles", params={"limit": 1}).json()
    assert page["total"] == 2 and len(page["items"]) == 1 and page["next_offset"] == 1
    rest = client.get("/api/v1/bundles", params={"limit": 1, "offset": 1}).json()
    assert rest["next_offset"] is None
    assert {page["items"][0]["code"], rest["items"][0]["code"]} == {"STORE", "FAST"}
    found = client.get("/api/v1/bundles", params={"q": "便利店"}).json()
    assert [b["code"] for b in found["items"]] == ["STORE"]
    companies = client.get("/api/v1/bundles", params={"audience": "company"}).json()
    assert [b["code"] for b in companies["items"]] == ["FAST"]
    def offered(region: str) -> set[str]:
        page = client.get("/api/v1/bundles", params={"region": region}).json()
        return {b["code"] for b in page["items"]}

    assert offered("430102") == {"STORE", "FAST"}  # 芙蓉区 is below 长沙市
    assert offered("430200") == {"STORE"}
    assert_problem(client.get("/api/v1/bundles", params={"limit": 0}), 422, "invalid_request")
    assert_problem(client.get("/api/v1/bundles", params={"audience": "alien"}), 422,
                   "invalid_request")


def test_bundle_detail(client: TestClient) -> None:
    bundle = client.get("/api/v1/bundles/STORE").json()
    assert bundle["name"] == "我要开便利店"
    assert [q["code"] for q in bundle["questions"]] == ["premises", "sells_food",
                                                        "sells_tobacco", "shop_area", "extras"]
    assert bundle["questions"][0]["options"] == {"owned": "自有房产", "rented": "租赁"}
    assert [[i["code"] for i in s["items"]] for s in bundle["stages"]] == [
        ["REG"], ["FOOD", "TOBACCO", "SIGN"], ["FIRE"]]
    assert_problem(client.get("/api/v1/bundles/NOPE"), 404, "bundle_not_found")


def test_items_list_and_detail(client: TestClient) -> None:
    page = client.get("/api/v1/items", params={"department": "SCJG"}).json()
    assert [i["code"] for i in page["items"]] == ["FOOD", "REG"]
    item = client.get("/api/v1/items/SIGN").json()
    assert item["immediate"] and item["promised_days"] == 0
    assert item["bundles"] == ["FAST", "STORE"] or set(item["bundles"]) == {"FAST", "STORE"}
    food = client.get("/api/v1/items/FOOD").json()
    assert food["result"]["licence_type"] == "FOOD_PERMIT"
    assert {m["code"]: m["key"] for m in food["materials"]}["BL_COPY"] is True
    assert_problem(client.get("/api/v1/items/NOPE"), 404, "item_not_found")
    assert_problem(client.get("/api/v1/items", params={"level": "galaxy"}), 422,
                   "invalid_request")


def test_openapi_document(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in ("/api/v1/bundles", "/api/v1/bundles/{code}", "/api/v1/bundles/{code}/guide",
                 "/api/v1/items", "/api/v1/items/{code}"):
        assert path in spec["paths"]
    # the document is the API's: the pages (answered in HTML) are not in it
    assert [p for p in spec["paths"] if not p.startswith("/api/v1/")] == []


def test_unknown_api_path_is_a_problem(client: TestClient) -> None:
    assert_problem(client.get("/api/v1/nothing"), 404, "not_found")
    assert_problem(client.delete("/api/v1/bundles"), 405, "method_not_allowed")


def test_without_a_catalog_the_api_says_so(engine: Engine) -> None:
    with client_for(engine, clock=None) as client:
        assert_problem(client.get("/api/v1/bundles"), 503, "catalog_not_loaded")


@pytest.mark.parametrize("value", [10**30, 1e300, "\udcff", True])
def test_hostile_answers_are_refused_not_crashed(client: TestClient, value: object) -> None:
    import json as _json

    body = _json.dumps({"answers": {**FULL, "shop_area": value}}).encode("utf-8", "surrogatepass")
    response = client.post("/api/v1/bundles/STORE/guide", content=body,
                           headers={"content-type": "application/json"})
    assert 400 <= response.status_code < 500, response.text


def test_decimal_answers_work_where_integers_do(client: TestClient) -> None:
    for area in (300, 300.5, 301):
        response = client.post("/api/v1/bundles/STORE/guide",
                               json={"answers": {**FULL, "shop_area": area}})
        assert response.status_code == 200, response.text
        assert ("FIRE" in {i["code"] for i in response.json()["items"]}) == (area > 300)


def test_english_defaults_never_reach_people(client: TestClient) -> None:
    body = client.get("/api/v1/nowhere").json()
    assert "Not Found" not in str(body)
    broken = client.post("/api/v1/bundles/STORE/guide", content=b"{",
                         headers={"content-type": "application/json"}).json()
    assert "Expecting" not in str(broken) and "不是合法的 JSON" in str(broken)


def test_a_busy_database_answers_503_never_500(client: TestClient,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from onething.catalog import browse

    def busy(*args: object, **kwargs: object) -> None:
        raise OperationalError("SELECT", None, sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr(browse, "search_bundles", busy)
    response = client.get("/api/v1/bundles")
    assert response.status_code == 503 and response.headers["retry-after"] == "1"
    assert response.json()["code"] == "busy"
