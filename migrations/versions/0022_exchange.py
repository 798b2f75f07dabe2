"""跨省通办: exchange_packages (the signed packages exchanged with partner platforms)

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)
DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "exchange_packages",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("partner", sa.String(length=16), nullable=False),
        sa.Column("package_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("envelope", DOC, nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("next_attempt_at", UTC, nullable=True),
        sa.Column("application_id", sa.Integer(), sa.ForeignKey("applications.id"),
                  nullable=True),
        sa.Column("partner_number", sa.String(length=64), nullable=True),
        sa.Column("receipt", DOC, nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("done_at", UTC, nullable=True),
        sa.UniqueConstraint("direction", "package_id",
                            name=op.f("uq_exchange_packages_direction")),
    )
    op.create_index("ix_exchange_packages_due", "exchange_packages",
                    ["status", "next_attempt_at"])
    op.create_index("ix_exchange_packages_application", "exchange_packages",
                    ["application_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_exchange_packages_application", "exchange_packages")
    op.drop_index("ix_exchange_packages_due", "exchange_packages")
    op.drop_table("exchange_packages")
