"""Steps that damage a store from outside rewind, to prove rewind notices."""

from __future__ import annotations

import hashlib
import zlib
from typing import Any

from behave import given, when
from support.databases import (
    compressed,
    destroy_database,
    execute_behind_rewinds_back,
    replace_in_metadata,
    reseal,
    tamper_raw,
    without_agent_calls,
)
from support.scenario import named
from support.sweep import NO_SUCH_ID
from support.trees import canonical, documented_tree_hash
from support.world import World, world

from rewind import CheckpointService

TAMPERING = {
    "checkpoint type": "UPDATE checkpoints SET checkpoint_type = 'bogus' WHERE id = '{id}'",
    "change kind": "UPDATE checkpoint_changes SET kind = 'bogus' WHERE checkpoint_id = '{id}'",
    "metadata": "UPDATE checkpoints SET label = NULL, plan_id = '' WHERE id = '{id}'",
    "plan": "UPDATE checkpoints SET plan_id = 'plan-2' WHERE id = '{id}'",
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


@given('someone sets the {column} of "{path:Q}" in "{name:Q}" to {value}')
def tamper_change(context: Any, column: str, path: str, name: str, value: str) -> None:
    assert column in {"mode", "content_hash", "size", "path"}, column
    scene = world(context)
    tamper_raw(
        scene.database_url,
        f"UPDATE checkpoint_changes SET {column} = {value} WHERE checkpoint_id = ? AND path = ?",
        named(scene, name).checkpoint_id,
        path,
    )


@given('someone points checkpoint "{name:Q}" at the directory "{directory:Q}" beside the workspace')
def tamper_sandbox(context: Any, name: str, directory: str) -> None:
    scene = world(context)
    tamper_raw(
        scene.database_url,
        "UPDATE checkpoints SET sandbox_ref = ? WHERE id = ?",
        str(scene.directory / directory),
        named(scene, name).checkpoint_id,
    )


@given('someone makes "{parent:Q}" the parent of "{name:Q}"')
def tamper_parent(context: Any, parent: str, name: str) -> None:
    scene = world(context)
    _set_parent(scene, name, named(scene, parent).checkpoint_id)


@given('someone makes a checkpoint that does not exist the parent of "{name:Q}"')
def tamper_missing_parent(context: Any, name: str) -> None:
    _set_parent(world(context), name, NO_SUCH_ID)


def _set_parent(scene: World, name: str, parent_id: str) -> None:
    tamper_raw(
        scene.database_url,
        "UPDATE checkpoints SET parent_id = ? WHERE id = ?",
        parent_id,
        named(scene, name).checkpoint_id,
    )


@given('someone marks the workspace as being rolled back to "{name:Q}"')
def tamper_rollback_mark(context: Any, name: str) -> None:
    scene = world(context)
    tamper_raw(
        scene.database_url,
        "UPDATE workspaces SET restoring_to = ? WHERE sandbox_ref = ?",
        named(scene, name).checkpoint_id,
        str(scene.workspace),
    )


@given('the database is taken back to schema revision "{revision:Q}", as an older rewind left it')
@when('the database is taken back to schema revision "{revision:Q}", as an older rewind left it')
def older_database(context: Any, revision: str) -> None:
    """Remove what the newer revisions added: the agent calls (0008), then for 0004 checkpoint
    hashes, workspace indexes and the index of checkpoint parents."""
    assert revision in ("0004", "0007"), revision
    scene = world(context)
    with CheckpointService.open(scene.database_url) as service:
        snapshots = [item for item in service.list_checkpoints() if item.is_snapshot]
    without_agent_calls(scene.database_url)
    if revision == "0007":
        execute_behind_rewinds_back(
            scene.database_url, f"UPDATE rewind_alembic_version SET version_num = '{revision}'"
        )
        return
    for checkpoint in snapshots:
        seal = checkpoint.metadata.extra["checkpoint_hash"]
        assert isinstance(seal, str)
        for separator in (", ", ","), (": ", ":"):
            pair = f'{separator[0]}"checkpoint_hash"{separator[1]}"{seal}"'
            replace_in_metadata(scene.database_url, checkpoint.checkpoint_id, pair, "")
    execute_behind_rewinds_back(
        scene.database_url,
        "DROP INDEX ix_checkpoints_parent_id",
        "DROP TABLE workspace_entries",
        "ALTER TABLE workspaces DROP COLUMN index_head",
        "ALTER TABLE workspaces DROP COLUMN index_version",
        "ALTER TABLE workspaces DROP COLUMN index_origin",
        f"UPDATE rewind_alembic_version SET version_num = '{revision}'",
    )


@given("the database's schema version record holds two rows")
def two_versions(context: Any) -> None:
    execute_behind_rewinds_back(
        world(context).database_url, "INSERT INTO rewind_alembic_version VALUES ('0001')"
    )


@given(
    'someone who recomputes the hashes points the symlink "{path:Q}" in "{name:Q}" at a '
    "target holding a NUL"
)
def forged_symlink(context: Any, path: str, name: str) -> None:
    scene = world(context)
    checkpoint = named(scene, name)
    target = b"x\0y"
    content_hash = hashlib.sha256(target).hexdigest()
    url = scene.database_url
    tamper_raw(url, "INSERT INTO blobs VALUES (?, ?, 'zlib', 1)", content_hash, len(target))
    tamper_raw(url, "INSERT INTO blob_chunks VALUES (?, 0, ?)", content_hash, zlib.compress(target))
    tamper_raw(
        url,
        "UPDATE checkpoint_changes SET content_hash = ?, size = ? WHERE checkpoint_id = ? "
        "AND path = ?",
        content_hash,
        len(target),
        checkpoint.checkpoint_id,
        path,
    )
    files = dict(scene.recorded[name][0])
    files[path] = ("symlink", target, 0)
    tree = documented_tree_hash(files)
    reseal(url, checkpoint, tree)


@given(
    'someone replaces the stored content of "{path:Q}" as of "{name:Q}" by {size:d} MiB of '
    "zeros compressed"
)
def zip_bomb(context: Any, path: str, name: str, size: int) -> None:
    scene = world(context)
    kind, data, _mode = scene.recorded[name][0][path]
    assert kind == "file", kind
    bomb = compressed(bytes(size * 1024 * 1024))
    tamper_raw(
        scene.database_url,
        "UPDATE blob_chunks SET data = ? WHERE blob_id = ?",
        bomb,
        hashlib.sha256(data).hexdigest(),
    )


@given(
    'someone who recomputes the hashes points the symlink "{path:Q}" in "{name:Q}" at the '
    'content of "{other:Q}", keeping its size'
)
def forged_symlink_size(context: Any, path: str, name: str, other: str) -> None:
    scene = world(context)
    checkpoint = named(scene, name)
    files = scene.recorded[name][0]
    content_hash = hashlib.sha256(files[other][1]).hexdigest()
    tamper_raw(
        scene.database_url,
        "UPDATE checkpoint_changes SET content_hash = ? WHERE checkpoint_id = ? AND path = ?",
        content_hash,
        checkpoint.checkpoint_id,
        path,
    )
    rows = [
        [item, kind, hashlib.sha256(data).hexdigest(), len(data), mode]
        for item, (kind, data, mode) in sorted(files.items())
    ]
    for row in rows:
        if row[0] == path:
            row[2] = content_hash  # the size stays that of the old target
    tree = hashlib.sha256(canonical(rows)).hexdigest()
    reseal(scene.database_url, checkpoint, tree)
