"""Measurement 16: an agent's hook command through the user's background service (issue 32).

Claude Code runs ``rewind hook claude-code`` before each tool call, with its ``PreToolUse``
JSON on stdin (the captured input of Claude Code 2.1.197, ``features/fixtures/hooks/
captured/``, with this run's workspace as ``cwd`` and a call id of its own). The command
forwards it to the user's background service on its Unix socket, starting the service when
none runs. Everything runs the ``rewind`` command installed beside this Python, as a fake
user whose ``HOME`` and XDG directories (runtime, data, state, config) are in the scratch
directory: the person's own store, service and logs are never touched, and every service
started here is stopped (``rewind service stop``) before the measurement returns. Wall times
are of the whole process, interpreter start to exit:

1. the hook, the service running and watching, 10 files changed before each call, on each
   ``--hook-sizes`` tree (a copy of the generated template); 2. ``git add -A && git commit`` of
   a shadow git on the same copy right after each hook (the same 10 changes), and the ratio;
3. 16 hooks started at once on the reference tree (10 files changed before each burst):
   every one's time, and every call's checkpoint looked up (``rewind list --json``);
4. the first hook of a user with no service running (a fresh store: the service's start and
   its first full scan of the reference tree included), and its checkpoint looked up;
5. ``rewind --help`` and ``rewind --version``;
6. ``rewind list`` in a small workspace whose store holds 1,000 checkpoints of it (found from
   the current directory, as a person runs it; ``rewind log`` does not exist yet);
7. the service's resident set (``VmRSS`` of ``/proc/<pid>/status``, and its peak ``VmHWM``)
   after ``--rss-snapshots`` hook snapshots of the tree closest to 100,000 files.

Linux only (``/proc``, Unix sockets under ``$XDG_RUNTIME_DIR``).
"""

from __future__ import annotations

import concurrent.futures
import json
import math
import os
import random
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from contenders import ShadowGit
from hook_figures import BURST, LIST_CHECKPOINTS, HookPathFigures, HookSizeFigures
from workloads import TreeShape, TreeTemplate, append_lines, copy_template, small_files_shape
from workloads import source_tree_shape as source_shape

from rewind import CheckpointService

__all__ = ["HookSettings", "hook_tree_shape", "measure_hooks", "rewind_command"]

TEN = 10
SOURCE_TREE_LIMIT = 100_000
"""Bigger trees are of small files (1-4 KB): a million source-like files would take 13 GB."""
FIXTURE = (
    Path(__file__).resolve().parents[1]
    / "features/fixtures/hooks/captured/claude-code-2.1.197/05-PreToolUse-Bash.json"
)
XDG = (
    ("XDG_RUNTIME_DIR", "run"),
    ("XDG_DATA_HOME", "data"),
    ("XDG_STATE_HOME", "state"),
    ("XDG_CONFIG_HOME", "config"),
    ("HOME", "home"),
)
STOP_SECONDS = 60.0
POLL_SECONDS = 0.02
PROGRESS_EVERY = 100


@dataclass(frozen=True)
class HookSettings:
    """How much measurement 16 does (``bench.py``'s ``--hook-*`` options)."""

    sizes: list[int]
    calls: int
    """Calls per row: hooks per tree, first hooks without a service, --help, list, ..."""
    rss_snapshots: int
    seed: int

    @property
    def reference(self) -> int:
        """The tree of the burst and of the first hook: the size closest to 10,000."""
        return min(self.sizes, key=lambda files: (abs(files - 10_000), files))

    @property
    def rss_size(self) -> int:
        """The tree whose service's memory is read: the size closest to 100,000."""
        return min(self.sizes, key=lambda files: (abs(files - 100_000), files))


def hook_tree_shape(files: int) -> TreeShape:
    """The source tree of ``files`` files; above 100,000, small files in as many directories."""
    if files <= SOURCE_TREE_LIMIT:
        return source_shape(files)
    return small_files_shape(files, files // 20)


def rewind_command() -> str | None:
    """The ``rewind`` console script installed beside this Python, if there is one."""
    return shutil.which("rewind", path=str(Path(sys.executable).parent))


def measure_hooks(
    templates: dict[int, TreeTemplate],
    small: TreeTemplate,
    settings: HookSettings,
    scratch: Path,
) -> HookPathFigures | str:
    """Measure the rows on fresh copies of ``templates`` (by size); or say why not."""
    command = rewind_command()
    if command is None:
        return f"no rewind command beside {sys.executable}"
    if not sys.platform.startswith("linux"):
        return "Linux only (/proc, Unix sockets)"
    figures = HookPathFigures()
    users: list[_User] = []

    def user(name: str) -> _User:
        users.append(_User(command, scratch / name))
        return users[-1]

    try:
        for files in settings.sizes:
            workspace = copy_template(templates[files], scratch / f"workspace-{files}")
            if files == settings.reference:
                _measure_cold(figures, workspace, settings, user)
            _measure_size(figures, templates[files], workspace, settings, user(f"u-{files}"))
            shutil.rmtree(workspace, ignore_errors=True)
        _measure_commands(figures, small, settings, user("u-list"), scratch / "listed")
    finally:
        for each in users:
            each.stop_service()
        shutil.rmtree(scratch, ignore_errors=True)
    return figures


def _measure_cold(
    figures: HookPathFigures, workspace: Path, settings: HookSettings, user: Callable[[str], _User]
) -> None:
    """Row 4: the first hook of a user whose service does not run, on a fresh store."""
    figures.cold_files = settings.reference
    for run in range(settings.calls):
        _log(f"first hook without a service, {settings.reference:,} files ({run + 1})")
        cold = user(f"cold-{run}")
        call = f"cold-{run}"
        elapsed, fell_back = cold.hook(workspace, call)
        figures.cold.samples.append(elapsed)
        figures.cold_fallbacks += fell_back
        figures.cold_missing += len(cold.missing([call]))
        cold.stop_service()
        shutil.rmtree(cold.root, ignore_errors=True)


@dataclass
class _Tree:
    """A copy of one tree, the user whose service snapshots it, and the files calls change."""

    figures: HookPathFigures
    settings: HookSettings
    user: _User
    workspace: Path
    candidates: list[str]
    rng: random.Random

    def change(self, marker: str) -> None:
        """Append ``marker`` to 10 of the tree's files, drawn at random."""
        append_lines(self.workspace, self.rng.sample(self.candidates, TEN), marker)

    def hook(self, call: str) -> tuple[float, bool]:
        """The hook of the call ``call`` (see ``_User.hook``)."""
        return self.user.hook(self.workspace, call)


def _measure_size(
    figures: HookPathFigures,
    template: TreeTemplate,
    workspace: Path,
    settings: HookSettings,
    user: _User,
) -> None:
    """Rows 1 and 2, then the burst (row 3) and the memory (row 7) on their trees."""
    files = template.shape.files
    size = HookSizeFigures(files, len(template.tracked_files), template.shape.name)
    figures.sizes[files] = size
    candidates = [path for path in template.tracked_files if path != ".gitignore"]
    rng = random.Random(f"{settings.seed}:hooks:{files}")
    tree = _Tree(figures, settings, user, workspace, candidates, rng)
    _log(f"hooks: the service's first snapshot of {files:,} files")
    user.run("service", "start")
    size.first_hook_ms, _ = tree.hook("first")
    pid = user.service_pid()
    first_kib = _memory(pid).get("VmRSS")
    git = ShadowGit(user.root / "git", workspace, user.root / "git-home")
    git.snapshot("first")
    _log(f"hooks: {settings.calls} hooks and git commits on {files:,} files")
    for call in range(settings.calls):
        tree.change(f"# hook {call}")
        elapsed, fell_back = tree.hook(f"call-{call}")
        size.hook.samples.append(elapsed)
        size.fallbacks += fell_back
        size.git.samples.append(git.snapshot(f"call-{call}")[1] * 1000)
    git.discard()
    taken = 1 + settings.calls
    if files == settings.reference:
        taken += _measure_burst(tree)
    if files == settings.rss_size:
        figures.rss_first_kib = first_kib
        _measure_memory(tree, taken, pid)
    user.stop_service()


def _measure_burst(tree: _Tree) -> int:
    """Row 3: rounds of 16 hooks at once (at least ``calls`` hooks); return how many ran."""
    figures, user, workspace = tree.figures, tree.user, tree.workspace
    figures.burst_files = tree.settings.reference
    rounds = max(1, math.ceil(tree.settings.calls / BURST))
    for burst in range(rounds):
        _log(f"hooks: {BURST} at once on {figures.burst_files:,} files ({burst + 1}/{rounds})")
        tree.change(f"# burst {burst}")
        calls = [f"burst-{burst}-{index}" for index in range(BURST)]
        together = threading.Barrier(BURST)

        def one(call: str, together: threading.Barrier = together) -> tuple[float, bool]:
            payload = user.payload(workspace, call)
            together.wait()  # every thread has its payload: start the 16 processes at once
            return user.hook_with(workspace, payload)

        with concurrent.futures.ThreadPoolExecutor(max_workers=BURST) as pool:
            for elapsed, fell_back in pool.map(one, calls):
                figures.burst.samples.append(elapsed)
                figures.burst_fallbacks += fell_back
        figures.burst_missing += len(user.missing(calls))
    return rounds * BURST


def _measure_memory(tree: _Tree, taken: int, pid: int | None) -> None:
    """Row 7: hooks until the tree has ``rss_snapshots`` of them; the service's memory then."""
    figures, wanted = tree.figures, tree.settings.rss_snapshots
    figures.rss_files = tree.settings.rss_size
    _log(f"hooks: up to {wanted:,} snapshots of {figures.rss_files:,} files")
    for call in range(taken, wanted):
        tree.change(f"# long run {call}")
        elapsed, fell_back = tree.hook(f"long-{call}")
        figures.long_run.samples.append(elapsed)
        figures.long_run_fallbacks += fell_back
        if call % PROGRESS_EVERY == 0:
            _log(f"hooks: {call:,} snapshots, the last {elapsed:.0f} ms")
    figures.rss_snapshots = max(taken, wanted)
    if tree.user.service_pid() != pid:
        raise RuntimeError("the background service was restarted during the memory run")
    memory = _memory(pid)
    figures.rss_kib, figures.hwm_kib = memory.get("VmRSS"), memory.get("VmHWM")


def _measure_commands(
    figures: HookPathFigures,
    small: TreeTemplate,
    settings: HookSettings,
    user: _User,
    workspace: Path,
) -> None:
    """Rows 5 and 6: ``--help``, ``--version``, and ``list`` over 1,000 checkpoints."""
    _log("hooks: rewind --help, --version")
    for _ in range(settings.calls):
        figures.help.samples.append(user.run("--help")[0])
        figures.version.samples.append(user.run("--version")[0])
    copy_template(small, workspace)
    _log(f"hooks: a store of {LIST_CHECKPOINTS:,} checkpoints for rewind list")
    candidates = [path for path in small.tracked_files if path != ".gitignore"]
    _fill_store(user, workspace, candidates, settings.seed)
    figures.listing_checkpoints = LIST_CHECKPOINTS
    lines = user.run("list", cwd=workspace)[1].stdout.count(b"\n")
    if lines != LIST_CHECKPOINTS + 1:  # the header, then one line each
        raise RuntimeError(f"rewind list printed {lines} lines, not {LIST_CHECKPOINTS + 1}")
    for _ in range(settings.calls):
        figures.listing.samples.append(user.run("list", cwd=workspace)[0])


def _fill_store(user: _User, workspace: Path, files: list[str], seed: int) -> None:
    """1,000 snapshots of ``workspace``, as hooks take them, in the user's default store."""
    store = user.root / "data" / "rewind"
    store.mkdir(mode=0o700)
    rng = random.Random(f"{seed}:list")
    with CheckpointService.open(f"sqlite:///{store / 'rewind.db'}", watch=True) as service:
        for call in range(LIST_CHECKPOINTS):
            append_lines(workspace, [rng.choice(files)], f"# call {call}")
            service.create_workspace_snapshot(
                "claude-code",
                workspace,
                f"toolu_bench_{call}",
                reason="before Bash",
                source_tool="Bash",
                phase="PreToolUse",
                extra={"agent": "claude-code", "tool_name": "Bash", "session_id": "bench"},
            )
    for path in store.iterdir():
        path.chmod(0o600)


class _User:
    """A user of rewind of its own: ``HOME`` and the XDG directories under ``root``."""

    def __init__(self, command: str, root: Path) -> None:
        self.command = command
        self.root = root
        self.environment = {
            name: value for name, value in os.environ.items() if not name.startswith("REWIND_")
        }
        for variable, name in XDG:
            (root / name).mkdir(parents=True, mode=0o700)
            self.environment[variable] = str(root / name)
        captured = FIXTURE.read_text("utf-8")
        dashed = str(root).replace("/", "-")
        self._template = captured.replace("{dashed-directory}", dashed).replace(
            "{directory}", str(root)
        )
        self._pids: set[int] = set()

    def run(
        self, *arguments: str, stdin: bytes = b"", cwd: Path | None = None
    ) -> tuple[float, subprocess.CompletedProcess[bytes]]:
        """Run ``rewind ARGUMENTS``; return its wall time (ms) and what it did.

        Raises:
            RuntimeError: It failed.
        """
        started = time.perf_counter()
        done = subprocess.run(
            [self.command, *arguments],
            input=stdin,
            env=self.environment,
            cwd=cwd,
            capture_output=True,
            check=False,
        )
        elapsed = (time.perf_counter() - started) * 1000
        if done.returncode != 0:
            error = done.stderr.decode(errors="replace").strip()
            raise RuntimeError(f"rewind {' '.join(arguments)} failed: {error}")
        return elapsed, done

    def payload(self, workspace: Path, call: str) -> bytes:
        """Claude Code's captured ``PreToolUse`` input, in ``workspace``, for the call ``call``."""
        document = json.loads(self._template)
        document["cwd"] = str(workspace)
        document["tool_use_id"] = f"toolu_bench_{call}"
        return json.dumps(document).encode()

    def hook(self, workspace: Path, call: str) -> tuple[float, bool]:
        """Run the hook for the call ``call``; its wall time (ms), and whether it fell back."""
        return self.hook_with(workspace, self.payload(workspace, call))

    def hook_with(self, workspace: Path, payload: bytes) -> tuple[float, bool]:
        """Run the hook on ``payload``, in ``workspace`` as an agent does; see ``hook``."""
        elapsed, done = self.run("hook", "claude-code", stdin=payload, cwd=workspace)
        if done.stdout.strip() != b"{}":
            raise RuntimeError(f"the hook printed {done.stdout[:200]!r}")
        return elapsed, bool(done.stderr.strip())  # it says on stderr why it fell back

    def missing(self, calls: list[str]) -> set[str]:
        """Those of ``calls`` (the newest) whose checkpoint the store does not hold."""
        limit = str(len(calls) * 2 + TEN)
        listed = json.loads(self.run("list", "--all", "--json", "--limit", limit)[1].stdout)
        found = {checkpoint["decision_id"] for checkpoint in listed["data"]["checkpoints"]}
        return {call for call in calls if f"toolu_bench_{call}" not in found}

    def service_pid(self) -> int | None:
        """The running service's pid, from ``rewind service status --json``."""
        status = json.loads(self.run("service", "status", "--json")[1].stdout)["data"]
        if not status.get("running"):
            return None
        pid = int(status["pid"])
        self._pids.add(pid)
        return pid

    def stop_service(self) -> None:
        """``rewind service stop``, then wait until every service this user had is gone."""
        if not self.root.exists():
            return  # stopped, and its directory removed
        try:
            self.service_pid()
            self.run("service", "stop")
        except (RuntimeError, OSError, ValueError) as error:
            _log(f"hooks: cannot stop the service of {self.root}: {error}")
        deadline = time.monotonic() + STOP_SECONDS
        while any(_alive(pid) for pid in self._pids):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the service of {self.root} did not stop: {self._pids}")
            time.sleep(POLL_SECONDS)


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _memory(pid: int | None) -> dict[str, int]:
    """``VmRSS`` and ``VmHWM`` of ``pid``, in KiB (empty if it cannot be read)."""
    if pid is None:
        return {}
    found: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in {"VmRSS", "VmHWM"}:
                found[name] = int(value.split()[0])
    except (OSError, ValueError, IndexError):
        return {}
    return found


def _log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)
