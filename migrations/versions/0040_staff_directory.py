"""the staff directory: an administrator's lock of an account (distinct from the login
throttle) with its reason, and when an account was ended

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-01

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0040"
down_revision: str | None = "0039"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("locked_at", UTC, nullable=True))
        batch.add_column(sa.Column("lock_reason", sa.String(200), nullable=True))
        batch.add_column(sa.Column("ended_at", UTC, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("ended_at")
        batch.drop_column("lock_reason")
        batch.drop_column("locked_at")
