"""Checkpoint ids: ULIDs that sort by creation time, and the short ids people type.

They increase strictly within a process and along every workspace's history. A ULID is 10
characters of time (the millisecond) and 16 of randomness; the short id is the first 8
characters of the random part, so two checkpoints taken in the same second (or the same
millisecond) differ in their short ids' first characters, as git's abbreviated hashes do.
"""

from __future__ import annotations

import math
import secrets
import threading
from datetime import datetime

from ulid import ULID

__all__ = [
    "SHORT_ID_LENGTH",
    "SHORT_ID_START",
    "CheckpointIdFactory",
    "first_id_at",
    "id_time",
    "short_id",
]

SHORT_ID_START = 10
"""Where the random part of a ULID starts (after its 10 characters of time)."""
SHORT_ID_LENGTH = 8
"""The characters of the random part a short id shows: 40 bits, one in a trillion."""


def short_id(checkpoint_id: str) -> str:
    """Return the short id of a checkpoint: 8 characters of its id's random part, lowercase.

    ``01M87S5V1VYA4BJGDQRSW027KY`` gives ``ya4bjgdq``.
    """
    return checkpoint_id[SHORT_ID_START : SHORT_ID_START + SHORT_ID_LENGTH].lower()


class CheckpointIdFactory:
    """Makes checkpoint ids; two ids made by one factory never compare equal or out of order.

    An id that must sort after another of the same millisecond (one this factory made, or
    a parent) gets a fresh random part too, never that id plus one, so that ids taken in a
    burst differ in their short ids' first characters: when the fresh part would sort
    lower, the new id takes the next millisecond instead.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0

    def new(self, now: datetime, *, after: str | None = None) -> ULID:
        """Return a new id for a checkpoint created at ``now``.

        The id holds ``now``'s millisecond, or a later one when it must sort after an id of
        that millisecond or later: one this factory made, or ``after`` (a parent made by
        another process whose clock ran ahead, or in the same millisecond).
        """
        candidate = _milliseconds(now) << _RANDOM_BITS | secrets.randbits(_RANDOM_BITS)
        floor = 0 if after is None else int(ULID.from_str(after))
        with self._lock:
            floor = max(floor, self._last)
            if candidate <= floor:
                candidate = _fresh_after(floor)
            self._last = candidate
            return ULID.from_int(candidate)


def _milliseconds(moment: datetime) -> int:
    """The millisecond a ULID of ``moment`` holds (as ``ULID.from_datetime`` counts it)."""
    return int(moment.timestamp() * 1000)


def _fresh_after(floor: int) -> int:
    """An id above ``floor`` with a fresh random part: in its millisecond, else the next one."""
    random = secrets.randbits(_RANDOM_BITS)
    milliseconds = floor >> _RANDOM_BITS
    if random <= floor & _RANDOM_MASK:
        milliseconds += 1
    return milliseconds << _RANDOM_BITS | random


def first_id_at(moment: datetime) -> str:
    """Return the smallest id of a checkpoint created at or after ``moment``.

    Moments before 1970 give the smallest id of all, and moments past what a ULID can hold
    (the year 10889) the largest.
    """
    milliseconds = min(max(math.ceil(moment.timestamp() * 1000), 0), _LAST_MILLISECOND)
    return str(ULID.from_int(milliseconds << _RANDOM_BITS))


def id_time(checkpoint_id: str) -> datetime | None:
    """Return the creation time an id holds (a checkpoint's ``created_at``), or None.

    None for text that is not a ULID.
    """
    try:
        return ULID.from_str(checkpoint_id).datetime
    except ValueError:
        return None


_LAST_MILLISECOND = 2**48 - 1
_RANDOM_BITS = 80
_RANDOM_MASK = 2**_RANDOM_BITS - 1
