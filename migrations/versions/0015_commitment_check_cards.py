"""follow-up checks (核查) watched by the sweep where a card profile says so: next_check_on

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30

An open 告知承诺 check carries the first China date on which a card not yet raised can fall
due, like tasks, applications and rectifications (0006). Existing checks start at
1970-01-01 (due at once): the first sweep under a profile with a `commitment_check` row
sets them.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("follow_up_checks") as batch:
        batch.add_column(sa.Column("next_check_on", sa.Date(), nullable=False,
                                   server_default="1970-01-01"))
    op.create_index("ix_follow_up_checks_next", "follow_up_checks",
                    ["status", "next_check_on"])


def downgrade() -> None:
    op.drop_index("ix_follow_up_checks_next", table_name="follow_up_checks")
    with op.batch_alter_table("follow_up_checks") as batch:
        batch.drop_column("next_check_on")
