"""Record which rollback a workspace is in the middle of, to finish it after a crash.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workspaces") as batch:
        batch.add_column(sa.Column("restoring_to", sa.String(26), nullable=True))
        batch.create_foreign_key(
            op.f("fk_workspaces_restoring_to_checkpoints"),
            "checkpoints",
            ["restoring_to"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("workspaces") as batch:
        batch.drop_constraint(op.f("fk_workspaces_restoring_to_checkpoints"), type_="foreignkey")
        batch.drop_column("restoring_to")
