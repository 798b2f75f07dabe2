"""single sign-on (OpenID Connect): accounts at the province's identity provider linked to
users, and the sign-ins through it (state, nonce, PKCE verifier; the session opened and the
ID token its logout is asked with)

Revision ID: 0044
Revises: 0043
Create Date: 2026-12-01

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0044"
down_revision: str | None = "0043"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "oidc_links",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("issuer", sa.String(length=300), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("linked_by", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("last_login_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_oidc_links_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_oidc_links"),
        sa.UniqueConstraint("issuer", "subject", name="uq_oidc_links_issuer"),
    )
    op.create_index("ix_oidc_links_user_id", "oidc_links", ["user_id"])
    op.create_table(
        "oidc_logins",
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("verifier", sa.String(length=128), nullable=False),
        sa.Column("next_url", sa.String(length=500), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("used_at", UTC, nullable=True),
        sa.Column("session_hash", sa.String(length=64), nullable=True),
        sa.Column("id_token", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("state_hash", name="pk_oidc_logins"),
    )
    op.create_index("ix_oidc_logins_created_at", "oidc_logins", ["created_at"])
    op.create_index("ix_oidc_logins_session_hash", "oidc_logins", ["session_hash"])


def downgrade() -> None:
    op.drop_index("ix_oidc_logins_session_hash", table_name="oidc_logins")
    op.drop_index("ix_oidc_logins_created_at", table_name="oidc_logins")
    op.drop_table("oidc_logins")
    op.drop_index("ix_oidc_links_user_id", table_name="oidc_links")
    op.drop_table("oidc_links")
