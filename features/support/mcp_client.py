"""``McpConnection``: the official MCP SDK's own client, driven from synchronous steps.

The client lives in one task on an event loop of its own thread, as the SDK wants (its
context managers are entered and left by the same task); steps hand it calls through a
queue and wait for the results. Over stdio it starts ``rewind mcp`` as the agents do; over
HTTP it is given a function that makes its transport in that task.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

from mcp import Client
from mcp.client._transport import Transport
from mcp.client.stdio import StdioServerParameters
from mcp_types import CallToolResult, TextContent, Tool

_T = TypeVar("_T")
_Call = Callable[[Client], Awaitable[Any]]
_STOP = object()


class McpConnection:
    """One connected SDK client: a subprocess over stdio, or a streamable HTTP transport."""

    def __init__(self, server: StdioServerParameters | Callable[[], Transport]) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._calls: asyncio.Queue[tuple[_Call, Future[Any]] | object] = self._wait(
            self._new_queue()
        )
        self._ready: Future[None] = Future()
        self._session = asyncio.run_coroutine_threadsafe(self._serve(server), self._loop)
        self._ready.result(timeout=60)

    @staticmethod
    async def _new_queue() -> asyncio.Queue[tuple[_Call, Future[Any]] | object]:
        return asyncio.Queue()

    def _wait(self, coroutine: Coroutine[Any, Any, _T]) -> _T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=60)

    async def _serve(self, server: StdioServerParameters | Callable[[], Transport]) -> None:
        try:
            target = server if isinstance(server, StdioServerParameters) else server()
            async with Client(target) as client:
                self._ready.set_result(None)
                while (item := await self._calls.get()) is not _STOP:
                    call, outcome = item  # type: ignore[misc]
                    try:
                        outcome.set_result(await call(client))
                    except Exception as exc:  # handed to the waiting step
                        outcome.set_exception(exc)
        except Exception as exc:
            if not self._ready.done():
                self._ready.set_exception(exc)
            raise

    def run(self, call: _Call) -> Any:
        """Run ``call(client)`` in the client's task; return its result."""
        outcome: Future[Any] = Future()
        self._loop.call_soon_threadsafe(self._calls.put_nowait, (call, outcome))
        return outcome.result(timeout=120)

    def list_tools(self) -> list[Tool]:
        """The tools the server lists."""
        return self.run(lambda client: client.list_tools()).tools  # type: ignore[no-any-return]

    def call_tool(self, name: str, arguments: dict[str, Any]) -> CallToolResult:
        """Call one tool and return its result (a tool error is a result too)."""
        return self.run(lambda client: client.call_tool(name, arguments))  # type: ignore[no-any-return]

    def call_tools_at_once(self, calls: list[tuple[str, dict[str, Any]]]) -> list[CallToolResult]:
        """Send several tool calls without waiting for each; return their results in order."""

        async def together(client: Client) -> list[CallToolResult]:
            return list(
                await asyncio.gather(*(client.call_tool(name, args) for name, args in calls))
            )

        return self.run(together)  # type: ignore[no-any-return]

    def close(self) -> None:
        """Disconnect (a stdio server exits when its input closes), then stop the loop."""
        try:
            self._loop.call_soon_threadsafe(self._calls.put_nowait, _STOP)
            self._session.result(timeout=60)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=60)
            self._loop.close()


def refusal(result: CallToolResult) -> dict[str, Any]:
    """The JSON a refused call's text carries; a refusal has no structured content.

    (A client checks structured content against the tool's output schema, even on an error.)
    """
    assert result.is_error, result
    assert result.structured_content is None, result
    texts = [block.text for block in result.content if isinstance(block, TextContent)]
    assert len(texts) == 1, result.content
    details = json.loads(texts[0])
    assert isinstance(details, dict), details
    assert set(details) == {"error", "message", "retryable", "checkpoint_id", "path"}, details
    return details
