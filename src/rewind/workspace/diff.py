"""Compare two manifests: which paths were added, modified or deleted."""

from __future__ import annotations

from rewind._manifest import ManifestEntry, Tree
from rewind.models import ChangeKind, DiffEntry, DiffManifest

__all__ = ["diff_trees"]


def diff_trees(
    base: Tree, target: Tree, *, base_id: str | None, target_id: str | None
) -> DiffManifest:
    """Return the changes that turn ``base`` into ``target``, sorted by path.

    A path is modified when its kind, content or permission bits differ.
    """
    entries = [
        change
        for path in sorted(base.keys() | target.keys())
        if (change := _change(base.get(path), target.get(path))) is not None
    ]
    return DiffManifest(base=base_id, target=target_id, entries=tuple(entries))


def _change(old: ManifestEntry | None, new: ManifestEntry | None) -> DiffEntry | None:
    if old is None and new is not None:
        return DiffEntry(
            path=new.path,
            change=ChangeKind.ADDED,
            kind=new.kind,
            new_hash=new.content_hash,
            new_size=new.size,
            new_mode=new.mode,
        )
    if old is not None and new is None:
        return DiffEntry(
            path=old.path,
            change=ChangeKind.DELETED,
            kind=old.kind,
            old_kind=old.kind,
            old_hash=old.content_hash,
            old_size=old.size,
            old_mode=old.mode,
        )
    assert old is not None and new is not None  # a path comes from one side at least
    if (old.kind, old.content_hash, old.mode) == (new.kind, new.content_hash, new.mode):
        return None
    return DiffEntry(
        path=new.path,
        change=ChangeKind.MODIFIED,
        kind=new.kind,
        old_kind=old.kind,
        old_hash=old.content_hash,
        new_hash=new.content_hash,
        old_size=old.size,
        new_size=new.size,
        old_mode=old.mode,
        new_mode=new.mode,
    )
