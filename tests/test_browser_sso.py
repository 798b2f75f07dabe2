"""单点登录 in headless Chromium: `onething serve --demo` with a real OpenID provider
(tests/oidc); the demo's 张三 signs in there (linked by the ID number the provider verified),
signs out of both, then the demo's window clerk signs in to the workbench; on SQLite and on
PostgreSQL. Screenshots of the login page with its button at desktop and phone width."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import _fresh_postgres
from oidc_provider import OpenIdProvider
from served import Served, free_port
from test_browser import _both, _shots, launch_chromium

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    yield from launch_chromium()


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def sites(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[tuple[str, str]]:
    """The served site on each database and its provider (which must know the site's
    address first)."""
    with contextlib.ExitStack() as stack:
        url = "" if request.param == "sqlite" else stack.enter_context(
            _fresh_postgres(request.getfixturevalue("postgres_server")))
        port = free_port()
        served = Served(tmp_path_factory.mktemp("sso"), url)
        served.env.update(OpenIdProvider(served.data, [], port).env())
        with served, OpenIdProvider(served.data, [served.url], port) as provider:
            yield served.url, provider.issuer


def _at_provider(page: Any, account: str) -> None:
    page.fill("input[name=login]", account)
    page.click("#op-login")


def test_citizen_and_staff_sign_in_and_out_in_chromium(
        sites: tuple[str, str], browser: Any, tmp_path: Path) -> None:
    server, issuer = sites
    shots = _shots(tmp_path)
    page = browser.new_context(java_script_enabled=False, locale="zh-CN").new_page()
    page.goto(f"{server}/login")
    assert page.is_visible("#sso-login")
    _both(page, shots, "login-sso")

    page.click("#sso-login")
    assert page.url.startswith(issuer)
    _at_provider(page, "c-zhang")
    assert page.url == f"{server}/my/applications"
    assert "张三" in page.inner_text("header")

    page.click("form[action='/logout'] button")
    assert page.url.startswith(issuer + "/session/end")
    page.click("#op-logout")  # the provider ends its session too, and sends them back
    assert page.url == f"{server}/"

    page.goto(f"{server}/login?next=/workbench")
    page.click("#sso-login")
    _at_provider(page, "s-chuangkou")  # asked again: the provider's session has ended
    assert page.url == f"{server}/workbench"
