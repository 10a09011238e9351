"""Kill rewind with SIGKILL in the middle of snapshots and rollbacks; prove nothing is lost.

Each round changes a real workspace, then starts a worker process that snapshots it or rolls
it back to an earlier checkpoint and kills itself (SIGKILL, no cleanup) at a seeded-random
moment: after the Nth Python call or C call it makes, so any point of the operation can be
hit, inside the database driver and around the commit included. After every kill the harness
checks, through rewind's public API, that:

- the database opens, and ``verify()`` finds no problem;
- a rollback killed after its commit is finished by the next snapshot (the workspace is then
  exactly the target), and one killed before it left the workspace exactly as it was;
- every checkpoint made since the last kill restores, into an empty directory, to a tree
  with its ``tree_hash``;
- no temporary file is left in the workspace, and the next operation is not blocked.

Usage: ``python reliability/kill_harness.py --backend sqlite --kills 200 --seed 1``
(``--backend postgres`` reads ``REWIND_TEST_POSTGRES_URL`` and works in a fresh schema).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import quote

from rewind import Checkpoint, CheckpointService
from rewind._manifest import tree_hash
from rewind._paths import temporary_prefix
from rewind.workspace.root import WorkspaceRoot
from rewind.workspace.scan import WorkspaceScanner

PLAN = "kill-harness"
LARGEST_MOMENT = 60_000  # an operation makes about 30,000 to 45,000 profiled calls
LARGEST_WRITING_MOMENT = 1_500  # writing a rollback's files makes a few hundred
WRITE, DELETE = 0.5, 0.8  # chances of writing a file, else deleting one, else a binary file

WORKER = """
import os, signal, sys
import rewind._ops.rollback
from rewind import CheckpointService
url, workspace, operation, target, moment, phase = sys.argv[1:7]
service = CheckpointService.open(url)
calls = 0
def count(frame, event, arg):
    global calls
    calls += 1
    if calls == int(moment):
        os.kill(os.getpid(), signal.SIGKILL)
def count_from_here(function):
    def counting(*args, **kwargs):
        sys.setprofile(count)
        return function(*args, **kwargs)
    return counting
if phase == "writing":  # aim at the window where a rollback writes files
    rewind._ops.rollback.apply_restore = count_from_here(rewind._ops.rollback.apply_restore)
else:
    sys.setprofile(count)
if operation == "snapshot":
    service.create_workspace_snapshot("kill-harness", workspace)
else:
    service.rollback_to_checkpoint(target)
"""


def main() -> None:
    """Run the harness; exit 1 at the first broken promise, naming the seed and round."""
    arguments = _arguments()
    with (
        tempfile.TemporaryDirectory(prefix="rewind-kills-") as scratch,
        ScratchDatabase(arguments.backend, Path(scratch)) as url,
    ):
        harness = Harness(url, Path(scratch), random.Random(arguments.seed))
        harness.run(arguments.kills)
        print(
            f"{arguments.backend}: {harness.kills.total()} kills "
            f"({harness.kills['snapshot']} during snapshots, "
            f"{harness.kills['rollback']} during rollbacks) in {harness.rounds} rounds, "
            f"{harness.checked} checkpoints restored and checked, seed {arguments.seed}: "
            "no problem"
        )


class Harness:
    """One workspace, one database, and the checks run after every kill."""

    def __init__(self, url: str, scratch: Path, moves: random.Random) -> None:
        self.url = url
        self.scratch = scratch
        self.moves = moves
        self.workspace = scratch / "workspace"
        self.kills: Counter[str] = Counter()
        self.rounds = 0
        self.checked = 0
        self._seen: set[str] = set()
        for index in range(30):
            self._write(f"src/module_{index}.py")
        with CheckpointService.open(url) as service:
            service.create_workspace_snapshot(PLAN, self.workspace)

    def run(self, kills: int) -> None:
        """Play rounds until ``kills`` workers were killed (or three times as many rounds)."""
        while self.kills.total() < kills and self.rounds < 3 * kills:
            self.rounds += 1
            self._change_workspace()
            self._round()

    def _round(self) -> None:
        with CheckpointService.open(self.url) as service:
            snapshots = service.list_checkpoints(PLAN)
            before = self._files()
            safety_before = len(service.list_checkpoints(PLAN, checkpoint_type="safety"))
        operation = self.moves.choice(["snapshot", "rollback"])
        target = self.moves.choice(snapshots).checkpoint_id
        phase = self.moves.choice(["operation", "writing"])
        largest = LARGEST_WRITING_MOMENT if phase == "writing" else LARGEST_MOMENT
        moment = str(self.moves.randrange(1, largest))
        workspace = str(self.workspace)
        worker = subprocess.run(
            [sys.executable, "-c", WORKER, self.url, workspace, operation, target, moment, phase],
            capture_output=True,
            text=True,
            check=False,
        )
        if worker.returncode not in (0, -signal.SIGKILL):
            self._fail(f"the worker failed on its own:\n{worker.stderr}")
        if worker.returncode == -signal.SIGKILL:
            self.kills[operation] += 1
        with CheckpointService.open(self.url) as service:
            self._check(service, operation, target, before, safety_before)

    def _check(
        self,
        service: CheckpointService,
        operation: str,
        target: str,
        before: dict[str, bytes],
        safety_before: int,
    ) -> None:
        report = service.verify()
        if not report.ok:
            self._fail(f"verify found problems: {[str(problem) for problem in report.problems]}")
        rolled_back = len(service.list_checkpoints(PLAN, checkpoint_type="safety")) > safety_before
        latest = service.create_workspace_snapshot(PLAN, self.workspace)  # finishes a rollback
        if operation == "rollback" and rolled_back and service.diff(target).entries:
            self._fail(f"a rollback to {target} that committed was not finished")
        if operation == "rollback" and not rolled_back and self._files() != before:
            self._fail("a rollback killed before its commit changed the workspace")
        if service.diff(latest.checkpoint_id).entries:
            self._fail("the snapshot after a kill does not match the workspace")
        prefix = temporary_prefix(os.path.realpath(self.workspace))
        leftovers = [path for path in self.workspace.rglob(f"{prefix}*")]
        if leftovers:
            self._fail(f"temporary files were left behind: {leftovers}")
        for checkpoint in service.list_checkpoints(PLAN):
            if checkpoint.checkpoint_id not in self._seen:
                self._check_restores(service, checkpoint)

    def _check_restores(self, service: CheckpointService, checkpoint: Checkpoint) -> None:
        into = self.scratch / f"restore-{uuid.uuid4().hex}"
        service.restore_into(checkpoint.checkpoint_id, into)
        with WorkspaceRoot(os.path.realpath(into)) as root:
            restored = tree_hash(WorkspaceScanner().scan(root).tree.values())
        if restored != checkpoint.tree_hash:
            self._fail(f"checkpoint {checkpoint.checkpoint_id} restores to another tree")
        self._seen.add(checkpoint.checkpoint_id)
        self.checked += 1

    def _change_workspace(self) -> None:
        files = sorted(path for path in self.workspace.rglob("*") if path.is_file())
        for _ in range(self.moves.randrange(1, 6)):
            move = self.moves.random()
            if move < WRITE or not files:
                self._write(f"src/module_{self.moves.randrange(60)}.py")
            elif move < DELETE:
                self.moves.choice(files).unlink(missing_ok=True)
            else:
                self._write(f"data/{self.moves.randrange(10)}/blob.bin", binary=True)

    def _write(self, relative: str, *, binary: bool = False) -> None:
        path = self.workspace / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        size = self.moves.randrange(0, 200_000 if binary else 4_000)
        path.write_bytes(self.moves.randbytes(size) if binary else b"x = 1\n" * (size // 6))

    def _files(self) -> dict[str, bytes]:
        return {
            path.relative_to(self.workspace).as_posix(): path.read_bytes()
            for path in self.workspace.rglob("*")
            if path.is_file() and not path.is_symlink()
        }

    def _fail(self, message: str) -> None:
        raise SystemExit(f"round {self.rounds}: {message}")


class ScratchDatabase:
    """A fresh database: a SQLite file in the scratch directory, or a new PostgreSQL schema."""

    def __init__(self, backend: str, scratch: Path) -> None:
        self.backend = backend
        self.scratch = scratch
        self.schema = f"rewind_kills_{uuid.uuid4().hex[:12]}"
        self.server = os.environ.get("REWIND_TEST_POSTGRES_URL", "")

    def __enter__(self) -> str:
        if self.backend == "sqlite":
            return f"sqlite:///{self.scratch / 'store' / 'rewind.db'}"
        if not self.server:
            raise SystemExit("--backend postgres needs REWIND_TEST_POSTGRES_URL")
        self._execute(f'CREATE SCHEMA "{self.schema}"')
        separator = "&" if "?" in self.server else "?"
        return f"{self.server}{separator}options={quote(f'-csearch_path={self.schema}')}"

    def __exit__(self, *exc_info: object) -> None:
        if self.backend == "postgres":
            self._execute(f'DROP SCHEMA "{self.schema}" CASCADE')

    def _execute(self, statement: str) -> None:
        import psycopg  # noqa: PLC0415 - only the PostgreSQL backend needs it

        with psycopg.connect(self.server, autocommit=True) as connection:
            connection.execute(statement)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--kills", type=int, default=200, help="how many workers to kill")
    parser.add_argument("--seed", type=int, default=1, help="replays the same rounds")
    return parser.parse_args()


if __name__ == "__main__":
    main()
