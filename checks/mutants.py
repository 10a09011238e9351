"""Plausible bugs in rewind's safety-critical code, each with the scenarios that must catch it.

Usage::

    nox -s mutants                       # every mutant, on SQLite
    python checks/mutants.py [NAME ...]  # with rewind and its test tools installed; some only

A mutant is a small textual replacement in one file under ``src/rewind/`` (each replaced
text must occur exactly once there, or the list is stale). The run copies the source tree
into a temporary directory, never touching the working files, and puts the copy's ``src/``
first on ``PYTHONPATH`` (child processes and the ``rewind`` command inherit it). It first
runs every listed scenario on the unchanged copy, which must pass; then, for each mutant, it
applies the replacement to the copy, runs just that mutant's scenarios on SQLite (stopping
at the first failure) and restores the file. A mutant whose scenarios all pass survived:
the run fails and lists each survivor, with what its scenarios printed.

The list is the safety net's own test: when a scenario is reworded or moved, update the
mutant's scenarios here; when a new safety check is added to ``src/``, add its bug here.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COPIED = ("src", "migrations", "features", "examples", "pyproject.toml", "alembic.ini")


@dataclass(frozen=True)
class Scenarios:
    """Scenarios of one feature file: those whose name matches ``name`` (a regex), or all."""

    feature: str
    name: str | None = None


@dataclass(frozen=True)
class Mutant:
    """One plausible bug: ``replacements`` (old, new) in ``path``, caught by ``scenarios``."""

    name: str
    path: str
    replacements: tuple[tuple[str, str], ...]
    scenarios: tuple[Scenarios, ...]


def _one(name: str, path: str, old: str, new: str, *scenarios: Scenarios) -> Mutant:
    return Mutant(name, path, ((old, new),), scenarios)


PATHS = "src/rewind/_paths.py"
ROOT_PY = "src/rewind/workspace/root.py"
ROLLBACK = "src/rewind/_ops/rollback.py"
INTEGRITY = "src/rewind/_ops/integrity.py"
RECORD = "src/rewind/_ops/record.py"
HTTP = "src/rewind/server/http.py"
OUTSIDE = Scenarios("features/restore_safety.feature", "leads outside the workspace")
TAMPERED_CHANGE = Scenarios("features/tampered_rows.feature", "A change row whose")
REFUSED_REQUEST = Scenarios("features/agents.feature", "The server refuses a request")

MUTANTS = (
    _one(
        "a stored path's NUL is not checked",
        PATHS,
        '        or "\\0" in path\n',
        "",
        Scenarios("features/nul_paths.feature"),
    ),
    _one(
        "a stored path's '..' is not checked",
        PATHS,
        '        or "/../" in framed\n',
        "",
        OUTSIDE,
    ),
    _one(
        "a stored path inside .git is not refused",
        PATHS,
        '        or any(f"/{name}/" in framed for name in NEVER_TRACKED_NAMES)\n',
        "",
        OUTSIDE,
        TAMPERED_CHANGE,
    ),
    _one(
        "a stored path below another path's file is not refused",
        PATHS,
        "            if parent in target:\n",
        "            if False:\n",
        OUTSIDE,
    ),
    _one(
        ".git is tracked like any directory",
        PATHS,
        'NEVER_TRACKED_NAMES = frozenset({".git", ".rewind"})',
        'NEVER_TRACKED_NAMES = frozenset({".rewind"})',
        Scenarios("features/rollback_bystanders.feature", "leaves .*HEAD"),
    ),
    _one(
        "a blob's sha256 is not checked, only its size",
        "src/rewind/_codec.py",
        "    if digest.hexdigest() != content_hash or total != size:\n",
        "    if total != size:\n",
        Scenarios("features/altered_contents.feature"),
    ),
    Mutant(
        "a file is written in place, not through a temporary file",
        ROOT_PY,
        (
            (
                "descriptor = os.open(temporary, _NEW_FILE_FLAGS, 0o600, dir_fd=fd)",
                "descriptor = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600, "
                "dir_fd=fd)",
            ),
            (
                "                    os.close(descriptor)\n"
                "                os.replace(temporary, name, src_dir_fd=fd, dst_dir_fd=fd)\n",
                "                    os.close(descriptor)\n",
            ),
        ),
        (Scenarios("features/rollback_bystanders.feature", "hard-linked"),),
    ),
    _one(
        "a directory on a restore's way is opened through a symlink",
        ROOT_PY,
        "_DIRECTORY_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC",
        "_DIRECTORY_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC",
        Scenarios("features/escape_races.feature", "swapped for a symlink while a rollback"),
    ),
    _one(
        "a manifest is not checked against its tree_hash",
        INTEGRITY,
        "    if recorded is None or (not hashed and tree_hash(tree.values()) != recorded):\n",
        "    if recorded is None:\n",
        TAMPERED_CHANGE,
    ),
    _one(
        "a checkpoint's seal (checkpoint_hash) is not checked",
        INTEGRITY,
        '    if checkpoint.metadata.extra.get("checkpoint_hash") != seal:\n',
        "    if False:\n",
        Scenarios("features/tampered_rows.feature", "pointed at another directory"),
    ),
    Mutant(
        "contents are fetched and checked after the safety snapshot is committed",
        ROLLBACK,
        (
            (
                "                stage_contents(uow.blobs, plan.writes, staged)\n"
                "                scan = ScannedWorkspace(",
                "                scan = ScannedWorkspace(",
            ),
            (
                "                uow.commit()\n"
                "            self._indexes.remember(workspace.workspace_id, after)\n",
                "                uow.commit()\n"
                "            with self._store.reading() as late:\n"
                "                stage_contents(late.blobs, plan.writes, staged)\n"
                "            self._indexes.remember(workspace.workspace_id, after)\n",
            ),
        ),
        (Scenarios("features/restore_safety.feature", "A stored content that was altered"),),
    ),
    _one(
        "a rollback does not mark the workspace as restoring",
        ROLLBACK,
        "    uow.workspaces.mark_restoring(workspace, target.checkpoint_id)\n",
        "",
        Scenarios("features/crash.feature"),
    ),
    _one(
        "a snapshot commits its contents in a transaction of their own",
        RECORD,
        "    uow.blobs.add(blobs)\n",
        "    uow.blobs.add(blobs)\n    uow.commit()\n",
        Scenarios("features/atomicity.feature", "before the commit leaves nothing"),
    ),
    _one(
        "a snapshot's diff metadata is kept in memory only, not stored (the seed's bug)",
        RECORD,
        "    uow.checkpoints.add_snapshot(checkpoint, diff.entries)\n",
        "    stored = {k: v for k, v in extra.items() if not k.startswith('diff_')}\n"
        "    without = factory.metadata({**request.metadata, 'extra': request.extra | stored})\n"
        "    uow.checkpoints.add_snapshot(\n"
        "        checkpoint.model_copy(update={'metadata': without}), diff.entries\n"
        "    )\n",
        Scenarios("features/durable_diff_metadata.feature"),
    ),
    _one(
        "a built checkpoint can be changed (models not frozen)",
        "src/rewind/models.py",
        '_FROZEN = ConfigDict(frozen=True, extra="forbid")',
        '_FROZEN = ConfigDict(frozen=False, extra="forbid")',
        Scenarios("features/immutability.feature"),
    ),
    _one(
        "a hook that cannot snapshot blocks the tool (exit 2)",
        "src/rewind/hooks/forward.py",
        '        _say(agent, kind, f"no checkpoint was taken: {type(exc).__name__}: {exc}")\n',
        '        _say(agent, kind, f"no checkpoint was taken: {type(exc).__name__}: {exc}")\n'
        "        return 2\n",
        Scenarios("features/agents.feature", "A hook that cannot snapshot still lets the tool run"),
    ),
    _one(
        "a snapshot whose deadline passed while it ran is stored all the same",
        "src/rewind/_ops/snapshot.py",
        "                self._factory.check_deadline(request, root.path)  # late: rolled back,"
        " not stored\n",
        "",
        Scenarios("features/deadline.feature", "passes while the snapshot runs"),
    ),
    _one(
        "the background service lets a TCP request in without the token",
        "src/rewind/server/background.py",
        "        return self.socket_path is not None and server is not None"
        " and server[0] == self.socket_path\n",
        "        return True\n",
        Scenarios("features/service.feature", "Without a runtime directory"),
    ),
    _one(
        "a rollback removes what its target ignored",
        "src/rewind/_ops/planner.py",
        "            ignored = TargetIgnores(uow, tree).ignored(removals)\n",
        "            ignored: set[str] = set()\n",
        Scenarios("features/rollback_ignored.feature"),
    ),
    _one(
        "a rollback trusts its scan for the paths it overwrites",
        "src/rewind/_ops/planner.py",
        "        if scanned.status_changed(path, status):\n",
        "        if False:\n",
        Scenarios("features/watch.feature", "A write the watch never saw, through a hard link"),
    ),
    _one(
        "the server takes any bearer token",
        HTTP,
        '        if not hmac.compare_digest(headers.get("authorization", b""), self._token):\n',
        '        if not headers.get("authorization"):\n',
        REFUSED_REQUEST,
    ),
    _one(
        "the server takes requests from any web page (Origin)",
        HTTP,
        '        if origin is not None and origin.decode("latin-1") not in self._origins:\n',
        "        if False:\n",
        REFUSED_REQUEST,
    ),
    _one(
        "a server root admits a directory whose name only starts alike",
        "src/rewind/server/roots.py",
        "path.startswith(f\"{root.rstrip('/')}/\")",
        "path.startswith(root.rstrip('/'))",
        Scenarios("features/mcp_roots.feature"),
    ),
    _one(
        "an overflowing event queue is trusted",
        "src/rewind/workspace/watch.py",
        "                changes.doubt = changes.doubt or QUEUE_OVERFLOW\n",
        "                changes.doubt = changes.doubt\n",
        Scenarios("features/watch.feature", "An overflowing event queue"),
    ),
    _one(
        "a prune deletes contents that kept checkpoints share",
        "src/rewind/storage/blobs.py",
        "            unused = [blob_id for blob_id in locked if blob_id not in used]\n",
        "            unused = list(locked)\n",
        Scenarios("features/retention.feature", "every kept checkpoint restores exactly"),
    ),
    _one(
        "ignore files are read shallowest first",
        "src/rewind/workspace/ignore.py",
        "        for rules in reversed(self._stack):\n",
        "        for rules in self._stack:\n",
        Scenarios("features/nested_ignores.feature"),
    ),
)


class StaleMutantError(Exception):
    """A mutant's text no longer occurs exactly once in its file: the list needs updating."""


def mutated(source: str, mutant: Mutant) -> str:
    """``source`` with ``mutant``'s replacements made.

    Raises:
        StaleMutantError: An old text does not occur exactly once, or the result does not
            compile (a mutant must be a bug, not a syntax error).
    """
    for old, new in mutant.replacements:
        count = source.count(old)
        if count != 1:
            raise StaleMutantError(f"{mutant.name}: {old!r} occurs {count} times in {mutant.path}")
        source = source.replace(old, new)
    try:
        compile(source, mutant.path, "exec")
    except SyntaxError as error:
        raise StaleMutantError(f"{mutant.name}: the mutated {mutant.path} is not Python") from error
    return source


def behave_command(scenarios: tuple[Scenarios, ...], *, stop: bool) -> list[str]:
    """One behave run of ``scenarios`` on SQLite (each feature once, names as alternatives).

    A feature named without a scenario name runs whole; behave's ``--name`` applies to every
    feature of a run, so those run in a run of their own (see ``runs``).
    """
    features = sorted({item.feature for item in scenarios})
    names = sorted({item.name for item in scenarios if item.name is not None})
    command = [sys.executable, "-m", "behave", "--define", "backend=sqlite"]
    command += ["--format", "progress", *(["--stop"] if stop else [])]
    for name in names:
        command += ["--name", name]
    return [*command, *features]


def runs(scenarios: tuple[Scenarios, ...], *, stop: bool) -> list[list[str]]:
    """The behave commands that run exactly ``scenarios``: named ones, then whole features."""
    named = tuple(item for item in scenarios if item.name is not None)
    whole = tuple(item for item in scenarios if item.name is None)
    commands = [behave_command(named, stop=stop)] if named else []
    if whole:
        commands.append(behave_command(whole, stop=stop))
    return commands


def run_all(copy: Path, scenarios: tuple[Scenarios, ...], *, stop: bool) -> tuple[bool, str]:
    """Run ``scenarios`` in ``copy``; return whether all passed, and what behave printed."""
    environment = {**os.environ, "PYTHONPATH": str(copy / "src"), "PYTHONDONTWRITEBYTECODE": "1"}
    output = []
    for command in runs(scenarios, stop=stop):
        done = subprocess.run(
            command, cwd=copy, env=environment, capture_output=True, text=True, check=False
        )
        output.append(done.stdout + done.stderr)
        if done.returncode != 0:
            return False, "\n".join(output)
    return True, "\n".join(output)


def make_copy(destination: Path) -> Path:
    """Copy what the scenarios need (source, migrations, features) into ``destination``."""
    ignored = shutil.ignore_patterns("__pycache__", "*.pyc", ".mypy_cache", ".ruff_cache")
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=ignored)
        else:
            shutil.copy2(source, destination / name)
    found = subprocess.run(
        [sys.executable, "-c", "import rewind; print(rewind.__file__)"],
        env={**os.environ, "PYTHONPATH": str(destination / "src")},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not Path(found).is_relative_to(destination):
        raise SystemExit(f"the copy's rewind is not the one imported ({found})")
    return destination


def main(argv: list[str] | None = None) -> int:
    """Run the mutants (those named in ``argv``, or all); return 1 if any survived."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("names", nargs="*", help="run only the mutants whose name contains one")
    options = parser.parse_args(argv)
    chosen = [m for m in MUTANTS if not options.names or any(n in m.name for n in options.names)]
    if not chosen:
        raise SystemExit("no mutant matches")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="rewind-mutants-") as scratch:
        copy = make_copy(Path(scratch) / "tree")
        originals = {mutant.path: (copy / mutant.path).read_text() for mutant in chosen}
        for mutant in chosen:
            mutated(originals[mutant.path], mutant)  # every text still matches, or stop now
        every = tuple(dict.fromkeys(item for mutant in chosen for item in mutant.scenarios))
        baseline = time.monotonic()
        passed, output = run_all(copy, every, stop=False)
        print(
            f"unchanged copy: {len(every)} groups of scenarios passed in "
            f"{time.monotonic() - baseline:.0f} s",
            flush=True,
        )
        if not passed:
            print(output)
            print("the scenarios fail without any mutant: fix them first", file=sys.stderr)
            return 1
        survivors = [mutant for mutant in chosen if _survives(copy, mutant, originals)]
    minutes = (time.monotonic() - started) / 60
    print(f"{len(chosen) - len(survivors)} of {len(chosen)} mutants caught in {minutes:.1f} min")
    for mutant in survivors:
        print(f"SURVIVED: {mutant.name} ({mutant.path})", file=sys.stderr)
    return 1 if survivors else 0


def _survives(copy: Path, mutant: Mutant, originals: dict[str, str]) -> bool:
    """Apply ``mutant`` to the copy, run its scenarios, put the file back; True if all pass."""
    target = copy / mutant.path
    target.write_text(mutated(originals[mutant.path], mutant))
    started = time.monotonic()
    try:
        passed, output = run_all(copy, mutant.scenarios, stop=True)
    finally:
        target.write_text(originals[mutant.path])
    seconds = time.monotonic() - started
    print(f"{'SURVIVED' if passed else 'caught  '}  {seconds:5.1f} s  {mutant.name}", flush=True)
    if passed:
        print(output)
    return passed


if __name__ == "__main__":
    sys.exit(main())
