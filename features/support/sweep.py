"""Sweeps of the public API under injected faults and corrupted rows.

Two catalogues: ``FAULTS`` (an operating-system call that fails, with an errno: a full disk,
a refused ``open``, ``rename`` or ``unlink``...) and ``CORRUPTIONS`` (one damaged row of every
kind rewind stores). A sweep runs every public operation under each of them and records what
came out; the steps then check that only ``RewindError``s did, and that nothing outside the
workspace changed. The database is never mocked: faults are injected into ``os`` calls, and
corruptions are written into the real database behind rewind's back.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from rewind import CheckpointService, RewindError, RollbackFailedError
from support.trees import Tree, read_tree, write_file

_MODULES: dict[str, ModuleType] = {"os": os, "tempfile": tempfile}


@dataclass(frozen=True)
class Fault:
    """An operating-system function that fails with ``error`` at one chosen call."""

    function: str
    error: int

    def __str__(self) -> str:
        return f"{self.function} failing with {errno.errorcode[self.error]}"


FAULTS = (
    Fault("os.open", errno.ENOSPC),
    Fault("os.open", errno.EACCES),
    Fault("os.read", errno.EIO),
    Fault("os.replace", errno.EIO),
    Fault("os.replace", errno.ENOSPC),
    Fault("os.unlink", errno.EACCES),
    Fault("os.rmdir", errno.EBUSY),
    Fault("os.mkdir", errno.ENOSPC),
    Fault("os.symlink", errno.EDQUOT),
    Fault("os.fchmod", errno.EPERM),
    Fault("os.scandir", errno.EACCES),
    Fault("os.stat", errno.EACCES),
    Fault("os.readlink", errno.EIO),
    Fault("os.dup", errno.EMFILE),
    Fault("tempfile.TemporaryFile", errno.ENOSPC),
)


class _Counter:
    """Counts the calls of a patched function and fails the ``fail_at``-th (0: never)."""

    def __init__(self, fault: Fault, fail_at: int) -> None:
        self.fault = fault
        self.fail_at = fail_at
        self.calls = 0

    def wrap(self, original: Callable[..., Any]) -> Callable[..., Any]:
        def patched(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            if self.calls == self.fail_at:
                raise OSError(self.fault.error, os.strerror(self.fault.error))
            return original(*args, **kwargs)

        return patched


@contextmanager
def injected(fault: Fault, fail_at: int) -> Iterator[_Counter]:
    """Make the ``fail_at``-th call of the fault's function raise; 0 only counts calls."""
    module_name, name = fault.function.split(".")
    module = _MODULES[module_name]
    original = getattr(module, name)
    counter = _Counter(fault, fail_at)
    setattr(module, name, counter.wrap(original))
    try:
        yield counter
    finally:
        setattr(module, name, original)


def moments(calls: int, most: int = 10) -> list[int]:
    """Which calls to fail: all of them if few, else ``most`` spread from first to last."""
    if calls <= most:
        return list(range(1, calls + 1))
    step = (calls - 1) / (most - 1)
    return sorted({1 + round(index * step) for index in range(most)})


@dataclass
class Outcome:
    """What one operation did under one fault or corruption."""

    operation: str
    condition: str
    error: BaseException | None

    @property
    def foreign(self) -> bool:
        """Whether an exception that is not a ``RewindError`` came out."""
        return self.error is not None and not isinstance(self.error, RewindError)

    def __str__(self) -> str:
        error = "ok" if self.error is None else f"{type(self.error).__name__}: {self.error}"
        return f"{self.operation} under {self.condition}: {error}"


def run(operation: Callable[[], object]) -> BaseException | None:
    """Run ``operation``; return what it raised (any exception at all), or None."""
    try:
        operation()
    except Exception as exc:  # every exception is recorded, foreign ones included
        return exc
    return None


@dataclass(frozen=True)
class Corruption:
    """One damaged row: SQL run behind rewind's back, per backend (None: cannot be stored)."""

    name: str
    sqlite: tuple[str, ...] | None
    postgres: tuple[str, ...] | None

    def statements(self, backend: str) -> tuple[str, ...] | None:
        """The statements for ``backend``, or None where that database refuses such a value."""
        return self.sqlite if backend == "sqlite" else self.postgres


def _both(*statements: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return statements, statements


NO_SUCH_ID = "01ARZ3NDEKTSV4RRFFQ69G5FAV"
_K1 = "WHERE id = '{k1}'"
_K1_CHANGE = "WHERE checkpoint_id = '{k1}' AND path = '{path}'"
_BLOB = "WHERE id = '{blob}'"
_CHUNKS = "WHERE blob_id = '{blob}'"
_WORKSPACE = "WHERE plan_id = '{plan}'"
_JSON_REPLACE = {
    "sqlite": "UPDATE checkpoints SET metadata = replace(metadata, '{old}', '{new}') " + _K1,
    "postgres": "UPDATE checkpoints SET metadata = replace(metadata::text, '{old}', '{new}')::json "
    + _K1,
}


def _replace_in_metadata(name: str, old: str, new: str) -> Corruption:
    return Corruption(
        name,
        (_JSON_REPLACE["sqlite"].replace("{old}", old).replace("{new}", new),),
        (_JSON_REPLACE["postgres"].replace("{old}", old).replace("{new}", new),),
    )


def _nested(depth: int) -> str:
    return '{"extra": {"deep": ' + "[" * depth + "]" * depth + "}}"


CORRUPTIONS = (
    Corruption("a checkpoint type", *_both(f"UPDATE checkpoints SET checkpoint_type = 'x' {_K1}")),
    Corruption("an empty plan", *_both(f"UPDATE checkpoints SET plan_id = '' {_K1}")),
    Corruption("another plan", *_both(f"UPDATE checkpoints SET plan_id = 'intruder' {_K1}")),
    Corruption(
        "a moved workspace", *_both(f"UPDATE checkpoints SET sandbox_ref = '{{victim}}' {_K1}")
    ),
    Corruption("a parent cycle", *_both(f"UPDATE checkpoints SET parent_id = '{{k2}}' {_K1}")),
    Corruption(
        "a missing parent",
        *_both(f"UPDATE checkpoints SET parent_id = '{NO_SUCH_ID}' WHERE id = '{{k2}}'"),
    ),
    Corruption(
        "metadata that is a string", *_both(f"UPDATE checkpoints SET metadata = '\"x\"' {_K1}")
    ),
    Corruption(
        "metadata that is not JSON", (f"UPDATE checkpoints SET metadata = '{{{{x' {_K1}",), None
    ),
    Corruption(
        "metadata nested 300 deep",
        *_both(f"UPDATE checkpoints SET metadata = '{_nested(300)}' {_K1}"),
    ),
    Corruption(
        "metadata nested 100000 deep",
        (f"UPDATE checkpoints SET metadata = '{_nested(100_000)}' {_K1}",),
        None,
    ),
    _replace_in_metadata("a tree hash", "{k1_tree}", "0" * 64),
    _replace_in_metadata("a checkpoint hash", "{k1_seal}", "0" * 64),
    Corruption("a creation time", (f"UPDATE checkpoints SET created_at = 'soon' {_K1}",), None),
    Corruption("a huge label", *_both(f"UPDATE checkpoints SET label = '{'x' * 20_000}' {_K1}")),
    Corruption(
        "a path out", *_both(f"UPDATE checkpoint_changes SET path = '../out.txt' {_K1_CHANGE}")
    ),
    Corruption(
        "an absolute path",
        *_both(f"UPDATE checkpoint_changes SET path = '{{victim}}/pwned.txt' {_K1_CHANGE}"),
    ),
    Corruption(
        "a path in a nested .git",
        *_both(
            "UPDATE checkpoint_changes SET path = 'vendor/lib/.git/hooks/pre-commit' " + _K1_CHANGE
        ),
    ),
    Corruption(
        "a path named like a temporary",
        *_both(f"UPDATE checkpoint_changes SET path = '{{temporary}}x' {_K1_CHANGE}"),
    ),
    Corruption("an empty path", *_both(f"UPDATE checkpoint_changes SET path = '' {_K1_CHANGE}")),
    Corruption(
        "a path recorded twice",
        *_both(f"UPDATE checkpoint_changes SET path = '{{other_path}}' {_K1_CHANGE}"),
    ),
    Corruption("a kind", *_both(f"UPDATE checkpoint_changes SET kind = 'x' {_K1_CHANGE}")),
    Corruption("a change", *_both(f"UPDATE checkpoint_changes SET change = 'x' {_K1_CHANGE}")),
    Corruption(
        "a missing content hash",
        *_both(f"UPDATE checkpoint_changes SET content_hash = NULL {_K1_CHANGE}"),
    ),
    Corruption(
        "a malformed content hash",
        *_both(f"UPDATE checkpoint_changes SET content_hash = 'zz' {_K1_CHANGE}"),
    ),
    Corruption("a negative size", *_both(f"UPDATE checkpoint_changes SET size = -1 {_K1_CHANGE}")),
    Corruption("a missing size", *_both(f"UPDATE checkpoint_changes SET size = NULL {_K1_CHANGE}")),
    Corruption(
        "a size that is text", (f"UPDATE checkpoint_changes SET size = 'ab' {_K1_CHANGE}",), None
    ),
    Corruption("a setuid mode", *_both(f"UPDATE checkpoint_changes SET mode = 2541 {_K1_CHANGE}")),
    Corruption("a missing mode", *_both(f"UPDATE checkpoint_changes SET mode = NULL {_K1_CHANGE}")),
    Corruption(
        "an out-of-range mode",
        *_both(f"UPDATE checkpoint_changes SET mode = 2147483647 {_K1_CHANGE}"),
    ),
    Corruption("a blob codec", *_both(f"UPDATE blobs SET codec = 'lz77' {_BLOB}")),
    Corruption("a blob size", *_both(f"UPDATE blobs SET size = size + 1 {_BLOB}")),
    Corruption(
        "a blob chunk count", *_both(f"UPDATE blobs SET chunk_count = chunk_count + 5 {_BLOB}")
    ),
    Corruption("a negative chunk count", *_both(f"UPDATE blobs SET chunk_count = -1 {_BLOB}")),
    Corruption(
        "a deleted blob",
        *_both(f"DELETE FROM blob_chunks {_CHUNKS}", f"DELETE FROM blobs {_BLOB}"),
    ),
    Corruption("a deleted chunk", *_both(f"DELETE FROM blob_chunks {_CHUNKS}")),
    Corruption(
        "a chunk that is not compressed",
        (f"UPDATE blob_chunks SET data = X'00FF' {_CHUNKS}",),
        (f"UPDATE blob_chunks SET data = '\\x00ff'::bytea {_CHUNKS}",),
    ),
    Corruption("a chunk that is text", (f"UPDATE blob_chunks SET data = 'text' {_CHUNKS}",), None),
    Corruption(
        "a foreign head", *_both(f"UPDATE workspaces SET head_id = '{{other}}' {_WORKSPACE}")
    ),
    Corruption(
        "a missing head", *_both(f"UPDATE workspaces SET head_id = '{NO_SUCH_ID}' {_WORKSPACE}")
    ),
    Corruption(
        "a foreign rollback mark",
        *_both(f"UPDATE workspaces SET restoring_to = '{{other}}' {_WORKSPACE}"),
    ),
    Corruption(
        "a missing rollback mark",
        *_both(f"UPDATE workspaces SET restoring_to = '{NO_SUCH_ID}' {_WORKSPACE}"),
    ),
)


def clear(path: Path) -> None:
    """Remove ``path`` (a restore target) if it exists."""
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


FIRST = {"notes.txt": "one\n", "src/app.py": "print('one')\n", "link-target.txt": "t\n"}
SECOND = {"notes.txt": "two\n", "src/new.py": "new\n", "docs/readme.md": "read me\n"}
THIRD = {**SECOND, "notes.txt": "three\n"}


def write_state(workspace: Path, files: dict[str, str], *, tag: str) -> None:
    """Make ``workspace`` hold exactly ``files`` (contents tagged, so blobs are per plan)."""
    clear(workspace)
    for path, content in files.items():
        write_file(workspace, path, f"{tag}: {content}")
    (workspace / "link").symlink_to("link-target.txt")


class SweptWorkspace:
    """One plan's workspace with two snapshots, ``k1`` (first state) and ``k2`` (second).

    Between operations it is put in a third state, so a rollback to ``k1`` has files to
    restore, files to remove and directories to prune.
    """

    def __init__(self, service: CheckpointService, root: Path, name: str) -> None:
        self.service = service
        self.plan = f"sweep-{name}"
        self.workspace = root / "sweep-workspaces" / name
        self.scratch = root / "scratch" / name
        self.tag = name
        write_state(self.workspace, FIRST, tag=name)
        self.k1 = service.create_workspace_snapshot(self.plan, self.workspace)
        self.first = read_tree(self.workspace)
        write_state(self.workspace, SECOND, tag=name)
        self.k2 = service.create_workspace_snapshot(self.plan, self.workspace)
        self.scratch.mkdir(parents=True)

    def reset(self) -> Tree:
        """Put the workspace in the third state and clear the restore target; return it."""
        write_state(self.workspace, THIRD, tag=self.tag)
        clear(self.scratch / "restored")
        return read_tree(self.workspace)

    def operations(self) -> dict[str, Callable[[], object]]:
        """Every public use case, aimed at this workspace and its two snapshots."""
        service, plan, workspace = self.service, self.plan, self.workspace
        k1, k2 = self.k1.checkpoint_id, self.k2.checkpoint_id
        return {
            "get_checkpoint": lambda: service.get_checkpoint(k1),
            "list_checkpoints": lambda: service.list_checkpoints(plan),
            "diff": lambda: service.diff(k1, k2),
            "diff with the live workspace": lambda: service.diff(k1),
            "a dry-run rollback": lambda: service.rollback_to_checkpoint(k1, dry_run=True),
            "rollback_to_checkpoint": lambda: service.rollback_to_checkpoint(k1),
            "restore_into": lambda: service.restore_into(k2, self.scratch / "restored"),
            "verify of one checkpoint": lambda: service.verify(k1),
            "verify": service.verify,
            "create_workspace_snapshot": lambda: service.create_workspace_snapshot(plan, workspace),
            "create_checkpoint": lambda: service.create_checkpoint(plan, str(workspace)),
            "stats": service.stats,
        }

    def problem_after(self, outcome: Outcome, before: Tree) -> str | None:
        """Say what is wrong with the workspace after ``outcome``, or return None.

        It must be as it was before, or exactly at ``k1`` after a successful rollback. A
        rollback whose undo failed is finished by the next snapshot, as promised.
        """
        error = outcome.error
        if isinstance(error, RollbackFailedError) and not error.undone:
            self.service.create_workspace_snapshot(self.plan, self.workspace)
        allowed = [before]
        if outcome.operation == "rollback_to_checkpoint" and error is None:
            allowed = [self.first]
        if read_tree(self.workspace) not in allowed:
            return f"{outcome}: the workspace ended in another state"
        restored = self.scratch / "restored"
        if outcome.operation == "restore_into" and error is not None and restored.exists():
            return f"{outcome}: the failed restore left {restored} behind"
        return None

    def placeholders(self, other: SweptWorkspace, victim: Path) -> dict[str, str]:
        """The values a corruption's SQL names: ids, a path, its blob, a victim directory."""
        digest = hashlib.sha256(self.k1.sandbox_ref.encode()).hexdigest()[:20]
        return {
            "{k1}": self.k1.checkpoint_id,
            "{k2}": self.k2.checkpoint_id,
            "{other}": other.k2.checkpoint_id,
            "{plan}": self.plan,
            "{path}": "notes.txt",
            "{other_path}": "src/app.py",
            "{blob}": hashlib.sha256(self.first[0]["notes.txt"][1]).hexdigest(),
            "{victim}": str(victim),
            "{temporary}": f".rewind-tmp-{digest}-",
            "{k1_tree}": str(self.k1.tree_hash),
            "{k1_seal}": str(self.k1.metadata.extra["checkpoint_hash"]),
        }


def outside(directory: Path) -> Tree:
    """Everything in a scenario's directory but the swept workspaces, stores and targets."""
    files, directories = read_tree(directory)
    keep = ("workspace", "sweep-workspaces", "store", "scratch")
    return (
        {path: state for path, state in files.items() if not path.startswith(keep)},
        {path for path in directories if not path.startswith(keep)},
    )
