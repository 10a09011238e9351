"""HTTP/1.1 connections that must send each request in time, or are closed.

uvicorn closes a connection idle between requests (its keep-alive timeout), but waits for
ever on one that has sent part of a request's headers, or part of its body: a few such
clients would hold the server's connections. ``timed_protocol`` makes uvicorn's h11
protocol give a client ``header_timeout`` seconds for a request's headers (from connecting,
or from the previous answer) and then ``body_timeout`` seconds for its body; a client that
misses either is disconnected. The clock stops while the server works on the request and
answers it, however long that takes.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["timed_protocol"]

_log = logging.getLogger("rewind.serve")


class _TimedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, closing a connection whose request comes too slowly."""

    header_timeout: float
    body_timeout: float

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._waiting_for: str | None = None
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the clock for the first request's headers."""
        super().connection_made(transport)
        self._follow()

    def data_received(self, data: bytes) -> None:
        """Read, then move the clock on if the headers or the body are now in."""
        super().data_received(data)
        self._follow()

    def on_response_complete(self) -> None:
        """Start the clock for the next request's headers."""
        super().on_response_complete()
        self._follow()

    def connection_lost(self, exc: Exception | None) -> None:
        """Stop the clock."""
        self._stop()
        super().connection_lost(exc)

    def _follow(self) -> None:
        """Time what the client owes now: headers, a body, or nothing (the server's turn)."""
        state = self.conn.their_state
        waiting_for = {h11.IDLE: "headers", h11.SEND_BODY: "body"}.get(state)
        if waiting_for == self._waiting_for:
            return  # more of the same: the clock runs on
        self._stop()
        self._waiting_for = waiting_for
        if waiting_for is not None and not self.transport.is_closing():
            delay = self.header_timeout if waiting_for == "headers" else self.body_timeout
            self._deadline = self.loop.call_later(delay, self._too_slow, waiting_for)

    def _stop(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self, waiting_for: str) -> None:
        client = f"{self.client[0]}:{self.client[1]}" if self.client else "a client"
        _log.warning(
            "closing %s's connection: its request's %s came too slowly", client, waiting_for
        )
        self._deadline = None
        self.transport.close()


def timed_protocol(header_timeout: float, body_timeout: float) -> type[asyncio.Protocol]:
    """The h11 protocol of uvicorn with these timeouts (for ``uvicorn.Config(http=...)``)."""
    return type(
        "TimedH11Protocol",
        (_TimedH11Protocol,),
        {"header_timeout": header_timeout, "body_timeout": body_timeout},
    )
