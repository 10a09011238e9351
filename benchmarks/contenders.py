"""The two checkpointers measured side by side, and the stores rewind writes to.

- ``RewindCheckpointer``: one ``CheckpointService`` kept open for a whole run, as an
  orchestrator keeps it, on a fresh SQLite file or a fresh PostgreSQL schema.
- ``ShadowGit``: what Cline and Roo Code do: a git directory of its own whose work tree is
  the workspace; a snapshot is ``git add -A`` then ``git commit``, a rollback is
  ``git reset --hard`` then ``git clean -fd``. Both read the workspace's ``.gitignore``.

Each operation times itself (``time.perf_counter``) around exactly the work that is
compared, and returns the seconds it took.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

import psycopg

from rewind import CheckpointService

__all__ = [
    "Checkpointer",
    "PostgresBackend",
    "RewindCheckpointer",
    "ShadowGit",
    "SqliteBackend",
    "Store",
    "StoreBackend",
    "directory_bytes",
    "git_version",
]

PLAN = "bench"


class Store(Protocol):
    """Where one run's checkpoints go: a fresh, empty rewind store."""

    @property
    def url(self) -> str:
        """The database URL to open rewind's service with."""
        ...

    def stored_bytes(self) -> int:
        """Bytes the store takes on disk (call after the service closed)."""
        ...

    def discard(self) -> None:
        """Delete the store."""
        ...


class StoreBackend(Protocol):
    """A kind of database rewind runs on, handing out fresh stores."""

    @property
    def name(self) -> str:
        """``sqlite`` or ``postgres``."""
        ...

    def new_store(self, directory: Path) -> Store:
        """A fresh, empty store (``directory`` is for files the store may need)."""
        ...

    def close(self) -> None:
        """Delete every store still left."""
        ...


class Checkpointer(Protocol):
    """Snapshots one workspace and rolls it back, timing each operation."""

    @property
    def label(self) -> str:
        """Who this is, for tables: ``rewind (sqlite)``, ``shadow git``."""
        ...

    def snapshot(self, message: str) -> tuple[str, float]:
        """Snapshot the workspace; return the snapshot's reference and the seconds taken."""
        ...

    def rollback(self, reference: str) -> float:
        """Put the workspace back as the snapshot ``reference``; return the seconds taken."""
        ...

    def first_snapshot_paths(self, reference: str) -> set[str]:
        """Every path the workspace's first snapshot ``reference`` recorded."""
        ...

    def close(self) -> None:
        """Release the database or repository."""
        ...

    def stored_bytes(self) -> int:
        """Bytes the checkpoints take on disk (after ``close``)."""
        ...

    def discard(self) -> None:
        """Delete the checkpoints (after ``close``)."""
        ...


@dataclass(frozen=True, slots=True)
class SqliteStore:
    """A SQLite database file in a directory of its own, outside every workspace."""

    directory: Path

    @property
    def url(self) -> str:
        """The ``sqlite:///`` URL of ``rewind.db`` in the directory."""
        return f"sqlite:///{self.directory / 'rewind.db'}"

    def stored_bytes(self) -> int:
        """The database file with its ``-wal`` and ``-shm`` companions."""
        return sum(
            (self.directory / name).stat().st_size
            for name in ("rewind.db", "rewind.db-wal", "rewind.db-shm")
            if (self.directory / name).exists()
        )

    def discard(self) -> None:
        """Remove the directory."""
        shutil.rmtree(self.directory, ignore_errors=True)


class SqliteBackend:
    """Fresh SQLite files, one per store."""

    name = "sqlite"

    def new_store(self, directory: Path) -> SqliteStore:
        """A new directory ``directory`` for a new database file."""
        directory.mkdir(parents=True)
        return SqliteStore(directory)

    def close(self) -> None:
        """Nothing to do: stores live in the benchmark's scratch directory."""


@dataclass(frozen=True, slots=True)
class PostgresStore:
    """A schema of its own in a PostgreSQL database, selected through ``search_path``."""

    server_url: str
    schema: str

    @property
    def url(self) -> str:
        """The server URL with ``options=-csearch_path=<schema>`` added."""
        separator = "&" if "?" in self.server_url else "?"
        options = quote(f"-csearch_path={self.schema}")
        return f"{self.server_url}{separator}options={options}"

    def stored_bytes(self) -> int:
        """``pg_total_relation_size`` (table, TOAST and indexes) over the schema's tables."""
        query = (
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'm')"
        )
        with psycopg.connect(_plain(self.server_url), autocommit=True) as connection:
            row = connection.execute(query, (self.schema,)).fetchone()
        return int(row[0]) if row else 0

    def discard(self) -> None:
        """Drop the schema and everything in it."""
        with psycopg.connect(_plain(self.server_url), autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')


@dataclass
class PostgresBackend:
    """Fresh schemas ``bench_<random>`` in the database ``server_url`` names."""

    server_url: str
    name: str = "postgres"
    _stores: list[PostgresStore] = field(default_factory=list)

    def new_store(self, directory: Path) -> PostgresStore:
        """Create a new schema (``directory`` is not needed)."""
        store = PostgresStore(self.server_url, f"bench_{uuid.uuid4().hex[:12]}")
        with psycopg.connect(_plain(self.server_url), autocommit=True) as connection:
            connection.execute(f'CREATE SCHEMA "{store.schema}"')
        self._stores.append(store)
        return store

    def close(self) -> None:
        """Drop every schema this backend created (dropping one twice is harmless)."""
        for store in self._stores:
            store.discard()
        self._stores.clear()


class RewindCheckpointer:
    """rewind's service on one store, snapshotting one workspace in the plan ``bench``."""

    def __init__(self, backend: str, store: Store, workspace: Path, *, watch: bool = False) -> None:
        self.store = store
        self.workspace = workspace
        self.service = CheckpointService.open(store.url, watch=watch)
        self.backend = backend
        self.watch = watch

    @property
    def label(self) -> str:
        """``rewind (sqlite)``, ``rewind (postgres)``, or ``rewind watched (sqlite)``."""
        return f"rewind {'watched ' if self.watch else ''}({self.backend})"

    def snapshot(self, message: str) -> tuple[str, float]:
        """``create_workspace_snapshot``; the reference is the checkpoint id."""
        started = time.perf_counter()
        checkpoint = self.service.create_workspace_snapshot(PLAN, self.workspace, reason=message)
        return checkpoint.checkpoint_id, time.perf_counter() - started

    def rollback(self, reference: str) -> float:
        """``rollback_to_checkpoint``, its own safety snapshot included."""
        started = time.perf_counter()
        self.service.rollback_to_checkpoint(reference)
        return time.perf_counter() - started

    def first_snapshot_paths(self, reference: str) -> set[str]:
        """The first snapshot's ``diff_paths``: every path, since it has no parent."""
        paths = self.service.get_checkpoint(reference).metadata.extra["diff_paths"]
        return {str(path) for path in paths}

    def close(self) -> None:
        """Close the service."""
        self.service.close()

    def stored_bytes(self) -> int:
        """What the store takes on disk."""
        return self.store.stored_bytes()

    def discard(self) -> None:
        """Delete the store."""
        self.store.discard()


class ShadowGit:
    """A shadow git repository: ``git_dir`` separate, the workspace as its work tree."""

    label = "shadow git"

    def __init__(self, git_dir: Path, workspace: Path, home: Path) -> None:
        self.git_dir = git_dir
        self.workspace = workspace
        self._environment = git_environment(home)
        git_dir.parent.mkdir(parents=True, exist_ok=True)
        self._git("-c", "init.defaultBranch=main", "init", "-q")
        for key, value in (
            ("gc.auto", "0"),
            ("user.name", "rewind benchmark"),
            ("user.email", "bench@example.invalid"),
            ("core.autocrlf", "false"),
        ):
            self._git("config", key, value)

    def snapshot(self, message: str) -> tuple[str, float]:
        """``git add -A`` then ``git commit --allow-empty``; the reference is the commit."""
        started = time.perf_counter()
        self._git("add", "-A")
        self._git("commit", "-q", "--allow-empty", "-m", message)
        elapsed = time.perf_counter() - started
        return self._git("rev-parse", "HEAD").strip(), elapsed

    def rollback(self, reference: str) -> float:
        """``git reset --hard`` then ``git clean -fd`` (ignored files are left alone)."""
        started = time.perf_counter()
        self._git("reset", "-q", "--hard", reference)
        self._git("clean", "-fdq")
        return time.perf_counter() - started

    def first_snapshot_paths(self, reference: str) -> set[str]:
        """Every path in the commit's tree."""
        listing = self._git("ls-tree", "-r", "-z", "--name-only", reference)
        return {path for path in listing.split("\0") if path}

    def close(self) -> None:
        """Nothing to release: every git command is a process of its own."""

    def stored_bytes(self) -> int:
        """Apparent sizes of every file under the git directory."""
        return directory_bytes(self.git_dir)

    def discard(self) -> None:
        """Delete the git directory."""
        shutil.rmtree(self.git_dir, ignore_errors=True)

    def _git(self, *arguments: str) -> str:
        command = ["git", f"--git-dir={self.git_dir}", f"--work-tree={self.workspace}"]
        return run_git([*command, *arguments], self._environment)


def git_environment(home: Path) -> dict[str, str]:
    """The environment git runs in: no system or user configuration, no prompts."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("GIT_")}
    home.mkdir(parents=True, exist_ok=True)
    environment.update(
        GIT_CONFIG_NOSYSTEM="1",
        GIT_TERMINAL_PROMPT="0",
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
    )
    return environment


def run_git(command: list[str], environment: dict[str, str]) -> str:
    """Run a git command; return its output, or raise with its error output."""
    completed = subprocess.run(command, env=environment, capture_output=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed ({completed.returncode}): "
            f"{completed.stderr.decode(errors='replace').strip()}"
        )
    return completed.stdout.decode(errors="surrogateescape")


def git_version(home: Path) -> str:
    """``git --version``, e.g. ``git version 2.39.5``."""
    return run_git(["git", "--version"], git_environment(home)).strip()


def directory_bytes(root: Path) -> int:
    """Sum of the apparent sizes (``st_size``) of every file under ``root``."""
    total = 0
    for directory, _subdirectories, files in os.walk(root):
        for name in files:
            total += os.lstat(os.path.join(directory, name)).st_size
    return total


def _plain(server_url: str) -> str:
    """The URL as psycopg takes it (no SQLAlchemy driver name)."""
    return server_url.replace("postgresql+psycopg://", "postgresql://", 1)
