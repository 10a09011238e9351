"""Steps about what the store holds, its schema, and failures inside a transaction."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from behave import given, then, when
from support.faults import InjectedFailure, StoreFailingBeforeCommit
from support.scenario import store_contents
from support.world import world

from rewind import CheckpointService
from rewind.storage import open_store
from rewind.storage.engine import build_engine, parse_database_url
from rewind.storage.migrate import migrations_directory, schema_differences

SOURCE_TREE = Path(__file__).resolve().parents[2]

OPEN_AND_REPORT = """
import sys, rewind
from rewind.storage.migrate import migrations_directory
with rewind.CheckpointService.open(sys.argv[1]) as service:
    service.stats()
print(migrations_directory())
"""


@given("the store fails right before it commits")
def failing_store(context: Any) -> None:
    scene = world(context)
    scene.failing_store = StoreFailingBeforeCommit(open_store(scene.database_url))
    scene.keep_service(CheckpointService(scene.failing_store))


@then("the injected failure came after the new blobs were written")
def failure_after_blobs(context: Any) -> None:
    scene = world(context)
    assert isinstance(scene.error, InjectedFailure), scene.error
    (seen,) = scene.the_failing_store.seen_before_failure
    assert seen.blobs > 0 and seen.checkpoints > 0 and seen.changes > 0, seen


@then("the store holds no checkpoint, no change and no blob")
def store_empty(context: Any) -> None:
    stats, checkpoints = store_contents(world(context))
    assert (stats.checkpoints, stats.changes, stats.blobs) == (0, 0, 0), stats
    assert checkpoints == []


@then("the store holds {checkpoints:d} checkpoints and {blobs:d} blobs")
def store_holds(context: Any, checkpoints: int, blobs: int) -> None:
    stats = world(context).the_service.stats()
    assert (stats.checkpoints, stats.blobs) == (checkpoints, blobs), stats


@then("the store keeps fewer bytes than the workspace holds")
def store_compresses(context: Any) -> None:
    stats = world(context).the_service.stats()
    assert stats.stored_bytes < stats.content_bytes, stats


@then("the upgraded schema matches the ORM tables")
def schema_matches(context: Any) -> None:
    engine = build_engine(parse_database_url(world(context).database_url))
    try:
        assert schema_differences(engine) == [], schema_differences(engine)
    finally:
        engine.dispose()


@when("{count:d} processes open the new database at once")
def open_at_once(context: Any, count: int) -> None:
    scene = world(context)
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN_AND_REPORT, scene.database_url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=scene.directory,
        )
        for _ in range(count)
    ]
    scene.results = [(process.wait(), *process.communicate()) for process in processes]


@then("every one of them succeeds")
def every_process_succeeds(context: Any) -> None:
    for status, _out, err in world(context).the_results:
        assert status == 0, err


@then("they ran the migrations shipped inside the installed package")
def migrations_from_package(context: Any) -> None:
    for _status, out, _err in world(context).the_results:
        location = Path(out.strip())
        assert (location / "env.py").is_file(), location
        assert "site-packages" in location.parts, location
        assert location != SOURCE_TREE / "migrations", location


@given('the database was created at schema revision "{revision:Q}"')
def database_at_revision(context: Any, revision: str) -> None:
    engine = build_engine(parse_database_url(world(context).database_url))
    try:
        with engine.begin() as connection:
            config = Config()
            config.set_main_option("script_location", str(migrations_directory()))
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()
