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
