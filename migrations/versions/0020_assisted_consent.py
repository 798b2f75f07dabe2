"""帮办: an application the window filed for a walk-in applicant keeps the scan of the
applicant's signed consent

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30

Existing applications were not filed as 帮办: the column is empty for all of them.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSONDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column("applications", sa.Column("assisted_consent", JSONDoc, nullable=True))


def downgrade() -> None:
    op.drop_column("applications", "assisted_consent")
