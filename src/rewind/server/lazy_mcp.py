"""``LazyMcp``: the MCP endpoint, built on its first request.

The official SDK costs about half of the service's imports, and an agent's first hook waits
for the service to start. So the HTTP application answers hooks without it, and the first
request for ``/mcp`` imports the SDK (in a worker thread, so that hooks go on being answered),
builds the SDK's application and starts its lifespan (its session manager) in a task group
that lives as long as the outer application's lifespan.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable

import anyio
from anyio.abc import TaskGroup
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["LazyMcp"]


class LazyMcp:
    """An ASGI application that builds the real one (``build``) when first called.

    ``lifespan`` must be entered (the outer application's lifespan does) before the first
    call; leaving it stops the built application's lifespan.
    """

    def __init__(self, build: Callable[[], ASGIApp]) -> None:
        self._build = build
        self._built: ASGIApp | None = None
        self._lock = anyio.Lock()
        self._tasks: TaskGroup | None = None

    @contextlib.asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        """Hold the task group in which the built application's lifespan will run."""
        async with anyio.create_task_group() as tasks:
            self._tasks = tasks
            try:
                yield
            finally:
                self._tasks = None
                tasks.cancel_scope.cancel()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request with the built application, building it first if need be."""
        app = self._built or await self._start()
        await app(scope, receive, send)

    async def _start(self) -> ASGIApp:
        async with self._lock:
            if self._built is not None:
                return self._built
            assert self._tasks is not None, "LazyMcp is called outside its lifespan"
            app = await anyio.to_thread.run_sync(self._build)
            await self._tasks.start(_run_lifespan, app)
            self._built = app
            return app


async def _run_lifespan(app: ASGIApp, *, task_status: anyio.abc.TaskStatus[None]) -> None:
    """Run ``app``'s lifespan (a Starlette application's) until cancelled."""
    async with app.router.lifespan_context(app):  # type: ignore[attr-defined]
        task_status.started()
        await anyio.sleep_forever()
