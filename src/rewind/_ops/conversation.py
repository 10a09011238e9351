"""Forking an agent's conversation just before a turn's prompt, beside the old one.

The turn is found among the workspace's checkpoints (``AgentCall.turn``, newest session
first), or through a checkpoint of it; its session's checkpoints name the agent and the
transcript (``AgentCall.transcript_path``). Only Claude Code's transcripts are forked
(``rewind._ops.transcript`` reads and writes them): the new session's transcript is written
beside the old one, which is never changed.
"""

from __future__ import annotations

import os
import uuid

from rewind._ops.lookup import find_checkpoint, resolve_name
from rewind._ops.transcript import fork_lines, write_transcript
from rewind.errors import InvalidInputError, TranscriptError
from rewind.models import AgentCall, Checkpoint, ConversationFork
from rewind.storage import CheckpointQuery, Store

__all__ = ["ConversationForker"]

FORKABLE_AGENT = "claude-code"
"""The agent whose transcripts rewind can fork."""


class ConversationForker:
    """Forks the conversation of an agent session at one of its turns (see the module)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def fork(
        self, workspace: str, turn: str, *, new_session_id: str | None, dry_run: bool
    ) -> ConversationFork:
        """Write (unless ``dry_run``) a new session ending just before ``turn``'s prompt.

        Raises:
            InvalidInputError: ``turn`` names no turn of the workspace, nor a checkpoint of
                one; it is its session's first; ``new_session_id`` is no fresh UUID.
            TranscriptError: The session has no Claude Code transcript, or it cannot be
                read or is not in the form rewind knows, or the new one cannot be written.
        """
        new_id = _new_session_id(new_session_id)
        call, session = self._turn(workspace, turn)
        assert call.session_id is not None and call.turn is not None  # _turn's promise
        transcript = next(
            (c.transcript_path for c in session if c.transcript_path is not None), None
        )
        if call.agent != FORKABLE_AGENT or transcript is None:
            raise TranscriptError(
                f"session {call.session_id} of {call.agent} recorded no Claude Code "
                "transcript: only Claude Code's conversations can be forked"
            )
        if new_id == call.session_id:
            raise InvalidInputError(f"the new session id {new_id} is the session's own")
        lines = fork_lines(transcript, call.session_id, call.turn, new_id)
        new_path = os.path.join(os.path.dirname(transcript), f"{new_id}.jsonl")
        if not dry_run:
            write_transcript(new_path, lines)
        prompt = next((c.prompt for c in session if c.turn == call.turn and c.prompt), None)
        return ConversationFork(
            agent=call.agent,
            session_id=call.session_id,
            new_session_id=new_id,
            turn=call.turn,
            prompt=prompt,
            transcript_path=transcript,
            new_transcript_path=new_path,
            lines=len(lines),
            dry_run=dry_run,
        )

    def _turn(self, workspace: str, name: str) -> tuple[AgentCall, list[AgentCall]]:
        """An agent call of the turn ``name`` names, and its session's (newest first).

        ``name`` is a turn (the newest session's with it), else a checkpoint of a turn.
        """
        with self._store.reading() as uow:
            recorded = uow.checkpoints.matching(CheckpointQuery(sandbox_ref=workspace))
            calls = [call for call in map(_call, recorded) if call is not None]
            named = next((call for call in calls if call.turn == name), None)
            if named is None:
                checkpoint = find_checkpoint(uow, resolve_name(uow, name, workspace))
                named = _call(checkpoint)
                if named is None or checkpoint.sandbox_ref != workspace:
                    raise InvalidInputError(
                        f"{name!r} names neither a turn of an agent session in {workspace} "
                        "nor a checkpoint of one"
                    )
        session = [call for call in calls if call.session_id == named.session_id]
        return named, session


def _call(checkpoint: Checkpoint) -> AgentCall | None:
    """The agent call of ``checkpoint``, if it names a session and a turn."""
    call = checkpoint.metadata.agent_call
    if call is None or call.session_id is None or call.turn is None:
        return None
    return call


def _new_session_id(given: str | None) -> str:
    """``given``, checked to be a UUID as Claude Code writes one, else a new random one.

    Raises:
        InvalidInputError: ``given`` is not a UUID in its canonical form.
    """
    if given is None:
        return str(uuid.uuid4())
    try:
        canonical = str(uuid.UUID(given)) == given
    except ValueError:
        canonical = False
    if not canonical:
        raise InvalidInputError(
            f"new_session_id {given!r:.80} is not a UUID as Claude Code writes one "
            "(lower case, with its dashes)"
        )
    return given
