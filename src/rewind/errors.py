"""Every exception rewind raises, in one place.

No SQLAlchemy, Alembic, Pydantic or OS exception type escapes the public API: each is
translated at one boundary and chained (``raise ... from exc``), so ``__cause__`` keeps the
original for debugging. Every message names the culprit: a checkpoint id, a path, a database
URL (with its password hidden) or a metadata key.

The hierarchy::

    RewindError
    ├── InvalidInputError (also ValueError)
    │   ├── InvalidCheckpointIdError
    │   └── InvalidMetadataError
    ├── NotFoundError (also LookupError)
    │   └── CheckpointNotFoundError
    ├── WorkspaceError
    │   ├── WorkspaceNotFoundError (also NotFoundError)
    │   ├── WorkspaceNotADirectoryError
    │   ├── UnreadablePathError
    │   ├── UnsafePathError
    │   └── RestoreConflictError
    └── StorageError
        ├── DatabaseURLError (also InvalidInputError)
        ├── DatabaseUnavailableError
        ├── SchemaVersionError
        ├── StorageOperationError
        └── CorruptStoreError
"""

from __future__ import annotations

__all__ = [
    "CheckpointNotFoundError",
    "CorruptStoreError",
    "DatabaseURLError",
    "DatabaseUnavailableError",
    "InvalidCheckpointIdError",
    "InvalidInputError",
    "InvalidMetadataError",
    "NotFoundError",
    "RestoreConflictError",
    "RewindError",
    "SchemaVersionError",
    "StorageError",
    "StorageOperationError",
    "UnreadablePathError",
    "UnsafePathError",
    "WorkspaceError",
    "WorkspaceNotADirectoryError",
    "WorkspaceNotFoundError",
]


class RewindError(Exception):
    """Base class of every error rewind raises on purpose."""


class InvalidInputError(RewindError, ValueError):
    """An argument was rejected before anything was read or written."""


class InvalidCheckpointIdError(InvalidInputError):
    """A checkpoint id is not a 26-character ULID."""


class InvalidMetadataError(InvalidInputError):
    """Checkpoint metadata could not be stored as JSON (names the offending key)."""


class NotFoundError(RewindError, LookupError):
    """Something that was asked for by name does not exist."""


class CheckpointNotFoundError(NotFoundError):
    """No checkpoint with the given id exists in the store."""

    def __init__(self, checkpoint_id: str) -> None:
        super().__init__(f"checkpoint {checkpoint_id!r} does not exist")
        self.checkpoint_id = checkpoint_id


class WorkspaceError(RewindError):
    """The workspace directory could not be read as asked."""


class WorkspaceNotFoundError(WorkspaceError, NotFoundError):
    """The workspace directory does not exist."""


class WorkspaceNotADirectoryError(WorkspaceError):
    """The workspace path exists but is not a directory."""


class UnreadablePathError(WorkspaceError):
    """A file or directory inside the workspace could not be read."""


class UnsafePathError(WorkspaceError):
    """A restore would write, follow or delete something outside the workspace root."""


class RestoreConflictError(WorkspaceError):
    """A restore would overwrite or delete something rewind does not track (ignored files)."""


class StorageError(RewindError):
    """The checkpoint store failed or refused an operation."""


class DatabaseURLError(StorageError, InvalidInputError):
    """The database URL is malformed or names an unsupported database."""


class DatabaseUnavailableError(StorageError):
    """The database could not be reached or opened."""


class SchemaVersionError(StorageError):
    """The database schema is not one this version of rewind can use."""


class StorageOperationError(StorageError):
    """A database operation failed; nothing from the failed use case was kept."""


class CorruptStoreError(StorageError):
    """A stored row or blob is not what rewind wrote (names the checkpoint, path or blob)."""
