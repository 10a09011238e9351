"""File-system operations that stay below one directory, whatever happens meanwhile.

``WorkspaceRoot`` holds a file descriptor of the workspace directory. Every operation on a
relative path opens the path's parent directories one at a time from that descriptor, each
with ``O_NOFOLLOW | O_DIRECTORY``, and then acts on the last name relative to the last
descriptor (``unlinkat``, ``renameat``, ``openat``...). So a directory that is replaced by a
symlink, before or in the middle of a restore, makes the operation fail with
``UnsafePathError`` instead of reaching outside the workspace. Walks are iterative, and hold
at most two descriptors open however deep the tree is.

Every ``OSError`` is translated here into a ``WorkspaceError`` naming the path.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from types import TracebackType

from rewind.errors import (
    DiskFullError,
    RewindError,
    UnreadablePathError,
    UnsafePathError,
    UnwritablePathError,
    WorkspaceNotADirectoryError,
    WorkspaceNotFoundError,
)
from rewind.workspace.sparse import HoleKeepingWriter

__all__ = [
    "PathChangedError",
    "WorkspaceRoot",
    "open_regular_file",
    "os_error",
    "read_symlink",
]

_DIRECTORY_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_OPEN_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
"""How a file is opened for reading: never through a symlink, never blocking on a FIFO."""
_NEW_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC

_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_NO_LOCKS = {errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL}  # file systems without flock
_CHANGED_WHILE_READ = {errno.ENOENT, errno.ENOTDIR, errno.ELOOP, errno.EINVAL, errno.ENXIO}


class PathChangedError(UnreadablePathError):
    """A path vanished or changed kind while it was read: someone is changing the workspace.

    Scans and captures catch it and leave the path out; the next snapshot sees what replaced
    it. Never raised to callers of the public API.
    """


class PathMissingError(UnwritablePathError):
    """A path to change (or a directory on its way) does not exist.

    Removals that may find their path gone already catch it; elsewhere it is an ordinary
    ``UnwritablePathError``.
    """


def os_error(exc: OSError, doing: str, path: str, *, reading: bool = False) -> RewindError:
    """Translate an ``OSError`` raised while ``doing`` something to ``path``.

    A full disk (or quota, or file size limit) gives ``DiskFullError``; a symlink or a file
    where a directory should be gives ``UnsafePathError``; a vanished path while reading gives
    ``PathChangedError``, and a missing one while writing ``PathMissingError``; anything
    else ``UnreadablePathError`` or ``UnwritablePathError``.
    """
    reason = exc.strerror or str(exc)
    message = f"cannot {doing} {path}: {reason}"
    if exc.errno in _FULL:
        return DiskFullError(f"{message} (no space left to write it)", path=path)
    if reading:
        changed = exc.errno in _CHANGED_WHILE_READ
        return (PathChangedError if changed else UnreadablePathError)(message, path=path)
    if exc.errno == errno.ENOENT:
        return PathMissingError(message, path=path)
    if exc.errno in (errno.ELOOP, errno.ENOTDIR):
        return UnsafePathError(
            f"refusing to {doing} {path}: a directory on its way is a symlink or not a "
            "directory (it changed while rewind was working?)",
            path=path,
        )
    return UnwritablePathError(message, path=path)


class WorkspaceRoot:
    """An open directory; every operation acts below it and never through a symlink.

    Paths are relative POSIX paths (already validated: no ``..``, no empty part). Not a
    general file-system wrapper: it offers what scans and restores need and nothing more.
    """

    def __init__(self, path: str) -> None:
        """Open the directory at ``path``, an absolute path with no symlink in it.

        The path is opened one directory at a time from ``/``, none through a symlink, so a
        parent swapped for a symlink (before or while it is opened) is refused rather than
        followed to somewhere else.

        Raises:
            WorkspaceNotFoundError: Nothing exists at ``path``.
            WorkspaceNotADirectoryError: ``path`` or one of its parents is not a directory.
            UnsafePathError: A directory on the way is a symlink.
            WorkspaceError: The directory cannot be opened.
        """
        self.path = path
        self._fd = _open_real_directory(path)

    def __enter__(self) -> WorkspaceRoot:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the directory's descriptor (and release its lock, if held)."""
        os.close(self._fd)

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold this machine's exclusive lock on the directory while the block runs.

        Rollbacks hold it from before they record their target until every file is in
        place, so a snapshot that finds a rollback mark can wait for a live rollback and tell
        it from one a crash cut short. The lock is ``flock(2)`` on the directory: other
        threads and processes of this machine wait for it; a dead process's lock is gone. On a
        file system without ``flock`` the block runs unlocked, as it did before locks existed.

        Raises:
            WorkspaceError: The lock cannot be taken.
        """
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except OSError as exc:
            if exc.errno not in _NO_LOCKS:
                raise os_error(exc, "lock", self.path) from exc
            yield  # pragma: no cover - a file system without flock
            return  # pragma: no cover
        try:
            yield
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def device(self) -> int:
        """Return the id of the file system the directory lies on."""
        return os.fstat(self._fd).st_dev

    def identity(self) -> tuple[int, int]:
        """Return the directory's file system and inode: another directory has others."""
        status = os.fstat(self._fd)
        return status.st_dev, status.st_ino

    def descriptor(self) -> int:
        """Return the open directory's descriptor (for ``fstatfs`` and the like; never close it)."""
        return self._fd

    def absolute(self, path: str) -> str:
        """Return ``path`` below the root as an absolute path, for messages."""
        return f"{self.path}/{path}" if path else self.path

    @contextmanager
    def directory(self, path: str, *, reading: bool = False) -> Iterator[int]:
        """Yield a descriptor of the directory ``path`` ("" for the root itself).

        Raises:
            UnsafePathError: A directory on the way is a symlink or a file (writing).
            PathChangedError: Likewise, or it vanished (reading).
            WorkspaceError: It cannot be opened.
        """
        parts = path.split("/") if path else []
        try:
            fd = _descend(os.dup(self._fd), parts)
        except _Blocked as blocked:
            where = self.absolute("/".join(parts[: blocked.depth]))
            raise os_error(blocked.error, "open the directory", where, reading=reading) from (
                blocked.error
            )
        except OSError as exc:  # the descriptor could not even be duplicated
            raise os_error(exc, "open the directory", self.path, reading=reading) from exc
        try:
            yield fd
        finally:
            os.close(fd)

    @contextmanager
    def parent(self, path: str, *, reading: bool = False) -> Iterator[tuple[int, str]]:
        """Yield a descriptor of the directory holding ``path``, and ``path``'s last name."""
        directory, _, name = path.rpartition("/")
        with self.directory(directory, reading=reading) as fd:
            yield fd, name

    def lstat(self, path: str) -> os.stat_result | None:
        """Return the status of ``path`` itself (a symlink is not followed), or None if missing.

        A parent that is a symlink or a file counts as missing: nothing lies below it.

        Raises:
            UnreadablePathError: The status cannot be read.
        """
        try:
            with self.parent(path, reading=True) as (fd, name):
                try:
                    return os.stat(name, dir_fd=fd, follow_symlinks=False)
                except OSError as exc:
                    where = self.absolute(path)
                    raise os_error(exc, "read the status of", where, reading=True) from exc
        except PathChangedError:
            return None

    def is_real_directory(self, path: str) -> bool:
        """Whether ``path`` is a directory (not a symlink to one)."""
        status = self.lstat(path)
        return status is not None and stat.S_ISDIR(status.st_mode)

    def unlink(self, path: str, *, missing_ok: bool = False) -> None:
        """Remove the file or symlink at ``path``.

        With ``missing_ok``, a path that is gone (or whose directory is) is not an error.

        Raises:
            UnsafePathError: A directory on the way is a symlink.
            WorkspaceError: The file system refused.
        """
        try:
            with self.parent(path) as (fd, name):
                try:
                    os.unlink(name, dir_fd=fd)
                except OSError as exc:
                    raise os_error(exc, "remove", self.absolute(path)) from exc
        except PathMissingError:
            if not missing_ok:
                raise

    def remove_empty_directory(self, path: str) -> bool:
        """Remove the directory ``path`` if it is empty; return whether it was removed.

        A directory that is gone already (or whose parent is) is not an error.
        """
        try:
            with self.parent(path) as (fd, name):
                try:
                    os.rmdir(name, dir_fd=fd)
                except OSError as exc:
                    if exc.errno in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR):
                        return False
                    raise os_error(exc, "remove the directory", self.absolute(path)) from exc
        except PathMissingError:
            return False
        return True

    def make_directory(self, name: str) -> bool:
        """Create the directory ``name`` right below the root; return whether it was created.

        Raises:
            WorkspaceNotADirectoryError: ``name`` exists and is not a directory.
            WorkspaceError: The file system refused.
        """
        try:
            os.mkdir(name, 0o777, dir_fd=self._fd)
        except FileExistsError:
            if not self.is_real_directory(name):
                raise WorkspaceNotADirectoryError(
                    f"{self.absolute(name)!r} is not a directory", path=self.absolute(name)
                ) from None
            return False
        except OSError as exc:
            raise os_error(exc, "create the directory", self.absolute(name)) from exc
        return True

    def make_directories(self, path: str) -> None:
        """Create the directory ``path`` and its missing parents, never through a symlink.

        Raises:
            UnsafePathError: Something on the way is a symlink or a file.
            WorkspaceError: The file system refused.
        """
        if not path:
            return
        built = ""
        for part in path.split("/"):
            with self.directory(built) as fd:
                try:
                    os.mkdir(part, 0o777, dir_fd=fd)
                except FileExistsError:
                    pass
                except OSError as exc:
                    where = f"{built}/{part}" if built else part
                    raise os_error(exc, "create the directory", self.absolute(where)) from exc
            built = f"{built}/{part}" if built else part
        with self.directory(path):  # refuses a symlink or file that was there already
            pass

    def write_file(self, path: str, chunks: Iterable[bytes], mode: int, temporary: str) -> None:
        """Write ``chunks`` to the temporary ``temporary`` beside ``path``, then rename it.

        The temporary is created exclusively (never through a symlink) and removed if
        anything fails. Blocks of zeros stay holes (see ``rewind.workspace.sparse``).

        Raises:
            UnsafePathError: A directory on the way is a symlink.
            DiskFullError: No space was left.
            WorkspaceError: The file system refused.
        """
        with self.parent(path) as (fd, name):
            try:
                descriptor = os.open(temporary, _NEW_FILE_FLAGS, 0o600, dir_fd=fd)
            except OSError as exc:
                raise os_error(exc, "create a temporary file for", self.absolute(path)) from exc
            try:
                try:
                    writer = HoleKeepingWriter(descriptor)
                    for chunk in chunks:
                        writer.write(chunk)
                    writer.finish()
                    os.fchmod(descriptor, mode)
                finally:
                    os.close(descriptor)
                os.replace(temporary, name, src_dir_fd=fd, dst_dir_fd=fd)
            except OSError as exc:
                _discard(temporary, fd)
                raise os_error(exc, "write", self.absolute(path)) from exc
            except BaseException:
                _discard(temporary, fd)
                raise

    def write_symlink(self, path: str, target: str, temporary: str) -> None:
        """Create a symlink ``path`` -> ``target`` through the temporary name ``temporary``.

        Raises:
            UnsafePathError: A directory on the way is a symlink.
            WorkspaceError: The file system refused.
        """
        with self.parent(path) as (fd, name):
            try:
                os.symlink(target, temporary, dir_fd=fd)
                os.replace(temporary, name, src_dir_fd=fd, dst_dir_fd=fd)
            except OSError as exc:
                _discard(temporary, fd)
                raise os_error(exc, "create the symlink", self.absolute(path)) from exc

    def read_link(self, path: str) -> bytes:
        """Return the target of the symlink ``path``, as bytes.

        Raises:
            PathChangedError: ``path`` vanished or is no longer a symlink.
            UnreadablePathError: It cannot be read.
        """
        with self.parent(path, reading=True) as (fd, name):
            return read_symlink(fd, name, self.absolute(path))

    @contextmanager
    def open_file(self, path: str) -> Iterator[int]:
        """Yield a descriptor of the regular file ``path``, opened for reading.

        Never through a symlink, never blocking (a FIFO put in its place is refused).

        Raises:
            PathChangedError: ``path`` vanished or is no longer a regular file.
            UnreadablePathError: It cannot be opened.
        """
        with (
            self.parent(path, reading=True) as (fd, name),
            open_regular_file(fd, name, self.absolute(path)) as descriptor,
        ):
            yield descriptor

    def walk(self, path: str) -> Iterator[tuple[str, list[str], list[str]]]:
        """Yield ``(directory, subdirectories, other names)`` below ``path``, top-down.

        Iterative: a tree of any depth is walked without recursion. Symlinks are listed as
        names, never followed.

        Raises:
            WorkspaceError: A directory cannot be listed.
        """
        pending = [path]
        while pending:
            directory = pending.pop()
            subdirectories: list[str] = []
            others: list[str] = []
            with self.directory(directory) as fd:
                try:
                    entries = list(os.scandir(fd))
                    for entry in entries:
                        is_directory = entry.is_dir(follow_symlinks=False)
                        (subdirectories if is_directory else others).append(entry.name)
                except OSError as exc:
                    raise os_error(exc, "list", self.absolute(directory), reading=True) from exc
            yield directory, subdirectories, others
            pending.extend(f"{directory}/{name}" if directory else name for name in subdirectories)

    def remove_empty_tree(self, path: str) -> None:
        """Remove the directory ``path`` and the empty directories below it, bottom-up.

        Raises:
            WorkspaceError: A directory is not empty or cannot be removed.
        """
        directories = [directory for directory, _subdirectories, _others in self.walk(path)]
        for directory in reversed(directories):
            with self.parent(directory) as (fd, name):
                try:
                    os.rmdir(name, dir_fd=fd)
                except OSError as exc:
                    raise os_error(exc, "remove the directory", self.absolute(directory)) from exc


class _Blocked(Exception):
    """A descent stopped at the ``depth``-th directory of its way, refused by ``error``."""

    def __init__(self, depth: int, error: OSError) -> None:
        self.depth = depth
        self.error = error


def _descend(fd: int, parts: list[str]) -> int:
    """Open ``parts`` one directory at a time below ``fd``, none through a symlink.

    Takes ``fd`` over: returns the last descriptor and closes every other one, also when it
    raises ``_Blocked``.
    """
    for depth, part in enumerate(parts, start=1):
        try:
            child = os.open(part, _DIRECTORY_FLAGS, dir_fd=fd)
        except OSError as exc:
            os.close(fd)
            raise _Blocked(depth, exc) from exc
        os.close(fd)
        fd = child
    return fd


def _open_real_directory(path: str) -> int:
    """Open the absolute ``path`` from ``/``, one directory at a time, never via a symlink."""
    parts = [part for part in path.split("/") if part]
    try:
        return _descend(os.open("/", _DIRECTORY_FLAGS), parts)
    except _Blocked as blocked:
        stopped_at = "/" + "/".join(parts[: blocked.depth])
        raise _unopenable(blocked.error, path, os.path.islink(stopped_at)) from blocked.error
    except OSError as exc:  # "/" itself could not be opened
        raise os_error(exc, "open the directory", "/") from exc


def _unopenable(exc: OSError, path: str, symlink: bool) -> RewindError:
    if symlink:
        return UnsafePathError(
            f"refusing {path!r}: it now leads through a symlink (it was a real path)", path=path
        )
    if exc.errno == errno.ENOENT:
        return WorkspaceNotFoundError(f"directory {path!r} does not exist", path=path)
    if exc.errno in (errno.ENOTDIR, errno.ELOOP):
        return WorkspaceNotADirectoryError(
            f"{path!r} is not a directory, or lies below a file", path=path
        )
    return os_error(exc, "open the directory", path)


@contextmanager
def open_regular_file(directory_fd: int, name: str, where: str) -> Iterator[int]:
    """Yield a descriptor of the regular file ``name`` in a directory, opened for reading.

    Never through a symlink, never blocking: a FIFO or device put in the file's place is
    opened without waiting and then refused, like a file that vanished.

    Raises:
        PathChangedError: It vanished, or is not a regular file (names ``where``).
        UnreadablePathError: It cannot be opened.
    """
    try:
        descriptor = os.open(name, _OPEN_FILE_FLAGS, dir_fd=directory_fd)
    except OSError as exc:
        raise os_error(exc, "open", where, reading=True) from exc
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise PathChangedError(f"{where} is no longer a regular file", path=where)
        yield descriptor
    finally:
        os.close(descriptor)


def read_symlink(directory_fd: int, name: str, where: str) -> bytes:
    """Return the target of the symlink ``name`` in a directory, as bytes.

    Raises:
        PathChangedError: It vanished or is no longer a symlink (names ``where``).
        UnreadablePathError: It cannot be read.
    """
    try:
        return os.fsencode(os.readlink(name, dir_fd=directory_fd))
    except OSError as exc:
        raise os_error(exc, "read the symlink", where, reading=True) from exc


def _discard(name: str, directory_fd: int) -> None:
    with contextlib.suppress(OSError):  # never created, or already gone: nothing to clean
        os.unlink(name, dir_fd=directory_fd)
