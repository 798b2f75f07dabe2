"""special procedures with an expected length, watched; the window's clock after a resubmission

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26

`special_procedures`: one row per special procedure (特别程序) of a task, with its kind,
expected length and end; the sweep watches its expected end (the card profile's
`special_procedure` check). Suspensions started before this migration named no length:
they have no row, are not watched, and end as before when resumed.

`applications.resubmitted_at`: the window's pre-acceptance clock restarts at a
resubmission after a return.

The sweep's rules version changes with this release, so its first run reads every open
case again (see docs/OPERATIONS.md, upgrades).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "special_procedures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("procedure", sa.String(length=16), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("expected_end", sa.Date(), nullable=False),
        sa.Column("expected_end_provisional", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("started_by_id", sa.Integer(), nullable=True),
        sa.Column("next_check_on", sa.Date(), server_default="1970-01-01", nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"],
                                name=op.f("fk_special_procedures_task_id_tasks")),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"],
                                name=op.f("fk_special_procedures_application_id_applications")),
        sa.ForeignKeyConstraint(["started_by_id"], ["users.id"],
                                name=op.f("fk_special_procedures_started_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_special_procedures")),
    )
    op.create_index("ix_special_procedures_due", "special_procedures",
                    ["status", "next_check_on"])
    op.create_index("ix_special_procedures_application", "special_procedures",
                    ["application_id", "id"])
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("resubmitted_at", sa.DateTime(timezone=True),
                                   nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.drop_column("resubmitted_at")
    op.drop_index("ix_special_procedures_application", table_name="special_procedures")
    op.drop_index("ix_special_procedures_due", table_name="special_procedures")
    op.drop_table("special_procedures")
