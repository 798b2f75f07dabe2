"""The catalog cache under concurrent requests: found by the crash test, where a freshly
restarted server on PostgreSQL answered a burst of retries with 503 after 30 seconds."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import text

from onething.catalog import service as catalog_service
from onething.catalog.service import CatalogCache
from onething.catalog.validate import read_catalog
from onething.kernel.db import make_engine, session_factory, unit_of_work
from onething.ops.migrate import upgrade

REQUESTS = 4


def test_requests_holding_every_connection_still_get_the_catalog(
        tmp_path: Path, basic_dir: Path) -> None:
    """Each request holds a connection when it asks for the catalog; when the cache is due
    for a look at the database, only one of them asks, with one more connection, and the
    others go on (and give theirs back) instead of all waiting for a connection."""
    url = f"sqlite:///{tmp_path / 'onething.db'}"
    upgrade(make_engine(url))
    with unit_of_work(session_factory(make_engine(url))) as session:
        catalog_service.load(session, read_catalog(basic_dir), str(basic_dir))
    engine = make_engine(url, pool_size=REQUESTS, max_overflow=0, pool_timeout=5)
    sessions = session_factory(engine)
    cache = CatalogCache()
    cache.recent(sessions, 0)  # as at start-up
    together = threading.Barrier(REQUESTS)

    def request(_: int) -> str:
        with sessions() as session:
            session.execute(text("SELECT 1"))  # the request's own connection
            together.wait()
            return cache.recent(sessions, 0).version  # due: every call may ask

    with ThreadPoolExecutor(REQUESTS) as pool:
        versions = list(pool.map(request, range(REQUESTS)))
    assert len(set(versions)) == 1
    engine.dispose()
