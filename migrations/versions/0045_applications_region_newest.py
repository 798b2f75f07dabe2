"""an index of applications by region in id order, so that a window's or a supervisor's
list reads the newest of each region in its scope instead of sorting all of them

Revision ID: 0045
Revises: 0044
Create Date: 2026-12-02

"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0045"
down_revision: str | None = "0044"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_applications_region_newest", "applications", ["region_code", "id"])


def downgrade() -> None:
    op.drop_index("ix_applications_region_newest", table_name="applications")
