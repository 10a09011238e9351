"""Steps about the asyncio service: the event loop going on meanwhile, and cancelled calls."""

from __future__ import annotations

import asyncio
import gc
import threading
from collections.abc import Callable, Coroutine
from typing import Any

from behave import then, when
from support.scenario import named
from support.world import HeartbeatWitness, World, world

import rewind.workspace.scan
from rewind import AsyncCheckpointService
from rewind.workspace.scan import ScanResult, WorkspaceScanner

HEARTBEAT_PERIOD = 0.005
STALLED_AFTER_SECONDS = 120
"""A safety net only: a loop that runs ticks within milliseconds; one that never ticks
stalled, and the scan goes on after this long so that the scenario fails instead of hanging."""


@when("an async service takes the first snapshot while a heartbeat task ticks")
def snapshot_with_heartbeat(context: Any) -> None:
    """The scan waits until the loop's heartbeat has ticked once it began: no clock needed.

    A service that ran its work on the loop's own thread would hold the loop there, the
    heartbeat could not tick, and the scan would go on only after the safety net.
    """
    scene = world(context)
    scanning, ticked = threading.Event(), threading.Event()
    original = WorkspaceScanner.scan

    def held(scanner: WorkspaceScanner, root: Any) -> ScanResult:
        scanning.set()
        ticked.wait(STALLED_AFTER_SECONDS)
        return original(scanner, root)

    rewind.workspace.scan.WorkspaceScanner.scan = held  # type: ignore[method-assign,assignment]
    try:
        scene.heartbeat = asyncio.run(_heartbeat_during_snapshot(scene, scanning, ticked))
    finally:
        ticked.set()
        rewind.workspace.scan.WorkspaceScanner.scan = original  # type: ignore[method-assign]


async def _heartbeat_during_snapshot(
    scene: World, scanning: threading.Event, ticked: threading.Event
) -> HeartbeatWitness:
    """Snapshot the workspace while a heartbeat ticks; say what the heartbeat saw."""
    collector_on_before = gc.isenabled()
    collector_on_while_scanning: bool | None = None
    async with await AsyncCheckpointService.open(scene.database_url) as service:
        assert service.database == service.sync.database  # the service it runs in threads
        stop = asyncio.Event()

        async def heartbeat() -> None:
            nonlocal collector_on_while_scanning
            while not stop.is_set():
                await asyncio.sleep(HEARTBEAT_PERIOD)
                if scanning.is_set() and not ticked.is_set():
                    collector_on_while_scanning = gc.isenabled()
                    ticked.set()

        ticking = asyncio.create_task(heartbeat())
        try:
            await service.create_workspace_snapshot("plan-1", scene.workspace)
            ticked_while_scanning = collector_on_while_scanning is not None
        finally:
            stop.set()
            await ticking
    return HeartbeatWitness(
        ticked_while_scanning=ticked_while_scanning,
        collector_on_while_scanning=collector_on_while_scanning,
        collector_on_before=collector_on_before,
        collector_on_after=gc.isenabled(),
    )


@then("the heartbeat ticked while the snapshot was scanning, with the garbage collector paused")
def heartbeat_ticked(context: Any) -> None:
    witness = world(context).heartbeat
    assert witness is not None, "no heartbeat ran"
    assert witness["ticked_while_scanning"], "the event loop stood still during the scan"
    assert witness["collector_on_while_scanning"] is False, witness


@then("the garbage collector is on again once the snapshot is done")
def collector_back_on(context: Any) -> None:
    witness = world(context).heartbeat
    assert witness is not None, "no heartbeat ran"
    assert witness["collector_on_before"], "the collector was off before the snapshot"
    assert witness["collector_on_after"], witness


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
