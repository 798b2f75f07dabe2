"""`onething db upgrade`: Alembic migrations, driven from code.

Every command brings the database to the newest schema first. A database already there is
only read (its revision against the newest migration file's), without importing Alembic,
which costs a short command such as `onething user add` more than its own work.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

from onething.kernel.config import migrations_dir

if TYPE_CHECKING:
    from alembic.config import Config

_REVISION = re.compile(r"^revision(?:\s*:[^=]*)?\s*=\s*['\"]([^'\"]+)['\"]", re.M)
_DOWN = re.compile(r"^down_revision(?:\s*:[^=]*)?\s*=\s*(.+)$", re.M)


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest schema (safe to run again)."""
    head = _head()
    if head is not None and _current(engine) == head:
        return
    from alembic import command

    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with (engine.connect() as connection, foreign_keys_deferred(connection),
          connection.begin()):
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        check_foreign_keys(connection)


@contextmanager
def foreign_keys_deferred(connection: Connection) -> Iterator[None]:
    """On SQLite, foreign keys unenforced while migrations run: a table rebuilt to change
    its columns (Alembic's batch mode) is dropped and created again, which the rows of the
    tables referring to it would refuse. `check_foreign_keys` checks them all before the
    commit. SQLite only reads the pragma outside a transaction: it is set on the driver's
    connection before any BEGIN, and set back after."""
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        connection.connection.driver_connection.execute(  # type: ignore[union-attr]
            "PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        if sqlite:
            connection.connection.driver_connection.execute(  # type: ignore[union-attr]
                "PRAGMA foreign_keys=ON")


def check_foreign_keys(connection: Connection) -> None:
    """Refuse (and so roll back) a migration that left a row referring to nothing."""
    if connection.dialect.name != "sqlite":
        return  # PostgreSQL enforced them all along
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        raise RuntimeError("migration left rows referring to nothing: " + ", ".join(
            f"{table} row {row}" for table, row, *_ in broken[:10]))


def _head() -> str | None:
    """The newest revision among the migration files: the one no other revises (None when
    the files do not name exactly one; Alembic then decides)."""
    revisions, revised = set(), set()
    for path in (migrations_dir() / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        found, down = _REVISION.search(source), _DOWN.search(source)
        if found is None or down is None:
            return None
        revisions.add(found[1])
        revised.update(re.findall(r"['\"]([^'\"]+)['\"]", down[1]))
    heads = revisions - revised
    return heads.pop() if len(heads) == 1 else None


def _current(engine: Engine) -> str | None:
    """The database's revision (None for a new database, or one with several)."""
    try:
        with engine.connect() as connection:
            found = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    except SQLAlchemyError:
        return None
    return str(found[0][0]) if len(found) == 1 else None


def revision(url: str, message: str) -> None:
    """Developer aid: autogenerate a migration against a database at head."""
    from alembic import command

    command.revision(alembic_config(url), message=message, autogenerate=True)
