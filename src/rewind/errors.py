"""Every exception rewind raises, in one place.

No SQLAlchemy, Alembic, Pydantic or OS exception type escapes the public API: each is
translated where it is raised and chained (``raise ... from exc``), so ``__cause__`` keeps the
original for debugging. Every message names the culprit: a checkpoint id, a path, a database
URL (with its password hidden) or a metadata key.

Errors carry data as well as text, so orchestration code can act without parsing messages:
``checkpoint_id`` and ``path`` (None when not known), and ``retryable`` (whether the same call
may succeed if simply tried again). A ``RollbackFailedError`` also says whether the workspace
was put back (``undone``) and which safety checkpoint holds the state before the rollback.

The hierarchy:

    RewindError
    ├── InvalidInputError (also ValueError)
    │   ├── InvalidCheckpointIdError
    │   │   └── AmbiguousCheckpointIdError
    │   ├── UnsupportedDurabilityError
    │   ├── InvalidMetadataError
    │   └── InvalidValueError
    ├── NotFoundError (also LookupError)
    │   ├── CheckpointNotFoundError
    │   └── PathNotInCheckpointError
    ├── DeadlineExceededError
    ├── DiskFullError
    ├── HookCheckError
    ├── InsecureFileError
    ├── TranscriptError
    ├── WatchDivergenceError
    ├── WorkspaceError
    │   ├── WorkspaceNotFoundError (also NotFoundError)
    │   ├── WorkspaceNotADirectoryError
    │   ├── UnreadablePathError
    │   ├── UnwritablePathError
    │   ├── UnsafePathError
    │   │   └── OutsideRootsError
    │   ├── RestoreConflictError
    │   └── RollbackFailedError
    └── StorageError
        ├── DatabaseURLError (also InvalidInputError)
        ├── DatabaseNotFoundError (also NotFoundError)
        ├── DatabaseUnavailableError                      retryable
        │   └── LockTimeoutError                          retryable
        ├── ReadOnlyStoreError
        ├── SchemaVersionError
        ├── StorageOperationError
        └── CorruptStoreError
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "AmbiguousCheckpointIdError",
    "CheckpointNotFoundError",
    "CorruptStoreError",
    "DatabaseNotFoundError",
    "DatabaseURLError",
    "DatabaseUnavailableError",
    "DeadlineExceededError",
    "DiskFullError",
    "HookCheckError",
    "InsecureFileError",
    "InvalidCheckpointIdError",
    "InvalidInputError",
    "InvalidMetadataError",
    "InvalidValueError",
    "LockTimeoutError",
    "NotFoundError",
    "OutsideRootsError",
    "PathNotInCheckpointError",
    "ReadOnlyStoreError",
    "RestoreConflictError",
    "RewindError",
    "RollbackFailedError",
    "SchemaVersionError",
    "StorageError",
    "StorageOperationError",
    "TranscriptError",
    "UnreadablePathError",
    "UnsafePathError",
    "UnsupportedDurabilityError",
    "UnwritablePathError",
    "WatchDivergenceError",
    "WorkspaceError",
    "WorkspaceNotADirectoryError",
    "WorkspaceNotFoundError",
]


class RewindError(Exception):
    """Base class of every error rewind raises on purpose.

    Attributes:
        checkpoint_id: The checkpoint concerned, when there is one.
        path: The file, directory or workspace concerned, when there is one.
        retryable: Whether trying the same call again may succeed (a lock wait that timed
            out, an unreachable server); False for errors that would only repeat.
    """

    retryable: ClassVar[bool] = False

    def __init__(
        self, message: str, *, checkpoint_id: str | None = None, path: str | None = None
    ) -> None:
        super().__init__(message)
        self.checkpoint_id = checkpoint_id
        self.path = path

    def __reduce__(self) -> tuple[object, ...]:
        """Pickle (and copy) any subclass, whatever its constructor takes: its data as is."""
        return (_rebuilt, (type(self), self.args, self.__dict__))


def _rebuilt(
    cls: type[RewindError], args: tuple[object, ...], state: dict[str, object]
) -> RewindError:
    """An error of class ``cls`` with ``args`` and attributes ``state``, without __init__."""
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class InvalidInputError(RewindError, ValueError):
    """An argument was rejected before anything was read or written."""


class InvalidCheckpointIdError(InvalidInputError):
    """A checkpoint id is not a 26-character ULID."""


class AmbiguousCheckpointIdError(InvalidCheckpointIdError):
    """A shortened checkpoint id names more than one checkpoint.

    Attributes:
        candidates: The ids it could mean (at most a few), sorted.
    """

    def __init__(self, prefix: str, candidates: tuple[str, ...]) -> None:
        super().__init__(
            f"{prefix!r} names more than one checkpoint: {', '.join(candidates)}; "
            "give more characters"
        )
        self.candidates = candidates


class UnsupportedDurabilityError(InvalidInputError):
    """A LangGraph run's durability would make its workspace snapshots inexact.

    Raised by ``rewind.langgraph.WorkspaceSaver``: pass ``durability="sync"``.
    """


class InvalidMetadataError(InvalidInputError):
    """Checkpoint metadata could not be stored as JSON (names the offending key)."""


class InvalidValueError(InvalidInputError):
    """A value does not fit the model it was given to (``RetentionPolicy(keep_last=0)``).

    ``__cause__`` holds pydantic's ``ValidationError``.

    Attributes:
        model: The model's class name.
        fields: The dotted location of each invalid field, in the order reported.
    """

    def __init__(self, message: str, *, model: str, fields: tuple[str, ...]) -> None:
        super().__init__(message)
        self.model = model
        self.fields = fields


class NotFoundError(RewindError, LookupError):
    """Something that was asked for by name does not exist."""


class CheckpointNotFoundError(NotFoundError):
    """No checkpoint with the given id (or name: a label, ``latest``, ``~2``) exists."""

    def __init__(self, checkpoint_id: str, why: str | None = None) -> None:
        super().__init__(
            f"checkpoint {checkpoint_id!r} does not exist" + (f": {why}" if why else ""),
            checkpoint_id=checkpoint_id,
        )


class PathNotInCheckpointError(NotFoundError):
    """A checkpoint's tree holds no file or symlink at the given path."""

    def __init__(self, checkpoint_id: str, path: str) -> None:
        super().__init__(
            f"checkpoint {checkpoint_id} holds no file at {path[:300]!r}",
            checkpoint_id=checkpoint_id,
            path=path,
        )


class HookCheckError(RewindError):
    """An agent's hook command did not answer when run once, as the agent would run it.

    ``rewind hook install`` runs the command it is about to install with an input that
    snapshots nothing, and installs nothing if it does not print ``{}`` and exit 0: a hook
    that fails open would otherwise skip every checkpoint without a word.
    """


class InsecureFileError(RewindError):
    """A file or directory rewind keeps for itself is not private to this user.

    The per-user store, the hooks' log, the server's token and the service's socket live in
    directories of mode 0700, in files of mode 0600. rewind refuses one that is a symlink,
    belongs to another user or is not a regular file (a directory where a directory is
    expected): another user may have planted it to read or redirect what rewind writes.
    ``path`` names it. A store named explicitly (``--db``, a URL) is checked this way only
    in a directory named ``.rewind``; elsewhere only a dangling symlink where a new store
    would be made is refused.
    """


class TranscriptError(RewindError):
    """A coding agent's transcript cannot be forked: there is none, or rewind cannot read it.

    Raised by ``fork_conversation`` (``rewind fork``, ``rewind undo --conversation``) before
    anything is written: the turn's session recorded no Claude Code transcript, the file is
    gone or unreadable, or a line is not in the form rewind knows (Claude Code 2.1's: JSON
    lines, the conversation's entries chained by ``uuid`` and ``parentUuid``); another
    version of the agent may write another form. ``path`` names the transcript (or the new
    one that could not be written), ``line`` the line at fault (from 1), when one is.

    Attributes:
        line: The transcript's line at fault, or None.
    """

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        super().__init__(message, path=path)
        self.line = line


class WatchDivergenceError(RewindError):
    """A paranoid watched snapshot saw another tree than a full scan of the same workspace.

    Raised only with ``WatchOptions(paranoid=True)``, before anything is stored; ``path``
    names the first path the two disagree on. A bug in rewind, or a change inotify cannot
    report (a write through ``mmap``, a hard link outside the workspace): please report it.
    """


class WorkspaceError(RewindError):
    """A workspace or target directory could not be read or changed as asked."""


class WorkspaceNotFoundError(WorkspaceError, NotFoundError):
    """The workspace directory does not exist."""


class WorkspaceNotADirectoryError(WorkspaceError):
    """The workspace path, or one of its parents, exists but is not a directory."""


class UnreadablePathError(WorkspaceError):
    """A file or directory inside the workspace could not be read."""


class UnwritablePathError(WorkspaceError):
    """The file system refused to create, replace or remove a path (permissions, I/O)."""


class DeadlineExceededError(RewindError):
    """A snapshot's deadline passed before it was stored; nothing was stored.

    An agent's hook waits a bounded time for its checkpoint, then lets the tool run: a
    snapshot stored later could hold the state after the tool ran under a "before" label,
    so it is dropped instead (``create_workspace_snapshot(..., deadline=...)``).
    """


class DiskFullError(RewindError):
    """No space (or quota, or file size allowance) was left to write.

    ``path`` names the file being written, or rewind's scratch directory for contents
    waiting to be stored; for the database's own disk the message names the database.
    Free some space, then try again.
    """


class UnsafePathError(WorkspaceError):
    """A restore would write, follow or delete something outside the workspace root."""


class OutsideRootsError(UnsafePathError):
    """A server was asked to act on a path outside every root it was started with."""


class RestoreConflictError(WorkspaceError):
    """A restore would overwrite or delete something rewind does not track (ignored files)."""


class RollbackFailedError(WorkspaceError):
    """The file system refused a change halfway through a rollback.

    ``__cause__`` holds the refusal. rewind then rolled back to the safety checkpoint it took
    first; ``undone`` says whether that worked (if not, the workspace's next snapshot retries).

    Attributes:
        checkpoint_id: The rollback's target.
        safety_checkpoint_id: The snapshot of the workspace as it was before the rollback.
        undone: Whether the workspace was put back as it was before the rollback.
    """

    def __init__(
        self,
        message: str,
        *,
        checkpoint_id: str,
        safety_checkpoint_id: str,
        undone: bool,
        path: str | None = None,
    ) -> None:
        super().__init__(message, checkpoint_id=checkpoint_id, path=path)
        self.safety_checkpoint_id = safety_checkpoint_id
        self.undone = undone


class StorageError(RewindError):
    """The checkpoint store failed or refused an operation."""


class DatabaseURLError(StorageError, InvalidInputError):
    """The database URL is malformed or names an unsupported database."""


class DatabaseNotFoundError(StorageError, NotFoundError):
    """No rewind store exists at the URL, and the caller asked not to create one."""


class DatabaseUnavailableError(StorageError):
    """The database could not be reached or opened; trying again later may work."""

    retryable = True


class LockTimeoutError(DatabaseUnavailableError):
    """Another writer held the lock longer than ``lock_timeout``; safe to retry."""


class ReadOnlyStoreError(StorageError):
    """The store may only be read, and the call would write to it; retrying cannot help.

    Raised for a SQLite file opened read-only (``?mode=ro``, file permissions, a read-only
    mount) and for a PostgreSQL server or user that refuses writes. Every reading use case
    (listing, showing, diffing, verifying, statistics, ``restore_into``) still works.
    """


class SchemaVersionError(StorageError):
    """The database schema is not one this version of rewind can use."""


class StorageOperationError(StorageError):
    """A database operation failed; nothing from the failed use case was kept."""


class CorruptStoreError(StorageError):
    """A stored row or blob is not what rewind wrote (names the checkpoint, path or blob)."""
