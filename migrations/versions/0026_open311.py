"""Open311 GeoReport v2: API keys (hashed) and what each Open311 request sent

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "open311_keys",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("region_code", sa.String(length=12), sa.ForeignKey("regions.code"),
                  nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("revoked_at", UTC, nullable=True),
        sa.Column("last_used_at", UTC, nullable=True),
        sa.UniqueConstraint("name", name=op.f("uq_open311_keys_name")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_open311_keys_key_hash")),
    )
    op.create_table(
        "open311_requests",
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("hotline_tickets.id"),
                  primary_key=True),
        sa.Column("key_id", sa.Integer(), sa.ForeignKey("open311_keys.id"), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("device_id", sa.String(length=200), nullable=True),
        sa.Column("account_id", sa.String(length=200), nullable=True),
        sa.Column("media_url", sa.String(length=1000), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
    )
    op.create_index(op.f("ix_open311_requests_key_id"), "open311_requests", ["key_id"])


def downgrade() -> None:
    op.drop_table("open311_requests")
    op.drop_table("open311_keys")
