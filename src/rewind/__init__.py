"""rewind: durable, atomic checkpoints of an agent's workspace, and the way back.

Snapshot a workspace before a risky decision, find every checkpoint again after a restart or
from another process or machine, and see exactly what changed::

    from rewind import CheckpointService

    with CheckpointService.open("sqlite:///rewind.db") as service:
        checkpoint = service.create_workspace_snapshot("plan-1", "./workspace", "decision-1")
        print(checkpoint.metadata.extra["diff_paths"])
"""

from __future__ import annotations

from rewind._guard import Guard
from rewind.aio import AsyncCheckpointService
from rewind.errors import (
    AmbiguousCheckpointIdError,
    CheckpointNotFoundError,
    CorruptStoreError,
    DatabaseNotFoundError,
    DatabaseUnavailableError,
    DatabaseURLError,
    DiskFullError,
    InvalidCheckpointIdError,
    InvalidInputError,
    InvalidMetadataError,
    InvalidValueError,
    LockTimeoutError,
    NotFoundError,
    OutsideRootsError,
    PathNotInCheckpointError,
    ReadOnlyStoreError,
    RestoreConflictError,
    RewindError,
    RollbackFailedError,
    SchemaVersionError,
    StorageError,
    StorageOperationError,
    UnreadablePathError,
    UnsafePathError,
    UnsupportedDurabilityError,
    UnwritablePathError,
    WatchDivergenceError,
    WorkspaceError,
    WorkspaceNotADirectoryError,
    WorkspaceNotFoundError,
)
from rewind.models import (
    ChangeKind,
    Checkpoint,
    CheckpointMetadata,
    CheckpointType,
    DiffEntry,
    DiffManifest,
    EntryKind,
    OnError,
    PlanStats,
    PruneReport,
    RetentionPolicy,
    RollbackResult,
    SchemaStatus,
    SchemaUpgrade,
    StoreStats,
    Trigger,
    VerifyProblem,
    VerifyReport,
    WatchOptions,
    WatchReport,
)
from rewind.schema import schema_status, upgrade_schema
from rewind.service import CheckpointService

__all__ = [
    "AmbiguousCheckpointIdError",
    "AsyncCheckpointService",
    "ChangeKind",
    "Checkpoint",
    "CheckpointMetadata",
    "CheckpointNotFoundError",
    "CheckpointService",
    "CheckpointType",
    "CorruptStoreError",
    "DatabaseNotFoundError",
    "DatabaseURLError",
    "DatabaseUnavailableError",
    "DiffEntry",
    "DiffManifest",
    "DiskFullError",
    "EntryKind",
    "Guard",
    "InvalidCheckpointIdError",
    "InvalidInputError",
    "InvalidMetadataError",
    "InvalidValueError",
    "LockTimeoutError",
    "NotFoundError",
    "OnError",
    "OutsideRootsError",
    "PathNotInCheckpointError",
    "PlanStats",
    "PruneReport",
    "ReadOnlyStoreError",
    "RestoreConflictError",
    "RetentionPolicy",
    "RewindError",
    "RollbackFailedError",
    "RollbackResult",
    "SchemaStatus",
    "SchemaUpgrade",
    "SchemaVersionError",
    "StorageError",
    "StorageOperationError",
    "StoreStats",
    "Trigger",
    "UnreadablePathError",
    "UnsafePathError",
    "UnsupportedDurabilityError",
    "UnwritablePathError",
    "VerifyProblem",
    "VerifyReport",
    "WatchDivergenceError",
    "WatchOptions",
    "WatchReport",
    "WorkspaceError",
    "WorkspaceNotADirectoryError",
    "WorkspaceNotFoundError",
    "__version__",
    "schema_status",
    "upgrade_schema",
]

__version__ = "0.1.0"
"""The version of rewind: written here only (the package metadata reads it)."""
