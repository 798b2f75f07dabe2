"""Alembic environment: the URL and metadata come from onething itself."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from onething.ops.migrate import check_foreign_keys, foreign_keys_deferred
from onething.wiring import metadata

config = context.config


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
        check_foreign_keys(connection)


connection = config.attributes.get("connection")
if connection is None:
    from onething.kernel.db import make_engine

    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn, foreign_keys_deferred(conn):
        run(conn)
    engine.dispose()
else:
    run(connection)
