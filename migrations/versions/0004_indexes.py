"""indexes for the sweep, the lists and the statistics at province scale

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = [
    ("ix_applications_submitter", "applications", ["submitted_by_id", "id"]),
    ("ix_applications_open", "applications", ["status", "id"]),
    ("ix_applications_submitted_at", "applications", ["submitted_at"]),
    ("ix_applications_accepted_at", "applications", ["accepted_at"]),
    ("ix_applications_completed_at", "applications", ["completed_at"]),
    ("ix_tasks_open", "tasks", ["status", "id"]),
    ("ix_tasks_decided_at", "tasks", ["decided_at"]),
    ("ix_ratings_created_at", "ratings", ["created_at"]),
    ("ix_cards_raised_at", "cards", ["raised_at"]),
]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
