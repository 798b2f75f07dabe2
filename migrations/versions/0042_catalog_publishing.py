"""Catalog publishing: a catalog version goes draft → reviewed → published (superseded or
rolled back later), with its author, reviewer, comment, scheduled day and publisher. The
versions loaded so far were published by the command when they were loaded; the newest is
the one in force, the others superseded.

Revision ID: 0042
Revises: 0041
Create Date: 2026-12-01

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0042"
down_revision: str | None = "0041"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("catalog_versions") as batch:
        batch.add_column(sa.Column("status", sa.String(length=16), nullable=False,
                                   server_default="published"))
        batch.add_column(sa.Column("author_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("author", sa.String(length=100), nullable=False,
                                   server_default="命令行"))
        batch.add_column(sa.Column("reviewer_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("reviewer", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("reviewed_at", UTC, nullable=True))
        batch.add_column(sa.Column("comment", sa.Text(), nullable=True))
        batch.add_column(sa.Column("publish_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("published_at", UTC, nullable=True))
        batch.add_column(sa.Column("publisher", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("supersedes_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("rollback_of", sa.Integer(), nullable=True))
    op.create_index("ix_catalog_versions_status", "catalog_versions", ["status"])
    op.execute("UPDATE catalog_versions SET published_at = loaded_at, publisher = '命令行'")
    op.execute("UPDATE catalog_versions SET status = 'superseded' WHERE id < "
               "(SELECT max(id) FROM catalog_versions)")
    op.execute("UPDATE catalog_versions SET supersedes_id = "
               "(SELECT max(p.id) FROM catalog_versions p WHERE p.id < catalog_versions.id)")


def downgrade() -> None:
    op.drop_index("ix_catalog_versions_status", "catalog_versions")
    with op.batch_alter_table("catalog_versions") as batch:
        for name in ("rollback_of", "supersedes_id", "publisher", "published_at", "publish_on",
                     "comment", "reviewed_at", "reviewer", "reviewer_id", "author",
                     "author_id", "status"):
            batch.drop_column(name)
