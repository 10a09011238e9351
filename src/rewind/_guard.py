"""The guard: snapshot before a tool call or decision, and roll back if it fails.

``with service.guard(plan_id, workspace) as g:`` takes a ``PRE_TOOL`` snapshot (``g.before``),
runs the block, and takes a ``POST_TOOL`` snapshot when the block succeeds (``g.after``).
When the block raises an ``Exception``, it snapshots the failed state (``ON_ERROR``,
``g.error_checkpoint``), rolls the workspace back to ``g.before`` (``g.rollback``) unless
told to keep the failed state, and lets the original exception propagate. If the rollback
itself fails, the original exception still propagates: the failure is in
``g.rollback_error`` (with its own ``__cause__``) and in a note on the exception
(``__notes__``, printed with its traceback). A failed ``ON_ERROR`` snapshot is noted the same
way, and the rollback is still tried.

Other ``BaseException``s (``KeyboardInterrupt``, ``SystemExit``, a task's cancellation) pass
through untouched: nothing more is written while the program is being stopped.

``async with`` does the same, running each step in a worker thread (as
``AsyncCheckpointService`` runs its calls) so the event loop never waits for a scan.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Protocol

from rewind._threads import in_thread
from rewind.errors import InvalidInputError, RewindError
from rewind.models import (
    DEFAULT_GUARD_TRIGGERS,
    Checkpoint,
    CheckpointType,
    OnError,
    RollbackResult,
    Trigger,
)

if TYPE_CHECKING:
    import os

__all__ = ["Guard", "GuardedService"]


class GuardedService(Protocol):
    """The two use cases a guard calls: what it needs of ``CheckpointService``."""

    def create_workspace_snapshot(
        self,
        plan_id: str,
        sandbox_ref: str | os.PathLike[str],
        decision_id: str | None = None,
        *,
        reason: str | None = None,
        source_tool: str | None = None,
        checkpoint_type: CheckpointType = CheckpointType.PRE_DECISION,
    ) -> Checkpoint: ...

    def rollback_to_checkpoint(self, checkpoint_id: str) -> RollbackResult: ...


_REASON_LENGTH = 500


class Guard:
    """Checkpoints around one tool call or decision; see the module for the sequence.

    Attributes:
        before: The snapshot taken before the block (None without ``BEFORE_TOOL``).
        after: The snapshot taken after the block succeeded (None otherwise).
        error_checkpoint: The snapshot of the state the failed block left (None otherwise).
        rollback: What the rollback to ``before`` did, after a failure (None otherwise).
        rollback_error: Why that rollback failed, if it did.
    """

    def __init__(
        self,
        service: GuardedService,
        plan_id: str,
        workspace: str | os.PathLike[str],
        *,
        decision_id: str | None = None,
        source_tool: str | None = None,
        on_error: OnError | str = OnError.ROLLBACK,
        triggers: Iterable[Trigger | str] | str | None = None,
    ) -> None:
        """Check the arguments; nothing is snapshotted until the guard is entered.

        Raises:
            InvalidInputError: ``on_error`` or a trigger is unknown, or ``on_error`` asks for
                a rollback without the ``BEFORE_TOOL`` snapshot it would roll back to.
        """
        self._service = service
        self._plan_id = plan_id
        self._workspace = workspace
        self._decision_id = decision_id
        self._source_tool = source_tool
        try:
            self._on_error = OnError(on_error)
        except ValueError:
            valid = ", ".join(choice.value for choice in OnError)
            raise InvalidInputError(f"unknown on_error {on_error!r:.80} (valid: {valid})") from None
        self._triggers = DEFAULT_GUARD_TRIGGERS if triggers is None else Trigger.parse(triggers)
        if self._on_error is OnError.ROLLBACK and Trigger.BEFORE_TOOL not in self._triggers:
            raise InvalidInputError(
                "on_error=ROLLBACK rolls back to the snapshot taken before the block: "
                "add Trigger.BEFORE_TOOL to triggers, or pass on_error=OnError.KEEP"
            )
        self.before: Checkpoint | None = None
        self.after: Checkpoint | None = None
        self.error_checkpoint: Checkpoint | None = None
        self.rollback: RollbackResult | None = None
        self.rollback_error: RewindError | None = None

    @property
    def triggers(self) -> frozenset[Trigger]:
        """The checkpoints this guard takes."""
        return self._triggers

    def __enter__(self) -> Guard:
        self._enter()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._exit(exc)

    async def __aenter__(self) -> Guard:
        await in_thread(self._enter)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await in_thread(self._exit, exc)

    def _enter(self) -> None:
        if Trigger.BEFORE_TOOL in self._triggers:
            self.before = self._snapshot(CheckpointType.PRE_TOOL, "before the guarded block")

    def _exit(self, exc: BaseException | None) -> None:
        if exc is None:
            if Trigger.AFTER_TOOL in self._triggers:
                self.after = self._snapshot(CheckpointType.POST_TOOL, "the guarded block succeeded")
            return
        if not isinstance(exc, Exception):
            return
        if Trigger.ON_ERROR in self._triggers:
            reason = f"the guarded block raised {type(exc).__name__}: {exc}"
            try:
                self.error_checkpoint = self._snapshot(CheckpointType.ON_ERROR, reason)
            except RewindError as failure:
                _note(exc, "could not snapshot the state this error left", failure)
        if self._on_error is OnError.ROLLBACK and self.before is not None:
            try:
                self.rollback = self._service.rollback_to_checkpoint(self.before.checkpoint_id)
            except RewindError as failure:
                self.rollback_error = failure
                _note(exc, f"could not roll back to {self.before.checkpoint_id}", failure)

    def _snapshot(self, checkpoint_type: CheckpointType, reason: str) -> Checkpoint:
        return self._service.create_workspace_snapshot(
            self._plan_id,
            self._workspace,
            self._decision_id,
            reason=reason[:_REASON_LENGTH],
            source_tool=self._source_tool,
            checkpoint_type=checkpoint_type,
        )


def _note(exc: Exception, what: str, failure: RewindError) -> None:
    exc.add_note(f"rewind: the guard {what} after this error: {type(failure).__name__}: {failure}")
