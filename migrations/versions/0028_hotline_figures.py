"""12345 figures: the last 回访 and the 重办 as columns, and an index per instant the
figures of a period count by

Revision ID: 0028
Revises: 0025
Create Date: 2026-12-01

(The lead renumbers at merge.)
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)
TIMES = ("received_at", "sign_due_at", "signed_at", "reply_due_at", "replied_at",
         "closed_at", "visited_at", "reopened_at")


def upgrade() -> None:
    with op.batch_alter_table("hotline_tickets") as batch:
        batch.add_column(sa.Column("visited_at", UTC, nullable=True))
        batch.add_column(sa.Column("satisfaction", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("reopens", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("reopened_at", UTC, nullable=True))
    for column in TIMES:
        op.create_index(f"ix_hotline_tickets_{column}", "hotline_tickets", [column])


def downgrade() -> None:
    for column in TIMES:
        op.drop_index(f"ix_hotline_tickets_{column}", table_name="hotline_tickets")
    with op.batch_alter_table("hotline_tickets") as batch:
        for column in ("reopened_at", "reopens", "satisfaction", "visited_at"):
            batch.drop_column(column)
