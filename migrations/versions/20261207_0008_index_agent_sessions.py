"""Index each checkpoint's agent, session and turn, which a coding agent's hooks record.

The whole ``AgentCall`` is kept in the checkpoint's metadata; these columns copy its agent,
session id and turn so that a session's checkpoints (and a turn's) are found through an
index, in the order they were taken. Checkpoints stored before have none: they read back
with no ``agent_call``.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("checkpoints") as batch:
        batch.add_column(sa.Column("agent", sa.String(255), nullable=True))
        batch.add_column(sa.Column("session_id", sa.String(255), nullable=True))
        batch.add_column(sa.Column("turn", sa.String(255), nullable=True))
    op.create_index("ix_checkpoints_agent_id", "checkpoints", ["agent", "id"])
    op.create_index("ix_checkpoints_session_id_id", "checkpoints", ["session_id", "id"])
    op.create_index("ix_checkpoints_session_id_turn", "checkpoints", ["session_id", "turn"])


def downgrade() -> None:
    op.drop_index("ix_checkpoints_session_id_turn", table_name="checkpoints")
    op.drop_index("ix_checkpoints_session_id_id", table_name="checkpoints")
    op.drop_index("ix_checkpoints_agent_id", table_name="checkpoints")
    with op.batch_alter_table("checkpoints") as batch:
        batch.drop_column("turn")
        batch.drop_column("session_id")
        batch.drop_column("agent")
