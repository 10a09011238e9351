"""Benchmarks of rewind beside a shadow git checkpoint, as Cline and Roo Code take them.

Usage::

    nox -s bench                                   # everything; half an hour or more
    nox -s bench -- --quick                        # smoke test of the harness
    nox -s bench -- --sizes 10000 --repeat 7 --check
    nox -s bench -- --hooks-only                    # measurement 16 only; ten minutes
    python benchmarks/bench.py --quick --backend all   # rewind installed in this Python

Options: ``--sizes 1000,10000,50000`` (files per tree), ``--repeat 5``, ``--seed 20261124``,
``--json PATH`` (default ``benchmarks/results/latest.json``), ``--backend
sqlite|postgres|all`` (default: sqlite, plus postgres when ``REWIND_TEST_POSTGRES_URL`` is
set: each store gets a fresh schema there, dropped at the end), ``--skip-scale``,
``--skip-memory``, ``--comparison-only`` (measurements 1 to 5 only), ``--hooks-only``
(measurement 16 only), ``--skip-hooks``, ``--hook-sizes 10000,100000`` (the trees of
measurement 16; add 1000000 for a million files), ``--hook-calls 20`` (calls per row of
measurement 16), ``--rss-snapshots 1000`` (hook snapshots before the service's memory is
read), ``--quick`` (1,000 files, 3 repetitions, no scale or memory test, 300 long-lived
snapshots; measurement 16 on 1,000 files, 5 calls a row, 50 snapshots) and ``--check`` (exit
status 1 if a target fails; otherwise the exit status is 0 whatever the figures: this is a
measurement, not a test).

Every workspace is generated from the seed (see ``workloads.py``): N source-like text files
in N/20 directories, big files, a Python ``.gitignore`` and an ignored ``node_modules/``.
Each measured run copies the template into a fresh directory, with a fresh store, so no run
sees another's files or checkpoints; page caches are warm for every contender alike.

What is measured, with the time of the operation only (median, min and max, in ms):

1-4. rewind and shadow git alternately in each repetition (``comparison.py``): first
     snapshot, no-change snapshot, rollback of 50 modified and 3 added files (checked),
     10-file snapshot. 5: bytes stored after a first and 5 incremental snapshots.
6.   a 10-file snapshot with 10 and with 1,000 snapshots of history (``rewind_only.py``).
7.   peak memory growth over a snapshot and a rollback of a 1 GiB file (``bigfile.py``).
8.   metadata-only checkpoints per second beside LangGraph's ``SqliteSaver``.
9.   a first snapshot of 100,000 small files: time and database size; then watched
     no-change snapshots of that tree (against the 1,000-file tree's: size independence).
10.  ``verify()`` throughput over the reference tree's store.
11.  2,000 snapshots through one long-lived service: last 100 against first 100; then the
     same through a watching service, every 100th checked against a full scan.
12.  a small workspace's snapshots while a big one's first snapshot runs (same database).
13.  the 10-file snapshot across tree sizes, per 1,000 files and per MB.
14.  snapshots through ``rewind serve`` as agents take them (``agents.py``): a hook's POST,
     an MCP ``snapshot`` call, the forwarding hook command, beside ``git add -A && commit``.
15.  how late an asyncio heartbeat (every 5 ms) gets during an async first snapshot of the
     reference tree (``event_loop.py``): at most 50 ms is a target.
16.  an agent's hook command through the user's background service, issue 32's targets
     (``hook_path.py``): its wall time on 10,000 and 100,000 files beside shadow git's
     commit, 16 at once, the first one with no service running, ``rewind --help``,
     ``--version`` and ``list`` over 1,000 checkpoints, and the service's memory after 1,000
     hook snapshots. Its figures do not depend on ``--sizes`` nor ``--backend`` (the user's
     default store is SQLite).

The reference tree for the targets is the 10,000-file one (the size closest to it when
10,000 is not run). Type-check with ``MYPYPATH=benchmarks mypy --strict benchmarks/``.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import bigfile
from agents import measure_agents
from comparison import Contender, compare_on_tree
from contenders import (
    Checkpointer,
    PostgresBackend,
    RewindCheckpointer,
    ShadowGit,
    SqliteBackend,
    StoreBackend,
    git_version,
)
from event_loop import measure_event_loop
from hook_path import HookSettings, hook_tree_shape, measure_hooks
from metadata_checkpoints import measure_metadata_checkpoints
from report import BenchResults, evaluate_targets, print_report, write_json
from rewind_only import measure_concurrency, measure_depth, measure_long_lived, measure_scale
from workloads import TreeShape, TreeTemplate, generate_template, small_files_shape
from workloads import source_tree_shape as source_shape

import rewind

POSTGRES_VARIABLE = "REWIND_TEST_POSTGRES_URL"
DEFAULT_JSON = Path(__file__).parent / "results" / "latest.json"
REFERENCE_FILES = 10_000
LONG_LIVED_FILES = 1_000
LONG_LIVED_SNAPSHOTS = 2_000
QUICK_LONG_LIVED_SNAPSHOTS = 300
QUICK_REPEAT = 3
METADATA_CALLS = 2_000
SCALE_FILES, SCALE_DIRECTORIES = 100_000, 200
SMALL_WORKSPACE_FILES, SMALL_WORKSPACE_DIRECTORIES = 200, 10
HOOK_SIZES = [10_000, 100_000]
HOOK_CALLS = 20
RSS_SNAPSHOTS = 1_000
QUICK_HOOK_SIZES, QUICK_HOOK_CALLS, QUICK_RSS_SNAPSHOTS = [1_000], 5, 50


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks, print the tables and targets, write the JSON.

    Returns:
        0, or 1 when ``--check`` is given and a target failed.
    """
    options = _parse_options(argv)
    backends = _backends(options.backend)
    started = time.perf_counter()
    scratch = Path(tempfile.mkdtemp(prefix="rewind-bench-"))
    try:
        results = _run(options, backends, scratch)
    finally:
        for backend in backends:
            backend.close()
        shutil.rmtree(scratch, ignore_errors=True)
    results.machine["wall_seconds"] = time.perf_counter() - started
    targets = evaluate_targets(results)
    print_report(results, targets)
    write_json(results, targets, options.json)
    print(f"\nWrote {options.json} after {results.machine['wall_seconds']:.0f} s")
    failed = any(target.status == "FAIL" for target in targets)
    return 1 if options.check and failed else 0


def _run(options: argparse.Namespace, backends: list[StoreBackend], scratch: Path) -> BenchResults:
    """Generate the templates, then run every measurement the options ask for."""
    sizes: list[int] = options.sizes
    reference = min(sizes, key=lambda files: (abs(files - REFERENCE_FILES), files))
    results = BenchResults(_options_json(options, backends), _machine(scratch), reference)
    if options.hooks_only:
        _run_hooks(options, results, {}, scratch)
        results.skipped["other figures"] = "skipped (--hooks-only)"
        return results
    templates = _templates(sorted({*sizes, LONG_LIVED_FILES}), options.seed, scratch)
    contenders = _contenders(backends)
    for files in sizes:
        comparison, verifications = compare_on_tree(
            templates[files],
            contenders,
            repeat=options.repeat,
            seed=options.seed,
            scratch=scratch / "runs",
            verify_repeat=options.repeat if files == reference else 0,
        )
        results.comparisons[files] = comparison
        results.verifications += verifications
    if options.comparison_only:
        results.skipped["other figures"] = "skipped (--comparison-only)"
        return results
    sqlite = next((backend for backend in backends if backend.name == "sqlite"), None)
    if sqlite is None:
        results.skipped["sqlite-only figures"] = "not measured: the sqlite backend is off"
    else:
        _run_sqlite_only(options, results, templates[reference], templates[max(sizes)], scratch)
    long_lived = [(backend, False) for backend in backends] + [(backends[0], True)]
    for backend, watch in long_lived:
        _log(f"long-lived service on {backend.name}{', watching' if watch else ''}")
        results.long_lived.append(
            measure_long_lived(
                templates[LONG_LIVED_FILES],
                backend,
                scratch / "long-lived",
                options.seed,
                options.long_lived_snapshots,
                watch=watch,
            )
        )
    if options.skip_hooks:
        results.skipped["hooks"] = "skipped (--skip-hooks)"
    else:
        _run_hooks(options, results, templates, scratch)
    return results


def _run_hooks(
    options: argparse.Namespace,
    results: BenchResults,
    templates: dict[int, TreeTemplate],
    scratch: Path,
) -> None:
    """Measurement 16, on the templates of ``--hook-sizes`` (generated if not yet)."""
    settings = HookSettings(
        options.hook_sizes, options.hook_calls, options.rss_snapshots, options.seed
    )
    for files in settings.sizes:
        if files not in templates:
            shape = hook_tree_shape(files)
            templates[files] = _template(shape, options.seed, scratch)
    small_shape = small_files_shape(SMALL_WORKSPACE_FILES, SMALL_WORKSPACE_DIRECTORIES)
    small = generate_template(small_shape, options.seed, scratch / "templates" / "hooks-small")
    _log(f"hooks through the background service on {', '.join(map(str, settings.sizes))} files")
    hooks = measure_hooks(templates, small, settings, scratch / "hooks")
    if isinstance(hooks, str):
        results.skipped["hooks"] = hooks
    else:
        results.hooks = hooks


def _run_sqlite_only(
    options: argparse.Namespace,
    results: BenchResults,
    reference: TreeTemplate,
    biggest: TreeTemplate,
    scratch: Path,
) -> None:
    """Depth, concurrency, metadata checkpoints, and unless skipped memory and scale."""
    _log(f"history depth on {reference.shape.files:,} files")
    results.depth = measure_depth(reference, SqliteBackend(), scratch / "depth", options.seed)
    _log(f"concurrency: a first snapshot of {biggest.shape.files:,} files")
    small_shape = small_files_shape(SMALL_WORKSPACE_FILES, SMALL_WORKSPACE_DIRECTORIES)
    small = generate_template(small_shape, options.seed, scratch / "templates" / "small")
    results.concurrency = measure_concurrency(biggest, small, scratch / "concurrency", options.seed)
    _log(f"agents: snapshots through rewind serve, {reference.shape.files:,} files")
    agents = measure_agents(reference, scratch / "agents", options.repeat, options.seed)
    if isinstance(agents, str):
        results.skipped["agents"] = agents
    else:
        results.agents = agents
    _log(f"event loop: a heartbeat during an async snapshot of {reference.shape.files:,} files")
    results.event_loop = measure_event_loop(reference, scratch / "event-loop", options.repeat)
    _log("metadata-only checkpoints")
    results.metadata = measure_metadata_checkpoints(
        scratch / "metadata", METADATA_CALLS, options.repeat
    )
    if options.skip_memory:
        results.skipped["memory"] = "skipped (--skip-memory)"
    else:
        _log("1 GiB file: memory")
        memory = bigfile.measure_big_file(options.seed)
        if isinstance(memory, str):
            results.skipped["memory"] = memory
        else:
            results.memory = memory
    if options.skip_scale:
        results.skipped["scale"] = "skipped (--skip-scale)"
    else:
        _log(f"scale: {SCALE_FILES:,} small files")
        results.scale = measure_scale(
            scratch / "scale", options.seed, SCALE_FILES, SCALE_DIRECTORIES
        )


def _templates(sizes: list[int], seed: int, scratch: Path) -> dict[int, TreeTemplate]:
    return {files: _template(source_shape(files), seed, scratch) for files in sizes}


def _template(shape: TreeShape, seed: int, scratch: Path) -> TreeTemplate:
    _log(f"generating the {shape.files:,}-file tree ({shape.name})")
    return generate_template(shape, seed, scratch / "templates" / shape.name)


def _contenders(backends: list[StoreBackend]) -> list[Contender]:
    """Rewind on SQLite, shadow git, rewind watching (SQLite), rewind on PostgreSQL.

    That is the order of every repetition; the watching service is a long-lived process's
    (``watch=True``), the others scan as every one-shot caller does.
    """
    rewinds = [_rewind_contender(backend) for backend in backends]
    git = Contender(ShadowGit.label, _open_shadow_git)
    watched = _rewind_contender(backends[0], watch=True)
    return [*rewinds[:1], git, watched, *rewinds[1:]]


def _rewind_contender(backend: StoreBackend, *, watch: bool = False) -> Contender:
    def open_rewind(workspace: Path, scratch: Path) -> Checkpointer:
        store = backend.new_store(scratch)
        return RewindCheckpointer(backend.name, store, workspace, watch=watch)

    label = f"rewind {'watched ' if watch else ''}({backend.name})"
    return Contender(label, open_rewind)


def _open_shadow_git(workspace: Path, scratch: Path) -> Checkpointer:
    return ShadowGit(scratch / "git", workspace, scratch / "home")


def _backends(choice: str | None) -> list[StoreBackend]:
    server = os.environ.get(POSTGRES_VARIABLE)
    if choice is None:
        choice = "all" if server else "sqlite"
    backends: list[StoreBackend] = []
    if choice in {"sqlite", "all"}:
        backends.append(SqliteBackend())
    if choice in {"postgres", "all"}:
        if not server:
            raise SystemExit(f"--backend {choice} needs {POSTGRES_VARIABLE} (a database URL)")
        backends.append(PostgresBackend(server))
    return backends


def _machine(scratch: Path) -> dict[str, object]:
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "git": git_version(scratch / "git-home"),
        "rewind": rewind.__version__,
        "platform": platform.platform(),
    }


def _options_json(options: argparse.Namespace, backends: list[StoreBackend]) -> dict[str, object]:
    return {
        "sizes": options.sizes,
        "repeat": options.repeat,
        "seed": options.seed,
        "backends": [backend.name for backend in backends],
        "quick": options.quick,
        "skip_scale": options.skip_scale,
        "skip_memory": options.skip_memory,
        "long_lived_snapshots": options.long_lived_snapshots,
        "metadata_calls": METADATA_CALLS,
        "hooks_only": options.hooks_only,
        "skip_hooks": options.skip_hooks,
        "hook_sizes": options.hook_sizes,
        "hook_calls": options.hook_calls,
        "rss_snapshots": options.rss_snapshots,
    }


def _parse_options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=_sizes, default=[1_000, 10_000, 50_000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20261124)
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "all"], default=None)
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--comparison-only", action="store_true", help="measurements 1-5 only")
    parser.add_argument("--hooks-only", action="store_true", help="measurement 16 only")
    parser.add_argument("--skip-hooks", action="store_true", help="no measurement 16")
    parser.add_argument("--hook-sizes", type=_sizes, default=None, help="default 10000,100000")
    parser.add_argument("--hook-calls", type=int, default=None, help="calls per row (20)")
    parser.add_argument("--rss-snapshots", type=int, default=None, help="hook snapshots (1000)")
    parser.add_argument("--quick", action="store_true", help="smoke-test the harness")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target fails")
    options = parser.parse_args(argv)
    options.long_lived_snapshots = LONG_LIVED_SNAPSHOTS
    hook_defaults = (HOOK_SIZES, HOOK_CALLS, RSS_SNAPSHOTS)
    if options.quick:
        options.sizes, options.repeat = [1_000], QUICK_REPEAT
        options.skip_scale = options.skip_memory = True
        options.long_lived_snapshots = QUICK_LONG_LIVED_SNAPSHOTS
        hook_defaults = (QUICK_HOOK_SIZES, QUICK_HOOK_CALLS, QUICK_RSS_SNAPSHOTS)
    names = ("hook_sizes", "hook_calls", "rss_snapshots")
    for name, default in zip(names, hook_defaults, strict=True):
        if getattr(options, name) is None:  # given explicitly, it holds under --quick too
            setattr(options, name, default)
    if options.repeat < 1 or options.hook_calls < 1 or options.rss_snapshots < 1:
        parser.error("--repeat, --hook-calls and --rss-snapshots must be at least 1")
    if options.hooks_only and (options.comparison_only or options.skip_hooks):
        parser.error("--hooks-only contradicts --comparison-only and --skip-hooks")
    return options


def _sizes(text: str) -> list[int]:
    sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    if not sizes or min(sizes) < SMALL_WORKSPACE_FILES:
        raise argparse.ArgumentTypeError(f"sizes must be at least {SMALL_WORKSPACE_FILES} files")
    return sizes


def _log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
