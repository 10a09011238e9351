"""Steps that run snapshots at the same time."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from behave import given, then, when
from support.databases import hold_write_lock
from support.scenario import attempt
from support.world import world

from rewind import Checkpoint, CheckpointService


@when('{count:d} threads snapshot the workspace for plan "{plan:Q}" at once')
def threads_snapshot(context: Any, count: int, plan: str) -> None:
    scene = world(context)
    service = scene.the_service
    start = threading.Barrier(count)

    def snapshot(index: int) -> Checkpoint:
        start.wait()
        return service.create_workspace_snapshot(plan, scene.workspace, f"thread-{index}")

    with ThreadPoolExecutor(max_workers=count) as pool:
        scene.concurrent = list(pool.map(snapshot, range(count)))


@then('the {count:d} snapshots of plan "{plan:Q}" form one history')
def one_history(context: Any, count: int, plan: str) -> None:
    scene = world(context)
    created = sorted(scene.the_concurrent, key=lambda checkpoint: checkpoint.checkpoint_id)
    stored = scene.the_service.list_checkpoints(plan)
    assert sorted(stored, key=lambda checkpoint: checkpoint.checkpoint_id) == created
    assert len(created) == count
    parents = [checkpoint.parent_id for checkpoint in created]
    expected = [None, *(checkpoint.checkpoint_id for checkpoint in created[:-1])]
    assert parents == expected, parents
    changed = [len(checkpoint.metadata.extra["diff_paths"]) for checkpoint in created]
    assert changed[0] > 0 and not any(changed[1:]), changed


@when("{count:d} threads sharing one service snapshot, half the shared workspace, half their own")
def threads_shared_and_own(context: Any, count: int) -> None:
    scene = world(context)
    service = scene.the_service
    start = threading.Barrier(count)

    def work(index: int) -> tuple[str, list[str]]:
        shared = index % 2 == 0
        workspace = scene.workspace if shared else scene.the_own_workspaces[index // 2]
        start.wait()
        made = []
        for round_ in range(3):
            (workspace / f"thread-{index}.txt").write_text(f"round {round_}", encoding="utf-8")
            checkpoint = service.create_workspace_snapshot("plan-1", workspace)
            made.append(checkpoint.checkpoint_id)
        return ("shared" if shared else str(workspace)), made

    with ThreadPoolExecutor(max_workers=count) as pool:
        results = list(pool.map(work, range(count)))
    histories: dict[str, list[str]] = {}
    for workspace, made in results:
        histories.setdefault(workspace, []).extend(made)
    scene.thread_histories = histories


@then("each workspace the threads used has one history, in id order")
def thread_histories(context: Any) -> None:
    scene = world(context)
    service = scene.the_service
    for made in scene.the_thread_histories.values():
        checkpoints = [service.get_checkpoint(item) for item in sorted(made)]
        parents = [checkpoint.parent_id for checkpoint in checkpoints]
        previous = [None, *(checkpoint.checkpoint_id for checkpoint in checkpoints[:-1])]
        assert parents == previous, parents
    total = sum(len(made) for made in scene.the_thread_histories.values())
    assert len(service.list_checkpoints("plan-1")) == total


@given("another program holds the workspace's lock")
def hold_workspace_lock(context: Any) -> None:
    holder = hold_write_lock(world(context).database_url)
    context.add_cleanup(holder.close)


@when('I try to snapshot the workspace for plan "{plan:Q}" waiting at most {seconds:d} second')
def try_snapshot_with_lock_timeout(context: Any, plan: str, seconds: int) -> None:
    scene = world(context)
    separator = "&" if "?" in scene.database_url else "?"
    url = f"{scene.database_url}{separator}lock_timeout={seconds}"

    def snapshot() -> None:
        with CheckpointService.open(url) as impatient:
            impatient.create_workspace_snapshot(plan, scene.workspace)

    attempt(scene, snapshot, record_store=False)


@when(
    "{count:d} threads sharing that service each take {rounds:d} snapshots of their own workspace"
)
def threads_own_workspaces(context: Any, count: int, rounds: int) -> None:
    scene = world(context)
    service = scene.the_service
    start = threading.Barrier(count)

    def work(index: int) -> tuple[str, list[str]]:
        workspace = scene.the_own_workspaces[index]
        start.wait()
        made = []
        for round_ in range(rounds):
            (workspace / "round.txt").write_text(f"round {round_}", encoding="utf-8")
            made.append(service.create_workspace_snapshot("plan-1", workspace).checkpoint_id)
        return str(workspace), made

    with ThreadPoolExecutor(max_workers=count) as pool:
        scene.thread_histories = dict(pool.map(work, range(count)))


@then("all {total:d} snapshots were recorded and each workspace has one history, in id order")
def all_recorded(context: Any, total: int) -> None:
    scene = world(context)
    assert sum(len(made) for made in scene.the_thread_histories.values()) == total
    thread_histories(context)
    for made in scene.the_thread_histories.values():
        assert made == sorted(made), made


@when(
    '{rollers:d} threads roll back to "{name:Q}" while {snappers:d} threads snapshot the '
    "workspace, {rounds:d} times each"
)
def rollbacks_and_snapshots(
    context: Any, rollers: int, name: str, snappers: int, rounds: int
) -> None:
    scene = world(context)
    service = scene.the_service
    checkpoint_id = scene.checkpoints[name].checkpoint_id
    start = threading.Barrier(rollers + snappers)

    def work(index: int) -> list[Exception]:
        start.wait()
        failures: list[Exception] = []
        for round_ in range(rounds):
            try:
                if index < rollers:
                    service.rollback_to_checkpoint(checkpoint_id)
                else:
                    (scene.workspace / f"thread-{index}.txt").write_text(str(round_))
                    service.create_workspace_snapshot("plan-1", scene.workspace)
            except Exception as exc:
                failures.append(exc)
        return failures

    with ThreadPoolExecutor(max_workers=rollers + snappers) as pool:
        scene.thread_failures = [
            item for items in pool.map(work, range(rollers + snappers)) for item in items
        ]
    scene.rollbacks_made = rollers * rounds


@then("every one of those calls succeeded")
def all_calls_succeeded(context: Any) -> None:
    failures = world(context).thread_failures
    assert not failures, [f"{type(item).__name__}: {item}" for item in failures]


@then("there is exactly one safety checkpoint per rollback")
def one_safety_each(context: Any) -> None:
    scene = world(context)
    safety = scene.the_service.list_checkpoints("plan-1", checkpoint_type="safety")
    assert len(safety) == scene.rollbacks_made, (len(safety), scene.rollbacks_made)


@when(
    '1 thread deletes files and rolls back to "{name:Q}" while 1 thread dry-runs that '
    "rollback, {rounds:d} times each"
)
def rollbacks_and_dry_runs(context: Any, name: str, rounds: int) -> None:
    scene = world(context)
    service = scene.the_service
    checkpoint_id = scene.checkpoints[name].checkpoint_id
    start = threading.Barrier(2)

    def work(index: int) -> list[Exception]:
        start.wait()
        failures: list[Exception] = []
        for round_ in range(rounds):
            try:
                if index == 0:
                    for path in sorted((scene.workspace / "data").iterdir())[round_ % 2 :: 2]:
                        path.unlink()  # the rollback puts it back while the dry runs look
                    service.rollback_to_checkpoint(checkpoint_id)
                else:
                    service.rollback_to_checkpoint(checkpoint_id, dry_run=True)
            except Exception as exc:
                failures.append(exc)
        return failures

    with ThreadPoolExecutor(max_workers=2) as pool:
        scene.thread_failures = [item for items in pool.map(work, range(2)) for item in items]
