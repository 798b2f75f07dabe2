"""Every page route fuzzed: its path parameters, its query and (POST) its form, with a valid
CSRF token (so the request passes the door) or without, as an applicant, a window clerk, a
department approver, a supervisor and nobody, on SQLite and PostgreSQL. Whatever is sent:
never a 5xx, and every refusal a page in Chinese. Deterministic (derandomized Hypothesis);
the API has its own fuzz from the OpenAPI document (test_fuzz.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import _fresh_postgres
from onething.app import create_app
from onething.kernel.config import Settings
from onething.web.session import COOKIE
from samples import PDF
from world import World, accepted, client_for, submitted, world_at

ROLES = [None, "zhang", "clerk_furong", "scjg_furong", "supervisor_cs"]
EXAMPLES = 10  # per route; each example is sent by every role

# Form names the pages read (templates and web/cases.py), and a few of the catalog's.
FORM_NAMES = [
    "action", "applicant", "application_id", "comment", "decision", "idempotency_key",
    "justified", "level", "method", "next", "note", "notice", "password", "procedure",
    "reason", "region", "supplement_days", "text", "tracking_number", "username", "version",
    "answer.premises", "answer.sells_food", "answer.shop_area", "answer.extras",
    "answer.extras__present", "field.applicant_name", "field.id_number", "choice.ID_CARD",
    "kept.ID_CARD", "indicator.attitude", "x" * 300,
]
QUERY_NAMES = ["q", "audience", "status", "next", "on", "expired", "region", "department",
               "bundle", "month", "premises", "shop_area", "licence", "company", "offset"]

NASTY = st.sampled_from([
    "", "0", "-1", "1", "2", "9" * 30, str(2**63), "1e309", "NaN", "１２", "²", "true", "false",
    "owned", "accept", "approve", "return", "refuse", "suspend", "electronic", "window",
    "430102", "STORE", "REG", "zhang", "proxy1", "11010519491231002X", "13812345678",
    "2026-02-30", "2026-13", "\x00", "\u202e\u2066", "'; DROP TABLE users; --",
    "<script>alert(1)</script>", "../../etc/passwd", "%ZZ", "a" * 5000, "张三",
])
TEXT = st.one_of(NASTY, st.text(max_size=40))
IDS = st.one_of(st.sampled_from([str(2**63), str(2**64 + 1), "9" * 30, "0", "-1", "1"]),
                st.integers(min_value=-5, max_value=2**70).map(str), NASTY)


@dataclass(frozen=True)
class PageRoute:
    method: str
    path: str
    ids: frozenset[str]  # the path parameters that are record ids
    query: tuple[str, ...]  # the query parameters the route declares

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def page_routes(app: Any) -> list[PageRoute]:
    found = []
    for route in iter_route_contexts(app.routes):
        original = route.original_route
        # the Open311 door answers JSON or XML, not pages: tests/test_open311.py
        if str(route.path).startswith(("/api/", "/open311/")) or not isinstance(
                original, APIRoute):
            continue
        dependant = original.dependant
        ids = frozenset(p.name for p in dependant.path_params if p.field_info.annotation is int)
        query = tuple(p.name for p in dependant.query_params)
        found += [PageRoute(m, str(route.path), ids, query)
                  for m in sorted(route.methods or ()) if m != "HEAD"]
    return found


ROUTES = page_routes(create_app(Settings(data_dir=Path("var"))))


@dataclass
class Site:
    client: TestClient
    sessions: dict[str, tuple[str, str]]  # username → (cookie secret, CSRF token)
    world: World

    def sign_in(self, username: str | None, fresh: bool) -> str:
        """Sets the session cookie of `username` (a fresh one when asked); its CSRF token."""
        self.client.cookies.clear()
        if username is None:
            return ""
        if fresh or username not in self.sessions:
            self.sessions[username] = self.world.web_session(username)
        secret, csrf = self.sessions[username]
        self.client.cookies.set(COOKIE, secret)
        return csrf


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
         basic_dir: Path) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("page-fuzz")
    with ExitStack() as stack:
        url = f"sqlite:///{root / 'onething.db'}"
        if request.param == "postgresql":
            url = stack.enter_context(_fresh_postgres(request.getfixturevalue("postgres_server")))
        yield from _site(url, root, basic_dir)


def _site(url: str, root: Path, basic_dir: Path) -> Iterator[Site]:
    engine, world = world_at(url, root, basic_dir)
    for who in ("zhang", "li"):
        submitted(world, who)
        accepted(world, who)
    # every caller comes from one address: wrong rating codes must not lock it here
    # (the lock has its own test)
    with client_for(engine, root, rating_code_max_failures=10**6) as client:
        yield Site(client, {}, world)
    engine.dispose()


def _url(route: PageRoute, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: quote(values[m[1]], safe=""), route.path)


@st.composite
def requests(draw: Any, route: PageRoute) -> dict[str, Any]:
    names = re.findall(r"\{(\w+)(?::\w+)?\}", route.path)
    path = {n: draw(IDS if n in route.ids else TEXT) for n in names}
    query_names = st.sampled_from(list(route.query) + QUERY_NAMES)
    query = draw(st.lists(st.tuples(query_names, TEXT), max_size=6))
    asked: dict[str, Any] = {"url": _url(route, path), "params": query}
    if route.method == "POST":
        form = draw(st.dictionaries(st.sampled_from(FORM_NAMES), TEXT, max_size=10))
        asked["data"] = form
        asked["valid_csrf"] = draw(st.booleans()) or draw(st.booleans())  # 3 in 4
        if draw(st.integers(0, 3)) == 0:
            asked["files"] = {"material.ID_CARD": ("a\u202e.pdf", PDF + draw(st.binary(
                max_size=64)), "application/pdf")}
    return asked


def _check(route: PageRoute, who: str | None, response: Any) -> None:
    where = f"{route} as {who or 'anonymous'}: {response.request.url}"
    assert response.status_code < 500, f"{where}: {response.status_code} {response.text[:300]}"
    if response.status_code >= 400:
        kind = response.headers.get("content-type", "")
        assert kind.startswith("text/html"), f"{where}: a refusal as {kind}"
        assert re.search(r"[\u4e00-\u9fff]", response.text), f"{where}: no Chinese"
        assert "Traceback" not in response.text, where


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_page_fuzz(site: Site, route: PageRoute) -> None:
    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(asked=requests(route))
    def run(asked: dict[str, Any]) -> None:
        for who in ROLES:
            csrf = site.sign_in(who, fresh=route.path in ("/logout", "/login"))
            data = asked.get("data")
            if data is not None and asked.get("valid_csrf"):
                data = {**data, "csrf_token": csrf}
            response = site.client.request(
                route.method, asked["url"], params=asked["params"], data=data,
                files=asked.get("files"), follow_redirects=False)
            _check(route, who, response)

    run()
