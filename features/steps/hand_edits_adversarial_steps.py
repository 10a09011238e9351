"""Steps that go at the keeping of a person's edits sideways: crashes, and what is on disk."""

from __future__ import annotations

import signal
import subprocess
import sys
from typing import Any

from behave import then, when
from support.world import world

# The child wraps os.replace so that the process kills itself right after the Nth file is
# renamed into place: a real SIGKILL in the middle of an undo, with no cleanup of any kind.
KILL_DURING_UNDO = """
import os, signal, sys
from rewind import CheckpointService
url, workspace, after = sys.argv[1], sys.argv[2], int(sys.argv[3])
real = os.replace
calls = 0
def dying(*args, **kwargs):
    global calls
    result = real(*args, **kwargs)
    calls += 1
    if calls >= after:
        os.kill(os.getpid(), signal.SIGKILL)
    return result
os.replace = dying
CheckpointService.open(url).undo(workspace)
"""


@when("a process undoing the agent's last turn is killed after {count:d} file put back")
def killed_undo(context: Any, count: int) -> None:
    scene = world(context)
    arguments = [scene.database_url, str(scene.workspace), str(count)]
    result = subprocess.run(
        [sys.executable, "-c", KILL_DURING_UNDO, *arguments],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == -signal.SIGKILL, (result.returncode, result.stderr)


@then("the workspace's newest checkpoint holds exactly what is on disk")
def newest_is_disk(context: Any) -> None:
    """Its diff against the live workspace is empty: the index and the head told the truth."""
    scene = world(context)
    [newest] = scene.the_service.list_checkpoints(sandbox_ref=scene.workspace, limit=1)
    diff = scene.the_service.diff(newest.checkpoint_id)
    assert diff.entries == (), (newest.checkpoint_type, diff.entries)


@when("I roll back to the safety checkpoint of that undo")
def roll_back_to_safety(context: Any) -> None:
    """A redo by hand: a rollback to the checkpoint the last undo took first."""
    scene = world(context)
    safety = scene.the_rollback.safety_checkpoint_id
    assert safety is not None, scene.the_rollback
    scene.rollback = scene.the_service.rollback_to_checkpoint(safety)
