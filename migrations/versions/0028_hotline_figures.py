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
TIMES = ("received_at", "sign_due_at", "signed_at", "reply_due_at", "replied_at",
         "closed_at", "visited_at", "reopened_at")


def upgrade() -> None:
    with op.batch_alter_table("hotline_tickets") as batch:
        batch.add_column(sa.Column("visited_at", UTC, nullable=True))
        batch.add_column(sa.Column("satisfaction", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("reopens", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("reopened_at", UTC, nullable=True))
    _backfill()
    for column in TIMES:
        op.create_index(f"ix_hotline_tickets_{column}", "hotline_tickets", [column])


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
    for column in TIMES:
        op.drop_index(f"ix_hotline_tickets_{column}", table_name="hotline_tickets")
    with op.batch_alter_table("hotline_tickets") as batch:
        for column in ("reopened_at", "reopens", "satisfaction", "visited_at"):
            batch.drop_column(column)
