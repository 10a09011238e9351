"""Checkpoint ids: ULIDs that sort by creation time.

They increase strictly within a process and along every workspace's history.
"""

from __future__ import annotations

import math
import threading
from datetime import datetime

from ulid import ULID

__all__ = ["CheckpointIdFactory", "first_id_at", "id_time"]


class CheckpointIdFactory:
    """Makes checkpoint ids; two ids made by one factory never compare equal or out of order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0

    def new(self, now: datetime, *, after: str | None = None) -> ULID:
        """Return a new id for a checkpoint created at ``now`` (the id keeps its millisecond).

        ``after`` is an id the new one must sort after (a parent made by another process
        whose clock ran ahead, or in the same millisecond).
        """
        candidate = int(ULID.from_datetime(now))
        if after is not None:
            candidate = max(candidate, int(ULID.from_str(after)) + 1)
        with self._lock:
            self._last = max(candidate, self._last + 1)
            return ULID.from_int(self._last)


def first_id_at(moment: datetime) -> str:
    """Return the smallest id of a checkpoint created at or after ``moment``.

    Moments before 1970 give the smallest id of all, and moments past what a ULID can hold
    (the year 10889) the largest.
    """
    milliseconds = min(max(math.ceil(moment.timestamp() * 1000), 0), _LAST_MILLISECOND)
    return str(ULID.from_int(milliseconds << 80))


def id_time(checkpoint_id: str) -> datetime | None:
    """Return the creation time an id holds (a checkpoint's ``created_at``), or None.

    None for text that is not a ULID.
    """
    try:
        return ULID.from_str(checkpoint_id).datetime
    except ValueError:
        return None


_LAST_MILLISECOND = 2**48 - 1
