"""``rewind db upgrade`` and ``db current``: the store's schema, through ``rewind.schema``."""

from __future__ import annotations

from functools import partial

from rewind._private import default_store_url
from rewind.cli import render
from rewind.cli.app import Outcome, main, run, session_of
from rewind.cli.params import json_option

__all__: list[str] = []


@main.group()
def db() -> None:
    """Create, upgrade and inspect the store's schema."""


@db.command()
@json_option
def upgrade() -> None:
    """Create the store, or upgrade its schema to the newest revision; print the revision."""
    url = session_of().database_url or default_store_url()

    def migrate() -> Outcome:
        from rewind.schema import upgrade_schema

        upgrade = upgrade_schema(url)
        data = {
            **render.schema_data(upgrade.status),
            "previous_revision": upgrade.previous_revision,
        }
        return Outcome(data, partial(render.print_upgrade, upgrade))

    run(migrate)


@db.command()
@json_option
def current() -> None:
    """Print the store's schema revision, or say there is no store; create nothing."""
    url = session_of().database_url or default_store_url()

    def read() -> Outcome:
        from rewind.schema import schema_status

        status = schema_status(url)
        return Outcome(render.schema_data(status), partial(render.print_schema, status))

    run(read)
