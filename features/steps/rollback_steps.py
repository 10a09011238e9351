"""Steps about rolling a workspace back, restoring elsewhere and verifying the store."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import threading
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from behave import given, then, when
from support.databases import compressed, reseal, tamper_raw
from support.faults import unprivileged
from support.scenario import attempt, expand, named, store_contents
from support.trees import (
    Tree,
    documented_tree_hash,
    paths_of,
    read_tree,
    write_file,
)
from support.world import OutsideWorkspace, World, world

from rewind import RestoreConflictError, RollbackResult

ROLL_BACK = """
import sys
from rewind import CheckpointService
with CheckpointService.open(sys.argv[1]) as service:
    print(service.rollback_to_checkpoint(sys.argv[2]).model_dump_json())
"""


@when('I replace "{path:Q}" by a directory holding "{name:Q}"')
def file_to_directory(context: Any, path: str, name: str) -> None:
    workspace = world(context).workspace
    (workspace / path).unlink()
    write_file(workspace, f"{path}/{name}", "inside a new directory\n")


@when('I replace the directory "{path:Q}" by a file')
def directory_to_file(context: Any, path: str) -> None:
    workspace = world(context).workspace
    shutil.rmtree(workspace / path)
    write_file(workspace, path, "a file where a directory was\n")


@given("I note the workspace's files")
@when("I note the workspace's files")
def note_files(context: Any) -> None:
    scene = world(context)
    scene.noted = read_tree(scene.workspace)


@then("the workspace's files are exactly as noted")
def files_as_noted(context: Any) -> None:
    scene = world(context)
    assert read_tree(scene.workspace) == scene.noted


@given('I roll back to "{name:Q}"')
@when('I roll back to "{name:Q}"')
def roll_back(context: Any, name: str) -> None:
    scene = world(context)
    scene.rollback = scene.the_service.rollback_to_checkpoint(named(scene, name).checkpoint_id)


@when('I roll back to "{name:Q}" as a dry run')
def roll_back_dry(context: Any, name: str) -> None:
    scene = world(context)
    scene.dry_run = scene.the_service.rollback_to_checkpoint(
        named(scene, name).checkpoint_id, dry_run=True
    )


@when("I roll back to the safety checkpoint of that rollback")
def undo(context: Any) -> None:
    scene = world(context)
    safety_id = scene.the_rollback.safety_checkpoint_id
    assert safety_id is not None, scene.the_rollback
    scene.rollback = scene.the_service.rollback_to_checkpoint(safety_id)


@when('a separate Python process rolls back to "{name:Q}"')
def roll_back_elsewhere(context: Any, name: str) -> None:
    scene = world(context)
    checkpoint_id = named(scene, name).checkpoint_id
    result = subprocess.run(
        [sys.executable, "-c", ROLL_BACK, scene.database_url, checkpoint_id],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    scene.rollback = RollbackResult.model_validate_json(result.stdout)


@given('the directory "{path:Q}" in the workspace is read-only')
def read_only_directory(context: Any, path: str) -> None:
    (world(context).workspace / path).chmod(0o555)


@when('I try to roll back to "{name:Q}" as an unprivileged user')
def try_roll_back_unprivileged(context: Any, name: str) -> None:
    scene = world(context)
    checkpoint_id = named(scene, name).checkpoint_id
    scene.noted = read_tree(scene.workspace)

    def roll_back() -> None:
        with unprivileged(scene.directory):
            scene.the_service.rollback_to_checkpoint(checkpoint_id)

    attempt(scene, roll_back, record_store=False)


@when('I try to roll back to "{name:Q}" as a dry run')
def try_roll_back_dry(context: Any, name: str) -> None:
    scene = world(context)
    checkpoint_id = named(scene, name).checkpoint_id
    attempt(scene, lambda: scene.the_service.rollback_to_checkpoint(checkpoint_id, dry_run=True))


@when('I try to roll back to "{name:Q}"')
def try_roll_back(context: Any, name: str) -> None:
    scene = world(context)
    checkpoint_id = named(scene, name).checkpoint_id
    scene.noted = read_tree(scene.workspace) if scene.workspace.is_dir() else None
    scene.outside_before = _outside_workspace(read_tree(scene.directory))
    attempt(scene, lambda: scene.the_service.rollback_to_checkpoint(checkpoint_id))


@then('the workspace is exactly as when "{name:Q}" was taken')
def exactly_as_taken(context: Any, name: str) -> None:
    scene = world(context)
    files, directories = read_tree(scene.workspace)
    recorded_files, recorded_directories = scene.recorded[name]
    assert files == recorded_files, sorted(set(files) ^ set(recorded_files))
    assert directories == recorded_directories, directories ^ recorded_directories
    assert scene.the_service.diff(named(scene, name).checkpoint_id).entries == ()


@then('the rollback restored "{restored:Q}" and removed "{removed:Q}"')
def rollback_actions(context: Any, restored: str, removed: str) -> None:
    result = world(context).the_rollback
    assert list(result.restored) == paths_of(restored), result.restored
    assert list(result.removed) == paths_of(removed), result.removed
    assert not result.dry_run and result.safety_checkpoint_id is not None


@then("the rollback did exactly what the dry run announced")
def same_as_dry_run(context: Any) -> None:
    scene = world(context)
    dry, real = scene.the_dry_run, scene.the_rollback
    assert dry.dry_run and dry.safety_checkpoint_id is None, dry
    assert (dry.restored, dry.removed, dry.kept, dry.unchanged_count) == (
        real.restored,
        real.removed,
        real.kept,
        real.unchanged_count,
    ), (dry, real)


@then('the safety checkpoint is a "{kind:Q}" snapshot of plan "{plan:Q}"')
def safety_checkpoint(context: Any, kind: str, plan: str) -> None:
    scene = world(context)
    safety_id = scene.the_rollback.safety_checkpoint_id
    assert safety_id is not None, scene.the_rollback
    safety = scene.the_service.get_checkpoint(safety_id)
    assert (safety.checkpoint_type.value, safety.plan_id) == (kind, plan), safety
    assert safety.is_snapshot


@then('the rollback\'s safety checkpoint lists the changed paths "{paths:Q}"')
def safety_lists_changed_paths(context: Any, paths: str) -> None:
    scene = world(context)
    safety_id = scene.the_rollback.safety_checkpoint_id
    assert safety_id is not None, scene.the_rollback
    extra = scene.the_service.get_checkpoint(safety_id).metadata.extra
    assert list(extra["diff_paths"]) == paths_of(paths), extra["diff_paths"]


@when('I restore "{name:Q}" into the existing directory "{directory:Q}"')
@when('I restore "{name:Q}" into the new directory "{directory:Q}"')
def restore_into(context: Any, name: str, directory: str) -> None:
    scene = world(context)
    target = scene.directory / directory
    scene.restored = scene.the_service.restore_into(named(scene, name).checkpoint_id, target)


@when('I try to restore "{name:Q}" into the directory "{directory:Q}"')
def try_restore_into(context: Any, name: str, directory: str) -> None:
    scene = world(context)
    checkpoint_id = named(scene, name).checkpoint_id
    target = scene.directory / directory
    scene.noted = read_tree(scene.workspace)
    attempt(scene, lambda: scene.the_service.restore_into(checkpoint_id, target))


@then('a snapshot of "{directory:Q}" has the tree hash of "{name:Q}"')
def snapshot_has_tree_hash(context: Any, directory: str, name: str) -> None:
    scene = world(context)
    copy = scene.the_service.create_workspace_snapshot("copy-plan", scene.directory / directory)
    assert copy.tree_hash == named(scene, name).tree_hash
    assert read_tree(scene.directory / directory)[0] == scene.recorded[name][0]


@given('someone alters the stored content of "{path:Q}" as of "{name:Q}"')
def alter_blob(context: Any, path: str, name: str) -> None:
    scene = world(context)
    content_hash = _content_hash(scene, name, path)
    tamper_raw(
        scene.database_url,
        "UPDATE blob_chunks SET data = ? WHERE blob_id = ?",
        compressed(b"evil bytes"),
        content_hash,
    )
    scene.tampered_blobs.append(content_hash)


@given('someone deletes the stored content of "{path:Q}" as of "{name:Q}"')
def delete_blob(context: Any, path: str, name: str) -> None:
    scene = world(context)
    content_hash = _content_hash(scene, name, path)
    tamper_raw(scene.database_url, "DELETE FROM blob_chunks WHERE blob_id = ?", content_hash)
    tamper_raw(scene.database_url, "DELETE FROM blobs WHERE id = ?", content_hash)
    scene.tampered_blobs.append(content_hash)


@given('someone renames "{path:Q}" in "{name:Q}" to "{hostile:Q}"')
def hostile_path(context: Any, path: str, name: str, hostile: str) -> None:
    scene = world(context)
    tamper_raw(
        scene.database_url,
        "UPDATE checkpoint_changes SET path = ? WHERE checkpoint_id = ? AND path = ?",
        hostile,
        named(scene, name).checkpoint_id,
        path,
    )
    scene.hostile_path = hostile


@given('someone renames "{path:Q}" in "{name:Q}" to "{hostile:Q}" and recomputes its hashes')
def hostile_path_resealed(context: Any, path: str, name: str, hostile: str) -> None:
    hostile_path(context, path, name, hostile)
    scene = world(context)
    checkpoint = named(scene, name)
    files = dict(scene.recorded[name][0])
    files[hostile] = files.pop(path)
    tree = documented_tree_hash(files)
    reseal(scene.database_url, checkpoint, tree)


@given('"{path:Q}" in the workspace is an ignored link to a directory outside it')
def ignored_outside_link(context: Any, path: str) -> None:
    scene = world(context)
    outside = scene.directory / "outside"
    outside.mkdir()
    (scene.workspace / path).symlink_to(outside)
    write_file(scene.workspace, ".rewindignore", f"{path}\n")


@then("nothing was written outside the workspace")
def nothing_outside(context: Any) -> None:
    scene = world(context)
    assert _outside_workspace(read_tree(scene.directory)) == scene.outside_before
    hostile = scene.hostile_path
    assert not (hostile.startswith("/") and Path(hostile).exists()), hostile


def _outside_workspace(tree: Tree) -> OutsideWorkspace:
    """Paths beside the workspace, with contents; the SQLite store's own files excluded."""
    files, directories = tree
    kept = {f"{path}:{state!r}" for path, state in files.items() if not path.startswith("store/")}
    return kept, {path for path in directories if path != "store"}


@then("the store holds what it held before")
def store_as_before(context: Any) -> None:
    scene = world(context)
    assert store_contents(scene) == scene.store_before


@then("verifying the store finds {count:d} problems naming the tampered blobs")
def verify_store_finds(context: Any, count: int) -> None:
    scene = world(context)
    report = scene.the_service.verify()
    assert not report.ok and len(report.problems) == count, report
    text = "\n".join(str(problem) for problem in report.problems)
    for content_hash in scene.tampered_blobs:
        assert content_hash in text, text


@then('verifying "{name:Q}" finds a problem naming "{culprit:Q}"')
def verify_checkpoint_finds(context: Any, name: str, culprit: str) -> None:
    scene = world(context)
    report = scene.the_service.verify(named(scene, name).checkpoint_id)
    assert not report.ok and report.checked == 1, report
    assert any(culprit in str(problem) for problem in report.problems), report


@then("verifying the store finds no problem in {count:d} checkpoints")
def verify_clean(context: Any, count: int) -> None:
    report = world(context).the_service.verify()
    assert report.ok and report.problems == () and report.checked == count, report


def _content_hash(scene: World, name: str, path: str) -> str:
    kind, data, _mode = scene.recorded[name][0][path]
    assert kind == "file", kind
    return hashlib.sha256(data).hexdigest()


_CHUNK_DATA = "UPDATE blob_chunks SET data = ? WHERE blob_id = ?"
_AS_ZLIB = ("UPDATE blobs SET codec = 'zlib' WHERE id = ?", ())
DAMAGE: dict[str, list[tuple[str, tuple[object, ...]]]] = {
    "bytes": [(_CHUNK_DATA, (compressed(b"other"),))],
    "codec": [("UPDATE blobs SET codec = ? WHERE id = ?", ("lz77",))],
    "compression": [(_CHUNK_DATA, (b"not zstd",))],
    "chunks": [("DELETE FROM blob_chunks WHERE blob_id = ?", ())],
    # Blobs stored before zstd are zlib streams; damaged ones are refused the same way.
    "zlib compression": [_AS_ZLIB, (_CHUNK_DATA, (b"not zlib",))],
    "zlib size": [_AS_ZLIB, (_CHUNK_DATA, (zlib.compress(bytes(2 * 1024 * 1024)),))],
}


@given('someone damages the {damage} of the stored content of "{path:Q}" as of "{name:Q}"')
def damage_blob(context: Any, damage: str, path: str, name: str) -> None:
    scene = world(context)
    for statement, values in DAMAGE[damage]:
        tamper_raw(scene.database_url, statement, *values, _content_hash(scene, name, path))


@then('verifying "{name:Q}" finds no problem')
def verify_checkpoint_clean(context: Any, name: str) -> None:
    scene = world(context)
    report = scene.the_service.verify(named(scene, name).checkpoint_id)
    assert report.ok and report.checked == 1 and report.problems == (), report


@then('verifying the store reports a problem naming "{culprit:Q}"')
def verify_store_names(context: Any, culprit: str) -> None:
    scene = world(context)
    report = scene.the_service.verify()
    text = expand(scene, culprit)
    assert any(text in str(problem) for problem in report.problems), report


@then('the dry run restores "{restored:Q}" and removes "{removed:Q}"')
def dry_run_actions(context: Any, restored: str, removed: str) -> None:
    result = world(context).the_dry_run
    assert list(result.restored) == paths_of(restored), result.restored
    assert list(result.removed) == paths_of(removed), result.removed
    assert result.dry_run and result.safety_checkpoint_id is None, result


@when('two threads restore "{name:Q}" into the new directory "{directory:Q}" at once')
def restore_twice_at_once(context: Any, name: str, directory: str) -> None:
    scene = world(context)
    checkpoint_id = named(scene, name).checkpoint_id
    start = threading.Barrier(2)

    def restore(_index: int) -> RollbackResult | Exception:
        start.wait()
        try:
            return scene.the_service.restore_into(checkpoint_id, scene.directory / directory)
        except Exception as exc:
            return exc

    with ThreadPoolExecutor(max_workers=2) as pool:
        scene.restores = list(pool.map(restore, range(2)))


@then("one of them succeeded and the other failed with RestoreConflictError")
def one_restore_won(context: Any) -> None:
    outcomes = world(context).restores
    winners = [item for item in outcomes if isinstance(item, RollbackResult)]
    losers = [item for item in outcomes if isinstance(item, RestoreConflictError)]
    assert len(winners) == 1 and len(losers) == 1, outcomes


@then('"{directory:Q}" holds exactly the files of "{name:Q}"')
def holds_files_of(context: Any, directory: str, name: str) -> None:
    scene = world(context)
    assert read_tree(scene.directory / directory)[0] == scene.recorded[name][0]


@then('nothing but "{directory:Q}" was left beside the workspace')
def nothing_left_beside(context: Any, directory: str) -> None:
    scene = world(context)
    names = {path.name for path in scene.directory.iterdir()}
    own = {"store", "user"} - names  # the scenario's store and XDG directories, if made
    assert names == {"workspace", "store", "user", directory} - own, names
