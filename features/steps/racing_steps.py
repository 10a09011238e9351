"""Steps with a writer changing the workspace while rewind reads it."""

from __future__ import annotations

import contextlib
import os
import random
import threading
from typing import Any

from behave import then, when
from support.scenario import named
from support.trees import write_file
from support.world import World, world

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
