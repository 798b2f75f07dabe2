"""好差评 per service: a case's receiving window and each deciding department are rated once
each (国办发〔2019〕51号), no longer one rating per case

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02

`ratings.service` names the service rated ("window", or "department:" and the department's
code); the unique key moves from (application, applicant) to (application, service).
Existing ratings, one per case, get the service they name.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SERVICE = ("CASE WHEN target = 'window' THEN 'window' "
           "ELSE 'department:' || COALESCE(department_code, '') END")


@contextmanager
def _rectifications_aside() -> Iterator[None]:
    """SQLite rebuilds `ratings` to change its unique key; the rectifications pointing at it
    wait in a temporary table meanwhile (their foreign keys would refuse the drop)."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("CREATE TEMPORARY TABLE rectifications_aside AS SELECT * FROM rectifications")
        op.execute("DELETE FROM rectifications")
    yield
    if sqlite:
        op.execute("INSERT INTO rectifications SELECT * FROM rectifications_aside")
        op.execute("DROP TABLE rectifications_aside")


def upgrade() -> None:
    with op.batch_alter_table("ratings") as batch:
        batch.add_column(sa.Column("service", sa.String(length=80), nullable=True))
    op.execute(f"UPDATE ratings SET service = {SERVICE}")
    with _rectifications_aside(), op.batch_alter_table("ratings") as batch:
        batch.alter_column("service", existing_type=sa.String(length=80), nullable=False)
        batch.drop_constraint("uq_ratings_application_id", type_="unique")
        batch.create_unique_constraint("uq_ratings_service", ["application_id", "service"])


def downgrade() -> None:
    """Back to one rating per case: refused while a case holds several (nothing is deleted)."""
    several = op.get_bind().scalar(sa.text(
        "SELECT application_id FROM ratings GROUP BY application_id, applicant_id "
        "HAVING COUNT(*) > 1 LIMIT 1"))
    if several is not None:
        raise RuntimeError(f"application {several} holds several ratings (one per service): "
                           "revision 0015 keeps one per case; export or remove them first")
    with _rectifications_aside(), op.batch_alter_table("ratings") as batch:
        batch.drop_constraint("uq_ratings_service", type_="unique")
        batch.create_unique_constraint("uq_ratings_application_id",
                                       ["application_id", "applicant_id"])
        batch.drop_column("service")
