"""Checking what the store holds: blobs against their hashes, manifests against their hashes.

Used by restores (the manifest is checked against the snapshot's ``tree_hash`` and
``checkpoint_hash``, and every needed blob is fetched and checked, before the first file is
touched) and by ``CheckpointService.verify`` (every problem is reported, not only the first).
"""

from __future__ import annotations

from collections.abc import Iterable

from rewind._codec import check_stored_blob
from rewind._manifest import ManifestEntry, Tree, checkpoint_hash, tree_hash
from rewind._paths import check_tree_shape, temporary_prefix, validate_path
from rewind.errors import CorruptStoreError, UnsafePathError
from rewind.models import Checkpoint, EntryKind, VerifyProblem, VerifyReport
from rewind.storage import (
    BlobHeader,
    BlobRepository,
    DirectoryScope,
    UnitOfWork,
    WorkspaceHead,
    WorkspaceRecord,
)
from rewind.workspace.capture import ContentSpool

__all__ = [
    "StoreVerifier",
    "require_intact",
    "seal_problem",
    "size_problem",
    "stage_contents",
]


def seal_problem(checkpoint: Checkpoint, tree: Tree, *, hashed: bool = False) -> str | None:
    """Say how a snapshot's manifest or fields disagree with its hashes, or return None.

    The manifest must hash to ``tree_hash`` (already known when ``hashed``), and the id,
    plan, workspace directory and tree hash to ``checkpoint_hash``: together they cover
    everything a restore acts on.
    """
    recorded = checkpoint.tree_hash
    if recorded is None or (not hashed and tree_hash(tree.values()) != recorded):
        return "its manifest does not reconstruct to its tree_hash"
    seal = checkpoint_hash(
        checkpoint.checkpoint_id,
        checkpoint.plan_id,
        checkpoint.sandbox_ref,
        recorded,
    )
    if checkpoint.metadata.extra.get("checkpoint_hash") != seal:
        return "its id, plan or workspace directory do not match its checkpoint_hash"
    return None


def require_intact(
    checkpoint: Checkpoint, tree: Tree, *, hashed: bool = False, trusted: Tree | None = None
) -> None:
    """Check a snapshot's manifest before a restore acts on it.

    ``hashed`` says that ``tree`` is known to hash to the snapshot's ``tree_hash``.
    ``trusted``, if given, is a tree whose paths are known safe and whose shape is sound (a
    scan's, or one checked before): only the paths of ``tree`` it lacks are checked, and the
    shape only if there are any (every subset of a sound tree's paths is sound).

    Raises:
        UnsafePathError: A path is hostile, or lies below another path's file (names it).
        CorruptStoreError: The manifest or fields do not match the snapshot's hashes.
    """
    temporary = temporary_prefix(checkpoint.sandbox_ref)
    unchecked = tree if trusted is None else [path for path in tree if path not in trusted]
    for path in unchecked:
        validate_path(path, temporary)
    if unchecked:
        check_tree_shape(tree)
    if (problem := seal_problem(checkpoint, tree, hashed=hashed)) is not None:
        raise CorruptStoreError(
            f"checkpoint {checkpoint.checkpoint_id} is damaged or was tampered with: {problem}; "
            "nothing was changed",
            checkpoint_id=checkpoint.checkpoint_id,
        )


MAX_SYMLINK_TARGET = 4095
"""The longest symlink target an operating system takes (``PATH_MAX`` minus its NUL)."""


def size_problem(entry: ManifestEntry, stored_size: int) -> str | None:
    """Say how the size a manifest records differs from its content's, or return None."""
    if stored_size == entry.size:
        return None
    return f"it records {entry.size} bytes but its content {entry.content_hash} holds {stored_size}"


def _symlink_problem(entry: ManifestEntry, spool: ContentSpool) -> str | None:
    """Say why no symlink could point at the staged target of ``entry``, or return None.

    The staged bytes are measured, not the size the manifest claims.
    """
    target = b""
    for chunk in spool.read(entry.content_hash):
        target += chunk
        if len(target) > MAX_SYMLINK_TARGET:
            break
    if not 0 < len(target) <= MAX_SYMLINK_TARGET:
        return f"its target has {len(target)} bytes (1 to {MAX_SYMLINK_TARGET} can exist)"
    if b"\0" in target:
        return "its target holds a NUL byte, which no symlink can"
    return None


def stage_contents(
    blobs: BlobRepository, entries: Iterable[ManifestEntry], spool: ContentSpool
) -> None:
    """Copy the stored contents of ``entries`` into ``spool``, each checked before use.

    Everything a restore will write is checked here, before its first change: each blob
    against its sha256 and recorded size, each entry's size against its blob's, and each
    symlink's staged target (1 to ``MAX_SYMLINK_TARGET`` bytes, no NUL).

    Raises:
        CorruptStoreError: A blob is missing, damaged or altered, an entry's size is not its
            content's, or a symlink target could not exist (names the blob or path).
    """
    by_content: dict[str, list[ManifestEntry]] = {}
    for entry in entries:
        by_content.setdefault(entry.content_hash, []).append(entry)
    staged: set[str] = set()
    for content_hash, header, chunks in blobs.stream(list(by_content)):
        if isinstance(header, CorruptStoreError):
            raise header
        staged.add(content_hash)
        for entry in by_content[content_hash]:
            if problem := size_problem(entry, header.size):
                raise CorruptStoreError(
                    f"stored path {entry.path[:300]!r} is damaged: {problem}", path=entry.path
                )
        spool.add_stored(
            content_hash,
            chunks,
            size=header.size,
            codec=header.codec,
            chunk_count=header.chunk_count,
        )
    for content_hash in sorted(by_content):
        if content_hash not in staged:
            path = by_content[content_hash][0].path
            raise CorruptStoreError(
                f"blob {content_hash} (the content of {path!r}) is missing from the store"
            )
    entries = [entry for group in by_content.values() for entry in group]
    for entry in entries:
        if entry.kind is EntryKind.SYMLINK and (problem := _symlink_problem(entry, spool)):
            raise CorruptStoreError(
                f"stored symlink {entry.path[:300]!r} cannot be restored: {problem}",
                path=entry.path,
            )


class StoreVerifier:
    """Collects the problems of checkpoints and blobs, checking each blob only once.

    Not a repair tool: it reads and reports, and never changes the store.
    """

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._blob_problems: dict[str, str | None] = {}
        self._blob_sizes: dict[str, int] = {}
        self._used_blobs: set[str] = set()  # blobs checked as some snapshot's content
        self.problems: list[VerifyProblem] = []

    def check_checkpoint(self, checkpoint: Checkpoint) -> None:
        """Check that a snapshot's manifest is safe, complete and hashes to its tree hash."""
        if not checkpoint.is_snapshot:
            return
        checkpoint_id = checkpoint.checkpoint_id
        try:
            tree = self._uow.checkpoints.manifest(checkpoint_id)
        except CorruptStoreError as exc:
            self.problems.append(VerifyProblem(checkpoint_id=checkpoint_id, message=str(exc)))
            return
        unread = {e.content_hash for e in tree.values()} - self._blob_problems.keys()
        if unread:
            self.read_blobs(sorted(unread))
        if (problem := seal_problem(checkpoint, tree)) is not None:
            self.problems.append(VerifyProblem(checkpoint_id=checkpoint_id, message=problem))
        temporary = temporary_prefix(checkpoint.sandbox_ref)
        for entry in tree.values():
            self._check_entry(checkpoint_id, entry, temporary)

    def check_workspace(self, workspace: WorkspaceRecord) -> None:
        """Check that a workspace's head and restore mark are snapshots of that workspace."""
        for role, checkpoint_id in (
            ("head", workspace.head_id),
            ("rollback mark", workspace.restoring_to),
        ):
            if checkpoint_id is None:
                continue
            try:
                checkpoint = self._uow.checkpoints.get(checkpoint_id)
            except CorruptStoreError:
                continue  # reported with the checkpoint itself
            if checkpoint is None or (checkpoint.plan_id, checkpoint.sandbox_ref) != (
                workspace.plan_id,
                workspace.sandbox_ref,
            ):
                self.problems.append(
                    VerifyProblem(
                        checkpoint_id=str(checkpoint_id),
                        path=str(workspace.sandbox_ref),
                        message=f"the {role} of the workspace of plan {workspace.plan_id!r:.300} "
                        "is not a snapshot of that workspace",
                    )
                )
        if workspace.head_id is not None and workspace.index_head == workspace.head_id:
            self._check_index(workspace, workspace.head_id)

    def _check_index(self, workspace: WorkspaceRecord, head_id: str) -> None:
        """Check that a workspace's index holds exactly its head's tree (snapshots trust it)."""
        record = WorkspaceHead(workspace.workspace_id, head_id, index_head=head_id)
        try:
            indexed = {
                path: known.entry for path, known in self._uow.workspaces.index(record).items()
            }
            recorded = self._uow.checkpoints.manifest(head_id)
        except CorruptStoreError as exc:
            problem = f"is damaged ({exc})"
        else:
            if indexed == recorded:
                return
            problem = f"does not hold the tree of its head {head_id}"
        self.problems.append(
            VerifyProblem(
                checkpoint_id=head_id,
                path=str(workspace.sandbox_ref),
                message=f"the index of the workspace of plan {workspace.plan_id!r:.300} {problem}",
            )
        )

    def check_store(self, within: DirectoryScope | None = None) -> VerifyReport:
        """Check every snapshot, then every blob no snapshot uses; report all problems.

        With ``within``, only the snapshots and workspaces in those directories, and the
        blobs they use.
        """
        if within is None:
            self.read_blobs(None)
        snapshot_ids = self._uow.checkpoints.snapshot_ids(within=within)
        for checkpoint_id in snapshot_ids:
            try:
                checkpoint = self._uow.checkpoints.get(checkpoint_id)
            except CorruptStoreError as exc:
                self.problems.append(VerifyProblem(checkpoint_id=checkpoint_id, message=str(exc)))
                continue
            assert checkpoint is not None  # its id was just listed, in this transaction
            self.check_checkpoint(checkpoint)
        for workspace in self._uow.workspaces.records():
            if within is None or workspace.sandbox_ref in within:
                self.check_workspace(workspace)
        for blob_id in self._uow.blobs.ids() if within is None else ():
            if blob_id in self._used_blobs:
                continue  # reported with the snapshot that uses it
            if (problem := self.check_blob(blob_id)) is not None:
                self.problems.append(VerifyProblem(blob=blob_id, message=problem))
        return self.report(checked=len(snapshot_ids))

    def report(self, *, checked: int) -> VerifyReport:
        """Return the report of what was checked so far."""
        problems = tuple(dict.fromkeys(self.problems))
        return VerifyReport(ok=not problems, checked=checked, problems=problems)

    def read_blobs(self, content_hashes: list[str] | None) -> None:
        """Read and check every blob (or those named) in one streamed pass; remember each.

        A named blob the store does not hold is remembered as missing.
        """
        for blob_id, header, chunks in self._uow.blobs.stream(content_hashes):
            self._blob_problems[blob_id] = self._blob_problem(blob_id, header, chunks)
        for content_hash in content_hashes or ():
            self._blob_problems.setdefault(content_hash, "the blob is missing from the store")

    def _blob_problem(
        self, blob_id: str, header: BlobHeader | CorruptStoreError, chunks: Iterable[bytes]
    ) -> str | None:
        if isinstance(header, CorruptStoreError):
            return str(header)
        try:
            check_stored_blob(
                blob_id,
                chunks,
                size=header.size,
                codec=header.codec,
                chunk_count=header.chunk_count,
            )
        except CorruptStoreError as exc:
            return str(exc)
        self._blob_sizes[blob_id] = header.size  # only a sound blob's size is compared
        return None

    def check_blob(self, content_hash: str) -> str | None:
        """Return what is wrong with a blob, or None; each blob is read once."""
        if content_hash not in self._blob_problems:
            self.read_blobs([content_hash])
        return self._blob_problems[content_hash]

    def _check_entry(self, checkpoint_id: str, entry: ManifestEntry, temporary: str) -> None:
        try:
            validate_path(entry.path, temporary)
        except UnsafePathError as exc:
            self.problems.append(
                VerifyProblem(checkpoint_id=checkpoint_id, path=entry.path, message=str(exc))
            )
        self._used_blobs.add(entry.content_hash)
        problem = self.check_blob(entry.content_hash)
        if problem is None:
            problem = size_problem(entry, self._blob_sizes[entry.content_hash])
        if problem is None and entry.kind is EntryKind.SYMLINK:
            problem = self._symlink_problem(entry)
        if problem is not None:
            self.problems.append(
                VerifyProblem(
                    checkpoint_id=checkpoint_id,
                    path=entry.path,
                    blob=entry.content_hash,
                    message=problem,
                )
            )

    def _symlink_problem(self, entry: ManifestEntry) -> str | None:
        with ContentSpool() as spool:
            try:
                stage_contents(self._uow.blobs, [entry], spool)
            except CorruptStoreError as exc:
                return str(exc)
        return None
