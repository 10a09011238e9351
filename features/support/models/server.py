"""``ScriptedModelServer``: an HTTP server on 127.0.0.1 that plays a script and records.

It binds a free port (the kernel's choice), serves each request on a thread of its own, and
keeps every request it received, in order, so a test can assert what the agent sent its model.
What it answers is its :class:`ApiStyle`'s business; a request the style does not know (a
``HEAD /``, a ``GET`` of the models, a path of another API) gets a harmless empty answer and is
recorded like the others. Answers are whole bodies with a length, server-sent events included,
so agents' HTTP clients may keep their connections open.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import urlsplit

from support.models.script import Script

MAX_BODY = 64 * 1024 * 1024
"""The largest request body read (an agent sends its whole conversation each time)."""


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes

    @property
    def path(self) -> str:
        """The target without its query."""
        return urlsplit(self.target).path

    @property
    def query(self) -> str:
        """The target's query (``alt=sse``, ``beta=true``), or empty."""
        return urlsplit(self.target).query

    def json(self) -> Any:
        """The body as JSON (None when it is empty or not JSON)."""
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None


@dataclass(frozen=True)
class Reply:
    """An answer: its status, content type and whole body."""

    body: bytes = b"{}"
    content_type: str = "application/json"
    status: int = 200

    @classmethod
    def of_json(cls, document: Any) -> Reply:
        """A JSON answer."""
        return cls(json.dumps(document).encode())

    @classmethod
    def of_events(cls, events: list[tuple[str | None, Any]], *, done: bool = False) -> Reply:
        """A stream of server-sent events: ``(event name or None, JSON data)`` each.

        ``done`` ends the stream with ``data: [DONE]``, as OpenAI's Chat Completions do.
        """
        lines = []
        for name, data in events:
            head = f"event: {name}\n" if name else ""
            lines.append(f"{head}data: {json.dumps(data)}\n\n")
        if done:
            lines.append("data: [DONE]\n\n")
        return cls("".join(lines).encode(), "text/event-stream")


class ApiStyle(Protocol):
    """How one API asks and answers: what each agent speaking it is served."""

    name: str

    def answer(self, request: RecordedRequest, script: Script) -> Reply | None:
        """The answer to ``request``, or None when the style does not know it."""

    def offers_tools(self, request: RecordedRequest) -> bool:
        """Whether ``request`` is the agent's main loop (it offers the model tools)."""

    def results_sent(self, request: RecordedRequest) -> list[str]:
        """The call ids (or, where the API has none, the tool names) of the tool results
        ``request`` carries, in the order of the conversation."""


@dataclass
class ScriptedModelServer:
    """A model on ``http://127.0.0.1:PORT`` playing ``script`` in the API ``style``.

    Start it (``with`` does), give an agent its :attr:`url`, read :attr:`requests` after.
    """

    style: ApiStyle
    script: Script
    requests: list[RecordedRequest] = field(default_factory=list)
    unexpected: list[RecordedRequest] = field(default_factory=list)
    _http: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> ScriptedModelServer:
        """Listen on a free loopback port, serving on a thread of its own."""
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._http.daemon_threads = True
        self._thread = threading.Thread(
            target=self._http.serve_forever, name=f"{self.style.name} model", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and wait for the serving thread."""
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
        if self._thread is not None:
            self._thread.join(timeout=60)
        self._http = self._thread = None

    def __enter__(self) -> ScriptedModelServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port it listens on."""
        assert self._http is not None, "the model server is not started"
        return self._http.server_address[1]

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``, without a path."""
        return f"http://127.0.0.1:{self.port}"

    def serve(self, request: RecordedRequest) -> Reply:
        """Record ``request`` and answer it (unknown requests harmlessly)."""
        try:
            reply = self.style.answer(request, self.script)
        except Exception as exc:  # a bug of the fake must show, not hang the agent
            self.script.problems.append(f"{request.method} {request.target}: {exc!r}")
            reply = Reply.of_json({"error": {"message": str(exc)}})
        with self._lock:
            self.requests.append(request)
            if reply is None:
                self.unexpected.append(request)
        if reply is None:
            return Reply(b"" if request.method == "HEAD" else b"{}")
        return reply

    def main_loop(self) -> list[RecordedRequest]:
        """The requests that played the script (those that offered the model tools)."""
        with self._lock:
            return [request for request in self.requests if self.style.offers_tools(request)]

    @property
    def problems(self) -> list[str]:
        """What went wrong while playing the script (nothing, when all went to plan)."""
        return list(self.script.problems)


def _handler_for(server: ScriptedModelServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            body = self._body()
            request = RecordedRequest(
                self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body
            )
            reply = server.serve(request)
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(reply.body)

        def _body(self) -> bytes:
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                chunks = []
                while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
                while self.rfile.readline().strip():  # the trailers, up to an empty line
                    pass
                return b"".join(chunks)[:MAX_BODY]
            length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY)
            return self.rfile.read(length) if length else b""

        do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = do_OPTIONS = _serve

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the recorded requests say what came."""

    return Handler
