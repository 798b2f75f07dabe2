"""帮代办: requests for help from those who cannot apply alone: help_requests

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "help_requests",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("requester_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("region_code", sa.String(length=12), sa.ForeignKey("regions.code"),
                  nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("need", sa.Text(), nullable=False),
        sa.Column("bundle_code", sa.String(length=64), nullable=True),
        sa.Column("contact_name", sa.String(length=50), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("helper_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("taken_at", UTC, nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("application_number", sa.String(length=32), nullable=True),
        sa.Column("closed_at", UTC, nullable=True),
        sa.Column("created_at", UTC, nullable=False),
    )
    op.create_index("ix_help_requests_queue", "help_requests",
                    ["region_code", "status", "due_on"])
    op.create_index("ix_help_requests_requester", "help_requests", ["requester_id", "id"])


def downgrade() -> None:
    op.drop_table("help_requests")
