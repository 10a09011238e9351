"""Create the checkpoint store: checkpoints, their changes, blobs and workspaces.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "blobs",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("codec", sa.String(16), nullable=False),
        sa.Column("chunk_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blobs")),
    )
    op.create_table(
        "blob_chunks",
        sa.Column("blob_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["blob_id"], ["blobs.id"], name=op.f("fk_blob_chunks_blob_id_blobs")
        ),
        sa.PrimaryKeyConstraint("blob_id", "seq", name=op.f("pk_blob_chunks")),
    )
    op.create_table(
        "checkpoints",
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("plan_id", sa.String(255), nullable=False),
        sa.Column("sandbox_ref", sa.String(4096), nullable=False),
        sa.Column("decision_id", sa.String(255), nullable=True),
        sa.Column("checkpoint_type", sa.String(32), nullable=False),
        sa.Column("parent_id", sa.String(26), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("label", sa.Text(), nullable=True),
        sa.Column("metadata", JSON_DOCUMENT, nullable=False),
        sa.Column("tree_hash", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["checkpoints.id"], name=op.f("fk_checkpoints_parent_id_checkpoints")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkpoints")),
    )
    op.create_index("ix_checkpoints_decision_id", "checkpoints", ["decision_id"])
    op.create_index("ix_checkpoints_plan_id_id", "checkpoints", ["plan_id", "id"])
    op.create_table(
        "checkpoint_changes",
        sa.Column("checkpoint_id", sa.String(26), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("change", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("mode", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["checkpoint_id"],
            ["checkpoints.id"],
            name=op.f("fk_checkpoint_changes_checkpoint_id_checkpoints"),
        ),
        sa.ForeignKeyConstraint(
            ["content_hash"], ["blobs.id"], name=op.f("fk_checkpoint_changes_content_hash_blobs")
        ),
        sa.PrimaryKeyConstraint("checkpoint_id", "path", name=op.f("pk_checkpoint_changes")),
    )
    op.create_index(
        op.f("ix_checkpoint_changes_content_hash"), "checkpoint_changes", ["content_hash"]
    )
    op.create_table(
        "workspaces",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("plan_id", sa.String(255), nullable=False),
        sa.Column("sandbox_ref", sa.String(4096), nullable=False),
        sa.Column("head_id", sa.String(26), nullable=True),
        sa.ForeignKeyConstraint(
            ["head_id"], ["checkpoints.id"], name=op.f("fk_workspaces_head_id_checkpoints")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workspaces")),
        sa.UniqueConstraint("plan_id", "sandbox_ref", name=op.f("uq_workspaces_plan_id")),
    )


def downgrade() -> None:
    op.drop_table("workspaces")
    op.drop_index(op.f("ix_checkpoint_changes_content_hash"), table_name="checkpoint_changes")
    op.drop_table("checkpoint_changes")
    op.drop_index("ix_checkpoints_plan_id_id", table_name="checkpoints")
    op.drop_index("ix_checkpoints_decision_id", table_name="checkpoints")
    op.drop_table("checkpoints")
    op.drop_table("blob_chunks")
    op.drop_table("blobs")
