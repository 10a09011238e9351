"""Peak memory growth while rewind snapshots and rolls back a 1 GiB file (measurement 7).

The measuring happens in a child process of its own (this module run as a script):
``python bigfile.py WORK_DIRECTORY SEED`` builds a workspace with one 1 GiB file, notes its
peak resident set, snapshots, changes the file, rolls back to the snapshot, notes the peak
again and prints the figures as one JSON line.

The peak is ``VmHWM`` from ``/proc/self/status``, not ``ru_maxrss``: Linux carries
``ru_maxrss`` across ``fork`` and ``exec``, so a child's starts at its parent's peak (about
400 MB after the other measurements of a full run) and hides any smaller growth. Both are
kept in the figures; ``ru_maxrss`` is the fallback where there is no ``/proc``.
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from figures import MemoryFigures

from rewind import CheckpointService

__all__ = ["measure_big_file"]

MIB = 1024 * 1024
GIB = 1024 * MIB
FILE_BYTES = GIB
FREE_SPACE_NEEDED = 4 * GIB
COUNTER_BYTES = 8


def measure_big_file(seed: int) -> MemoryFigures | str:
    """Run the child in a temporary directory beside ``/tmp``'s others; remove it after.

    Returns:
        The figures, or why the measurement was skipped (too little free disk space).
    """
    temporary = Path(tempfile.gettempdir())
    free = shutil.disk_usage(temporary).free
    if free < FREE_SPACE_NEEDED:
        return (
            f"skipped: {free / GIB:.1f} GiB free in {temporary}, "
            f"{FREE_SPACE_NEEDED / GIB:.0f} GiB needed"
        )
    work = Path(tempfile.mkdtemp(prefix="rewind-bench-memory-", dir=temporary))
    try:
        completed = subprocess.run(
            [sys.executable, __file__, str(work), str(seed)],
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode != 0:
            raise RuntimeError(f"the memory probe failed:\n{completed.stderr}")
        return MemoryFigures(**json.loads(completed.stdout.splitlines()[-1]))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _probe(work: Path, seed: int) -> dict[str, float]:
    """Snapshot, change and roll back one big file; return the figures (in the child)."""
    workspace = work / "workspace"
    workspace.mkdir()
    big = workspace / "big.bin"
    first_block = _write_big_file(big, random.Random(seed))
    os.sync()  # the writeback of the new file is not the snapshot's work
    (work / "store").mkdir()
    with CheckpointService.open(f"sqlite:///{work / 'store' / 'rewind.db'}") as service:
        before, maxrss_before = _peak_resident_kib(), _maxrss_kib()
        started = time.perf_counter()
        checkpoint = service.create_workspace_snapshot("bench-memory", workspace)
        snapshot_seconds = time.perf_counter() - started
        with big.open("r+b") as file:
            file.seek(FILE_BYTES // 2)
            file.write(b"changed by the benchmark" * 1000)
        started = time.perf_counter()
        service.rollback_to_checkpoint(checkpoint.checkpoint_id)
        rollback_seconds = time.perf_counter() - started
        after, maxrss_after = _peak_resident_kib(), _maxrss_kib()
    with big.open("rb") as file:
        restored = file.read(MIB) == first_block and big.stat().st_size == FILE_BYTES
    if not restored:
        raise AssertionError("the rollback did not restore the big file")
    return {
        "file_bytes": FILE_BYTES,
        "peak_before_kib": before,
        "peak_after_kib": after,
        "ru_maxrss_before_kib": maxrss_before,
        "ru_maxrss_after_kib": maxrss_after,
        "snapshot_seconds": snapshot_seconds,
        "rollback_seconds": rollback_seconds,
    }


def _peak_resident_kib() -> int:
    """This process image's peak resident set in KiB: ``VmHWM``, else ``ru_maxrss``."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return _maxrss_kib()


def _maxrss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _write_big_file(path: Path, rng: random.Random) -> bytes:
    """Write ``FILE_BYTES`` of incompressible data, 1 MiB at a time; return the first MiB.

    One random MiB repeated, each copy starting with its own counter, so no two chunks are
    equal (nothing can be deduplicated) and memory stays at one block.
    """
    block = rng.randbytes(MIB - COUNTER_BYTES)
    with path.open("wb") as file:
        for index in range(FILE_BYTES // MIB):
            file.write(index.to_bytes(COUNTER_BYTES, "big") + block)
    return (0).to_bytes(COUNTER_BYTES, "big") + block


if __name__ == "__main__":
    print(json.dumps(_probe(Path(sys.argv[1]), int(sys.argv[2]))))
