"""Keep each workspace's index: its head's tree, with the file status that proves each entry.

A snapshot reads a file only when its status differs from the one recorded here, and diffs
against these rows instead of folding the change history. The index is derived data: an
empty or out-of-date index (``index_head`` is not the head) is rebuilt by the next snapshot.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workspaces") as batch:
        batch.add_column(sa.Column("index_head", sa.String(26), nullable=True))
        batch.add_column(
            sa.Column("index_version", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("index_origin", sa.String(255), nullable=True))
    op.create_table(
        "workspace_entries",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("path_hash", sa.String(64), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mode", sa.Integer(), nullable=False),
        sa.Column("mtime_ns", sa.BigInteger(), nullable=True),
        sa.Column("ctime_ns", sa.BigInteger(), nullable=True),
        sa.Column("inode", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_workspace_entries_workspace_id_workspaces"),
        ),
        sa.PrimaryKeyConstraint("workspace_id", "path_hash", name=op.f("pk_workspace_entries")),
    )


def downgrade() -> None:
    op.drop_table("workspace_entries")
    with op.batch_alter_table("workspaces") as batch:
        batch.drop_column("index_origin")
        batch.drop_column("index_version")
        batch.drop_column("index_head")
