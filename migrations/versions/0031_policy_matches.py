"""免申即享: the holders matched to a policy for a period, with the amount and why

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-01

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "policy_matches",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("policy_code", sa.String(64), nullable=False),
        sa.Column("holder_kind", sa.String(8), nullable=False),
        sa.Column("holder_key", sa.String(18), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("facts", JSON, nullable=False),
        sa.Column("matched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_policy_matches"),
        sa.UniqueConstraint("policy_code", "holder_key", "period",
                            name="uq_policy_matches_policy_code"),
    )
    op.create_index("ix_policy_matches_holder", "policy_matches", ["holder_key"])


def downgrade() -> None:
    op.drop_index("ix_policy_matches_holder", "policy_matches")
    op.drop_table("policy_matches")
