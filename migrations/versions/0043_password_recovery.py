"""password recovery: the one-time codes asked for (`password_codes`, only a hash of each
code), an account's temporary password to change at the next sign-in
(`users.must_change_password`), and the channel of a message in the outbox
(`notifications.channel`: email or sms)

Revision ID: 0043
Revises: 0042
Create Date: 2026-12-01

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0043"
down_revision: str | None = "0042"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "password_codes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("code_hash", sa.String(200), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("closed_at", UTC, nullable=True),
    )
    op.create_index("ix_password_codes_name", "password_codes", ["username", "created_at"])
    op.create_index("ix_password_codes_client", "password_codes", ["client", "created_at"])
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("must_change_password", sa.Boolean, nullable=False,
                                   server_default=sa.false()))
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("channel", sa.String(8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("channel")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("must_change_password")
    op.drop_index("ix_password_codes_client", "password_codes")
    op.drop_index("ix_password_codes_name", "password_codes")
    op.drop_table("password_codes")
