"""What a rollback or ``restore_paths`` will do, decided against a scan proven current.

``plan_rollback`` plans the writes and removals that turn the scanned workspace into the
target's tree (``workspace.restore.plan_restore``), under two rules:

1. Nothing the target ignored is removed. The target's own ignore rules (its ``.gitignore``
   and ``.rewindignore`` files, at any depth) decide, read from the store and matched as a
   scan matches them (``TargetIgnores``): a path the target lacks because it ignored it is
   kept, even if the agent deleted the ignore file since and the scan tracks it now. Neither
   is anything under ``.git``; a ``.git`` in a directory that loses files is listed as kept.
2. The safety snapshot holds what is there. Every path the plan would write over, remove
   or keep is looked at (one ``lstat``): a path whose status differs from what the scan
   recorded changed unseen (a watch hears nothing of a write through a hard link whose other
   name lies outside the workspace, nor of a write through ``mmap``), or since the scan; a
   path the scan could not prove (it changed too recently: another change in the same
   clock tick would keep its status) may have. It is scanned again, and the plan made
   again, before anything is recorded.

Both cost what the plan costs: only the paths it names are looked at, and only the ignore
files of the directories above them are read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from rewind._manifest import ManifestEntry, Tree
from rewind._ops.hand_edits import Reference, held_paths
from rewind._ops.integrity import stage_contents
from rewind._ops.selection import PathSelection
from rewind.errors import RestoreConflictError
from rewind.models import Checkpoint, EntryKind, KeepReason, KeptPath
from rewind.storage import UnitOfWork
from rewind.workspace.capture import ContentSpool
from rewind.workspace.ignore import IGNORE_FILE_NAMES, ignore_file_lines
from rewind.workspace.restore import RestorePlan, plan_restore, restore_changes, statuses
from rewind.workspace.root import WorkspaceRoot
from rewind.workspace.scan import IgnoreChain, ScanResult

__all__ = ["MAX_LOOKS", "Planned", "Rescan", "TargetIgnores", "plan_rollback"]

MAX_LOOKS = 4
"""How many times a plan may find paths changed since its scan before the rollback refuses."""

Rescan = Callable[[ScanResult, list[str], bool], ScanResult]
"""Looks again at some paths of a scan (recording new contents as the scan did); the flag
says whether some of them changed since, unseen (not only lacked a proof)."""


@dataclass(frozen=True, slots=True)
class Planned:
    """A plan, the scan it was made against, and how many of the target's paths were selected.

    ``selected`` is None for a whole rollback, else how many of the target's paths a
    ``restore_paths`` selected. ``held`` are the paths a person changed that it keeps (see
    ``hand_edits``), with why.
    """

    plan: RestorePlan
    scanned: ScanResult
    selected: int | None
    held: Mapping[str, KeepReason] = field(default_factory=dict)


def plan_rollback(
    uow: UnitOfWork,
    root: WorkspaceRoot,
    target: Checkpoint,
    tree: Tree,
    scanned: ScanResult,
    *,
    only: PathSelection | None = None,
    rescan: Rescan | None = None,
    reference: Reference | None = None,
) -> Planned:
    """Plan a rollback of ``root`` (scanned as ``scanned``) to ``target``, whose tree is ``tree``.

    With ``only``, just those paths (``restore_paths``). With ``rescan``, every path the plan
    names is proven unchanged since the scan first (see the module); a dry run, which
    records nothing, passes none. With ``reference`` (what rewind last saw an agent leave),
    a path a person changed since is kept (``hand_edits``).

    Raises:
        PathNotInCheckpointError: A path of ``only`` selects nothing.
        UnsafePathError: A parent directory of a target path is a symlink.
        RestoreConflictError: Something untracked is in the way, or the workspace changed
            under the plan ``MAX_LOOKS`` times.
        CorruptStoreError: An ignore file's stored content is damaged.
    """
    looked_at: set[str] = set()

    def planned_now() -> _Changes:
        return _changes(uow, tree, scanned, only, target.checkpoint_id, reference=reference)

    planned = planned_now()
    for _ in range(MAX_LOOKS):
        wanted, selected, writes, removals, held = planned
        again: list[str] = []
        changed = False
        if rescan is not None:
            again, changed = _unproven(root, scanned, writes, removals, looked_at)
        if not again:
            ignored = TargetIgnores(uow, tree).ignored(removals)
            changes = (writes, removals)
            plan = plan_restore(
                root, wanted, scanned, paths_checked=True, changes=changes, ignored=ignored
            )
            if held:
                kept = [KeptPath(path=path, reason=reason) for path, reason in held.items()]
                unchanged = plan.unchanged_count - sum(path in wanted for path in held)
                kept_all = tuple(sorted((*plan.kept, *kept), key=_by_path))
                plan = replace(plan, kept=kept_all, unchanged_count=unchanged)
                if selected is not None:
                    selected -= sum(path in tree for path in held)
            return Planned(plan, scanned, selected, held)
        assert rescan is not None  # nothing to look at again without it
        looked_at.update(again)
        previous, scanned = scanned, rescan(scanned, again, changed)
        if _tree_changed(previous, scanned, again):
            planned = planned_now()
    raise RestoreConflictError(  # pragma: no cover - a writer making new files at every look
        f"the workspace {root.path!r} kept changing while the rollback to "
        f"{target.checkpoint_id} was planned; nothing was changed: try again once it is quiet",
        checkpoint_id=target.checkpoint_id,
        path=root.path,
    )


_Changes = tuple[Tree, int | None, list[ManifestEntry], list[str], dict[str, KeepReason]]


def _changes(
    uow: UnitOfWork,
    tree: Tree,
    scanned: ScanResult,
    only: PathSelection | None,
    checkpoint_id: str,
    *,
    reference: Reference | None,
) -> _Changes:
    """The tree wanted, how many of ``tree``'s paths it selected, what makes it, what it keeps.

    The tree wanted is ``tree``, or with ``only`` the scan's with those paths from ``tree``,
    and with ``reference`` the scan's for each path a person changed (``hand_edits``); what
    makes it is the entries to write and the paths to remove.
    """
    if only is None:
        wanted, selected = tree, None
    else:
        wanted, selected = only.merged(scanned.tree, tree, checkpoint_id)
    writes, removals = restore_changes(wanted, scanned.tree)
    held: dict[str, KeepReason] = {}
    if reference is not None:
        paths = [entry.path for entry in writes] + removals
        left = reference.entries(uow, paths)
        held = held_paths(left, tree, scanned.tree, paths)
        held.update(_blocked(writes, held))
    if held:
        wanted = dict(wanted)
        for path in held:
            entry = scanned.tree.get(path)
            if entry is None:
                wanted.pop(path, None)
            else:
                wanted[path] = entry
        writes = [entry for entry in writes if entry.path not in held]
        removals = [path for path in removals if path not in held]
    return wanted, selected, writes, removals, held


def _blocked(
    writes: Iterable[ManifestEntry], held: Mapping[str, KeepReason]
) -> dict[str, KeepReason]:
    """The writes a kept path is in the way of, kept as well (conflicts).

    A file of the target where a kept path lies in a directory of that name, and a path of
    the target below a kept file or symlink: writing either would remove the kept path. The
    history gone back over changed them (else they would not be written): the person's
    change and the agent's meet there.
    """
    if not held:
        return {}
    above = {directory for path in held for directory in _directories_above(path)[1:]}
    return {
        entry.path: KeepReason.CONFLICT
        for entry in writes
        if entry.path not in held
        and (
            entry.path in above
            or any(directory in held for directory in _directories_above(entry.path)[1:])
        )
    }


def _by_path(kept: KeptPath) -> str:
    return kept.path


def _tree_changed(previous: ScanResult, scanned: ScanResult, paths: list[str]) -> bool:
    """Whether looking at ``paths`` again changed the scan's tree (else the plan stands)."""
    if len(scanned.tree) != len(previous.tree):
        return True
    return any(scanned.tree.get(path) != previous.tree.get(path) for path in paths)


def _unproven(
    root: WorkspaceRoot,
    scanned: ScanResult,
    writes: Iterable[ManifestEntry],
    removals: Iterable[str],
    looked_at: set[str],
) -> tuple[list[str], bool]:
    """The paths a plan writes over or removes that ``scanned`` cannot vouch for now.

    Those whose status is not the one the scan recorded as proof, and those it recorded
    none for (changed too recently to prove anything). Returns them, and whether any of
    them changed (not only lacked a proof). Paths the scan does not hold are left to the
    plan, which looks at what is in their way; paths looked at again are not looked at twice.
    """
    tree = scanned.tree
    paths = [entry.path for entry in writes if entry.path in tree]
    paths += removals
    again: list[str] = []
    changed = False
    for path, status in statuses(root, [p for p in paths if p not in looked_at]).items():
        if scanned.status_changed(path, status):
            again.append(path)
            changed = True
        elif scanned.stats.get(path) is None:
            again.append(path)
    return again, changed


class TargetIgnores:
    """A snapshot's own ignore rules, read from the store for the directories asked about.

    They are the rules a scan of that snapshot's tree applied: each directory's
    ``.gitignore`` then ``.rewindignore`` (regular files only: a symlink has no effect),
    deeper ones overriding, and a path below an ignored directory ignored. An ignore file
    that ignored itself is not in the tree, so its rules are unknown here. Not for the live
    workspace, whose rules a scan reads from disk.
    """

    def __init__(self, uow: UnitOfWork, tree: Tree) -> None:
        self._uow = uow
        self._tree = tree
        self._lines: dict[str, tuple[str, ...]] = {}
        self._rules = IgnoreChain(self._lines)
        self._directories: dict[str, bool] = {}

    def ignored(self, paths: Sequence[str]) -> set[str]:
        """Those of ``paths`` (files or symlinks) that the snapshot's rules ignore.

        Raises:
            CorruptStoreError: An ignore file's stored content is missing or damaged.
        """
        if not paths:
            return set()
        self._load({directory for path in paths for directory in _directories_above(path)})
        return {path for path in paths if self._ignores(path)}

    def _ignores(self, path: str) -> bool:
        for directory in _directories_above(path)[1:]:
            verdict = self._directories.get(directory)
            if verdict is None:
                rules = self._rules.of(directory.rpartition("/")[0])
                verdict = self._directories[directory] = rules.is_ignored(directory, is_dir=True)
            if verdict:
                return True  # a walk never enters it: nothing below it is tracked
        return self._rules.of(path.rpartition("/")[0]).is_ignored(path, is_dir=False)

    def _load(self, directories: Iterable[str]) -> None:
        """Read the ignore files of those ``directories`` not read yet, from the store."""
        files: dict[str, list[ManifestEntry]] = {}
        for directory in directories:
            self._lines.setdefault(directory, ())
            prefix = f"{directory}/" if directory else ""
            found = [self._tree.get(f"{prefix}{name}") for name in IGNORE_FILE_NAMES]
            entries = [entry for entry in found if entry and entry.kind is EntryKind.FILE]
            if entries:
                files[directory] = entries
        if not files:
            return
        with ContentSpool() as spool:
            stage_contents(self._uow.blobs, [e for group in files.values() for e in group], spool)
            for directory, entries in files.items():
                self._lines[directory] = tuple(
                    line
                    for entry in entries
                    for line in ignore_file_lines(b"".join(spool.read(entry.content_hash)))
                )


def _directories_above(path: str) -> list[str]:
    """The directories holding ``path``, from the root (``""``) down to its parent."""
    parts = path.split("/")[:-1]
    return ["", *("/".join(parts[: depth + 1]) for depth in range(len(parts)))]
