"""rewind: durable, atomic checkpoints of an agent's workspace, and the way back.

Snapshot a workspace before a risky decision, find every checkpoint again after a restart or
from another process or machine, and see exactly what changed::

    from rewind import CheckpointService

    with CheckpointService.open("sqlite:///rewind.db") as service:
        checkpoint = service.create_workspace_snapshot("plan-1", "./workspace", "decision-1")
        print(checkpoint.metadata.extra["diff_paths"])
"""

from __future__ import annotations

import importlib

# Not typing's TYPE_CHECKING: importing typing would cost every ``import rewind`` (the agents'
# forwarding hook among them) about 10 ms; type checkers treat this name the same way.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from rewind._guard import Guard
    from rewind.aio import AsyncCheckpointService
    from rewind.errors import (
        AmbiguousCheckpointIdError,
        CheckpointNotFoundError,
        CorruptStoreError,
        DatabaseNotFoundError,
        DatabaseUnavailableError,
        DatabaseURLError,
        DeadlineExceededError,
        DiskFullError,
        HookCheckError,
        InsecureFileError,
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
        TranscriptError,
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
        AgentCall,
        ChangeCounts,
        ChangeKind,
        Checkpoint,
        CheckpointMetadata,
        CheckpointType,
        ConversationFork,
        DiffEntry,
        DiffManifest,
        EntryKind,
        FileLines,
        KeepReason,
        KeptPath,
        OnError,
        PlanStats,
        PruneReport,
        RetentionPolicy,
        RollbackResult,
        SchemaStatus,
        SchemaUpgrade,
        SessionSummary,
        StoreStats,
        ToolCallSummary,
        Trigger,
        TurnSummary,
        VerifyProblem,
        VerifyReport,
        WatchOptions,
        WatchReport,
    )
    from rewind.schema import schema_status, upgrade_schema
    from rewind.service import CheckpointService

# Each public name is imported when first used, so that a program importing one light module
# of rewind (the agents' forwarding hook) does not pay for the whole library.
_LAZY: dict[str, str] = {
    "Guard": "rewind._guard",
    "AsyncCheckpointService": "rewind.aio",
    "AmbiguousCheckpointIdError": "rewind.errors",
    "CheckpointNotFoundError": "rewind.errors",
    "CorruptStoreError": "rewind.errors",
    "DatabaseNotFoundError": "rewind.errors",
    "DatabaseUnavailableError": "rewind.errors",
    "DatabaseURLError": "rewind.errors",
    "DeadlineExceededError": "rewind.errors",
    "DiskFullError": "rewind.errors",
    "HookCheckError": "rewind.errors",
    "InsecureFileError": "rewind.errors",
    "InvalidCheckpointIdError": "rewind.errors",
    "InvalidInputError": "rewind.errors",
    "InvalidMetadataError": "rewind.errors",
    "InvalidValueError": "rewind.errors",
    "LockTimeoutError": "rewind.errors",
    "NotFoundError": "rewind.errors",
    "OutsideRootsError": "rewind.errors",
    "PathNotInCheckpointError": "rewind.errors",
    "ReadOnlyStoreError": "rewind.errors",
    "RestoreConflictError": "rewind.errors",
    "RewindError": "rewind.errors",
    "RollbackFailedError": "rewind.errors",
    "SchemaVersionError": "rewind.errors",
    "StorageError": "rewind.errors",
    "StorageOperationError": "rewind.errors",
    "TranscriptError": "rewind.errors",
    "UnreadablePathError": "rewind.errors",
    "UnsafePathError": "rewind.errors",
    "UnsupportedDurabilityError": "rewind.errors",
    "UnwritablePathError": "rewind.errors",
    "WatchDivergenceError": "rewind.errors",
    "WorkspaceError": "rewind.errors",
    "WorkspaceNotADirectoryError": "rewind.errors",
    "WorkspaceNotFoundError": "rewind.errors",
    "AgentCall": "rewind.models",
    "ChangeCounts": "rewind.models",
    "SessionSummary": "rewind.models",
    "ToolCallSummary": "rewind.models",
    "TurnSummary": "rewind.models",
    "ChangeKind": "rewind.models",
    "Checkpoint": "rewind.models",
    "CheckpointMetadata": "rewind.models",
    "CheckpointType": "rewind.models",
    "ConversationFork": "rewind.models",
    "DiffEntry": "rewind.models",
    "DiffManifest": "rewind.models",
    "EntryKind": "rewind.models",
    "FileLines": "rewind.models",
    "KeepReason": "rewind.models",
    "KeptPath": "rewind.models",
    "OnError": "rewind.models",
    "PlanStats": "rewind.models",
    "PruneReport": "rewind.models",
    "RetentionPolicy": "rewind.models",
    "RollbackResult": "rewind.models",
    "SchemaStatus": "rewind.models",
    "SchemaUpgrade": "rewind.models",
    "StoreStats": "rewind.models",
    "Trigger": "rewind.models",
    "VerifyProblem": "rewind.models",
    "VerifyReport": "rewind.models",
    "WatchOptions": "rewind.models",
    "WatchReport": "rewind.models",
    "schema_status": "rewind.schema",
    "upgrade_schema": "rewind.schema",
    "CheckpointService": "rewind.service",
}

__all__ = [
    "AgentCall",
    "AmbiguousCheckpointIdError",
    "AsyncCheckpointService",
    "ChangeCounts",
    "ChangeKind",
    "Checkpoint",
    "CheckpointMetadata",
    "CheckpointNotFoundError",
    "CheckpointService",
    "CheckpointType",
    "ConversationFork",
    "CorruptStoreError",
    "DatabaseNotFoundError",
    "DatabaseURLError",
    "DatabaseUnavailableError",
    "DeadlineExceededError",
    "DiffEntry",
    "DiffManifest",
    "DiskFullError",
    "EntryKind",
    "FileLines",
    "Guard",
    "HookCheckError",
    "InsecureFileError",
    "InvalidCheckpointIdError",
    "InvalidInputError",
    "InvalidMetadataError",
    "InvalidValueError",
    "KeepReason",
    "KeptPath",
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
    "SessionSummary",
    "StorageError",
    "StorageOperationError",
    "StoreStats",
    "ToolCallSummary",
    "TranscriptError",
    "Trigger",
    "TurnSummary",
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


def __getattr__(name: str) -> Any:
    """Import a public name on first use (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'rewind' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
