"""``rewind mcp``: the MCP server over standard input and output, for clients that spawn it."""

from __future__ import annotations

import os
from collections.abc import Sequence

import anyio

from rewind.aio import AsyncCheckpointService
from rewind.server.roots import Roots
from rewind.server.tools import build_mcp_server

__all__ = ["run_stdio"]


def run_stdio(url: str | None, roots: Sequence[str | os.PathLike[str]]) -> None:
    """Serve MCP on stdin and stdout until the client closes them; the store is watched.

    Raises:
        RewindError: The store cannot be opened, or a root is not a directory.
    """
    allowed = Roots(roots)

    async def serve() -> None:
        async with await AsyncCheckpointService.open(url, watch=True) as service:
            await build_mcp_server(service, allowed).run_stdio_async()

    anyio.run(serve)
