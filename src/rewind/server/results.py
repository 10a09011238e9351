"""The typed results of rewind's MCP tools: each tool's output schema is one of these."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from rewind.models import Checkpoint, KeepReason, KeptPath, RollbackResult, SessionSummary

__all__ = [
    "MAX_LISTED_PATHS",
    "Change",
    "CheckpointList",
    "CheckpointSummary",
    "DiffResult",
    "FileContent",
    "PlanCounts",
    "RestoreResult",
    "SessionLog",
    "StatsResult",
]

MAX_LISTED_PATHS = 100
"""The most changed paths a checkpoint's summary lists (``changed_count`` counts them all)."""


class CheckpointSummary(BaseModel):
    """A checkpoint, in brief."""

    checkpoint_id: str
    plan_id: str
    workspace: str
    checkpoint_type: str
    created_at: datetime
    label: str | None
    reason: str | None
    parent_id: str | None
    changed_count: int = Field(description="How many paths changed since the parent.")
    changed_paths: list[str] = Field(description=f"The first {MAX_LISTED_PATHS} changed paths.")

    @classmethod
    def of(cls, checkpoint: Checkpoint) -> CheckpointSummary:
        """Summarise ``checkpoint``."""
        paths = list(checkpoint.metadata.extra.get("diff_paths", ()))
        return cls(
            checkpoint_id=checkpoint.checkpoint_id,
            plan_id=checkpoint.plan_id,
            workspace=checkpoint.sandbox_ref,
            checkpoint_type=checkpoint.checkpoint_type.value,
            created_at=checkpoint.created_at,
            label=checkpoint.label,
            reason=checkpoint.metadata.reason,
            parent_id=checkpoint.parent_id,
            changed_count=len(paths),
            changed_paths=paths[:MAX_LISTED_PATHS],
        )


class CheckpointList(BaseModel):
    """Checkpoints, newest first."""

    checkpoints: list[CheckpointSummary]


class SessionLog(BaseModel):
    """An agent's sessions in a workspace, newest first, each turn with what it changed."""

    workspace: str
    sessions: list[SessionSummary]


class Change(BaseModel):
    """One changed path."""

    path: str
    change: str = Field(description="added, modified or deleted")


class DiffResult(BaseModel):
    """What changed from one checkpoint to another, or to the live workspace."""

    from_checkpoint_id: str
    to_checkpoint_id: str | None = Field(description="None: the live workspace.")
    changes: list[Change]
    patch: str | None = Field(description="A unified diff, when asked for.")
    truncated: bool = Field(description="Whether the patch was cut at max_bytes.")


class FileContent(BaseModel):
    """One file as a checkpoint recorded it: text when it is UTF-8, base64 otherwise."""

    checkpoint_id: str
    path: str
    size: int
    text: str | None
    base64: str | None
    truncated: bool = Field(description="Whether the content was cut at max_bytes.")


class RestoreResult(BaseModel):
    """What a rollback or a restore of some paths did, or (a dry run) would do."""

    checkpoint_id: str
    dry_run: bool
    restored: list[str]
    removed: list[str]
    unchanged_count: int
    safety_checkpoint_id: str | None = Field(
        description="Roll back to it to undo this; None for a dry run."
    )
    kept: list[KeptPath] = Field(
        default_factory=list,
        description=(
            "Paths left as they are, with why: ignored by the checkpoint, git's own, a "
            "person's edit since the agent last wrote it (hand_edit), or changed by both the "
            "history gone back over and a person (conflict)."
        ),
    )
    message: str

    @classmethod
    def of(cls, result: RollbackResult, what: str) -> RestoreResult:
        """Report ``result`` of a ``what`` ("rollback" or "restore")."""
        people = sum(kept.reason in _PEOPLES for kept in result.kept)
        edits = f" {people} changed by a person since the agent wrote them: kept." if people else ""
        if result.dry_run:
            message = (
                f"dry run: {len(result.restored)} to restore, {len(result.removed)} to remove; "
                f"nothing changed.{edits} Call again with confirm=true to do it."
            )
        else:
            message = (
                f"{len(result.restored)} restored, {len(result.removed)} removed.{edits} To "
                f"undo this {what}: rollback checkpoint_id={result.safety_checkpoint_id} "
                "confirm=true"
            )
        return cls(
            checkpoint_id=result.checkpoint_id,
            dry_run=result.dry_run,
            restored=list(result.restored),
            removed=list(result.removed),
            unchanged_count=result.unchanged_count,
            safety_checkpoint_id=result.safety_checkpoint_id,
            kept=list(result.kept),
            message=message,
        )


_PEOPLES = (KeepReason.HAND_EDIT, KeepReason.CONFLICT)
"""Why a path a person changed is kept."""


class PlanCounts(BaseModel):
    """What one plan's checkpoints hold."""

    plan_id: str
    checkpoints: int
    snapshots: int
    stored_bytes: int
    tree_bytes: int
    ratio: float = Field(description="tree_bytes over stored_bytes: what storing saves.")


class StatsResult(BaseModel):
    """What the store holds (see ``StoreStats``), in total and per plan."""

    checkpoints: int
    changes: int
    blobs: int
    content_bytes: int
    stored_bytes: int
    snapshots: int
    tree_bytes: int
    ratio: float = Field(description="tree_bytes over stored_bytes: what storing saves.")
    plans: list[PlanCounts]
