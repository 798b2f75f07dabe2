"""The document library's search within its target: each document's status history kept
short on its row (`changed_status`, `changed_on`, `next_change_on`, filled from the history
here and kept by the service and a daily job) for the status filter; on PostgreSQL a GIN
index over the title's words alone (the title's matches ranked first over a short vector).

Revision ID: 0041
Revises: 0039
Create Date: 2026-12-01

"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0041"
down_revision: str | None = "0040"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TITLE_INDEX = ("CREATE INDEX IF NOT EXISTS ix_library_texts_title ON library_texts "
               "USING gin ((to_tsvector('simple', search_title)))")


def upgrade() -> None:
    with op.batch_alter_table("library_documents") as batch:
        batch.add_column(sa.Column("changed_status", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("changed_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("next_change_on", sa.Date(), nullable=True))
    op.create_index("ix_library_documents_changed_status", "library_documents",
                    ["changed_status", "changed_on"])
    op.create_index("ix_library_documents_changed_on", "library_documents", ["changed_on"])
    op.create_index("ix_library_documents_next_change_on", "library_documents",
                    ["next_change_on"])
    _fill(dt.datetime.now(dt.UTC).date())
    if op.get_bind().dialect.name == "postgresql":
        op.execute(TITLE_INDEX)


def _fill(day: dt.date) -> None:
    """Every document's latest change on or before `day` and its next change after."""
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT document_id, effective_on, status FROM "
                                "library_status_changes ORDER BY document_id, effective_on"))
    kept: dict[int, dict[str, object]] = {}
    for doc, on, status in rows:
        on = on if isinstance(on, dt.date) else dt.date.fromisoformat(str(on))
        row = kept.setdefault(doc, {"id": doc, "status": None, "on": None, "next": None})
        if on <= day:
            row["status"], row["on"] = status, on
        elif row["next"] is None:
            row["next"] = on
    if kept:
        bind.execute(sa.text("UPDATE library_documents SET changed_status = :status, "
                             "changed_on = :on, next_change_on = :next WHERE id = :id"),
                     list(kept.values()))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_library_texts_title")
    op.drop_index("ix_library_documents_next_change_on", "library_documents")
    op.drop_index("ix_library_documents_changed_on", "library_documents")
    op.drop_index("ix_library_documents_changed_status", "library_documents")
    with op.batch_alter_table("library_documents") as batch:
        batch.drop_column("next_change_on")
        batch.drop_column("changed_on")
        batch.drop_column("changed_status")
