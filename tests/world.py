"""The tests' one fixture world: a catalog in a database and its people (`World`), the app
over it in a test client (`client_for`), and the API as each of those people (`Api`).

conftest.py makes the usual ones fixtures: `world` (the basic catalog and PEOPLE) and `api`
(the app over that world, its clock on MONDAY)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from onething.app import create_app
from onething.calendar.service import current_calendar
from onething.catalog import service as catalog_service
from onething.catalog.context import Ctx
from onething.catalog.linked import Catalog
from onething.catalog.validate import read_catalog
from onething.demo.people import DEMO_PASSWORD, ensure_demo_users
from onething.files import service as files
from onething.identity import service as identity
from onething.kernel.clock import CHINA
from onething.kernel.config import Settings
from onething.kernel.db import session_factory, unit_of_work
from onething.kernel.principal import Role
from onething.web.session import COOKIE
from samples import FORM, OWNED, PDF
from schema import migrated

PASSWORD = DEMO_PASSWORD  # everyone's in the tests, as in the demo
# 2026-11-25 is a Wednesday; 10:00 in China.
MONDAY = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)

PEOPLE: list[tuple[str, Role, str | None, str | None]] = [
    ("zhang", Role.applicant, None, None),
    ("li", Role.applicant, None, None),
    ("proxy1", Role.proxy, "430102", None),
    ("clerk_furong", Role.clerk, "430102", None),
    ("clerk_zhuzhou", Role.clerk, "430200", None),
    ("scjg_furong", Role.approver, "430102", "SCJG"),
    ("scjg_zhuzhou", Role.approver, "430200", "SCJG"),
    ("yc_furong", Role.approver, "430102", "YC"),
    ("cg_furong", Role.approver, "430102", "CG"),
    ("xf_furong", Role.approver, "430102", "XF"),
    ("supervisor_cs", Role.supervisor, "430100", None),
    ("supervisor_zz", Role.supervisor, "430200", None),
    ("admin", Role.admin, "430000", None),
]


@dataclass
class World:
    sessions: sessionmaker[Session]
    catalog: Catalog
    files_root: Path
    users: dict[str, identity.Principal] = field(default_factory=dict)
    now: dt.datetime = MONDAY

    @contextmanager
    def as_(self, username: str, now: dt.datetime | None = None) -> Iterator[Ctx]:
        """A unit of work acting as `username` at `now` (default: the world's clock)."""
        with unit_of_work(self.sessions) as session:
            yield Ctx(session=session, catalog=self.catalog,
                      calendar=current_calendar(session), now=now or self.now,
                      actor=self.users[username])

    def day(self, date: dt.date, hour: int = 10) -> dt.datetime:
        return dt.datetime.combine(date, dt.time(hour), tzinfo=CHINA)

    def web_session(self, username: str, kind: str = "web") -> tuple[str, str]:
        """A web session of `username` opened on MONDAY (a token's when `kind` is "api"):
        (the cookie's secret, its CSRF)."""
        with unit_of_work(self.sessions) as session:
            user = identity.find_user(session, username)
            secret, row = identity.open_session(session, user, kind, MONDAY)
            return secret, row.csrf_token

    def bearer(self, username: str) -> dict[str, str]:
        """The headers of a request with a token of `username`, opened on MONDAY."""
        return {"Authorization": f"Bearer {self.web_session(username, 'api')[0]}"}

    def sign_in(self, client: TestClient, username: str) -> str:
        """The client signed in as `username` (its session cookie, and no other); the CSRF
        token of its forms."""
        secret, csrf = self.web_session(username)
        client.cookies.clear()
        client.cookies.set(COOKIE, secret)
        return csrf

    def add_people(self, people: list[tuple[str, Role, str | None, str | None]]) -> None:
        """Users (username, role, region, department), each with the demo password."""
        with unit_of_work(self.sessions) as session:
            for username, role, region, department in people:
                user = identity.create_user(
                    session, username=username, password=PASSWORD, role=role, region=region,
                    department=department, display_name=username,
                    password_hash=_password_hash())
                self.users[username] = identity.principal_of(user)

    def add_demo_people(self) -> None:
        """The people `onething serve --demo` makes, as it makes them (DEMO_PASSWORD)."""
        with unit_of_work(self.sessions) as session:
            for person in ensure_demo_users(session, self.catalog):
                user = identity.find_user(session, person.username)
                self.users[person.username] = identity.principal_of(user)

    def upload(self, username: str, name: str = "id.pdf", data: bytes = PDF) -> str:
        """A file stored as uploaded by `username`; its id."""
        with self.as_(username) as ctx:
            return files.store(ctx.session, self.files_root, ctx.actor, name, data).id


@lru_cache(maxsize=1)
def _password_hash() -> str:
    """The test people's password, hashed once with argon2 at its lowest costs: a login
    verifies with the costs the hash names, so each sign-in of a test takes a millisecond
    instead of the production parameters' second (kept for every real account)."""
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)


def build_world(sessions: sessionmaker[Session], catalog_dir: Path, files_root: Path,
                people: list[tuple[str, Role, str | None, str | None]] | None = None) -> World:
    """The catalog loaded and its people (by default PEOPLE, whose offices the basic catalog
    has) created."""
    with unit_of_work(sessions) as session:
        catalog_service.load(session, read_catalog(catalog_dir), str(catalog_dir))
    with sessions() as session:
        catalog = catalog_service.current_catalog(session)
    world = World(sessions, catalog, files_root)
    world.add_people(PEOPLE if people is None else people)
    return world


def world_in(sessions: sessionmaker[Session], files_root: Path,
             people: list[tuple[str, Role, str | None, str | None]] | None = None) -> World:
    """The world `build_world` made in this database already (a copy of its template)."""
    with sessions() as session:
        catalog = catalog_service.current_catalog(session)
        users = {name: identity.principal_of(identity.find_user(session, name))
                 for name, *_ in (PEOPLE if people is None else people)}
    return World(sessions, catalog, files_root, users)


def world_at(url: str, root: Path, catalog_dir: Path,
             people: list[tuple[str, Role, str | None, str | None]] | None = None
             ) -> tuple[Engine, World]:
    """A world in the empty database at `url`, its files under `root` (for module-scoped
    fixtures; the function-scoped ones build on conftest's `sessions`)."""
    catalog_service.catalog_cache.clear()  # cached by version id, which restarts at 1
    engine = migrated(url)
    return engine, build_world(session_factory(engine), catalog_dir, root, people)


class Clock:
    """The app's clock, which a test sets or moves on (it starts on MONDAY)."""

    def __init__(self, now: dt.datetime = MONDAY) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def on_monday() -> dt.datetime:
    return MONDAY


@contextmanager
def client_for(engine: Engine | None, data_dir: Path | None = None,
               clock: Callable[[], dt.datetime] | None = on_monday, *,
               raise_server_exceptions: bool = False, **settings: Any) -> Iterator[TestClient]:
    """The app over the database of `engine` (the settings' when None) in a test client: its
    files under `data_dir` (the settings' default when None), its clock `clock` (MONDAY;
    the real one when None), and these `settings`. A 500 is an answer, unless
    `raise_server_exceptions`."""
    if data_dir is not None:
        settings["data_dir"] = data_dir
    app = create_app(Settings(**settings), engine)
    if clock is not None:
        app.state.clock = clock
    with TestClient(app, raise_server_exceptions=raise_server_exceptions) as client:
        yield client


class Api:
    """The JSON API as one person or another: each signs in once, with the password."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.tokens: dict[str, str] = {}

    def login(self, username: str) -> dict[str, str]:
        if username not in self.tokens:
            r = self.client.post("/api/v1/auth/token",
                                 data={"username": username, "password": PASSWORD})
            assert r.status_code == 200, r.text
            self.tokens[username] = r.json()["access_token"]
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    def post(self, who: str, path: str, body: Any = None, **kw: Any) -> Any:
        return self.client.post(path, json=body, headers={**self.login(who),
                                                          **kw.pop("headers", {})}, **kw)

    def get(self, who: str, path: str, **kw: Any) -> Any:
        return self.client.get(path, headers=self.login(who), **kw)

    def delete(self, who: str, path: str, **kw: Any) -> Any:
        return self.client.delete(path, headers=self.login(who), **kw)

    def upload(self, who: str, name: str, data: bytes = PDF) -> Any:
        return self.client.post("/api/v1/files", files={"file": (name, data + name.encode())},
                                headers=self.login(who))

    def task(self, who: str, app_id: int, item: str) -> dict[str, Any]:
        app = self.get(who, f"/api/v1/applications/{app_id}").json()
        return next(t for t in app["tasks"] if t["item"] == item)

    def decide(self, who: str, app_id: int, item: str, action: str = "approve",
               **extra: Any) -> Any:
        task = self.task(who, app_id, item)
        return self.post(who, f"/api/v1/tasks/{task['id']}/decision",
                         {"action": action, "version": task["version"], **extra})


def submitted(world: World, who: str = "zhang", applicant: str | None = None) -> int:
    """An application of one item (REG: 营业执照), submitted by `who`; for `applicant` (a
    proxy's client, who uploaded the scan), when given."""
    from onething.cases import service as cases

    scan = world.upload(applicant or who)
    with world.as_(who) as ctx:
        return cases.submit(ctx, cases.Submission(
            bundle="STORE", region="430102", answers=OWNED, form=FORM,
            materials={"ID_CARD": {"file": scan}}, applicant=applicant)).id


def accepted(world: World, who: str = "zhang", applicant: str | None = None) -> int:
    """The same, accepted at the 芙蓉区 window: its REG task is pending."""
    from onething.cases import service as cases

    app_id = submitted(world, who, applicant)
    with world.as_("clerk_furong") as ctx:
        cases.decide_at_window(ctx, app_id, cases.WindowDecision("accept"))
    return app_id
