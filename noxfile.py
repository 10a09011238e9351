"""Developer tasks. A bare ``nox`` runs lint, typecheck, tests, kills, coverage_report, docs and
mutants.

The tests run Behave twice per backend (SQLite always, PostgreSQL too when
``REWIND_TEST_POSTGRES_URL`` points at a server; each scenario gets its own schema there):
every scenario with ``CheckpointService``, then those of THROUGH_THE_ASYNC_SERVICE with
``AsyncCheckpointService``.
rewind is installed from a built wheel, never from the source tree, so every run also proves
that the shipped package (migrations included) works.
"""

from __future__ import annotations

import concurrent.futures
import os
import shutil
import subprocess
from pathlib import Path

import nox

nox.options.sessions = [
    "lint",
    "typecheck",
    "tests",
    "kills",
    "coverage_report",
    "docs",
    "mutants",
]
nox.options.default_venv_backend = "venv"

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
COVERAGE_FILE = str(ROOT / ".coverage")
REPORTS = ROOT / "reports"
THROUGH_THE_ASYNC_SERVICE = (
    r"features/(asyncio|extremes|rollback\w*|restore_paths|retention|guard|langgraph|listing"
    r"|reading|verify|undo|ids|names|watch|bounded_reads|read_only_store)\.feature"
)
"""The features the asyncio runs take, by name: those whose scenarios call the scenario's
service for each of its use cases, and run in seconds. ``AsyncCheckpointService`` runs the
synchronous service in worker threads, so what differs is each call's way through it:
asyncio.feature (the event loop, cancelling, closing), extremes.feature (the service's
methods and ``open`` given extreme values), and one feature per use case, its arguments and
its errors: rollback*, restore_paths, undo (and redo), retention (prune, stats), guard,
langgraph, listing, reading (changes, files, patches), verify, ids and names (resolving),
watch (the watch report), bounded_reads (file_size) and read_only_store. They call every
public method of ``AsyncCheckpointService`` but ``list_sessions``, which log.feature calls
on both services side by side in the synchronous runs: ``src/rewind/aio.py`` is covered
whole. The other features run once per backend, with the synchronous service: those of the
command line, the servers and the hooks act through processes of their own, and the rest
(the file system, the store, faults, sweeps) would prove the same thing twice."""
REAL_AGENTS = r"features/agents_real\.feature"
"""The real agents' scenarios (tagged @real_agents): only ``nox -s agents`` runs them."""
AGENTS_CACHE = ROOT / ".cache" / "agents"


def _group(name: str) -> list[str]:
    return list(nox.project.dependency_groups(PYPROJECT, name))


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff, the layer contracts (import-linter) and the public API's twins and surface."""
    session.install("-e", ".[mcp]", *_group("lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("lint-imports")
    session.run("python", str(ROOT / "checks" / "public_api.py"))


@nox.session
def build(session: nox.Session) -> None:
    """Make the sdist and the wheel into dist/ and check them as the package index would."""
    session.install(*_group("build"))
    dist = ROOT / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    session.run("python", "-m", "build", "--outdir", str(dist), str(ROOT))
    session.run("twine", "check", "--strict", *sorted(str(path) for path in dist.iterdir()))


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict with the pydantic plugin, over src/, features/ and this file."""
    session.install("-e", ".[postgres,mcp]", *_group("typecheck"))
    session.run("mypy")


@nox.session
def tests(session: nox.Session) -> None:
    """Every Behave scenario on SQLite, and on PostgreSQL when REWIND_TEST_POSTGRES_URL is set.

    Each backend runs twice: every scenario with CheckpointService, then the features of
    THROUGH_THE_ASYNC_SERVICE with AsyncCheckpointService. ``nox -s tests -- ARGS`` passes
    ARGS to each run (features, --tags, ...); the asyncio runs still take only those features.
    """
    session.install(".[postgres,mcp]", *_group("test"))
    # The MCP TypeScript SDK's client some scenarios drive, at its locked version (Node 20).
    node = str(ROOT / "features" / "support" / "node")
    session.run("npm", "ci", "--prefix", node, "--no-audit", "--no-fund", "--silent", external=True)
    session.env["COVERAGE_FILE"] = COVERAGE_FILE
    session.run("coverage", "erase")
    shutil.rmtree(REPORTS, ignore_errors=True)
    backends = ["sqlite"]
    if os.environ.get("REWIND_TEST_POSTGRES_URL"):
        backends.append("postgres")
    else:
        session.log("REWIND_TEST_POSTGRES_URL is not set: PostgreSQL scenarios are not run")
    # Every scenario runs against the synchronous service; those of THROUGH_THE_ASYNC_SERVICE
    # again against AsyncCheckpointService.
    runs = [(backend, service) for service in ("sync", "async") for backend in backends]
    _run_in_pairs(session, [_behave_run(session, *run) for run in runs])


def _behave_run(session: nox.Session, backend: str, service: str) -> tuple[str, list[str]]:
    """One Behave run under coverage: its name (its reports' directory) and command line."""
    name = backend if service == "sync" else f"{backend}-async"
    chosen = [] if service == "sync" else ["--include", THROUGH_THE_ASYNC_SERVICE]
    command = [
        str(Path(session.bin) / "coverage"), "run", "-m", "behave",
        "--define", f"backend={backend}", "--define", f"service={service}",
        "--format", "progress", "--junit", "--junit-directory", str(REPORTS / name),
        *chosen, "--exclude", REAL_AGENTS, *session.posargs,
    ]  # fmt: skip
    return name, command


def _run_in_pairs(session: nox.Session, runs: list[tuple[str, list[str]]]) -> None:
    """Run the Behave runs two at a time (the machine has two cores), each into its own log.

    The runs share nothing (each scenario has its own directory, database or schema, and
    XDG directories), so they may overlap; each log is printed when its run ends.
    """
    environment = {**os.environ, **{k: v for k, v in session.env.items() if v is not None}}
    environment["PATH"] = f"{session.bin}{os.pathsep}{os.environ.get('PATH', '')}"
    REPORTS.mkdir(parents=True, exist_ok=True)

    def run(name: str, command: list[str]) -> tuple[str, int]:
        with open(REPORTS / f"{name}.log", "w", encoding="utf-8") as log:
            done = subprocess.run(
                command, env=environment, stdout=log, stderr=subprocess.STDOUT, check=False
            )
        return name, done.returncode

    failed = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for name, code in pool.map(lambda item: run(*item), runs):
            session.log(f"behave run {name}: exit status {code}")
            print((REPORTS / f"{name}.log").read_text("utf-8"), flush=True)
            if code:
                failed.append(name)
    if failed:
        session.error(f"scenarios failed in: {', '.join(failed)}")


@nox.session
def agents(session: nox.Session) -> None:
    """The real coding agents, from the npm registry at pinned versions, on SQLite.

    Installs each agent's package into .cache/agents/ (once; a package npm cannot install
    fails the session), then runs features/agents_real.feature: each agent against a scripted
    model on 127.0.0.1, in a network namespace with only a loopback interface where the
    system allows one. ``REWIND_CAPTURE_HOOKS=1 nox -s agents`` writes the captured hook
    inputs (features/fixtures/hooks/captured/) again.
    """
    session.install(".[postgres,mcp]", *_group("test"))
    pins = ROOT / "features" / "support" / "agents" / "pins.py"
    session.run("python", str(pins), str(AGENTS_CACHE))
    session.env["REWIND_AGENTS_CACHE"] = str(AGENTS_CACHE)
    feature = str(ROOT / "features" / "agents_real.feature")
    behave = ["behave", "--define", "backend=sqlite", "--format", "pretty", "--no-capture"]
    loopback = _loopback_only(session)
    session.run(*loopback, *behave, feature, *session.posargs, external=bool(loopback))


def _loopback_only(session: nox.Session) -> list[str]:
    """The command prefix that runs a command where only 127.0.0.1 is reachable, if any.

    A new network namespace holds a loopback interface and nothing else; making one needs
    root (or CAP_SYS_ADMIN). Without it the agents' own settings keep them on 127.0.0.1.
    """
    unshare, ip = shutil.which("unshare"), shutil.which("ip")
    if unshare and ip:
        probe = subprocess.run(
            [unshare, "--net", ip, "link", "set", "lo", "up"], capture_output=True, check=False
        )
        if probe.returncode == 0:
            return [unshare, "--net", "sh", "-c", f'{ip} link set lo up && exec "$@"', "netns"]
    session.log("no network namespace here: the agents' settings alone keep them on 127.0.0.1")
    return []


@nox.session
def kills(session: nox.Session) -> None:
    """SIGKILL workers mid-snapshot and mid-rollback, then check nothing was lost.

    Bounded by default (25 kills per backend); ``nox -s kills -- --kills 200`` for the full run.
    """
    session.install(".[postgres]")
    arguments = session.posargs or ["--kills", "25"]
    backends = ["sqlite"]
    if os.environ.get("REWIND_TEST_POSTGRES_URL"):
        backends.append("postgres")
    for backend in backends:
        session.run(
            "python",
            str(ROOT / "reliability" / "kill_harness.py"),
            "--backend",
            backend,
            *arguments,
        )


@nox.session
def soak(session: nox.Session) -> None:
    """The watcher's differential test for longer: 500 random runs (``-- RUNS`` for more)."""
    session.install(".[postgres,mcp]", *_group("test"))  # behave loads every step module
    session.env["REWIND_SOAK_RUNS"] = session.posargs[0] if session.posargs else "500"
    feature = ROOT / "features" / "watch_differential.feature"
    session.run("behave", "--define", "backend=sqlite", str(feature))


@nox.session
def coverage_report(session: nox.Session) -> None:
    """Combine the coverage of every process and fail under 97%."""
    session.install("coverage[toml]>=7.10")
    session.env["COVERAGE_FILE"] = COVERAGE_FILE
    session.run("coverage", "combine")
    session.run("coverage", "report")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the site with ``mkdocs build --strict``, then run the pages' examples as written.

    The build fails on a broken link, a page missing from the navigation or a reference the
    API's docstrings do not resolve; it goes into ``.nox/docs/site`` (``mkdocs serve`` shows
    the site while you write). Then every Python and shell block of README.md and docs/ runs,
    each page in a fresh directory (``checks/doc_blocks.py`` says which blocks run and how to
    mark one that is not meant to); ``nox -s docs -- PAGE ...`` runs those pages' blocks only.
    """
    session.install(".[langgraph,mcp]", *_group("docs"))
    session.env["NO_MKDOCS_2_WARNING"] = "1"  # Material's end-of-life banner (see Development)
    site = str(Path(session.virtualenv.location) / "site")  # in .nox/, which git ignores
    session.run("mkdocs", "build", "--strict", "--quiet", "--site-dir", site)
    session.run("python", str(ROOT / "checks" / "doc_blocks.py"), *session.posargs)


@nox.session
def mutants(session: nox.Session) -> None:
    """Apply each bug of ``checks/mutants.py`` to a copy of the tree: its scenarios must fail.

    On SQLite, in about 3 minutes; ``nox -s mutants -- NAME`` runs the mutants named so only.
    """
    session.install(".[postgres,mcp]", *_group("test"))
    session.run("python", str(ROOT / "checks" / "mutants.py"), *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """rewind beside a shadow git checkpoint, and beside LangGraph; not run by a bare ``nox``.

    ``nox -s bench -- --quick`` smoke-tests the harness; see ``benchmarks/bench.py`` for the
    options. PostgreSQL is measured too when ``REWIND_TEST_POSTGRES_URL`` is set.
    """
    session.install(".[postgres,mcp]", "langgraph-checkpoint-sqlite")
    session.run("python", str(ROOT / "benchmarks" / "bench.py"), *session.posargs)


@nox.session
def demo(session: nox.Session) -> None:
    """The main job: snapshot a sample workspace twice, restart, show what was kept."""
    session.install(".")
    session.run("python", str(ROOT / "examples" / "demo.py"), *session.posargs)
