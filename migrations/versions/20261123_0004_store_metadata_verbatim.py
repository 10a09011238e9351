"""Store checkpoint metadata as JSON text, verbatim, on PostgreSQL too.

JSONB normalises numbers: a float such as 1e300 came back as an integer, so a checkpoint read
back was not equal to the one created. rewind never queries inside metadata, so plain JSON
loses nothing. SQLite keeps JSON as text already: nothing changes there.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "checkpoints",
            "metadata",
            type_=sa.JSON(),
            existing_type=postgresql.JSONB(),
            postgresql_using="metadata::json",
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "checkpoints",
            "metadata",
            type_=postgresql.JSONB(),
            existing_type=sa.JSON(),
            postgresql_using="metadata::jsonb",
        )
