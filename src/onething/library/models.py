"""Documents of the library (文件库), their status history, and the words they are searched by."""

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
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onething.kernel.clock import utcnow
from onething.kernel.db import Base, JSONDoc, UTCDateTime, stored_as_string
from onething.library.rules import DocStatus

# The words a document is searched by, weighted: the title's above the text's. On
# PostgreSQL kept as a tsvector column (`search_vector`, set by the service from this
# expression) with a GIN index: a search ranks thousands of matches without cutting their
# texts again, which an index over the expression would (its recheck and ts_rank).
PG_VECTOR = ("setweight(to_tsvector('simple', search_title), 'A') || "
             "setweight(to_tsvector('simple', search_text), 'B')")
SEARCH_VECTOR = Text().with_variant(TSVECTOR(), "postgresql")
# On SQLite an FTS5 table of the same words, kept by the service; not a model.
# The title's words alone, indexed (GIN) on PostgreSQL: a search ranks the title's matches
# first over this short vector, the text's only to fill the page.
PG_TITLE_VECTOR = "to_tsvector('simple', search_title)"
FTS_TABLE = "library_search"
FTS_CREATE = (f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
              "title, body, tokenize = 'unicode61')")

class Document(Base):
    """One normative document (规范性文件): 文号, title, issuing body of a region, subject
    categories, its 成文/发布/施行 dates, full text, 政策解读, related documents (by 文号)
    and an optional PDF (a stored file)."""

    __tablename__ = "library_documents"
    __table_args__ = (
        UniqueConstraint("number"),
        Index("ix_library_documents_body", "body_code", "region_code", "published_on"),
        Index("ix_library_documents_published", "published_on"),
        Index("ix_library_documents_changed_status", "changed_status", "changed_on"),
        Index("ix_library_documents_changed_on", "changed_on"),
        Index("ix_library_documents_next_change_on", "next_change_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(100))  # 文号
    title: Mapped[str] = mapped_column(String(200))
    body_code: Mapped[str] = mapped_column(String(32))  # a department, GOV or GOVOFFICE
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    categories: Mapped[str] = mapped_column(String(200), default="")  # |营商环境|政务服务|
    written_on: Mapped[date] = mapped_column(Date)  # 成文日期
    published_on: Mapped[date] = mapped_column(Date)  # 发布日期
    effective_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # 施行日期
    related: Mapped[list[Any]] = mapped_column(JSONDoc, default=list)  # 相关文件的文号
    pdf_file_id: Mapped[str | None] = mapped_column(ForeignKey("files.id"), nullable=True)
    source: Mapped[str | None] = mapped_column(String(300), nullable=True)  # imported from
    # Its status history kept short for the search's status filter (`service.keep_status`):
    # the latest change in force when last kept (its status and date; none: no change yet)
    # and the date of the next change. Exact for every day from `changed_on` until
    # `next_change_on`; a search on another day reads the history of those documents.
    changed_status: Mapped[DocStatus | None] = mapped_column(stored_as_string(DocStatus, 16),
                                                             nullable=True)
    changed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    next_change_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    texts: Mapped[DocumentText] = relationship(back_populates="document", uselist=False)

    @property
    def body_text(self) -> str:
        return self.texts.body_text

    @property
    def interpretation(self) -> str | None:
        return self.texts.interpretation


class DocumentText(Base):
    """A document's full text, its 政策解读 and the words it is searched by: a table of
    their own, so that the documents' rows stay narrow (a search counts, filters and sorts
    thousands of them)."""

    __tablename__ = "library_texts"
    __table_args__ = (
        # GIN on PostgreSQL; on SQLite (the column empty: FTS5 searches) a B-tree of nulls
        Index("ix_library_texts_search", "search_vector", postgresql_using="gin"),
        Index("ix_library_texts_title", text(PG_TITLE_VECTOR),
              postgresql_using="gin").ddl_if(dialect="postgresql"),
    )

    document_id: Mapped[int] = mapped_column(ForeignKey("library_documents.id"),
                                             primary_key=True)
    body_text: Mapped[str] = mapped_column(Text)  # 全文
    interpretation: Mapped[str | None] = mapped_column(Text, nullable=True)  # 政策解读
    search_title: Mapped[str] = mapped_column(Text, default="")  # words, space-separated
    search_text: Mapped[str] = mapped_column(Text, default="")
    search_vector: Mapped[str | None] = mapped_column(SEARCH_VECTOR, nullable=True)  # PG
    document: Mapped[Document] = relationship(back_populates="texts")

class StatusChange(Base):
    """From `effective_on` the document's status is `status` (已修改, 失效, 废止, or 有效
    again), optionally because of a later document that replaced it."""

    __tablename__ = "library_status_changes"
    __table_args__ = (UniqueConstraint("document_id", "effective_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("library_documents.id"), index=True)
    effective_on: Mapped[date] = mapped_column(Date)
    status: Mapped[DocStatus] = mapped_column(stored_as_string(DocStatus, 16))
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("library_documents.id"),
                                                       nullable=True)
    note: Mapped[str | None] = mapped_column(String(500), nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(50))  # who, or 导入
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

Base.metadata.info.setdefault("unmodelled", set()).add(FTS_TABLE)
event.listen(DocumentText.__table__, "after_create",
             DDL(FTS_CREATE).execute_if(dialect="sqlite"))  # type: ignore[no-untyped-call]
