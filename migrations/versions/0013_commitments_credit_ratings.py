"""告知承诺 follow-up checks, bad-credit records, revoked licences, ratings that name what
they rate (the window or a department), one-time rating codes, 整改 on time

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSONDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC = sa.DateTime(timezone=True)
CHINA = ZoneInfo("Asia/Shanghai")
revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


RECTIFICATION_COLUMNS = ("id, rating_id, application_id, department_code, region_code, status, "
                         "due_on, steps, justified, response, review, created_at, closed_at, "
                         "next_check_on")


@contextmanager
def _rectifications_aside() -> Iterator[None]:
    """SQLite rebuilds `ratings` (and `rectifications`) to let `department_code` be NULL (a
    window rating names no department). Dropping the old `ratings` would trip the foreign
    keys of the rectifications that point at it, so their rows wait in a temporary table."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("CREATE TEMPORARY TABLE rectifications_aside AS SELECT * FROM rectifications")
        op.execute("DELETE FROM rectifications")
    yield
    if sqlite:
        op.execute(f"INSERT INTO rectifications ({RECTIFICATION_COLUMNS}) "
                   f"SELECT {RECTIFICATION_COLUMNS} FROM rectifications_aside")
        op.execute("DROP TABLE rectifications_aside")


def upgrade() -> None:
    op.create_table(
        "follow_up_checks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("item_code", sa.String(length=64), nullable=False),
        sa.Column("item_name", sa.String(length=200), nullable=False),
        sa.Column("department_code", sa.String(length=64), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("materials", JSONDoc, nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", UTC, nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"],
                                name=op.f("fk_follow_up_checks_application_id_applications")),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"],
                                name=op.f("fk_follow_up_checks_task_id_tasks")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"],
                                name=op.f("fk_follow_up_checks_decided_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up_checks")),
        sa.UniqueConstraint("task_id", name=op.f("uq_follow_up_checks_task_id")),
    )
    op.create_index("ix_follow_up_checks_office", "follow_up_checks",
                    ["department_code", "region_code", "status", "due_on"])
    op.create_index("ix_follow_up_checks_due", "follow_up_checks", ["status", "due_on"])

    op.create_table(
        "bad_credit_records",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["holder_id"], ["users.id"],
                                name=op.f("fk_bad_credit_records_holder_id_users")),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"],
                                name=op.f("fk_bad_credit_records_application_id_applications")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"],
                                name=op.f("fk_bad_credit_records_recorded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bad_credit_records")),
    )
    op.create_index("ix_bad_credit_records_holder", "bad_credit_records",
                    ["holder_id", "valid_until"])

    op.create_table(
        "rating_codes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.Column("used_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"],
                                name=op.f("fk_rating_codes_application_id_applications")),
        sa.ForeignKeyConstraint(["issued_by_id"], ["users.id"],
                                name=op.f("fk_rating_codes_issued_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rating_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_rating_codes_code_hash")),
    )
    op.create_index("ix_rating_codes_application", "rating_codes", ["application_id"])

    with op.batch_alter_table("licences") as batch:
        batch.add_column(sa.Column("revoked_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("revoked_at", UTC, nullable=True))
    with _rectifications_aside():
        with op.batch_alter_table("ratings") as batch:
            batch.add_column(sa.Column("target", sa.String(length=16), nullable=False,
                                       server_default="department"))
            batch.alter_column("department_code", existing_type=sa.String(length=64),
                               nullable=True)
        with op.batch_alter_table("rectifications") as batch:
            batch.add_column(sa.Column("target", sa.String(length=16), nullable=False,
                                       server_default="department"))
            batch.add_column(sa.Column("on_time", sa.Boolean(), nullable=True))
            batch.alter_column("department_code", existing_type=sa.String(length=64),
                               nullable=True)
    _backfill_on_time()


def _backfill_on_time() -> None:
    """Rectifications closed before: on time when closed by their due date, in China."""
    table = sa.table("rectifications", sa.column("id", sa.Integer()),
                     sa.column("closed_at", UTC), sa.column("due_on", sa.Date()),
                     sa.column("on_time", sa.Boolean()))
    bind = op.get_bind()
    rows = bind.execute(sa.select(table.c.id, table.c.closed_at, table.c.due_on).where(
        table.c.closed_at.is_not(None))).all()
    for row_id, closed_at, due_on in rows:
        if closed_at.tzinfo is None:  # SQLite hands back naive UTC
            closed_at = closed_at.replace(tzinfo=dt.UTC)
        on_time = closed_at.astimezone(CHINA).date() <= due_on
        bind.execute(table.update().where(table.c.id == row_id).values(on_time=on_time))


def downgrade() -> None:
    for table in ("ratings", "rectifications"):  # window ratings name no department
        op.execute(f"UPDATE {table} SET department_code = '' WHERE department_code IS NULL")
    with _rectifications_aside():
        with op.batch_alter_table("rectifications") as batch:
            batch.alter_column("department_code", existing_type=sa.String(length=64),
                               nullable=False)
            batch.drop_column("on_time")
            batch.drop_column("target")
        with op.batch_alter_table("ratings") as batch:
            batch.alter_column("department_code", existing_type=sa.String(length=64),
                               nullable=False)
            batch.drop_column("target")
    with op.batch_alter_table("licences") as batch:
        batch.drop_column("revoked_at")
        batch.drop_column("revoked_reason")
    op.drop_index("ix_rating_codes_application", table_name="rating_codes")
    op.drop_table("rating_codes")
    op.drop_index("ix_bad_credit_records_holder", table_name="bad_credit_records")
    op.drop_table("bad_credit_records")
    op.drop_index("ix_follow_up_checks_due", table_name="follow_up_checks")
    op.drop_index("ix_follow_up_checks_office", table_name="follow_up_checks")
    op.drop_table("follow_up_checks")
