"""Policy payouts: a match's confirmation, 公示, approval and payment; objections, appeals,
payout batches and their payouts (one per policy, holder and period)

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-01

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)
MATCH_COLUMNS = (
    ("note", sa.String(500)), ("account_name", sa.String(200)),
    ("account_bank", sa.String(100)), ("account_number", sa.String(40)),
    ("confirmed_by", sa.String(100)), ("confirmed_at", UTC), ("publicity_until", sa.Date()),
    ("approved_by", sa.String(100)), ("approved_at", UTC), ("paid_at", UTC),
)


def _decided() -> list[sa.Column[object]]:
    return [sa.Column("decision", sa.String(16), nullable=True),
            sa.Column("answer", sa.String(500), nullable=True),
            sa.Column("decided_by", sa.Integer(), nullable=True),
            sa.Column("decided_at", UTC, nullable=True)]


def upgrade() -> None:
    with op.batch_alter_table("policy_matches") as batch:
        for name, kind in MATCH_COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))
    op.create_table(
        "policy_objections",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("made_by", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("made_at", UTC, nullable=False),
        *_decided(),
        sa.PrimaryKeyConstraint("id", name="pk_policy_objections"),
        sa.ForeignKeyConstraint(["match_id"], ["policy_matches.id"],
                                name="fk_policy_objections_match_id_policy_matches"),
        sa.ForeignKeyConstraint(["made_by"], ["users.id"],
                                name="fk_policy_objections_made_by_users"),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"],
                                name="fk_policy_objections_decided_by_users"),
    )
    op.create_index("ix_policy_objections_match", "policy_objections", ["match_id"])
    op.create_table(
        "policy_appeals",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("policy_code", sa.String(64), nullable=False),
        sa.Column("holder_kind", sa.String(8), nullable=False),
        sa.Column("holder_key", sa.String(18), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("unmet", sa.String(500), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("made_by", sa.Integer(), nullable=False),
        sa.Column("made_at", UTC, nullable=False),
        *_decided(),
        sa.Column("match_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_policy_appeals"),
        sa.ForeignKeyConstraint(["made_by"], ["users.id"],
                                name="fk_policy_appeals_made_by_users"),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"],
                                name="fk_policy_appeals_decided_by_users"),
        sa.ForeignKeyConstraint(["match_id"], ["policy_matches.id"],
                                name="fk_policy_appeals_match_id_policy_matches"),
    )
    op.create_index("ix_policy_appeals_holder", "policy_appeals", ["holder_key"])
    op.create_index("ix_policy_appeals_policy", "policy_appeals", ["policy_code", "decision"])
    op.create_table(
        "payout_batches",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("policy_code", sa.String(64), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("total", sa.Numeric(16, 2), nullable=False),
        sa.Column("made_by", sa.String(100), nullable=False),
        sa.Column("made_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_payout_batches"),
    )
    op.create_table(
        "payouts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("policy_code", sa.String(64), nullable=False),
        sa.Column("holder_key", sa.String(18), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("payee", sa.String(200), nullable=False),
        sa.Column("account_bank", sa.String(100), nullable=False),
        sa.Column("account_number", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_payouts"),
        sa.ForeignKeyConstraint(["batch_id"], ["payout_batches.id"],
                                name="fk_payouts_batch_id_payout_batches"),
        sa.ForeignKeyConstraint(["match_id"], ["policy_matches.id"],
                                name="fk_payouts_match_id_policy_matches"),
        # the database's guarantee: nothing is paid twice for one period
        sa.UniqueConstraint("policy_code", "holder_key", "period",
                            name="uq_payouts_policy_code"),
        sa.UniqueConstraint("match_id", name="uq_payouts_match_id"),
    )
    op.create_index("ix_payouts_batch", "payouts", ["batch_id"])


def downgrade() -> None:
    op.drop_index("ix_payouts_batch", "payouts")
    op.drop_table("payouts")
    op.drop_table("payout_batches")
    op.drop_index("ix_policy_appeals_policy", "policy_appeals")
    op.drop_index("ix_policy_appeals_holder", "policy_appeals")
    op.drop_table("policy_appeals")
    op.drop_index("ix_policy_objections_match", "policy_objections")
    op.drop_table("policy_objections")
    with op.batch_alter_table("policy_matches") as batch:
        for name, _ in reversed(MATCH_COLUMNS):
            batch.drop_column(name)
