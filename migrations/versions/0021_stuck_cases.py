"""办不成事: a help request may be a stuck case reported to the 办不成事 window, linked to its
application and followed up step by step

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30

Every existing request is a 帮代办 request (`kind` help) with no follow-ups recorded.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSONDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column("help_requests", sa.Column("kind", sa.String(length=16), nullable=False,
                                             server_default="help"))
    op.add_column("help_requests", sa.Column("application_id", sa.Integer(), nullable=True))
    op.add_column("help_requests", sa.Column("follow_ups", JSONDoc, nullable=False,
                                             server_default="[]"))
    op.create_index("ix_help_requests_application_id", "help_requests", ["application_id"])
    with op.batch_alter_table("help_requests") as batch:  # SQLite: the key needs a copy
        batch.create_foreign_key("fk_help_requests_application", "applications",
                                 ["application_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("help_requests") as batch:
        batch.drop_constraint("fk_help_requests_application", type_="foreignkey")
    op.drop_index("ix_help_requests_application_id", table_name="help_requests")
    op.drop_column("help_requests", "follow_ups")
    op.drop_column("help_requests", "application_id")
    op.drop_column("help_requests", "kind")
