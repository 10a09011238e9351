"""Index each checkpoint's parent, which a prune looks children up by.

Deleting a checkpoint makes the database check that no other names it as its parent; without
this index that check reads every checkpoint, so a prune (an automatic one after each
snapshot, too) would cost more as the store grows.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_checkpoints_parent_id", "checkpoints", ["parent_id"])


def downgrade() -> None:
    op.drop_index("ix_checkpoints_parent_id", table_name="checkpoints")
