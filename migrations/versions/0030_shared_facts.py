"""共享数据: the data sets other departments share, one row of facts per holder (and month),
and each file loaded

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-01

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "data_loads",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("source_code", sa.String(64), nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("loaded_by", sa.String(100), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_data_loads"),
    )
    op.create_table(
        "shared_facts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("source_code", sa.String(64), nullable=False),
        sa.Column("holder_key", sa.String(18), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("facts", JSON, nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("load_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_shared_facts"),
        sa.ForeignKeyConstraint(["load_id"], ["data_loads.id"],
                                name="fk_shared_facts_load_id_data_loads"),
        sa.UniqueConstraint("source_code", "holder_key", "period",
                            name="uq_shared_facts_source_code"),
    )
    op.create_index("ix_shared_facts_holder", "shared_facts", ["holder_key", "source_code"])


def downgrade() -> None:
    op.drop_index("ix_shared_facts_holder", "shared_facts")
    op.drop_table("shared_facts")
    op.drop_table("data_loads")
