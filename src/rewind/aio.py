"""``AsyncCheckpointService``: every use case of ``CheckpointService``, as coroutines.

Each call runs the synchronous service in a worker thread of the async service's own pool,
so the event loop goes on while a workspace is scanned, hashed and written: the scan is file
system calls and hashing, which no asyncio database driver would make non-blocking, and one
code path for both services means one set of guarantees.

Cancelling a task that awaits a call does not stop the call once a worker has started it:
the snapshot, rollback or prune runs to its end (its result is dropped), so nothing is left
half done; a call still waiting for a free worker is not started at all. ``close()`` waits
for the calls under way before it closes the store.
"""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from types import TracebackType
from typing import Any, ParamSpec, Self, TypeVar

from rewind._guard import Guard
from rewind._threads import without_collections
from rewind.models import (
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
from rewind.service import CheckpointService

__all__ = ["AsyncCheckpointService"]

_P = ParamSpec("_P")
_T = TypeVar("_T")

WORKERS = 4
"""Worker threads per async service: calls beyond this many wait for a free one."""


class AsyncCheckpointService:
    """``CheckpointService`` for asyncio code: the same methods, arguments and errors.

    Open one with ``await AsyncCheckpointService.open(url)`` and close it with
    ``await service.close()`` or ``async with``. See the module for how calls run and what
    cancelling one does.
    """

    def __init__(self, service: CheckpointService) -> None:
        """Wrap a synchronous service; most callers want ``AsyncCheckpointService.open``."""
        self._service = service
        self._workers = ThreadPoolExecutor(WORKERS, thread_name_prefix="rewind")

    @classmethod
    async def open(
        cls,
        url: str | None = None,
        *,
        create: bool = True,
        retention: RetentionPolicy | None = None,
        watch: bool | WatchOptions = False,
    ) -> Self:
        """Open the store at ``url``, as ``CheckpointService.open`` does, without blocking."""
        service = await asyncio.to_thread(
            CheckpointService.open, url, create=create, retention=retention, watch=watch
        )
        return cls(service)

    @property
    def sync(self) -> CheckpointService:
        """The synchronous service underneath (for code that runs in threads of its own)."""
        return self._service

    @property
    def database(self) -> str:
        """The store's URL, with its password hidden."""
        return self._service.database

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Wait for the calls under way, then release the database connections."""
        await asyncio.to_thread(self._workers.shutdown, wait=True)
        self._service.close()

    async def _run(self, function: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T:
        loop = asyncio.get_running_loop()
        call = functools.partial(without_collections, function, *args, **kwargs)
        return await loop.run_in_executor(self._workers, call)

    async def create_checkpoint(
        self,
        plan_id: str,
        sandbox_ref: str,
        *,
        decision_id: str | None = None,
        checkpoint_type: CheckpointType = CheckpointType.MANUAL,
        metadata: CheckpointMetadata | Mapping[str, Any] | None = None,
        label: str | None = None,
    ) -> Checkpoint:
        """See ``CheckpointService.create_checkpoint``."""
        return await self._run(
            self._service.create_checkpoint,
            plan_id,
            sandbox_ref,
            decision_id=decision_id,
            checkpoint_type=checkpoint_type,
            metadata=metadata,
            label=label,
        )

    async def create_workspace_snapshot(
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
        """See ``CheckpointService.create_workspace_snapshot``."""
        return await self._run(
            self._service.create_workspace_snapshot,
            plan_id,
            sandbox_ref,
            decision_id,
            reason=reason,
            source_tool=source_tool,
            phase=phase,
            agent_call=agent_call,
            extra=extra,
            checkpoint_type=checkpoint_type,
            label=label,
            deadline=deadline,
        )

    async def rollback_to_checkpoint(
        self, checkpoint_id: str, *, dry_run: bool = False, force: bool = False
    ) -> RollbackResult:
        """See ``CheckpointService.rollback_to_checkpoint``."""
        return await self._run(
            self._service.rollback_to_checkpoint, checkpoint_id, dry_run=dry_run, force=force
        )

    async def undo(
        self,
        workspace: str | os.PathLike[str],
        *,
        turns: int = 1,
        to: str | None = None,
        dry_run: bool = False,
        force: bool = False,
    ) -> RollbackResult:
        """See ``CheckpointService.undo``."""
        return await self._run(
            self._service.undo, workspace, turns=turns, to=to, dry_run=dry_run, force=force
        )

    async def redo(
        self, workspace: str | os.PathLike[str], *, dry_run: bool = False, force: bool = False
    ) -> RollbackResult:
        """See ``CheckpointService.redo``."""
        return await self._run(self._service.redo, workspace, dry_run=dry_run, force=force)

    async def fork_conversation(
        self,
        workspace: str | os.PathLike[str],
        turn: str,
        *,
        new_session_id: str | None = None,
        dry_run: bool = False,
    ) -> ConversationFork:
        """See ``CheckpointService.fork_conversation``."""
        return await self._run(
            self._service.fork_conversation,
            workspace,
            turn,
            new_session_id=new_session_id,
            dry_run=dry_run,
        )

    async def restore_paths(
        self,
        checkpoint_id: str,
        paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
        *,
        workspace: str | os.PathLike[str] | None = None,
        dry_run: bool = False,
        force: bool = False,
    ) -> RollbackResult:
        """See ``CheckpointService.restore_paths``."""
        return await self._run(
            self._service.restore_paths,
            checkpoint_id,
            paths,
            workspace=workspace,
            dry_run=dry_run,
            force=force,
        )

    async def restore_into(
        self, checkpoint_id: str, target_dir: str | os.PathLike[str]
    ) -> RollbackResult:
        """See ``CheckpointService.restore_into``."""
        return await self._run(self._service.restore_into, checkpoint_id, target_dir)

    async def verify(
        self,
        checkpoint_id: str | None = None,
        *,
        within: Sequence[str | os.PathLike[str]] | None = None,
    ) -> VerifyReport:
        """See ``CheckpointService.verify``."""
        return await self._run(self._service.verify, checkpoint_id, within=within)

    async def get_checkpoint(self, checkpoint_id: str) -> Checkpoint:
        """See ``CheckpointService.get_checkpoint``."""
        return await self._run(self._service.get_checkpoint, checkpoint_id)

    async def list_checkpoints(
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
        """See ``CheckpointService.list_checkpoints``."""
        return await self._run(
            self._service.list_checkpoints,
            plan_id,
            decision_id=decision_id,
            checkpoint_type=checkpoint_type,
            limit=limit,
            before=before,
            sandbox_ref=sandbox_ref,
            session_id=session_id,
        )

    async def list_sessions(
        self,
        sandbox_ref: str | os.PathLike[str],
        *,
        session_id: str | None = None,
        limit: int | None = None,
    ) -> list[SessionSummary]:
        """See ``CheckpointService.list_sessions``."""
        return await self._run(
            self._service.list_sessions, sandbox_ref, session_id=session_id, limit=limit
        )

    async def get_changes(self, checkpoint_id: str) -> DiffManifest:
        """See ``CheckpointService.get_changes``."""
        return await self._run(self._service.get_changes, checkpoint_id)

    async def read_file(
        self, checkpoint_id: str, path: str, *, max_bytes: int | None = None
    ) -> bytes:
        """See ``CheckpointService.read_file``."""
        return await self._run(self._service.read_file, checkpoint_id, path, max_bytes=max_bytes)

    async def file_size(self, checkpoint_id: str, path: str) -> int:
        """See ``CheckpointService.file_size``."""
        return await self._run(self._service.file_size, checkpoint_id, path)

    async def patch(
        self,
        from_checkpoint_id: str,
        to_checkpoint_id: str | None = None,
        *,
        max_bytes: int | None = None,
    ) -> str:
        """See ``CheckpointService.patch``."""
        return await self._run(
            self._service.patch, from_checkpoint_id, to_checkpoint_id, max_bytes=max_bytes
        )

    async def diff(
        self, from_checkpoint_id: str, to_checkpoint_id: str | None = None
    ) -> DiffManifest:
        """See ``CheckpointService.diff``."""
        return await self._run(self._service.diff, from_checkpoint_id, to_checkpoint_id)

    async def stats(
        self,
        plan_id: str | None = None,
        *,
        within: Sequence[str | os.PathLike[str]] | None = None,
    ) -> StoreStats:
        """See ``CheckpointService.stats``."""
        return await self._run(self._service.stats, plan_id, within=within)

    async def watch_report(self) -> WatchReport:
        """See ``CheckpointService.watch_report`` (it never blocks: no thread is used)."""
        return self._service.watch_report()

    async def prune(
        self, policy: RetentionPolicy, *, plan_id: str | None = None, dry_run: bool = False
    ) -> PruneReport:
        """See ``CheckpointService.prune``."""
        return await self._run(self._service.prune, policy, plan_id=plan_id, dry_run=dry_run)

    async def resolve_checkpoint_id(
        self,
        id_or_prefix: str,
        *,
        within: Sequence[str | os.PathLike[str]] | None = None,
    ) -> str:
        """See ``CheckpointService.resolve_checkpoint_id``."""
        return await self._run(self._service.resolve_checkpoint_id, id_or_prefix, within=within)

    async def resolve_checkpoint(
        self, name: str, *, workspace: str | os.PathLike[str] | None = None
    ) -> Checkpoint:
        """See ``CheckpointService.resolve_checkpoint``."""
        return await self._run(self._service.resolve_checkpoint, name, workspace=workspace)

    async def find_workspace(self, path: str | os.PathLike[str]) -> str | None:
        """See ``CheckpointService.find_workspace``."""
        return await self._run(self._service.find_workspace, path)

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
        """See ``CheckpointService.guard``; use it with ``async with``."""
        return self._service.guard(
            plan_id,
            workspace,
            decision_id=decision_id,
            source_tool=source_tool,
            on_error=on_error,
            triggers=triggers,
        )
