"""文件库: the document library of 政务公开 (normative documents, their status history) and
its full-text search (the texts in a table of their own, beside the narrow documents)

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-01

On SQLite the words of each document are kept in an FTS5 table (`library_search`, filled by
the service); on PostgreSQL in a tsvector column (`search_vector`, set by the service) with
a GIN index.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0038"
down_revision: str | None = "0037"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)
DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "library_documents",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("number", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body_code", sa.String(length=32), nullable=False),
        sa.Column("region_code", sa.String(length=12), sa.ForeignKey("regions.code"),
                  nullable=False),
        sa.Column("categories", sa.String(length=200), nullable=False),
        sa.Column("written_on", sa.Date(), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=True),
        sa.Column("related", DOC, nullable=False),
        sa.Column("pdf_file_id", sa.String(length=32), sa.ForeignKey("files.id"),
                  nullable=True),
        sa.Column("source", sa.String(length=300), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.UniqueConstraint("number", name=op.f("uq_library_documents_number")),
    )
    op.create_index("ix_library_documents_body", "library_documents",
                    ["body_code", "region_code", "published_on"])
    op.create_index("ix_library_documents_published", "library_documents", ["published_on"])
    op.create_table(
        "library_texts",
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("library_documents.id"),
                  primary_key=True),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("interpretation", sa.Text(), nullable=True),
        sa.Column("search_title", sa.Text(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("search_vector", sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql"),
                  nullable=True),
    )
    op.create_table(
        "library_status_changes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("library_documents.id"),
                  nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("replaced_by_id", sa.Integer(), sa.ForeignKey("library_documents.id"),
                  nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("recorded_by", sa.String(length=50), nullable=False),
        sa.Column("recorded_at", UTC, nullable=False),
        sa.UniqueConstraint("document_id", "effective_on",
                            name=op.f("uq_library_status_changes_document_id")),
    )
    op.create_index("ix_library_status_changes_document_id", "library_status_changes",
                    ["document_id"])
    op.create_index("ix_library_texts_search", "library_texts", ["search_vector"],
                    postgresql_using="gin")
    if op.get_bind().dialect.name != "postgresql":
        op.execute("CREATE VIRTUAL TABLE IF NOT EXISTS library_search USING fts5("
                   "title, body, tokenize = 'unicode61')")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TABLE IF EXISTS library_search")
    op.drop_table("library_status_changes")
    op.drop_table("library_texts")
    op.drop_table("library_documents")
