"""What a rollback or ``restore_paths`` will do, and what it leaves as it is.

``plan_rollback`` plans the writes and removals that turn the scanned workspace into the
target's tree (``workspace.restore.plan_restore``), under one rule: nothing the target
ignored is removed. The target's own ignore rules (its ``.gitignore`` and ``.rewindignore``
files, at any depth) decide, read from the store and matched as a scan matches them
(``TargetIgnores``): a path the target lacks because it ignored it is kept, even if the
agent deleted the ignore file since and the scan tracks it now. Neither is anything under
``.git``; a ``.git`` in a directory that loses files is listed as kept.

It costs what the plan costs: only the ignore files of the directories above the paths it
would remove are read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rewind._manifest import ManifestEntry, Tree
from rewind._ops.integrity import stage_contents
from rewind._ops.selection import PathSelection
from rewind.models import Checkpoint, EntryKind
from rewind.storage import UnitOfWork
from rewind.workspace.capture import ContentSpool
from rewind.workspace.ignore import IGNORE_FILE_NAMES, ignore_file_lines
from rewind.workspace.restore import RestorePlan, plan_restore, restore_changes
from rewind.workspace.root import WorkspaceRoot
from rewind.workspace.scan import IgnoreChain, ScanResult

__all__ = ["Planned", "TargetIgnores", "plan_rollback"]


@dataclass(frozen=True, slots=True)
class Planned:
    """A plan, the scan it was made against, and how many of the target's paths were selected.

    ``selected`` is None for a whole rollback, else how many of the target's paths a
    ``restore_paths`` selected.
    """

    plan: RestorePlan
    scanned: ScanResult
    selected: int | None


def plan_rollback(
    uow: UnitOfWork,
    root: WorkspaceRoot,
    target: Checkpoint,
    tree: Tree,
    scanned: ScanResult,
    *,
    only: PathSelection | None = None,
) -> Planned:
    """Plan a rollback of ``root`` (scanned as ``scanned``) to ``target``, whose tree is ``tree``.

    With ``only``, just those paths (``restore_paths``).

    Raises:
        PathNotInCheckpointError: A path of ``only`` selects nothing.
        UnsafePathError: A parent directory of a target path is a symlink.
        RestoreConflictError: Something untracked is in the way.
        CorruptStoreError: An ignore file's stored content is damaged.
    """
    wanted, selected = (
        (tree, None) if only is None else only.merged(scanned.tree, tree, target.checkpoint_id)
    )
    writes, removals = restore_changes(wanted, scanned.tree)
    ignored = TargetIgnores(uow, tree).ignored(removals)
    changes = (writes, removals)
    plan = plan_restore(root, wanted, scanned, paths_checked=True, changes=changes, ignored=ignored)
    return Planned(plan, scanned, selected)


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
