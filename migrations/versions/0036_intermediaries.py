"""The intermediary market (中介服务超市): intermediaries (入驻, credit score), projects with
their selection (the draw's frozen pool, commitment and record), bids and complaints

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-01

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0036"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
MONEY = sa.Numeric(14, 2)


def _fk(table: str, column: str, referred: str, key: str = "id") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{referred}.{key}"],
                                   name=op.f(f"fk_{table}_{column}_{referred}"))


def upgrade() -> None:
    # a company may be on file without a licence this platform issued (the demo's market)
    with op.batch_alter_table("companies") as batch:
        batch.alter_column("application_id", existing_type=sa.Integer(), nullable=True)
    t = "intermediaries"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("region_code", sa.String(64), nullable=False),
        sa.Column("representative_id", sa.Integer(), nullable=False),
        sa.Column("services", JSON, nullable=False),
        sa.Column("service_regions", JSON, nullable=False),
        sa.Column("qualifications", sa.Text(), nullable=False),
        sa.Column("contact_phone", sa.String(20), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("applied_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", UTC, nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("credit_score", sa.Integer(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sa.UniqueConstraint("uscc", name=op.f(f"uq_{t}_uscc")),
        _fk(t, "region_code", "regions", "code"),
        _fk(t, "representative_id", "users"),
        _fk(t, "reviewed_by_id", "users"),
    )
    op.create_index("ix_intermediaries_status", t, ["status", "id"])
    t = "agency_projects"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("service", sa.String(32), nullable=False),
        sa.Column("region_code", sa.String(64), nullable=False),
        sa.Column("budget", MONEY, nullable=False),
        sa.Column("funding", sa.String(16), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("buyer_id", sa.Integer(), nullable=False),
        sa.Column("buyer_department", sa.String(64), nullable=True),
        sa.Column("buyer_name", sa.String(200), nullable=False),
        sa.Column("material_code", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("failure", sa.Text(), nullable=True),
        sa.Column("pool", JSON, nullable=True),
        sa.Column("pool_hash", sa.String(64), nullable=True),
        sa.Column("commitment", sa.String(64), nullable=True),
        sa.Column("seed", sa.String(64), nullable=True),
        sa.Column("draw_record", JSON, nullable=True),
        sa.Column("selected_id", sa.Integer(), nullable=True),
        sa.Column("price", MONEY, nullable=True),
        sa.Column("selected_at", UTC, nullable=True),
        sa.Column("contract_number", sa.String(64), nullable=True),
        sa.Column("contracted_on", sa.Date(), nullable=True),
        sa.Column("delivery_note", sa.Text(), nullable=True),
        sa.Column("delivered_at", UTC, nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("rating_comment", sa.Text(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        _fk(t, "region_code", "regions", "code"),
        _fk(t, "buyer_id", "users"),
        _fk(t, "selected_id", "intermediaries"),
    )
    op.create_index("ix_agency_projects_status", t, ["status", "id"])
    t = "agency_bids"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("intermediary_id", sa.Integer(), nullable=False),
        sa.Column("price", MONEY, nullable=False),
        sa.Column("proposal", sa.Text(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("made_by_id", sa.Integer(), nullable=False),
        sa.Column("made_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        sa.UniqueConstraint("project_id", "intermediary_id", name=op.f(f"uq_{t}_project_id")),
        _fk(t, "project_id", "agency_projects"),
        _fk(t, "intermediary_id", "intermediaries"),
        _fk(t, "made_by_id", "users"),
    )
    op.create_index("ix_agency_bids_intermediary_id", t, ["intermediary_id"])
    t = "agency_complaints"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("intermediary_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("made_by_id", sa.Integer(), nullable=False),
        sa.Column("made_at", UTC, nullable=False),
        sa.Column("upheld", sa.Boolean(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{t}")),
        _fk(t, "project_id", "agency_projects"),
        _fk(t, "intermediary_id", "intermediaries"),
        _fk(t, "made_by_id", "users"),
        _fk(t, "decided_by_id", "users"),
    )
    op.create_index("ix_agency_complaints_project_id", t, ["project_id"])
    op.create_index("ix_agency_complaints_intermediary_id", t, ["intermediary_id"])


def downgrade() -> None:
    op.drop_table("agency_complaints")
    op.drop_table("agency_bids")
    op.drop_table("agency_projects")
    op.drop_table("intermediaries")
    op.execute("DELETE FROM companies WHERE application_id IS NULL")
    with op.batch_alter_table("companies") as batch:
        batch.alter_column("application_id", existing_type=sa.Integer(), nullable=False)
