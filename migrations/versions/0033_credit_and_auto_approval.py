"""信用 and 秒批: credit records of either kind (失信, 守信) by user and/or holder key, with
their source, period and repair (信用修复); a task's automatic decision (its facts, or the
condition not met)

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-01

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
KEPT = ("id", "holder_id", "reason", "source", "source_id", "application_id", "valid_from",
        "valid_until", "recorded_by_id", "created_at")


def upgrade() -> None:
    op.create_table(
        "credit_records",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=True),
        sa.Column("holder_key", sa.String(18), nullable=True),
        sa.Column("holder_name", sa.String(200), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("source_name", sa.String(200), nullable=True),
        sa.Column("reference", sa.String(100), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("repaired_at", UTC, nullable=True),
        sa.Column("repair_application_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["holder_id"], ["users.id"],
                                name=op.f("fk_credit_records_holder_id_users")),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"],
                                name=op.f("fk_credit_records_application_id_applications")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"],
                                name=op.f("fk_credit_records_recorded_by_id_users")),
        sa.ForeignKeyConstraint(
            ["repair_application_id"], ["applications.id"],
            name=op.f("fk_credit_records_repair_application_id_applications")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_records")),
    )
    columns = ", ".join(KEPT)
    op.execute(f"INSERT INTO credit_records (kind, {columns}) "
               f"SELECT 'bad', {columns} FROM bad_credit_records")
    if op.get_bind().dialect.name == "postgresql":  # ids were copied: the sequence follows
        op.execute("SELECT setval(pg_get_serial_sequence('credit_records', 'id'), "
                   "COALESCE((SELECT MAX(id) FROM credit_records), 0) + 1, false)")
    op.create_index("ix_credit_records_holder", "credit_records", ["holder_id", "valid_until"])
    op.create_index("ix_credit_records_key", "credit_records", ["holder_key", "valid_until"])
    op.create_index("ix_credit_records_reference", "credit_records", ["source", "reference"])
    op.drop_index("ix_bad_credit_records_holder", table_name="bad_credit_records")
    op.drop_table("bad_credit_records")
    # a plain ADD COLUMN (SQLite too): a batch would copy the table others reference
    op.add_column("tasks", sa.Column("auto_approved", sa.Boolean(), nullable=False,
                                     server_default=sa.false()))
    op.add_column("tasks", sa.Column("auto_check", JSON, nullable=True))


def downgrade() -> None:
    op.drop_column("tasks", "auto_check")
    op.drop_column("tasks", "auto_approved")
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
    columns = ", ".join(KEPT)
    op.execute(f"INSERT INTO bad_credit_records ({columns}) "
               f"SELECT {columns} FROM credit_records WHERE kind = 'bad' "
               "AND holder_id IS NOT NULL")
    op.create_index("ix_bad_credit_records_holder", "bad_credit_records",
                    ["holder_id", "valid_until"])
    op.drop_index("ix_credit_records_reference", table_name="credit_records")
    op.drop_index("ix_credit_records_key", table_name="credit_records")
    op.drop_index("ix_credit_records_holder", table_name="credit_records")
    op.drop_table("credit_records")
