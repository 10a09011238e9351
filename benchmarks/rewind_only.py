"""Measurements of rewind alone: history depth, a long-lived service, concurrency, scale.

Each works in a fresh copy of a template with a fresh store, and removes both when done.
"""

from __future__ import annotations

import random
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from contenders import PLAN, SqliteBackend, StoreBackend
from figures import ConcurrencyFigures, DepthFigures, LongLivedFigures, ScaleFigures
from workloads import (
    TreeTemplate,
    append_lines,
    copy_template,
    generate_template,
    settle_tree,
    small_files_shape,
)

from rewind import Checkpoint, CheckpointService, RewindError

__all__ = ["measure_concurrency", "measure_depth", "measure_long_lived", "measure_scale"]

SECONDS_TO_MS = 1000.0
PROGRESS_EVERY = 100
ALONE_SNAPSHOTS = 10
SAMPLES = 5
"""How many 10-file snapshots are timed at each history depth, and on the scale tree."""


@dataclass
class _Session:
    """An open service on a fresh store, and a fresh copy of a template to snapshot."""

    service: CheckpointService
    workspace: Path
    candidates: list[str]
    rng: random.Random
    url: str = ""
    last: Checkpoint | None = None

    def modify_and_snapshot(self, files: int, marker: str, plan: str = PLAN) -> float:
        """Append a line to ``files`` random files, snapshot; return the snapshot's ms."""
        append_lines(self.workspace, self.rng.sample(self.candidates, files), marker)
        return self.snapshot(plan)

    def snapshot(self, plan: str = PLAN) -> float:
        """Snapshot (kept as ``last``); return the snapshot's ms."""
        started = time.perf_counter()
        self.last = self.service.create_workspace_snapshot(plan, self.workspace)
        return (time.perf_counter() - started) * SECONDS_TO_MS


@contextmanager
def _session(
    template: TreeTemplate, backend: StoreBackend, scratch: Path, seed: int, *, watch: bool = False
) -> Iterator[_Session]:
    """Copy ``template``, open a service on a new store, take the first snapshot."""
    workspace = copy_template(template, scratch / "workspace")
    store = backend.new_store(scratch / "store")
    service = CheckpointService.open(store.url, watch=watch)
    try:
        service.create_workspace_snapshot(PLAN, workspace)
        candidates = [path for path in template.tracked_files if path != ".gitignore"]
        rng = random.Random(f"{seed}:{template.shape.name}:{scratch.name}")
        yield _Session(service, workspace, candidates, rng, store.url)
    finally:
        service.close()
        store.discard()
        shutil.rmtree(scratch, ignore_errors=True)


def measure_depth(
    template: TreeTemplate,
    backend: StoreBackend,
    scratch: Path,
    seed: int,
    *,
    depths: tuple[int, int] = (10, 1000),
    samples: int = SAMPLES,
) -> DepthFigures:
    """Time ``samples`` 10-file snapshots once ``depths[0]``, then ``depths[1]``, are behind.

    The history between is built with 10-file snapshots too.
    """
    figures = DepthFigures(backend.name, template.shape.files, *depths)
    started = time.perf_counter()
    with _session(template, backend, scratch, seed) as session:
        history = 1  # the first snapshot
        for depth, series in zip(depths, (figures.shallow, figures.deep), strict=True):
            while history < depth:
                session.modify_and_snapshot(10, f"# depth {history}")
                history += 1
                if history % PROGRESS_EVERY == 0:
                    _progress(f"history depth: {history} snapshots of {depths[1]}")
            for _ in range(samples):
                series.samples.append(session.modify_and_snapshot(10, f"# depth {history}"))
                history += 1
    figures.build_seconds = time.perf_counter() - started
    return figures


def measure_long_lived(
    template: TreeTemplate,
    backend: StoreBackend,
    scratch: Path,
    seed: int,
    snapshots: int,
    *,
    watch: bool = False,
) -> LongLivedFigures:
    """One service, ``snapshots`` snapshots each after modifying 1 file (after a first).

    A watching service's every ``COMPARE_EVERY``-th snapshot is checked against a scanning
    service's snapshot of the same tree (another plan, same store): a difference raises.
    """
    figures = LongLivedFigures(backend.name, template.shape.files, watched=watch)
    with _session(template, backend, scratch, seed, watch=watch) as session:
        scanning = CheckpointService.open(session.url) if watch else None
        try:
            for index in range(snapshots):
                figures.latencies.samples.append(session.modify_and_snapshot(1, f"# {index}"))
                if scanning is not None and (index + 1) % COMPARE_EVERY == 0:
                    _compare(session, scanning)
                    figures.compared += 1
                if (index + 1) % (PROGRESS_EVERY * 5) == 0:
                    _progress(f"long-lived ({figures.label}): {index + 1} of {snapshots}")
        finally:
            if scanning is not None:
                scanning.close()
    return figures


COMPARE_EVERY = 100
"""How often a long-lived watching service's snapshot is checked against a full scan."""


def _compare(session: _Session, scanning: CheckpointService) -> None:
    watched = session.last
    assert watched is not None
    scanned = scanning.create_workspace_snapshot(f"{PLAN}-scanned", session.workspace)
    if scanned.tree_hash != watched.tree_hash:
        raise AssertionError(
            f"watched snapshot {watched.checkpoint_id} differs from a full scan of the same tree"
        )


def measure_concurrency(
    big: TreeTemplate, small: TreeTemplate, scratch: Path, seed: int
) -> ConcurrencyFigures:
    """Snapshot ``small`` alone, then again and again while ``big``'s first snapshot runs.

    Both share one service and one SQLite database; the big snapshot runs in a thread.
    """
    figures = ConcurrencyFigures(len(big.tracked_files), len(small.tracked_files))
    big_workspace = copy_template(big, scratch / "big")
    try:
        with _session(small, SqliteBackend(), scratch / "small", seed) as session:
            for index in range(ALONE_SNAPSHOTS):
                figures.alone.samples.append(session.modify_and_snapshot(1, f"# alone {index}"))
            big_run = _BigSnapshot(session.service, big_workspace)
            big_run.start()
            index = 0
            while big_run.is_alive():
                index += 1
                try:
                    latency = session.modify_and_snapshot(1, f"# during {index}")
                except RewindError as error:
                    figures.errors.append(f"{type(error).__name__}: {error}")
                    continue
                figures.during.samples.append(latency)
            big_run.join()
            figures.big_snapshot_seconds = big_run.seconds
            if big_run.error is not None:
                raise big_run.error
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return figures


class _BigSnapshot(threading.Thread):
    """The first snapshot of a big workspace, in a thread; keeps its duration or its error."""

    def __init__(self, service: CheckpointService, workspace: Path) -> None:
        super().__init__(name="big-snapshot")
        self._service = service
        self._workspace = workspace
        self.seconds = 0.0
        self.error: BaseException | None = None

    def run(self) -> None:
        """Snapshot the big workspace in the plan ``bench-big``."""
        started = time.perf_counter()
        try:
            self._service.create_workspace_snapshot("bench-big", self._workspace)
        except BaseException as error:
            self.error = error
        self.seconds = time.perf_counter() - started


def measure_scale(scratch: Path, seed: int, files: int, directories: int) -> ScaleFigures:
    """The first snapshot of ``files`` small files on SQLite: its time and the database size.

    Then, through a new service, ``SAMPLES`` snapshots of 10 modified files each.
    """
    template = generate_template(small_files_shape(files, directories), seed, scratch / "tree")
    settle_tree(template.path)  # measured where it was generated: settle it here
    figures = ScaleFigures(files, directories, len(template.tracked_files), template.tracked_bytes)
    store = SqliteBackend().new_store(scratch / "store")
    try:
        with CheckpointService.open(store.url) as service:
            started = time.perf_counter()
            checkpoint = service.create_workspace_snapshot(PLAN, template.path)
            figures.seconds = time.perf_counter() - started
        recorded = len(checkpoint.metadata.extra["diff_paths"])
        if recorded != len(template.tracked_files):
            raise AssertionError(f"recorded {recorded} of {len(template.tracked_files)} files")
        figures.database_bytes = store.stored_bytes()
        with CheckpointService.open(store.url) as service:
            candidates = [path for path in template.tracked_files if path != ".gitignore"]
            session = _Session(service, template.path, candidates, random.Random(seed))
            for step in range(SAMPLES):
                figures.ten_file_snapshot.samples.append(
                    session.modify_and_snapshot(10, f"# scale {step}")
                )
        with CheckpointService.open(store.url, watch=True) as service:
            session = _Session(service, template.path, candidates, random.Random(seed))
            session.snapshot()  # the full scan that starts the watch's chain
            for _ in range(SAMPLES):
                figures.watched_no_change.samples.append(session.snapshot())
        return figures
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _progress(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)
