"""rewind's MCP tools: look back, compare, read, restore and undo, for any MCP client.

``build_mcp_server`` registers one tool per use case on the official SDK's ``MCPServer``;
each calls the public ``AsyncCheckpointService`` only, after checking that every workspace
it acts on lies under the server's roots. Each result is a typed model (the tool's output
schema; ``results.py``). A ``RewindError`` comes back as a tool error whose text is JSON
carrying its class name, message and ``retryable`` (``error_result``); the server itself
never falls over.
"""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec

from mcp.server.mcpserver import MCPServer
from mcp_types import CallToolResult, TextContent, ToolAnnotations

from rewind import __version__
from rewind.aio import AsyncCheckpointService
from rewind.errors import InvalidInputError, RewindError
from rewind.models import Checkpoint, VerifyReport
from rewind.server.results import (
    Change,
    CheckpointList,
    CheckpointSummary,
    DiffResult,
    FileContent,
    RestoreResult,
    SessionLog,
    StatsResult,
)
from rewind.server.roots import Roots, refuse_nul

__all__ = [
    "DEFAULT_PLAN",
    "MAX_READ_BYTES",
    "MAX_TEXT_BYTES",
    "build_mcp_server",
    "error_result",
]

DEFAULT_PLAN = "agent"
"""The plan an MCP snapshot belongs to when the client names none."""
MAX_TEXT_BYTES = 100_000
"""The most bytes of a patch or a file a tool returns unless asked for another number."""
MAX_READ_BYTES = 16 * 1024 * 1024
"""The most bytes of a patch or a file a tool returns when asked (``max_bytes``: 1 to this)."""
MAX_LISTED = 1000
"""The most checkpoints ``list_checkpoints`` returns at once."""

_CONTINUATION_MASK, _CONTINUATION = 0xC0, 0x80  # UTF-8's bytes after a character's first
_P = ParamSpec("_P")


def error_result(error: RewindError) -> CallToolResult:
    """A tool error any MCP client reads: one text block, JSON describing ``error``.

    The JSON object holds ``error`` (the class name), ``message``, ``retryable`` (whether
    the same call may succeed if simply tried again), ``checkpoint_id`` and ``path`` (or
    null). The result has no structured content: clients check structured content against
    the tool's output schema even on an error (the TypeScript SDK's client does, and so
    every agent built on it), and a refusal has none of the result's fields.
    """
    details = {
        "error": type(error).__name__,
        "message": str(error),
        "retryable": error.retryable,
        "checkpoint_id": error.checkpoint_id,
        "path": error.path,
    }
    text = TextContent(type="text", text=json.dumps(details))
    return CallToolResult(content=[text], is_error=True)


def _reporting_errors(tool: Callable[_P, Awaitable[Any]]) -> Callable[_P, Awaitable[Any]]:
    """Return a ``RewindError`` from ``tool`` as a tool error, never as a crash."""

    @functools.wraps(tool)
    async def reporting(*args: _P.args, **kwargs: _P.kwargs) -> Any:
        try:
            return await tool(*args, **kwargs)
        except RewindError as error:
            return error_result(error)

    return reporting


class _Tools:
    """The tools of one server: a service, and the roots it may act under."""

    def __init__(self, service: AsyncCheckpointService, roots: Roots) -> None:
        self.service = service
        self.roots = roots

    async def _checkpoint(self, checkpoint_id: str) -> Checkpoint:
        """The checkpoint named by ``checkpoint_id`` (or a prefix), if under the roots.

        A checkpoint of another workspace is not found, and never named.
        """
        checkpoint = await self.service.get_checkpoint(
            await self.service.resolve_checkpoint_id(checkpoint_id, within=self.roots.directories)
        )
        self.roots.check(checkpoint.sandbox_ref)
        return checkpoint

    async def snapshot(
        self,
        workspace: str,
        plan: str = DEFAULT_PLAN,
        label: str | None = None,
        reason: str | None = None,
    ) -> CheckpointSummary:
        """Snapshot the workspace directory now (every file, atomically); returns its id."""
        directory = self.roots.check(workspace)
        checkpoint = await self.service.create_workspace_snapshot(
            plan, directory, label=label, reason=reason, source_tool="mcp"
        )
        return CheckpointSummary.of(checkpoint)

    async def list_checkpoints(
        self, workspace: str | None = None, plan: str | None = None, limit: int = 20
    ) -> CheckpointList:
        """List checkpoints, newest first: of one workspace, or of every workspace allowed."""
        if not 1 <= limit <= MAX_LISTED:
            raise InvalidInputError(f"limit must be from 1 to {MAX_LISTED}, not {limit}")
        directory = None if workspace is None else self.roots.check(workspace)
        found = await self.service.list_checkpoints(
            plan, sandbox_ref=directory, limit=None if directory is None else limit
        )
        allowed = [checkpoint for checkpoint in found if checkpoint.sandbox_ref in self.roots]
        return CheckpointList(checkpoints=[CheckpointSummary.of(c) for c in allowed[:limit]])

    async def log(
        self, workspace: str, session_id: str | None = None, all_sessions: bool = False
    ) -> SessionLog:
        """An agent's sessions in a workspace, each turn and tool call with what it changed.

        The latest session, or ``session_id``'s, or (``all_sessions``) every one, newest
        first; each turn with its prompt's first line, files changed and lines added and
        removed, and its tool calls with the same counts.
        """
        directory = self.roots.check(workspace)
        sessions = await self.service.list_sessions(
            directory,
            session_id=session_id,
            limit=None if all_sessions or session_id is not None else 1,
        )
        return SessionLog(workspace=directory, sessions=sessions)

    async def show(self, checkpoint_id: str) -> Checkpoint:
        """Show one checkpoint: its fields, metadata and changed paths."""
        return await self._checkpoint(checkpoint_id)

    async def diff(
        self,
        checkpoint_id: str,
        to_checkpoint_id: str | None = None,
        patch: bool = False,
        max_bytes: int = MAX_TEXT_BYTES,
    ) -> DiffResult:
        """Compare a checkpoint with another, or with the live workspace (no second id)."""
        _check_max_bytes(max_bytes)
        start = await self._checkpoint(checkpoint_id)
        end = None if to_checkpoint_id is None else await self._checkpoint(to_checkpoint_id)
        end_id = None if end is None else end.checkpoint_id
        manifest = await self.service.diff(start.checkpoint_id, end_id)
        text, truncated = None, False
        if patch:  # one byte more than shown says whether there was more
            text, truncated = _capped(
                await self.service.patch(start.checkpoint_id, end_id, max_bytes=max_bytes + 1),
                max_bytes,
            )
        return DiffResult(
            from_checkpoint_id=start.checkpoint_id,
            to_checkpoint_id=end_id,
            changes=[Change(path=e.path, change=e.change.value) for e in manifest.entries],
            patch=text,
            truncated=truncated,
        )

    async def read_file(
        self, checkpoint_id: str, path: str, max_bytes: int = MAX_TEXT_BYTES
    ) -> FileContent:
        """Read one file as a checkpoint recorded it (its first max_bytes bytes)."""
        _check_max_bytes(max_bytes)
        refuse_nul(path, "path")
        checkpoint = await self._checkpoint(checkpoint_id)
        size = await self.service.file_size(checkpoint.checkpoint_id, path)
        shown = await self.service.read_file(checkpoint.checkpoint_id, path, max_bytes=max_bytes)
        text = _as_text(shown, cut=size > len(shown))
        encoded = None if text is not None else base64.b64encode(shown).decode("ascii")
        return FileContent(
            checkpoint_id=checkpoint.checkpoint_id,
            path=path,
            size=size,
            text=text,
            base64=encoded,
            truncated=size > len(shown),
        )

    async def rollback(self, checkpoint_id: str, confirm: bool = False) -> RestoreResult:
        """Put the workspace back exactly as the checkpoint recorded it.

        A dry run unless confirm is true. The result names the safety checkpoint that
        undoes it.
        """
        checkpoint = await self._checkpoint(checkpoint_id)
        result = await self.service.rollback_to_checkpoint(
            checkpoint.checkpoint_id, dry_run=not confirm
        )
        return RestoreResult.of(result, "rollback")

    async def undo(
        self, workspace: str, turns: int = 1, to: str | None = None, confirm: bool = False
    ) -> RestoreResult:
        """Put the workspace back to the start of the last turns of its latest agent session.

        to: a turn id (or a checkpoint of the session) to go back to the start of instead.
        A dry run unless confirm is true. redo puts back what it undid.
        """
        directory = self.roots.check(workspace)
        if to is not None:
            refuse_nul(to, "to")
        result = await self.service.undo(directory, turns=turns, to=to, dry_run=not confirm)
        return RestoreResult.of(result, "undo")

    async def redo(self, workspace: str, confirm: bool = False) -> RestoreResult:
        """Put back what the latest undo of the workspace not redone yet undid.

        A dry run unless confirm is true.
        """
        directory = self.roots.check(workspace)
        result = await self.service.redo(directory, dry_run=not confirm)
        return RestoreResult.of(result, "redo")

    async def restore_paths(
        self,
        checkpoint_id: str,
        paths: list[str],
        workspace: str | None = None,
        confirm: bool = False,
    ) -> RestoreResult:
        """Put back only some paths (a directory: all below it) as the checkpoint had them.

        A dry run unless confirm is true. The result names the safety checkpoint that
        undoes it.
        """
        for path in paths:
            refuse_nul(path, "path")
        checkpoint = await self._checkpoint(checkpoint_id)
        directory = None if workspace is None else self.roots.check(workspace)
        result = await self.service.restore_paths(
            checkpoint.checkpoint_id, paths, workspace=directory, dry_run=not confirm
        )
        return RestoreResult.of(result, "restore")

    async def verify(self, checkpoint_id: str | None = None) -> VerifyReport:
        """Re-read and re-hash what a checkpoint needs, or every checkpoint under the roots."""
        if checkpoint_id is None:
            return await self.service.verify(within=self.roots.directories)
        return await self.service.verify((await self._checkpoint(checkpoint_id)).checkpoint_id)

    async def stats(self, plan: str | None = None) -> StatsResult:
        """What the workspaces under the roots hold: checkpoints, contents, bytes stored, saved."""
        counted = await self.service.stats(plan, within=self.roots.directories)
        return StatsResult.model_validate(counted.model_dump(mode="json"))


def _as_text(content: bytes, *, cut: bool) -> str | None:
    """``content`` as text if it is UTF-8, else None; a ``cut`` one may end mid-character.

    That last character, cut, is left out.
    """
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as exc:
        if cut and exc.reason == "unexpected end of data":
            return content[: exc.start].decode("utf-8")
        return None


def _check_max_bytes(max_bytes: int) -> None:
    """Refuse a ``max_bytes`` outside 1 to ``MAX_READ_BYTES``.

    Raises:
        InvalidInputError: It is outside.
    """
    if not 1 <= max_bytes <= MAX_READ_BYTES:
        raise InvalidInputError(f"max_bytes must be from 1 to {MAX_READ_BYTES}, not {max_bytes}")


def _capped(text: str, max_bytes: int) -> tuple[str, bool]:
    """``text`` cut to at most ``max_bytes`` of UTF-8 (never inside a character).

    A lone surrogate (a file name that is not UTF-8) counts as the three bytes it encodes to.
    """
    encoded = text.encode("utf-8", "surrogatepass")
    if len(encoded) <= max_bytes:
        return text, False
    end = max_bytes
    while end > 0 and encoded[end] & _CONTINUATION_MASK == _CONTINUATION:  # inside a character
        end -= 1
    return encoded[:end].decode("utf-8", "surrogatepass"), True


_READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False)
_WRITES = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False)
_DESTRUCTIVE = ToolAnnotations(read_only_hint=False, destructive_hint=True)


def build_mcp_server(service: AsyncCheckpointService, roots: Roots) -> MCPServer:
    """An MCP server whose tools act through ``service`` on workspaces under ``roots``."""
    server = MCPServer(
        "rewind",
        version=__version__,
        log_level="WARNING",
        instructions=(
            "rewind keeps atomic whole-tree checkpoints of workspaces. list_checkpoints and "
            "diff to look back, read_file to see an old version, rollback or restore_paths "
            "(a dry run first; confirm=true to act) to go back: each names the safety "
            "checkpoint that undoes it."
        ),
    )
    tools = _Tools(service, roots)
    annotated: list[tuple[Callable[..., Awaitable[Any]], ToolAnnotations]] = [
        (tools.snapshot, _WRITES),
        (tools.list_checkpoints, _READ_ONLY),
        (tools.log, _READ_ONLY),
        (tools.show, _READ_ONLY),
        (tools.diff, _READ_ONLY),
        (tools.read_file, _READ_ONLY),
        (tools.rollback, _DESTRUCTIVE),
        (tools.undo, _DESTRUCTIVE),
        (tools.redo, _DESTRUCTIVE),
        (tools.restore_paths, _DESTRUCTIVE),
        (tools.verify, _READ_ONLY),
        (tools.stats, _READ_ONLY),
    ]
    for tool, hints in annotated:
        server.add_tool(_reporting_errors(tool), annotations=hints, structured_output=True)
    return server
