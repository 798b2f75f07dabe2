"""The route index chooses, for every path of the platform, the route the full walk over
every route would choose; what it does not know (a 404, a 405, a trailing slash) is still
answered as before."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from starlette.routing import Match

from onething.app import create_app
from onething.http.routing import RouteIndex
from onething.kernel.config import Settings


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    data = tmp_path_factory.mktemp("routing")
    return create_app(Settings(data_dir=data, database_url=f"sqlite:///{data / 'x.db'}"))


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "7", path)


def _every_path(app: Any) -> Iterator[tuple[str, str]]:
    for context in iter_route_contexts(app.routes):
        path = getattr(context, "path", None)
        if not isinstance(path, str) or not path.startswith("/"):
            continue
        for method in sorted(getattr(context, "methods", None) or {"GET"}):
            yield method, _concrete(path)
    yield "GET", "/static/site.css"


def _scope(method: str, path: str) -> dict[str, Any]:
    return {"type": "http", "method": method, "path": path, "root_path": "",
            "query_string": b"", "headers": [], "app": None}


def _walk(index: RouteIndex, method: str, path: str) -> Any:
    """The first entry that matches in full, trying every entry (FastAPI's own walk)."""
    for route in index.routes:
        if route.matches(_scope(method, path))[0] == Match.FULL:
            return route
    return None


def test_the_index_chooses_the_route_the_full_walk_chooses(app: Any) -> None:
    index = app.router.routes[0]
    assert isinstance(index, RouteIndex)
    checked = 0
    for method, path in _every_path(app):
        scope = _scope(method, path)
        match, child = index.matches(scope)
        walked = _walk(index, method, path)
        if walked is None:  # a mount's own path ("/static"): not a route of its own
            assert match == Match.NONE, (method, path)
            continue
        assert match == Match.FULL and child["onething.route"] is walked, (method, path)
        assert len(index.candidates(path)) < len(index.routes) / 3, path
        checked += 1
    assert checked > 300


@pytest.mark.parametrize("method,path", [
    ("GET", "/no/such/page"), ("DELETE", "/healthz"), ("GET", "/api/v1/nothing-here"),
    ("GET", "/healthz/"), ("GET", "//healthz")])
def test_what_the_index_does_not_know_is_left_to_the_full_walk(app: Any, method: str,
                                                                 path: str) -> None:
    assert app.router.routes[0].matches(_scope(method, path))[0] == Match.NONE


def test_unknown_paths_and_methods_are_answered_as_before(sqlite_engine: Engine,
                                                          tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=str(sqlite_engine.url))
    with TestClient(create_app(settings, sqlite_engine)) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        missing = client.get("/api/v1/nothing-here")
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("application/problem+json")
        wrong = client.delete("/healthz")
        assert wrong.status_code == 405
        assert client.get("/openapi.json").json()["paths"]["/api/v1/applications"]
