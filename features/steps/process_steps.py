"""Steps that run several rewind processes at the same time."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from behave import given, then, when
from support.trees import write_file
from support.world import world

# Each worker waits for "go" on stdin, then alternates snapshots of the shared workspace
# (writing its own file there first) and of its own workspace.
WORKER = """
import json, sys
from pathlib import Path
from rewind import CheckpointService
url, shared, own, index, rounds = sys.argv[1:6]
sys.stdin.readline()
made = {"shared": [], "own": []}
with CheckpointService.open(url) as service:
    for round_ in range(int(rounds)):
        Path(shared, f"worker-{index}.txt").write_text(f"round {round_}")
        made["shared"].append(service.create_workspace_snapshot("plan-1", shared).checkpoint_id)
        Path(own, "progress.txt").write_text(f"round {round_}")
        made["own"].append(service.create_workspace_snapshot("plan-1", own).checkpoint_id)
print(json.dumps(made))
"""


@given("{count:d} more workspaces, one per worker")
def more_workspaces(context: Any, count: int) -> None:
    scene = world(context)
    scene.own_workspaces = [scene.directory / f"worker-{index}" for index in range(count)]
    for workspace in scene.own_workspaces:
        write_file(workspace, "progress.txt", "start")


@when("{count:d} processes each take {rounds:d} snapshots of the shared and of their own workspace")
def processes_snapshot(context: Any, count: int, rounds: int) -> None:
    scene = world(context)
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                WORKER,
                scene.database_url,
                str(scene.workspace),
                str(scene.the_own_workspaces[index]),
                str(index),
                str(rounds),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for index in range(count)
    ]
    outputs = [worker.communicate("go\n") for worker in workers]
    for worker, (_out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err
    scene.made = [json.loads(out) for out, _err in outputs]


@then("every snapshot was recorded and each workspace has one history, in id order")
def one_history_each(context: Any) -> None:
    scene = world(context)
    service = scene.the_service
    shared = sorted(checkpoint_id for made in scene.the_made for checkpoint_id in made["shared"])
    for ids in [shared, *(made["own"] for made in scene.the_made)]:
        checkpoints = [service.get_checkpoint(checkpoint_id) for checkpoint_id in sorted(ids)]
        parents = [checkpoint.parent_id for checkpoint in checkpoints]
        previous = [None, *(checkpoint.checkpoint_id for checkpoint in checkpoints[:-1])]
        assert parents == previous, parents
    total = sum(len(made["shared"]) + len(made["own"]) for made in scene.the_made)
    assert len(service.list_checkpoints("plan-1")) == total


# A process that uses rewind while the database drivers warn, as psycopg and SQLAlchemy's
# pool do when a connection dies ("error ignored terminating <psycopg.Pipeline [BAD]>").
DRIVERS_WARN = """
import logging, sys
from rewind import CheckpointService
url, configured = sys.argv[1:3]
if configured == "yes":
    logging.basicConfig(format="logged: %(name)s: %(message)s")
with CheckpointService.open(url) as service:
    service.list_checkpoints()
    logging.getLogger("psycopg").warning("error ignored terminating: the connection is lost")
    logging.getLogger("sqlalchemy.pool.impl.QueuePool").error("Exception during reset")
"""


@when("a process using rewind hears the database drivers warn, with logging {state}")
def drivers_warn(context: Any, state: str) -> None:
    scene = world(context)
    configured = {"not configured": "no", "configured": "yes"}[state]
    scene.result = subprocess.run(
        [sys.executable, "-c", DRIVERS_WARN, scene.database_url, configured],
        capture_output=True,
        text=True,
        check=False,
    )


@then("its standard error is empty")
def stderr_empty(context: Any) -> None:
    result = world(context).the_result
    assert result.returncode == 0 and result.stderr == "", (result.returncode, result.stderr)


@then('its standard error holds the drivers\' warnings, "{first:Q}" and "{second:Q}"')
def stderr_holds(context: Any, first: str, second: str) -> None:
    result = world(context).the_result
    assert result.returncode == 0, result.stderr
    assert first in result.stderr and second in result.stderr, result.stderr


# A process whose Python cannot import psycopg, as after a plain ``pip install rewind``.
WITHOUT_PSYCOPG = """
import sys
sys.modules["psycopg"] = None  # every import of it now raises ImportError
from rewind import CheckpointService, RewindError
try:
    CheckpointService.open(sys.argv[1])
except RewindError as exc:
    print(f"{type(exc).__name__}: {exc}")
"""


@when('a Python process without psycopg opens the database "{url:Q}"')
def open_without_psycopg(context: Any, url: str) -> None:
    world(context).result = subprocess.run(
        [sys.executable, "-c", WITHOUT_PSYCOPG, url], capture_output=True, text=True, check=False
    )


@then('it printed "{text:Q}" and nothing on its standard error')
def printed_cleanly(context: Any, text: str) -> None:
    result = world(context).the_result
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert text in result.stdout, result.stdout
