"""Keeping a person's edits when a rollback goes back over an agent's history.

Every checkpoint an agent's hooks take (a turn's start and end, each tool call) records the
workspace as the agent left it; so does every rollback, ``restore_paths``, undo and redo of
that history, which puts in its safety checkpoint's ``metadata.extra["restoration"]`` what
it left: ``{"to": TARGET, "kept": [...]}`` (the target's tree but for the paths it kept) or,
putting back some paths only, ``{"to": TARGET, "written": [...], "removed": [...]}`` (the
safety checkpoint's tree with those paths as the target holds them). The newest of these,
for a workspace, is its *reference*: what rewind last saw the agent (or itself) leave there.

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

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
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

    The tree of the checkpoint ``base`` (its lineage), but for the paths of ``overlaid``,
    which are as the checkpoint ``source`` holds them, and those of ``removed``: absent.
    """

    base: tuple[str, ...]
    source: tuple[str, ...] = ()
    overlaid: frozenset[str] = frozenset()
    removed: frozenset[str] = frozenset()

    def entries(self, uow: UnitOfWork, paths: Collection[str]) -> Tree:
        """The entries the reference holds for ``paths`` (absent ones left out).

        Only those paths' change rows are read.
        """
        wanted = [path for path in paths if path not in self.removed]
        from_source = [path for path in wanted if path in self.overlaid]
        from_base = [path for path in wanted if path not in self.overlaid]
        tree = uow.checkpoints.entries_at(self.base, from_base) if from_base else {}
        if from_source:
            tree.update(uow.checkpoints.entries_at(self.source, from_source))
        return tree


def reference(uow: UnitOfWork, plan_id: str, sandbox_ref: str) -> Reference | None:
    """The workspace's reference (see the module), or None if it has none.

    A restoration record that cannot be read (its target pruned since, or a record rewind
    did not write) is passed over for the one before it.
    """
    before: str | None = None
    while True:
        query = CheckpointQuery(
            plan_id=plan_id, sandbox_ref=sandbox_ref, limit=_PAGE, before_id=before
        )
        page = uow.checkpoints.matching(query)
        for checkpoint in page:
            found = _left_by(uow, checkpoint)
            if found is not None:
                return found
        if len(page) < _PAGE:
            return None
        before = page[-1].checkpoint_id


def _left_by(uow: UnitOfWork, checkpoint: Checkpoint) -> Reference | None:
    """What ``checkpoint`` says the agent or a restoration left, if it says anything."""
    if checkpoint.checkpoint_type is not CheckpointType.SAFETY:
        if checkpoint.metadata.agent_call is None or not checkpoint.is_snapshot:
            return None
        return Reference(_lineage(uow, checkpoint.checkpoint_id))
    record = checkpoint.metadata.extra.get(RESTORATION_KEY)
    if not isinstance(record, Mapping):
        return None
    try:
        target = _lineage(uow, str(record["to"]))
        safety = _lineage(uow, checkpoint.checkpoint_id)
        if "kept" in record:
            return Reference(target, safety, _paths(record["kept"]))
        return Reference(safety, target, _paths(record["written"]), _paths(record["removed"]))
    except (RewindError, KeyError, TypeError):
        return None


def _lineage(uow: UnitOfWork, checkpoint_id: str) -> tuple[str, ...]:
    """A snapshot's ancestry, nearest first.

    Raises:
        CheckpointNotFoundError: There is no such checkpoint (pruned).
        InvalidInputError: It records no files.
    """
    require_snapshot(find_checkpoint(uow, checkpoint_id))
    return tuple(uow.checkpoints.ancestry(checkpoint_id))


def _paths(value: object) -> frozenset[str]:
    """The paths of a record's list (a tuple once read back: ``extra`` is immutable)."""
    if not isinstance(value, list | tuple) or not all(isinstance(path, str) for path in value):
        raise TypeError("not a list of paths")
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
