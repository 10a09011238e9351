"""The domain: frozen Pydantic models and the rules for their values (no I/O here).

A built model never changes: assigning a field raises, and ``CheckpointMetadata.extra`` is a
read-only dict whose JSON arrays are tuples and whose JSON objects are read-only dicts.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, NoReturn, TypeAlias

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    computed_field,
)

from rewind.errors import InvalidMetadataError

__all__ = [
    "ChangeKind",
    "Checkpoint",
    "CheckpointMetadata",
    "CheckpointType",
    "DiffEntry",
    "DiffManifest",
    "EntryKind",
    "FrozenDict",
    "FrozenJson",
    "ManifestEntry",
    "RollbackResult",
    "StoreStats",
    "VerifyProblem",
    "VerifyReport",
    "canonical_json",
    "diff_hash",
    "freeze_json",
    "thaw_json",
    "tree_hash",
]

ULID_PATTERN = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
SHA256_PATTERN = r"^[0-9a-f]{64}$"
MAX_ID_LENGTH = 255

FrozenJson: TypeAlias = (
    bool | int | float | str | tuple["FrozenJson", ...] | Mapping[str, "FrozenJson"] | None
)
"""A JSON value that cannot be changed: arrays are tuples, objects read-only mappings."""


class FrozenDict(dict[str, Any]):
    """A JSON object that refuses every change once built.

    A real ``dict`` (``json.dumps`` and ``==`` work as usual); every mutating method raises
    ``TypeError``. ``dict(extra)`` or ``extra.copy()`` gives an ordinary, mutable ``dict``.
    """

    def _refuse(self, *args: object, **kwargs: object) -> NoReturn:
        raise TypeError("checkpoint metadata is read-only")

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __reduce__(self) -> tuple[type[FrozenDict], tuple[dict[str, Any]]]:
        return (type(self), (dict(self),))


def storable_text_problem(text: str) -> str | None:
    """Say why a database could not store ``text`` as text, or return None if it can."""
    if "\x00" in text:
        return "contains a NUL character, which databases cannot store in text"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"is not valid Unicode ({exc.reason} at position {exc.start})"
    return None


def _storable(text: str) -> str:
    if (problem := storable_text_problem(text)) is not None:
        raise ValueError(problem)
    return text


def freeze_json(value: object, where: str = "extra") -> FrozenJson:
    """Return a read-only deep copy of a JSON value (arrays become tuples).

    Args:
        value: ``None``, a bool, int, finite float or str, or lists, tuples and string-keyed
            mappings of those.
        where: How to name the value in an error message (a dotted key path).

    Returns:
        The same value with lists turned into tuples and dicts into ``FrozenDict``.

    Raises:
        InvalidMetadataError: ``value`` (at ``where``) is not representable as JSON.
    """
    if isinstance(value, str):
        if (problem := storable_text_problem(value)) is not None:
            raise InvalidMetadataError(f"{where} {problem}")
        return value
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidMetadataError(f"{where} is {value!r}, which JSON cannot represent")
        return value
    if isinstance(value, list | tuple):
        return tuple(freeze_json(item, f"{where}[{index}]") for index, item in enumerate(value))
    if isinstance(value, Mapping):
        return _freeze_object(value, where)
    raise InvalidMetadataError(
        f"{where} is a {type(value).__name__} ({value!r:.80}), which is not a JSON value"
    )


def thaw_json(value: FrozenJson) -> Any:
    """Return a plain, mutable JSON value (lists and dicts) equal to a frozen one."""
    if isinstance(value, tuple):
        return [thaw_json(item) for item in value]
    if isinstance(value, Mapping):
        return {key: thaw_json(item) for key, item in value.items()}
    return value


def _freeze_object(value: Mapping[Any, Any], where: str) -> FrozenDict:
    frozen: dict[str, FrozenJson] = {}
    for key, item in value.items():
        if not isinstance(key, str):
            raise InvalidMetadataError(f"{where} has the non-string key {key!r}")
        if (problem := storable_text_problem(key)) is not None:
            raise InvalidMetadataError(f"{where} has a key that {problem}")
        frozen[key] = freeze_json(item, f"{where}.{key}")
    return FrozenDict(frozen)


def _freeze_extra(value: Mapping[str, Any]) -> Mapping[str, FrozenJson]:
    frozen = freeze_json(value)
    assert isinstance(frozen, Mapping)  # a Mapping in gives a Mapping out
    return frozen


def _require_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


FrozenExtra = Annotated[
    Mapping[str, Any],
    AfterValidator(_freeze_extra),
    PlainSerializer(thaw_json, return_type=dict[str, Any]),
]
CheckpointId = Annotated[str, Field(pattern=ULID_PATTERN.pattern)]
StorableText = Annotated[str, AfterValidator(_storable)]
"""Text every database can store: no NUL character, valid Unicode (no lone surrogate)."""
Identifier = Annotated[StorableText, Field(min_length=1, max_length=MAX_ID_LENGTH)]
Label = Annotated[StorableText, Field(max_length=1000)]
UtcDatetime = Annotated[AwareDatetime, AfterValidator(_require_utc)]
Sha256 = Annotated[str, Field(pattern=SHA256_PATTERN)]

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class CheckpointType(StrEnum):
    """Why a checkpoint was taken."""

    MANUAL = "manual"
    PRE_DECISION = "pre_decision"
    POST_DECISION = "post_decision"
    PRE_TOOL = "pre_tool"
    POST_TOOL = "post_tool"
    ON_ERROR = "on_error"
    SAFETY = "safety"


class EntryKind(StrEnum):
    """What a tracked path is."""

    FILE = "file"
    SYMLINK = "symlink"


class ChangeKind(StrEnum):
    """How a path changed between two trees."""

    ADDED = "added"
    MODIFIED = "modified"
    DELETED = "deleted"


class CheckpointMetadata(BaseModel):
    """Why and by whom a checkpoint was taken, plus free-form JSON in ``extra``.

    Not for large payloads: ``extra`` is stored with every checkpoint row.
    """

    model_config = _FROZEN

    reason: StorableText | None = None
    source_tool: StorableText | None = None
    phase: StorableText | None = None
    extra: FrozenExtra = Field(default_factory=FrozenDict)


class Checkpoint(BaseModel):
    """One checkpoint of a workspace, exactly as it is stored.

    A workspace snapshot's ``metadata.extra`` always holds ``diff_paths``, ``diff_based``,
    ``diff_hash``, ``diff_base`` and ``tree_hash``. Not a handle on the files: use
    ``CheckpointService`` to diff or restore.
    """

    model_config = _FROZEN

    checkpoint_id: CheckpointId
    plan_id: Identifier
    sandbox_ref: Annotated[StorableText, Field(min_length=1, max_length=4096)]
    decision_id: Identifier | None = None
    checkpoint_type: CheckpointType = CheckpointType.MANUAL
    parent_id: CheckpointId | None = None
    created_at: UtcDatetime
    label: Label | None = None
    metadata: CheckpointMetadata = Field(default_factory=CheckpointMetadata)

    @property
    def is_snapshot(self) -> bool:
        """Whether this checkpoint records the files of its workspace."""
        return "tree_hash" in self.metadata.extra

    @property
    def tree_hash(self) -> str | None:
        """The hash of the whole workspace tree, or None for a checkpoint without files."""
        value = self.metadata.extra.get("tree_hash")
        return value if isinstance(value, str) else None


class DiffEntry(BaseModel):
    """How one path differs between a base tree and a target tree."""

    model_config = _FROZEN

    path: str
    change: ChangeKind
    kind: EntryKind
    old_kind: EntryKind | None = None
    old_hash: Sha256 | None = None
    new_hash: Sha256 | None = None
    old_size: int | None = None
    new_size: int | None = None
    old_mode: int | None = None
    new_mode: int | None = None


class DiffManifest(BaseModel):
    """The changes that turn the ``base`` tree into the ``target`` tree, sorted by path.

    ``base`` and ``target`` are checkpoint ids; ``base`` is None when diffing against the
    empty tree and ``target`` is None when the target is the live workspace.
    """

    model_config = _FROZEN

    base: CheckpointId | None
    target: CheckpointId | None
    entries: tuple[DiffEntry, ...]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def paths(self) -> tuple[str, ...]:
        """The changed paths, sorted."""
        return tuple(entry.path for entry in self.entries)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def hash(self) -> str:
        """The ``diff_hash`` of these entries (see the README for the encoding)."""
        return diff_hash(self.entries)


class RollbackResult(BaseModel):
    """What a rollback or restore did (or, for a dry run, would do).

    ``restored`` and ``removed`` are sorted relative POSIX paths. ``safety_checkpoint_id`` is
    the snapshot taken just before a real rollback: roll back to it to undo the rollback.
    """

    model_config = _FROZEN

    checkpoint_id: CheckpointId
    restored: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged_count: int
    safety_checkpoint_id: CheckpointId | None
    dry_run: bool


class VerifyProblem(BaseModel):
    """One thing ``verify`` found wrong, naming the checkpoint, path or blob concerned."""

    model_config = _FROZEN

    checkpoint_id: str | None = None
    path: str | None = None
    blob: str | None = None
    message: str

    def __str__(self) -> str:
        named = [
            f"{label} {value}"
            for label, value in (
                ("checkpoint", self.checkpoint_id),
                ("path", self.path),
                ("blob", self.blob),
            )
            if value is not None
        ]
        return f"{', '.join(named)}: {self.message}"


class VerifyReport(BaseModel):
    """The outcome of ``verify``: every problem found, not only the first."""

    model_config = _FROZEN

    ok: bool
    checked: int
    """How many checkpoints were checked."""
    problems: tuple[VerifyProblem, ...]


class StoreStats(BaseModel):
    """How much a checkpoint store holds."""

    model_config = _FROZEN

    checkpoints: int
    changes: int
    blobs: int
    content_bytes: int
    """Total size of the distinct contents, uncompressed."""
    stored_bytes: int
    """Total size of the compressed chunks actually stored."""


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    """One tracked path of a tree: a regular file or a symlink.

    ``content_hash`` is the sha256 of the file's bytes or of the symlink's target;
    ``mode`` holds the permission bits of a file and 0 for a symlink.
    """

    path: str
    kind: EntryKind
    content_hash: str
    size: int
    mode: int


def canonical_json(rows: list[list[Any]]) -> bytes:
    """Encode rows the one way every hash in rewind is computed over.

    JSON, no whitespace, ASCII only (every other character as a JSON ``u`` escape), so the
    bytes are the same on every machine and every database.
    """
    return json.dumps(rows, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def tree_hash(entries: Iterable[ManifestEntry]) -> str:
    """Return the sha256 of a tree: ``[path, kind, content_hash, size, mode]`` rows by path."""
    rows = [
        [entry.path, entry.kind.value, entry.content_hash, entry.size, entry.mode]
        for entry in sorted(entries, key=lambda entry: entry.path)
    ]
    return hashlib.sha256(canonical_json(rows)).hexdigest()


def diff_hash(entries: Iterable[DiffEntry]) -> str:
    """Return the sha256 of a diff: one row per entry, sorted by path.

    Each row is ``[path, change, kind, old_kind, old_hash, new_hash, old_size, new_size,
    old_mode, new_mode]`` with ``null`` where a side is absent.
    """
    rows = [
        [
            entry.path,
            entry.change.value,
            entry.kind.value,
            entry.old_kind.value if entry.old_kind else None,
            entry.old_hash,
            entry.new_hash,
            entry.old_size,
            entry.new_size,
            entry.old_mode,
            entry.new_mode,
        ]
        for entry in sorted(entries, key=lambda entry: entry.path)
    ]
    return hashlib.sha256(canonical_json(rows)).hexdigest()
