"""``rewind mcp``: rewind for coding agents. The logic lives in ``rewind.server``.

``rewind.server`` needs the ``mcp`` extra, so it is imported when a command runs, never when
the command line starts.
"""

from __future__ import annotations

import os

import click

from rewind.cli.app import main, session_of
from rewind.errors import RewindError

__all__: list[str] = []

MCP_EXTRA = 'the MCP server needs the mcp extra: python3 -m pip install "rewind-checkpoints[mcp]"'


@main.command()
@click.option(
    "--root",
    "roots",
    multiple=True,
    type=click.Path(file_okay=False),
    help="A directory whose workspaces the server may act on (repeatable; default: here).",
)
def mcp(*, roots: tuple[str, ...]) -> None:
    """Serve MCP on standard input and output, for clients that start their servers.

    The tools act only on workspaces under the roots, symlinks resolved.
    """
    try:
        from rewind.server.stdio import run_stdio  # noqa: PLC0415 - the mcp extra
    except ImportError as exc:
        raise click.ClickException(f"{MCP_EXTRA} ({exc})") from exc
    try:
        run_stdio(session_of().database_url, roots or [os.getcwd()])
    except RewindError as exc:
        raise click.ClickException(str(exc)) from exc
