"""Steps about the asyncio service: the event loop's latency, and cancelled calls."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any

from behave import then, when
from support.scenario import named
from support.world import World, world

import rewind.workspace.scan
from rewind import AsyncCheckpointService
from rewind.workspace.scan import ScanResult, WorkspaceScanner


@when("an async service takes the first snapshot while a heartbeat task ticks every {period:d} ms")
def snapshot_with_heartbeat(context: Any, period: int) -> None:
    scene = world(context)
    scene.heartbeat_lateness = asyncio.run(_heartbeat_during_snapshot(scene, period / 1000))


async def _heartbeat_during_snapshot(scene: World, period: float) -> float:
    """Snapshot the workspace; return how late the heartbeat's worst tick was, in seconds."""
    async with await AsyncCheckpointService.open(scene.database_url) as service:
        assert service.database == service.sync.database  # the service it runs in threads
        stop = asyncio.Event()
        worst = 0.0

        async def heartbeat() -> None:
            nonlocal worst
            while not stop.is_set():
                started = time.perf_counter()
                await asyncio.sleep(period)
                worst = max(worst, time.perf_counter() - started - period)

        ticking = asyncio.create_task(heartbeat())
        try:
            await service.create_workspace_snapshot("plan-1", scene.workspace)
        finally:
            stop.set()
            await ticking
    return worst


@then("the heartbeat was never more than {limit:d} ms late")
def heartbeat_on_time(context: Any, limit: int) -> None:
    lateness = world(context).heartbeat_lateness
    assert lateness is not None, "no heartbeat was measured"
    assert lateness * 1000 <= limit, f"{lateness * 1000:.1f} ms late"


def _cancel_once_scanning(
    scene: World, call: Callable[[AsyncCheckpointService], Coroutine[Any, Any, Any]]
) -> None:
    """Start ``call``, cancel the task awaiting it once its scan has begun, then close."""
    began, proceed = threading.Event(), threading.Event()
    original = WorkspaceScanner.scan

    def held(scanner: WorkspaceScanner, root: Any) -> ScanResult:
        began.set()
        proceed.wait()
        return original(scanner, root)

    async def cancel() -> bool:
        service = await AsyncCheckpointService.open(scene.database_url)
        task = asyncio.create_task(call(service))
        await asyncio.to_thread(began.wait)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            cancelled = True
        else:
            cancelled = False
        proceed.set()
        await service.close()
        return cancelled

    rewind.workspace.scan.WorkspaceScanner.scan = held  # type: ignore[method-assign,assignment]
    try:
        scene.cancelled = asyncio.run(cancel())
    finally:
        proceed.set()
        rewind.workspace.scan.WorkspaceScanner.scan = original  # type: ignore[method-assign]


@when('I cancel a task awaiting an async snapshot of plan "{plan:Q}" once its scan has begun')
def cancel_snapshot(context: Any, plan: str) -> None:
    scene = world(context)
    _cancel_once_scanning(
        scene, lambda service: service.create_workspace_snapshot(plan, scene.workspace)
    )


@when('I cancel a task awaiting an async rollback to "{name:Q}" once its scan has begun')
def cancel_rollback(context: Any, name: str) -> None:
    scene = world(context)
    checkpoint_id = named(scene, name).checkpoint_id
    _cancel_once_scanning(scene, lambda service: service.rollback_to_checkpoint(checkpoint_id))


@then("the task was cancelled and the async service closed once the call had finished")
def cancelled_then_closed(context: Any) -> None:
    assert world(context).cancelled is True


@then('the newest checkpoint of plan "{plan:Q}" holds the workspace as it is')
def newest_holds_workspace(context: Any, plan: str) -> None:
    service = world(context).the_service
    (newest,) = service.list_checkpoints(plan, limit=1)
    assert service.diff(newest.checkpoint_id).entries == ()
