"""``rewind fork``, and ``rewind undo --conversation``: an agent's conversation rewound.

``fork TURN`` writes a new Claude Code session beside the old one whose transcript ends just
before TURN's prompt, and prints the command that continues it (``claude --resume ID``);
the workspace's files are not touched. ``undo --conversation`` undoes the turns as ``undo``
does, then forks the conversation at the turn it went back to: the transcript is read and
checked before the undo changes anything (``ConversationUndo``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import click

from rewind.cli import render
from rewind.cli.app import Outcome, current_workspace, main, with_service
from rewind.cli.params import json_option, workspace_option

if TYPE_CHECKING:
    from collections.abc import Callable

    from rewind.models import ConversationFork, RollbackResult
    from rewind.service import CheckpointService

__all__ = ["ConversationUndo"]


@main.command()
@click.argument("turn")
@click.option(
    "--session-id",
    "new_session_id",
    metavar="UUID",
    help="The new session's id (default: a new random one).",
)
@click.option("--dry-run", is_flag=True, help="Read and check the transcript; write nothing.")
@workspace_option
@json_option
def fork(*, turn: str, new_session_id: str | None, dry_run: bool) -> None:
    """Fork the agent's conversation just before TURN's prompt, as a new Claude Code session.

    TURN is a turn of the workspace's agent sessions: its first checkpoint's short id, as
    rewind log shows it, or its id. The new session's transcript holds the conversation up
    to that prompt and lies beside the session's own, which is left as it was; continue it
    with the command printed (claude --resume ID). The workspace's files are not touched:
    rewind undo --conversation puts back both.
    """

    def run(service: CheckpointService) -> Outcome:
        workspace = _workspace(service)
        result = service.fork_conversation(
            workspace, turn, new_session_id=new_session_id, dry_run=dry_run
        )
        return Outcome(result.model_dump(mode="json"), partial(render.print_fork, result))

    with_service(run)


@dataclass(frozen=True)
class ConversationUndo:
    """``undo --conversation``: the conversation forked at the turn an undo went back to.

    ``checked`` is made before the undo: a dry run of the undo says which turn it goes back
    to, and a dry run of the fork reads and checks that turn's transcript, so a transcript
    rewind cannot fork stops the command before any file changes. ``after`` then forks (a
    dry run's outcome gets the dry run's fork) and adds it to the undo's outcome: its JSON
    under ``conversation``, its lines after the undo's.
    """

    service: CheckpointService
    workspace: str
    planned: ConversationFork

    @classmethod
    def checked(
        cls, service: CheckpointService, workspace: str, undo: Callable[..., RollbackResult]
    ) -> ConversationUndo:
        """Check, changing nothing, that the turn ``undo`` goes back to can be forked."""
        target = undo(dry_run=True).checkpoint_id
        return cls(service, workspace, service.fork_conversation(workspace, target, dry_run=True))

    def after(self, undone: Outcome) -> Outcome:
        """The undo's outcome with the conversation forked (unless the undo was a dry run)."""
        forked = self.planned
        if not undone.data["dry_run"]:
            forked = self.service.fork_conversation(self.workspace, undone.data["checkpoint_id"])
        data = {**undone.data, "conversation": forked.model_dump(mode="json")}

        def show() -> None:
            undone.show()
            render.print_fork(forked)

        return Outcome(data, show, undone.exit_code, undone.error)


def _workspace(service: CheckpointService) -> str:
    workspace = current_workspace(service)
    if workspace is None:
        raise click.UsageError(
            "no workspace here: run it inside a workspace rewind has snapshots of, or give "
            "--workspace DIR"
        )
    return workspace
