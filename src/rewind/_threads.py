"""Running rewind's blocking work off an asyncio event loop without stalling it."""

from __future__ import annotations

import asyncio
import functools
import gc
import threading
from collections.abc import Callable
from typing import ParamSpec, TypeVar

__all__ = ["in_thread", "without_collections"]

_P = ParamSpec("_P")
_T = TypeVar("_T")

_calls_under_way = 0
_collector_was_enabled = False
_collector_lock = threading.Lock()


def without_collections(function: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T:
    """Call ``function`` with Python's cyclic garbage collector paused.

    A collection holds the GIL throughout, and one of the oldest generation walks every
    object of the process: 40 ms and more for what SQLAlchemy and Pydantic alone bring, and
    a snapshot of thousands of files allocates enough to trigger several, each of which
    would stall the event loop. So automatic collections wait while calls of an async
    service run (the first call pauses them, the last one resumes them, if they were on).
    Objects freed by reference counting, nearly all of them, are freed at once as always;
    only cyclic garbage waits for the next collection.
    """
    global _calls_under_way, _collector_was_enabled  # noqa: PLW0603 - the GC is one per process
    with _collector_lock:
        if _calls_under_way == 0:
            _collector_was_enabled = gc.isenabled()
            gc.disable()
        _calls_under_way += 1
    try:
        return function(*args, **kwargs)
    finally:
        with _collector_lock:
            _calls_under_way -= 1
            if _calls_under_way == 0 and _collector_was_enabled:
                gc.enable()


async def in_thread(function: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T:
    """Await ``function`` run in a worker thread, with collections paused meanwhile."""
    return await asyncio.to_thread(
        functools.partial(without_collections, function, *args, **kwargs)
    )
