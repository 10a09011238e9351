"""Build a SQLAlchemy engine from a database URL, tuned for each supported database.

SQLite: WAL, foreign keys, a busy timeout, and write transactions that take the write lock
at ``BEGIN IMMEDIATE``; a file rewind may not write (or ``?mode=ro``) is opened read-only.
PostgreSQL: psycopg 3, whatever spelling of the URL the user gave. A URL may carry only the
options listed in ``accepted_options``: anything else is refused, never ignored.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import urllib.parse
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.pool import NullPool, StaticPool

from rewind._json import storable_text_problem
from rewind.errors import DatabaseURLError
from rewind.storage.files import prepare_store_file

__all__ = [
    "CONNECT_TIMEOUT_SECONDS",
    "LOCK_TIMEOUT_SECONDS",
    "WRITE_OPTION",
    "accepted_options",
    "build_engine",
    "display_url",
    "is_in_memory",
    "is_read_only",
    "lock_timeout",
    "parse_database_url",
    "sqlite_database_path",
]

LOCK_TIMEOUT_SECONDS = 30.0
"""How long a write waits for another writer's lock before failing (``?lock_timeout=``)."""
MAX_LOCK_TIMEOUT_SECONDS = 86_400.0
"""The longest lock wait a URL may ask for: a day (PostgreSQL counts it in milliseconds)."""
CONNECT_TIMEOUT_SECONDS = 10
WRITE_OPTION = "rewind_write"
"""Execution option: the transaction will write, so SQLite takes its lock at BEGIN."""

_POSTGRES_NAMES = {"postgres", "postgresql", "postgresql+psycopg"}
_SQLITE_NAMES = {"sqlite", "sqlite+pysqlite"}
_REWIND_OPTIONS = frozenset({"lock_timeout"})
_SQLITE_OPTIONS = frozenset({"mode", "synchronous"})
"""``?mode=ro`` opens a SQLite store read-only; ``?synchronous=normal`` trades durability."""
SQLITE_SYNCHRONOUS_LEVELS = ("full", "normal")
"""SQLite's ``synchronous`` levels a URL may choose (``full``, the default, fsyncs every commit;
``normal`` does not: a power loss or an operating-system crash may take back the last
commits, an application crash never does, and the database never corrupts)."""


def display_url(url: URL) -> str:
    """Return ``url`` as text for messages: password hidden, no driver name."""
    return url.set(drivername=url.get_backend_name()).render_as_string(hide_password=True)


def parse_database_url(text: str) -> URL:
    """Parse and normalise a database URL (``postgresql://`` means psycopg 3).

    Raises:
        DatabaseURLError: The URL is malformed or names an unsupported database.
    """
    if not isinstance(text, str) or storable_text_problem(text) is not None:
        shown = text.encode("utf-8", "backslashreplace") if isinstance(text, str) else text
        raise DatabaseURLError(f"malformed database URL {shown!r:.300}: it is not plain text")
    try:
        url = make_url(text)
    except (sa_exc.ArgumentError, ValueError, TypeError) as exc:
        raise DatabaseURLError(f"malformed database URL {text!r}: {exc}") from exc
    if url.database is not None and storable_text_problem(url.database) is not None:
        raise DatabaseURLError(
            f"malformed database URL {text!r}: its database name holds a NUL or is not UTF-8"
        )
    if url.drivername in _POSTGRES_NAMES:
        return _check_options(url.set(drivername="postgresql+psycopg"))
    if url.drivername in _SQLITE_NAMES:
        url = _check_options(url.set(drivername="sqlite+pysqlite"))
        path = sqlite_database_path(url)  # pin a relative path to today's directory
        return url if path is None else url.set(database=str(path))
    raise DatabaseURLError(
        f"unsupported database URL {url.render_as_string(hide_password=True)!r}: rewind "
        "supports sqlite:/// and "
        "postgresql:// URLs"
    )


def accepted_options(url: URL) -> frozenset[str]:
    """The query options a URL of this database may carry.

    SQLite: ``lock_timeout``, ``mode`` (only ``ro``) and ``synchronous`` (``full`` or
    ``normal``). PostgreSQL: ``lock_timeout`` and
    every connection parameter libpq knows (``sslmode``, ``application_name``, ``options``...).
    """
    if url.drivername.startswith("sqlite"):
        return _REWIND_OPTIONS | _SQLITE_OPTIONS
    return _REWIND_OPTIONS | _libpq_parameters()


@cache
def _libpq_parameters() -> frozenset[str]:
    try:
        from psycopg import pq  # noqa: PLC0415 - only for PostgreSQL URLs
    except ImportError:  # pragma: no cover - without the extra, connecting says what is missing
        return frozenset()
    return frozenset(option.keyword.decode() for option in pq.Conninfo.get_defaults())


def _check_options(url: URL) -> URL:
    repeated = sorted(name for name, value in url.query.items() if not isinstance(value, str))
    if repeated:
        raise DatabaseURLError(
            f"database URL {display_url(url)!r} gives {', '.join(repeated)} more than once"
        )
    unknown = sorted(set(url.query) - accepted_options(url))
    if url.drivername.startswith("postgresql") and not _libpq_parameters():
        unknown = []  # pragma: no cover - psycopg is missing; connecting will say so
    if unknown:
        shown = ", ".join(sorted(accepted_options(url)))
        raise DatabaseURLError(
            f"database URL {display_url(url)!r} has the option(s) {', '.join(unknown)}, which "
            f"rewind does not accept for {url.get_backend_name()}; accepted: {shown}"
        )
    mode = url.query.get("mode")
    if mode is not None and url.database in (None, "", ":memory:"):
        raise DatabaseURLError(
            f"mode={mode!r} in database URL {display_url(url)!r}: an in-memory database "
            "cannot be opened read-only"
        )
    if mode is not None and mode != "ro":
        raise DatabaseURLError(
            f"mode={mode!r} in database URL {display_url(url)!r}: the only mode is ro "
            "(open the store read-only)"
        )
    synchronous = url.query.get("synchronous")
    if synchronous is not None and synchronous not in SQLITE_SYNCHRONOUS_LEVELS:
        raise DatabaseURLError(
            f"synchronous={synchronous!r} in database URL {display_url(url)!r}: the levels are "
            f"{' and '.join(SQLITE_SYNCHRONOUS_LEVELS)} (full, the default, makes every commit "
            "survive a power loss)"
        )
    return url


def is_read_only(url: URL) -> bool:
    """Whether rewind can only read the SQLite file of ``url``.

    True for ``?mode=ro`` and for an existing file this process may not write (its
    permissions or its directory's: SQLite writes its ``-wal`` file beside it; a read-only
    mount); False for PostgreSQL, whose server says so itself.
    """
    path = sqlite_database_path(url)
    if path is None:
        return False
    if url.query.get("mode") == "ro":
        return True
    try:
        return path.is_file() and not (_may_write(path) and _may_write(path.parent))
    except OSError:  # a path too long, a parent that cannot be read: opening will say so
        return False


def _may_write(path: str | Path) -> bool:
    """Whether this process (its effective user) may write ``path``; False on a read-only mount."""
    return os.access(path, os.W_OK, effective_ids=os.access in os.supports_effective_ids)


def is_in_memory(url: URL) -> bool:
    """Whether ``url`` names an in-memory SQLite database (``sqlite://``)."""
    return url.drivername.startswith("sqlite") and sqlite_database_path(url) is None


def sqlite_database_path(url: URL) -> Path | None:
    """Return the absolute path of a SQLite database file, or None for other databases."""
    if not url.drivername.startswith("sqlite") or url.database in (None, "", ":memory:"):
        return None
    return Path(os.path.abspath(url.database))


def build_engine(url: URL) -> Engine:
    """Return an engine for ``url``, first making a SQLite file and its directory if needed.

    A SQLite file is checked and made as ``storage.files`` says (private, never through a
    symlink) before SQLite opens it. A ``lock_timeout`` query parameter (seconds, default
    30) bounds how long a write waits for another writer: SQLite's busy timeout,
    PostgreSQL's ``lock_timeout``.

    Raises:
        DatabaseURLError: ``lock_timeout`` is not a positive number, or the URL names
            PostgreSQL and psycopg is not installed.
        DatabaseUnavailableError: The SQLite file or its directory cannot be made.
        InsecureFileError: A file of rewind's own store is a symlink or another user's.
    """
    _keep_driver_warnings_off_stderr()
    seconds = lock_timeout(url)
    read_only = is_read_only(url)
    synchronous = str(url.query.get("synchronous", "full"))
    url = url.difference_update_query(["lock_timeout", "mode", "synchronous"])
    if url.drivername.startswith("sqlite"):
        return _sqlite_engine(url, seconds, read_only=read_only, synchronous=synchronous)
    try:
        engine = create_engine(
            url,
            pool_pre_ping=True,
            connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS},
            json_deserializer=load_stored_json,
        )
    except ImportError as exc:
        raise DatabaseURLError(
            f"database URL {display_url(url)!r} needs psycopg 3, which is not installed: "
            'install rewind with its PostgreSQL extra (python3 -m pip install ".[postgres]")'
        ) from exc
    milliseconds = round(seconds * 1000)

    def bound_lock_waits(connection: Connection) -> None:
        if connection.get_execution_options().get(WRITE_OPTION, False):
            connection.exec_driver_sql(f"SET LOCAL lock_timeout = {milliseconds}")

    event.listen(engine, "begin", bound_lock_waits)
    return engine


DRIVER_LOGGERS = ("sqlalchemy", "psycopg")
"""Loggers of the libraries under rewind that warn about connections rewind reports itself."""


def _keep_driver_warnings_off_stderr() -> None:
    """Give the drivers' loggers a ``NullHandler``, so Python's last resort stays silent.

    When a connection dies, psycopg and SQLAlchemy's pool log a warning beside the error
    rewind raises. An application that configured logging still gets those records (they
    propagate as before); one that did not sees only rewind's own error, not a second,
    unformatted report on stderr.
    """
    for name in DRIVER_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(handler, logging.NullHandler) for handler in logger.handlers):
            logger.addHandler(logging.NullHandler())


class UnreadableJson:
    """Stands for stored JSON text that does not parse; the mapping reports it as corrupt."""

    def __init__(self, text: str) -> None:
        self.text = text[:80]

    def __repr__(self) -> str:
        return f"<unreadable JSON {self.text!r}>"


def load_stored_json(text: str) -> object:
    """Parse a stored JSON document; damaged text gives an ``UnreadableJson``, never raises."""
    try:
        return json.loads(text)
    except (ValueError, TypeError, RecursionError):
        return UnreadableJson(str(text))


def lock_timeout(url: URL) -> float:
    """Return the ``lock_timeout`` of ``url`` in seconds (default 30).

    Raises:
        DatabaseURLError: It is not a positive number.
    """
    text = url.query.get("lock_timeout", str(LOCK_TIMEOUT_SECONDS))
    try:
        seconds = float(text if isinstance(text, str) else text[-1])
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= MAX_LOCK_TIMEOUT_SECONDS:
        raise DatabaseURLError(
            f"lock_timeout={text!r} in database URL {display_url(url)!r} must be a number of "
            f"seconds above 0 and at most {MAX_LOCK_TIMEOUT_SECONDS}"
        )
    return seconds


def _sqlite_engine(url: URL, seconds: float, *, read_only: bool, synchronous: str) -> Engine:
    path = sqlite_database_path(url)
    options: dict[str, Any] = {
        "connect_args": {"timeout": seconds},
        "json_deserializer": load_stored_json,
    }
    if path is None:
        options.update(poolclass=StaticPool)
        options["connect_args"]["check_same_thread"] = False
    else:
        prepare_store_file(path, read_only=read_only, shown=display_url(url))
        if read_only:
            # A fresh connection for each unit of work, so each one sees what writers
            # committed since (and decides afresh whether the file must be read as immutable).
            options.update(creator=_read_only_connector(str(path), seconds), poolclass=NullPool)
    engine = create_engine(url, **options)
    busy_timeout = round(seconds * 1000)

    def configure(dbapi_connection: Any, _record: Any) -> None:
        if read_only:
            _configure_read_only_connection(dbapi_connection, busy_timeout)
        else:
            _configure_sqlite_connection(dbapi_connection, busy_timeout, synchronous)

    event.listen(engine, "connect", configure)
    event.listen(engine, "begin", _begin_sqlite_transaction)
    return engine


SQLITE_PAGE_SIZE = 16384


def _configure_sqlite_connection(
    dbapi_connection: Any, busy_timeout: int, synchronous: str
) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {busy_timeout}")
        cursor.execute("PRAGMA foreign_keys = ON")
        # Compressed chunks of a few KiB fill 16 KiB pages far better than 4 KiB ones. Only a
        # new database takes it (before its first table); an existing one keeps its own.
        cursor.execute(f"PRAGMA page_size = {SQLITE_PAGE_SIZE}")
        # Likewise: pages a prune frees can then be given back to the file system.
        cursor.execute("PRAGMA auto_vacuum = INCREMENTAL")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute(f"PRAGMA synchronous = {synchronous.upper()}")  # one of the known levels
    finally:
        cursor.close()


def _read_only_connector(path: str, seconds: float) -> Callable[[], sqlite3.Connection]:
    """Connections that only read ``path``.

    SQLite reads a WAL database through its ``-shm`` file, which it must create if it is
    missing. Where it cannot (a read-only mount, a directory rewind may not write) and no
    ``-wal`` file shows a writer at work, the file is opened as immutable: it is read as it
    is. Connections are not pooled, so a writer that starts later is seen by the next unit of
    work (through its ``-wal`` file, then present).
    """

    def connect() -> sqlite3.Connection:
        uri = f"file:{urllib.parse.quote(path)}?mode=ro"
        companions_missing = not os.path.exists(f"{path}-wal")
        if companions_missing and not _may_write(os.path.dirname(path)):
            uri += "&immutable=1"
        return sqlite3.connect(uri, uri=True, timeout=seconds, check_same_thread=False)

    return connect


def _configure_read_only_connection(dbapi_connection: Any, busy_timeout: int) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {busy_timeout}")
        cursor.execute("PRAGMA query_only = ON")
    finally:
        cursor.close()


def _begin_sqlite_transaction(connection: Connection) -> None:
    writes = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")
