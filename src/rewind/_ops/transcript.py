"""Claude Code's transcript of a session: read up to a turn, and copied into a new session.

Claude Code (2.1) keeps a session's conversation in ``<session id>.jsonl``, in a directory
of its own for each workspace (``~/.claude/projects/<the workspace, dashed>/``), one JSON
object per line, appended as the session goes:

- the conversation's entries (``user``, ``assistant``, ``attachment``, ``system``, ...), each
  with its ``uuid``, the ``parentUuid`` of the entry it follows (null for the first) and the
  ``sessionId``. A prompt is a ``user`` entry whose ``promptId`` is the turn's (the
  ``prompt_id`` of the turn's hook events); the tool results of its turn carry it too;
- bookkeeping without a ``uuid``: the prompt queue (``queue-operation``: a prompt's
  ``enqueue`` and ``dequeue``), the last prompt and the conversation's leaf
  (``last-prompt``), the permission mode (``mode``), ...

A fork at a turn is a new session whose transcript holds every line before the turn's
prompt, each with the new ``sessionId`` and nothing else changed, as Claude Code's own
``--fork-session`` copies the entries (their ``uuid`` too); like it, the fork leaves the
prompt queue's bookkeeping out, which would otherwise name the prompts of the old run.
Anything else is refused, naming the line: a line that is not a JSON object with a
``type``, an entry without its ``uuid``, ``sessionId`` or a ``parentUuid`` naming an
earlier entry, a line of another session, a turn whose first line is not its prompt.

The old transcript is read through a descriptor that does not follow a symlink at its name,
and only up to the turn's prompt; the new one is written to a temporary file (mode 0600)
and linked into place, which never replaces a file nor follows a symlink at its name.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import Any, NoReturn

from rewind.errors import InvalidInputError, TranscriptError

__all__ = ["fork_lines", "write_transcript"]

_QUEUE = "queue-operation"
_MESSAGES = ("user", "assistant")
_NOT_FOLLOWED = os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK


def fork_lines(path: str, session_id: str, turn: str, new_session_id: str) -> list[bytes]:
    """The lines of ``session_id``'s transcript at ``path`` before ``turn``'s prompt.

    Each as it would stand in the new session ``new_session_id`` (ending in a newline).

    Raises:
        TranscriptError: The transcript cannot be read, a line before the prompt is not in
            the form above, or the turn has no prompt in it.
        InvalidInputError: The turn is the session's first: no conversation comes before it.
    """
    directory, name = os.path.split(path)
    if name != f"{session_id}.jsonl":
        raise TranscriptError(
            f"transcript {path} is not Claude Code's {session_id}.jsonl: rewind cannot fork it",
            path=path,
        )
    try:
        with _directory(directory) as directory_fd:
            fd = os.open(name, os.O_RDONLY | _NOT_FOLLOWED, dir_fd=directory_fd)
        with os.fdopen(fd, "rb") as file:
            before = _until_prompt(path, file, session_id, turn)
    except OSError as exc:
        raise TranscriptError(
            f"cannot read transcript {path}: {exc.strerror or exc}", path=path
        ) from exc
    if not any(entry["type"] in _MESSAGES for entry in before):
        raise InvalidInputError(
            f"turn {turn} is the first of session {session_id}: no conversation comes before "
            "it; start the agent afresh instead"
        )
    kept = []
    for entry in before:
        if entry["type"] == _QUEUE:
            continue
        if "sessionId" in entry:
            entry["sessionId"] = new_session_id
        text = json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
        kept.append(text.encode("utf-8", "backslashreplace") + b"\n")  # lone surrogate: \udXXX
    return kept


def _until_prompt(
    path: str, file: Iterable[bytes], session_id: str, turn: str
) -> list[dict[str, Any]]:
    """Each line of ``file`` before ``turn``'s prompt, checked (see the module)."""
    seen: set[str] = set()
    before: list[dict[str, Any]] = []
    for number, raw in enumerate(file, start=1):
        entry = _entry(path, number, raw, session_id, seen)
        if entry.get("promptId") == turn:
            if not _is_prompt(entry):
                _refuse(path, number, f"the first line of turn {turn} is not its prompt")
            return before
        before.append(entry)
    raise TranscriptError(f"transcript {path} holds no prompt of turn {turn}", path=path)


def _entry(path: str, number: int, raw: bytes, session_id: str, seen: set[str]) -> dict[str, Any]:
    """Line ``number`` as a JSON object, checked (see the module); adds its uuid to ``seen``."""
    try:
        entry = json.loads(raw, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        _refuse(path, number, f"is not JSON ({exc})")
    if not isinstance(entry, dict) or not isinstance(entry.get("type"), str):
        _refuse(path, number, "is not a JSON object with a type")
    if entry.get("sessionId", session_id) != session_id:
        _refuse(path, number, f"belongs to session {entry['sessionId']!r:.80}, not {session_id}")
    if "uuid" in entry or "parentUuid" in entry:
        uuid, parent = entry.get("uuid"), entry.get("parentUuid", "")
        if (
            not isinstance(uuid, str)
            or "sessionId" not in entry
            or not (parent is None or parent in seen)
        ):
            _refuse(
                path,
                number,
                "is an entry of the conversation without its uuid, its sessionId, or a "
                "parentUuid naming an earlier entry (or null)",
            )
        seen.add(uuid)
    return entry


def _is_prompt(entry: dict[str, Any]) -> bool:
    """Whether ``entry`` is a person's prompt: a user message that is no tool result."""
    message = entry.get("message")
    if entry["type"] != "user" or "uuid" not in entry or not isinstance(message, dict):
        return False
    content = message.get("content")
    blocks = content if isinstance(content, list) else [content]
    return message.get("role") == "user" and not any(
        isinstance(block, dict) and block.get("type") == "tool_result" for block in blocks
    )


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def _refuse(path: str, number: int, problem: str) -> NoReturn:
    raise TranscriptError(
        f"transcript {path}, line {number}, {problem}: rewind knows Claude Code 2.1's "
        "transcripts; nothing was written",
        path=path,
        line=number,
    )


def write_transcript(path: str, lines: Iterable[bytes]) -> None:
    """Write a new transcript at ``path`` (mode 0600), whole or not at all.

    It is written to a temporary file beside it, then linked to its name: an existing file
    or symlink there is neither replaced nor followed.

    Raises:
        TranscriptError: The file could not be written, or its name is taken.
    """
    directory, name = os.path.split(path)
    temporary = f".{name}.{secrets.token_hex(8)}.tmp"
    try:
        with _directory(directory) as directory_fd:
            try:
                flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOT_FOLLOWED
                fd = os.open(temporary, flags, 0o600, dir_fd=directory_fd)
                with os.fdopen(fd, "wb") as file:
                    os.fchmod(file.fileno(), 0o600)
                    file.writelines(lines)
                    file.flush()
                    os.fsync(file.fileno())
                os.link(
                    temporary, name, src_dir_fd=directory_fd, dst_dir_fd=directory_fd,
                    follow_symlinks=False,
                )  # fmt: skip
                os.fsync(directory_fd)
            finally:
                with suppress(FileNotFoundError):
                    os.unlink(temporary, dir_fd=directory_fd)
    except OSError as exc:
        raise TranscriptError(
            f"cannot write the new transcript {path}: {exc.strerror or exc}; nothing was written",
            path=path,
        ) from exc


@contextmanager
def _directory(directory: str) -> Iterator[int]:
    """A descriptor of ``directory``, closed after the block."""
    directory_fd = os.open(directory or ".", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        yield directory_fd
    finally:
        os.close(directory_fd)
