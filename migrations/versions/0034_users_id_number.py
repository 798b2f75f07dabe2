"""Accounts found by ID number or 统一社会信用代码: matching tells the holders with an account
(a page of a thousand keys at a time), and credit and 秒批 look the applicant up by it

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-01

"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_users_id_number", "users", ["id_number"])


def downgrade() -> None:
    op.drop_index("ix_users_id_number", table_name="users")
