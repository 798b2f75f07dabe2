"""一企一档: companies, recorded when their 营业执照 is issued

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-30

Companies registered before this revision are not recorded: their files start with the
next 营业执照 issued about them.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "companies",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("uscc", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("legal_rep_name", sa.String(length=50), nullable=True),
        sa.Column("legal_rep_id_number", sa.String(length=32), nullable=True),
        sa.Column("region_code", sa.String(length=12), sa.ForeignKey("regions.code"),
                  nullable=False),
        sa.Column("licence_number", sa.String(length=40), nullable=False),
        sa.Column("application_id", sa.Integer(), sa.ForeignKey("applications.id"),
                  nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.UniqueConstraint("uscc", name=op.f("uq_companies_uscc")),
    )
    op.create_index("ix_companies_legal_rep", "companies", ["legal_rep_id_number"])
    op.create_index("ix_companies_region", "companies", ["region_code"])


def downgrade() -> None:
    op.drop_table("companies")
