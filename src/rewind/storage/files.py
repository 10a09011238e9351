"""The files of a SQLite store: private to their user, never reached through a symlink.

Checked and made before SQLite opens the store, so SQLite only ever opens a file that is
already there and already private (it gives the ``-wal``, ``-shm`` and ``-journal`` files it
makes the database file's own mode).

- The per-user store (``rewind.db`` in ``$XDG_DATA_HOME/rewind``) and a store in a directory
  named ``.rewind`` (where rewind once kept a workspace's store) are rewind's own: the
  directory must be a real directory of this user's (made 0700), and the database and its
  companions regular files of this user's (made 0600); a symlink, another user's file or a
  file of the wrong kind is refused with an ``InsecureFileError`` naming it. One that others
  could read is made private again, and that is said once on stderr.
- A store named anywhere else is the user's choice: an existing one is opened as it is (it
  may be another user's, read-only). A missing database is made 0600, never through a
  symlink (a dangling one is refused); a missing directory is made 0700.
- A directory rewind makes for a store, and a ``.rewind``, hold a ``.gitignore`` of ``*``,
  so ``git add -A`` in a workspace that holds the store leaves it out. Nothing is ever
  written into a directory the user made for other things (a project's root).
"""

from __future__ import annotations

import os
from pathlib import Path

from rewind._private import FILE_MODE, open_private_file, private_directory, user_directory
from rewind.errors import DatabaseUnavailableError, InsecureFileError

__all__ = ["COMPANION_SUFFIXES", "OWN_DIRECTORY_NAME", "is_users_store", "prepare_store_file"]

COMPANION_SUFFIXES = ("-wal", "-shm", "-journal")
"""The files SQLite keeps beside a database, named by the database's name and these."""
OWN_DIRECTORY_NAME = ".rewind"
"""A directory of this name holds only rewind's stores (and is never tracked in a workspace)."""
IGNORE_EVERYTHING = "*\n"
"""The ``.gitignore`` of a directory holding a store: git leaves everything there out."""


def is_users_store(path: Path) -> bool:
    """Whether ``path`` (absolute) is a store in the user's data directory: rewind's own."""
    return str(path.parent) == os.path.abspath(user_directory("data"))


def prepare_store_file(path: Path, *, read_only: bool, shown: str) -> None:
    """Check the SQLite file ``path`` of a store, and make it (and its directory) if missing.

    Args:
        path: The database file, absolute.
        read_only: The store will only be read: nothing is made, and only rewind's own
            store (the user's) is checked.
        shown: The store's URL as messages show it.

    Raises:
        InsecureFileError: A file or directory of rewind's own is a symlink, another user's
            or of the wrong kind, or a database to make is a dangling symlink.
        DatabaseUnavailableError: The directory or the database cannot be made.
    """
    directory = path.parent
    if is_users_store(path):
        _check_own_store(path, create=not read_only)
    elif read_only:
        return
    elif directory.name == OWN_DIRECTORY_NAME:
        private_directory(str(directory))
        _ignore_everything(directory, shown)
        _check_own_store(path, create=True)
    else:
        if not os.path.lexists(directory):
            _make_directory(directory, shown)
        _make_database(path, shown)


def _check_own_store(path: Path, *, create: bool) -> None:
    """The directory, the database and its companions: private, this user's, no symlink."""
    private_directory(str(path.parent))
    os.close(open_private_file(str(path), create=create))
    for suffix in COMPANION_SUFFIXES:
        try:
            descriptor = open_private_file(f"{path}{suffix}")
        except FileNotFoundError:
            continue
        os.close(descriptor)


def _make_directory(directory: Path, shown: str) -> None:
    """Make a store's missing directory (and its parents) 0700, holding a ``.gitignore``."""
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
    except OSError as exc:
        raise DatabaseUnavailableError(
            f"cannot create the directory of database {shown}: {exc.strerror}"
        ) from exc
    private_directory(str(directory))  # refuses a symlink planted since
    _ignore_everything(directory, shown)


def _ignore_everything(directory: Path, shown: str) -> None:
    """Give ``directory`` a ``.gitignore`` of ``*`` unless it has one."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        descriptor = os.open(directory / ".gitignore", flags, FILE_MODE)
    except FileExistsError:
        return
    except OSError as exc:
        raise DatabaseUnavailableError(
            f"cannot write {directory / '.gitignore'} beside database {shown}: {exc.strerror}"
        ) from exc
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(IGNORE_EVERYTHING)


def _make_database(path: Path, shown: str) -> None:
    """Make a missing database file 0600, never through a symlink; leave an existing one."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        os.close(os.open(path, flags, FILE_MODE))
    except FileExistsError:
        if path.is_symlink() and not path.exists():
            raise InsecureFileError(
                f"{path} is a symlink to {os.readlink(path)}, which does not exist: rewind "
                "never makes a store through a symlink (remove it, or name its target)",
                path=str(path),
            ) from None
    except OSError as exc:
        raise DatabaseUnavailableError(f"cannot create database {shown}: {exc.strerror}") from exc
