"""Steps for a store that may only be read: its URL says so, or its owner's rights do."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from behave import then, when
from support.databases import postgres_reader, read_only_url
from support.faults import NOBODY
from support.scenario import attempt, named, open_service, store_contents
from support.trees import read_tree
from support.world import world

from rewind import CheckpointService, ReadOnlyStoreError, RetentionPolicy
from rewind.storage.engine import parse_database_url, sqlite_database_path


@when("every checkpoint service is closed")
def close_services(context: Any) -> None:
    scene = world(context)
    scene.store_before = store_contents(scene)
    for service in scene.services:
        service.close()
    scene.services.clear()


@when("I open the store read-only through its URL")
def open_read_only_url(context: Any) -> None:
    scene = world(context)
    open_service(scene, read_only_url(scene.database_url))


@when("I open the store read-only through its owner's rights")
def open_read_only_rights(context: Any) -> None:
    scene = world(context)
    path = sqlite_database_path(parse_database_url(scene.database_url))
    if path is None:  # PostgreSQL: a role that may only read
        reader = postgres_reader(scene.database_url)
        open_service(scene, reader.__enter__())
        context.add_cleanup(reader.__exit__, None, None, None)
        return
    # SQLite: the file and its directory belong to root and nobody may write them; the
    # scenario goes on as user nobody, who may read the store and the workspace.
    path.chmod(0o444)
    _as_nobody(context, path)


@when("I open the store read-only through its directory's rights")
def open_read_only_directory(context: Any) -> None:
    scene = world(context)
    path = sqlite_database_path(parse_database_url(scene.database_url))
    if path is None:  # PostgreSQL has no directory: the URL says so instead
        open_service(scene, read_only_url(scene.database_url))
        return
    # Anyone may write the file, but SQLite also writes its -wal file beside it, and nobody
    # may write the directory.
    path.chmod(0o666)
    _as_nobody(context, path)


def _as_nobody(context: Any, path: Path) -> None:
    scene = world(context)
    path.parent.chmod(0o555)
    scene.directory.chmod(0o755)
    (scene.directory / "restores").mkdir(mode=0o777)
    (scene.directory / "restores").chmod(0o777)
    os.seteuid(NOBODY)
    context.add_cleanup(os.seteuid, 0)
    open_service(scene)


@then(
    "the read-only store lists {count:d} checkpoints, shows, diffs, verifies, counts and "
    'restores "{name:Q}" into a new directory'
)
def reads_work(context: Any, count: int, name: str) -> None:
    scene = world(context)
    service = scene.the_service
    first, second = named(scene, name), named(scene, "second")
    assert len(service.list_checkpoints("plan-1")) == count
    assert service.get_checkpoint(first.checkpoint_id) == first
    assert service.diff(first.checkpoint_id, second.checkpoint_id).paths == ("a.txt",)
    assert service.diff(second.checkpoint_id).paths == ("a.txt",)
    report = service.verify()
    assert report.ok and report.checked == count, report
    assert service.stats().checkpoints == count
    target = scene.directory / "restores" / "first"
    service.restore_into(first.checkpoint_id, target)
    assert read_tree(target) == scene.recorded[name]


@then(
    "snapshotting, creating a checkpoint, rolling back and pruning the read-only store each "
    "fail with ReadOnlyStoreError, which is not retryable"
)
def writes_refused(context: Any) -> None:
    scene = world(context)
    service = scene.the_service
    first = named(scene, "first")
    writes = {
        "snapshot": lambda: service.create_workspace_snapshot("plan-1", scene.workspace),
        "checkpoint": lambda: service.create_checkpoint("plan-1", "elsewhere"),
        "rollback": lambda: service.rollback_to_checkpoint(first.checkpoint_id),
        "prune": lambda: service.prune(RetentionPolicy(keep_last=1)),
    }
    for what, write in writes.items():
        attempt(scene, write, record_store=False)
        error = scene.error
        assert isinstance(error, ReadOnlyStoreError), (what, repr(error))
        assert not error.retryable and "read-only" in str(error), (what, error)
    os.seteuid(0)  # the checks that follow read the store as its owner


@when(
    'the store\'s owner snapshots the workspace for plan "{plan:Q}" as "{name:Q}" and prunes '
    "all but it"
)
def owner_writes(context: Any, plan: str, name: str) -> None:
    scene = world(context)
    euid = os.geteuid()
    os.seteuid(0)
    try:  # the owner's service stays open: what it wrote may still be in SQLite's -wal file
        owner = CheckpointService.open(scene.database_url)
        context.add_cleanup(owner.close)
        (scene.workspace / "third.txt").write_text("third")
        scene.checkpoints[name] = owner.create_workspace_snapshot(plan, scene.workspace)
        scene.recorded[name] = read_tree(scene.workspace)
        owner.prune(RetentionPolicy(keep_last=1, keep_labelled=False, safety_within=None))
    finally:
        os.seteuid(euid)


@then('the read-only store lists only "{name:Q}", verifies it and restores it into a new directory')
def reader_sees_writes(context: Any, name: str) -> None:
    scene = world(context)
    service = scene.the_service
    expected = named(scene, name)
    listed = [checkpoint.checkpoint_id for checkpoint in service.list_checkpoints()]
    assert listed == [expected.checkpoint_id], listed  # the prune folded it: ids compare
    report = service.verify()
    assert report.ok and report.checked == 1, report
    target = scene.directory / "restores" / name
    service.restore_into(expected.checkpoint_id, target)
    assert read_tree(target) == scene.recorded[name]
    os.seteuid(0)
