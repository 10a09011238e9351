"""The domain: frozen Pydantic models and the rules for their values (no I/O here).

A built model never changes: assigning a field raises, and ``CheckpointMetadata.extra`` is a
read-only dict whose JSON arrays are tuples and whose JSON objects are read-only dicts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    computed_field,
)

from rewind._json import FrozenDict, FrozenJson, freeze_json, storable_text_problem, thaw_json
from rewind._manifest import ChangeKind, EntryKind, diff_hash
from rewind.errors import InvalidInputError, InvalidValueError

__all__ = [
    "AgentCall",
    "ChangeCounts",
    "ChangeKind",
    "Checkpoint",
    "CheckpointMetadata",
    "CheckpointType",
    "ConversationFork",
    "DiffEntry",
    "DiffManifest",
    "EntryKind",
    "FileLines",
    "KeepReason",
    "KeptPath",
    "OnError",
    "PlanStats",
    "PruneReport",
    "RetentionPolicy",
    "RollbackResult",
    "SchemaStatus",
    "SchemaUpgrade",
    "SessionSummary",
    "StoreStats",
    "ToolCallSummary",
    "Trigger",
    "TurnSummary",
    "VerifyProblem",
    "VerifyReport",
    "WatchOptions",
    "WatchReport",
]

MAX_COUNT = 1_000_000_000
"""The largest count rewind accepts (``keep_last``, a listing's ``limit``): every database's
integer holds it."""
MAX_DURATION = timedelta(days=36_500)
"""The longest duration rewind accepts (``keep_within``, ``safety_within``): 100 years."""
SNAPSHOT_KEYS = frozenset(
    {"diff_paths", "diff_based", "diff_hash", "diff_base", "tree_hash", "checkpoint_hash"}
)
"""The ``metadata.extra`` keys every workspace snapshot carries (callers cannot set them)."""
ULID_PATTERN = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
SHA256_PATTERN = r"^[0-9a-f]{64}$"
MAX_ID_LENGTH = 255
MAX_LINE = 200
"""The most characters of a prompt's first line or a tool call's summary in ``AgentCall``."""


def _storable(text: str) -> str:
    if (problem := storable_text_problem(text)) is not None:
        raise ValueError(problem)
    return text


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


def invalid_value(error: ValidationError, model: str) -> InvalidValueError:
    """Return the ``InvalidValueError`` reporting ``error``: each field, its problem, its input."""
    problems = error.errors(include_url=False)
    fields = tuple(".".join(str(part) for part in item["loc"]) for item in problems)
    described = "; ".join(
        f"{field or 'value'}: {item['msg']} (got {_shown(item['input'])})"
        for field, item in zip(fields, problems, strict=True)
    )
    return InvalidValueError(f"invalid {model}: {described}", model=model, fields=fields)


def _shown(value: object) -> str:
    try:
        return f"{value!r:.80}"
    except Exception:  # a hostile __repr__ must not hide the real error
        return f"a {type(value).__name__}"


@contextmanager
def reported_as_invalid(model: str) -> Iterator[None]:
    """Re-raise pydantic's ``ValidationError`` from the block as ``InvalidValueError``."""
    try:
        yield
    except ValidationError as exc:
        raise invalid_value(exc, model) from exc


class DomainModel(BaseModel):
    """A frozen model whose invalid values raise ``InvalidValueError``, never pydantic's error.

    Building one (``Model(...)``, ``model_validate``, ``model_validate_json``) or assigning a
    field (which a frozen model refuses) raises ``InvalidValueError`` with pydantic's
    ``ValidationError`` as its ``__cause__``.
    """

    model_config = _FROZEN

    def __init__(self, /, **data: Any) -> None:
        with reported_as_invalid(type(self).__name__):
            super().__init__(**data)

    # Validation (model_validate, nested models) still runs pydantic's own __init__ logic,
    # not this one: pydantic calls a custom __init__ only where this flag is missing.
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    def __setattr__(self, name: str, value: Any) -> None:
        with reported_as_invalid(type(self).__name__):
            super().__setattr__(name, value)

    def __delattr__(self, name: str) -> None:
        with reported_as_invalid(type(self).__name__):
            super().__delattr__(name)

    @classmethod
    def model_validate(cls, obj: Any, **options: Any) -> Self:
        """Validate ``obj`` (a mapping or an instance) into a model.

        Raises:
            InvalidValueError: A field is missing, unknown or invalid (names each one).
        """
        with reported_as_invalid(cls.__name__):
            return super().model_validate(obj, **options)

    @classmethod
    def model_validate_strings(cls, obj: Any, **options: Any) -> Self:
        """Validate a mapping of strings into a model.

        Raises:
            InvalidValueError: A field is missing, unknown or invalid (names each one).
        """
        with reported_as_invalid(cls.__name__):
            return super().model_validate_strings(obj, **options)

    @classmethod
    def model_validate_json(cls, json_data: str | bytes | bytearray, **options: Any) -> Self:
        """Validate a JSON document into a model.

        Raises:
            InvalidValueError: The document is not JSON, or a field is invalid (names it).
        """
        with reported_as_invalid(cls.__name__):
            return super().model_validate_json(json_data, **options)


class CheckpointType(StrEnum):
    """Why a checkpoint was taken."""

    MANUAL = "manual"
    PRE_DECISION = "pre_decision"
    POST_DECISION = "post_decision"
    PRE_TOOL = "pre_tool"
    POST_TOOL = "post_tool"
    ON_ERROR = "on_error"
    SAFETY = "safety"
    TURN_START = "turn_start"
    """An agent's turn begins: a prompt was submitted (before the agent acts on it)."""
    TURN_END = "turn_end"
    """An agent's turn ended: it answered the prompt and waits for the next one."""


class OnError(StrEnum):
    """What a guard does with the workspace when its block raises."""

    ROLLBACK = "rollback"
    """Snapshot the failed state, then roll back to the snapshot taken before the block."""
    KEEP = "keep"
    """Snapshot the failed state and leave it as it is."""


class Trigger(StrEnum):
    """A moment of an orchestration at which a checkpoint may be taken.

    Name them once, e.g. from configuration, with ``Trigger.parse``: a misspelled name is an
    error, never a checkpoint silently not taken.
    """

    BEFORE_TOOL = "before_tool"
    AFTER_TOOL = "after_tool"
    ON_SUBPLAN_SPAWN = "on_subplan_spawn"
    ON_ERROR = "on_error"
    BEFORE_STEP = "before_step"
    AFTER_STEP = "after_step"

    @classmethod
    def parse(cls, value: str | Iterable[str | Trigger]) -> frozenset[Trigger]:
        """Return the triggers named by a list of names or a comma-separated string.

        Names are case-insensitive and may be surrounded by spaces; empty items are ignored.

        Raises:
            InvalidInputError: ``value`` is neither text nor a collection of names, or a name
                is not a trigger (the message lists the valid ones).
        """
        if not isinstance(value, str | Iterable) or isinstance(value, bytes | Mapping):
            raise InvalidInputError(
                f"triggers must be a comma-separated string or a list of names, not {value!r:.80}"
            )
        items = value.split(",") if isinstance(value, str) else list(value)
        triggers = set()
        for item in items:
            name = item.value if isinstance(item, Trigger) else str(item).strip().lower()
            if not name:
                continue
            try:
                triggers.add(cls(name))
            except ValueError:
                valid = ", ".join(trigger.value for trigger in cls)
                raise InvalidInputError(
                    f"unknown trigger {str(item).strip()!r:.80} (valid: {valid})"
                ) from None
        return frozenset(triggers)


DEFAULT_GUARD_TRIGGERS = frozenset({Trigger.BEFORE_TOOL, Trigger.AFTER_TOOL, Trigger.ON_ERROR})
"""The checkpoints a guard takes unless told otherwise."""


def _one_line(text: str) -> str:
    if "\n" in text or "\r" in text:
        raise ValueError("must be one line (no line break)")
    return text


OneLine = Annotated[StorableText, AfterValidator(_one_line), Field(max_length=MAX_LINE)]
"""One line of text for people (a prompt's first line, a tool call's summary)."""


class AgentCall(DomainModel):
    """Which coding agent took a checkpoint, in which session, turn and tool call.

    The hooks of ``rewind hook`` fill it from the agent's hook input; the store indexes
    ``agent``, ``session_id`` and ``turn``, so a session's checkpoints are found without
    reading every row. Not a transcript: the prompt is only its first line, and the tool's
    input only a one-line summary (the transcript's path says where the rest is).

    Attributes:
        agent: The agent, as ``rewind hook`` names it (``claude-code``, ``gemini``).
        session_id: The agent's session id.
        turn: The turn: the prompt's id where the agent gives one (Claude Code's
            ``prompt_id``), else the turn's number in its session (``"1"``, ``"2"``, ...).
        prompt: The prompt's first line (at most 200 characters); None when the agent
            gives none for this event, or prompts are kept out of the store.
        tool: The tool about to run (or that ran), as the agent names it.
        tool_summary: One line saying what the tool call does: its command, or the file.
        transcript_path: Where the agent keeps the session's transcript.
    """

    agent: Identifier
    session_id: Identifier | None = None
    turn: Identifier | None = None
    prompt: OneLine | None = None
    tool: Identifier | None = None
    tool_summary: OneLine | None = None
    transcript_path: Annotated[StorableText, Field(max_length=4096)] | None = None


class CheckpointMetadata(DomainModel):
    """Why and by whom a checkpoint was taken, plus free-form JSON in ``extra``.

    ``agent_call`` names the coding agent's session, turn and tool call, for the
    checkpoints its hooks take. Not for large payloads: ``extra`` is stored with every
    checkpoint row.
    """

    reason: StorableText | None = None
    source_tool: StorableText | None = None
    phase: StorableText | None = None
    agent_call: AgentCall | None = None
    extra: FrozenExtra = Field(default_factory=FrozenDict)


class Checkpoint(DomainModel):
    """One checkpoint of a workspace, exactly as it is stored.

    A workspace snapshot's ``metadata.extra`` always holds ``diff_paths``, ``diff_based``,
    ``diff_hash``, ``diff_base`` and ``tree_hash``. Not a handle on the files: use
    ``CheckpointService`` to diff or restore.
    """

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


class DiffEntry(DomainModel):
    """How one path differs between a base tree and a target tree."""

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


class DiffManifest(DomainModel):
    """The changes that turn the ``base`` tree into the ``target`` tree, sorted by path.

    ``base`` and ``target`` are checkpoint ids; ``base`` is None when diffing against the
    empty tree and ``target`` is None when the target is the live workspace.
    """

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
        """The ``diff_hash`` of these entries (the manual says how: "Diff metadata and hashes")."""
        return diff_hash(self.entries)


class ChangeCounts(DomainModel):
    """How much a stretch of an agent's session changed: files, and lines of text files.

    Attributes:
        files_changed: The paths added, modified or deleted.
        lines_added: The lines added to text files (a binary file, a symlink or a file over
            16 MiB counts as a file only, as in a patch).
        lines_removed: The lines removed from text files.
    """

    files_changed: int = 0
    lines_added: int = 0
    lines_removed: int = 0


class ToolCallSummary(DomainModel):
    """One tool call of a turn, and what changed from its ``pre_tool`` checkpoint to the next.

    Attributes:
        checkpoint_id: Its ``pre_tool`` checkpoint.
        created_at: When that checkpoint was taken (just before the tool ran).
        tool: The tool, as the agent names it.
        tool_summary: Its one-line summary (its command, or the file).
        changes: What changed from its checkpoint to the session's next one.
    """

    checkpoint_id: CheckpointId
    created_at: UtcDatetime
    tool: str | None = None
    tool_summary: str | None = None
    changes: ChangeCounts = Field(default_factory=ChangeCounts)


class TurnSummary(DomainModel):
    """One turn of a session: its prompt, its tool calls, and what it changed.

    Attributes:
        turn: The turn, as ``AgentCall.turn`` names it.
        prompt: The prompt's first line (None when the store keeps none).
        started_at: When its first checkpoint was taken.
        first_checkpoint_id: Its first checkpoint (its ``turn_start``, when recorded).
        last_checkpoint_id: Where its changes are counted to: its ``turn_end``; without
            one, the next turn's first checkpoint, else the session's latest.
        ended: Whether its ``turn_end`` is recorded.
        changes: What changed from its first checkpoint to ``last_checkpoint_id``.
        tool_calls: Its tool calls, oldest first.
    """

    turn: str | None = None
    prompt: str | None = None
    started_at: UtcDatetime
    first_checkpoint_id: CheckpointId
    last_checkpoint_id: CheckpointId
    ended: bool = False
    changes: ChangeCounts = Field(default_factory=ChangeCounts)
    tool_calls: tuple[ToolCallSummary, ...] = ()


class SessionSummary(DomainModel):
    """One agent session in a workspace: its turns, oldest first, with what each changed.

    Attributes:
        session_id: The agent's session id.
        agent: The agent, as ``rewind hook`` names it.
        sandbox_ref: The workspace.
        started_at: When its first checkpoint was taken.
        last_at: When its latest checkpoint was taken.
        checkpoints: How many checkpoints it has.
        turns: Its turns, oldest first.
    """

    session_id: str
    agent: str | None = None
    sandbox_ref: str
    started_at: UtcDatetime
    last_at: UtcDatetime
    checkpoints: int
    turns: tuple[TurnSummary, ...] = ()


class ConversationFork(DomainModel):
    """An agent's conversation forked just before a turn's prompt, as a new session.

    The new session's transcript lies beside the old one and holds every line before the
    turn's prompt, in the new session; the old session's transcript is left as it was.
    Not the code: ``undo`` puts the workspace back (``rewind undo --conversation`` does both).

    Attributes:
        agent: The agent, as ``rewind hook`` names it (``claude-code``).
        session_id: The session forked.
        new_session_id: The new session: continue it with ``resume_command``.
        turn: The turn forked at: the new session ends just before its prompt.
        prompt: That prompt's first line (None when the store keeps none).
        transcript_path: The session's transcript, left as it was.
        new_transcript_path: The new session's transcript, beside it.
        lines: How many lines the new transcript holds.
        dry_run: Whether nothing was written (a dry run reads and checks all the same).
    """

    agent: Identifier
    session_id: Identifier
    new_session_id: Identifier
    turn: Identifier
    prompt: OneLine | None = None
    transcript_path: Annotated[StorableText, Field(max_length=4096)]
    new_transcript_path: Annotated[StorableText, Field(max_length=4096)]
    lines: Annotated[int, Field(ge=1)]
    dry_run: bool = False

    @computed_field  # type: ignore[prop-decorator]
    @property
    def resume_command(self) -> str:
        """The command that continues the new session, run in the workspace."""
        return f"claude --resume {self.new_session_id}"


class KeepReason(StrEnum):
    """Why a rollback left a path exactly as it was, when it would otherwise have changed it."""

    IGNORED = "ignored"
    """The checkpoint rolled back to ignored it (its own ``.gitignore`` or ``.rewindignore``
    files said so), so it holds no copy of it: it is neither removed nor changed."""
    GIT = "git"
    """It is a ``.git`` directory or file (at any depth), which rewind never tracks nor
    touches: the directory holding it stays, even when everything else in it is removed."""
    HAND_EDIT = "hand_edit"
    """It changed since the agent last wrote it (a person's edit, made while no tool call
    ran): going back would lose that change. Only ``force=True`` overwrites it."""
    CONFLICT = "conflict"
    """It changed both in the history gone back over (the agent's turns undone) and since
    the agent last wrote it: neither version is chosen for the person. ``force=True``
    overwrites it with the checkpoint's."""


class KeptPath(DomainModel):
    """A path a rollback or ``restore_paths`` left as it was, and why (see ``KeepReason``)."""

    path: str
    reason: KeepReason


class FileLines(DomainModel):
    """The lines a dry run's rollback would add to and remove from one text file."""

    path: str
    lines_added: int
    lines_removed: int


class RollbackResult(DomainModel):
    """What a rollback or restore did (or, for a dry run, would do).

    ``restored`` and ``removed`` are sorted relative POSIX paths. ``kept``, sorted by path,
    lists the paths it would otherwise have removed or changed but left exactly as they are
    (see ``KeepReason``). ``safety_checkpoint_id`` is the snapshot taken just before a real
    rollback: roll back to it to undo the rollback. A dry run's ``lines``, sorted by path,
    say how many lines each text file it would restore or remove gains and loses (a binary
    file, a symlink, or a file over 16 MiB on either side: not listed); a real rollback's
    are empty.
    """

    checkpoint_id: CheckpointId
    restored: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged_count: int
    safety_checkpoint_id: CheckpointId | None
    dry_run: bool
    kept: tuple[KeptPath, ...] = ()
    lines: tuple[FileLines, ...] = ()

    @property
    def conflicts(self) -> tuple[str, ...]:
        """The kept paths a person and the history gone back over both changed, sorted."""
        return tuple(kept.path for kept in self.kept if kept.reason is KeepReason.CONFLICT)


class VerifyProblem(DomainModel):
    """One thing ``verify`` found wrong, naming the checkpoint, path or blob concerned."""

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


class VerifyReport(DomainModel):
    """The outcome of ``verify``: every problem found, not only the first."""

    ok: bool
    checked: int
    """How many checkpoints were checked."""
    problems: tuple[VerifyProblem, ...]


class PlanStats(DomainModel):
    """How much one plan's checkpoints hold (see ``StoreStats`` for each figure)."""

    plan_id: str
    checkpoints: int
    snapshots: int
    stored_bytes: int
    """Compressed bytes of the contents the plan's snapshots use (shared ones counted in each
    plan that uses them)."""
    tree_bytes: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ratio(self) -> float:
        """``tree_bytes`` per byte stored (0.0 when nothing is stored)."""
        return _ratio(self.tree_bytes, self.stored_bytes)


class StoreStats(DomainModel):
    """How much a checkpoint store holds, in total and per plan.

    ``tree_bytes`` is what every snapshot's whole tree would take as plain files, without
    compression or deduplication (a full copy per snapshot); ``ratio`` is that over
    ``stored_bytes``: how many times smaller the store is than those copies.
    """

    checkpoints: int
    changes: int
    blobs: int
    content_bytes: int
    """Total size of the distinct contents, uncompressed."""
    stored_bytes: int
    """Total size of the compressed chunks actually stored."""
    snapshots: int = 0
    tree_bytes: int = 0
    plans: tuple[PlanStats, ...] = ()
    """One entry per plan, sorted by plan id."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ratio(self) -> float:
        """``tree_bytes`` per byte stored (0.0 when nothing is stored)."""
        return _ratio(self.tree_bytes, self.stored_bytes)


def _ratio(numerator: int, denominator: int) -> float:
    return round(numerator / denominator, 2) if denominator else 0.0


class RetentionPolicy(DomainModel):
    """Which checkpoints ``prune`` keeps: those any rule keeps (the rules are OR-ed).

    Each workspace's head and the target of a rollback under way are always kept. A safety
    checkpoint is kept only while it is younger than ``safety_within`` (unless ``keep_types``
    names ``SAFETY``): the other rules do not count it. A policy with no rule besides
    ``keep_labelled`` and ``safety_within`` is empty, and ``prune`` refuses it.

    Attributes:
        keep_last: The newest N checkpoints of each workspace (snapshots grouped by plan and
            directory; checkpoints without files by plan and ``sandbox_ref``).
        keep_within: Every checkpoint younger than this.
        keep_labelled: Every checkpoint with a label.
        keep_types: Every checkpoint of these types.
        safety_within: How long safety checkpoints are kept; None: like any other.
        max_bytes: A budget for the contents the store keeps (compressed, what
            ``StoreStats.stored_bytes`` counts): once the rules above have deleted what
            they delete, the oldest checkpoints left go first until the store fits, but a
            head or a rollback's target never. A policy with this rule alone keeps everything
            else.
    """

    keep_last: Annotated[int, Field(ge=1, le=MAX_COUNT)] | None = None
    keep_within: Annotated[timedelta, Field(ge=timedelta(0), le=MAX_DURATION)] | None = None
    keep_labelled: bool = True
    keep_types: frozenset[CheckpointType] = frozenset()
    safety_within: Annotated[timedelta, Field(ge=timedelta(0), le=MAX_DURATION)] | None = timedelta(
        days=1
    )
    max_bytes: Annotated[int, Field(ge=1)] | None = None

    @property
    def is_empty(self) -> bool:
        """Whether no rule chooses what to keep.

        ``keep_labelled`` alone does not, nor does a ``keep_within`` of zero (it keeps nothing).
        A byte budget does: it keeps everything it can.
        """
        return not (self.keep_last or self.keep_within or self.keep_types or self.max_bytes)

    @property
    def keeps_by_rules(self) -> bool:
        """Whether a rule besides the byte budget chooses what to keep."""
        return bool(self.keep_last or self.keep_within or self.keep_types)


class PruneReport(DomainModel):
    """What ``prune`` deleted (or, for a dry run, would delete).

    ``bytes_freed`` counts the compressed bytes of the deleted contents.
    """

    deleted: tuple[str, ...]
    """The ids of the deleted checkpoints, oldest first."""
    kept: int
    """How many checkpoints in the pruned scope were kept."""
    blobs_deleted: int
    bytes_freed: int
    dry_run: bool


class SchemaStatus(DomainModel):
    """Which schema revision a database holds, beside the newest one this rewind ships.

    Not a health check: it reads one version row and says nothing of the rows beside it
    (``CheckpointService.verify`` checks those).
    """

    database: str
    """The database's URL, its password hidden."""
    revision: str | None
    """The database's revision; None when it holds no rewind store."""
    head: str
    """The newest revision this version of rewind ships."""

    @property
    def up_to_date(self) -> bool:
        """Whether the database holds a store at the newest revision."""
        return self.revision == self.head


class SchemaUpgrade(DomainModel):
    """What ``upgrade_schema`` did: the revision before, and the status after."""

    previous_revision: str | None
    """The revision before the upgrade; None when there was no store and one was created."""
    status: SchemaStatus
    """The database's status after the upgrade (always ``up_to_date``)."""


class WatchOptions(DomainModel):
    """How a long-lived service watches the workspaces it snapshots (``watch=True``).

    While a service has watched a workspace without a gap since its own last scan of it, a
    snapshot looks only at what the kernel reported changed; anything in doubt makes it scan
    the whole workspace, as without a watcher. Linux only (inotify); elsewhere it scans.

    Attributes:
        paranoid: Scan the whole workspace too on every watched snapshot and raise
            ``WatchDivergenceError`` if the two differ (Mercurial's ``fsmonitor.mode``).
        allow_remote: Watch on network and overlay file systems too, where inotify misses
            what other machines (or lower layers) change (git's ``fsmonitor.allowRemote``).
        full_scan_every: The safety net: scan the whole workspace after this many watched
            snapshots (changes inotify never reports: writes through ``mmap``, a hard link
            written through a name outside the workspace). None: never.
        full_scan_after: The same, after this long since the last full scan. None: never.
        max_workspaces: Watch at most this many workspaces at once, those snapshotted last;
            each holds one of the few inotify instances the kernel gives a user
            (``fs.inotify.max_user_instances``, 128 by default).
    """

    paranoid: bool = False
    allow_remote: bool = False
    full_scan_every: Annotated[int, Field(ge=1, le=MAX_COUNT)] | None = 1000
    full_scan_after: Annotated[timedelta, Field(gt=timedelta(0), le=MAX_DURATION)] | None = (
        timedelta(minutes=10)
    )
    max_workspaces: Annotated[int, Field(ge=1, le=MAX_COUNT)] = 64


class WatchReport(DomainModel):
    """What a service's watcher did since the service was opened.

    ``watched_snapshots`` looked only at what the kernel reported; ``full_scans`` scanned
    the whole workspace, for the reasons counted in ``full_scan_reasons`` (the first scan of
    a workspace, a queue overflow, the workspace moved, ...). ``watching`` counts the
    workspaces watched now, and ``directories`` their watched directories (never an ignored
    one).
    """

    watching: int = 0
    directories: int = 0
    watched_snapshots: int = 0
    full_scans: int = 0
    full_scan_reasons: dict[str, int] = Field(default_factory=dict)
