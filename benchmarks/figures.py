"""What the benchmarks measured: one dataclass per series of measurements, and their JSON.

Every figure keeps its raw samples, so the JSON holds everything a table was made from.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field, fields
from typing import Any

__all__ = [
    "ConcurrencyFigures",
    "ContenderFigures",
    "DepthFigures",
    "Json",
    "LongLivedFigures",
    "MemoryFigures",
    "MetadataFigures",
    "ScaleFigures",
    "Series",
    "SizeComparison",
    "VerifyFigures",
]

Json = dict[str, Any]
GIT = "shadow git"
REWIND_SQLITE = "rewind (sqlite)"
MB = 1_000_000
MIB = 1024 * 1024
WINDOW = 100
"""How many snapshots the long-lived service's first and last means cover."""


@dataclass
class Series:
    """Samples of one figure, all in ``unit``."""

    unit: str
    samples: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        """The median sample."""
        return statistics.median(self.samples)

    @property
    def minimum(self) -> float:
        """The smallest sample."""
        return min(self.samples)

    @property
    def maximum(self) -> float:
        """The largest sample."""
        return max(self.samples)

    def as_json(self) -> Json:
        """Median, min, max and every sample."""
        if not self.samples:
            return {"unit": self.unit, "samples": []}
        return {
            "unit": self.unit,
            "median": self.median,
            "min": self.minimum,
            "max": self.maximum,
            "samples": self.samples,
        }


def _milliseconds() -> Series:
    return Series("ms")


@dataclass
class ContenderFigures:
    """One checkpointer's figures on one tree size (measurements 1 to 5)."""

    first_snapshot: Series = field(default_factory=_milliseconds)
    no_change_snapshot: Series = field(default_factory=_milliseconds)
    ten_file_snapshot: Series = field(default_factory=_milliseconds)
    rollback: Series = field(default_factory=_milliseconds)
    rollback_across_history: Series = field(default_factory=_milliseconds)
    stored_bytes: Series = field(default_factory=lambda: Series("bytes"))

    @staticmethod
    def operations() -> list[str]:
        """The figures' names, in table order."""
        return [figure.name for figure in fields(ContenderFigures)]

    def series(self, operation: str) -> Series:
        """The series named ``operation``."""
        value = getattr(self, operation)
        assert isinstance(value, Series)
        return value

    def as_json(self) -> Json:
        """Every series by name."""
        return {name: self.series(name).as_json() for name in self.operations()}


@dataclass
class SizeComparison:
    """rewind and shadow git on one tree size, each in fresh copies of the same template."""

    files: int
    tracked_files: int
    tracked_bytes: int
    contenders: dict[str, ContenderFigures] = field(default_factory=dict)

    def ratio(self, label: str, operation: str, baseline: str = GIT) -> float | None:
        """Median of ``label`` over median of ``baseline`` for ``operation``, if both ran."""
        if label not in self.contenders or baseline not in self.contenders:
            return None
        mine = self.contenders[label].series(operation)
        theirs = self.contenders[baseline].series(operation)
        if not mine.samples or not theirs.samples or theirs.median == 0:
            return None
        return mine.median / theirs.median

    def as_json(self) -> Json:
        """Figures of every contender, and every rewind/git ratio."""
        operations = ContenderFigures.operations()
        return {
            "files": self.files,
            "tracked_files": self.tracked_files,
            "tracked_bytes": self.tracked_bytes,
            "contenders": {label: f.as_json() for label, f in self.contenders.items()},
            "ratios_to_git": {
                label: {operation: self.ratio(label, operation) for operation in operations}
                for label in self.contenders
                if label != GIT
            },
            "ratios_to_rewind_sqlite": {
                label: {
                    operation: self.ratio(label, operation, baseline=REWIND_SQLITE)
                    for operation in operations
                }
                for label in self.contenders
                if label not in {GIT, REWIND_SQLITE}
            },
        }


@dataclass
class VerifyFigures:
    """``verify()`` over a store holding one first snapshot (measurement 10)."""

    backend: str
    files: int
    content_bytes: int
    seconds: Series = field(default_factory=lambda: Series("s"))

    @property
    def megabytes_per_second(self) -> float:
        """Stored content (uncompressed, per ``stats()``) verified per second, median run."""
        return self.content_bytes / MB / self.seconds.median

    def as_json(self) -> Json:
        """The figures and the rate."""
        return {
            "backend": self.backend,
            "files": self.files,
            "content_bytes": self.content_bytes,
            "seconds": self.seconds.as_json(),
            "mb_per_s": self.megabytes_per_second,
        }


@dataclass
class DepthFigures:
    """10-file snapshots with a short and a long history behind them (measurement 6)."""

    backend: str
    files: int
    shallow_depth: int
    deep_depth: int
    shallow: Series = field(default_factory=_milliseconds)
    deep: Series = field(default_factory=_milliseconds)
    build_seconds: float = 0.0

    @property
    def ratio(self) -> float:
        """Median at the deep history over median at the shallow one."""
        return self.deep.median / self.shallow.median

    def as_json(self) -> Json:
        """Both series and their ratio."""
        return {
            "backend": self.backend,
            "files": self.files,
            "shallow_depth": self.shallow_depth,
            "deep_depth": self.deep_depth,
            "shallow": self.shallow.as_json(),
            "deep": self.deep.as_json(),
            "ratio": self.ratio,
            "build_seconds": self.build_seconds,
        }


@dataclass
class MemoryFigures:
    """Peak memory of a process snapshotting and rolling back one big file (measurement 7).

    ``peak_*`` is the process's own peak resident set (``VmHWM``); ``ru_maxrss_*`` is what
    ``getrusage`` says, which on Linux starts at the parent's peak (see ``bigfile.py``).
    """

    file_bytes: int
    peak_before_kib: int
    peak_after_kib: int
    ru_maxrss_before_kib: int
    ru_maxrss_after_kib: int
    snapshot_seconds: float
    rollback_seconds: float

    @property
    def growth_mib(self) -> float:
        """How much the peak resident set grew, in MiB."""
        return (self.peak_after_kib - self.peak_before_kib) / 1024

    def as_json(self) -> Json:
        """The raw figures and the growth."""
        return {
            "file_bytes": self.file_bytes,
            "peak_before_kib": self.peak_before_kib,
            "peak_after_kib": self.peak_after_kib,
            "ru_maxrss_before_kib": self.ru_maxrss_before_kib,
            "ru_maxrss_after_kib": self.ru_maxrss_after_kib,
            "growth_mib": self.growth_mib,
            "snapshot_seconds": self.snapshot_seconds,
            "rollback_seconds": self.rollback_seconds,
        }


@dataclass
class AgentFigures:
    """Snapshots through ``rewind serve`` beside shadow git, 10 files changed (measurement 14)."""

    files: int
    hook_post: Series = field(default_factory=lambda: Series("ms"))
    """Claude Code's hook JSON posted to ``/hooks/claude-code``: request to response."""
    mcp_snapshot: Series = field(default_factory=lambda: Series("ms"))
    """The MCP ``snapshot`` tool through the SDK's client over streamable HTTP."""
    hook_command: Series = field(default_factory=lambda: Series("ms"))
    """The forwarding ``rewind hook claude-code`` process, interpreter start included."""
    git: Series = field(default_factory=lambda: Series("ms"))
    """Shadow git's ``git add -A && git commit`` on its own copy."""

    @property
    def hook_ratio(self) -> float:
        """The hook POST's median over git's."""
        return self.hook_post.median / self.git.median

    @property
    def mcp_ratio(self) -> float:
        """The MCP call's median over git's."""
        return self.mcp_snapshot.median / self.git.median

    def as_json(self) -> Json:
        """Every series and the ratios."""
        return {
            "files": self.files,
            "hook_post": self.hook_post.as_json(),
            "mcp_snapshot": self.mcp_snapshot.as_json(),
            "hook_command": self.hook_command.as_json(),
            "git": self.git.as_json(),
            "hook_ratio": self.hook_ratio,
            "mcp_ratio": self.mcp_ratio,
        }


@dataclass
class MetadataFigures:
    """Metadata-only checkpoints per second, rewind beside LangGraph (measurement 8)."""

    calls: int
    rewind: Series = field(default_factory=lambda: Series("checkpoints/s"))
    rewind_relaxed: Series = field(default_factory=lambda: Series("checkpoints/s"))
    """Rewind on a URL with ``?synchronous=normal`` (commits not synced to disk)."""
    langgraph: Series | None = None
    langgraph_missing: str | None = None

    @property
    def ratio(self) -> float | None:
        """Rewind's median rate over LangGraph's, both at their default durability."""
        return self._over_langgraph(self.rewind)

    @property
    def relaxed_ratio(self) -> float | None:
        """Rewind's median rate with ``synchronous=normal`` over LangGraph's default."""
        return self._over_langgraph(self.rewind_relaxed)

    def _over_langgraph(self, series: Series) -> float | None:
        if self.langgraph is None or not self.langgraph.samples or not series.samples:
            return None
        return series.median / self.langgraph.median

    def as_json(self) -> Json:
        """The rates and their ratios."""
        return {
            "calls": self.calls,
            "rewind": self.rewind.as_json(),
            "rewind_synchronous_normal": self.rewind_relaxed.as_json(),
            "langgraph": None if self.langgraph is None else self.langgraph.as_json(),
            "langgraph_missing": self.langgraph_missing,
            "ratio": self.ratio,
            "ratio_synchronous_normal": self.relaxed_ratio,
        }


@dataclass
class ScaleFigures:
    """A first snapshot of many small files on SQLite (measurement 9), then 10-file ones.

    ``database_bytes`` is the store after the first snapshot only. The 10-file snapshots give
    measurement 13 a tree with another size per file than the source trees.
    """

    files: int
    directories: int
    tracked_files: int
    tracked_bytes: int
    seconds: float = 0.0
    database_bytes: int = 0
    ten_file_snapshot: Series = field(default_factory=_milliseconds)
    watched_no_change: Series = field(default_factory=_milliseconds)

    def as_json(self) -> Json:
        """The figures."""
        return {
            "files": self.files,
            "directories": self.directories,
            "tracked_files": self.tracked_files,
            "tracked_bytes": self.tracked_bytes,
            "seconds": self.seconds,
            "database_bytes": self.database_bytes,
            "ten_file_snapshot": self.ten_file_snapshot.as_json(),
            "watched_no_change": self.watched_no_change.as_json(),
        }


@dataclass
class LongLivedFigures:
    """Many 1-file snapshots through one service (measurement 11), watching or scanning.

    ``compared`` counts the watched snapshots checked against a scanning service's.
    """

    backend: str
    files: int
    latencies: Series = field(default_factory=_milliseconds)
    watched: bool = False
    compared: int = 0

    @property
    def label(self) -> str:
        """``sqlite``, or ``sqlite, watched``."""
        return f"{self.backend}, watched" if self.watched else self.backend

    @property
    def first_mean(self) -> float:
        """Mean of the first ``WINDOW`` snapshots, in ms."""
        return statistics.fmean(self.latencies.samples[:WINDOW])

    @property
    def last_mean(self) -> float:
        """Mean of the last ``WINDOW`` snapshots, in ms."""
        return statistics.fmean(self.latencies.samples[-WINDOW:])

    @property
    def ratio(self) -> float:
        """Last mean over first mean."""
        return self.last_mean / self.first_mean

    def as_json(self) -> Json:
        """Every latency, both means and their ratio."""
        return {
            "backend": self.backend,
            "watched": self.watched,
            "compared": self.compared,
            "files": self.files,
            "snapshots": len(self.latencies.samples),
            "first_mean_ms": self.first_mean,
            "last_mean_ms": self.last_mean,
            "ratio": self.ratio,
            "latencies": self.latencies.as_json(),
        }


@dataclass
class ConcurrencyFigures:
    """A small workspace's snapshots while a big one is snapshotted (measurement 12)."""

    big_files: int
    small_files: int
    big_snapshot_seconds: float = 0.0
    alone: Series = field(default_factory=_milliseconds)
    during: Series = field(default_factory=_milliseconds)
    errors: list[str] = field(default_factory=list)

    def as_json(self) -> Json:
        """Both series, the big snapshot's duration and any error the small ones met."""
        return {
            "big_files": self.big_files,
            "small_files": self.small_files,
            "big_snapshot_seconds": self.big_snapshot_seconds,
            "alone": self.alone.as_json(),
            "during": self.during.as_json(),
            "errors": self.errors,
        }
