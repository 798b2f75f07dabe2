"""12345 figures: the last 回访 and the 重办 as columns, and an index per instant the
figures of a period count by; the tickets already there get theirs from their 回访 and
timeline

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-01
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)
# each led by the instant a figure counts by, holding what the figure then reads
INDEXES = {
    "received_at": ["received_at", "region_code", "kind", "channel", "category_code",
                    "status"],
    "sign_due_at": ["sign_due_at", "region_code", "signed_at"],
    "signed_at": ["signed_at", "region_code", "sign_due_at"],
    "reply_due_at": ["reply_due_at", "region_code", "replied_at"],
    "replied_at": ["replied_at", "region_code", "reply_due_at"],
    "closed_at": ["closed_at", "region_code", "dispatched_at", "reopens"],
    "reopened_at": ["reopened_at", "region_code", "closed_at"],
    "visited_at": ["visited_at", "region_code", "satisfaction"],
}


def upgrade() -> None:
    with op.batch_alter_table("hotline_tickets") as batch:
        batch.add_column(sa.Column("visited_at", UTC, nullable=True))
        batch.add_column(sa.Column("satisfaction", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("reopens", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("reopened_at", UTC, nullable=True))
    _backfill()
    for name, columns in INDEXES.items():
        op.create_index(f"ix_hotline_tickets_{name}", "hotline_tickets", columns)


JSONDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TICKETS = sa.table("hotline_tickets", sa.column("id", sa.Integer),
                   sa.column("callback", JSONDoc), sa.column("timeline", JSONDoc),
                   sa.column("visited_at", UTC), sa.column("satisfaction", sa.String),
                   sa.column("reopens", sa.Integer), sa.column("reopened_at", UTC))
CHUNK = 1000


def _backfill() -> None:
    """The last 回访 (its time and answer) and the 重办 steps of each ticket called back
    before this revision, by id in chunks."""
    bind, last = op.get_bind(), 0
    while True:
        rows = bind.execute(sa.select(TICKETS.c.id, TICKETS.c.callback, TICKETS.c.timeline)
                            .where(TICKETS.c.id > last).order_by(TICKETS.c.id)
                            .limit(CHUNK)).all()
        if not rows:
            return
        for ticket_id, callback, timeline in rows:
            values = _figures_of(callback, timeline or [])
            if values:
                bind.execute(TICKETS.update().where(TICKETS.c.id == ticket_id).values(**values))
        last = rows[-1][0]


def _figures_of(callback: dict[str, Any] | None, timeline: list[dict[str, Any]]
                ) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if callback and callback.get("at"):
        values["visited_at"] = dt.datetime.fromisoformat(callback["at"])
        values["satisfaction"] = callback.get("satisfaction")
    reopened = [step["at"] for step in timeline if step.get("move") == "reopen"]
    if reopened:
        values["reopens"] = len(reopened)
        values["reopened_at"] = dt.datetime.fromisoformat(reopened[-1])
    return values


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(f"ix_hotline_tickets_{name}", table_name="hotline_tickets")
    with op.batch_alter_table("hotline_tickets") as batch:
        for column in ("reopened_at", "reopens", "satisfaction", "visited_at"):
            batch.drop_column(column)
