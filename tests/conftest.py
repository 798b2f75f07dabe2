"""Shared fixtures: the test catalogs, real SQLite files and a real PostgreSQL server, and
the fixture world over them (tests/world.py): `world` and `api`.

PostgreSQL: `ONETHING_TEST_POSTGRES_URL` names a server to use; otherwise the
suite starts a throwaway one from the machine's PostgreSQL binaries (as the
`postgres` user when running as root, since initdb refuses root). In CI a
missing server is a failure, never a skip.
"""

from __future__ import annotations

import contextlib
import copy
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

import samples
from onething import wiring
from onething.catalog.linked import Catalog, build_catalog
from onething.catalog.service import catalog_cache
from onething.catalog.validate import read_catalog
from onething.identity.models import User
from onething.kernel.config import demo_catalog_dir
from onething.kernel.db import session_factory
from schema import migrated
from served import free_port
from world import Api, Clock, World, build_world, client_for, world_in

wiring.load()  # every domain's event handlers, as the doors load them

os.environ.setdefault("ONETHING_SWEEP_SECONDS", "0")  # tests run sweeps themselves

TESTS = Path(__file__).resolve().parent
BASIC = TESTS / "catalogs" / "basic"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


# The files that take longest, first: xdist hands out whole files (`--dist loadfile`, in
# this order with `--no-loadscope-reorder`), so the workers end together instead of one
# finishing a long browser file alone. Measured with `--junitxml` (per-file sums); coarse,
# and a file not named here simply runs after these.
LONGEST_FIRST = (
    "test_fuzz", "test_access_matrix", "test_hotline", "test_page_fuzz", "test_open311",
    "test_walk", "test_browser", "test_hotline_figures", "test_backup", "test_browser_hotline",
    "test_knowledge", "test_supervision", "test_doors", "test_accounts", "test_produced",
    "test_intermediaries", "test_inspections", "test_cli", "test_api", "test_crash",
    "test_exchange_round_trip", "test_actions", "test_browser_policy_payouts", "test_audit",
    "test_commitments", "test_cases", "test_hostile", "test_profiles", "test_hotline_pages",
    "test_browser_profiles", "test_bench_policies", "test_browser_knowledge",
    "test_policy_calculator", "test_browser_cards", "test_policy_payouts",
    "test_policy_matching", "test_ratings_api", "test_hotline_links", "test_shared_data",
    "test_query_plans", "test_logs", "test_demo", "test_validate", "test_ratings",
    "test_outage", "test_cross_region", "test_migrations", "test_upload_memory",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: n for n, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.stem, len(rank)))  # stable within a file


# Every test shares the samples (tests/samples.py): none may change them for the next.
SAMPLES = copy.deepcopy({k: v for k, v in vars(samples).items() if k.isupper()})


@pytest.fixture(autouse=True)
def _samples_unchanged() -> Iterator[None]:
    yield
    changed = sorted(k for k, v in SAMPLES.items() if getattr(samples, k) != v)
    assert not changed, f"the test changed the samples {changed}"


@pytest.fixture(scope="session")
def basic_dir() -> Path:
    return BASIC


@pytest.fixture(scope="session")
def demo_dir() -> Path:
    return demo_catalog_dir()


@pytest.fixture(scope="session")
def basic() -> Catalog:
    return build_catalog(read_catalog(BASIC))


@pytest.fixture(scope="session")
def demo() -> Catalog:
    return build_catalog(read_catalog(demo_catalog_dir()))


# --- PostgreSQL ------------------------------------------------------------------


def _pg_bin() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    return versions[0].parent if versions else None


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


class PostgresServer:
    """A throwaway PostgreSQL cluster from the machine's binaries, in a temporary directory
    (as the `postgres` user when running as root). Started, stopped and started again at
    will (tests of a database that goes away); `remove` stops it and deletes its files."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.base = Path(tempfile.mkdtemp(prefix="onething-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.base, "postgres", "postgres")
        self.data, self.port = self.base / "data", free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        subprocess.run(_as_postgres([str(bin_dir / "initdb"), "-D", str(self.data), "-A",
                                     "trust", "-U", "postgres", "-E", "UTF8", "--locale=C",
                                     "--no-sync"]), check=True, capture_output=True)

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off")
        subprocess.run(self._ctl("-l", str(self.base / "log"), "-o", options, "-w", "start"),
                       check=True, capture_output=True)

    def stop(self, mode: str = "fast") -> None:
        subprocess.run(self._ctl("-m", mode, "-w", "stop"), capture_output=True)

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.base, ignore_errors=True)

    def _ctl(self, *args: str) -> list[str]:
        return _as_postgres([str(self.bin_dir / "pg_ctl"), "-D", str(self.data), *args])


def postgres_binaries() -> Path:
    """Where initdb is; skips the test (fails it in CI) when PostgreSQL is not installed."""
    bin_dir = _pg_bin()
    if bin_dir is None:
        message = "PostgreSQL binaries not found (initdb)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return bin_dir


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """URL of a PostgreSQL server (admin database) for the whole session."""
    given = os.environ.get("ONETHING_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    server = PostgresServer(postgres_binaries())
    server.start()
    try:
        yield server.url
    finally:
        server.remove()


@contextlib.contextmanager
def _fresh_postgres(server: str, create: bool = True) -> Iterator[str]:
    """A database of its own on the server, dropped after; made empty now, or (`create`
    false) left for `schema.migrated` to make as a copy of its template."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    if create:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --- databases -------------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind, one per test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'onething.db'}"
        return
    server = request.getfixturevalue("postgres_server")
    # a test on `engine` gets its database as a copy of the migrated template: no empty one
    with _fresh_postgres(server, create="engine" not in request.fixturenames) as url:
        yield url


@pytest.fixture
def engine(request: pytest.FixtureRequest, database_url: str) -> Iterator[Engine]:
    """The database of each kind at the newest schema; holding the basic world already when
    the test asks for this file's `world` (its module does not make its own)."""
    catalog_cache.clear()
    basic_world = "world" in request.fixturenames and not hasattr(request.module, "world")
    seed = (BASIC_WORLD if basic_world
            else _demo_world_seed(request.module) if "demo_world" in request.fixturenames
            else None)
    engine = migrated(database_url, seed)
    catalog_cache.clear()
    yield engine
    engine.dispose()
    catalog_cache.clear()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    catalog_cache.clear()
    engine = migrated(f"sqlite:///{tmp_path / 'onething.db'}")
    yield engine
    engine.dispose()
    catalog_cache.clear()


def _build_basic_world(engine: Engine) -> None:
    build_world(session_factory(engine), BASIC, Path(tempfile.gettempdir()) / "unused")


BASIC_WORLD = ("basic_world", _build_basic_world)


def _demo_world_seed(module: object) -> tuple[str, Callable[[Engine], None]]:
    """The demo catalog and the module's PEOPLE, written once per test process into a
    template of their own (one per module: their people differ)."""
    people = module.PEOPLE  # type: ignore[attr-defined]
    name = "demo_" + module.__name__.rsplit(".", 1)[-1].removeprefix("test_")

    def build(engine: Engine) -> None:
        build_world(session_factory(engine), demo_catalog_dir(),
                    Path(tempfile.gettempdir()) / "unused", people)

    return name, build


# --- the fixture world -------------------------------------------------------------


@pytest.fixture
def world(sessions: sessionmaker[Session], basic_dir: Path, tmp_path: Path) -> World:
    """The basic catalog and its people (world.PEOPLE), in an empty database of each kind
    (written by `engine`, from a template)."""
    with sessions() as session:
        seeded = (session.scalar(select(func.count()).select_from(User)) or 0) > 0
    if not seeded:  # a module whose own `world` is not a fixture hid this one from `engine`
        return build_world(sessions, basic_dir, tmp_path / "files")
    return world_in(sessions, tmp_path / "files")


@pytest.fixture
def demo_world(engine: Engine, demo_dir: Path, tmp_path: Path,
               request: pytest.FixtureRequest) -> World:
    """The demo catalog and the people of the test's module (its PEOPLE), for a module
    whose `world` is this one (written by `engine`, from a template)."""
    sessions = session_factory(engine)
    with sessions() as session:
        seeded = (session.scalar(select(func.count()).select_from(User)) or 0) > 0
    if seeded:
        return world_in(sessions, tmp_path / "files", request.module.PEOPLE)
    return build_world(sessions, demo_dir, tmp_path / "files", request.module.PEOPLE)


@pytest.fixture
def clock() -> Clock:
    """The app's clock, on MONDAY until a test moves it."""
    return Clock()


@pytest.fixture
def api(engine: Engine, world: World, tmp_path: Path, clock: Clock) -> Iterator[Api]:
    """The app over `world`, on `clock`, through the JSON API."""
    with client_for(engine, tmp_path, clock) as client:
        yield Api(client)
