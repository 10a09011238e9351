"""The SQL every repository shares, written once: batches, dialect branches, fast inserts.

SQLite and PostgreSQL differ in a handful of places (``ON CONFLICT``, the driver's parameter
marker, PostgreSQL's advisory lock for prunes, SQLite's free pages); those branches live
here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, Table, false, func, or_, select
from sqlalchemy.orm import Session

from rewind.errors import CorruptStoreError
from rewind.storage.records import DirectoryScope, below
from rewind.storage.tables import Base, CheckpointRow, WorkspaceRow

__all__ = [
    "BATCH",
    "batches",
    "count",
    "dialect",
    "give_back_free_pages",
    "in_directories",
    "in_scope",
    "insert_ignoring_duplicates",
    "insert_new_rows",
    "insert_rows",
    "is_postgresql",
    "reading_rows",
    "table",
    "take_prune_lock",
]

BATCH = 500  # ids per IN (...) query, well under every database's parameter limit
_PRUNE_LOCK_KEY = 0x7265_7769_6E64_0001  # "rewind", 1: PostgreSQL's advisory lock for prunes
_INCREMENTAL_VACUUM = 2  # what SQLite's auto_vacuum pragma reads for INCREMENTAL

_Item = TypeVar("_Item")
_Selected = TypeVar("_Selected", bound="Select[*tuple[Any, ...]]")


def batches(items: Iterable[_Item]) -> Iterator[list[_Item]]:
    """Yield ``items`` in lists of at most ``BATCH``, for ``IN (...)`` queries."""
    items = list(items)
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


def table(row_class: type[Base]) -> Table:
    """The table of a mapped row class (multi-row inserts go to it, not through the ORM)."""
    mapped = row_class.__table__
    assert isinstance(mapped, Table)
    return mapped


def is_postgresql(session: Session) -> bool:
    """Whether the session's database is PostgreSQL (else SQLite)."""
    return bool(session.get_bind().dialect.name == "postgresql")


def dialect(session: Session) -> Any:
    """The SQLAlchemy dialect module of the session's database (for ``ON CONFLICT``).

    Imported when first needed, so that a SQLite store never loads PostgreSQL's dialect.
    """
    if is_postgresql(session):
        from sqlalchemy.dialects import postgresql  # noqa: PLC0415 - see the docstring

        return postgresql
    from sqlalchemy.dialects import sqlite  # noqa: PLC0415

    return sqlite


def insert_rows(session: Session, into: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many rows with one statement, handing the values to the driver as they are.

    For rows whose values rewind made itself (text, numbers, bytes): SQLAlchemy's own
    multi-row insert processes every value of every row, which costs more than the
    database's work for the thousands of rows of a first snapshot.
    """
    if not rows:
        return
    columns = list(rows[0])
    marker = _parameter_marker(session)
    statement = (
        f"INSERT INTO {into.name} ({', '.join(columns)}) "
        f"VALUES ({', '.join([marker] * len(columns))})"
    )
    values = [tuple(row[column] for column in columns) for row in rows]
    session.connection().exec_driver_sql(statement, values)


def insert_new_rows(session: Session, into: Table, rows: Sequence[dict[str, Any]]) -> set[str]:
    """Insert the rows whose ``id`` is not stored yet; return the ids inserted.

    ``INSERT ... ON CONFLICT DO NOTHING RETURNING id``, ``BATCH`` rows per statement, with
    the values handed to the driver as they are (as ``insert_rows``): a row whose id exists,
    or that another transaction inserts at the same moment, is skipped, not an error.
    """
    inserted: set[str] = set()
    if not rows:
        return inserted
    columns = list(rows[0])
    marker = _parameter_marker(session)
    connection = session.connection()
    for batch in batches(rows):
        values = ", ".join([f"({', '.join([marker] * len(columns))})"] * len(batch))
        statement = (
            f"INSERT INTO {into.name} ({', '.join(columns)}) VALUES {values} "
            "ON CONFLICT DO NOTHING RETURNING id"
        )
        parameters = tuple(row[column] for row in batch for column in columns)
        inserted.update(key for (key,) in connection.exec_driver_sql(statement, parameters))
    return inserted


def _parameter_marker(session: Session) -> str:
    """The driver's placeholder for a value in raw SQL: sqlite3's ``?``, psycopg's ``%s``."""
    return "%s" if is_postgresql(session) else "?"


def insert_ignoring_duplicates(session: Session, into: type[Any] | Table) -> Any:
    """An ``INSERT ... ON CONFLICT DO NOTHING``: a row whose key exists is skipped."""
    return dialect(session).insert(into).on_conflict_do_nothing()


def take_prune_lock(session: Session, *, exclusive: bool) -> None:
    """Take PostgreSQL's transaction lock that prunes hold alone and writers share.

    (On SQLite every write transaction already excludes the others.)
    """
    if is_postgresql(session):
        function = func.pg_advisory_xact_lock if exclusive else func.pg_advisory_xact_lock_shared
        session.execute(select(function(_PRUNE_LOCK_KEY)))


def give_back_free_pages(session: Session) -> None:
    """Return SQLite's free pages to the file system when the transaction commits.

    Only a database created with ``auto_vacuum = INCREMENTAL`` (every one rewind creates
    now) does; an older one keeps its free pages for reuse. The driver runs one step of the
    pragma per call, and each step frees one page, hence the loop. A no-op on PostgreSQL.
    """
    if is_postgresql(session):
        return
    cursor = session.connection().connection.cursor()
    try:
        (pages,) = cursor.execute("PRAGMA freelist_count").fetchone()
        if cursor.execute("PRAGMA auto_vacuum").fetchone()[0] != _INCREMENTAL_VACUUM:
            return
        for _ in range(pages):
            cursor.execute("PRAGMA incremental_vacuum")
    finally:
        cursor.close()


@contextmanager
def reading_rows(what: str) -> Iterator[None]:
    """Report a stored value the database library cannot decode as corruption of ``what``.

    SQLite stores any value in any column: a date that is not a date fails in the driver.
    """
    try:
        yield
    except (ValueError, TypeError, RecursionError) as exc:
        raise CorruptStoreError(f"{what} is corrupt in the store: {str(exc)[:300]}") from exc


def in_scope(
    statement: _Selected,
    row_class: type[WorkspaceRow] | type[CheckpointRow],
    plan_id: str | None,
    sandbox_ref: str | None,
) -> _Selected:
    """``statement`` limited to one plan, and one workspace directory, when given."""
    if plan_id is not None:
        statement = statement.where(row_class.plan_id == plan_id)
    if sandbox_ref is not None:
        statement = statement.where(row_class.sandbox_ref == sandbox_ref)
    return statement


def in_directories(column: Any, scope: DirectoryScope) -> ColumnElement[bool]:
    """Whether ``column`` (a workspace directory) lies in ``scope``, as ``in`` says in Python.

    A prefix is compared with ``substr``, not ``LIKE``: SQLite's ``LIKE`` ignores letter
    case, and a directory's name may hold ``%`` or ``_``.
    """
    conditions: list[ColumnElement[bool]] = [false()]
    for directory in scope.directories:
        prefix = below(directory)
        conditions += [column == directory, func.substr(column, 1, len(prefix)) == prefix]
    return or_(*conditions)


def count(session: Session, statement: Select[Any]) -> int:
    """How many rows ``statement`` selects."""
    return session.scalar(select(func.count()).select_from(statement.subquery())) or 0
