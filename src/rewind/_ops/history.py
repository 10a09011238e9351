"""An agent's sessions as a person reads them: each turn and tool call, with what it changed.

A turn's changes run from its first checkpoint (its ``turn_start``) to its ``turn_end``, or,
without one, to the next turn's first checkpoint or the session's latest; a tool call's from
its ``pre_tool`` checkpoint to the session's next one. Each stretch is counted from the two
stored trees: the paths that differ, and for the text files among them the lines added and
removed, read from the stored contents of the changed files only.
"""

from __future__ import annotations

from collections import defaultdict

from rewind._manifest import Tree
from rewind._ops.contents import StoredSide
from rewind._ops.lookup import checked_tree, list_checkpoints
from rewind._ops.patch import line_counts, too_large_to_patch
from rewind.models import (
    ChangeCounts,
    ChangeKind,
    Checkpoint,
    CheckpointType,
    DiffEntry,
    EntryKind,
    SessionSummary,
    ToolCallSummary,
    TurnSummary,
)
from rewind.storage import CheckpointQuery, UnitOfWork
from rewind.workspace.diff import diff_trees

__all__ = ["session_summaries"]


def session_summaries(
    uow: UnitOfWork, sandbox_ref: str, session_id: str | None, limit: int | None
) -> list[SessionSummary]:
    """The sessions of the workspace ``sandbox_ref`` (only ``session_id``'s, if given).

    Newest first (by their latest checkpoint); at most ``limit`` of them.
    """
    query = CheckpointQuery(sandbox_ref=sandbox_ref, session_id=session_id)
    sessions: defaultdict[str, list[Checkpoint]] = defaultdict(list)
    for checkpoint in reversed(list_checkpoints(uow, query, None)):
        call = checkpoint.metadata.agent_call
        if call is not None and call.session_id is not None:
            sessions[call.session_id].append(checkpoint)
    ordered = sorted(sessions.items(), key=lambda item: item[1][-1].checkpoint_id, reverse=True)
    if limit is not None:
        ordered = ordered[:limit]
    counter = _Counter(uow)
    return [_session(counter, name, checkpoints) for name, checkpoints in ordered]


def _session(counter: _Counter, session_id: str, checkpoints: list[Checkpoint]) -> SessionSummary:
    """One session, from its checkpoints oldest first."""
    turns: list[list[int]] = []
    previous: object = object()
    for index, checkpoint in enumerate(checkpoints):
        call = checkpoint.metadata.agent_call
        turn = None if call is None else call.turn
        if (
            not turns
            or turn != previous
            or (checkpoint.checkpoint_type is CheckpointType.TURN_START and index > turns[-1][0])
        ):
            turns.append([index])
        else:
            turns[-1].append(index)
        previous = turn
    summaries = []
    for number, members in enumerate(turns):
        first = checkpoints[members[0]]
        ends = [
            index
            for index in members
            if checkpoints[index].checkpoint_type is CheckpointType.TURN_END
        ]
        if ends:
            last = checkpoints[ends[-1]]
        elif number + 1 < len(turns):
            last = checkpoints[turns[number + 1][0]]
        else:
            last = checkpoints[-1]
        calls = []
        for index in members:
            checkpoint = checkpoints[index]
            if checkpoint.checkpoint_type is not CheckpointType.PRE_TOOL:
                continue
            call = checkpoint.metadata.agent_call
            following = checkpoints[index + 1] if index + 1 < len(checkpoints) else None
            calls.append(
                ToolCallSummary(
                    checkpoint_id=checkpoint.checkpoint_id,
                    created_at=checkpoint.created_at,
                    tool=None if call is None else call.tool,
                    tool_summary=None if call is None else call.tool_summary,
                    changes=counter.count(checkpoint, following),
                )
            )
        call = first.metadata.agent_call
        prompt = next(
            (
                checkpoints[index].metadata.agent_call.prompt  # type: ignore[union-attr]
                for index in members
                if checkpoints[index].metadata.agent_call is not None
                and checkpoints[index].metadata.agent_call.prompt  # type: ignore[union-attr]
            ),
            None,
        )
        summaries.append(
            TurnSummary(
                turn=None if call is None else call.turn,
                prompt=prompt,
                started_at=first.created_at,
                first_checkpoint_id=first.checkpoint_id,
                last_checkpoint_id=last.checkpoint_id,
                ended=bool(ends),
                changes=counter.count(first, last),
                tool_calls=tuple(calls),
            )
        )
    agent_call = checkpoints[0].metadata.agent_call
    return SessionSummary(
        session_id=session_id,
        agent=None if agent_call is None else agent_call.agent,
        sandbox_ref=checkpoints[0].sandbox_ref,
        started_at=checkpoints[0].created_at,
        last_at=checkpoints[-1].created_at,
        checkpoints=len(checkpoints),
        turns=tuple(summaries),
    )


_KEPT_TREES = 4
"""How many trees the counter keeps: the stretches it counts run on from one another."""


class _Counter:
    """Counts the changes between two snapshots, keeping the last few trees it read."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._trees: dict[str, Tree] = {}

    def _tree(self, checkpoint: Checkpoint) -> Tree:
        tree = self._trees.pop(checkpoint.checkpoint_id, None)
        if tree is None:
            tree = checked_tree(self._uow, checkpoint)
        self._trees[checkpoint.checkpoint_id] = tree  # the newest used, last
        while len(self._trees) > _KEPT_TREES:
            del self._trees[next(iter(self._trees))]
        return tree

    def count(self, base: Checkpoint, target: Checkpoint | None) -> ChangeCounts:
        """What changed from ``base`` to ``target`` (nothing when either records no files)."""
        if target is None or not base.is_snapshot or not target.is_snapshot:
            return ChangeCounts()
        if base.tree_hash == target.tree_hash:
            return ChangeCounts()
        old_tree, new_tree = self._tree(base), self._tree(target)
        manifest = diff_trees(
            old_tree, new_tree, base_id=base.checkpoint_id, target_id=target.checkpoint_id
        )
        texts = [entry for entry in manifest.entries if _may_be_text(entry)]
        added = removed = 0
        with StoredSide(old_tree) as old, StoredSide(new_tree) as new:
            paths = [entry.path for entry in texts]
            old.stage(self._uow, paths)
            new.stage(self._uow, paths)
            for entry in texts:
                plus, minus = _line_counts(entry, old.read(entry.path), new.read(entry.path))
                added += plus
                removed += minus
        return ChangeCounts(
            files_changed=len(manifest.entries), lines_added=added, lines_removed=removed
        )


def _may_be_text(entry: DiffEntry) -> bool:
    """Whether ``entry`` is a regular file on each side it exists, small enough to patch."""
    if too_large_to_patch(entry):
        return False
    return entry.kind is EntryKind.FILE and entry.old_kind in (None, EntryKind.FILE)


def _line_counts(entry: DiffEntry, before: bytes | None, after: bytes | None) -> tuple[int, int]:
    """The lines added and removed from ``before`` to ``after``; none when either is binary."""
    old = b"" if entry.change is ChangeKind.ADDED else before
    new = b"" if entry.change is ChangeKind.DELETED else after
    return line_counts(old, new)
