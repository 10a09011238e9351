"""``CheckpointService``: the use cases of rewind, each in one transaction.

A workspace snapshot is computed completely before anything is written: the service scans
the workspace, copies new contents into a spool, diffs against the parent snapshot and builds
an immutable ``Checkpoint`` whose ``metadata.extra`` already holds the diff metadata. Then the
repository writes the checkpoint, its changes and its contents in one transaction.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from rewind._json import storable_text_problem
from rewind._ops.factory import CheckpointFactory, SnapshotRequest
from rewind._ops.factory import checkpoint_type as as_checkpoint_type
from rewind._ops.lookup import (
    MIN_ID_PREFIX,
    find_checkpoint,
    find_workspace,
    list_checkpoints,
    resolve_name,
    resolve_prefix,
)
from rewind._private import DATABASE_URL_VARIABLE, database_url, default_store_url
from rewind.errors import (
    CheckpointNotFoundError,
    InvalidInputError,
    InvalidMetadataError,
)
from rewind.models import (
    MAX_COUNT,
    SNAPSHOT_KEYS,
    AgentCall,
    Checkpoint,
    CheckpointMetadata,
    CheckpointType,
    ConversationFork,
    DiffManifest,
    OnError,
    PruneReport,
    RetentionPolicy,
    RollbackResult,
    SessionSummary,
    StoreStats,
    Trigger,
    VerifyReport,
    WatchOptions,
    WatchReport,
)
from rewind.storage import CheckpointQuery, DirectoryScope, Store, open_store

if TYPE_CHECKING:
    from rewind._guard import Guard
    from rewind._ops.compare import Comparer
    from rewind._ops.rollback import Restorer
    from rewind._ops.snapshot import Snapshotter
    from rewind._ops.undo import Undoer
    from rewind._ops.watching import Watches

__all__ = [
    "DATABASE_URL_VARIABLE",
    "MIN_ID_PREFIX",
    "SNAPSHOT_KEYS",
    "CheckpointService",
]

default_database_url = default_store_url


def _utc_now() -> datetime:
    return datetime.now(UTC)


class CheckpointService:
    """Creates, finds and compares checkpoints of agent workspaces.

    Open one with ``CheckpointService.open(url)`` and close it (or use it as a context
    manager). One service may be shared by threads. It looks at a workspace only when asked
    to snapshot or diff it, and then reads only the files whose status (size, times, inode)
    changed since it last read them; opened with ``watch=True`` it also watches the
    workspaces it snapshots, and then looks only at what the kernel says changed. ``clock``
    dates checkpoint ids and decides which files changed too recently for their status to
    prove anything.
    """

    def __init__(
        self,
        store: Store,
        *,
        clock: Callable[[], datetime] = _utc_now,
        retention: RetentionPolicy | None = None,
        watch: bool | WatchOptions = False,
    ) -> None:
        """Wrap an open store; most callers want ``CheckpointService.open`` instead."""
        if retention is not None:
            _check_policy(retention)
        self._store = store
        self._retention = retention
        self._factory = CheckpointFactory(clock)
        self._watches = _watches(watch)
        self._file_cases: _FileCases | None = None
        self._file_cases_lock = threading.Lock()

    @property
    def _files(self) -> _FileCases:
        """The use cases that read or write a workspace, made when one is first used."""
        with self._file_cases_lock:
            if self._file_cases is None:
                self._file_cases = _FileCases(self._store, self._factory, self._watches)
            return self._file_cases

    @classmethod
    def open(
        cls,
        url: str | None = None,
        *,
        create: bool = True,
        retention: RetentionPolicy | None = None,
        watch: bool | WatchOptions = False,
    ) -> Self:
        """Open the checkpoint store at ``url``, upgrading its schema to the newest revision.

        Args:
            url: ``sqlite:///path/to/rewind.db`` or ``postgresql://user@host/db``, or the
                path of a SQLite file (``rewind.db``: no ``scheme:`` in front). Default:
                ``$REWIND_DATABASE_URL``, else the user's store,
                ``$XDG_DATA_HOME/rewind/rewind.db`` (else ``~/.local/share/rewind/rewind.db``):
                one for every workspace, its directory 0700 and its files 0600.
            create: Whether to create the store if there is none yet. With False, a missing
                SQLite file or a database without rewind's tables raises
                ``DatabaseNotFoundError`` and nothing is created.
            retention: Prune each workspace's history by this policy after each of its
                snapshots (only that workspace's snapshots: the cost follows its history,
                not the store). A failed prune is logged on the ``rewind`` logger and
                leaves the snapshot stored.
            watch: Watch each workspace this service snapshots (Linux inotify), so that its
                next snapshot looks only at what changed, not at the whole tree: for a
                long-lived process that snapshots the same workspaces again and again.
                ``True`` or ``WatchOptions(...)``; anything the watch cannot vouch for
                makes a snapshot scan the whole workspace, as without it. Close the
                service to drop the watches.

        Raises:
            InvalidInputError: ``retention`` is an empty policy.
            DatabaseURLError: The URL is malformed or names an unsupported database.
            DatabaseNotFoundError: ``create`` is False and there is no store at ``url``.
            DatabaseUnavailableError: The database cannot be reached or opened.
            InsecureFileError: The user's store (or a store in a ``.rewind`` directory) is
                a symlink or another user's, or a new store's file is a dangling symlink.
            SchemaVersionError: The database belongs to a newer rewind, or is not rewind's.
        """
        if retention is not None:
            _check_policy(retention)
        _watches(watch)  # refuse a bad argument before opening anything
        store = open_store(database_url(url) if url else default_database_url(), create=create)
        return cls(store, retention=retention, watch=watch)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def database(self) -> str:
        """The store's URL, with its password hidden."""
        return self._store.database

    def close(self) -> None:
        """Release the database connections and watches. The service cannot be used after."""
        if self._watches is not None:
            self._watches.close()
        self._store.close()

    def watch_report(self) -> WatchReport:
        """Say what the watches did since the service opened (all zero when not watching).

        Every snapshot is counted: as watched, or as a full scan with its reason.
        """
        if self._watches is None:
            return WatchReport()
        return self._watches.report()

    def create_checkpoint(
        self,
        plan_id: str,
        sandbox_ref: str,
        *,
        decision_id: str | None = None,
        checkpoint_type: CheckpointType = CheckpointType.MANUAL,
        metadata: CheckpointMetadata | Mapping[str, Any] | None = None,
        label: str | None = None,
    ) -> Checkpoint:
        """Record a checkpoint without looking at any file.

        Args:
            plan_id: The plan the checkpoint belongs to.
            sandbox_ref: Stored as given; nothing is read from it.
            decision_id: The decision the checkpoint precedes or follows.
            checkpoint_type: Why the checkpoint is taken.
            metadata: A ``CheckpointMetadata`` or a mapping of its fields.
            label: A short text for people.

        Returns:
            The stored checkpoint.

        Raises:
            InvalidInputError: An id, the label or the metadata is invalid.
            StorageError: The database failed; nothing was stored.
        """
        if not isinstance(metadata, CheckpointMetadata):
            if metadata is not None and not isinstance(metadata, Mapping):
                raise InvalidMetadataError(
                    f"metadata must be a CheckpointMetadata or a mapping, not {metadata!r:.80}"
                )
            metadata = self._factory.metadata(dict(metadata or {}))
        _refuse_reserved_keys(metadata.extra)
        checkpoint = self._factory.build(
            plan_id=plan_id,
            sandbox_ref=sandbox_ref,
            decision_id=decision_id,
            checkpoint_type=checkpoint_type,
            label=label,
            metadata=metadata,
        )
        self._store.add_checkpoint(checkpoint)
        return checkpoint

    def create_workspace_snapshot(
        self,
        plan_id: str,
        sandbox_ref: str | os.PathLike[str],
        decision_id: str | None = None,
        *,
        reason: str | None = None,
        source_tool: str | None = None,
        phase: str | None = None,
        agent_call: AgentCall | Mapping[str, Any] | None = None,
        extra: Mapping[str, Any] | None = None,
        checkpoint_type: CheckpointType = CheckpointType.PRE_DECISION,
        label: str | None = None,
        deadline: datetime | None = None,
    ) -> Checkpoint:
        """Snapshot the files of a workspace, storing only what changed since its parent.

        The parent is the workspace's head in this plan: its previous snapshot, or after a
        rollback the rollback's target (none for the first). A rollback of this workspace that
        a crash cut short is finished first.
        ``metadata.extra`` holds the caller's ``extra`` plus ``diff_paths``, ``diff_based``,
        ``diff_hash``, ``diff_base``, ``tree_hash`` and ``checkpoint_hash``, all set before
        the checkpoint is built.

        Args:
            plan_id: The plan the snapshot belongs to.
            sandbox_ref: The workspace directory; stored as its real path (no symlink).
            decision_id: The decision the snapshot precedes or follows.
            reason: Why the snapshot is taken.
            source_tool: The tool about to run, or that ran.
            phase: The orchestration phase.
            agent_call: The coding agent's session, turn and tool call (an ``AgentCall`` or
                a mapping of its fields); its agent, session and turn are indexed.
            extra: More JSON metadata; keys named in ``SNAPSHOT_KEYS`` are reserved.
            checkpoint_type: Why the snapshot is taken.
            label: A short text for people.
            deadline: A timezone-aware time after which the snapshot is no use (an agent's
                tool runs then): it is checked before the scan and again just before the
                commit, and a late snapshot is not stored.

        Returns:
            The stored snapshot.

        Raises:
            DeadlineExceededError: ``deadline`` passed before the snapshot was stored.
            WorkspaceError: The workspace is missing, not a directory, or has unreadable files.
            InvalidInputError: An id, the label or the metadata is invalid, or the path is
                too long for the operating system.
            DiskFullError: No space was left to hold the new contents before storing them.
            CorruptStoreError: The workspace's history in the store is damaged.
            StorageError: The database failed; nothing was stored.
        """
        if extra is not None and not isinstance(extra, Mapping):
            raise InvalidMetadataError(f"extra must be a mapping, not {extra!r:.80}")
        caller_extra = dict(extra or {})
        _refuse_reserved_keys(caller_extra)
        # reject bad metadata before scanning
        self._factory.metadata({"agent_call": agent_call, "extra": caller_extra})
        if deadline is not None and (
            not isinstance(deadline, datetime) or deadline.utcoffset() is None
        ):
            raise InvalidInputError(
                f"deadline must be a timezone-aware datetime, not {deadline!r:.80}"
            )
        request = SnapshotRequest(
            plan_id=plan_id,
            decision_id=decision_id,
            checkpoint_type=checkpoint_type,
            label=label,
            metadata={
                "reason": reason,
                "source_tool": source_tool,
                "phase": phase,
                "agent_call": agent_call,
            },
            extra=caller_extra,
            deadline=deadline,
        )
        checkpoint = self._files.snapshotter.snapshot(sandbox_ref, request)
        if self._retention is not None:
            from rewind._ops.retention import prune_after_snapshot  # noqa: PLC0415 - see _FileCases

            prune_after_snapshot(self._store, self._retention, self._factory.now(), checkpoint)
        return checkpoint

    def rollback_to_checkpoint(
        self, checkpoint_id: str, *, dry_run: bool = False, force: bool = False
    ) -> RollbackResult:
        """Put a snapshot's workspace back exactly as the snapshot recorded it.

        Before changing anything, the manifest is checked against the snapshot's
        ``tree_hash`` and ``checkpoint_hash``, every path and every needed content is checked,
        and the current state is snapshotted (``CheckpointType.SAFETY``, same plan): roll back
        to ``safety_checkpoint_id`` to undo. Each change then goes through directories opened
        without following symlinks, and each file is written to a temporary file and renamed
        into place. Ignored paths, ``.git`` and the database's directory are never touched. The
        workspace's next snapshot diffs against the rollback target. If the process dies while
        writing files, the workspace's next snapshot finishes the rollback first.
        Going back over an agent's history (to a checkpoint of an agent's session, or to
        the safety checkpoint of a rollback of one), a path a person changed since rewind
        last saw the agent (or a rollback) leave it is kept as it is and listed in ``kept``
        (``KeepReason.HAND_EDIT``; ``KeepReason.CONFLICT`` when the history gone back over
        changed it too), unless ``force``; such a rollback leaves the workspace's head at the
        safety snapshot, as ``restore_paths`` does.

        Args:
            checkpoint_id: The snapshot to return to.
            dry_run: Report what would change, and change nothing (no safety snapshot either).
            force: Overwrite what a person changed too (the safety snapshot still undoes it).

        Returns:
            The paths restored and removed, and the safety snapshot's id.

        Raises:
            CheckpointNotFoundError: No such checkpoint exists.
            InvalidInputError: The checkpoint records no files.
            RollbackFailedError: The file system refused a change halfway (permissions, a full
                disk, a directory swapped for a symlink); ``undone`` says whether the
                workspace was put back as it was, and ``__cause__`` what was refused.
            WorkspaceError: The workspace is missing, a path is unsafe or something untracked
                is in the way; nothing was changed.
            DiskFullError: No space was left to stage the contents; nothing was changed.
            CorruptStoreError: The manifest, a field or a needed content is not what rewind
                wrote; nothing was changed.
            StorageError: The database failed; nothing was changed.
        """
        _check_flag("force", force)
        if dry_run:
            return self._files.restorer.dry_run(checkpoint_id, force=force)
        return self._files.restorer.rollback(checkpoint_id, force=force)

    def undo(
        self,
        workspace: str | os.PathLike[str],
        *,
        turns: int = 1,
        to: str | None = None,
        dry_run: bool = False,
        force: bool = False,
    ) -> RollbackResult:
        """Put a workspace back to the start of a turn of its latest agent session.

        The session is the one of the workspace's newest checkpoint with an agent call (the
        hooks of ``rewind hook install`` take them). From where the workspace stands (the
        session's end, or where the undos and redos since left it), ``turns`` turns back;
        or to the turn ``to`` names (a turn id, or a checkpoint of the session: the start of
        its turn). It is a rollback to that turn's first checkpoint (its turn_start), with
        the same checks and safety snapshot, marked so ``redo`` finds it. What a person
        changed since the agent last wrote it is kept, as ``rollback_to_checkpoint`` says.

        Args:
            workspace: The workspace directory.
            turns: How many turns to undo (1 or more).
            to: The turn (or checkpoint) to go back to the start of, instead of ``turns``.
            dry_run: Report what would change, and change nothing.
            force: Overwrite what a person changed too (``redo`` still undoes it).

        Returns:
            What the rollback did; ``safety_checkpoint_id`` undoes it (``redo`` does).

        Raises:
            InvalidInputError: No agent session is recorded in the workspace, ``to`` names no
                turn of it, or fewer turns are left to undo.
            WorkspaceError: As ``rollback_to_checkpoint``; nothing was changed.
            RollbackFailedError: As ``rollback_to_checkpoint``.
            StorageError: The database failed.
        """
        directory = _real_path(workspace, "workspace")
        _check_text("to", to)
        _check_flag("force", force)
        return self._files.undoer.undo(directory, turns=turns, to=to, dry_run=dry_run, force=force)

    def redo(
        self, workspace: str | os.PathLike[str], *, dry_run: bool = False, force: bool = False
    ) -> RollbackResult:
        """Undo a workspace's latest ``undo`` not redone yet, as an editor's redo does.

        A rollback to that undo's safety checkpoint; redo again to redo the undo before it.
        A new turn of the session leaves nothing to redo. What a person changed since the
        undo is kept, as ``rollback_to_checkpoint`` says.

        Args:
            workspace: The workspace directory.
            dry_run: Report what would change, and change nothing.
            force: Overwrite what a person changed too (undo it again to undo that).

        Raises:
            InvalidInputError: No agent session is recorded, or there is nothing to redo.
            WorkspaceError: As ``rollback_to_checkpoint``; nothing was changed.
            RollbackFailedError: As ``rollback_to_checkpoint``.
            StorageError: The database failed.
        """
        directory = _real_path(workspace, "workspace")
        _check_flag("force", force)
        return self._files.undoer.redo(directory, dry_run=dry_run, force=force)

    def fork_conversation(
        self,
        workspace: str | os.PathLike[str],
        turn: str,
        *,
        new_session_id: str | None = None,
        dry_run: bool = False,
    ) -> ConversationFork:
        """Fork an agent's conversation just before a turn's prompt, as a new session.

        The new session's transcript is written beside the session's own (Claude Code's
        ``~/.claude/projects/.../<session id>.jsonl``, which the hooks recorded): every line
        before the turn's prompt, in the new session, so that ``claude --resume NEW``
        (``resume_command``) continues the conversation as it stood before that prompt. The
        session's own transcript is never changed, and the workspace's files are not
        touched (``undo`` puts them back). The new file is created whole (mode 0600) or not
        at all, and never replaces a file nor follows a symlink. Claude Code's only.

        Args:
            workspace: The workspace directory.
            turn: The turn: its id (Claude Code's prompt id), or a checkpoint of it (its
                short id, as ``rewind log`` shows the turn's first one).
            new_session_id: The new session's id, a UUID (default: a new random one).
            dry_run: Read and check the transcript, and write nothing.

        Returns:
            The fork: the sessions old and new, their transcripts, and how to resume it.

        Raises:
            InvalidInputError: ``turn`` names no turn of an agent session in the workspace
                nor a checkpoint of one, it is its session's first (nothing comes before
                it), or ``new_session_id`` is not a UUID or is the session's own.
            CheckpointNotFoundError: ``turn`` looks like a checkpoint's name but names none.
            TranscriptError: The session recorded no Claude Code transcript, it cannot be
                read, a line of it is not in the form rewind knows (``line`` says which),
                or the new transcript cannot be written (its name is taken); nothing was
                written.
            StorageError: The database failed.
        """
        directory = _real_path(workspace, "workspace")
        _check_text("turn", turn)
        _check_text("new_session_id", new_session_id)
        from rewind._ops.conversation import ConversationForker  # noqa: PLC0415 - see _FileCases

        forker = ConversationForker(self._store)
        return forker.fork(directory, turn, new_session_id=new_session_id, dry_run=dry_run)

    def restore_paths(
        self,
        checkpoint_id: str,
        paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
        *,
        workspace: str | os.PathLike[str] | None = None,
        dry_run: bool = False,
        force: bool = False,
    ) -> RollbackResult:
        """Put back only some paths of a snapshot, leaving the rest of the workspace alone.

        A path names a file or symlink, or a directory and everything below it (``.`` is
        the whole workspace); it is relative to the workspace, or absolute inside it. A
        selected path the snapshot does not hold is removed. Everything a rollback checks is
        checked first, with the same refusals, and the current state is snapshotted
        (``CheckpointType.SAFETY``): ``rollback_to_checkpoint(safety_checkpoint_id)`` undoes
        it. The workspace's head becomes that safety snapshot, so the next snapshot records
        the paths put back as its changes. Ignored paths, ``.git`` and the database's
        directory are never touched. In the snapshot's own workspace, what a person changed
        since the agent last wrote it is kept, as ``rollback_to_checkpoint`` says.

        Args:
            checkpoint_id: The snapshot to take the paths from.
            paths: The paths to put back (a lone string is one path).
            workspace: The directory to put them back into; the snapshot's own by default.
            dry_run: Report what would change, and change nothing (no safety snapshot either).
            force: Overwrite what a person changed too (the safety snapshot still undoes it).

        Returns:
            The paths restored and removed, and the safety snapshot's id.

        Raises:
            CheckpointNotFoundError: No such checkpoint exists.
            PathNotInCheckpointError: A path is neither in the snapshot nor in the workspace.
            InvalidInputError: No path is given, or the checkpoint records no files.
            RollbackFailedError: The file system refused a change halfway; ``undone`` says
                whether the workspace was put back as it was.
            WorkspaceError: The workspace is missing, a path leaves it or is unsafe, or
                something untracked is in the way; nothing was changed.
            DiskFullError: No space was left to stage the contents; nothing was changed.
            CorruptStoreError: The manifest, a field or a needed content is not what rewind
                wrote; nothing was changed.
            StorageError: The database failed; nothing was changed.
        """
        _check_flag("force", force)
        if dry_run:
            return self._files.restorer.dry_run(checkpoint_id, paths, workspace, force=force)
        return self._files.restorer.restore_paths(checkpoint_id, paths, workspace, force=force)

    def restore_into(
        self, checkpoint_id: str, target_dir: str | os.PathLike[str]
    ) -> RollbackResult:
        """Write a snapshot's files into another directory, which must be missing or empty.

        The manifest is checked as for a rollback first. If writing fails, what was written is
        removed again (and the directory, if this call created it).

        Args:
            checkpoint_id: The snapshot to materialise.
            target_dir: Where to write it; created if missing.

        Returns:
            Every path written (``removed`` is empty; there is no safety snapshot).

        Raises:
            CheckpointNotFoundError: No such checkpoint exists.
            InvalidInputError: The checkpoint records no files, or ``target_dir`` is too long.
            WorkspaceError: ``target_dir`` is a file or not empty, a path is unsafe, or the
                file system refused a write.
            DiskFullError: No space was left.
            CorruptStoreError: The manifest, a field or a needed content is not what rewind
                wrote; nothing was written.
            StorageError: The database failed.
        """
        return self._files.restorer.restore_into(checkpoint_id, target_dir)

    def verify(
        self,
        checkpoint_id: str | None = None,
        *,
        within: Sequence[str | os.PathLike[str]] | None = None,
    ) -> VerifyReport:
        """Re-read and re-hash what a checkpoint needs, or everything in the store.

        Checks that each manifest can be read (no cycle in its ancestry, no damaged row) and
        reconstructs to its ``tree_hash``, that each snapshot's fields match its
        ``checkpoint_hash``, that its paths are safe, that every blob is present and matches
        its sha256, and (for the whole store) that every workspace's head and rollback mark
        are snapshots of that workspace; reports every problem found.

        Args:
            checkpoint_id: The checkpoint to check; None checks the whole store.
            within: Only the checkpoints of workspaces in these directories (each directory
                or below it, symlinks resolved) exist for this call: the whole-store check
                covers them, their workspaces and the contents they use, and no other
                blob.

        Raises:
            CheckpointNotFoundError: ``checkpoint_id`` names no checkpoint (within them).
            InvalidInputError: ``within`` is not a list of paths.
            StorageError: The database failed.
        """
        from rewind._ops.integrity import StoreVerifier  # noqa: PLC0415 - see _FileCases

        scope = _scope(within)
        with self._store.reading() as uow:
            verifier = StoreVerifier(uow)
            if checkpoint_id is None:
                return verifier.check_store(scope)
            checkpoint = find_checkpoint(uow, checkpoint_id)
            if scope is not None and checkpoint.sandbox_ref not in scope:
                raise CheckpointNotFoundError(checkpoint_id)
            verifier.check_checkpoint(checkpoint)
            return verifier.report(checked=1)

    def get_checkpoint(self, checkpoint_id: str) -> Checkpoint:
        """Return the checkpoint with this id.

        Raises:
            InvalidCheckpointIdError: ``checkpoint_id`` is not a ULID.
            CheckpointNotFoundError: No such checkpoint exists.
            StorageError: The database failed.
        """
        with self._store.reading() as uow:
            return find_checkpoint(uow, checkpoint_id)

    def list_checkpoints(
        self,
        plan_id: str | None = None,
        *,
        decision_id: str | None = None,
        checkpoint_type: CheckpointType | str | None = None,
        limit: int | None = None,
        before: str | datetime | None = None,
        sandbox_ref: str | os.PathLike[str] | None = None,
        session_id: str | None = None,
    ) -> list[Checkpoint]:
        """Return checkpoints, newest first, matching every filter given.

        Args:
            plan_id: Only this plan's checkpoints.
            decision_id: Only this decision's checkpoints.
            checkpoint_type: Only checkpoints of this type.
            sandbox_ref: Only checkpoints of this workspace, named as a snapshot names it:
                its real absolute path, symlinks followed (it need not exist any more).
            session_id: Only checkpoints of this agent session (``AgentCall.session_id``).
            limit: At most this many (a positive number).
            before: Only checkpoints created before this checkpoint (an id) or this moment
                (a timezone-aware datetime); pass the last id of a page to get the next page.

        Raises:
            InvalidInputError: A filter is invalid.
            CheckpointNotFoundError: ``before`` names no checkpoint.
            StorageError: The database failed.
        """
        _check_limit(limit)
        _check_text("plan_id", plan_id)
        _check_text("decision_id", decision_id)
        _check_text("session_id", session_id)
        if checkpoint_type is not None:
            checkpoint_type = as_checkpoint_type(checkpoint_type)
        query = CheckpointQuery(
            plan_id=plan_id,
            decision_id=decision_id,
            checkpoint_type=checkpoint_type,
            limit=limit,
            sandbox_ref=None if sandbox_ref is None else _real_path(sandbox_ref),
            session_id=session_id,
        )
        with self._store.reading() as uow:
            return list_checkpoints(uow, query, before)

    def list_sessions(
        self,
        sandbox_ref: str | os.PathLike[str],
        *,
        session_id: str | None = None,
        limit: int | None = None,
    ) -> list[SessionSummary]:
        """Return a workspace's agent sessions, newest first, each turn with what it changed.

        Each session's turns are oldest first, each with its prompt's first line, its tool
        calls (oldest first) and the files changed and lines added and removed: a turn's
        from its ``turn_start`` checkpoint to its ``turn_end`` (without one, to the next
        turn's start or the session's latest checkpoint), a tool call's from its
        ``pre_tool`` checkpoint to the session's next one. Only the changed files are read.

        Args:
            sandbox_ref: The workspace, named as a snapshot names it (its real path).
            session_id: Only this session (``AgentCall.session_id``).
            limit: At most this many sessions, the newest (a positive number).

        Raises:
            InvalidInputError: A filter is invalid.
            CorruptStoreError: A stored manifest or content is missing or damaged.
            StorageError: The database failed.
        """
        _check_limit(limit)
        _check_text("session_id", session_id)
        workspace = _real_path(sandbox_ref)
        from rewind._ops.history import session_summaries  # noqa: PLC0415 - see _FileCases

        with self._store.reading() as uow:
            return session_summaries(uow, workspace, session_id, limit)

    def get_changes(self, checkpoint_id: str) -> DiffManifest:
        """Return what a snapshot changed against the snapshot before it (its parent).

        The first snapshot of a workspace has no parent: every file in it is added, and the
        manifest's ``base_id`` is None.

        Raises:
            CheckpointNotFoundError: No such checkpoint exists.
            InvalidInputError: The checkpoint records no files (a metadata-only checkpoint).
            CorruptStoreError: A stored manifest does not match its checkpoint.
            StorageError: The database failed.
        """
        return self._files.comparer.changes(checkpoint_id)

    def read_file(self, checkpoint_id: str, path: str, *, max_bytes: int | None = None) -> bytes:
        """Return the bytes of one file as a snapshot stored it (a symlink: its target).

        Args:
            checkpoint_id: The snapshot.
            path: The file's path relative to the workspace, with ``/`` between names.
            max_bytes: Return only the file's first ``max_bytes`` bytes, reading only the
                stored chunks that hold them (``file_size`` tells the whole size). A cut
                read is not checked against the content's sha256, which covers every byte;
                a whole one is.

        Raises:
            CheckpointNotFoundError: No such checkpoint exists.
            PathNotInCheckpointError: The snapshot holds no file at ``path``.
            InvalidInputError: ``path`` is not text, ``max_bytes`` is not a whole number of
                at least 0, or the checkpoint records no files.
            CorruptStoreError: The stored content is missing, damaged or altered.
            StorageError: The database failed.
        """
        if not isinstance(path, str):
            raise InvalidInputError(f"path must be text, not {path!r:.80}")
        from rewind._ops.contents import read_stored_file  # noqa: PLC0415 - see _FileCases

        _check_max_bytes(max_bytes)
        with self._store.reading() as uow:
            checkpoint = find_checkpoint(uow, checkpoint_id)
            return read_stored_file(uow, checkpoint, path, max_bytes)

    def file_size(self, checkpoint_id: str, path: str) -> int:
        """Return the size in bytes of one file as a snapshot stored it, without reading it.

        A symlink's size is its target's length.

        Raises:
            CheckpointNotFoundError: No such checkpoint exists.
            PathNotInCheckpointError: The snapshot holds no file at ``path``.
            InvalidInputError: ``path`` is not text, or the checkpoint records no files.
            CorruptStoreError: The snapshot's manifest cannot be read.
            StorageError: The database failed.
        """
        if not isinstance(path, str):
            raise InvalidInputError(f"path must be text, not {path!r:.80}")
        from rewind._ops.contents import stored_entry  # noqa: PLC0415 - see _FileCases

        with self._store.reading() as uow:
            return stored_entry(uow, find_checkpoint(uow, checkpoint_id), path).size

    def patch(
        self,
        from_checkpoint_id: str,
        to_checkpoint_id: str | None = None,
        *,
        max_bytes: int | None = None,
    ) -> str:
        """Return the unified patch from one snapshot to another, or to its live workspace.

        Text files get ``---``/``+++`` headers and hunks, as ``git diff`` prints them; a
        binary file (a NUL in its first 8,000 bytes, or not UTF-8) gets one line saying it
        differs, and so does a file over 16 MiB on either side. Every line ends with a
        newline; no change gives an empty string.

        Args:
            from_checkpoint_id: The base snapshot.
            to_checkpoint_id: The target snapshot; None compares with the files now in the
                base snapshot's workspace.
            max_bytes: Return only the patch's first ``max_bytes`` bytes of UTF-8 (never cut
                inside a character): the patch is built only that far, and no file past it
                is read. Ask for one byte more than you show to learn whether it was cut.

        Raises:
            CheckpointNotFoundError: A checkpoint does not exist.
            InvalidInputError: A checkpoint records no files, or ``max_bytes`` is not a whole
                number of at least 0.
            CorruptStoreError: A stored content is missing, damaged or altered.
            WorkspaceError: The live workspace cannot be read.
            StorageError: The database failed.
        """
        _check_max_bytes(max_bytes)
        return self._files.comparer.patch(from_checkpoint_id, to_checkpoint_id, max_bytes)

    def diff(self, from_checkpoint_id: str, to_checkpoint_id: str | None = None) -> DiffManifest:
        """Return the changes from one snapshot to another, or to its live workspace.

        Args:
            from_checkpoint_id: The base snapshot.
            to_checkpoint_id: The target snapshot; None compares with the files now in the
                base snapshot's workspace.

        Raises:
            CheckpointNotFoundError: A checkpoint does not exist.
            InvalidInputError: A checkpoint records no files.
            WorkspaceError: The live workspace cannot be read.
            StorageError: The database failed.
        """
        return self._files.comparer.diff(from_checkpoint_id, to_checkpoint_id)

    def stats(
        self,
        plan_id: str | None = None,
        *,
        within: Sequence[str | os.PathLike[str]] | None = None,
    ) -> StoreStats:
        """Return what the store holds, in total and per plan, and how well it packs it.

        Args:
            plan_id: Count only this plan's checkpoints and the contents they use.
            within: Count only the checkpoints of workspaces in these directories (each
                directory or below it, symlinks resolved) and the contents they use.

        Raises:
            InvalidInputError: ``plan_id`` is not text, or ``within`` is not a list of paths.
            StorageError: The database failed.
        """
        _check_text("plan_id", plan_id)
        from rewind._ops.stats import store_stats  # noqa: PLC0415 - see _FileCases

        scope = _scope(within)
        with self._store.reading() as uow:
            return store_stats(uow, plan_id, scope)

    def prune(
        self, policy: RetentionPolicy, *, plan_id: str | None = None, dry_run: bool = False
    ) -> PruneReport:
        """Delete the checkpoints ``policy`` does not keep, in one transaction.

        Every kept checkpoint stays restorable and exact. A kept snapshot whose parent is
        deleted takes the deleted ancestors' changes into its own, and its ``parent_id`` and
        ``metadata.extra["diff_base"]`` then name its nearest kept ancestor (None if there is
        none); its ``diff_paths``, ``diff_hash``, ``tree_hash`` and ``checkpoint_hash`` stay
        what they were when it was taken. Contents no kept checkpoint uses are deleted in the
        same transaction. Each workspace's head and a rollback's target are always kept.

        Args:
            policy: What to keep; an empty policy is refused, never read as "keep nothing".
            plan_id: Prune only this plan's checkpoints.
            dry_run: Report what would be deleted, and delete nothing.

        Raises:
            InvalidInputError: The policy is empty, or ``plan_id`` is not text.
            CorruptStoreError: A history to fold is damaged; nothing was deleted.
            StorageError: The database failed; nothing was deleted.
        """
        _check_policy(policy)
        _check_text("plan_id", plan_id)
        from rewind._ops.retention import prune_store  # noqa: PLC0415 - see _FileCases

        with self._store.writing() as uow:
            report = prune_store(uow, policy, self._factory.now(), plan_id=plan_id, dry_run=dry_run)
            if not dry_run:
                uow.commit()
        return report

    def guard(
        self,
        plan_id: str,
        workspace: str | os.PathLike[str],
        *,
        decision_id: str | None = None,
        source_tool: str | None = None,
        on_error: OnError | str = OnError.ROLLBACK,
        triggers: Iterable[Trigger | str] | str | None = None,
    ) -> Guard:
        """Checkpoint around a tool call or decision, rolling back if it raises.

        ``with service.guard(plan_id, workspace) as g:`` snapshots before the block
        (``PRE_TOOL``, ``g.before``) and after it succeeds (``POST_TOOL``, ``g.after``). If the
        block raises, the failed state is snapshotted (``ON_ERROR``, ``g.error_checkpoint``)
        and, with ``OnError.ROLLBACK``, the workspace is rolled back to ``g.before``
        (``g.rollback``); the block's exception then propagates, never replaced by a failure
        of the rollback (that is in ``g.rollback_error`` and a note on the exception).
        ``async with`` works too, running each step in a worker thread.

        Args:
            plan_id: The plan the snapshots belong to.
            workspace: The workspace directory.
            decision_id: The decision the snapshots belong to.
            source_tool: The tool the block runs (recorded in each snapshot's metadata).
            on_error: ``ROLLBACK`` (the default) or ``KEEP`` the state a failed block left.
            triggers: The checkpoints to take (``Trigger.parse`` takes names too); default
                ``BEFORE_TOOL``, ``AFTER_TOOL`` and ``ON_ERROR``. Others are not the guard's.

        Raises:
            InvalidInputError: A trigger or ``on_error`` is unknown, or a rollback is asked
                for without ``BEFORE_TOOL``. (Entering the guard raises what a snapshot does.)
        """
        from rewind._guard import Guard  # noqa: PLC0415 - see _FileCases

        return Guard(
            self,
            plan_id,
            workspace,
            decision_id=decision_id,
            source_tool=source_tool,
            on_error=on_error,
            triggers=triggers,
        )

    def resolve_checkpoint_id(
        self,
        id_or_prefix: str,
        *,
        within: Sequence[str | os.PathLike[str]] | None = None,
    ) -> str:
        """Return the full id of the one checkpoint whose id or short id starts with the text.

        The short id is the 8 characters after an id's 10 characters of time, which the
        command's listing prints (``rewind._ids.short_id``). Letter case does not matter
        (ULIDs are case-insensitive). A prefix needs at least ``MIN_ID_PREFIX`` characters.
        ``resolve_checkpoint`` also takes labels, ``latest`` and ``~N``.

        Args:
            id_or_prefix: A checkpoint id, or its first characters.
            within: Only the checkpoints of workspaces in these directories (each directory
                or below it, symlinks resolved) match; the others are not named either.

        Raises:
            InvalidCheckpointIdError: The text is too short or cannot start a ULID.
            AmbiguousCheckpointIdError: Several checkpoints match (``candidates`` lists some).
            CheckpointNotFoundError: No checkpoint matches.
            InvalidInputError: ``within`` is not a list of paths.
            StorageError: The database failed.
        """
        scope = _scope(within)
        with self._store.reading() as uow:
            return resolve_prefix(uow, id_or_prefix, scope)

    def resolve_checkpoint(
        self, name: str, *, workspace: str | os.PathLike[str] | None = None
    ) -> Checkpoint:
        """Return the checkpoint a person names, as the command takes names.

        A name is, first to last: ``latest`` (or ``@``), the newest snapshot of
        ``workspace``; ``NAME~N``, N checkpoints back along NAME's lineage (its parents:
        ``~1`` is the one before the latest, ``~`` alone means ``~1``, and a bare ``~N``
        counts from ``latest``); a whole id; a label (the newest checkpoint with it, of
        ``workspace`` when one is given); the start of an id or of a short id
        (``resolve_checkpoint_id``).

        Args:
            name: The name.
            workspace: The workspace directory (as a snapshot names it: its real path) that
                ``latest`` and ``~N`` count in and whose labels are looked up; None: none,
                and a label is looked for in the whole store (``find_workspace`` finds the
                workspace a directory lies in).

        Raises:
            InvalidInputError: ``name`` is not text, or names ``latest`` without a workspace.
            AmbiguousCheckpointIdError: Several checkpoints' ids start with it.
            CheckpointNotFoundError: Nothing has this name (the message says why).
            StorageError: The database failed.
        """
        directory = None if workspace is None else _real_path(workspace, "workspace")
        with self._store.reading() as uow:
            return find_checkpoint(uow, resolve_name(uow, name, directory))

    def find_workspace(self, path: str | os.PathLike[str]) -> str | None:
        """Return the workspace ``path`` lies in: the nearest of it and its parents with snapshots.

        As git finds ``.git`` from the current directory up, with one query over the
        ancestors. None when no directory at or above ``path`` is a workspace's.

        Args:
            path: A directory or file (taken by its real path; it need not exist).

        Raises:
            InvalidInputError: ``path`` is not a path.
            StorageError: The database failed.
        """
        directory = _real_path(path, "path")
        with self._store.reading() as uow:
            return find_workspace(uow, directory)


class _FileCases:
    """The use cases that scan, read or write workspaces, sharing one stat-index cache.

    They (and the workspace package, the watches, the guard, retention, verification) are
    imported when a service first needs them, not with the service: a command that only
    reads the store (``rewind list``, ``show``) never loads them.
    """

    def __init__(self, store: Store, factory: CheckpointFactory, watches: Watches | None) -> None:
        from rewind._ops.compare import Comparer  # noqa: PLC0415 - see the class docstring
        from rewind._ops.index import IndexCache  # noqa: PLC0415
        from rewind._ops.rollback import Restorer  # noqa: PLC0415
        from rewind._ops.snapshot import Snapshotter  # noqa: PLC0415
        from rewind._ops.undo import Undoer  # noqa: PLC0415

        indexes = IndexCache()
        self.restorer: Restorer = Restorer(store, factory, indexes, watches)
        self.snapshotter: Snapshotter = Snapshotter(store, factory, indexes, self.restorer, watches)
        self.undoer: Undoer = Undoer(store, self.restorer)
        self.comparer: Comparer = Comparer(store, factory, indexes)


def _real_path(sandbox_ref: object, argument: str = "sandbox_ref") -> str:
    """``sandbox_ref`` as a snapshot records it: real and absolute; it need not exist."""
    try:
        given = os.fsdecode(sandbox_ref)  # type: ignore[arg-type]
    except TypeError as exc:
        raise InvalidInputError(f"{argument} {sandbox_ref!r:.80} is not a path") from exc
    if (problem := storable_text_problem(given)) is not None:
        raise InvalidInputError(f"{argument} {given!r:.300} {problem}")
    return os.path.realpath(given)


def _scope(within: object) -> DirectoryScope | None:
    """The workspaces in the directories ``within`` names, as snapshots record them.

    Raises:
        InvalidInputError: ``within`` is not a list of paths (a single path is refused: it
            would read as a list of letters), or one of them is not storable text.
    """
    if within is None:
        return None
    if isinstance(within, str | bytes | os.PathLike) or not isinstance(within, Iterable):
        raise InvalidInputError(f"within must be a list of directories, not {within!r:.80}")
    directories = []
    for directory in within:
        try:
            given = os.fsdecode(directory)
        except TypeError as exc:
            raise InvalidInputError(f"within holds {directory!r:.80}, not a path") from exc
        if (problem := storable_text_problem(given)) is not None or not given:
            raise InvalidInputError(f"within holds {given!r:.300}, which {problem or 'is empty'}")
        directories.append(os.path.realpath(given))
    return DirectoryScope(tuple(directories))


def _check_limit(limit: object) -> None:
    """Refuse a ``limit`` that is not None nor a whole number from 1 to ``MAX_COUNT``."""
    if limit is not None and (
        not isinstance(limit, int) or isinstance(limit, bool) or not 0 < limit <= MAX_COUNT
    ):
        raise InvalidInputError(
            f"limit must be a whole number from 1 to {MAX_COUNT}, not {limit!r}"
        )


def _check_max_bytes(max_bytes: object) -> None:
    """Refuse a ``max_bytes`` that is not a whole number of at least 0 (None passes).

    Raises:
        InvalidInputError: It is not.
    """
    if max_bytes is not None and (
        not isinstance(max_bytes, int) or isinstance(max_bytes, bool) or max_bytes < 0
    ):
        raise InvalidInputError(
            f"max_bytes must be a whole number of at least 0, not {max_bytes!r:.80}"
        )


def _check_flag(name: str, value: object) -> None:
    """Refuse a flag that is not True or False (``force="no"`` would mean yes).

    Raises:
        InvalidInputError: ``value`` is not a bool.
    """
    if not isinstance(value, bool):
        raise InvalidInputError(f"{name} must be True or False, not {value!r:.80}")


def _check_text(name: str, value: object) -> None:
    """Refuse a filter that is not storable text (None passes: no filter).

    Raises:
        InvalidInputError: ``value`` is not text a database can store.
    """
    if value is None:
        return
    problem = storable_text_problem(value) if isinstance(value, str) else "not text"
    if problem is not None:
        raise InvalidInputError(f"{name} {value!r:.80} {problem}")


def _check_policy(policy: object) -> None:
    """Refuse anything but a retention policy that keeps something by its own rule.

    Raises:
        InvalidInputError: ``policy`` is not a ``RetentionPolicy``, or it is empty.
    """
    if not isinstance(policy, RetentionPolicy):
        raise InvalidInputError(f"policy must be a RetentionPolicy, not {policy!r:.80}")
    # model_copy(update=...) and model_construct skip validation: check the fields again.
    RetentionPolicy.model_validate(policy.model_dump())
    if policy.is_empty:
        raise InvalidInputError(
            "the retention policy is empty: set keep_last, keep_within or keep_types "
            "(an empty policy would delete nearly everything, so it is refused)"
        )


def _refuse_reserved_keys(extra: Mapping[str, Any]) -> None:
    """Refuse caller metadata that would pass for a snapshot's own diff metadata.

    Raises:
        InvalidMetadataError: ``extra`` uses a key in ``SNAPSHOT_KEYS``.
    """
    if reserved := sorted(SNAPSHOT_KEYS & extra.keys()):
        raise InvalidMetadataError(f"extra keys {reserved} are reserved for snapshots")


def _watches(watch: bool | WatchOptions) -> Watches | None:
    """The watches a service keeps, if ``watch`` asks for them.

    Raises:
        InvalidInputError: ``watch`` is neither a bool nor ``WatchOptions``.
    """
    if not isinstance(watch, bool | WatchOptions):
        raise InvalidInputError(f"watch must be True, False or WatchOptions, not {watch!r:.80}")
    if watch is False:
        return None
    from rewind._ops.watching import Watches  # noqa: PLC0415 - see _FileCases

    return Watches(watch if isinstance(watch, WatchOptions) else WatchOptions())
