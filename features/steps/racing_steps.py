"""Steps with a writer changing the workspace while rewind reads it."""

from __future__ import annotations

import contextlib
import json
import os
import random
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from behave import then, when
from support.scenario import attempt, named
from support.trees import read_tree, write_file
from support.world import World, world

import rewind
import rewind._ops.rollback

MAX_WRITES = 20_000  # the writer stops by itself even if the snapshots never finish


def _write_randomly(scene: World, stop: threading.Event) -> None:
    """Rewrite, create and delete files until told to stop (seeded: reproducible moves)."""
    moves = random.Random(20261123)
    for count in range(MAX_WRITES):
        if stop.is_set():
            break
        path = f"data/file-{moves.randrange(40):03d}.txt"
        action = moves.random()
        with contextlib.suppress(FileNotFoundError):
            if action < 0.6:
                write_file(scene.workspace, path, f"write {count}\n" * moves.randrange(1, 9000))
            elif action < 0.8:
                (scene.workspace / path).unlink()
            else:
                write_file(scene.workspace, f"data/new-{count}.txt", "created\n")
    scene.writes = count


@when('a writer changes the workspace while I take {count:d} snapshots for plan "{plan:Q}"')
def snapshots_while_writing(context: Any, count: int, plan: str) -> None:
    scene = world(context)
    stop = threading.Event()
    writer = threading.Thread(target=_write_randomly, args=(scene, stop))
    writer.start()
    try:
        scene.raced = [
            scene.the_service.create_workspace_snapshot(plan, scene.workspace) for _ in range(count)
        ]
    finally:
        stop.set()
        writer.join()


@then("every snapshot taken during the writes was recorded, each diffing against the one before")
def raced_history(context: Any) -> None:
    scene = world(context)
    raced = scene.the_raced
    parents = [checkpoint.parent_id for checkpoint in raced]
    previous = [None, *(checkpoint.checkpoint_id for checkpoint in raced[:-1])]
    assert parents[1:] == previous[1:], parents
    for checkpoint in raced:
        assert scene.the_service.get_checkpoint(checkpoint.checkpoint_id) == checkpoint


@when('I write "{content:Q}" to "{path:Q}" keeping its size and modification time')
def write_same_tick(context: Any, content: str, path: str) -> None:
    target = world(context).workspace / path
    before = target.stat()
    assert len(content.encode()) == before.st_size, "the scenario must keep the size"
    target.write_text(content, encoding="utf-8")
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = target.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)


@then('the diff from "{name:Q}" to the live workspace is empty')
def no_live_changes(context: Any, name: str) -> None:
    scene = world(context)
    assert scene.the_service.diff(named(scene, name).checkpoint_id).entries == ()


@when(
    'I try to roll back to "{name:Q}" while another process swaps "{path:Q}" for a link to '
    '"{outside:Q}"'
)
def roll_back_during_swap(context: Any, name: str, path: str, outside: str) -> None:
    """Swap a directory for a symlink after the rollback planned and before it acts.

    The swap is made at the one moment a real race could hit hardest: the rollback has
    looked at the workspace and committed its plan, and is about to remove and write files.
    """
    scene = world(context)
    scene.noted = read_tree(scene.workspace)
    seam = "apply_restore"  # where a rollback starts changing files
    original = vars(rewind._ops.rollback)[seam]
    swapped = threading.Event()

    def swap_then_apply(*args: Any, **kwargs: Any) -> None:
        if not swapped.is_set():
            swapped.set()
            (scene.workspace / path).rename(scene.directory / "moved-away")
            (scene.workspace / path).symlink_to(scene.directory / outside)
        original(*args, **kwargs)

    setattr(rewind._ops.rollback, seam, swap_then_apply)
    try:
        attempt(
            scene,
            lambda: scene.the_service.rollback_to_checkpoint(named(scene, name).checkpoint_id),
            record_store=False,
        )
    finally:
        setattr(rewind._ops.rollback, seam, original)
    assert swapped.is_set(), "the rollback never reached the point of writing files"


# Snapshots in a separate process, turning a file into a FIFO once the scan has listed it.
SNAPSHOT_WITH_FIFO = """
import json, os, sys
from rewind.workspace.capture import ContentReader
from rewind import CheckpointService
url, workspace, name = sys.argv[1:4]
original = ContentReader.read_files
def fifo_after_listing(self, directory_fd, names, where):
    path = os.path.join(workspace, name)
    if name in names and os.path.isfile(path):  # listed as a file: now swap it
        os.unlink(path)
        os.mkfifo(path)
    return original(self, directory_fd, names, where)
ContentReader.read_files = fifo_after_listing
with CheckpointService.open(url) as service:
    checkpoint = service.create_workspace_snapshot("plan-1", workspace)
print(json.dumps(list(checkpoint.metadata.extra["diff_paths"])))
"""
BLOCKED_AFTER_SECONDS = 120  # a safety net only: a working snapshot takes well under a second


@when(
    'a separate process snapshots the workspace while "{name:Q}" turns into a FIFO after the scan'
)
def snapshot_with_fifo(context: Any, name: str) -> None:
    scene = world(context)
    try:
        scene.result = subprocess.run(
            [
                sys.executable,
                "-c",
                SNAPSHOT_WITH_FIFO,
                scene.database_url,
                str(scene.workspace),
                name,
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=BLOCKED_AFTER_SECONDS,
        )
    except subprocess.TimeoutExpired as exc:
        raise AssertionError("the snapshot blocked on the FIFO") from exc


@then('that snapshot succeeded without "{name:Q}"')
def snapshot_without(context: Any, name: str) -> None:
    result = world(context).the_result
    assert result.returncode == 0, result.stderr
    diff_paths = json.loads(result.stdout)
    assert name not in diff_paths and diff_paths, diff_paths


@when(
    'I try to restore "{name:Q}" into "{directory:Q}" while another process swaps it for a '
    'link to "{outside:Q}"'
)
def restore_during_swap(context: Any, name: str, directory: str, outside: str) -> None:
    """Swap the target for a symlink to an outside file once the files are written."""
    scene = world(context)
    seam = "apply_restore"
    original = vars(rewind._ops.rollback)[seam]
    target = scene.directory / directory
    assert target.is_dir()

    def apply_then_swap(root: Any, *args: Any, **kwargs: Any) -> None:
        original(root, *args, **kwargs)
        written = Path(root.path)  # the directory the restore wrote its files into
        written.rename(scene.directory / "moved-target")
        written.symlink_to(scene.directory / outside)

    setattr(rewind._ops.rollback, seam, apply_then_swap)
    try:
        scene.the_service.restore_into(named(scene, name).checkpoint_id, target)
    except rewind.RewindError as exc:
        scene.error = exc
    finally:
        setattr(rewind._ops.rollback, seam, original)
