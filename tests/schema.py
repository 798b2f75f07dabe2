"""The newest schema in a test's empty database, fast: the migrations run once per test
process into a template (a SQLite file, a PostgreSQL template database), and each test's
database starts as a copy of it. The copy is then checked by `upgrade`, which finds it at
the head and does nothing, so a test sees exactly what the migrations make.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from sqlalchemy import Engine, create_engine, make_url, text

from onething.kernel.db import make_engine
from onething.ops.migrate import upgrade

_sqlite_template: Path | None = None
_pg_templates: dict[str, str] = {}  # admin URL of a server → its template database


def migrated(url: str) -> Engine:
    """An engine on the empty database at `url`, which now holds the newest schema."""
    if url.startswith("sqlite"):
        _copy_sqlite(Path(make_url(url).database or ""))
    else:
        _copy_postgres(url)
    engine = make_engine(url)
    upgrade(engine)  # at the head already: a check, not a migration
    return engine


def _copy_sqlite(target: Path) -> None:
    global _sqlite_template
    if _sqlite_template is None:
        folder = Path(tempfile.mkdtemp(prefix="onething-schema-"))
        atexit.register(shutil.rmtree, folder, True)
        path = folder / "template.db"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        engine.dispose()
        _sqlite_template = path
    if not target.exists() or target.stat().st_size == 0:
        shutil.copyfile(_sqlite_template, target)


def _copy_postgres(url: str) -> None:
    parsed = make_url(url)
    if not _pg_is_empty(url):
        return
    admin_url = parsed.set(database="postgres").render_as_string(hide_password=False)
    template = _pg_templates.get(admin_url)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        if template is None:
            template = _make_pg_template(admin)
            _pg_templates[admin_url] = template
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{parsed.database}" TEMPLATE "{template}"'))
    finally:
        admin.dispose()


def _pg_is_empty(url: str) -> bool:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return not conn.execute(text(
                "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = 'public' LIMIT 1")).first()
    finally:
        engine.dispose()


def _make_pg_template(admin: Engine) -> str:
    name = f"template_{os.getpid()}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(admin.url.set(database=name).render_as_string(hide_password=False))
    upgrade(engine)
    engine.dispose()
    atexit.register(_drop, admin.url.render_as_string(hide_password=False), name)
    return name


def _drop(admin_url: str, name: str) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    except Exception:  # the throwaway server may be gone already: nothing to drop
        pass
    finally:
        admin.dispose()
