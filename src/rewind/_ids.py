"""Checkpoint ids: ULIDs that sort by creation time, strictly increasing within a process."""

from __future__ import annotations

import math
import threading
from datetime import datetime

from ulid import ULID

__all__ = ["CheckpointIdFactory", "first_id_at"]


class CheckpointIdFactory:
    """Makes checkpoint ids; two ids made by one factory never compare equal or out of order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0

    def new(self, now: datetime) -> ULID:
        """Return a new id for a checkpoint created at ``now`` (the id keeps its millisecond)."""
        candidate = int(ULID.from_datetime(now))
        with self._lock:
            self._last = max(candidate, self._last + 1)
            return ULID.from_int(self._last)


def first_id_at(moment: datetime) -> str:
    """Return the smallest id of a checkpoint created at or after ``moment``."""
    milliseconds = math.ceil(moment.timestamp() * 1000)
    return str(ULID.from_int(milliseconds << 80))
