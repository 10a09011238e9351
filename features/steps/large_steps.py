"""Steps about sizes: huge files, memory bounds, symlinked workspaces."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from behave import given, then, when
from support.trees import read_tree

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
    with (context.workspace / "huge.bin").open("wb") as stream:
        for index in range(size):
            stream.write(pattern[index % 256 :] + pattern[: index % 256])


@when("a separate process snapshots the workspace and restores it elsewhere")
def snapshot_and_restore_elsewhere(context: Any) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            SNAPSHOT_AND_RESTORE,
            context.database_url,
            str(context.workspace),
            str(context.directory / "copy"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    context.huge = json.loads(result.stdout)


@then("that process never held more than a quarter of the file's size in memory")
def memory_bound(context: Any) -> None:
    growth = context.huge["growth_kib"] * 1024
    size = (context.workspace / "huge.bin").stat().st_size
    assert growth < size / 4, f"grew {growth / MIB:.0f} MiB for a {size / MIB:.0f} MiB file"


@then("the restored copy has the same tree hash as the snapshot")
def copy_matches(context: Any) -> None:
    assert context.huge["tree"] == context.huge["copy"], context.huge


@given('a symlink "{name:Q}" beside the workspace pointing to it')
def workspace_alias(context: Any, name: str) -> None:
    (context.directory / name).symlink_to(context.workspace, target_is_directory=True)


@when('I snapshot the workspace through "{name:Q}" for plan "{plan:Q}" as "{label:Q}"')
def snapshot_through_alias(context: Any, name: str, plan: str, label: str) -> None:
    context.checkpoints[label] = context.service.create_workspace_snapshot(
        plan, context.directory / name
    )
    context.recorded[label] = read_tree(context.workspace)


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
        print(json.dumps({"error": type(exc).__name__, "message": str(exc)}))
    else:
        print(json.dumps({"error": None}))
"""


@given('"{path:Q}" in the workspace holds {size:d} MiB of zeros')
def zeros(context: Any, path: str, size: int) -> None:
    (context.workspace / path).parent.mkdir(parents=True, exist_ok=True)
    (context.workspace / path).write_bytes(bytes(size * MIB))


@when('I try to roll back to "{name:Q}" where files may not grow past {limit:d} MiB')
def roll_back_size_limited(context: Any, name: str, limit: int) -> None:
    context.noted = read_tree(context.workspace)
    checkpoint_id = context.checkpoints[name].checkpoint_id
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            ROLL_BACK_WITH_SIZE_LIMIT,
            context.database_url,
            checkpoint_id,
            str(limit * MIB),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    context.limited = json.loads(result.stdout)


@then('the rollback failed with {error} saying "{text:Q}"')
def limited_failure(context: Any, error: str, text: str) -> None:
    assert context.limited["error"] == error, context.limited
    assert text in context.limited["message"], context.limited
