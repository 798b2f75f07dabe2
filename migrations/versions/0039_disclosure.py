"""依申请公开: requests for government information with their clock (due_on and
extended_due_on on the working-day calendar), 补正, extension, third-party consultation and
the reply of one of the types of art. 36; and each step on a request.

Revision ID: 0039
Revises: 0037
Create Date: 2026-12-01

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0039"
down_revision: str | None = "0038"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)
JSONDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _user(column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["users.id"],
                                   name=f"fk_disclosure_requests_{column}_users")


def upgrade() -> None:
    op.create_table(
        "disclosure_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("applicant_id", sa.Integer(), nullable=True),
        sa.Column("applicant_name", sa.String(length=200), nullable=False),
        sa.Column("applicant_type", sa.String(length=16), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("delivery", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("department_code", sa.String(length=64), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("clock_start_on", sa.Date(), nullable=False),
        sa.Column("paused_days", sa.Integer(), nullable=False),
        sa.Column("extension_days", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("extended_due_on", sa.Date(), nullable=True),
        sa.Column("correction_asked_on", sa.Date(), nullable=True),
        sa.Column("correction_note", sa.Text(), nullable=True),
        sa.Column("correction_due_on", sa.Date(), nullable=True),
        sa.Column("corrected_on", sa.Date(), nullable=True),
        sa.Column("correction_text", sa.Text(), nullable=True),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.Column("extension_approver", sa.String(length=100), nullable=True),
        sa.Column("extended_on", sa.Date(), nullable=True),
        sa.Column("third_party", sa.String(length=200), nullable=True),
        sa.Column("consult_sent_on", sa.Date(), nullable=True),
        sa.Column("consult_due_on", sa.Date(), nullable=True),
        sa.Column("consult_back_on", sa.Date(), nullable=True),
        sa.Column("consult_opinion", sa.Text(), nullable=True),
        sa.Column("reply_kind", sa.String(length=16), nullable=True),
        sa.Column("reply", JSONDoc, nullable=True),
        sa.Column("redress", sa.Text(), nullable=True),
        sa.Column("document_id", sa.String(length=32), nullable=True),
        sa.Column("fee_mode", sa.String(length=8), nullable=False),
        sa.Column("fee_pages", sa.Integer(), nullable=True),
        sa.Column("fee_yuan", sa.Integer(), nullable=False),
        sa.Column("replied_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("lapsed", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        _user("applicant_id"), _user("recorded_by_id"), _user("replied_by_id"),
        sa.ForeignKeyConstraint(["region_code"], ["regions.code"],
                                name="fk_disclosure_requests_region_code_regions"),
        sa.ForeignKeyConstraint(["document_id"], ["files.id"],
                                name="fk_disclosure_requests_document_id_files"),
        sa.PrimaryKeyConstraint("id", name="pk_disclosure_requests"),
    )
    op.create_index("ix_disclosure_requests_office", "disclosure_requests",
                    ["region_code", "department_code", "status"])
    op.create_index("ix_disclosure_requests_applicant", "disclosure_requests",
                    ["applicant_id", "received_on"])
    op.create_index("ix_disclosure_requests_received", "disclosure_requests", ["received_on"])
    op.create_table(
        "disclosure_steps",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("move", sa.String(length=16), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["disclosure_requests.id"],
                                name="fk_disclosure_steps_request_id_disclosure_requests"),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"],
                                name="fk_disclosure_steps_actor_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_disclosure_steps"),
    )
    op.create_index("ix_disclosure_steps_request", "disclosure_steps", ["request_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_disclosure_steps_request", table_name="disclosure_steps")
    op.drop_table("disclosure_steps")
    for name in ("received", "applicant", "office"):
        op.drop_index(f"ix_disclosure_requests_{name}", table_name="disclosure_requests")
    op.drop_table("disclosure_requests")
