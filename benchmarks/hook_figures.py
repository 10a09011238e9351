"""What measurement 16 found (an agent's hook through the background service), its rows and goals.

Each row of the table is a ``HookRow``: what was measured, how it is shown, and the goal
(issue 32's) it is held to, if any. ``report.py`` turns the goals into targets and prints
the rows with their verdicts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from figures import MB, Json, Series

__all__ = [
    "BURST_LIMIT_MS",
    "COLD_LIMIT_S",
    "COMMAND_LIMIT_MS",
    "LIST_LIMIT_MS",
    "RSS_LIMIT_MB",
    "HookPathFigures",
    "HookRow",
    "HookSizeFigures",
    "hook_limit_ms",
    "hook_rows",
    "ratio_limit",
]

HOOK_LIMITS_MS = ((10_000, 50.0), (100_000, 60.0), (1_000_000, 80.0))
"""A hook command's wall time on a tree of at most so many files (service running)."""
RATIO_LIMITS = ((10_000, 0.75), (1_000_000, 0.05))
"""The hook command over ``git add -A && git commit`` on 10,000 files or fewer, on 1,000,000."""
BURST = 16
BURST_LIMIT_MS = 300.0
COLD_LIMIT_S = 2.0
COMMAND_LIMIT_MS = 100.0
LIST_LIMIT_MS = 300.0
LIST_CHECKPOINTS = 1_000
RSS_LIMIT_MB = 500.0
DEFAULT_SIZES = (10_000, 100_000)


def hook_limit_ms(files: int) -> float:
    """The hook command's goal on a tree of ``files`` files: that of the next size up."""
    for size, limit in HOOK_LIMITS_MS:
        if files <= size:
            return limit
    return HOOK_LIMITS_MS[-1][1]


def ratio_limit(files: int) -> float | None:
    """The goal of hook/git on ``files`` files: 10,000 or fewer, or 1,000,000 or more; else none."""
    (small, small_limit), (big, big_limit) = RATIO_LIMITS
    if files <= small:
        return small_limit
    if files >= big:
        return big_limit
    return None


@dataclass
class HookSizeFigures:
    """Hook commands and shadow git's commits on one tree, 10 files changed before each."""

    files: int
    """The tree's size as asked (``--hook-sizes``)."""
    tracked_files: int
    shape: str
    first_hook_ms: float = 0.0
    """The first hook through the running service: its first full scan of the tree."""
    hook: Series = field(default_factory=lambda: Series("ms"))
    git: Series = field(default_factory=lambda: Series("ms"))
    fallbacks: int = 0
    """Hooks that snapshotted in process instead (they said why on stderr)."""

    @property
    def ratio(self) -> float | None:
        """The hook's median over git's."""
        if not self.hook.samples or not self.git.samples:
            return None
        return self.hook.median / self.git.median

    def as_json(self) -> Json:
        """Both series, the ratio and the fallbacks."""
        return {
            "files": self.files,
            "tracked_files": self.tracked_files,
            "shape": self.shape,
            "first_hook_ms": self.first_hook_ms,
            "hook": self.hook.as_json(),
            "git": self.git.as_json(),
            "ratio": self.ratio,
            "fallbacks": self.fallbacks,
        }


@dataclass
class HookPathFigures:
    """Every row of measurement 16 (see ``hook_path.py``)."""

    sizes: dict[int, HookSizeFigures] = field(default_factory=dict)
    burst_files: int = 0
    burst: Series = field(default_factory=lambda: Series("ms"))
    burst_missing: int = 0
    burst_fallbacks: int = 0
    cold_files: int = 0
    cold: Series = field(default_factory=lambda: Series("ms"))
    cold_missing: int = 0
    cold_fallbacks: int = 0
    help: Series = field(default_factory=lambda: Series("ms"))
    version: Series = field(default_factory=lambda: Series("ms"))
    listing: Series = field(default_factory=lambda: Series("ms"))
    listing_checkpoints: int = 0
    rss_files: int = 0
    rss_snapshots: int = 0
    rss_first_kib: int | None = None
    """The service's VmRSS after its first snapshot of the tree."""
    rss_kib: int | None = None
    hwm_kib: int | None = None
    long_run: Series = field(default_factory=lambda: Series("ms"))
    """Every hook of the RSS run after row 1's: latency over the long run."""
    long_run_fallbacks: int = 0

    def as_json(self) -> Json:
        """Every series and figure."""
        return {
            "sizes": {str(files): figures.as_json() for files, figures in self.sizes.items()},
            "burst": {
                "files": self.burst_files,
                "hooks_at_once": BURST,
                "wall": self.burst.as_json(),
                "checkpoints_missing": self.burst_missing,
                "fallbacks": self.burst_fallbacks,
            },
            "cold": {
                "files": self.cold_files,
                "wall": self.cold.as_json(),
                "checkpoints_missing": self.cold_missing,
                "fallbacks": self.cold_fallbacks,
            },
            "help": self.help.as_json(),
            "version": self.version.as_json(),
            "list": {"checkpoints": self.listing_checkpoints, "wall": self.listing.as_json()},
            "rss": {
                "files": self.rss_files,
                "snapshots": self.rss_snapshots,
                "first_vmrss_kib": self.rss_first_kib,
                "vmrss_kib": self.rss_kib,
                "vmhwm_kib": self.hwm_kib,
                "long_run": self.long_run.as_json(),
                "long_run_fallbacks": self.long_run_fallbacks,
            },
        }


@dataclass(frozen=True)
class HookRow:
    """One line of the table: what, the figure as shown, and its goal (``name`` "" if none)."""

    label: str
    shown: str
    name: str = ""
    comparison: str = "<="
    limit: float = 0.0
    value: float | None = None


def hook_rows(figures: HookPathFigures | None) -> list[HookRow]:
    """The table's rows in order; without figures, the goals of a default run, unmeasured."""
    if figures is None:
        return _unmeasured()
    rows: list[HookRow] = []
    for files, size in sorted(figures.sizes.items()):
        rows += _size_rows(files, size)
    rows += _burst_and_cold_rows(figures)
    for flag, series in (("--help", figures.help), ("--version", figures.version)):
        rows.append(
            HookRow(
                f"rewind {flag}",
                _ms(series),
                f"rewind {flag}, ms",
                limit=COMMAND_LIMIT_MS,
                value=_median(series),
            )
        )
    rows.append(
        HookRow(
            f"rewind list, {figures.listing_checkpoints:,} checkpoints, in the workspace",
            _ms(figures.listing),
            f"rewind list, {figures.listing_checkpoints:,} checkpoints, ms",
            limit=LIST_LIMIT_MS,
            value=_median(figures.listing),
        )
    )
    rows.append(_log_row())
    rows += _rss_rows(figures)
    return rows


def _size_rows(files: int, size: HookSizeFigures) -> list[HookRow]:
    fell_back = f", {size.fallbacks} fell back" if size.fallbacks else ""
    ratio = size.ratio
    limit = ratio_limit(files)
    shown = "-" if ratio is None else f"{ratio:.2f}x (git {_ms(size.git)})"
    return [
        HookRow(
            f"hook command, {size.tracked_files:,} files, 10 changed{fell_back}",
            _ms(size.hook),
            f"hook command, {files:,} files, ms",
            limit=hook_limit_ms(files),
            value=_median(size.hook),
        ),
        HookRow(
            "  the service's first snapshot of it (the first hook)",
            f"{size.first_hook_ms / 1000:,.1f} s",
        ),
        HookRow(
            f"  over git add -A && commit, {size.tracked_files:,} files",
            shown,
            "" if limit is None else f"hook command/git, {files:,} files",
            limit=limit or 0.0,
            value=ratio,
        ),
    ]


def _burst_and_cold_rows(figures: HookPathFigures) -> list[HookRow]:
    hooks = len(figures.burst.samples)
    cold = len(figures.cold.samples)
    fell_back = f", {figures.burst_fallbacks} fell back" if figures.burst_fallbacks else ""
    cold_fell_back = f", {figures.cold_fallbacks} fell back" if figures.cold_fallbacks else ""
    return [
        HookRow(
            f"{BURST} hooks at once, {figures.burst_files:,} files ({hooks} hooks{fell_back})",
            f"{_ms(figures.burst)}, slowest",
            f"{BURST} hooks at once, slowest, ms",
            limit=BURST_LIMIT_MS,
            value=figures.burst.maximum if hooks else None,
        ),
        HookRow(
            f"  checkpoints missing of those {hooks}",
            str(figures.burst_missing),
            f"{BURST} hooks at once, checkpoints missing",
            limit=0,
            value=figures.burst_missing if hooks else None,
        ),
        HookRow(
            f"first hook, no service, {figures.cold_files:,} files ({cold} runs{cold_fell_back})",
            _seconds(figures.cold),
            f"first hook, no service, {figures.cold_files:,} files, s",
            limit=COLD_LIMIT_S,
            value=figures.cold.median / 1000 if cold else None,
        ),
        HookRow(
            "  runs without their checkpoint",
            str(figures.cold_missing),
            "first hook, no service, checkpoints missing",
            limit=0,
            value=figures.cold_missing if cold else None,
        ),
    ]


def _log_row() -> HookRow:
    return HookRow(
        f"rewind log, {LIST_CHECKPOINTS:,} checkpoints",
        "not measured: rewind log does not exist yet",
        f"rewind log, {LIST_CHECKPOINTS:,} checkpoints, ms",
        limit=LIST_LIMIT_MS,
    )


def _rss_rows(figures: HookPathFigures) -> list[HookRow]:
    fell_back = f", {figures.long_run_fallbacks} fell back" if figures.long_run_fallbacks else ""
    count = len(figures.long_run.samples)
    long_run = HookRow(
        f"  the {count:,} hooks of that run not timed above{fell_back}", _ms(figures.long_run)
    )
    return [_rss_row(figures), long_run]


def _rss_row(figures: HookPathFigures) -> HookRow:
    name = f"service RSS after {figures.rss_snapshots:,} hook snapshots, MB"
    if figures.rss_kib is None:
        return HookRow("service RSS", "not measured (no /proc)", name, limit=RSS_LIMIT_MB)
    rss = figures.rss_kib * 1024 / MB
    first = "-" if figures.rss_first_kib is None else f"{figures.rss_first_kib * 1024 / MB:,.0f}"
    peak = "-" if figures.hwm_kib is None else f"{figures.hwm_kib * 1024 / MB:,.0f}"
    return HookRow(
        f"service RSS, {figures.rss_snapshots:,} hook snapshots of {figures.rss_files:,} files",
        f"{rss:,.0f} MB (after the first {first} MB, peak {peak} MB)",
        name,
        limit=RSS_LIMIT_MB,
        value=rss,
    )


def _unmeasured() -> list[HookRow]:
    rows = [
        HookRow("", "", f"hook command, {files:,} files, ms", limit=hook_limit_ms(files))
        for files in DEFAULT_SIZES
    ]
    rows.append(HookRow("", "", "hook command/git, 10,000 files", limit=RATIO_LIMITS[0][1]))
    rows += [
        HookRow("", "", f"{BURST} hooks at once, slowest, ms", limit=BURST_LIMIT_MS),
        HookRow("", "", "first hook, no service, 10,000 files, s", limit=COLD_LIMIT_S),
        HookRow("", "", "rewind --help, ms", limit=COMMAND_LIMIT_MS),
        HookRow("", "", "rewind --version, ms", limit=COMMAND_LIMIT_MS),
        HookRow("", "", f"rewind list, {LIST_CHECKPOINTS:,} checkpoints, ms", limit=LIST_LIMIT_MS),
        _log_row(),
        HookRow("", "", "service RSS after 1,000 hook snapshots, MB", limit=RSS_LIMIT_MB),
    ]
    return rows


def _median(series: Series) -> float | None:
    return series.median if series.samples else None


def _seconds(series: Series) -> str:
    if not series.samples:
        return "-"
    return f"{series.median / 1000:.2f} [{series.minimum / 1000:.2f}-{series.maximum / 1000:.2f}] s"


def _ms(series: Series) -> str:
    if not series.samples:
        return "-"
    return f"{series.median:,.1f} [{series.minimum:,.1f}-{series.maximum:,.1f}] ms"
