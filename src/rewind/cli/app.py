"""The command's plumbing: the top-level group, one run's session, and the way out.

A command hands ``run`` or ``with_service`` an action; its ``Outcome`` or ``RewindError`` is
printed for people or as the JSON envelope, and becomes the exit status.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NoReturn

import click

from rewind.cli import render
from rewind.errors import RewindError
from rewind.models import Checkpoint
from rewind.service import DATABASE_URL_VARIABLE, CheckpointService

__all__ = [
    "Outcome",
    "Session",
    "fail",
    "main",
    "named_checkpoint",
    "progress",
    "run",
    "session_of",
    "with_service",
]

DISTRIBUTION = "rewind-checkpoints"
"""The name rewind is installed under (``pip install rewind-checkpoints``); it imports as rewind."""
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass
class Session:
    """One run of the command: its arguments, store and output mode (Click's ``ctx.obj``)."""

    arguments: list[str]
    database_url: str | None = None
    json_output: bool = False
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    started: float = field(default_factory=time.perf_counter)

    def envelope(
        self, command: str | None, exit_code: int, data: Any, error: dict[str, Any] | None
    ) -> dict[str, Any]:
        """The JSON document of this run (see ``rewind.cli.render.envelope``)."""
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
@click.option("--json", "json_output", is_flag=True, help="Print one JSON document (any command).")
@click.version_option(package_name=DISTRIBUTION)
@click.pass_context
def main(context: click.Context, database_url: str | None, json_output: bool) -> None:
    """Checkpoint an agent's workspace, find every checkpoint again, and roll back."""
    session = session_of(context)
    session.database_url = database_url
    session.json_output = session.json_output or json_output


def _as_url(database: str | None) -> str | None:
    """Take a plain file path (no ``scheme:`` in front) as the SQLite database at that path.

    Raises:
        click.BadParameter: ``database`` is empty (it would mean the current directory).
    """
    if database is not None and not database.strip():
        raise click.BadParameter("is empty: give a database URL or the path of a SQLite file")
    if database is None or _SCHEME.match(database):
        return database
    return f"sqlite:///{os.path.abspath(database)}"


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
            error = render.error_document(exc, "aborted: nothing was changed")
            render.echo_json(session.envelope(command, 1, None, error))
        raise
    if session.json_output:
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
        with CheckpointService.open(url, create=create) as service:
            return action(service)

    run(opened)


def fail(session: Session, command: str | None, exc: RewindError) -> NoReturn:
    """Print a RewindError as one line on stderr (and its envelope with ``--json``); exit 1."""
    message = " ".join(str(exc).splitlines())
    if session.json_output:
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
    from rich.console import Console  # noqa: PLC0415 - Rich loads only for a terminal

    with Console(stderr=True).status(message):
        yield


def named_checkpoint(service: CheckpointService, id_or_prefix: str) -> Checkpoint:
    """The checkpoint named by its id or a unique prefix of it."""
    return service.get_checkpoint(service.resolve_checkpoint_id(id_or_prefix))
