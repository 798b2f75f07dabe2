"""A citizen finds a bundle, answers the questions and reads the guide, in headless Chromium,
against the service running as it runs in production (`onething serve`)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conftest import IN_CI

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, basic_dir: Path) -> Iterator[str]:
    data = tmp_path_factory.mktemp("serve")
    port = _port()
    env = {**os.environ, "ONETHING_DATA_DIR": str(data), "ONETHING_DATABASE_URL": ""}
    process = subprocess.Popen(
        [sys.executable, "-m", "onething.cli", "serve", "--catalog", str(basic_dir),
         "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the service did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if CHROMIUM is None:
        if IN_CI:
            pytest.fail("chromium is not installed (scripts/ensure-chromium installs it)")
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def test_citizen_reads_a_guide_on_a_phone(server: str, browser: object,
                                          tmp_path: Path) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844},  # type: ignore[attr-defined]
                                  java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{server}/bundles")
    page.fill("input[name=q]", "便利店")
    page.click("form.search button")
    page.click("text=我要开便利店")
    assert page.url.endswith("/bundles/STORE")

    page.check("input[name=premises][value=rented]")
    page.check("input[name=sells_food][value=true]")
    page.check("input[name=sells_tobacco][value=true]")
    page.fill("input[name=shop_area]", "500")
    page.check("input[name=extras][value=sign]")
    page.click("text=生成我的办事指南")

    assert "/bundles/STORE/guide" in page.url
    assert page.locator("h1").inner_text() == "我要开便利店 · 我的办事指南"
    assert page.locator("#bring").inner_text() == "需要提交的材料（3 份）"
    assert page.locator(".figure").count() == 6
    assert "18 个工作日" in page.locator("#summary + dl").inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the guide must fit a phone screen without sideways scrolling"
    page.screenshot(path=str(tmp_path / "guide-phone.png"), full_page=True)

    page.click("text=修改情形")
    assert page.is_checked("input[name=premises][value=rented]")
    page.check("input[name=premises][value=owned]")
    page.fill("input[name=shop_area]", "")
    page.click("text=生成我的办事指南")
    assert "请检查以下 1 处回答" in page.inner_text(".alert")
    context.close()


def test_print_hides_navigation(server: str, browser: object) -> None:
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(f"{server}/bundles/FAST/guide")
    page.emulate_media(media="print")
    assert not page.is_visible("header.site nav")
    assert page.is_visible("#bring")
    page.close()
