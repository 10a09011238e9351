"""A fresh PostgreSQL schema per scenario, dropped afterwards.

Setting up and tearing down the schema is the only SQL the suite runs; every assertion goes
through rewind's public API or its command line.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

import psycopg
from sqlalchemy import text

from rewind.storage.engine import build_engine, parse_database_url


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
    tables = ("checkpoint_changes", "blob_chunks", "workspaces", "checkpoints", "blobs")
    execute_behind_rewinds_back(url, *(f"DROP TABLE {table}" for table in tables))
