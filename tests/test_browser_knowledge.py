"""知识库 in headless Chromium, against `onething serve` with the demo catalog: 长沙市's
市场监管 approver writes an article on its form and publishes it; anyone finds it on the
常见问题 page by words, without JavaScript; screenshots at desktop and phone width. The
document library (文件库) the demo imports, searched and read the same way."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from served import Served
from test_browser import _as, _shots, launch_chromium

pytestmark = pytest.mark.browser

APPROVER = "scjg_430100"
OTHERS = [
    {"question": "个体工商户营业执照遗失了怎么补办？",
     "answer": "可在国家企业信用信息公示系统发布遗失公告后，持身份证到登记机关申请补领。\n"
               "也可以在湖南政务服务网在线申请，电子营业执照与纸质执照具有同等法律效力。",
     "department": "SCJG", "region": "430100", "source_title": "市场主体登记管理条例实施细则",
     "source_number": "国家市场监督管理总局令第52号", "source_url": "https://www.samr.gov.cn/"},
    {"question": "政务服务大厅的营业时间？",
     "answer": "工作日上午 9:00—12:00，下午 13:30—17:00；法定节假日休息。",
     "department": "SCJG", "region": "430100"},
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    yield from launch_chromium()


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory, demo_dir: Path) -> Iterator[str]:
    served = Served(tmp_path_factory.mktemp("knowledge"), catalog=demo_dir)
    served.cli("catalog", "load", str(demo_dir), check=True, timeout=300)
    with served:
        yield served.url


def _publish(server: str, body: dict[str, Any]) -> None:
    token = httpx.post(f"{server}/api/v1/auth/token",
                       data={"username": APPROVER, "password": "Onething2026"}).json()
    me = {"Authorization": f"Bearer {token['access_token']}"}
    made = httpx.post(f"{server}/api/v1/knowledge/articles", headers=me, json=body)
    assert made.status_code == 201, made.text
    httpx.post(f"{server}/api/v1/knowledge/articles/{made.json()['id']}/publication",
               headers=me).raise_for_status()


def test_write_publish_and_find_in_chromium(demo_server: str, browser: object,
                                            tmp_path: Path) -> None:
    shots = _shots(tmp_path)
    page: Any = _as(browser, demo_server, APPROVER)
    page.goto(f"{demo_server}/knowledge/new")
    page.fill("input[name=question]", "办理营业执照需要什么材料？")
    page.fill("textarea[name=answer]", "个体工商户办理营业执照，需提交：\n1. 经营者身份证明；\n"
                                       "2. 经营场所使用证明；\n3. 个体工商户登记申请书。")
    page.select_option("select[name=region]", "430100")
    page.fill("input[name=source_title]", "市场主体登记管理条例")
    page.fill("input[name=source_number]", "国务院令第746号")
    page.fill("input[name=review_on]", "2027-06-30")
    page.click("#article-form button[type=submit]")
    assert "草稿" in page.inner_text("main")
    page.click("#do-publish")
    main = page.inner_text("main")
    assert "已发布" in main and "历史版本" in main
    for width, suffix in ((1280, "desktop"), (390, "phone")):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(shots / f"knowledge-edit-{suffix}.png"), full_page=True)
    for body in OTHERS:
        _publish(demo_server, body)

    public = browser.new_context(java_script_enabled=False, locale="zh-CN")  # type: ignore[attr-defined]
    faq = public.new_page()
    for width, height, suffix in ((1280, 900, "desktop"), (390, 844, "phone")):
        faq.set_viewport_size({"width": width, "height": height})
        faq.goto(f"{demo_server}/faq")
        faq.fill("input[name=q]", "营业执照")
        faq.click("form.search button[type=submit]")
        text = faq.inner_text("main")
        assert "办理营业执照需要什么材料" in text and "营业执照遗失" in text
        assert "营业时间" not in text  # 营业 in another sense
        faq.screenshot(path=str(shots / f"faq-{suffix}.png"), full_page=True)
        if suffix == "phone":
            scroll = faq.evaluate("document.documentElement.scrollWidth")
            assert scroll <= 390, "the FAQ must fit a phone without sideways scrolling"
    public.close()


def test_the_document_library_in_chromium(demo_server: str, browser: object,
                                          tmp_path: Path) -> None:
    """文件库 (imported by `serve --demo`), without JavaScript: a search by words with a
    filter, a repealed document's banner and the link to the document that replaced it."""
    shots = _shots(tmp_path)
    public = browser.new_context(java_script_enabled=False, locale="zh-CN")  # type: ignore[attr-defined]
    page = public.new_page()
    page.goto(f"{demo_server}/library")
    page.fill("input[name=q]", "婚姻登记")
    page.select_option("select[name=status]", "repealed")
    page.click("#library-search button[type=submit]")
    assert "共 1 件" in page.inner_text("#library-count")
    page.click("#library-list h2 a")
    assert "已废止" in page.inner_text("#doc-banner")
    page.click("#doc-banner a")
    assert "现行有效" in page.inner_text("#doc-banner")
    assert "湘民发〔2023〕6号" in page.inner_text("main")
    for width, suffix in ((1280, "desktop"), (390, "phone")):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(shots / f"library-{suffix}.png"), full_page=True)
        if suffix == "phone":
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
    public.close()
