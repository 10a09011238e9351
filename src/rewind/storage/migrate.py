"""Bring a database's schema to the newest Alembic revision shipped with rewind.

The revisions live in the top-level ``migrations/`` directory of the source tree, which the
wheel ships as ``rewind/migrations`` (found through ``importlib.resources``, so this module
imports nothing from the package root). Alembic is imported only when a store is opened, never
by ``import rewind``, and not when the store is already at the newest revision: one ``SELECT``
of the version table tells that (``is_at_head``). Upgrading is idempotent and safe when
several processes open the same database at once: they take a lock first (SQLite's write
lock, a PostgreSQL advisory lock), and each re-reads the version after getting it.
"""

from __future__ import annotations

import functools
import re
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from rewind.errors import DatabaseNotFoundError, SchemaVersionError
from rewind.storage.engine import WRITE_OPTION, display_url
from rewind.storage.errors import translate_errors
from rewind.storage.tables import Base

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

__all__ = [
    "VERSION_TABLE",
    "current_revision",
    "head_in",
    "head_revision",
    "is_at_head",
    "migrations_directory",
    "schema_differences",
    "shipped_head",
    "upgrade_to_head",
]

VERSION_TABLE = "rewind_alembic_version"
_ADVISORY_LOCK_KEY = 0x7265_7769_6E64  # "rewind"
_REVISION = re.compile(r"^revision(?::[^=]*)?=\s*[\"']([^\"']+)[\"']", re.MULTILINE)
_DOWN_REVISION = re.compile(
    r"^down_revision(?::[^=]*)?=\s*(?:[\"']([^\"']+)[\"']|None)\s*$", re.MULTILINE
)


def migrations_directory() -> Path:
    """Return the directory holding ``env.py`` and the revisions.

    Raises:
        SchemaVersionError: The installation lost them.
    """
    package = Path(str(resources.files("rewind")))
    packaged = package / "migrations"  # in a wheel
    directory = packaged if packaged.is_dir() else package.parents[1] / "migrations"
    if not (directory / "env.py").is_file():  # pragma: no cover - a broken installation
        raise SchemaVersionError(f"rewind's migrations are missing (looked in {directory})")
    return directory


def head_revision() -> str:
    """Return the newest schema revision this version of rewind ships.

    Raises:
        SchemaVersionError: The installation lost its migrations.
    """
    from alembic.script import ScriptDirectory  # noqa: PLC0415 - see upgrade_to_head

    head = ScriptDirectory(str(migrations_directory())).get_current_head()
    if head is None:  # pragma: no cover - a broken installation
        raise SchemaVersionError("rewind's migrations hold no revision")
    return head


@functools.cache
def shipped_head() -> str | None:
    """Return the newest revision of rewind's migrations, read without Alembic (``head_in``)."""
    return head_in(migrations_directory() / "versions")


def head_in(versions: Path) -> str | None:
    """Return the newest revision of the migrations in ``versions``, read from their files.

    Each revision file names its ``revision`` and ``down_revision``; the head is the one
    revision no other follows. None when that cannot be read plainly (a file that says
    neither, two heads): then Alembic decides. A scenario checks that it is Alembic's head.
    """
    revisions: set[str] = set()
    followed: set[str] = set()
    for script in versions.glob("*.py"):
        source = script.read_text("utf-8")
        revision, down = _REVISION.search(source), _DOWN_REVISION.search(source)
        if revision is None or down is None:
            return None
        revisions.add(revision[1])
        if down[1] is not None:
            followed.add(down[1])
    heads = revisions - followed
    return heads.pop() if len(heads) == 1 else None


def is_at_head(engine: Engine) -> bool:
    """Return whether the store's schema is at the newest revision, with one query.

    False when it is not, or when that cannot be told so simply (no store yet, a database
    that fails): then Alembic looks, and says what is wrong.
    """
    head = shipped_head()
    try:
        with engine.connect() as connection:
            versions = list(connection.scalars(text(f"SELECT version_num FROM {VERSION_TABLE}")))
            connection.rollback()
    except SQLAlchemyError:
        return False
    return head is not None and versions == [head]


def current_revision(engine: Engine) -> str | None:
    """Return the database's schema revision, or None if it holds no rewind store.

    Reads only: creates and upgrades nothing.

    Raises:
        StorageError: The database failed.
    """
    with translate_errors(display_url(engine.url)), engine.connect() as connection:
        return _current_revision(connection)


def upgrade_to_head(engine: Engine, *, create: bool = True) -> None:
    """Upgrade the schema to the newest revision; do nothing if it is already there.

    Args:
        engine: The database.
        create: Whether to create rewind's tables in a database that has none.

    Raises:
        DatabaseNotFoundError: ``create`` is False and the database holds no rewind store.
        SchemaVersionError: The database was written by a newer rewind, or holds rewind's
            tables without rewind's version record.
        StorageError: The database failed while upgrading.
    """
    if is_at_head(engine):  # the usual case, told without importing Alembic
        return
    from alembic.util import CommandError  # noqa: PLC0415 - Alembic loads only to upgrade

    try:
        _upgrade(engine, create=create)
    except CommandError as exc:
        raise SchemaVersionError(
            f"database {display_url(engine.url)} has a schema version record rewind cannot "
            f"read: {exc}"
        ) from exc


def _upgrade(engine: Engine, *, create: bool) -> None:
    from alembic import command  # noqa: PLC0415 - see upgrade_to_head
    from alembic.script import ScriptDirectory  # noqa: PLC0415

    scripts = ScriptDirectory(str(migrations_directory()))
    head = scripts.get_current_head()
    with translate_errors(display_url(engine.url)):
        with engine.connect() as connection:
            current = _current_revision(connection)
        if current == head:
            return
        if current is None and not create:
            raise DatabaseNotFoundError(
                f"database {display_url(engine.url)} holds no rewind store: nothing was created"
            )
        writer = engine.execution_options(**{WRITE_OPTION: True})
        with writer.connect() as connection, connection.begin():
            _lock_for_migration(connection)
            _check_upgradable(connection, scripts, display_url(engine.url))
            command.upgrade(_alembic_config(connection), "head")


def schema_differences(engine: Engine) -> list[Any]:
    """Return what differs between the database's schema and the ORM tables (empty: none)."""
    from alembic.autogenerate import compare_metadata  # noqa: PLC0415 - only for checks
    from alembic.runtime.migration import MigrationContext  # noqa: PLC0415

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"version_table": VERSION_TABLE, "compare_type": True}
        )
        return list(compare_metadata(context, Base.metadata))


def _alembic_config(connection: Connection) -> Config:
    from alembic.config import Config  # noqa: PLC0415 - see upgrade_to_head

    config = Config()
    config.set_main_option("script_location", str(migrations_directory()))
    config.attributes["connection"] = connection
    return config


def _current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext  # noqa: PLC0415 - see above

    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    revision = context.get_current_revision()
    connection.rollback()
    return revision


def _lock_for_migration(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY})


def _check_upgradable(connection: Connection, scripts: ScriptDirectory, database: str) -> None:
    from alembic.runtime.migration import MigrationContext  # noqa: PLC0415 - see above

    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    current = context.get_current_revision()
    if current is not None:
        if current not in {script.revision for script in scripts.walk_revisions()}:
            raise SchemaVersionError(
                f"database {database} has schema revision {current!r}, which this version of "
                "rewind does not know: it was written by a newer rewind; upgrade rewind"
            )
        return
    ours = set(Base.metadata.tables) & set(inspect(connection).get_table_names())
    if ours:
        raise SchemaVersionError(
            f"database {database} has tables named like rewind's ({', '.join(sorted(ours))}) "
            "but no rewind schema version: it is not a rewind database"
        )
