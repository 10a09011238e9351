"""Steps about exhausted resources: full disks, very deep trees."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from typing import Any

from behave import given, then, when
from support.scenario import named, store_contents
from support.world import world

KIB = 1024
MIB = 1024 * KIB

# Runs one operation in a process whose files may not grow past a limit: a full disk, as
# far as every write past the limit is concerned (it fails with EFBIG).
LIMITED = """
import json, resource, signal, sys
from rewind import CheckpointService, RewindError
url, operation, argument, limit = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
with CheckpointService.open(url) as service:
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    try:
        if operation == "snapshot":
            service.create_workspace_snapshot("plan-1", argument)
        else:
            service.rollback_to_checkpoint(argument)
    except RewindError as exc:
        print(json.dumps({"error": type(exc).__name__, "message": str(exc)}))
    else:
        print(json.dumps({"error": None, "message": ""}))
"""


@given('"{path:Q}" in the workspace holds {size:d} MiB of random bytes')
def random_bytes(context: Any, path: str, size: int) -> None:
    target = world(context).workspace / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(random.Random(path).randbytes(size * MIB))


def _run_limited(context: Any, operation: str, argument: str, limit_kib: int) -> None:
    scene = world(context)
    scene.result = subprocess.run(
        [
            sys.executable,
            "-c",
            LIMITED,
            scene.database_url,
            operation,
            argument,
            str(limit_kib * KIB),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


@when("a separate process snapshots the workspace where files may not grow past {limit:d} KiB")
def snapshot_limited(context: Any, limit: int) -> None:
    _run_limited(context, "snapshot", str(world(context).workspace), limit)


@when('a separate process rolls back to "{name:Q}" where files may not grow past {limit:d} KiB')
def roll_back_limited(context: Any, name: str, limit: int) -> None:
    _run_limited(context, "rollback", named(world(context), name).checkpoint_id, limit)


@then('that process failed with {error} saying "{text:Q}"')
def process_failed(context: Any, error: str, text: str) -> None:
    result = world(context).the_result
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert outcome["error"] == error, outcome
    assert text in outcome["message"], outcome


@then("the store is still empty")
def store_empty(context: Any) -> None:
    stats, checkpoints = store_contents(world(context))
    assert checkpoints == [] and stats.blobs == 0, (stats, checkpoints)


@given('I replace "{path:Q}" by a directory {depth:d} levels deep holding a file')
def deep_directory(context: Any, path: str, depth: int) -> None:
    """Build the chain with directory descriptors: no path is ever longer than one name."""
    workspace = world(context).workspace
    (workspace / path).unlink()
    descriptor = os.open(workspace, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for name in [path, *["d"] * (depth - 1)]:
            os.mkdir(name, dir_fd=descriptor)
            inner = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=descriptor)
            os.close(descriptor)
            descriptor = inner
        file = os.open("bottom.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=descriptor)
        os.write(file, b"at the bottom\n")
        os.close(file)
    finally:
        os.close(descriptor)
