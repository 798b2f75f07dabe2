"""A small world for case tests: the reference catalog in a database, and its people."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from onething.calendar.service import current_calendar
from onething.catalog import service as catalog_service
from onething.catalog.context import Ctx
from onething.catalog.linked import Catalog
from onething.catalog.validate import read_catalog
from onething.identity import service as identity
from onething.identity.models import User
from onething.kernel.clock import CHINA
from onething.kernel.db import make_engine, session_factory, unit_of_work
from onething.kernel.principal import Role
from onething.ops.migrate import upgrade

PASSWORD = "Onething2026"  # the demo password
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

    def web_session(self, username: str) -> tuple[str, str]:
        """A web session of `username` opened on MONDAY: (the cookie's secret, its CSRF)."""
        with unit_of_work(self.sessions) as session:
            user = session.get_one(User, self.users[username].user_id)
            secret, row = identity.open_session(session, user, "web", MONDAY)
            return secret, row.csrf_token


@lru_cache(maxsize=1)
def _password_hash() -> str:
    return identity.hash_password(PASSWORD)  # argon2 is slow on purpose: hash once


def build_world(sessions: sessionmaker[Session], catalog_dir: Path, files_root: Path,
                people: list[tuple[str, Role, str | None, str | None]] | None = None) -> World:
    """The catalog loaded and its people (by default PEOPLE, whose offices the basic catalog
    has) created."""
    with unit_of_work(sessions) as session:
        catalog_service.load(session, read_catalog(catalog_dir), str(catalog_dir))
    with sessions() as session:
        catalog = catalog_service.current_catalog(session)
    world = World(sessions, catalog, files_root)
    hashed = _password_hash()
    with unit_of_work(sessions) as session:
        for username, role, region, department in PEOPLE if people is None else people:
            user = identity.create_user(session, username=username, password=PASSWORD,
                                        role=role, region=region, department=department,
                                        display_name=username, password_hash=hashed)
            world.users[username] = identity.principal_of(user)
    return world


def world_at(url: str, root: Path, catalog_dir: Path) -> tuple[Engine, World]:
    """A world in the empty database at `url`, its files under `root` (for module-scoped
    fixtures; the function-scoped ones build on conftest's `sessions`)."""
    catalog_service.catalog_cache.clear()  # cached by version id, which restarts at 1
    engine = make_engine(url)
    upgrade(engine)
    return engine, build_world(session_factory(engine), catalog_dir, root)


PDF = b"%PDF-1.4\n%%EOF\n"


def submitted(world: World, who: str = "zhang", applicant: str | None = None) -> int:
    """An application of one item (REG: 营业执照), submitted by `who`; for `applicant` (a
    proxy's client, who uploaded the scan), when given."""
    from onething.cases import service as cases
    from onething.files import service as files

    with world.as_(applicant or who) as ctx:
        scan = files.store(ctx.session, world.files_root, ctx.actor, "id.pdf", PDF).id
    with world.as_(who) as ctx:
        return cases.submit(ctx, cases.Submission(
            bundle="STORE", region="430102",
            answers={"premises": "owned", "sells_food": False, "shop_area": 10},
            form={"applicant_name": "张三", "id_number": "11010519491231002X"},
            materials={"ID_CARD": {"file": scan}}, applicant=applicant)).id


def accepted(world: World, who: str = "zhang", applicant: str | None = None) -> int:
    """The same, accepted at the 芙蓉区 window: its REG task is pending."""
    from onething.cases import service as cases

    app_id = submitted(world, who, applicant)
    with world.as_("clerk_furong") as ctx:
        cases.decide_at_window(ctx, app_id, cases.WindowDecision("accept"))
    return app_id
