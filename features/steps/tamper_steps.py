"""Steps that damage a store from outside rewind, to prove rewind notices."""

from __future__ import annotations

from typing import Any

from behave import given, when
from support.databases import destroy_database, execute_behind_rewinds_back
from support.scenario import named
from support.world import world

TAMPERING = {
    "checkpoint type": "UPDATE checkpoints SET checkpoint_type = 'bogus' WHERE id = '{id}'",
    "change kind": "UPDATE checkpoint_changes SET kind = 'bogus' WHERE checkpoint_id = '{id}'",
    "metadata": "UPDATE checkpoints SET label = NULL, plan_id = '' WHERE id = '{id}'",
}


@given('someone tampers with the {what} of checkpoint "{name:Q}"')
def tamper(context: Any, what: str, name: str) -> None:
    scene = world(context)
    statement = TAMPERING[what].format(id=named(scene, name).checkpoint_id)
    execute_behind_rewinds_back(scene.database_url, statement)


@given("the database holds a schema revision from a newer rewind")
def newer_revision(context: Any) -> None:
    execute_behind_rewinds_back(
        world(context).database_url, "UPDATE rewind_alembic_version SET version_num = 'f00d_future'"
    )


@given('the database already holds a foreign table named "{table:Q}"')
def foreign_table(context: Any, table: str) -> None:
    execute_behind_rewinds_back(world(context).database_url, f"CREATE TABLE {table} (x INTEGER)")


@when("the database is destroyed behind the service's back")
def destroyed(context: Any) -> None:
    destroy_database(world(context).database_url)
