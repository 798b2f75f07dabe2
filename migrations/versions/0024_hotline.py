"""12345 hotline: tickets and their assignments to offices

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)
JSONDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "hotline_tickets",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("category_code", sa.String(length=16), nullable=False),
        sa.Column("urgency", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("centre_region", sa.String(length=12), sa.ForeignKey("regions.code"),
                  nullable=False),
        sa.Column("region_code", sa.String(length=12), sa.ForeignKey("regions.code"),
                  nullable=False),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("long", sa.Float(), nullable=True),
        sa.Column("caller_name", sa.String(length=50), nullable=False),
        sa.Column("caller_phone", sa.String(length=20), nullable=False),
        sa.Column("confidential", sa.Boolean(), nullable=False),
        sa.Column("caller_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("attachments", JSONDoc, nullable=False),
        sa.Column("application_number", sa.String(length=32), nullable=True),
        sa.Column("parent_id", sa.Integer(), sa.ForeignKey("hotline_tickets.id"),
                  nullable=True),
        sa.Column("received_at", UTC, nullable=False),
        sa.Column("dispatched_at", UTC, nullable=True),
        sa.Column("sign_due_at", UTC, nullable=True),
        sa.Column("reply_due_at", UTC, nullable=True),
        sa.Column("sign_source", sa.String(length=200), nullable=True),
        sa.Column("reply_source", sa.String(length=200), nullable=True),
        sa.Column("signed_at", UTC, nullable=True),
        sa.Column("replied_at", UTC, nullable=True),
        sa.Column("closed_at", UTC, nullable=True),
        sa.Column("outcome", JSONDoc, nullable=False),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("returns", sa.Integer(), nullable=False),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("extension", JSONDoc, nullable=True),
        sa.Column("callback", JSONDoc, nullable=True),
        sa.Column("evaluation", JSONDoc, nullable=True),
        sa.Column("timeline", JSONDoc, nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.UniqueConstraint("number", name=op.f("uq_hotline_tickets_number")),
    )
    op.create_index("ix_hotline_tickets_centre", "hotline_tickets",
                    ["centre_region", "status", "id"])
    op.create_index("ix_hotline_tickets_caller", "hotline_tickets", ["caller_id", "id"])
    op.create_index("ix_hotline_tickets_phone", "hotline_tickets", ["caller_phone"])
    op.create_table(
        "hotline_assignments",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("hotline_tickets.id"),
                  nullable=False),
        sa.Column("department_code", sa.String(length=32), nullable=False),
        sa.Column("region_code", sa.String(length=12), sa.ForeignKey("regions.code"),
                  nullable=False),
        sa.Column("host", sa.Boolean(), nullable=False),
        sa.Column("suggested", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("assigned_at", UTC, nullable=False),
        sa.Column("signed_at", UTC, nullable=True),
        sa.Column("returned_reason", sa.Text(), nullable=True),
    )
    op.create_index("ix_hotline_assignments_inbox", "hotline_assignments",
                    ["department_code", "region_code", "active", "ticket_id"])
    op.create_index(op.f("ix_hotline_assignments_ticket_id"), "hotline_assignments",
                    ["ticket_id"])


def downgrade() -> None:
    op.drop_table("hotline_assignments")
    op.drop_table("hotline_tickets")
