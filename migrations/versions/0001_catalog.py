"""catalog: versions, regions, departments, fields, materials, items, bundles

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSONDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _entry_columns(table: str) -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("definition", JSONDoc, nullable=False),
        sa.Column("changed_in", sa.Integer, sa.ForeignKey(
            "catalog_versions.id", name=f"fk_{table}_changed_in_catalog_versions"),
            nullable=False),
        sa.Column("withdrawn_in", sa.Integer, sa.ForeignKey(
            "catalog_versions.id", name=f"fk_{table}_withdrawn_in_catalog_versions"),
            nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "catalog_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("document", JSONDoc, nullable=False),
        sa.Column("summary", JSONDoc, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_catalog_versions"),
    )
    op.create_index("ix_catalog_versions_digest", "catalog_versions", ["digest"])
    op.create_table(
        "regions", *_entry_columns("regions"),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("parent_code", sa.String(12), nullable=True),
        sa.PrimaryKeyConstraint("code", name="pk_regions"),
    )
    op.create_index("ix_regions_parent_code", "regions", ["parent_code"])
    for table in ("departments", "form_fields", "materials"):
        op.create_table(table, *_entry_columns(table),
                        sa.PrimaryKeyConstraint("code", name=f"pk_{table}"))
    op.create_table(
        "items", *_entry_columns("items"),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("department_code", sa.String(64),
                  sa.ForeignKey("departments.code", name="fk_items_department_code_departments"),
                  nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("legal_days", sa.Integer, nullable=False),
        sa.Column("promised_days", sa.Integer, nullable=False),
        sa.Column("fee", sa.Numeric(12, 2), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_items"),
    )
    op.create_index("ix_items_department_code", "items", ["department_code"])
    op.create_table(
        "bundles", *_entry_columns("bundles"),
        sa.Column("audience", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_bundles"),
    )


def downgrade() -> None:
    for table in ("bundles", "items", "materials", "form_fields", "departments", "regions",
                  "catalog_versions"):
        op.drop_table(table)
