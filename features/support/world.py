"""The one typed object a scenario keeps its state in (behave's ``context.world``).

Every step reads and writes a :class:`World` through :func:`world` instead of inventing
attributes on behave's ``context``: mypy then checks each step, and this module lists all a
scenario can remember. It is not a test double and holds no logic beyond "is it set yet?".
"""

from __future__ import annotations

import logging
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict, TypeVar

from rewind import Checkpoint, CheckpointService, PruneReport, RollbackResult, StoreStats
from rewind._guard import Guard
from rewind.langgraph import WorkspaceSaver
from support.faults import StoreFailingBeforeCommit
from support.sweep import Outcome, SweptWorkspace
from support.trees import FileState, Tree

_T = TypeVar("_T")

StoreContents = tuple[StoreStats, list[Checkpoint]]
"""What a store holds, read through the public API: its counts and every checkpoint."""

OutsideWorkspace = tuple[set[str], set[str]]
"""The files (with their contents) and directories beside the workspace."""


class MemoryReport(TypedDict):
    """What a process that snapshotted a huge file and restored it elsewhere printed."""

    growth_kib: int
    tree: str
    copy: str


class LimitedRollback(TypedDict, total=False):
    """What a process rolling back under a file size limit printed (``error`` None: success)."""

    error: str | None
    message: str
    cause: str
    undone: bool | None
    checkpoint_id: str | None
    safety_checkpoint_id: str | None


class HeartbeatWitness(TypedDict):
    """What an asyncio heartbeat saw while an async snapshot ran (no clock involved)."""

    ticked_while_scanning: bool
    collector_on_while_scanning: bool | None
    collector_on_before: bool
    collector_on_after: bool


class WorkerSnapshots(TypedDict):
    """The checkpoint ids one worker process made, of the shared and of its own workspace."""

    shared: list[str]
    own: list[str]


def _required(value: _T | None, missing: str) -> _T:
    """``value``, which an earlier step of the scenario must have set."""
    if value is None:
        raise AssertionError(missing)
    return value


@dataclass
class World:
    """Everything one scenario keeps; a fresh one per scenario (see ``environment.py``).

    The fields after ``database_url`` are filled by the steps. Those only some scenarios set
    are None until then; read them through the ``the_...`` properties, which fail with a clear
    message if an earlier step did not run.
    """

    backend: str
    directory: Path
    workspace: Path
    database_url: str
    service_kind: str = "sync"
    """``sync`` or ``async``: which service ``open_service`` opens (``-D service=...``)."""
    hooks_in_process: bool = False
    """Tagged ``@hooks_in_process``: the agents' events play in this process (``hooking``)."""
    services: list[CheckpointService] = field(default_factory=list)
    service: CheckpointService | None = None
    checkpoints: dict[str, Checkpoint] = field(default_factory=dict)
    recorded: dict[str, Tree] = field(default_factory=dict)
    error: Exception | None = None
    store_before: StoreContents | None = None
    noted: Tree | None = None
    outside_before: OutsideWorkspace | None = None
    rollback: RollbackResult | None = None
    dry_run: RollbackResult | None = None
    restored: RollbackResult | None = None
    hostile_path: str = ""
    beside: dict[str, Tree] = field(default_factory=dict)
    beside_files: dict[str, tuple[bytes, int, int]] = field(default_factory=dict)
    identities: dict[str, tuple[int, int, int, int, int]] = field(default_factory=dict)
    """Directories a scenario made: inode, device, owner, group and mode."""
    restores: list[RollbackResult | Exception] = field(default_factory=list)
    listing: list[Checkpoint] = field(default_factory=list)
    resolved: Checkpoint | None = None
    """The checkpoint a name resolved to."""
    thread_failures: list[Exception] = field(default_factory=list)
    rollbacks_made: int = 0
    # Sweeps of the public API under faults and damaged rows.
    swept: SweptWorkspace | None = None
    sweep_outcomes: list[Outcome] = field(default_factory=list)
    sweep_problems: list[str] = field(default_factory=list)
    """Directories beside the workspace, as they were when the scenario made them."""
    tampered_blobs: list[str] = field(default_factory=list)
    files_read: int | None = None
    raced_ids: list[str] = field(default_factory=list)
    failing_store: StoreFailingBeforeCommit | None = None
    # The command line: the last run, and the first and last checkpoint ids it printed.
    result: subprocess.CompletedProcess[str] | None = None
    first_id: str | None = None
    second_url: str = ""
    """A second store's URL, beside the scenario's."""
    last_id: str = ""
    # Concurrency, racing writers and processes.
    own_workspaces: list[Path] | None = None
    concurrent: list[Checkpoint] | None = None
    thread_histories: dict[str, list[str]] | None = None
    raced: list[Checkpoint] | None = None
    writes: int | None = None
    made: list[WorkerSnapshots] | None = None
    results: list[tuple[int, str, str]] | None = None
    # Sizes and generated inputs.
    huge: MemoryReport | None = None
    limited: LimitedRollback | None = None
    fuzz_outcomes: dict[str, int] | None = None
    generated_pairs: int | None = None
    # Retention: the last prune, its policy's text, and the store's statistics before it.
    pruned: PruneReport | None = None
    pruned_policy: str = ""
    stats_before: StoreStats | None = None
    log_records: list[logging.LogRecord] = field(default_factory=list)
    guard: Guard | None = None
    heartbeat: HeartbeatWitness | None = None
    # LangGraph: the graph and its saver, and each checkpoint travelled back to.
    graph: Any = None
    saver: WorkspaceSaver | None = None
    travels: list[tuple[int, list[str], dict[str, FileState]]] = field(default_factory=list)
    graph_snapshots: list[Checkpoint] = field(default_factory=list)
    cancelled: bool | None = None
    process_snapshots: dict[str, dict[str, str]] = field(default_factory=dict)
    """The snapshots a separate process took, with the files each held."""

    def keep_service(self, service: CheckpointService) -> CheckpointService:
        """Make ``service`` the scenario's service; it is closed after the scenario."""
        self.services.append(service)
        self.service = service
        return service

    @property
    def the_service(self) -> CheckpointService:
        """The service the scenario opened last."""
        return _required(self.service, "no service opened")

    @property
    def the_guard(self) -> Guard:
        """The last guard a scenario entered."""
        return _required(self.guard, "no guard was entered")

    @property
    def the_pruned(self) -> PruneReport:
        """The last prune's report."""
        return _required(self.pruned, "nothing was pruned")

    @property
    def the_stats_before(self) -> StoreStats:
        """The store's statistics before the last prune."""
        return _required(self.stats_before, "no statistics were taken before a prune")

    @property
    def the_swept(self) -> SweptWorkspace:
        """The workspace the fault sweep works in."""
        return _required(self.swept, "no workspace set up for the sweep")

    @property
    def the_result(self) -> subprocess.CompletedProcess[str]:
        """The last command line run."""
        return _required(self.result, "no command run")

    @property
    def the_rollback(self) -> RollbackResult:
        """The last rollback."""
        return _required(self.rollback, "no rollback done")

    @property
    def the_dry_run(self) -> RollbackResult:
        """The last rollback run as a dry run."""
        return _required(self.dry_run, "no dry run done")

    @property
    def the_failing_store(self) -> StoreFailingBeforeCommit:
        """The store that fails right before it commits."""
        return _required(self.failing_store, "no failing store set up")

    @property
    def the_own_workspaces(self) -> list[Path]:
        """The workspaces of the workers, one each."""
        return _required(self.own_workspaces, "no workspaces made for the workers")

    @property
    def the_concurrent(self) -> list[Checkpoint]:
        """The snapshots threads took at once."""
        return _required(self.concurrent, "no threads snapshotted at once")

    @property
    def the_thread_histories(self) -> dict[str, list[str]]:
        """The checkpoint ids threads made, by workspace ("shared" or its path)."""
        return _required(self.thread_histories, "no threads snapshotted")

    @property
    def the_raced(self) -> list[Checkpoint]:
        """The snapshots taken while a writer changed the workspace."""
        return _required(self.raced, "no snapshots taken during writes")

    @property
    def the_made(self) -> list[WorkerSnapshots]:
        """What each worker process made."""
        return _required(self.made, "no worker processes ran")

    @property
    def the_results(self) -> list[tuple[int, str, str]]:
        """Exit status, output and errors of each process that opened the database."""
        return _required(self.results, "no processes opened the database")

    @property
    def the_huge(self) -> MemoryReport:
        """What the process that snapshotted a huge file reported."""
        return _required(self.huge, "no huge file snapshotted")

    @property
    def the_limited(self) -> LimitedRollback:
        """What the process rolling back under a file size limit reported."""
        return _required(self.limited, "no size-limited rollback ran")


def world(context: Any) -> World:
    """The scenario's :class:`World`, kept on behave's ``context``."""
    scene = context.world
    assert isinstance(scene, World), scene
    return scene
