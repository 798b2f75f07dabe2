"""indexes for the sweep's lookups: an office's staff, the applications awaiting 容缺 supplements

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_users_office", "users", ["role", "region_code", "department_code"])
    op.create_index("ix_applications_supplement", "applications",
                    ["supplemented_at", "supplement_due"])


def downgrade() -> None:
    op.drop_index("ix_applications_supplement", table_name="applications")
    op.drop_index("ix_users_office", table_name="users")
