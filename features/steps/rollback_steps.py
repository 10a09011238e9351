"""Steps about rolling a workspace back, restoring elsewhere and verifying the store."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

from behave import given, then, when
from support.databases import tamper_raw
from support.faults import unprivileged
from support.scenario import attempt, expand, named, store_contents
from support.trees import paths_of, read_tree, write_file

from rewind import RollbackResult

ROLL_BACK = """
import sys
from rewind import CheckpointService
with CheckpointService.open(sys.argv[1]) as service:
    print(service.rollback_to_checkpoint(sys.argv[2]).model_dump_json())
"""


@when('I replace "{path:Q}" by a directory holding "{name:Q}"')
def file_to_directory(context: Any, path: str, name: str) -> None:
    (context.workspace / path).unlink()
    write_file(context.workspace, f"{path}/{name}", "inside a new directory\n")


@when('I replace the directory "{path:Q}" by a file')
def directory_to_file(context: Any, path: str) -> None:
    shutil.rmtree(context.workspace / path)
    write_file(context.workspace, path, "a file where a directory was\n")


@when("I note the workspace's files")
def note_files(context: Any) -> None:
    context.noted = read_tree(context.workspace)


@then("the workspace's files are exactly as noted")
def files_as_noted(context: Any) -> None:
    assert read_tree(context.workspace) == context.noted


@when('I roll back to "{name:Q}"')
def roll_back(context: Any, name: str) -> None:
    context.rollback = context.service.rollback_to_checkpoint(named(context, name).checkpoint_id)


@when('I roll back to "{name:Q}" as a dry run')
def roll_back_dry(context: Any, name: str) -> None:
    context.dry_run = context.service.rollback_to_checkpoint(
        named(context, name).checkpoint_id, dry_run=True
    )


@when("I roll back to the safety checkpoint of that rollback")
def undo(context: Any) -> None:
    safety_id = context.rollback.safety_checkpoint_id
    context.rollback = context.service.rollback_to_checkpoint(safety_id)


@when('a separate Python process rolls back to "{name:Q}"')
def roll_back_elsewhere(context: Any, name: str) -> None:
    checkpoint_id = named(context, name).checkpoint_id
    result = subprocess.run(
        [sys.executable, "-c", ROLL_BACK, context.database_url, checkpoint_id],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    context.rollback = RollbackResult.model_validate_json(result.stdout)


@given('the directory "{path:Q}" in the workspace is read-only')
def read_only_directory(context: Any, path: str) -> None:
    (context.workspace / path).chmod(0o555)


@when('I try to roll back to "{name:Q}" as an unprivileged user')
def try_roll_back_unprivileged(context: Any, name: str) -> None:
    checkpoint_id = named(context, name).checkpoint_id
    context.noted = read_tree(context.workspace)

    def roll_back() -> None:
        with unprivileged(context.directory):
            context.service.rollback_to_checkpoint(checkpoint_id)

    attempt(context, roll_back, record_store=False)


@when('I try to roll back to "{name:Q}"')
def try_roll_back(context: Any, name: str) -> None:
    checkpoint_id = named(context, name).checkpoint_id
    context.noted = read_tree(context.workspace)
    context.outside_before = _outside_workspace(read_tree(context.directory))
    attempt(context, lambda: context.service.rollback_to_checkpoint(checkpoint_id))


@then('the workspace is exactly as when "{name:Q}" was taken')
def exactly_as_taken(context: Any, name: str) -> None:
    files, directories = read_tree(context.workspace)
    recorded_files, recorded_directories = context.recorded[name]
    assert files == recorded_files, sorted(set(files) ^ set(recorded_files))
    assert directories == recorded_directories, directories ^ recorded_directories
    assert context.service.diff(named(context, name).checkpoint_id).entries == ()


@then('the rollback restored "{restored:Q}" and removed "{removed:Q}"')
def rollback_actions(context: Any, restored: str, removed: str) -> None:
    result = context.rollback
    assert list(result.restored) == paths_of(restored), result.restored
    assert list(result.removed) == paths_of(removed), result.removed
    assert not result.dry_run and result.safety_checkpoint_id is not None


@then("the rollback did exactly what the dry run announced")
def same_as_dry_run(context: Any) -> None:
    dry, real = context.dry_run, context.rollback
    assert dry.dry_run and dry.safety_checkpoint_id is None, dry
    assert (dry.restored, dry.removed, dry.unchanged_count) == (
        real.restored,
        real.removed,
        real.unchanged_count,
    ), (dry, real)


@then('the safety checkpoint is a "{kind:Q}" snapshot of plan "{plan:Q}"')
def safety_checkpoint(context: Any, kind: str, plan: str) -> None:
    safety = context.service.get_checkpoint(context.rollback.safety_checkpoint_id)
    assert (safety.checkpoint_type.value, safety.plan_id) == (kind, plan), safety
    assert safety.is_snapshot


@when('I restore "{name:Q}" into the new directory "{directory:Q}"')
def restore_into(context: Any, name: str, directory: str) -> None:
    target = context.directory / directory
    context.restored = context.service.restore_into(named(context, name).checkpoint_id, target)


@when('I try to restore "{name:Q}" into the directory "{directory:Q}"')
def try_restore_into(context: Any, name: str, directory: str) -> None:
    checkpoint_id = named(context, name).checkpoint_id
    target = context.directory / directory
    context.noted = read_tree(context.workspace)
    attempt(context, lambda: context.service.restore_into(checkpoint_id, target))


@then('a snapshot of "{directory:Q}" has the tree hash of "{name:Q}"')
def snapshot_has_tree_hash(context: Any, directory: str, name: str) -> None:
    copy = context.service.create_workspace_snapshot("copy-plan", context.directory / directory)
    assert copy.tree_hash == named(context, name).tree_hash
    assert read_tree(context.directory / directory)[0] == context.recorded[name][0]


@given('someone alters the stored content of "{path:Q}" as of "{name:Q}"')
def alter_blob(context: Any, path: str, name: str) -> None:
    content_hash = _content_hash(context, name, path)
    tamper_raw(
        context.database_url,
        "UPDATE blob_chunks SET data = ? WHERE blob_id = ?",
        zlib.compress(b"evil bytes"),
        content_hash,
    )
    context.tampered_blobs = [*getattr(context, "tampered_blobs", []), content_hash]


@given('someone deletes the stored content of "{path:Q}" as of "{name:Q}"')
def delete_blob(context: Any, path: str, name: str) -> None:
    content_hash = _content_hash(context, name, path)
    tamper_raw(context.database_url, "DELETE FROM blob_chunks WHERE blob_id = ?", content_hash)
    tamper_raw(context.database_url, "DELETE FROM blobs WHERE id = ?", content_hash)
    context.tampered_blobs = [*getattr(context, "tampered_blobs", []), content_hash]


@given('someone renames "{path:Q}" in "{name:Q}" to "{hostile:Q}"')
def hostile_path(context: Any, path: str, name: str, hostile: str) -> None:
    tamper_raw(
        context.database_url,
        "UPDATE checkpoint_changes SET path = ? WHERE checkpoint_id = ? AND path = ?",
        hostile,
        named(context, name).checkpoint_id,
        path,
    )
    context.hostile_path = hostile


@given('"{path:Q}" in the workspace is an ignored link to a directory outside it')
def ignored_outside_link(context: Any, path: str) -> None:
    outside = context.directory / "outside"
    outside.mkdir()
    (context.workspace / path).symlink_to(outside)
    write_file(context.workspace, ".rewindignore", f"{path}\n")


@then("nothing was written outside the workspace")
def nothing_outside(context: Any) -> None:
    assert _outside_workspace(read_tree(context.directory)) == context.outside_before
    hostile = getattr(context, "hostile_path", "")
    assert not (hostile.startswith("/") and Path(hostile).exists()), hostile


def _outside_workspace(tree: tuple[dict[str, Any], set[str]]) -> tuple[set[str], set[str]]:
    """Paths beside the workspace, with contents; the SQLite store's own files excluded."""
    files, directories = tree
    kept = {f"{path}:{state!r}" for path, state in files.items() if not path.startswith("store/")}
    return kept, {path for path in directories if path != "store"}


@then("the store holds what it held before")
def store_as_before(context: Any) -> None:
    assert store_contents(context) == context.store_before


@then("verifying the store finds {count:d} problems naming the tampered blobs")
def verify_store_finds(context: Any, count: int) -> None:
    report = context.service.verify()
    assert not report.ok and len(report.problems) == count, report
    text = "\n".join(str(problem) for problem in report.problems)
    for content_hash in context.tampered_blobs:
        assert content_hash in text, text


@then('verifying "{name:Q}" finds a problem naming "{culprit:Q}"')
def verify_checkpoint_finds(context: Any, name: str, culprit: str) -> None:
    report = context.service.verify(named(context, name).checkpoint_id)
    assert not report.ok and report.checked == 1, report
    assert any(culprit in str(problem) for problem in report.problems), report


@then("verifying the store finds no problem in {count:d} checkpoints")
def verify_clean(context: Any, count: int) -> None:
    report = context.service.verify()
    assert report.ok and report.problems == () and report.checked == count, report


def _content_hash(context: Any, name: str, path: str) -> str:
    kind, data, _mode = context.recorded[name][0][path]
    assert kind == "file", kind
    return hashlib.sha256(data).hexdigest()


DAMAGE: dict[str, tuple[str, tuple[object, ...]]] = {
    "bytes": ("UPDATE blob_chunks SET data = ? WHERE blob_id = ?", (zlib.compress(b"other"),)),
    "codec": ("UPDATE blobs SET codec = ? WHERE id = ?", ("lz77",)),
    "compression": ("UPDATE blob_chunks SET data = ? WHERE blob_id = ?", (b"not zlib",)),
    "chunks": ("DELETE FROM blob_chunks WHERE blob_id = ?", ()),
}


@given('someone damages the {damage} of the stored content of "{path:Q}" as of "{name:Q}"')
def damage_blob(context: Any, damage: str, path: str, name: str) -> None:
    statement, values = DAMAGE[damage]
    tamper_raw(context.database_url, statement, *values, _content_hash(context, name, path))


@then('verifying "{name:Q}" finds no problem')
def verify_checkpoint_clean(context: Any, name: str) -> None:
    report = context.service.verify(named(context, name).checkpoint_id)
    assert report.ok and report.checked == 1 and report.problems == (), report


@then('verifying the store reports a problem naming "{culprit:Q}"')
def verify_store_names(context: Any, culprit: str) -> None:
    report = context.service.verify()
    text = expand(context, culprit)
    assert any(text in str(problem) for problem in report.problems), report
