"""Random inspections (双随机、一公开): check items, the entity and inspector pools, 回避,
tasks with their frozen pool and draw, the objects drawn and their results

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-01

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0035"
down_revision: str | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), autoincrement=True, nullable=False)


def upgrade() -> None:
    op.create_table(
        "inspection_items", _id(),
        sa.Column("department_code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("basis", sa.Text(), nullable=False),
        sa.Column("method", sa.String(200), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["department_code"], ["departments.code"],
                                name="fk_inspection_items_department_code_departments"),
        sa.PrimaryKeyConstraint("id", name="pk_inspection_items"))
    op.create_index("ix_inspection_items_department", "inspection_items", ["department_code"])
    op.create_table(
        "inspection_entities",
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=True),
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("township_code", sa.String(12), nullable=True),
        sa.Column("risk_class", sa.String(1), nullable=False),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("uscc", name="pk_inspection_entities"))
    op.create_table(
        "inspectors", _id(),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("cert_number", sa.String(32), nullable=False),
        sa.Column("department_code", sa.String(64), nullable=False),
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("township_code", sa.String(12), nullable=True),
        sa.Column("qualification", sa.String(200), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["department_code"], ["departments.code"],
                                name="fk_inspectors_department_code_departments"),
        sa.ForeignKeyConstraint(["region_code"], ["regions.code"],
                                name="fk_inspectors_region_code_regions"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_inspectors_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_inspectors"),
        sa.UniqueConstraint("cert_number", name="uq_inspectors_cert_number"))
    op.create_index("ix_inspectors_scope", "inspectors", ["department_code", "region_code"])
    op.create_table(
        "inspection_recusals", _id(),
        sa.Column("inspector_id", sa.Integer(), nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["inspector_id"], ["inspectors.id"],
                                name="fk_inspection_recusals_inspector_id_inspectors"),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"],
                                name="fk_inspection_recusals_recorded_by_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_inspection_recusals"),
        sa.UniqueConstraint("inspector_id", "uscc", name="uq_inspection_recusals_pair"))
    op.create_table(
        "inspection_tasks", _id(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("departments", JSON, nullable=False),
        sa.Column("items", JSON, nullable=False),
        sa.Column("object_filter", sa.Text(), nullable=False),
        sa.Column("ratio", sa.Numeric(7, 6), nullable=False),
        sa.Column("inspectors_per_object", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("seed", sa.String(64), nullable=True),
        sa.Column("commitment", sa.String(64), nullable=True),
        sa.Column("pool_hash", sa.String(64), nullable=True),
        sa.Column("pool_size", sa.Integer(), nullable=True),
        sa.Column("roster", JSON, nullable=True),
        sa.Column("roster_hash", sa.String(64), nullable=True),
        sa.Column("frozen_at", UTC, nullable=True),
        sa.Column("drawn_at", UTC, nullable=True),
        sa.Column("picked", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name="fk_inspection_tasks_created_by_id_users"),
        sa.ForeignKeyConstraint(["region_code"], ["regions.code"],
                                name="fk_inspection_tasks_region_code_regions"),
        sa.PrimaryKeyConstraint("id", name="pk_inspection_tasks"))
    op.create_index("ix_inspection_tasks_region", "inspection_tasks", ["region_code", "id"])
    op.create_table(
        "inspection_pool_chunks",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("ids", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["inspection_tasks.id"],
                                name="fk_inspection_pool_chunks_task_id_inspection_tasks"),
        sa.PrimaryKeyConstraint("task_id", "seq", name="pk_inspection_pool_chunks"))
    op.create_table(
        "inspection_objects", _id(),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("township_code", sa.String(12), nullable=True),
        sa.Column("inspectors", JSON, nullable=False),
        sa.Column("left_out", JSON, nullable=False),
        sa.Column("pool_hash", sa.String(64), nullable=False),
        sa.Column("result", sa.String(16), nullable=True),
        sa.Column("result_note", sa.Text(), nullable=True),
        sa.Column("result_on", sa.Date(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("publish_due_on", sa.Date(), nullable=True),
        sa.Column("published_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"],
                                name="fk_inspection_objects_recorded_by_id_users"),
        sa.ForeignKeyConstraint(["task_id"], ["inspection_tasks.id"],
                                name="fk_inspection_objects_task_id_inspection_tasks"),
        sa.PrimaryKeyConstraint("id", name="pk_inspection_objects"),
        sa.UniqueConstraint("task_id", "seq", name="uq_inspection_objects_seq"))
    op.create_index("ix_inspection_objects_due", "inspection_objects", ["publish_due_on"])
    op.create_index("ix_inspection_objects_uscc", "inspection_objects", ["uscc"])


def downgrade() -> None:
    for table in ("inspection_objects", "inspection_pool_chunks", "inspection_tasks",
                  "inspection_recusals", "inspectors", "inspection_entities",
                  "inspection_items"):
        op.drop_table(table)
