"""知识库: knowledge-base articles, their versions, and their full-text search

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-30

On SQLite the words of each article are kept in an FTS5 table (`knowledge_search`, filled
by the service); on PostgreSQL a GIN index over their `to_tsvector('simple', …)`.
(Revises 0023 on its own branch; after the hotline's 0024 it revises that.)
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)
DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
PG_VECTOR = ("setweight(to_tsvector('simple', search_question), 'A') || "
             "setweight(to_tsvector('simple', search_answer), 'B')")


def upgrade() -> None:
    op.create_table(
        "knowledge_articles",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("question", sa.String(length=200), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=True),
        sa.Column("department_code", sa.String(length=32), nullable=False),
        sa.Column("region_code", sa.String(length=12), sa.ForeignKey("regions.code"),
                  nullable=False),
        sa.Column("source_title", sa.String(length=200), nullable=True),
        sa.Column("source_number", sa.String(length=100), nullable=True),
        sa.Column("source_date", sa.Date(), nullable=True),
        sa.Column("source_url", sa.String(length=500), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.Column("review_told_for", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("search_question", sa.Text(), nullable=False),
        sa.Column("search_answer", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("updated_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("published_at", UTC, nullable=True),
        sa.Column("withdrawn_reason", sa.String(length=500), nullable=True),
    )
    op.create_index("ix_knowledge_articles_owner", "knowledge_articles",
                    ["department_code", "region_code", "status"])
    op.create_index("ix_knowledge_articles_review", "knowledge_articles", ["review_on"])
    op.create_table(
        "knowledge_versions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("article_id", sa.Integer(), sa.ForeignKey("knowledge_articles.id"),
                  nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("content", DOC, nullable=False),
        sa.Column("by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("by_name", sa.String(length=50), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.UniqueConstraint("article_id", "version",
                            name=op.f("uq_knowledge_versions_article_id")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX ix_knowledge_articles_search ON knowledge_articles "
                   f"USING gin (({PG_VECTOR}))")
    else:
        op.execute("CREATE VIRTUAL TABLE IF NOT EXISTS knowledge_search USING fts5("
                   "question, answer, tokenize = 'unicode61')")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TABLE IF EXISTS knowledge_search")
    op.drop_table("knowledge_versions")
    op.drop_table("knowledge_articles")
