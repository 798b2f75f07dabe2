"""licences say whom they are about (holder kind, title, ID number or USCC) and carry the
values their item created (`data`: 统一社会信用代码, 银行账号 …)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26

Licences issued before this migration are taken as about the applicant (as they were
treated: reusable as materials of the applicant's later applications), with no data.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSONDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("licences") as batch:
        batch.add_column(sa.Column("holder_kind", sa.String(16), nullable=False,
                                   server_default="applicant"))
        batch.add_column(sa.Column("holder_title", sa.String(20), nullable=False,
                                   server_default="本人"))
        batch.add_column(sa.Column("holder_number", sa.String(32), nullable=True))
        batch.add_column(sa.Column("data", JSONDoc, nullable=False, server_default="{}"))
    op.create_index("ix_licences_holder_number", "licences", ["holder_number"])


def downgrade() -> None:
    op.drop_index("ix_licences_holder_number", table_name="licences")
    with op.batch_alter_table("licences") as batch:
        for column in ("data", "holder_number", "holder_title", "holder_kind"):
            batch.drop_column(column)
