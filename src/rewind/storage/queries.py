"""``StoreQueries`` in SQL: the read side for statistics, counting across the aggregates."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rewind.models import StoreStats
from rewind.storage.records import DirectoryScope
from rewind.storage.sql import count, in_directories
from rewind.storage.tables import BlobChunkRow, BlobRow, ChangeRow, CheckpointRow

__all__ = ["SqlStoreQueries"]


class SqlStoreQueries:
    """``StoreQueries`` on a SQLAlchemy session (SQLite or PostgreSQL)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def stats(
        self, plan_id: str | None = None, *, within: DirectoryScope | None = None
    ) -> StoreStats:
        """Count checkpoints, changes, blobs and their bytes (of one plan, or scope, if given).

        A plan's (or scope's) blobs are those its change rows use; ``tree_bytes`` and
        ``plans`` are left for the caller, who walks the histories.
        """
        session = self._session
        checkpoints = select(CheckpointRow.id)
        if plan_id is not None:
            checkpoints = checkpoints.where(CheckpointRow.plan_id == plan_id)
        if within is not None:
            checkpoints = checkpoints.where(in_directories(CheckpointRow.sandbox_ref, within))
        changes = select(ChangeRow.content_hash)
        blobs = select(BlobRow.id, BlobRow.size)
        chunks = select(BlobChunkRow.data)
        if plan_id is not None or within is not None:
            changes = changes.where(ChangeRow.checkpoint_id.in_(checkpoints))
            used = select(ChangeRow.content_hash).where(ChangeRow.checkpoint_id.in_(checkpoints))
            blobs = blobs.where(BlobRow.id.in_(used))
            chunks = chunks.where(BlobChunkRow.blob_id.in_(used))
        blob_rows = blobs.subquery()
        chunk_rows = chunks.subquery()
        return StoreStats(
            checkpoints=count(session, checkpoints),
            snapshots=count(session, checkpoints.where(CheckpointRow.tree_hash.is_not(None))),
            changes=count(session, changes),
            blobs=count(session, select(blob_rows.c.id)),
            content_bytes=session.scalar(select(func.coalesce(func.sum(blob_rows.c.size), 0))) or 0,
            stored_bytes=session.scalar(
                select(func.coalesce(func.sum(func.length(chunk_rows.c.data)), 0))
            )
            or 0,
        )

    def plan_stored_bytes(self, *, within: DirectoryScope | None = None) -> dict[str, int]:
        """Return, per plan, the stored bytes of the contents its change rows (in scope) use."""
        used_rows = (
            select(CheckpointRow.plan_id, ChangeRow.content_hash)
            .join(ChangeRow, ChangeRow.checkpoint_id == CheckpointRow.id)
            .where(ChangeRow.content_hash.is_not(None))
        )
        if within is not None:
            used_rows = used_rows.where(in_directories(CheckpointRow.sandbox_ref, within))
        used = used_rows.distinct().subquery()
        sizes = (
            select(BlobChunkRow.blob_id, func.sum(func.length(BlobChunkRow.data)).label("bytes"))
            .group_by(BlobChunkRow.blob_id)
            .subquery()
        )
        rows = self._session.execute(
            select(used.c.plan_id, func.sum(sizes.c.bytes))
            .join(sizes, sizes.c.blob_id == used.c.content_hash)
            .group_by(used.c.plan_id)
        )
        return {plan: int(total or 0) for plan, total in rows}

    def change_sizes(
        self, plan_id: str | None = None, *, within: DirectoryScope | None = None
    ) -> Iterator[tuple[str, str, str, Any]]:
        """Yield (checkpoint id, path, change, size) of every change row (of one plan, scope)."""
        statement = select(
            ChangeRow.checkpoint_id, ChangeRow.path, ChangeRow.change, ChangeRow.size
        )
        if plan_id is not None or within is not None:
            statement = statement.join(CheckpointRow, CheckpointRow.id == ChangeRow.checkpoint_id)
        if plan_id is not None:
            statement = statement.where(CheckpointRow.plan_id == plan_id)
        if within is not None:
            statement = statement.where(in_directories(CheckpointRow.sandbox_ref, within))
        for row in self._session.execute(statement.execution_options(yield_per=2000)):
            yield row.checkpoint_id, row.path, row.change, row.size
