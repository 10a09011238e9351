"""Keeping a person's edits when a rollback goes back over an agent's history.

Every checkpoint an agent's hooks take (a turn's start and end, each tool call) records the
workspace as the agent left it; so does every rollback, ``restore_paths``, undo and redo of
that history, which puts in its safety checkpoint's ``metadata.extra["restoration"]`` what
it left: ``{"to": TARGET, "kept": [...]}`` (the target's tree but for the paths it kept) or,
putting back some paths only, ``{"to": TARGET, "written": [...], "removed": [...]}`` (those
paths as the target holds them). The newest of these, for a workspace, is its *reference*:
what rewind last saw the agent (or itself) leave there. Neither leaving a person's edit in
place nor putting it back makes it the agent's: a path a restoration did not write (one it
kept, or one a restore of some paths did not select) is as the reference before it says,
and a path it put back from a safety checkpoint (a redo) as the reference that checkpoint
was taken under says.

A path whose current entry differs from the reference's changed with no agent's hook (and
no rewind) looking: a person's edit. A rollback of an agent's history (to a checkpoint of an
agent's session, or to a safety checkpoint holding a restoration record: an undo's redo)
leaves such a path alone unless forced: ``KeepReason.HAND_EDIT`` when the history gone back
over did not change it (the rollback would only lose the person's edit), else
``KeepReason.CONFLICT`` (the agent and the person both changed it). Other rollbacks (a
guard's, a LangGraph saver's, a manual checkpoint's) keep nothing for this reason: there is no
person between their steps.

The reference costs a look at the workspace's newest checkpoints (an agent's workspace holds
its hooks' checkpoints on top), and the change rows of the paths the rollback would change;
nothing when the rollback is not of an agent's history.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from rewind._manifest import Tree
from rewind._ops.lookup import find_checkpoint, require_snapshot
from rewind.errors import RewindError
from rewind.models import Checkpoint, CheckpointType, KeepReason
from rewind.storage import CheckpointQuery, UnitOfWork

__all__ = [
    "RESTORATION_KEY",
    "Reference",
    "held_paths",
    "interrupted",
    "keeps_hand_edits",
    "reference",
    "restoration",
]

RESTORATION_KEY = "restoration"
"""The ``metadata.extra`` key of a safety checkpoint saying what its restoration left."""
_PAGE = 32
"""How many checkpoints the walk to the reference reads at a time."""


def keeps_hand_edits(target: Checkpoint) -> bool:
    """Whether a rollback to ``target`` goes back over an agent's history (see the module)."""
    if target.metadata.agent_call is not None:
        return True
    return target.checkpoint_type is CheckpointType.SAFETY and isinstance(
        target.metadata.extra.get(RESTORATION_KEY), Mapping
    )


@dataclass(frozen=True, slots=True)
class Reference:
    """What rewind last saw left in a workspace (see the module), read path by path.

    The paths it answers for are as ``at`` holds them, but for those of ``removed``: absent.
    ``at`` is the lineage of an agent's checkpoint, or, for a restoration to a safety
    checkpoint, the reference that checkpoint was taken under (None: it had none, and holds
    nothing). It answers for every path but those of ``kept``, or, when ``written`` is given,
    for those and ``removed`` only; the others are as ``earlier`` (the reference before the
    restoration this one records) holds them, absent if there is none. ``by`` is the
    checkpoint that says so: an agent's, or the safety checkpoint holding the record.
    """

    by: str
    at: tuple[str, ...] | Reference | None
    kept: frozenset[str] = frozenset()
    written: frozenset[str] | None = None
    removed: frozenset[str] = frozenset()
    earlier: Reference | None = None

    @property
    def checkpoints(self) -> set[str]:
        """The checkpoints it reads (a prune keeps them: ``retention``)."""
        found = {self.by}
        if isinstance(self.at, Reference):
            found |= self.at.checkpoints
        elif self.at:
            found.add(self.at[0])
        if self.earlier is not None:
            found |= self.earlier.checkpoints
        return found

    @property
    def complete(self) -> bool:
        """Whether it answers for every path (it needs no ``earlier``)."""
        return self.written is None and not self.kept

    def entries(self, uow: UnitOfWork, paths: Collection[str]) -> Tree:
        """The entries the reference holds for ``paths`` (absent ones left out).

        Only those paths' change rows are read.
        """
        own = [path for path in paths if self._answers(path)]
        passed = [path for path in paths if not self._answers(path)]
        wanted = [path for path in own if path not in self.removed]
        tree = self._read(uow, wanted) if wanted else {}
        if passed and self.earlier is not None:
            tree.update(self.earlier.entries(uow, passed))
        return tree

    def _read(self, uow: UnitOfWork, paths: list[str]) -> Tree:
        """The entries ``at`` holds for ``paths``."""
        if isinstance(self.at, Reference):
            return self.at.entries(uow, paths)
        if self.at is None:
            return {}
        return uow.checkpoints.entries_at(self.at, paths)

    def _answers(self, path: str) -> bool:
        if path in self.removed:
            return True
        if self.written is not None:
            return path in self.written
        return path not in self.kept


def reference(
    uow: UnitOfWork, plan_id: str, sandbox_ref: str, *, before: str | None = None
) -> Reference | None:
    """The workspace's reference (see the module), or None if it has none.

    ``before``: the reference a checkpoint was taken under (from those older than it). A
    restoration record that cannot be read (its target pruned since, or a record rewind did
    not write) is passed over for the one before it.
    """
    found: list[Reference] = []
    for checkpoint in _newest_first(uow, plan_id, sandbox_ref, before):
        left = _left_by(uow, checkpoint)
        if left is not None:
            found.append(left)
            if left.complete:
                break
    linked = None
    for left in reversed(found):
        linked = replace(left, earlier=linked)
    return linked


def interrupted(uow: UnitOfWork, target: Checkpoint) -> Reference | None:
    """What a rollback to ``target`` that a crash cut short started from, if it recorded it.

    A rollback of an agent's history records its target in its safety snapshot, which stays
    the newest snapshot of its workspace while its restore mark stands. Finishing it, a path
    as that snapshot holds it is still to be put back; one neither as that nor as ``target``
    holds it changed since the crash. None when the newest snapshot is no such record.
    """
    for checkpoint in _newest_first(uow, target.plan_id, target.sandbox_ref, None):
        if not checkpoint.is_snapshot:
            continue
        record = checkpoint.metadata.extra.get(RESTORATION_KEY)
        if (
            checkpoint.checkpoint_type is CheckpointType.SAFETY
            and isinstance(record, Mapping)
            and record.get("to") == target.checkpoint_id
        ):
            return _snapshot_left(uow, checkpoint)
        return None
    return None


def _newest_first(
    uow: UnitOfWork, plan_id: str, sandbox_ref: str, before: str | None
) -> Iterator[Checkpoint]:
    """The workspace's checkpoints older than ``before``, newest first, a page at a time."""
    while True:
        query = CheckpointQuery(
            plan_id=plan_id, sandbox_ref=sandbox_ref, limit=_PAGE, before_id=before
        )
        page = uow.checkpoints.matching(query)
        yield from page
        if len(page) < _PAGE:
            return
        before = page[-1].checkpoint_id


def _left_by(uow: UnitOfWork, checkpoint: Checkpoint) -> Reference | None:
    """What ``checkpoint`` says the agent or a restoration left, if it says anything."""
    if checkpoint.checkpoint_type is not CheckpointType.SAFETY:
        if checkpoint.metadata.agent_call is None or not checkpoint.is_snapshot:
            return None
        return _snapshot_left(uow, checkpoint)
    record = checkpoint.metadata.extra.get(RESTORATION_KEY)
    if not isinstance(record, Mapping):
        return None
    by = checkpoint.checkpoint_id
    try:
        at = _restored(uow, str(record["to"]))
        if "kept" in record:
            return Reference(by, at, kept=_paths(record["kept"]))
        written, removed = _paths(record["written"]), _paths(record["removed"])
        return Reference(by, at, written=written, removed=removed)
    except (RewindError, KeyError, TypeError):  # pragma: no cover - a record rewind did not write
        return None


def _snapshot_left(uow: UnitOfWork, checkpoint: Checkpoint) -> Reference:
    """The reference of a snapshot's whole tree (an agent's checkpoint, a safety snapshot)."""
    lineage = tuple(uow.checkpoints.ancestry(checkpoint.checkpoint_id))
    return Reference(checkpoint.checkpoint_id, lineage)


def _restored(uow: UnitOfWork, checkpoint_id: str) -> tuple[str, ...] | Reference | None:
    """What a restoration to ``checkpoint_id`` left where it wrote (``Reference.at``).

    Raises:
        CheckpointNotFoundError: There is no such checkpoint (pruned).
        InvalidInputError: It records no files.
    """
    target = find_checkpoint(uow, checkpoint_id)
    require_snapshot(target)
    if target.checkpoint_type is CheckpointType.SAFETY:
        return reference(uow, target.plan_id, target.sandbox_ref, before=checkpoint_id)
    return tuple(uow.checkpoints.ancestry(checkpoint_id))


def _paths(value: object) -> frozenset[str]:
    """The paths of a record's list (a tuple once read back: ``extra`` is immutable)."""
    if not isinstance(value, list | tuple) or not all(isinstance(path, str) for path in value):
        raise TypeError("not a list of paths")  # pragma: no cover - a record rewind did not write
    return frozenset(value)


def held_paths(
    reference: Tree, target: Tree, current: Tree, paths: Iterable[str]
) -> dict[str, KeepReason]:
    """Those of ``paths`` (what a rollback to ``target`` would change) a person changed.

    Each with why it is kept: ``HAND_EDIT`` if ``target`` holds it as ``reference`` does,
    else ``CONFLICT``.
    """
    held: dict[str, KeepReason] = {}
    for path in paths:
        left = reference.get(path)
        if current.get(path) == left:
            continue
        same = target.get(path) == left
        held[path] = KeepReason.HAND_EDIT if same else KeepReason.CONFLICT
    return held


def restoration(
    target: Checkpoint,
    *,
    kept: Iterable[str] = (),
    written: Iterable[str] | None = None,
    removed: Iterable[str] = (),
) -> dict[str, Any]:
    """The record a safety checkpoint keeps of what its restoration leaves (see the module).

    ``written`` given: a restoration of some paths only, which wrote those and removed
    ``removed``; else a whole rollback, which left ``kept`` as they were.
    """
    if written is None:
        return {"to": target.checkpoint_id, "kept": sorted(kept)}
    return {"to": target.checkpoint_id, "written": sorted(written), "removed": sorted(removed)}
