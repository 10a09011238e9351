"""Seal existing snapshots: add ``checkpoint_hash`` to their ``metadata.extra``.

A rollback now checks, before touching a file, that a snapshot's id, plan, workspace
directory and tree hash still hash to its ``checkpoint_hash`` (as its manifest must hash to
its ``tree_hash``). Snapshots written before this revision get theirs here, computed from the
values they hold now. No table changes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

checkpoints = sa.table(
    "checkpoints",
    sa.column("id", sa.String),
    sa.column("plan_id", sa.String),
    sa.column("sandbox_ref", sa.String),
    sa.column("tree_hash", sa.String),
    sa.column("metadata", sa.JSON),
)


def _seal(checkpoint_id: str, plan_id: str, sandbox_ref: str, tree_hash: str) -> str:
    rows = [[checkpoint_id, plan_id, sandbox_ref, tree_hash]]
    encoded = json.dumps(rows, ensure_ascii=True, separators=(",", ":")).encode("ascii")
    return hashlib.sha256(encoded).hexdigest()


def upgrade() -> None:
    connection = op.get_bind()
    snapshots = connection.execute(
        sa.select(
            checkpoints.c.id,
            checkpoints.c.plan_id,
            checkpoints.c.sandbox_ref,
            checkpoints.c.tree_hash,
            checkpoints.c.metadata,
        ).where(checkpoints.c.tree_hash.is_not(None))
    ).all()
    for row in snapshots:
        document = row.metadata
        if not isinstance(document, dict) or not isinstance(document.get("extra"), dict):
            continue  # damaged already: verify() reports it
        seal = _seal(row.id, row.plan_id, row.sandbox_ref, row.tree_hash)
        sealed = {**document, "extra": {**document["extra"], "checkpoint_hash": seal}}
        connection.execute(
            sa.update(checkpoints).where(checkpoints.c.id == row.id).values(metadata=sealed)
        )


def downgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(checkpoints.c.id, checkpoints.c.metadata).where(
            checkpoints.c.tree_hash.is_not(None)
        )
    ).all()
    for row in rows:
        document = row.metadata
        if isinstance(document, dict) and isinstance(document.get("extra"), dict):
            extra = {key: value for key, value in document["extra"].items()}
            extra.pop("checkpoint_hash", None)
            connection.execute(
                sa.update(checkpoints)
                .where(checkpoints.c.id == row.id)
                .values(metadata={**document, "extra": extra})
            )
