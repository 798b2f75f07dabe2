"""The guide pages, server-rendered in Chinese, working without JavaScript."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from onething.kernel.db import session_factory
from world import build_world, client_for

FULL = "premises=rented&sells_food=true&sells_tobacco=true&shop_area=500&extras=sign"


@pytest.fixture
def client(sqlite_engine: Engine, basic_dir: Path, tmp_path: Path) -> Iterator[TestClient]:
    build_world(session_factory(sqlite_engine), basic_dir, tmp_path / "files", people=[])
    with client_for(sqlite_engine, clock=None) as c:
        yield c


def test_bundle_list_with_search(client: TestClient) -> None:
    page = client.get("/bundles")
    assert page.status_code == 200
    assert "我要开便利店" in page.text and "快速开店" in page.text
    assert 'lang="zh-CN"' in page.text
    found = client.get("/bundles", params={"q": "便利店"}).text
    assert "我要开便利店" in found and "快速开店" not in found
    none = client.get("/bundles", params={"q": "火箭发射"}).text
    assert "没有找到" in none
    assert client.get("/").status_code == 200


def test_bundle_page_asks_the_questions(client: TestClient) -> None:
    page = client.get("/bundles/STORE").text
    assert "经营场所是自有还是租赁？" in page
    assert 'name="premises" value="rented"' in page
    assert 'type="checkbox" name="extras" value="sign"' in page
    assert 'action="/bundles/STORE/guide"' in page


def test_guide_page_shows_what_to_do_and_bring(client: TestClient) -> None:
    response = client.get(f"/bundles/STORE/guide?{FULL}")
    assert response.status_code == 200, response.text
    page = response.text
    for text in ("营业执照（设立登记）", "烟草专卖局", "需要提交的材料（3 份）",
                 "无需提交的材料（3 份）", "前序事项自动生成", "告知承诺代替", "关键材料",
                 "18 个工作日", "需填写 4 项信息", "不收费",
                 # rented premises: the published baseline (31 materials, not the 12 counted
                 # item by item), marked and with its source
                 "原需 31 份", "减少 90%", "改革前数据来源：", "提交材料 12 份"):
        assert text in page, text
    assert "即办" in page  # SIGN is an immediate item
    owned = client.get(f"/bundles/STORE/guide?{FULL.replace('rented', 'owned')}").text
    assert "原需 10 份" in owned and "改革前数据来源" not in owned  # computed, no source


def test_guide_page_with_a_held_licence(client: TestClient) -> None:
    page = client.get(f"/bundles/STORE/guide?{FULL}&licence=ID_CARD").text
    assert "需要提交的材料（2 份）" in page and "已持有电子证照" in page
    again = client.get(f"/bundles/STORE/guide?{FULL}").text  # kept bodies differ by licence
    assert "需要提交的材料（3 份）" in again and "已持有电子证照" not in again


def test_bad_answers_come_back_to_the_questions(client: TestClient) -> None:
    response = client.get("/bundles/STORE/guide?premises=tent&shop_area=big")
    assert response.status_code == 422
    page = response.text
    assert "请检查以下 3 处回答" in page
    assert "不在可选项" in page and "请回答情形“是否销售食品？”" in page
    assert 'value="big"' in page  # what was typed is kept


def test_change_answers_link_keeps_the_answers(client: TestClient) -> None:
    page = client.get(f"/bundles/STORE/guide?{FULL}").text
    assert "/bundles/STORE?premises=rented&amp;sells_food=true" in page
    again = client.get("/bundles/STORE?premises=rented&sells_food=true").text
    assert 'value="rented" checked' in again


def test_item_page(client: TestClient) -> None:
    page = client.get("/items/FOOD").text
    assert "食品经营许可" in page and "20 个工作日" in page and "食品经营许可证" in page


def test_unknown_pages_are_chinese_404s(client: TestClient) -> None:
    for path in ("/bundles/NOPE", "/bundles/NOPE/guide", "/items/NOPE", "/nowhere"):
        response = client.get(path)
        assert response.status_code == 404
        assert "找不到页面" in response.text and "Not Found" not in response.text
        assert response.headers["content-type"].startswith("text/html")


def test_large_text_mode(client: TestClient) -> None:
    response = client.get("/prefs/large-text?on=1&next=/bundles/STORE", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/bundles/STORE"
    assert 'class="large-text"' in client.get("/bundles/STORE").text
    outside = client.get("/prefs/large-text?on=0&next=//evil.example", follow_redirects=False)
    assert outside.headers["location"] == "/"
