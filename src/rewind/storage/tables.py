"""The database schema as SQLAlchemy 2.0 typed rows, on one naming-conventioned MetaData.

Only Alembic revisions (``migrations/``) create or change these tables; a scenario proves
that ``upgrade head`` and this module agree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "Base",
    "BlobChunkRow",
    "BlobRow",
    "ChangeRow",
    "CheckpointRow",
    "WorkspaceEntryRow",
    "WorkspaceRow",
]

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """The declarative base of every rewind table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class WorkspaceRow(Base):
    """A (plan, workspace directory) pair and the checkpoint its next snapshot diffs against.

    Locking this row serialises the snapshots and rollbacks of one workspace.
    """

    __tablename__ = "workspaces"
    __table_args__ = (UniqueConstraint("plan_id", "sandbox_ref"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_id: Mapped[str] = mapped_column(String(255))
    sandbox_ref: Mapped[str] = mapped_column(String(4096))
    head_id: Mapped[str | None] = mapped_column(String(26), ForeignKey("checkpoints.id"))
    restoring_to: Mapped[str | None] = mapped_column(String(26), ForeignKey("checkpoints.id"))
    """Set while a rollback to this checkpoint is writing files; cleared when it is done."""
    index_head: Mapped[str | None] = mapped_column(String(26))
    """The checkpoint whose tree the workspace's ``WorkspaceEntryRow`` rows hold (its index)."""
    index_version: Mapped[int] = mapped_column(Integer, server_default="0")
    """Raised by every change of the head or the index, so a cached copy knows it is current."""
    index_origin: Mapped[str | None] = mapped_column(String(255))
    """The machine whose file status the index records (another machine's proves nothing)."""


class CheckpointRow(Base):
    """One checkpoint with its full metadata, written once and never updated."""

    __tablename__ = "checkpoints"
    __table_args__ = (
        Index("ix_checkpoints_plan_id_id", "plan_id", "id"),
        Index("ix_checkpoints_decision_id", "decision_id"),
        Index("ix_checkpoints_agent_id", "agent", "id"),
        Index("ix_checkpoints_session_id_id", "session_id", "id"),
        Index("ix_checkpoints_session_id_turn", "session_id", "turn"),
    )

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    plan_id: Mapped[str] = mapped_column(String(255))
    sandbox_ref: Mapped[str] = mapped_column(String(4096))
    decision_id: Mapped[str | None] = mapped_column(String(255))
    checkpoint_type: Mapped[str] = mapped_column(String(32))
    parent_id: Mapped[str | None] = mapped_column(
        String(26), ForeignKey("checkpoints.id"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    label: Mapped[str | None] = mapped_column(Text)
    metadata_document: Mapped[dict[str, Any]] = mapped_column("metadata", JSON)
    """JSON kept as written (not JSONB, which would turn the float 1e300 into an integer)."""
    tree_hash: Mapped[str | None] = mapped_column(String(64))
    agent: Mapped[str | None] = mapped_column(String(255))
    """The indexed copies of ``metadata.agent_call``'s agent, session and turn (the metadata
    holds the whole ``AgentCall``; a checkpoint taken by no agent has none)."""
    session_id: Mapped[str | None] = mapped_column(String(255))
    turn: Mapped[str | None] = mapped_column(String(255))


class ChangeRow(Base):
    """How one path changed in a snapshot, against the snapshot's parent."""

    __tablename__ = "checkpoint_changes"

    checkpoint_id: Mapped[str] = mapped_column(
        String(26), ForeignKey("checkpoints.id"), primary_key=True
    )
    path_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    """sha256 of the UTF-8 path: an index entry of fixed size, however long the path."""
    path: Mapped[str] = mapped_column(Text)
    change: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    content_hash: Mapped[str | None] = mapped_column(String(64), ForeignKey("blobs.id"), index=True)
    size: Mapped[int | None] = mapped_column(BigInteger)
    mode: Mapped[int | None] = mapped_column(Integer)


class BlobRow(Base):
    """A content, addressed by its sha256, stored once however many checkpoints use it."""

    __tablename__ = "blobs"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    codec: Mapped[str] = mapped_column(String(16))
    chunk_count: Mapped[int] = mapped_column(Integer)


class BlobChunkRow(Base):
    """One compressed chunk of a blob (chunks keep memory bounded for large files)."""

    __tablename__ = "blob_chunks"

    blob_id: Mapped[str] = mapped_column(String(64), ForeignKey("blobs.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class WorkspaceEntryRow(Base):
    """One path of a workspace's index: its head's entry, and the status that proves it.

    ``mtime_ns``, ``ctime_ns`` and ``inode`` (with ``size``) are the file's status when it was
    last read; all three are NULL when nothing proves the entry (the file is read next time).
    """

    __tablename__ = "workspace_entries"

    workspace_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("workspaces.id"), primary_key=True
    )
    path_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    path: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    content_hash: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    mode: Mapped[int] = mapped_column(Integer)
    mtime_ns: Mapped[int | None] = mapped_column(BigInteger)
    ctime_ns: Mapped[int | None] = mapped_column(BigInteger)
    inode: Mapped[int | None] = mapped_column(BigInteger)
