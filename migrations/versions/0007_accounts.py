"""accounts: idle expiry of sessions, login throttling and its record

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26

`auth_sessions.last_seen_at` lets web sessions expire after idle time (existing rows
start at their creation time); `login_throttles` counts recent failed logins per username
and per address and holds their lock; `login_events` records every failure, every lock
and every attempt refused while slowed or locked. Consents are listed by person.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("auth_sessions") as batch:
        batch.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE auth_sessions SET last_seen_at = created_at")
    with op.batch_alter_table("auth_sessions") as batch:
        batch.alter_column("last_seen_at", existing_type=sa.DateTime(timezone=True),
                           nullable=False)
    op.create_index("ix_proxy_consents_person_id", "proxy_consents", ["person_id"])
    op.create_table(
        "login_throttles",
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttles")),
    )
    op.create_table(
        "login_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("door", sa.String(8), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_events")),
    )
    op.create_index("ix_login_events_at", "login_events", ["at"])
    op.create_index("ix_login_events_username", "login_events", ["username"])


def downgrade() -> None:
    op.drop_table("login_events")
    op.drop_table("login_throttles")
    op.drop_index("ix_proxy_consents_person_id", table_name="proxy_consents")
    with op.batch_alter_table("auth_sessions") as batch:
        batch.drop_column("last_seen_at")
