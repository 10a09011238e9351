"""The command's plumbing: the top-level group, one run's session, and the way out.

A command hands ``run`` or ``with_service`` an action; its ``Outcome`` or ``RewindError`` is
printed for people or as the JSON envelope, and becomes the exit status.

Nothing here, nor in the modules that define the commands, imports the library (the
service, its models, storage, Rich) before a command runs: ``rewind --help`` and
``--version`` load Click and little else.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NoReturn

import click

from rewind._private import DATABASE_URL_VARIABLE, database_url
from rewind.errors import RewindError

if TYPE_CHECKING:
    from rewind.models import Checkpoint
    from rewind.service import CheckpointService

__all__ = [
    "Outcome",
    "Session",
    "current_workspace",
    "fail",
    "main",
    "named_checkpoint",
    "named_id",
    "progress",
    "run",
    "session_of",
    "with_service",
]

DISTRIBUTION = "rewind-checkpoints"
"""The name rewind is installed under (``pip install rewind-checkpoints``); it imports as rewind."""
_UNKNOWN = object()
"""A session's workspace before anyone looked for it."""


@dataclass
class Session:
    """One run of the command: its arguments, store and output mode (Click's ``ctx.obj``)."""

    arguments: list[str]
    database_url: str | None = None
    json_output: bool = False
    workspace: str | None = None
    """The workspace ``--workspace`` names (None: the one the current directory lies in)."""
    pager: bool = True
    found_workspace: object = _UNKNOWN
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    started: float = field(default_factory=time.perf_counter)

    def envelope(
        self, command: str | None, exit_code: int, data: Any, error: dict[str, Any] | None
    ) -> dict[str, Any]:
        """The JSON document of this run (see ``rewind.cli.render.envelope``)."""
        from rewind.cli import render

        duration_ms = round((time.perf_counter() - self.started) * 1000)
        return render.envelope(command, exit_code, data, error, self.started_at, duration_ms)


@dataclass(frozen=True)
class Outcome:
    """A command's result: its JSON data, how to print it for people, and its exit status.

    ``error``, with a non-zero status: the one line said on stderr (``error: ...``), with or
    without ``--json``, as for a ``RewindError``.
    """

    data: Any
    show: Callable[[], None]
    exit_code: int = 0
    error: str | None = None


class _RewindGroup(click.Group):
    """The top-level group: it starts the session, and reports usage errors in JSON too."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        session = Session(arguments=list(args))
        try:
            return super().make_context(info_name, args, parent, obj=session, **extra)
        except click.UsageError as exc:
            _report_usage_error(session, exc)
            raise

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            _report_usage_error(session_of(ctx), exc)
            raise


def _report_usage_error(session: Session, exc: click.UsageError) -> None:
    """Print the envelope of a usage error when the arguments ask for JSON."""
    arguments = session.arguments
    before_end = arguments[: arguments.index("--")] if "--" in arguments else arguments
    if session.json_output or "--json" in before_end:
        from rewind.cli import render

        error = render.error_document(exc, exc.format_message())
        render.echo_json(session.envelope(_command_name(exc.ctx), exc.exit_code, None, error))


@click.group(cls=_RewindGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "database_url",
    envvar=DATABASE_URL_VARIABLE,
    metavar="URL",
    callback=lambda _context, _parameter, value: _as_url(value),
    help="Database URL (sqlite:///path or postgresql://...), or the path of a SQLite file. "
    f"Default: ${DATABASE_URL_VARIABLE}, else your own store, "
    "$XDG_DATA_HOME/rewind/rewind.db (~/.local/share/rewind/rewind.db).",
)
@click.option(
    "--workspace",
    type=click.Path(file_okay=False),
    help="The workspace directory to work in (default: the one the current directory is in).",
)
@click.option("--json", "json_output", is_flag=True, help="Print one JSON document (any command).")
@click.option("--no-pager", is_flag=True, help="Never page long output.")
@click.version_option(package_name=DISTRIBUTION)
@click.pass_context
def main(
    context: click.Context,
    database_url: str | None,
    workspace: str | None,
    json_output: bool,
    no_pager: bool,
) -> None:
    """Checkpoint an agent's workspace, find every checkpoint again, and roll back.

    Run inside a workspace (any directory below one rewind has snapshots of), a command
    works on that workspace's history, as git finds its repository; outside every one,
    list shows them all.

    Name a checkpoint by its short id (the first column of rewind list), latest (or @),
    ~N (N back: ~1 is the one before the latest), NAME~N, a label, or the start of its id.
    """
    session = session_of(context)
    session.database_url = database_url
    session.workspace = session.workspace or workspace
    session.json_output = session.json_output or json_output
    session.pager = not no_pager


def _as_url(database: str | None) -> str | None:
    """Take a plain file path (no ``scheme:`` in front) as the SQLite database at that path.

    Raises:
        click.BadParameter: ``database`` is empty (it would mean the current directory).
    """
    if database is not None and not database.strip():
        raise click.BadParameter("is empty: give a database URL or the path of a SQLite file")
    return None if database is None else database_url(database)


def session_of(context: click.Context | None = None) -> Session:
    """The session of this run (of ``context``, else of the command running now)."""
    session = (context or click.get_current_context()).find_object(Session)
    assert session is not None, "the top-level group makes the session"
    return session


def _command_name(context: click.Context | None) -> str | None:
    """``snapshot``, ``db upgrade``: the names after the program's (None for the group)."""
    names: list[str] = []
    while context is not None and context.parent is not None:
        names.append(context.info_name or "")
        context = context.parent
    return " ".join(reversed(names)) or None


def run(action: Callable[[], Outcome]) -> None:
    """Run a command's action; print its outcome or its error; exit with its status."""
    context = click.get_current_context()
    session = session_of(context)
    command = _command_name(context)
    try:
        outcome = action()
    except RewindError as exc:
        fail(session, command, exc)
    except click.Abort as exc:
        if session.json_output:
            from rewind.cli import render

            error = render.error_document(exc, "aborted: nothing was changed")
            render.echo_json(session.envelope(command, 1, None, error))
        raise
    if session.json_output:
        from rewind.cli import render

        render.echo_json(session.envelope(command, outcome.exit_code, outcome.data, None))
    else:
        outcome.show()
    if outcome.exit_code and outcome.error:
        click.echo(f"error: {outcome.error}", err=True)
    if outcome.exit_code:
        context.exit(outcome.exit_code)


def with_service(action: Callable[[CheckpointService], Outcome], *, create: bool = False) -> None:
    """Open the store (creating it only for ``create``) and ``_run`` ``action`` on it."""
    url = session_of().database_url

    def opened() -> Outcome:
        from rewind.service import CheckpointService

        with CheckpointService.open(url, create=create) as service:
            return action(service)

    run(opened)


def fail(session: Session, command: str | None, exc: RewindError) -> NoReturn:
    """Print a RewindError as one line on stderr (and its envelope with ``--json``); exit 1."""
    message = " ".join(str(exc).splitlines())
    if session.json_output:
        from rewind.cli import render

        render.echo_json(session.envelope(command, 1, None, render.error_document(exc, message)))
    click.echo(f"error: {message}", err=True)
    click.get_current_context().exit(1)


def fail_here(exc: RewindError) -> NoReturn:
    """``fail`` the command running now with ``exc``."""
    context = click.get_current_context()
    fail(session_of(context), _command_name(context), exc)


@contextmanager
def progress(message: str) -> Iterator[None]:
    """Show a transient spinner on stderr while the block runs, if stderr is a terminal."""
    if not sys.stderr.isatty():
        yield
        return
    from rich.console import Console  # Rich loads only for a terminal

    with Console(stderr=True).status(message):
        yield


def current_workspace(service: CheckpointService) -> str | None:
    """The workspace this run works in: ``--workspace``, else the one here, else None.

    The one here is the nearest directory at or above the current one that the store has
    snapshots of (``CheckpointService.find_workspace``), looked for once per run.
    """
    session = session_of()
    if session.workspace is not None:
        return session.workspace
    if session.found_workspace is _UNKNOWN:
        try:
            here = os.getcwd()
        except OSError:  # pragma: no cover - the current directory was removed (coverage
            # cannot start there: cli_names.feature runs it, unmeasured)
            session.found_workspace = None
        else:
            session.found_workspace = service.find_workspace(here)
    found = session.found_workspace
    return found if isinstance(found, str) else None


def named_checkpoint(service: CheckpointService, name: str) -> Checkpoint:
    """The checkpoint ``name`` names in this run's workspace (``resolve_checkpoint``)."""
    return service.resolve_checkpoint(name, workspace=current_workspace(service))


def named_id(service: CheckpointService, name: str) -> str:
    """The id of the checkpoint ``name`` names in this run's workspace."""
    return named_checkpoint(service, name).checkpoint_id
