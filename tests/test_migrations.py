"""The migrations build exactly the tables the models describe, on both databases."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from onething.ops.migrate import upgrade
from onething.wiring import metadata


def test_migrations_match_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": False, "include_name": modelled})
        assert compare_metadata(context, metadata) == []


def modelled(name: str | None, kind: str, _: object) -> bool:
    """Leaves out the tables no model describes (SQLite's full-text tables and theirs)."""
    unmodelled = metadata.info.get("unmodelled", set())
    return kind != "table" or not any((name or "").startswith(t) for t in unmodelled)


def test_upgrade_is_idempotent(engine: Engine) -> None:
    upgrade(engine)
    upgrade(engine)


def test_a_database_at_the_newest_revision_is_only_read(tmp_path: Path) -> None:
    """Short commands (`onething user add`) do not load Alembic when there is nothing to do."""
    probe = ("import sys; from onething.kernel.db import make_engine; "
             "from onething.ops.migrate import upgrade;"
             f" upgrade(make_engine('sqlite:///{tmp_path / 'x.db'}')); "
             "print('alembic' in sys.modules)")

    def loads_alembic() -> bool:
        run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                             check=True)
        return run.stdout.strip() == "True"

    assert loads_alembic()  # a new database: migrated
    assert not loads_alembic()  # at the newest revision already
