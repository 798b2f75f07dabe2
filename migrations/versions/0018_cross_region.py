"""跨域通办: an application with a task decided outside its receiving region is marked,
so that the deciding region's staff see it in their scope

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05

Every existing application was decided where it was received (tasks went to the receiving
region's offices): all are `false`.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a plain ADD COLUMN (SQLite too): a batch would copy the table others reference
    op.add_column("applications", sa.Column("cross_region", sa.Boolean(), nullable=False,
                                            server_default=sa.false()))
    op.create_index("ix_applications_cross_region", "applications", ["cross_region", "id"])


def downgrade() -> None:
    op.drop_index("ix_applications_cross_region", table_name="applications")
    op.drop_column("applications", "cross_region")  # SQLite ≥ 3.35 drops it in place
