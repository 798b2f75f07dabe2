"""the sweep reads only the cases whose next card can be due: next_check_on

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25

Every open task, application and rectification carries the first China date on which a
card not yet raised can fall due; the sweep reads `status IN (open) AND next_check_on <=
today` through an index instead of assessing every open case on every run. Existing rows
start at 1970-01-01 (due at once), so the first sweep after the upgrade sets them all.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ["tasks", "applications", "rectifications"]
DROPPED = {"tasks": "ix_tasks_open", "applications": "ix_applications_open"}


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("next_check_on", sa.Date(), nullable=False,
                                       server_default="1970-01-01"))
        if table in DROPPED:
            op.drop_index(DROPPED[table], table_name=table)
        op.create_index(f"ix_{table}_due", table, ["status", "next_check_on"])
    op.create_table(
        "sweep_marks",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sweep_marks")
    for table in reversed(TABLES):
        op.drop_index(f"ix_{table}_due", table_name=table)
        if table in DROPPED:
            op.create_index(DROPPED[table], table, ["status", "id"])
        with op.batch_alter_table(table) as batch:
            batch.drop_column("next_check_on")
