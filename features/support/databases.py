"""A fresh PostgreSQL schema per scenario, dropped afterwards.

Setting up and tearing down the schema is the only SQL the suite runs; every assertion goes
through rewind's public API or its command line.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol
from urllib.parse import quote

import psycopg
import zstandard
from sqlalchemy import text

from rewind import Checkpoint
from rewind.storage.engine import build_engine, parse_database_url
from support.trees import documented_checkpoint_hash


@contextmanager
def postgres_schema_url(server_url: str) -> Iterator[str]:
    """Create a uniquely named schema; yield a URL whose search_path selects it."""
    schema = f"rewind_test_{uuid.uuid4().hex[:12]}"
    plain_url = server_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(plain_url, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in server_url else "?"
    try:
        yield f"{server_url}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with psycopg.connect(plain_url, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def execute_behind_rewinds_back(url: str, *statements: str) -> None:
    """Run SQL on rewind's database the way an intruder or a buggy tool would.

    Only for setting up tampered or foreign databases; scenarios assert through rewind.
    """
    engine = build_engine(parse_database_url(url))
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()


def destroy_database(url: str) -> None:
    """Drop rewind's tables from under a running service, through another connection."""
    tables = (
        "checkpoint_changes",
        "blob_chunks",
        "workspace_entries",
        "workspaces",
        "checkpoints",
        "blobs",
    )
    execute_behind_rewinds_back(url, *(f"DROP TABLE {table}" for table in tables))


def compressed(data: bytes) -> bytes:
    """Compress ``data`` as rewind stores a chunk: one zstd frame recording its size."""
    return zstandard.ZstdCompressor(write_content_size=True).compress(data)


def tamper_raw(url: str, statement: str, *parameters: object) -> None:
    """Run one statement through a raw driver connection with foreign keys not enforced.

    ``statement`` uses ``?`` placeholders. This is how a buggy tool or an intruder would damage
    the store; scenarios then check that rewind notices.
    """
    parsed = parse_database_url(url)
    if parsed.get_backend_name() == "sqlite":
        connection = sqlite3.connect(str(parsed.database))  # foreign keys are off by default
        with connection:
            connection.execute(statement, parameters)
        connection.close()
        return
    plain = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=False) as server:
        server.execute("SET LOCAL session_replication_role = replica")
        server.execute(statement.replace("?", "%s"), parameters)


class _Closable(Protocol):
    def close(self) -> None: ...


def hold_write_lock(url: str) -> _Closable:
    """Hold the lock a snapshot of the scenario's workspace needs, from another connection.

    SQLite: the database's write lock. PostgreSQL: the row lock of every workspace.
    """
    parsed = parse_database_url(url)
    if parsed.get_backend_name() == "sqlite":
        connection = sqlite3.connect(str(parsed.database), isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        return connection
    plain = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    server = psycopg.connect(plain, autocommit=False)
    server.execute("SELECT id FROM workspaces FOR UPDATE")
    return server


def without_agent_calls(url: str) -> None:
    """Take the agent calls out of the store, as a rewind before schema revision 0008 left it.

    The indexed columns go, and so does ``agent_call`` from every metadata document.
    """
    if parse_database_url(url).get_backend_name() == "sqlite":
        documents = "UPDATE checkpoints SET metadata = json_remove(metadata, '$.agent_call')"
    else:
        documents = "UPDATE checkpoints SET metadata = (metadata::jsonb - 'agent_call')::json"
    execute_behind_rewinds_back(
        url,
        documents,
        "DROP INDEX ix_checkpoints_agent_id",
        "DROP INDEX ix_checkpoints_session_id_id",
        "DROP INDEX ix_checkpoints_session_id_turn",
        "ALTER TABLE checkpoints DROP COLUMN agent",
        "ALTER TABLE checkpoints DROP COLUMN session_id",
        "ALTER TABLE checkpoints DROP COLUMN turn",
    )


def replace_in_metadata(url: str, checkpoint_id: str, old: str, new: str) -> None:
    """Replace text in a checkpoint's stored metadata document, as a tamperer would."""
    if parse_database_url(url).get_backend_name() == "sqlite":
        statement = "UPDATE checkpoints SET metadata = replace(metadata, ?, ?) WHERE id = ?"
    else:
        statement = (
            "UPDATE checkpoints SET metadata = replace(metadata::text, ?, ?)::json WHERE id = ?"
        )
    tamper_raw(url, statement, old, new, checkpoint_id)


def reseal(url: str, checkpoint: Checkpoint, tree: str) -> None:
    """Give a tampered checkpoint the ``tree_hash`` ``tree`` and a matching ``checkpoint_hash``.

    What a tamperer who knows the documented encodings would do: the hashes are not keys.
    """
    seal = documented_checkpoint_hash(
        checkpoint.checkpoint_id, checkpoint.plan_id, checkpoint.sandbox_ref, tree
    )
    old_tree, old_seal = checkpoint.tree_hash, checkpoint.metadata.extra["checkpoint_hash"]
    assert isinstance(old_tree, str) and isinstance(old_seal, str)
    replace_in_metadata(url, checkpoint.checkpoint_id, old_tree, tree)
    replace_in_metadata(url, checkpoint.checkpoint_id, old_seal, seal)


def read_only_url(url: str) -> str:
    """The same store, opened read-only through its URL alone.

    SQLite: ``?mode=ro``. PostgreSQL: every transaction read-only
    (``default_transaction_read_only``), as on a standby server.
    """
    parsed = parse_database_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"{url}{'&' if '?' in url else '?'}mode=ro"
    options = f"{parsed.query.get('options', '')} -cdefault_transaction_read_only=on".strip()
    query = {**parsed.query, "options": options}
    return parsed.set(query=query).render_as_string(hide_password=False)


def relaxed_durability_url(url: str) -> str:
    """The same store, committing without waiting for the disk, as its URL may choose.

    SQLite: ``?synchronous=normal``. PostgreSQL: ``synchronous_commit=off`` for the session.
    """
    parsed = parse_database_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"{url}{'&' if '?' in url else '?'}synchronous=normal"
    options = f"{parsed.query.get('options', '')} -csynchronous_commit=off".strip()
    query = {**parsed.query, "options": options}
    return parsed.set(query=query).render_as_string(hide_password=False)


@contextmanager
def postgres_reader(url: str) -> Iterator[str]:
    """A login role that may only read the scenario's schema; yield its URL, then drop it."""
    parsed = parse_database_url(url)
    schema = str(parsed.query["options"]).removeprefix("-csearch_path=")
    role = f"rewind_reader_{uuid.uuid4().hex[:12]}"
    execute_behind_rewinds_back(
        url,
        f'CREATE ROLE "{role}" LOGIN',
        f'ALTER ROLE "{role}" SET default_transaction_read_only = on',
        f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"',
        f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO "{role}"',
    )
    try:
        yield parsed.set(username=role).render_as_string(hide_password=False)
    finally:
        execute_behind_rewinds_back(url, f'DROP OWNED BY "{role}"', f'DROP ROLE "{role}"')
