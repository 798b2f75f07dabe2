"""supervision watches the deadlines of rectifications and commitment checks in a table of
its own: watched_deadlines

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04

Ratings and commitments announce each deadline to watch (`WatchStarted`) and its end
(`WatchEnded`); supervision keeps what its sweep needs (the subject, when it opened, its
due date, the title of its cards, the office answering for it) instead of reading the
sibling domains' tables. The open rectifications and commitment checks of an upgraded
database are watched from here on with their `next_check_on`, so no card is lost and none
is raised twice; that column leaves `rectifications` and `follow_up_checks`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHINA = ZoneInfo("Asia/Shanghai")
OPEN_RECTIFICATION = ("verifying", "deciding", "rectifying", "following_up")
# the table whose `next_check_on` moves here → the index the sweep read it through
LEFT = {"rectifications": "ix_rectifications_due", "follow_up_checks": "ix_follow_up_checks_next"}

watched = sa.table(
    "watched_deadlines", sa.column("subject", sa.String), sa.column("subject_id", sa.Integer),
    sa.column("opened_on", sa.Date), sa.column("due_on", sa.Date),
    sa.column("title", sa.String), sa.column("region_code", sa.String),
    sa.column("department_code", sa.String), sa.column("window", sa.Boolean),
    sa.column("application_id", sa.Integer), sa.column("task_id", sa.Integer),
    sa.column("responsible_id", sa.Integer), sa.column("next_check_on", sa.Date))


def upgrade() -> None:
    op.create_table(
        "watched_deadlines",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("subject", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("department_code", sa.String(length=64), nullable=True),
        sa.Column("window", sa.Boolean(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("responsible_id", sa.Integer(), nullable=True),
        sa.Column("next_check_on", sa.Date(), server_default="1970-01-01", nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"],
                                name=op.f("fk_watched_deadlines_application_id_applications")),
        sa.ForeignKeyConstraint(["task_id"], ["tasks.id"],
                                name=op.f("fk_watched_deadlines_task_id_tasks")),
        sa.ForeignKeyConstraint(["responsible_id"], ["users.id"],
                                name=op.f("fk_watched_deadlines_responsible_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watched_deadlines")),
        sa.UniqueConstraint("subject", "subject_id", name=op.f("uq_watched_deadlines_subject")),
    )
    op.create_index("ix_watched_deadlines_due", "watched_deadlines",
                    ["subject", "next_check_on"])
    rows = [*_open_rectifications(), *_open_checks()]
    for start in range(0, len(rows), 500):
        op.bulk_insert(watched, rows[start:start + 500])
    for table, index in LEFT.items():
        op.drop_index(index, table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("next_check_on")


def _china_date(at: dt.datetime) -> dt.date:
    """The China date of a stored UTC instant (SQLite gives it back without a zone)."""
    return (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).astimezone(CHINA).date()


def _rows(query: str, **params: Any) -> list[Any]:
    """The rows of `query`, its timestamps and dates read as such on both databases."""
    statement = sa.text(query).bindparams(
        *(sa.bindparam(k, expanding=isinstance(v, tuple)) for k, v in params.items()))
    return list(op.get_bind().execute(statement.columns(
        created_at=sa.DateTime(timezone=True), due_on=sa.Date(), next_check_on=sa.Date()),
        params))


def _open_rectifications() -> Iterator[dict[str, Any]]:
    """As `ratings` announces them: the office rated answers (the department, or the window
    for a rating of the window)."""
    for r in _rows(
            "SELECT r.id, r.created_at, r.due_on, r.region_code, r.department_code, r.target,"
            " r.application_id, r.next_check_on, a.number FROM rectifications r"
            " JOIN applications a ON a.id = r.application_id WHERE r.status IN :open",
            open=OPEN_RECTIFICATION):
        window = r.target == "window"
        yield {"subject": "rectification", "subject_id": r.id,
               "opened_on": _china_date(r.created_at), "due_on": r.due_on,
               "title": f"差评整改（办件 {r.number}）", "region_code": r.region_code,
               "department_code": None if window else r.department_code, "window": window,
               "application_id": r.application_id, "task_id": None, "responsible_id": None,
               "next_check_on": r.next_check_on}


def _open_checks() -> Iterator[dict[str, Any]]:
    """As `commitments` announces them: the deciding office answers."""
    for c in _rows(
            "SELECT c.id, c.created_at, c.due_on, c.region_code, c.department_code,"
            " c.application_id, c.task_id, c.item_name, c.next_check_on, a.number"
            " FROM follow_up_checks c JOIN applications a ON a.id = c.application_id"
            " WHERE c.status = 'open'"):
        yield {"subject": "commitment_check", "subject_id": c.id,
               "opened_on": _china_date(c.created_at), "due_on": c.due_on,
               "title": f"告知承诺核查：{c.item_name}（办件 {c.number}）",
               "region_code": c.region_code, "department_code": c.department_code,
               "window": False, "application_id": c.application_id, "task_id": c.task_id,
               "responsible_id": None, "next_check_on": c.next_check_on}


def downgrade() -> None:
    """The sweep reads the rectifications and checks again: each starts due at once (the
    cards' unique key keeps any card from being raised twice)."""
    for table, index in LEFT.items():
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("next_check_on", sa.Date(), nullable=False,
                                       server_default="1970-01-01"))
        op.create_index(index, table, ["status", "next_check_on"])
    op.drop_index("ix_watched_deadlines_due", table_name="watched_deadlines")
    op.drop_table("watched_deadlines")
