"""When the database goes away: a real PostgreSQL server stopped under a running app, and an
SQLite file that cannot be read. Every request that needs the database is answered 503 with
`Retry-After` (problem+json on the API, a Chinese page elsewhere), never 500; `/healthz`
(liveness) still answers, `/readyz` says the database does not; when the database is back,
so is the service. An unexpected error is a 500 whose traceback is logged, masked."""

from __future__ import annotations

import logging
import shutil
import socket
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from conftest import PostgresServer, postgres_binaries
from onething.app import create_app
from onething.kernel.config import Settings
from samples import ID_NUMBER
from world import PASSWORD, World, client_for, world_at

PHONE = "13812345678"


@dataclass
class Site:
    client: TestClient
    engine: Engine
    world: World
    # zhang's bearer token and web session, opened while the database answered
    token: dict[str, str]
    cookie: str


def _site(engine: Engine, world: World, root: Path) -> Iterator[Site]:
    with client_for(engine, root) as client:
        r = client.post("/api/v1/auth/token", data={"username": "zhang", "password": PASSWORD})
        assert r.status_code == 200, r.text
        yield Site(client, engine, world, {"Authorization": f"Bearer {r.json()['access_token']}"},
                   world.web_session("zhang")[0])


def unavailable_api(response: Any) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert int(response.headers["retry-after"]) > 0
    body = response.json()
    assert body["code"] == "database_unavailable" and body["title"] == "服务暂不可用"


def unavailable_page(response: Any) -> None:
    assert response.status_code == 503, response.text[:300]
    assert response.headers["content-type"].startswith("text/html")
    assert int(response.headers["retry-after"]) > 0
    assert "服务暂不可用" in response.text and "数据库暂时无法访问" in response.text
    assert "Traceback" not in response.text and "Internal Server Error" not in response.text


def check_down(site: Site, caplog: pytest.LogCaptureFixture) -> None:
    c = site.client
    assert c.get("/healthz").json() == {"status": "ok"}  # liveness: no database asked
    ready = c.get("/readyz")
    assert ready.status_code == 503 and int(ready.headers["retry-after"]) > 0
    assert ready.json() == {"status": "unavailable", "database": "unreachable"}
    unavailable_api(c.post("/api/v1/auth/token",
                           data={"username": "zhang", "password": PASSWORD}))
    unavailable_api(c.get("/api/v1/me", headers=site.token))
    unavailable_api(c.get("/api/v1/applications", headers=site.token))
    login = c.get("/login")  # no database needed to show the form
    assert login.status_code == 200
    unavailable_page(c.post("/login", data={
        "username": "zhang", "password": PASSWORD,
        "csrf_token": c.cookies.get("onething_login_csrf") or ""}))
    c.cookies.set("onething_session", site.cookie)  # the page cannot ask who it is
    unavailable_page(c.get("/my/applications"))
    unavailable_page(c.get("/bundles?q=x"))
    c.cookies.clear()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "an error was logged"
    assert "database unavailable" in caplog.text  # one warning line per refusal


def check_back(site: Site) -> None:
    c = site.client
    assert c.get("/readyz").json() == {"status": "ready", "database": "ok"}
    assert c.get("/api/v1/me", headers=site.token).json()["username"] == "zhang"
    assert c.post("/api/v1/auth/token",
                  data={"username": "zhang", "password": PASSWORD}).status_code == 200


@pytest.mark.postgres
def test_a_stopped_postgresql_server_is_503_until_it_is_back(
        tmp_path: Path, basic_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    server = PostgresServer(postgres_binaries())
    try:
        server.start()
        engine, world = world_at(server.url, tmp_path, basic_dir)
        for site in _site(engine, world, tmp_path):
            assert site.client.get("/readyz").status_code == 200
            server.stop()
            with caplog.at_level(logging.WARNING, logger="onething"):
                check_down(site, caplog)
            server.start()
            check_back(site)
        engine.dispose()
    finally:
        server.remove()


def _unreadable(path: Path) -> None:
    path.write_bytes(b"this is not an SQLite database " * 200)
    for side in ("-wal", "-shm"):
        Path(f"{path}{side}").unlink(missing_ok=True)


def test_an_unreadable_sqlite_file_is_503_until_it_is_back(
        tmp_path: Path, basic_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "onething.db"
    engine, world = world_at(f"sqlite:///{path}", tmp_path, basic_dir)
    for site in _site(engine, world, tmp_path):
        engine.dispose()  # every connection is opened again, on the broken file
        with engine.begin() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        shutil.copy(path, tmp_path / "good.db")
        _unreadable(path)
        with caplog.at_level(logging.WARNING, logger="onething"):
            check_down(site, caplog)
        engine.dispose()
        shutil.copy(tmp_path / "good.db", path)
        check_back(site)
    engine.dispose()


def test_a_missing_sqlite_directory_is_503(tmp_path: Path, basic_dir: Path) -> None:
    """The data directory unmounted under the running service: the file cannot be opened."""
    data = tmp_path / "data"
    path = data / "onething.db"
    engine, world = world_at(f"sqlite:///{path}", tmp_path, basic_dir)
    for site in _site(engine, world, tmp_path):
        engine.dispose()
        shutil.move(data, tmp_path / "unmounted")
        unavailable_api(site.client.get("/api/v1/me", headers=site.token))
        assert site.client.get("/readyz").status_code == 503
        engine.dispose()
        shutil.move(tmp_path / "unmounted", data)
        check_back(site)
    engine.dispose()


def test_an_unexpected_error_is_a_500_with_its_traceback_logged_masked(
        sqlite_engine: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(Settings(data_dir=tmp_path), sqlite_engine)
    broken = APIRouter()

    def fail() -> None:
        raise RuntimeError(f"a bug met {PHONE} and {ID_NUMBER}")

    broken.add_api_route("/api/v1/broken", fail)
    broken.add_api_route("/broken", fail)
    app.include_router(broken)
    with TestClient(app, raise_server_exceptions=False) as client, \
            caplog.at_level(logging.ERROR, logger="onething"):
        api = client.get("/api/v1/broken")
        page = client.get("/broken")
    assert api.status_code == 500 and api.json()["code"] == "internal_error"
    assert api.headers["content-type"].startswith("application/problem+json")
    assert page.status_code == 500 and "系统繁忙" in page.text and PHONE not in page.text
    logged = [r for r in caplog.records if r.name == "onething"]
    assert [r.getMessage() for r in logged] == ["unhandled error on GET /api/v1/broken",
                                                "unhandled error on GET /broken"]
    for record in logged:
        assert record.exc_text and "Traceback (most recent call last)" in record.exc_text
        assert "RuntimeError: a bug met 138****5678 and 1101**********002X" in record.exc_text
    assert PHONE not in caplog.text and ID_NUMBER not in caplog.text


def _wrapped(error: Exception) -> Exception:
    from sqlalchemy.exc import DBAPIError

    return DBAPIError.instance("SELECT 1", {}, error, type(error).__mro__[1])


@pytest.mark.parametrize(("error", "answer"), [
    (sqlite3.OperationalError("database is locked"), "busy"),
    (sqlite3.OperationalError("unable to open database file"), "database_unavailable"),
    (sqlite3.DatabaseError("file is not a database"), "database_unavailable"),
    (sqlite3.DatabaseError("database disk image is malformed"), "database_unavailable"),
    (sqlite3.OperationalError("attempt to write a readonly database"), "database_unavailable"),
    (sqlite3.OperationalError("no such table: applications"), None),  # ours: a 500
    (sqlite3.OperationalError('near "SELEC": syntax error'), None),
    (sqlite3.OperationalError("malformed JSON"), None),
    (sqlite3.IntegrityError("UNIQUE constraint failed: users.username"), None),
    (psycopg.OperationalError("connection failed: Connection refused"), "database_unavailable"),
    (psycopg.errors.AdminShutdown("terminating connection"), "database_unavailable"),
    (psycopg.errors.CannotConnectNow("the database system is starting up"),
     "database_unavailable"),
    (psycopg.errors.TooManyConnections("too many clients"), "database_unavailable"),
    (psycopg.errors.DeadlockDetected("deadlock detected"), "busy"),
    (psycopg.errors.SerializationFailure("could not serialize"), "busy"),
    (psycopg.errors.QueryCanceled("statement timeout"), "busy"),
    (psycopg.errors.StatementTooComplex("stack depth"), None),
    (psycopg.errors.UndefinedTable("relation does not exist"), None),
    (psycopg.errors.UniqueViolation("duplicate key"), None),
], ids=lambda v: v if isinstance(v, str | type(None)) else type(v).__name__)
def test_which_database_errors_are_an_outage(error: Exception, answer: str | None) -> None:
    from onething.http.problems import database_problem

    found = database_problem(_wrapped(error))
    assert (found.code if found else None) == answer


def test_no_free_connection_in_time_is_busy() -> None:
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    from onething.http.problems import database_problem

    found = database_problem(PoolTimeout())
    assert found is not None and found.code == "busy"


def _connect_to_a_silent_host(query: str) -> BaseException | None:
    """Connect to a host that takes the connection but never answers; what was raised."""
    from threading import Thread

    from sqlalchemy import text

    from onething.kernel.db import make_engine

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # the kernel completes the handshake; nobody ever answers
    url = f"postgresql+psycopg://u:p@127.0.0.1:{silent.getsockname()[1]}/db{query}"
    found: list[BaseException] = []

    def connect() -> None:
        try:
            with make_engine(url).connect() as connection:
                connection.execute(text("SELECT 1"))
        except BaseException as exc:  # the test looks at what was raised
            found.append(exc)

    try:
        worker = Thread(target=connect, daemon=True)
        worker.start()
        worker.join(120)  # a guard against a hang, not a measurement
        assert not worker.is_alive(), "the connection attempt never gave up"
    finally:
        silent.close()
    return found[0] if found else None


@pytest.mark.parametrize(("default", "query"), [(1, ""), (3600, "?connect_timeout=1")])
def test_a_database_host_that_never_answers_is_given_up_on(
        monkeypatch: pytest.MonkeyPatch, default: int, query: str) -> None:
    """A host that takes the connection but never answers (a dropped network, a hung
    server): psycopg gives up after the connect timeout (onething's default, or the URL's
    own), so the request is a 503 instead of being held until the operating system gives
    up."""
    from sqlalchemy.exc import OperationalError

    from onething.http.problems import database_problem
    from onething.kernel import db

    monkeypatch.setattr(db, "CONNECT_TIMEOUT", default)
    error = _connect_to_a_silent_host(query)
    assert isinstance(error, OperationalError) and "timeout" in str(error).lower()
    assert database_problem(error) is not None  # answered 503 with Retry-After
