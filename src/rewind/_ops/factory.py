"""Building checkpoints: validated, immutable, dated by their ids.

``CheckpointFactory`` makes ids and turns validated fields into a frozen ``Checkpoint``
(translating Pydantic's errors into rewind's); ``SnapshotRequest`` carries everything a
snapshot needs but the files. Nothing is attached to a checkpoint after it is built.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from ulid import ULID

from rewind._ids import CheckpointIdFactory
from rewind._json import freeze_json
from rewind.errors import (
    DeadlineExceededError,
    InvalidInputError,
    InvalidMetadataError,
    InvalidValueError,
)
from rewind.models import (
    Checkpoint,
    CheckpointMetadata,
    CheckpointType,
    Identifier,
    Label,
    reported_as_invalid,
)

__all__ = ["CheckpointFactory", "SnapshotRequest", "checkpoint_type"]


@dataclass(frozen=True, slots=True)
class SnapshotRequest:
    """Who asks for a snapshot and why: everything but the files.

    Its ids and label are checked when it is made, before anything is read or written.
    """

    plan_id: str
    decision_id: str | None
    checkpoint_type: CheckpointType
    label: str | None
    metadata: dict[str, Any]
    extra: dict[str, Any]
    deadline: datetime | None = None
    """When the snapshot is no use any more: not stored after it (``DeadlineExceededError``)."""

    def __post_init__(self) -> None:
        with reported_as_invalid("snapshot request"):
            _RequestFields(plan_id=self.plan_id, decision_id=self.decision_id, label=self.label)


class _RequestFields(BaseModel):
    """The constraints a snapshot request's fields share with ``Checkpoint`` (text only)."""

    model_config = ConfigDict(strict=True)

    plan_id: Identifier
    decision_id: Identifier | None
    label: Label | None


class CheckpointFactory:
    """Makes ids and builds frozen checkpoints, reporting bad fields as rewind errors."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self._ids = CheckpointIdFactory()

    def now(self) -> datetime:
        """Return the clock's time (timezone-aware)."""
        return self._clock()

    def now_ns(self) -> int:
        """Return the clock's time in nanoseconds since the epoch."""
        now = self._clock()
        return int(now.timestamp()) * 1_000_000_000 + now.microsecond * 1_000

    def check_deadline(self, request: SnapshotRequest, workspace: str) -> None:
        """Refuse to go on with ``request`` once its deadline has passed.

        Raises:
            DeadlineExceededError: The clock is past the request's deadline.
        """
        if request.deadline is not None and self._clock() > request.deadline:
            raise DeadlineExceededError(
                f"the snapshot of {workspace!r} for plan {request.plan_id!r} was not stored: "
                f"its deadline, {request.deadline.isoformat()}, passed first",
                path=workspace,
            )

    def new_id(self, parent_id: str | None = None) -> str:
        """Return a new checkpoint id for now, sorting after ``parent_id``."""
        return str(self._ids.new(self._clock(), after=parent_id))

    def build(self, **fields: Any) -> Checkpoint:
        """Build a checkpoint; a new id is made unless ``checkpoint_id`` is given.

        The creation time is the id's millisecond.

        Raises:
            InvalidValueError: A field is invalid (the message names it).
        """
        if fields.get("checkpoint_id"):
            fields["created_at"] = _id_time(fields["checkpoint_id"])
        else:
            new = self._ids.new(self._clock(), after=fields.get("parent_id"))
            fields.update(checkpoint_id=str(new), created_at=new.datetime)
        return Checkpoint(**fields)

    @staticmethod
    def metadata(fields: Mapping[str, Any]) -> CheckpointMetadata:
        """Build checkpoint metadata.

        Raises:
            InvalidMetadataError: A field is unknown or ``extra`` is not JSON (names the key).
        """
        freeze_json(fields.get("extra", {}), "extra")
        try:
            return CheckpointMetadata(**fields)
        except InvalidValueError as exc:
            raise InvalidMetadataError(str(exc)) from exc


def checkpoint_type(value: CheckpointType | str) -> CheckpointType:
    """Return ``value`` as a ``CheckpointType``.

    Raises:
        InvalidInputError: ``value`` names no checkpoint type.
    """
    try:
        return CheckpointType(value)
    except ValueError as exc:
        choices = ", ".join(kind.value for kind in CheckpointType)
        raise InvalidInputError(f"unknown checkpoint type {value!r} (one of {choices})") from exc


def _id_time(checkpoint_id: str) -> datetime:
    return ULID.from_str(checkpoint_id).datetime
