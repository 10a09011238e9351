"""Key change rows by the sha256 of their path, so paths of any length fit an index.

PostgreSQL refuses B-tree entries over about 2.7 kB, and a Linux path may be 4 kB.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

changes = sa.table(
    "checkpoint_changes",
    sa.column("checkpoint_id", sa.String),
    sa.column("path", sa.Text),
    sa.column("path_hash", sa.String),
)


def upgrade() -> None:
    with op.batch_alter_table("checkpoint_changes") as batch:
        batch.add_column(sa.Column("path_hash", sa.String(64), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.select(changes.c.checkpoint_id, changes.c.path)).all()
    for checkpoint_id, path in rows:
        connection.execute(
            changes.update()
            .where(changes.c.checkpoint_id == checkpoint_id, changes.c.path == path)
            .values(path_hash=hashlib.sha256(path.encode("utf-8")).hexdigest())
        )
    with op.batch_alter_table("checkpoint_changes") as batch:
        batch.alter_column("path_hash", existing_type=sa.String(64), nullable=False)
        batch.drop_constraint(op.f("pk_checkpoint_changes"), type_="primary")
        batch.create_primary_key(op.f("pk_checkpoint_changes"), ["checkpoint_id", "path_hash"])


def downgrade() -> None:
    with op.batch_alter_table("checkpoint_changes") as batch:
        batch.drop_constraint(op.f("pk_checkpoint_changes"), type_="primary")
        batch.create_primary_key(op.f("pk_checkpoint_changes"), ["checkpoint_id", "path"])
        batch.drop_column("path_hash")
