"""Tables, targets and the JSON document of a benchmark run."""

from __future__ import annotations

import json
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from event_loop import LATENESS_TARGET_MS, EventLoopFigures
from figures import (
    GIT,
    MB,
    REWIND_SQLITE,
    AgentFigures,
    ConcurrencyFigures,
    DepthFigures,
    Json,
    LongLivedFigures,
    MemoryFigures,
    MetadataFigures,
    ScaleFigures,
    Series,
    SizeComparison,
    VerifyFigures,
)
from hook_figures import HookPathFigures, HookRow, hook_rows

__all__ = ["BenchResults", "Target", "evaluate_targets", "print_report", "write_json"]

SQLITE = REWIND_SQLITE
POSTGRES = "rewind (postgres)"
OPERATION_NAMES = {
    "first_snapshot": "first snapshot",
    "no_change_snapshot": "no-change snapshot",
    "ten_file_snapshot": "10-file snapshot",
    "rollback": "rollback 50+3 files",
    "rollback_across_history": "rollback 5 snapshots back",
    "stored_bytes": "bytes stored, 1+5 snapshots",
}
WATCHED = "rewind watched (sqlite)"
SCAN_LIMITS = {
    "no_change_snapshot": 1.5,
    "ten_file_snapshot": 1.5,
    "rollback": 1.5,
    "rollback_across_history": 1.5,
}
"""Issue 17's targets for the scanning service (ratios to shadow git)."""
WATCHED_LIMITS = {
    "no_change_snapshot": 0.2,
    "ten_file_snapshot": 0.3,
    "rollback": 0.75,
    "rollback_across_history": 0.75,
}
"""Issue 17's targets for a watching service (ratios to shadow git)."""
COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
}


@dataclass
class BenchResults:
    """Everything one run measured; ``None`` or empty where a measurement did not run."""

    options: Json
    machine: Json
    reference_files: int
    comparisons: dict[int, SizeComparison] = field(default_factory=dict)
    verifications: list[VerifyFigures] = field(default_factory=list)
    depth: DepthFigures | None = None
    memory: MemoryFigures | None = None
    metadata: MetadataFigures | None = None
    scale: ScaleFigures | None = None
    long_lived: list[LongLivedFigures] = field(default_factory=list)
    concurrency: ConcurrencyFigures | None = None
    agents: AgentFigures | None = None
    event_loop: EventLoopFigures | None = None
    hooks: HookPathFigures | None = None
    skipped: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> Json:
        """Every figure, keyed as in the tables."""
        return {
            "options": self.options,
            "machine": self.machine,
            "reference_files": self.reference_files,
            "comparisons": {str(n): c.as_json() for n, c in self.comparisons.items()},
            "scaling": scaling_rows(self),
            "verify": [figures.as_json() for figures in self.verifications],
            "depth": _json_or_none(self.depth),
            "memory": _json_or_none(self.memory),
            "metadata": _json_or_none(self.metadata),
            "scale": _json_or_none(self.scale),
            "long_lived": [figures.as_json() for figures in self.long_lived],
            "concurrency": _json_or_none(self.concurrency),
            "agents": _json_or_none(self.agents),
            "event_loop": _json_or_none(self.event_loop),
            "hooks": _json_or_none(self.hooks),
            "skipped": self.skipped,
        }


@dataclass(frozen=True, slots=True)
class Target:
    """A goal for one figure; ``value`` is None when the figure was not measured."""

    name: str
    comparison: str
    limit: float
    value: float | None

    @property
    def status(self) -> str:
        """``PASS``, ``FAIL`` or ``NOT MEASURED``."""
        if self.value is None:
            return "NOT MEASURED"
        return "PASS" if COMPARISONS[self.comparison](self.value, self.limit) else "FAIL"

    def as_json(self) -> Json:
        """The goal, the value and the verdict."""
        return {
            "name": self.name,
            "comparison": self.comparison,
            "limit": self.limit,
            "value": self.value,
            "status": self.status,
        }


def evaluate_targets(results: BenchResults) -> list[Target]:
    """Every target, on the reference tree (10,000 files when it ran) and on SQLite."""
    reference = results.comparisons.get(results.reference_files)

    def ratio(label: str, operation: str, baseline: str = GIT) -> float | None:
        return None if reference is None else reference.ratio(label, operation, baseline)

    def median(label: str, operation: str) -> float | None:
        if reference is None or label not in reference.contenders:
            return None
        series = reference.contenders[label].series(operation)
        return series.median if series.samples else None

    targets = [
        Target("first snapshot, rewind/git", "<=", 0.3, ratio(SQLITE, "first_snapshot")),
        Target("bytes stored, rewind/git", "<=", 1.0, ratio(SQLITE, "stored_bytes")),
    ]
    for label, limits in ((SQLITE, SCAN_LIMITS), (WATCHED, WATCHED_LIMITS)):
        for operation, limit in limits.items():
            name = f"{OPERATION_NAMES[operation]}, {label}/git"
            targets.append(Target(name, "<=", limit, ratio(label, operation)))
    targets.append(
        Target("watched no-change, 100k files/1k files", "<=", 2.0, _size_independence(results))
    )
    for operation in ("no_change_snapshot", "ten_file_snapshot", "rollback"):
        value = ratio(POSTGRES, operation, baseline=SQLITE)
        targets.append(Target(f"{OPERATION_NAMES[operation]}, postgres/sqlite", "<=", 1.5, value))
    targets += _other_targets(results)
    targets += [_target(row) for row in hook_rows(results.hooks) if row.name]
    return targets


def _target(row: HookRow) -> Target:
    return Target(row.name, row.comparison, row.limit, row.value)


def _other_targets(results: BenchResults) -> list[Target]:
    depth, memory, metadata, scale = results.depth, results.memory, results.metadata, results.scale
    sqlite_verify = [figures for figures in results.verifications if figures.backend == "sqlite"]
    targets = [
        Target(
            "10-file snapshot, depth 1000/depth 10",
            "<=",
            1.3,
            None if depth is None else depth.ratio,
        ),
        Target(
            "1 GiB file, memory growth MiB",
            "<",
            100.0,
            None if memory is None else memory.growth_mib,
        ),
        Target(
            "metadata checkpoints/s, rewind/langgraph",
            ">=",
            1.0,
            None if metadata is None else metadata.ratio,
        ),
        Target(
            "metadata checkpoints/s, rewind synchronous=normal/langgraph",
            ">=",
            1.0,
            None if metadata is None else metadata.relaxed_ratio,
        ),
        Target(
            "hook POST snapshot through rewind serve, rewind/git",
            "<=",
            0.3,
            None if results.agents is None else results.agents.hook_ratio,
        ),
        Target(
            "MCP snapshot call through rewind serve, rewind/git",
            "<=",
            0.5,
            None if results.agents is None else results.agents.mcp_ratio,
        ),
        Target(
            "forwarding rewind hook command, ms",
            "<=",
            100.0,
            None if results.agents is None else results.agents.hook_command.median,
        ),
        Target(
            "asyncio heartbeat during a first snapshot, worst ms late",
            "<=",
            LATENESS_TARGET_MS,
            None if results.event_loop is None else results.event_loop.lateness.maximum,
        ),
        Target("100k files first snapshot, s", "<", 15.0, None if scale is None else scale.seconds),
        Target(
            "100k files database, MB",
            "<",
            200.0,
            None if scale is None else scale.database_bytes / MB,
        ),
        Target(
            "verify, MB/s",
            ">=",
            100.0,
            sqlite_verify[0].megabytes_per_second if sqlite_verify else None,
        ),
    ]
    for figures in results.long_lived:
        name = f"long-lived ({figures.label}), last100/first100"
        targets.append(Target(name, "<=", 1.3, figures.ratio))
    if not results.long_lived:
        targets.append(Target("long-lived, last100/first100", "<=", 1.3, None))
    return targets


def _size_independence(results: BenchResults) -> float | None:
    """The watched no-change snapshot of 100,000 files over that of 1,000 files."""
    small = results.comparisons.get(1_000)
    scale = results.scale
    if small is None or WATCHED not in small.contenders or scale is None:
        return None
    if not scale.watched_no_change.samples:
        return None
    return scale.watched_no_change.median / small.contenders[WATCHED].no_change_snapshot.median


def _json_or_none(
    figures: DepthFigures
    | MemoryFigures
    | MetadataFigures
    | ScaleFigures
    | ConcurrencyFigures
    | AgentFigures
    | EventLoopFigures
    | HookPathFigures
    | None,
) -> Json | None:
    return None if figures is None else figures.as_json()


def scaling_rows(results: BenchResults) -> list[Json]:
    """The 10-file snapshot per tree size, per 1,000 files and per MB (measurement 13)."""
    rows: list[Json] = []
    for files, comparison in sorted(results.comparisons.items()):
        for label, figures in comparison.contenders.items():
            median = figures.ten_file_snapshot.median
            rows.append(
                {
                    "files": files,
                    "tracked_files": comparison.tracked_files,
                    "tracked_mb": comparison.tracked_bytes / MB,
                    "contender": label,
                    "median_ms": median,
                    "ms_per_1000_files": median / (comparison.tracked_files / 1000),
                    "ms_per_mb": median / (comparison.tracked_bytes / MB),
                }
            )
    scale = results.scale
    if scale is not None and scale.ten_file_snapshot.samples:
        median = scale.ten_file_snapshot.median
        rows.append(
            {
                "files": scale.files,
                "tracked_files": scale.tracked_files,
                "tracked_mb": scale.tracked_bytes / MB,
                "contender": f"{REWIND_SQLITE}, 1-4 KB files",
                "median_ms": median,
                "ms_per_1000_files": median / (scale.tracked_files / 1000),
                "ms_per_mb": median / (scale.tracked_bytes / MB),
            }
        )
    return rows


def write_json(results: BenchResults, targets: list[Target], path: Path) -> None:
    """Write every figure, ratio and target to ``path``."""
    document = results.as_json()
    document["targets"] = [target.as_json() for target in targets]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n")


def print_report(results: BenchResults, targets: list[Target]) -> None:
    """The comparison tables, the other figures, then the targets."""
    labels: list[str] = []  # in the order the runs took them: SQLite first
    for comparison in results.comparisons.values():
        labels += [label for label in comparison.contenders if label not in {GIT, *labels}]
    for label in labels:
        _print_comparison_table(results, label)
    _print_scaling(results)
    _print_other_figures(results)
    _print_hooks(results.hooks)
    print(f"\nTargets (reference tree: {results.reference_files:,} files; SQLite)")
    for target in targets:
        value = "-" if target.value is None else f"{target.value:,.4g}"
        goal = f"{target.comparison} {target.limit:g}"
        print(f"  {target.status:<12} {target.name:<44} {value:>10} {goal}")
    failed = sum(target.status == "FAIL" for target in targets)
    passed = sum(target.status == "PASS" for target in targets)
    print(f"\n{passed} passed, {failed} failed, {len(targets) - passed - failed} not measured")


def _print_comparison_table(results: BenchResults, label: str) -> None:
    repeat = results.options.get("repeat")
    print(f"\n{label} vs {GIT}: median [min-max] over {repeat} runs, in ms (storage: bytes)")
    header = f"{'files':>7}  {'operation':<28} {label:>30} {GIT:>30} {'ratio':>7}"
    print(header)
    print("-" * len(header))
    for files, comparison in sorted(results.comparisons.items()):
        for operation, name in OPERATION_NAMES.items():
            mine = _cell(comparison, label, operation)
            theirs = _cell(comparison, GIT, operation)
            ratio = comparison.ratio(label, operation)
            shown = "-" if ratio is None else f"{ratio:.2f}"
            print(f"{files:>7,}  {name:<28} {mine:>30} {theirs:>30} {shown:>7}")


def _cell(comparison: SizeComparison, label: str, operation: str) -> str:
    if label not in comparison.contenders:
        return "-"
    series = comparison.contenders[label].series(operation)
    if not series.samples:
        return "-"
    if series.unit == "bytes":
        return f"{series.median / MB:,.1f} MB"
    return _milliseconds(series)


def _milliseconds(series: Series) -> str:
    return f"{series.median:,.1f} [{series.minimum:,.1f}-{series.maximum:,.1f}]"


def _print_scaling(results: BenchResults) -> None:
    rows = scaling_rows(results)
    if not rows:
        return
    print("\n10-file snapshot by tree size (median ms; per 1,000 tracked files; per MB)")
    for row in rows:
        print(
            f"  {row['contender']:<32} {row['tracked_files']:>7,} files"
            f" {row['tracked_mb']:>7.1f} MB  {row['median_ms']:>9.1f} ms"
            f"  {row['ms_per_1000_files']:>7.2f} ms/1k files  {row['ms_per_mb']:>6.2f} ms/MB"
        )


def _print_other_figures(results: BenchResults) -> None:
    print("\nOther figures")
    for verify in results.verifications:
        print(
            f"  verify() ({verify.backend}, {verify.files:,} files, "
            f"{verify.content_bytes / MB:,.1f} MB of content): "
            f"{verify.megabytes_per_second:,.1f} MB/s (median {verify.seconds.median:.2f} s)"
        )
    _print_single_runs(results)
    for long_lived in results.long_lived:
        print(
            f"  long-lived ({long_lived.label}, {len(long_lived.latencies.samples):,} snapshots "
            f"of {long_lived.files:,} files): first 100 {long_lived.first_mean:.1f} ms, "
            f"last 100 {long_lived.last_mean:.1f} ms, ratio {long_lived.ratio:.2f}"
            + (f", {long_lived.compared} checked against a full scan" if long_lived.watched else "")
        )
    _print_concurrency(results.concurrency)
    for name, reason in results.skipped.items():
        print(f"  {name}: {reason}")


def _print_single_runs(results: BenchResults) -> None:
    """History depth, the big file's memory, metadata checkpoints, and scale."""
    if results.depth is not None:
        depth = results.depth
        print(
            f"  10-file snapshot at depth {depth.shallow_depth} / {depth.deep_depth} "
            f"({depth.backend}, {depth.files:,} files): {_milliseconds(depth.shallow)} / "
            f"{_milliseconds(depth.deep)} ms, ratio {depth.ratio:.2f}"
        )
    if results.memory is not None:
        memory = results.memory
        print(
            f"  1 GiB file: peak memory growth {memory.growth_mib:,.1f} MiB "
            f"(snapshot {memory.snapshot_seconds:.1f} s, rollback {memory.rollback_seconds:.1f} s)"
        )
    _print_metadata(results.metadata)
    _print_agents(results.agents)
    _print_event_loop(results.event_loop)
    if results.scale is not None:
        scale = results.scale
        print(
            f"  first snapshot of {scale.files:,} small files "
            f"({scale.tracked_bytes / MB:,.0f} MB): {scale.seconds:.1f} s, "
            f"database {scale.database_bytes / MB:,.1f} MB"
        )
        if scale.watched_no_change.samples:
            print(
                f"  watched no-change snapshot of those {scale.tracked_files:,} files: "
                f"{scale.watched_no_change.median:.1f} ms (median)"
            )


def _print_agents(agents: AgentFigures | None) -> None:
    if agents is None:
        return
    print(
        f"  through rewind serve ({agents.files:,} files, 10 changed, watching): hook POST "
        f"{agents.hook_post.median:.1f} ms ({agents.hook_ratio:.2f}x git), MCP snapshot "
        f"{agents.mcp_snapshot.median:.1f} ms ({agents.mcp_ratio:.2f}x), hook command "
        f"{agents.hook_command.median:.0f} ms wall; git add -A && commit {agents.git.median:.1f} ms"
    )


def _print_event_loop(figures: EventLoopFigures | None) -> None:
    if figures is None:
        return
    print(
        f"  asyncio heartbeat every {figures.period_ms:g} ms during an async first snapshot of "
        f"{figures.files:,} files: worst tick {figures.lateness.maximum:.1f} ms late "
        f"(median of runs {figures.lateness.median:.1f} ms; {min(figures.ticks)}+ ticks a run)"
    )


def _print_metadata(metadata: MetadataFigures | None) -> None:
    if metadata is None:
        return
    line = (
        f"  metadata checkpoints: rewind {metadata.rewind.median:,.0f}/s, with "
        f"synchronous=normal {metadata.rewind_relaxed.median:,.0f}/s"
    )
    if metadata.langgraph is not None and metadata.ratio is not None:
        line += (
            f", langgraph {metadata.langgraph.median:,.0f}/s, ratios {metadata.ratio:.2f} "
            f"and {metadata.relaxed_ratio or 0:.2f}"
        )
    else:
        line += f" ({metadata.langgraph_missing})"
    print(line)


def _print_hooks(figures: HookPathFigures | None) -> None:
    """Measurement 16's table: each row's median [min-max], goal and verdict."""
    if figures is None:
        return
    print("\nAn agent's hook through the background service (process wall times, median [min-max])")
    for row in hook_rows(figures):
        goal, verdict = "", ""
        if row.name:
            target = _target(row)
            goal, verdict = f"{target.comparison} {target.limit:g}", target.status
        print(f"  {row.label:<54} {row.shown:<46} {goal:>7}  {verdict}")


def _print_concurrency(concurrency: ConcurrencyFigures | None) -> None:
    if concurrency is None:
        return
    during = (
        f"max {concurrency.during.maximum:,.1f} ms over {len(concurrency.during.samples)}"
        if concurrency.during.samples
        else "none completed"
    )
    print(
        f"  concurrency (sqlite): {concurrency.small_files:,}-file snapshots alone "
        f"median {concurrency.alone.median:.1f} ms, max {concurrency.alone.maximum:.1f} ms; "
        f"during a {concurrency.big_snapshot_seconds:.1f} s first snapshot of "
        f"{concurrency.big_files:,} files: {during}"
    )
    for error in concurrency.errors:
        print(f"    error during the big snapshot: {error}")
