"""`onething db upgrade`: Alembic migrations, driven from code."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from onething.config import migrations_dir


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest schema (safe to run again)."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def revision(url: str, message: str) -> None:
    """Developer aid: autogenerate a migration against a database at head."""
    command.revision(alembic_config(url), message=message, autogenerate=True)
