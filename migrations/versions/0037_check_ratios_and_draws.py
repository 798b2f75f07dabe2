"""核查比例 and 核查抽取: an office's share of 告知承诺 approvals it checks, drawn by lot;
a check may wait for the draw (pooled, no due date yet) or lose it (not_drawn). Old rows
stay as they are: open, kept or false, each with its due date.

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-01

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0037"
down_revision: str | None = "0036"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)
JSONDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "check_ratios",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("department_code", sa.String(length=64), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("parts", sa.Integer(), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.Column("set_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["set_by_id"], ["users.id"],
                                name="fk_check_ratios_set_by_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_check_ratios"),
        sa.UniqueConstraint("department_code", "region_code",
                            name="uq_check_ratios_department_code"),
    )
    op.create_table(
        "check_draws",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("department_code", sa.String(length=64), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("parts", sa.Integer(), nullable=False),
        sa.Column("pooled", sa.Integer(), nullable=False),
        sa.Column("picked", sa.Integer(), nullable=False),
        sa.Column("record", JSONDoc, nullable=False),
        sa.Column("drawn_by_id", sa.Integer(), nullable=True),
        sa.Column("drawn_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["drawn_by_id"], ["users.id"],
                                name="fk_check_draws_drawn_by_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_check_draws"),
    )
    op.create_index("ix_check_draws_office", "check_draws",
                    ["department_code", "region_code", "drawn_at"])
    with op.batch_alter_table("follow_up_checks") as batch:
        batch.alter_column("status", type_=sa.String(length=12),
                           existing_type=sa.String(length=8), existing_nullable=False)
        batch.alter_column("due_on", existing_type=sa.Date(), nullable=True)
        batch.add_column(sa.Column("draw_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_follow_up_checks_draw_id_check_draws", "check_draws",
                                 ["draw_id"], ["id"])


def downgrade() -> None:
    # the older schema has no check without a due date nor one not drawn
    op.execute("DELETE FROM follow_up_checks WHERE status IN ('pooled', 'not_drawn')")
    with op.batch_alter_table("follow_up_checks") as batch:
        batch.drop_constraint("fk_follow_up_checks_draw_id_check_draws", type_="foreignkey")
        batch.drop_column("draw_id")
        batch.alter_column("due_on", existing_type=sa.Date(), nullable=False)
        batch.alter_column("status", type_=sa.String(length=8),
                           existing_type=sa.String(length=12), existing_nullable=False)
    op.drop_index("ix_check_draws_office", table_name="check_draws")
    op.drop_table("check_draws")
    op.drop_table("check_ratios")
