"""Undoing an agent's turns, and redoing what was undone, as an editor's undo and redo do.

``undo`` is a rollback of the workspace to the first checkpoint of a turn (its turn_start)
of the workspace's latest agent session; ``redo`` is a rollback to the safety checkpoint of
the latest undo not redone yet. Each marks its own safety checkpoint, in its
``metadata.extra["undo"]``: ``{"action": "undo", "session": ..., "turn": ...}`` (the turn
whose start the workspace went back to) or ``{"action": "redo", "session": ..., "redoes":
...}`` (the undo's safety checkpoint). Nothing else is stored.

Where the workspace stands is read from those marks: the safety checkpoints of the workspace
since its session's newest checkpoint, oldest first, from the session's end; an undo moves
to the start of its turn and stacks its safety checkpoint, a redo takes the newest one off
the stack and moves back to where that undo started. A new checkpoint of the session (the
agent's next prompt) starts again from its end, with nothing to redo.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rewind._ops.lookup import find_checkpoint, resolve_name
from rewind._ops.rollback import Restorer
from rewind.errors import InvalidInputError
from rewind.models import Checkpoint, CheckpointType, RollbackResult
from rewind.storage import CheckpointQuery, Store

__all__ = ["UNDO_KEY", "Undoer"]

UNDO_KEY = "undo"
"""The ``metadata.extra`` key of the safety checkpoints an undo or a redo takes."""


@dataclass(frozen=True, slots=True)
class _Turn:
    turn: str
    start: Checkpoint


@dataclass(frozen=True, slots=True)
class _Position:
    """A workspace's session, its turns (oldest first), where it stands, and what to redo."""

    session: str
    turns: list[_Turn]
    at: int
    """The turn whose start the workspace is at (``len(turns)``: the session's end)."""
    redoable: list[str]
    """The safety checkpoints of the undos not redone, oldest first."""


class Undoer:
    """Undoes and redoes an agent's turns in a workspace (see the module)."""

    def __init__(self, store: Store, restorer: Restorer) -> None:
        self._store = store
        self._restorer = restorer

    def undo(
        self,
        workspace: str,
        *,
        turns: int = 1,
        to: str | None = None,
        dry_run: bool = False,
        force: bool = False,
    ) -> RollbackResult:
        """Put ``workspace`` back to the start of a turn of its latest agent session.

        ``turns`` back from where it stands, or the turn ``to`` names (a turn, or a
        checkpoint of the session: the start of its turn). What a person changed since the
        agent last wrote it is kept unless ``force`` (``hand_edits``).

        Raises:
            InvalidInputError: No agent session, no such turn, or fewer turns to undo.
        """
        if not isinstance(turns, int) or isinstance(turns, bool) or turns < 1:
            raise InvalidInputError(f"turns must be a whole number from 1, not {turns!r}")
        position = self._position(workspace)
        if to is None:
            index = position.at - turns
            if index < 0:
                raise InvalidInputError(
                    f"only {position.at} turn(s) of session {position.session} are left to "
                    f"undo in {workspace}, not {turns}"
                )
        else:
            index = self._turn_named(position, to, workspace)
        chosen = position.turns[index]
        target = chosen.start.checkpoint_id
        if dry_run:
            return self._restorer.dry_run(target, force=force)
        mark = {"action": "undo", "session": position.session, "turn": chosen.turn}
        return self._restorer.rollback(target, safety_extra={UNDO_KEY: mark}, force=force)

    def redo(self, workspace: str, *, dry_run: bool = False, force: bool = False) -> RollbackResult:
        """Undo the latest undo of ``workspace`` not redone yet (roll back to its safety).

        Raises:
            InvalidInputError: No agent session, or nothing to redo.
        """
        position = self._position(workspace)
        if not position.redoable:
            raise InvalidInputError(f"nothing to redo in {workspace}")
        target = position.redoable[-1]
        if dry_run:
            return self._restorer.dry_run(target, force=force)
        mark = {"action": "redo", "session": position.session, "redoes": target}
        return self._restorer.rollback(target, safety_extra={UNDO_KEY: mark}, force=force)

    def _turn_named(self, position: _Position, name: str, workspace: str) -> int:
        """The index of the turn ``name`` names: a turn id, else a checkpoint of the session."""
        for index, turn in enumerate(position.turns):
            if turn.turn == name:
                return index
        with self._store.reading() as uow:
            checkpoint = find_checkpoint(uow, resolve_name(uow, name, workspace))
        call = checkpoint.metadata.agent_call
        if call is None or call.session_id != position.session or call.turn is None:
            raise InvalidInputError(
                f"{name!r} names neither a turn nor a checkpoint of session "
                f"{position.session} in {workspace}"
            )
        for index, turn in enumerate(position.turns):
            if turn.turn == call.turn:
                return index
        raise InvalidInputError(  # pragma: no cover - its turn is among the session's
            f"the turn of {name!r} is not in session {position.session}"
        )

    def _position(self, workspace: str) -> _Position:
        with self._store.reading() as uow:
            newest = uow.checkpoints.matching(CheckpointQuery(sandbox_ref=workspace))
            marks: list[tuple[Checkpoint, Mapping[str, Any]]] = []
            session = None
            for checkpoint in newest:
                call = checkpoint.metadata.agent_call
                if call is not None and call.session_id is not None:
                    session = call.session_id
                    break
                mark = checkpoint.metadata.extra.get(UNDO_KEY)
                if checkpoint.checkpoint_type is CheckpointType.SAFETY and isinstance(
                    mark, Mapping
                ):
                    marks.append((checkpoint, mark))
            if session is None:
                raise InvalidInputError(f"no agent session is recorded in {workspace}")
            query = CheckpointQuery(sandbox_ref=workspace, session_id=session)
            recorded = uow.checkpoints.matching(query)
        return _walk(session, _turns(recorded), marks)


def _turns(recorded: list[Checkpoint]) -> list[_Turn]:
    """A session's turns, oldest first, each with its first checkpoint (from newest first)."""
    turns: list[_Turn] = []
    for checkpoint in reversed(recorded):
        call = checkpoint.metadata.agent_call
        turn = None if call is None else call.turn
        if turn is not None and all(known.turn != turn for known in turns):
            turns.append(_Turn(turn, checkpoint))
    return turns


def _walk(
    session: str, turns: list[_Turn], marks: list[tuple[Checkpoint, Mapping[str, Any]]]
) -> _Position:
    """Where the undos and redos (``marks``, newest first) left the session's workspace."""
    indexes = {turn.turn: index for index, turn in enumerate(turns)}
    at = len(turns)
    stack: list[tuple[str, int]] = []
    for checkpoint, mark in reversed(marks):
        if mark.get("session") != session:
            continue
        if mark.get("action") == "undo" and mark.get("turn") in indexes:
            stack.append((checkpoint.checkpoint_id, at))
            at = indexes[str(mark.get("turn"))]
        elif mark.get("action") == "redo" and stack:
            at = stack.pop()[1]
    return _Position(session, turns, at, [undo for undo, _ in stack])
