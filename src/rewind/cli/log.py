"""``rewind log``: an agent's sessions in a workspace, turn by turn, as a person reads them.

Each session (newest first) gets a header line; under it each turn, oldest first, is its
prompt's first line with the files it changed and the lines it added and removed, and under
each turn its tool calls with the same counts. On a terminal the lines fit its width, are
coloured unless ``NO_COLOR`` is set and go through the pager when longer than the screen;
written to a pipe or a file they are plain, unpaged, and fit 80 columns.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING

import click

from rewind.cli.app import Outcome, current_workspace, main, session_of, with_service
from rewind.cli.params import json_option, workspace_option
from rewind.cli.render import echo_lines, terminal_style, utc

if TYPE_CHECKING:
    from rewind.models import ChangeCounts, SessionSummary
    from rewind.service import CheckpointService

__all__: list[str] = []

ELLIPSIS = "…"
WIDTH = 80
"""The width of the lines written to a pipe or a file (a terminal's own width else)."""


@main.command(name="log")
@click.option(
    "--session", "session_id", help="This agent session (its hooks' session id), not the latest."
)
@click.option("--all", "every_session", is_flag=True, help="Every session, newest first.")
@workspace_option
@json_option
def log(*, session_id: str | None, every_session: bool) -> None:
    """Show the latest agent session in this workspace, turn by turn, with what each changed.

    Each turn is its prompt's first line with the files changed and lines added (+) and
    removed (-), and under it its tool calls with the same counts. --all: every session,
    newest first; --session ID: that one. On a terminal, in colour (unless NO_COLOR is
    set), through a pager when longer than the screen.
    """
    if every_session and session_id is not None:
        raise click.UsageError("--all and --session contradict each other: give one")

    def find(service: CheckpointService) -> Outcome:
        workspace = current_workspace(service)
        if workspace is None:
            raise click.UsageError(
                "not in a workspace rewind has snapshots of: go into one, or give --workspace"
            )
        sessions = service.list_sessions(
            workspace,
            session_id=session_id,
            limit=None if every_session or session_id is not None else 1,
        )
        data = {
            "workspace": workspace,
            "sessions": [session.model_dump(mode="json") for session in sessions],
        }
        return Outcome(data, partial(print_log, sessions, pager=session_of().pager))

    with_service(find)


def print_log(sessions: Sequence[SessionSummary], *, pager: bool = True) -> None:
    """Print the sessions, or a line saying there is none."""
    if not sessions:
        click.echo("no agent sessions")
        return
    terminal, colour, size = terminal_style()
    lines = log_lines(sessions, width=size.columns if terminal else WIDTH, colour=colour)
    echo_lines(lines, colour=colour, page=terminal and pager and len(lines) >= size.lines)


def log_lines(sessions: Sequence[SessionSummary], *, width: int, colour: bool) -> list[str]:
    """The lines of the log, each at most ``width`` characters (not counting colour)."""
    from rewind._ids import short_id  # noqa: PLC0415 - ULIDs: not for rewind --help

    home = os.path.expanduser("~")
    rows: list[tuple[str, str, ChangeCounts | None]] = []
    for number, session in enumerate(sessions):
        if number:
            rows.append(("blank", "", None))
        turns = len(session.turns)
        header = (
            f"session {session.session_id}  {session.agent or '?'}  "
            f"{utc(session.started_at)}  {turns} turn{'' if turns == 1 else 's'}"
        )
        rows.append(("session", header, None))
        for turn in session.turns:
            prompt = turn.prompt or f"(turn {turn.turn or '?'}, no prompt kept)"
            mark = "" if turn.ended else "  (not ended)"
            rows.append(
                ("turn", f"{short_id(turn.first_checkpoint_id)}  {prompt}{mark}", turn.changes)
            )
            for call in turn.tool_calls:
                summary = _home_as_tilde(
                    (call.tool_summary or "").replace(session.sandbox_ref + "/", ""), home
                )
                rows.append(("call", f"    {call.tool or '?'}  {summary}".rstrip(), call.changes))
    counts = [_counts(changes) for _kind, _text, changes in rows if changes is not None]
    files_width = max((len(files) for files, _plus, _minus in counts), default=0)
    plus_width = max((len(plus) for _files, plus, _minus in counts), default=0)
    minus_width = max((len(minus) for _files, _plus, minus in counts), default=0)
    right = files_width + plus_width + minus_width + 2
    lines = []
    for kind, text, changes in rows:
        if changes is None:
            cut = _cut(text, width)
            lines.append(click.style(cut, fg="yellow") if colour and cut else cut)
            continue
        files, plus, minus = _counts(changes)
        room = max(width - right - 2, 10)
        left = _cut(text, room).ljust(room)
        stats = [files.rjust(files_width), plus.rjust(plus_width), minus.rjust(minus_width)]
        if colour:
            if kind == "turn":
                left = click.style(left[:8], fg="yellow") + click.style(left[8:], bold=True)
            stats[1] = click.style(stats[1], fg="green")
            stats[2] = click.style(stats[2], fg="red")
        lines.append(f"{left}  {' '.join(stats)}".rstrip())
    return lines


def _counts(changes: ChangeCounts) -> tuple[str, str, str]:
    files = changes.files_changed
    return (
        f"{files} file{'' if files == 1 else 's'}",
        f"+{changes.lines_added}",
        f"-{changes.lines_removed}",
    )


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + ELLIPSIS


def _home_as_tilde(path: str, home: str) -> str:
    """``/home/me/src/app`` as ``~/src/app``, as a shell shows it."""
    if home not in ("", "/") and (path == home or path.startswith(home + "/")):
        return "~" + path[len(home) :]
    return path
