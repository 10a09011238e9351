"""Steps about sizes: huge files, memory bounds, symlinked workspaces."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from behave import given, then, when
from support.scenario import named
from support.trees import read_tree
from support.world import world

MIB = 1024 * 1024

# Snapshots and restores in a fresh process, then reports how much its peak memory grew while
# doing so (ru_maxrss, KiB): what the operations themselves held, whatever the interpreter,
# its libraries or a coverage tracer take before.
SNAPSHOT_AND_RESTORE = """
import json, resource, sys
from rewind import CheckpointService
url, workspace, copy = sys.argv[1:4]
with CheckpointService.open(url) as service:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    checkpoint = service.create_workspace_snapshot("huge", workspace)
    service.restore_into(checkpoint.checkpoint_id, copy)
    copied = service.create_workspace_snapshot("huge-copy", copy)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
growth = peak - before
print(json.dumps({"growth_kib": growth, "tree": checkpoint.tree_hash, "copy": copied.tree_hash}))
"""


@given("a workspace holding a {size:d} MiB file")
def huge_file(context: Any, size: int) -> None:  # written 1 MiB at a time
    pattern = bytes(range(256)) * 4096  # 1 MiB that compresses, but not to nothing
    with (world(context).workspace / "huge.bin").open("wb") as stream:
        for index in range(size):
            stream.write(pattern[index % 256 :] + pattern[: index % 256])


@when("a separate process snapshots the workspace and restores it elsewhere")
def snapshot_and_restore_elsewhere(context: Any) -> None:
    scene = world(context)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            SNAPSHOT_AND_RESTORE,
            scene.database_url,
            str(scene.workspace),
            str(scene.directory / "copy"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    scene.huge = json.loads(result.stdout)


@then("that process never held more than a quarter of the file's size in memory")
def memory_bound(context: Any) -> None:
    scene = world(context)
    growth = scene.the_huge["growth_kib"] * 1024
    size = (scene.workspace / "huge.bin").stat().st_size
    assert growth < size / 4, f"grew {growth / MIB:.0f} MiB for a {size / MIB:.0f} MiB file"


@then("the restored copy has the same tree hash as the snapshot")
def copy_matches(context: Any) -> None:
    huge = world(context).the_huge
    assert huge["tree"] == huge["copy"], huge


@given('a symlink "{name:Q}" beside the workspace pointing to it')
def workspace_alias(context: Any, name: str) -> None:
    scene = world(context)
    (scene.directory / name).symlink_to(scene.workspace, target_is_directory=True)


@when('I snapshot the workspace through "{name:Q}" for plan "{plan:Q}" as "{label:Q}"')
def snapshot_through_alias(context: Any, name: str, plan: str, label: str) -> None:
    scene = world(context)
    scene.checkpoints[label] = scene.the_service.create_workspace_snapshot(
        plan, scene.directory / name
    )
    scene.recorded[label] = read_tree(scene.workspace)


# Rolls back in a process whose files may not grow past a limit, like a full disk.
ROLL_BACK_WITH_SIZE_LIMIT = """
import json, resource, signal, sys
from rewind import CheckpointService, RewindError
url, checkpoint_id, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
with CheckpointService.open(url) as service:
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    try:
        service.rollback_to_checkpoint(checkpoint_id)
    except RewindError as exc:
        print(json.dumps({
            "error": type(exc).__name__,
            "message": str(exc),
            "cause": type(exc.__cause__).__name__,
            "undone": getattr(exc, "undone", None),
            "checkpoint_id": exc.checkpoint_id,
            "safety_checkpoint_id": getattr(exc, "safety_checkpoint_id", None),
        }))
    else:
        print(json.dumps({"error": None}))
"""


@given('"{path:Q}" in the workspace holds {size:d} MiB of zeros')
def zeros(context: Any, path: str, size: int) -> None:
    workspace = world(context).workspace
    (workspace / path).parent.mkdir(parents=True, exist_ok=True)
    (workspace / path).write_bytes(bytes(size * MIB))


@when('I try to roll back to "{name:Q}" where files may not grow past {limit:d} MiB')
def roll_back_size_limited(context: Any, name: str, limit: int) -> None:
    scene = world(context)
    scene.noted = read_tree(scene.workspace)
    checkpoint_id = scene.checkpoints[name].checkpoint_id
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            ROLL_BACK_WITH_SIZE_LIMIT,
            scene.database_url,
            checkpoint_id,
            str(limit * MIB),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    scene.limited = json.loads(result.stdout)


@then('the rollback failed with {error} saying "{text:Q}"')
def limited_failure(context: Any, error: str, text: str) -> None:
    limited = world(context).the_limited
    assert limited["error"] == error, limited
    assert text in limited["message"], limited


@then('that rollback to "{name:Q}" was undone after a {cause}')
def limited_undone(context: Any, name: str, cause: str) -> None:
    scene = world(context)
    limited = scene.the_limited
    assert limited["undone"] is True, limited
    assert limited["cause"] == cause, limited
    assert limited["checkpoint_id"] == named(scene, name).checkpoint_id, limited
    safety = scene.the_service.get_checkpoint(str(limited["safety_checkpoint_id"]))
    assert safety.checkpoint_type.value == "safety", safety
