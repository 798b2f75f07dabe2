"""Knowledge-base articles, their versions, and the words they are searched by."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    DDL,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from onething.kernel.clock import utcnow
from onething.kernel.db import Base, JSONDoc, UTCDateTime, stored_as_string
from onething.knowledge.rules import ArticleStatus

# The words an article is searched by, weighted: the question's above the answer's. On
# PostgreSQL a GIN index over this expression (migration 0025); a search uses the same.
PG_VECTOR = ("setweight(to_tsvector('simple', search_question), 'A') || "
             "setweight(to_tsvector('simple', search_answer), 'B')")
# On SQLite an FTS5 table of the same words, kept by the service (`search.reindex`); not a
# model (a virtual table and its shadow tables), so the schema comparison leaves it out.
FTS_TABLE = "knowledge_search"
FTS_CREATE = (f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
              "question, answer, tokenize = 'unicode61')")


class Article(Base):
    """One article (知识): a question and its authoritative answer, owned by a department of
    a region, from a source document, valid for a period and reviewed by a date."""

    __tablename__ = "knowledge_articles"
    __table_args__ = (
        Index("ix_knowledge_articles_owner", "department_code", "region_code", "status"),
        Index("ix_knowledge_articles_review", "review_on"),
        Index("ix_knowledge_articles_search", text(PG_VECTOR),
              postgresql_using="gin").ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    question: Mapped[str] = mapped_column(String(200))
    answer: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(32), nullable=True)  # 诉求分类 code
    department_code: Mapped[str] = mapped_column(String(32))  # the catalog's department
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    source_title: Mapped[str | None] = mapped_column(String(200), nullable=True)
    source_number: Mapped[str | None] = mapped_column(String(100), nullable=True)  # 文号
    source_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    source_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    review_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # to be reviewed by
    review_told_for: Mapped[date | None] = mapped_column(Date, nullable=True)  # owners told
    status: Mapped[ArticleStatus] = mapped_column(stored_as_string(ArticleStatus, 16))
    version: Mapped[int] = mapped_column(Integer, default=1)
    search_question: Mapped[str] = mapped_column(Text, default="")  # words, space-separated
    search_answer: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    withdrawn_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)


class ArticleVersion(Base):
    """What an article said at one of its versions, who made it and when: its history."""

    __tablename__ = "knowledge_versions"
    __table_args__ = (UniqueConstraint("article_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("knowledge_articles.id"))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[ArticleStatus] = mapped_column(stored_as_string(ArticleStatus, 16))
    content: Mapped[dict[str, Any]] = mapped_column(JSONDoc)  # the article's fields then
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    by_name: Mapped[str] = mapped_column(String(50))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# tables the migrations make that are no model: the schema comparison leaves them (and the
# FTS5 table's shadow tables, named after it) out
Base.metadata.info.setdefault("unmodelled", set()).add(FTS_TABLE)
# a database built from the models (not by the migrations) gets the FTS5 table too
event.listen(Article.__table__, "after_create",
             DDL(FTS_CREATE).execute_if(dialect="sqlite"))  # type: ignore[no-untyped-call]
