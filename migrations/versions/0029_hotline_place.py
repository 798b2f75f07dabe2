"""12345 tickets keep their place as the duplicate rule compares it (the address folded:
NFKC, lower case, letters and digits only), so that the 并单 candidates of a new ticket are
chosen by the database instead of read and compared one by one

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-01

"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 10_000


def _place(address: str | None) -> str | None:
    """As `hotline.rules.normalised` was when this revision was written."""
    text = unicodedata.normalize("NFKC", address or "").lower()
    return "".join(ch for ch in text if ch.isalnum()) or None


def upgrade() -> None:
    with op.batch_alter_table("hotline_tickets") as batch:
        batch.add_column(sa.Column("place", sa.String(200), nullable=True))
    bind = op.get_bind()
    tickets = sa.table("hotline_tickets", sa.column("id", sa.Integer),
                       sa.column("address", sa.String), sa.column("place", sa.String))
    last = 0
    while True:
        rows = bind.execute(sa.select(tickets.c.id, tickets.c.address).where(
            tickets.c.id > last, tickets.c.address.is_not(None)).order_by(tickets.c.id)
            .limit(BATCH)).all()
        if not rows:
            break
        bind.execute(sa.update(tickets).where(tickets.c.id == sa.bindparam("ticket")).values(
            place=sa.bindparam("folded")),
            [{"ticket": i, "folded": _place(a)} for i, a in rows])
        last = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("hotline_tickets") as batch:
        batch.drop_column("place")
