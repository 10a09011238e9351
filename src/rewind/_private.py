"""The files rewind keeps for one user: private, owned by that user, never through a symlink.

By default rewind keeps, per user: the store (``$XDG_DATA_HOME/rewind/``, else
``~/.local/share/rewind/``), the hooks' log (``$XDG_STATE_HOME/rewind/``), the server's token
(``$XDG_CONFIG_HOME/rewind/``) and the background service's socket
(``$XDG_RUNTIME_DIR/rewind/``). Each of those directories is made mode 0700 and each file
0600, whatever the umask. Each is opened without following a symlink and must belong to the
user running rewind: a symlink, another user's file or something that is not a regular file
or directory there is refused with an ``InsecureFileError`` naming it. One this user owns
that others may read is made private again, and that is said once on stderr.

It imports only ``contextlib`` (which ``site`` has imported already), ``os``, ``stat`` and
``sys``: the agents' hook command uses it, and must start in a few tens of milliseconds
(``rewind.errors`` is imported only to raise).
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys

TYPE_CHECKING = False  # not ``typing``'s: importing typing costs the hook command 10 ms
if TYPE_CHECKING:
    from typing import NoReturn

__all__ = [
    "DATABASE_URL_VARIABLE",
    "DIRECTORY_MODE",
    "FILE_MODE",
    "database_url",
    "default_store_url",
    "open_private_file",
    "private_directory",
    "runtime_directory",
    "user_directory",
]

DATABASE_URL_VARIABLE = "REWIND_DATABASE_URL"
DIRECTORY_MODE = 0o700
FILE_MODE = 0o600
_XDG = {
    "data": ("XDG_DATA_HOME", (".local", "share")),
    "state": ("XDG_STATE_HOME", (".local", "state")),
    "config": ("XDG_CONFIG_HOME", (".config",)),
}
_REPORTED: set[str] = set()


def user_directory(kind: str) -> str:
    """``rewind/`` in the user's XDG directory of ``kind``: data, state or config.

    ``$XDG_DATA_HOME/rewind`` (else ``~/.local/share/rewind``), ``$XDG_STATE_HOME/rewind``
    (else ``~/.local/state/rewind``), ``$XDG_CONFIG_HOME/rewind`` (else ``~/.config/rewind``).
    A relative ``$XDG_...`` is ignored, as the XDG specification says.
    """
    variable, default = _XDG[kind]
    base = os.environ.get(variable, "")
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), *default)
    return os.path.join(base, "rewind")


def default_store_url() -> str:
    """Return ``$REWIND_DATABASE_URL`` (as ``database_url`` reads it), else the user's store.

    The user's store is one SQLite file holding every workspace's history, outside them all:
    ``$XDG_DATA_HOME/rewind/rewind.db``, else ``~/.local/share/rewind/rewind.db``.
    """
    if given := os.environ.get(DATABASE_URL_VARIABLE):
        return database_url(given)
    return f"sqlite:///{os.path.join(user_directory('data'), 'rewind.db')}"


def database_url(given: str) -> str:
    """Return ``given`` as a database URL: a plain path (no ``scheme:``) is that SQLite file.

    ``rewind.db`` gives ``sqlite:////abs/dir/rewind.db`` (absolute from the current
    directory); ``sqlite:///...`` and ``postgresql://...`` are returned as given.

    Raises:
        DatabaseURLError: ``given`` is not a string.
    """
    if not isinstance(given, str):
        from rewind.errors import DatabaseURLError  # noqa: PLC0415 - only when refusing

        shown = repr(given)[:300]
        raise DatabaseURLError(
            f"the database URL {shown} is a {type(given).__name__}: give a URL or a file path"
        )
    scheme, colon, _rest = given.partition(":")
    if colon and scheme[:1].isascii() and scheme[:1].isalpha() and _is_scheme(scheme):
        return given
    return f"sqlite:///{os.path.abspath(given)}"


def _is_scheme(text: str) -> bool:
    return all(
        character.isascii() and (character.isalnum() or character in "+.-") for character in text
    )


def runtime_directory() -> str | None:
    """``$XDG_RUNTIME_DIR/rewind``, or None where there is no runtime directory."""
    base = os.environ.get("XDG_RUNTIME_DIR", "")
    if not os.path.isabs(base) or not os.path.isdir(base):
        return None
    return os.path.join(base, "rewind")


def private_directory(path: str) -> str:
    """Make ``path``, one of rewind's own directories, a directory only this user may enter.

    A new directory is made 0700 (its missing parents with the default mode); an existing
    one must be a real directory (not a symlink) owned by this user, and is made 0700 again
    if others could enter it (said once on stderr).

    Returns:
        ``path``.

    Raises:
        InsecureFileError: ``path`` is a symlink, not a directory, or another user's, or it
            cannot be made (the message says why).
    """
    parent = os.path.dirname(path)
    if parent and parent != path and not os.path.isdir(parent):
        try:
            os.makedirs(parent, mode=DIRECTORY_MODE, exist_ok=True)
        except OSError as exc:
            _refuse(parent, f"cannot be made: {exc.strerror}", exc)
    try:
        os.mkdir(path, DIRECTORY_MODE)
    except FileExistsError:
        pass
    except OSError as exc:
        _refuse(path, f"cannot be made: {exc.strerror}", exc)
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        _refuse(path, _why_not_opened(path, exc, "directory"), exc)
    try:
        _check_owned(descriptor, path, DIRECTORY_MODE)
    finally:
        os.close(descriptor)
    return path


def open_private_file(path: str, flags: int = os.O_RDONLY, *, create: bool = False) -> int:
    """Open ``path``, a file rewind keeps for this user, never through a symlink.

    With ``create``, a missing file is made 0600 (whatever the umask). An existing one must
    be a regular file owned by this user; if others could read it, it is made 0600 again
    (said once on stderr) when it lies in a private directory of this user's, and refused
    anywhere else.

    Args:
        path: The file.
        flags: ``os.open`` flags (``O_NOFOLLOW`` and ``O_CLOEXEC`` are added).
        create: Make the file if it is missing.

    Returns:
        The open file descriptor; the caller closes it.

    Raises:
        InsecureFileError: ``path`` is a symlink, not a regular file, another user's, or
            readable by others outside a private directory.
        FileNotFoundError: It is missing and ``create`` is False.
    """
    flags |= os.O_NOFOLLOW | os.O_CLOEXEC | (os.O_CREAT if create else 0)
    try:
        descriptor = os.open(path, flags, FILE_MODE)
    except FileNotFoundError:
        raise
    except OSError as exc:
        _refuse(path, _why_not_opened(path, exc, "file"), exc)
    try:
        _check_owned(descriptor, path, FILE_MODE)
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor


def _check_owned(descriptor: int, path: str, mode: int) -> None:
    """Refuse what another user owns or what is not of the expected kind; tighten loose modes.

    A loose file is made private only inside a private directory of this user's (rewind's
    own): a file given elsewhere (``--token-file /etc/...``) is refused instead, never changed.
    """
    status = os.fstat(descriptor)
    directory = mode == DIRECTORY_MODE
    if (stat.S_ISDIR if directory else stat.S_ISREG)(status.st_mode) is False:
        kind = "a directory" if directory else "a regular file"
        _refuse(path, f"is not {kind}")
    if status.st_uid != os.geteuid():
        _refuse(path, f"belongs to another user (uid {status.st_uid}), not to you")
    current = stat.S_IMODE(status.st_mode)
    if not current & 0o077:
        return
    if not directory and not _is_private_directory(os.path.dirname(path) or "."):
        _refuse(path, f"may be read by others (mode {current:o}): chmod {mode:o} {path}")
    os.fchmod(descriptor, mode)
    _report_once(path, f"rewind: {path} could be read by others (mode {current:o}); now {mode:o}")


def _is_private_directory(path: str) -> bool:
    try:
        status = os.lstat(path)
    except OSError:
        return False
    return (
        stat.S_ISDIR(status.st_mode)
        and status.st_uid == os.geteuid()
        and not stat.S_IMODE(status.st_mode) & 0o077
    )


def _why_not_opened(path: str, exc: OSError, kind: str) -> str:
    """Say why ``path`` could not be opened: mostly, that it is a symlink."""
    try:
        status = os.lstat(path)
    except OSError:
        return f"cannot be opened: {exc.strerror}"
    if stat.S_ISLNK(status.st_mode):
        return "is a symlink; rewind never follows one to its own files"
    if kind == "directory" and not stat.S_ISDIR(status.st_mode):
        return "is not a directory"
    return f"cannot be opened: {exc.strerror}"


def _report_once(path: str, line: str) -> None:
    if path in _REPORTED:
        return
    _REPORTED.add(path)
    with contextlib.suppress(OSError, ValueError):  # no stderr: the change still stands
        print(line, file=sys.stderr)


def _refuse(path: str, why: str, cause: BaseException | None = None) -> NoReturn:
    from rewind.errors import InsecureFileError  # noqa: PLC0415 - only when refusing

    message = f"{path} {why}; rewind keeps its own files private (move it away or fix it)"
    raise InsecureFileError(message, path=path) from cause
