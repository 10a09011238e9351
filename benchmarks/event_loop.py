"""Measurement 15: how late an asyncio heartbeat gets while an async first snapshot runs.

``AsyncCheckpointService`` runs each call in a worker thread and pauses the cyclic garbage
collector meanwhile, so the event loop goes on. A heartbeat task sleeps ``PERIOD_MS`` at a
time during the first snapshot of the reference tree; each run keeps its worst tick's
lateness (how much longer than the period the sleep took). The target is that no tick of
any run is more than ``LATENESS_TARGET_MS`` late. This is a figure of the machine as much as
of rewind, which is why it is measured here and not asserted by a scenario: the scenario
(``features/asyncio.feature``) checks, without a clock, that the loop runs while a snapshot
is in progress.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from figures import Json, Series
from workloads import TreeTemplate, copy_template

from rewind import AsyncCheckpointService

__all__ = ["LATENESS_TARGET_MS", "EventLoopFigures", "measure_event_loop"]

PERIOD_MS = 5.0
LATENESS_TARGET_MS = 50.0


@dataclass
class EventLoopFigures:
    """The worst heartbeat lateness of each run, in ms, and how many ticks each run saw."""

    files: int
    period_ms: float = PERIOD_MS
    lateness: Series = field(default_factory=lambda: Series("ms"))
    ticks: list[int] = field(default_factory=list)

    def as_json(self) -> Json:
        """The period, every run's worst lateness and tick count."""
        return {
            "files": self.files,
            "period_ms": self.period_ms,
            "worst_lateness": self.lateness.as_json(),
            "ticks": self.ticks,
        }


def measure_event_loop(template: TreeTemplate, scratch: Path, repeat: int) -> EventLoopFigures:
    """Take ``repeat`` async first snapshots of ``template``, each with a heartbeat ticking."""
    figures = EventLoopFigures(len(template.tracked_files))
    try:
        for run in range(repeat):
            workspace = copy_template(template, scratch / f"workspace-{run}")
            store = scratch / f"store-{run}"
            store.mkdir(parents=True)
            url = f"sqlite:///{store / 'rewind.db'}"
            worst, ticks = asyncio.run(_heartbeat_during_snapshot(url, workspace))
            figures.lateness.samples.append(worst * 1000)
            figures.ticks.append(ticks)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return figures


async def _heartbeat_during_snapshot(url: str, workspace: Path) -> tuple[float, int]:
    """Snapshot ``workspace``; return the heartbeat's worst lateness (s) and its tick count."""
    period = PERIOD_MS / 1000
    async with await AsyncCheckpointService.open(url) as service:
        stop = asyncio.Event()
        worst = 0.0
        ticks = 0

        async def heartbeat() -> None:
            nonlocal worst, ticks
            while not stop.is_set():
                started = time.perf_counter()
                await asyncio.sleep(period)
                worst = max(worst, time.perf_counter() - started - period)
                ticks += 1

        ticking = asyncio.create_task(heartbeat())
        try:
            await service.create_workspace_snapshot("bench-event-loop", workspace)
        finally:
            stop.set()
            await ticking
    return worst, ticks
