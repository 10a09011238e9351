"""``AsyncDriven``: the synchronous service's face on an ``AsyncCheckpointService``.

With ``-D service=async`` every scenario's service is one of these: each call is a coroutine
of the async service, awaited on an event loop of its own thread. So the same scenarios
prove the same behaviour of both services.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from rewind import AsyncCheckpointService, CheckpointService, RetentionPolicy, WatchOptions

_T = TypeVar("_T")


def _awaited(name: str) -> Any:
    """A method that awaits the async service's method of the same name."""

    def call(self: AsyncDriven, *args: Any, **kwargs: Any) -> Any:
        return self.wait(getattr(self.service, name)(*args, **kwargs))

    call.__name__ = name
    return call


class AsyncDriven(CheckpointService):
    """Every use case of ``CheckpointService``, carried out by an ``AsyncCheckpointService``."""

    def __init__(
        self,
        url: str,
        *,
        retention: RetentionPolicy | None = None,
        watch: bool | WatchOptions = False,
    ) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        try:
            opening = AsyncCheckpointService.open(url, retention=retention, watch=watch)
            self.service = self.wait(opening)
        except BaseException:
            self._stop()
            raise

    def wait(self, coroutine: Coroutine[Any, Any, _T]) -> _T:
        """Run ``coroutine`` on the service's event loop and return what it returns."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    @property
    def database(self) -> str:
        """The store's URL, with its password hidden."""
        return self.service.database

    def close(self) -> None:
        """Close the async service, then stop its event loop."""
        try:
            self.wait(self.service.close())
        finally:
            self._stop()

    def _stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()

    create_checkpoint = _awaited("create_checkpoint")
    create_workspace_snapshot = _awaited("create_workspace_snapshot")
    rollback_to_checkpoint = _awaited("rollback_to_checkpoint")
    undo = _awaited("undo")
    redo = _awaited("redo")
    fork_conversation = _awaited("fork_conversation")
    restore_paths = _awaited("restore_paths")
    restore_into = _awaited("restore_into")
    verify = _awaited("verify")
    get_checkpoint = _awaited("get_checkpoint")
    list_checkpoints = _awaited("list_checkpoints")
    list_sessions = _awaited("list_sessions")
    get_changes = _awaited("get_changes")
    read_file = _awaited("read_file")
    file_size = _awaited("file_size")
    diff = _awaited("diff")
    patch = _awaited("patch")
    stats = _awaited("stats")
    prune = _awaited("prune")
    resolve_checkpoint_id = _awaited("resolve_checkpoint_id")
    resolve_checkpoint = _awaited("resolve_checkpoint")
    find_workspace = _awaited("find_workspace")
    watch_report = _awaited("watch_report")

    def guard(self, *args: Any, **kwargs: Any) -> Any:
        """The async service's guard (usable with ``with`` and ``async with``)."""
        return self.service.guard(*args, **kwargs)


_NOT_DRIVEN = {"open"}
_UNDRIVEN = {
    name
    for name in vars(CheckpointService)
    if not name.startswith("_") and name not in _NOT_DRIVEN and name not in vars(AsyncDriven)
}
if _UNDRIVEN:  # a new method would silently run on the sync service: the suite refuses
    raise TypeError(f"AsyncDriven does not drive {sorted(_UNDRIVEN)} through the async service")
