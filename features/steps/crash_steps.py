"""Steps that kill a process, for real (SIGKILL): in the middle of a rollback, or after commits."""

from __future__ import annotations

import signal
import subprocess
import sys
from typing import Any

from behave import then, when
from support.databases import relaxed_durability_url
from support.scenario import named
from support.trees import read_tree
from support.world import world

# The child wraps one os function so that the process kills itself right after the Nth call:
# a real SIGKILL at a chosen point of the restore, with no cleanup of any kind.
KILL_DURING_ROLLBACK = """
import os, signal, sys
from rewind import CheckpointService
url, checkpoint_id, function, after = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
real = getattr(os, function)
calls = 0
def dying(*args, **kwargs):
    global calls
    result = real(*args, **kwargs)
    calls += 1
    if calls >= after:
        os.kill(os.getpid(), signal.SIGKILL)
    return result
setattr(os, function, dying)
CheckpointService.open(url).rollback_to_checkpoint(checkpoint_id)
"""

MOMENTS = {"renaming": "replace", "writing": "fchmod"}

# The child commits a snapshot and then checkpoints, and dies at once, closing nothing.
KILL_AFTER_COMMITS = """
import os, signal, sys
from rewind import CheckpointService
url, plan, workspace, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
service = CheckpointService.open(url)
print(service.create_workspace_snapshot(plan, workspace).checkpoint_id, flush=True)
for step in range(count):
    service.create_checkpoint(plan, workspace, decision_id=f"step-{step}")
os.kill(os.getpid(), signal.SIGKILL)
"""


@when('a process rolling back to "{name:Q}" is killed after {count:d} files, while {moment}')
def killed_rollback(context: Any, name: str, count: int, moment: str) -> None:
    scene = world(context)
    arguments = [scene.database_url, named(scene, name).checkpoint_id, MOMENTS[moment]]
    result = subprocess.run(
        [sys.executable, "-c", KILL_DURING_ROLLBACK, *arguments, str(count)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == -signal.SIGKILL, (result.returncode, result.stderr)


@then('the workspace is neither as when "{first:Q}" nor as when "{second:Q}" was taken')
def half_done(context: Any, first: str, second: str) -> None:
    scene = world(context)
    for name in (first, second):
        assert scene.the_service.diff(named(scene, name).checkpoint_id).entries != ()


@then('plan "{plan:Q}" has {count:d} safety checkpoints')
def safety_count(context: Any, plan: str, count: int) -> None:
    found = world(context).the_service.list_checkpoints(plan, checkpoint_type="safety")
    assert len(found) == count, found


@when(
    'a process on the store with relaxed durability snapshots the workspace for plan "{plan:Q}" '
    'as "{name:Q}", creates {count:d} checkpoints and is killed'
)
def killed_after_commits(context: Any, plan: str, name: str, count: int) -> None:
    scene = world(context)
    url = relaxed_durability_url(scene.database_url)
    arguments = [url, plan, str(scene.workspace), str(count)]
    result = subprocess.run(
        [sys.executable, "-c", KILL_AFTER_COMMITS, *arguments],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == -signal.SIGKILL, (result.returncode, result.stderr)
    scene.checkpoints[name] = scene.the_service.get_checkpoint(result.stdout.strip())
    scene.recorded[name] = read_tree(scene.workspace)
