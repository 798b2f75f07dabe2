"""12345 hotline links: the source of a ticket no caller opened (a bad 好差评 rating and
its rectification), the 协办 office's opinion, and lookups of a ticket's duplicates (并单)
and of a case's tickets

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-01

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("hotline_tickets") as batch:
        batch.add_column(sa.Column("source_kind", sa.String(16), nullable=True))
        batch.add_column(sa.Column("source_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("rectification_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("hotline_assignments") as batch:
        batch.add_column(sa.Column("opinion", sa.Text(), nullable=True))
        batch.add_column(sa.Column("opinion_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_hotline_tickets_parent", "hotline_tickets", ["parent_id"])
    op.create_index("ix_hotline_tickets_application", "hotline_tickets",
                    ["application_number"])
    op.create_index("ix_hotline_tickets_source", "hotline_tickets",
                    ["source_kind", "source_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_hotline_tickets_source", "hotline_tickets")
    op.drop_index("ix_hotline_tickets_application", "hotline_tickets")
    op.drop_index("ix_hotline_tickets_parent", "hotline_tickets")
    with op.batch_alter_table("hotline_assignments") as batch:
        batch.drop_column("opinion_at")
        batch.drop_column("opinion")
    with op.batch_alter_table("hotline_tickets") as batch:
        batch.drop_column("rectification_id")
        batch.drop_column("source_id")
        batch.drop_column("source_kind")
