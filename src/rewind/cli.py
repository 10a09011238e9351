"""The ``rewind`` command: parse the arguments, call the service, render the result.

Every command takes ``--db URL`` (default: ``$REWIND_DATABASE_URL``, else
``.rewind/rewind.db`` under the current directory); a plain file path means a SQLite file.
Only ``snapshot`` and ``db upgrade`` create a store that does not exist yet: the others fail,
naming the database, and create nothing (``db current`` says there is no store).

A checkpoint is named by its id or any unique prefix of it (4 characters or more, any letter
case). With ``--json`` (before or after the command's name) a command prints one JSON
document, the envelope ``{"command", "status", "exit_code", "data", "timing"}`` (plus
``"error"`` when it fails), documented in the README. Exit status: 0 success; 1 a
``RewindError`` (one line ``error: ...`` on stderr), a problem ``verify`` found, changes
``diff --exit-code`` found, or a rollback not confirmed; 2 a usage error.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, NoReturn, TypeVar

import click

from rewind import _render as render
from rewind.errors import CheckpointNotFoundError, InvalidValueError, RewindError
from rewind.models import (
    MAX_COUNT,
    MAX_DURATION,
    Checkpoint,
    CheckpointType,
    RetentionPolicy,
)
from rewind.schema import schema_status, upgrade_schema
from rewind.service import DATABASE_URL_VARIABLE, CheckpointService, default_database_url

__all__ = ["main"]

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_DURATION = re.compile(r"([0-9]{1,15})([wdhms])")  # ASCII digits; 15 bound int() and any sum
_DURATION_SECONDS = {"w": 604_800, "d": 86_400, "h": 3_600, "m": 60, "s": 1}
_TYPES = click.Choice([kind.value for kind in CheckpointType])
_F = TypeVar("_F", bound=Callable[..., Any])


@dataclass
class _Session:
    """One run of the command: its arguments, store and output mode (Click's ``ctx.obj``)."""

    arguments: list[str]
    database_url: str | None = None
    json_output: bool = False
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    started: float = field(default_factory=time.perf_counter)

    def envelope(
        self, command: str | None, exit_code: int, data: Any, error: dict[str, Any] | None
    ) -> dict[str, Any]:
        """The JSON document of this run (see ``rewind._render.envelope``)."""
        duration_ms = round((time.perf_counter() - self.started) * 1000)
        return render.envelope(command, exit_code, data, error, self.started_at, duration_ms)


@dataclass(frozen=True)
class _Outcome:
    """A command's result: its JSON data, how to print it for people, and its exit status."""

    data: Any
    show: Callable[[], None]
    exit_code: int = 0


class _RewindGroup(click.Group):
    """The top-level group: it starts the session, and reports usage errors in JSON too."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        session = _Session(arguments=list(args))
        try:
            return super().make_context(info_name, args, parent, obj=session, **extra)
        except click.UsageError as exc:
            _report_usage_error(session, exc)
            raise

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            _report_usage_error(_session(ctx), exc)
            raise


def _report_usage_error(session: _Session, exc: click.UsageError) -> None:
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
    f"Default: ${DATABASE_URL_VARIABLE}, else .rewind/rewind.db here.",
)
@click.option("--json", "json_output", is_flag=True, help="Print one JSON document (any command).")
@click.version_option(package_name="rewind")
@click.pass_context
def main(context: click.Context, database_url: str | None, json_output: bool) -> None:
    """Checkpoint an agent's workspace, find every checkpoint again, and roll back."""
    session = _session(context)
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


def _session(context: click.Context | None = None) -> _Session:
    session = (context or click.get_current_context()).find_object(_Session)
    assert session is not None, "the top-level group makes the session"
    return session


def _command_name(context: click.Context | None) -> str | None:
    """``snapshot``, ``db upgrade``: the names after the program's (None for the group)."""
    names: list[str] = []
    while context is not None and context.parent is not None:
        names.append(context.info_name or "")
        context = context.parent
    return " ".join(reversed(names)) or None


def _run(action: Callable[[], _Outcome]) -> None:
    """Run a command's action; print its outcome or its error; exit with its status."""
    context = click.get_current_context()
    session = _session(context)
    command = _command_name(context)
    try:
        outcome = action()
    except RewindError as exc:
        _fail(session, command, exc)
    except click.Abort as exc:
        if session.json_output:
            error = render.error_document(exc, "aborted: nothing was changed")
            render.echo_json(session.envelope(command, 1, None, error))
        raise
    if session.json_output:
        render.echo_json(session.envelope(command, outcome.exit_code, outcome.data, None))
    else:
        outcome.show()
    if outcome.exit_code:
        context.exit(outcome.exit_code)


def _with_service(action: Callable[[CheckpointService], _Outcome], *, create: bool = False) -> None:
    """Open the store (creating it only for ``create``) and ``_run`` ``action`` on it."""
    url = _session().database_url

    def opened() -> _Outcome:
        with CheckpointService.open(url, create=create) as service:
            return action(service)

    _run(opened)


def _fail(session: _Session, command: str | None, exc: RewindError) -> NoReturn:
    """Print a RewindError as one line on stderr (and its envelope with ``--json``); exit 1."""
    message = " ".join(str(exc).splitlines())
    if session.json_output:
        render.echo_json(session.envelope(command, 1, None, render.error_document(exc, message)))
    click.echo(f"error: {message}", err=True)
    click.get_current_context().exit(1)


@contextmanager
def _progress(message: str) -> Iterator[None]:
    """Show a transient spinner on stderr while the block runs, if stderr is a terminal."""
    if not sys.stderr.isatty():
        yield
        return
    from rich.console import Console  # noqa: PLC0415 - Rich loads only for a terminal

    with Console(stderr=True).status(message):
        yield


def _turn_on_json(context: click.Context, _parameter: click.Parameter, value: bool) -> None:
    if value:
        _session(context).json_output = True


def _json_option(function: _F) -> _F:
    return click.option(
        "--json",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=_turn_on_json,
        help="Print one JSON document (the envelope in the README).",
    )(function)


def _quiet_option(function: _F) -> _F:
    return click.option(
        "--quiet", "-q", is_flag=True, help="Print only the counts, not each path."
    )(function)


def _parse_extra(
    _context: click.Context, _parameter: click.Parameter, values: tuple[str, ...]
) -> dict[str, Any]:
    """``KEY=VALUE`` pairs as a mapping; a VALUE that parses as JSON is taken as JSON."""
    extra: dict[str, Any] = {}
    for item in values:
        key, equals, text = item.partition("=")
        if not key or not equals:
            raise click.BadParameter(f"{item!r} is not KEY=VALUE")
        try:
            extra[key] = json.loads(text)
        except ValueError:
            extra[key] = text
    return extra


def _parse_duration(
    _context: click.Context, parameter: click.Parameter, value: str | None
) -> timedelta | None:
    """A duration such as ``30m``, ``12h``, ``7d``, ``2w`` or ``1d12h`` (or ``none``)."""
    text = None if value is None else value.strip().lower()
    if text is None or text == "none":
        return None
    if not text or _DURATION.sub("", text):
        raise click.BadParameter(f"{value!r} is not a duration such as 30m, 12h, 7d or 2w")
    seconds = sum(int(number) * _DURATION_SECONDS[unit] for number, unit in _DURATION.findall(text))
    if seconds > MAX_DURATION.total_seconds():
        raise click.BadParameter(
            f"{value!r} is longer than the longest duration rewind accepts, "
            f"{MAX_DURATION.days}d (100 years)"
        )
    return timedelta(seconds=seconds)


@main.command()
@click.argument("path", type=click.Path())
@click.option("--plan", "plan_id", required=True, help="The plan the snapshot belongs to.")
@click.option("--decision", "decision_id", help="The decision the snapshot precedes.")
@click.option("--label", help="A short text for people.")
@click.option(
    "--type",
    "checkpoint_type",
    type=_TYPES,
    default=CheckpointType.PRE_DECISION.value,
    show_default=True,
    help="Why the snapshot is taken.",
)
@click.option("--reason", help="Why the snapshot is taken, in words.")
@click.option("--source-tool", help="The tool about to run, or that ran.")
@click.option("--phase", help="The orchestration phase.")
@click.option(
    "--extra",
    multiple=True,
    metavar="KEY=VALUE",
    callback=_parse_extra,
    help="More metadata (repeatable); VALUE is JSON if it parses, else text.",
)
@_quiet_option
@_json_option
def snapshot(
    *,
    path: str,
    plan_id: str,
    decision_id: str | None,
    label: str | None,
    checkpoint_type: str,
    reason: str | None,
    source_tool: str | None,
    phase: str | None,
    extra: dict[str, Any],
    quiet: bool,
) -> None:
    """Snapshot the workspace at PATH: print its id, each changed path, and the counts."""

    def take(service: CheckpointService) -> _Outcome:
        with _progress(f"Snapshotting {path}"):
            checkpoint = service.create_workspace_snapshot(
                plan_id,
                path,
                decision_id,
                reason=reason,
                source_tool=source_tool,
                phase=phase,
                extra=extra,
                checkpoint_type=CheckpointType(checkpoint_type),
                label=label,
            )
            changes = _snapshot_changes(service, checkpoint)
        data = {
            "checkpoint": checkpoint.model_dump(mode="json"),
            "changes": [{"path": path, "change": change} for path, change in changes],
        }
        show = partial(render.print_changes, checkpoint.checkpoint_id, changes, quiet=quiet)
        return _Outcome(data, show)

    _with_service(take, create=True)


def _snapshot_changes(service: CheckpointService, checkpoint: Checkpoint) -> list[render.Change]:
    """Each path a snapshot recorded, with how it changed since the snapshot's parent."""
    try:
        manifest = service.get_changes(checkpoint.checkpoint_id)
    except CheckpointNotFoundError:  # pruned by another process meanwhile
        return [(path, "changed") for path in render.diff_paths(checkpoint)]
    return [(entry.path, entry.change.value) for entry in manifest.entries]


@main.command(name="list")
@click.option("--plan", "plan_id", help="Only this plan's checkpoints.")
@click.option("--decision", "decision_id", help="Only this decision's checkpoints.")
@click.option("--type", "checkpoint_type", type=_TYPES, help="Only checkpoints of this type.")
@click.option(
    "--workspace",
    type=click.Path(file_okay=False),
    help="Only checkpoints of this workspace directory.",
)
@click.option("--limit", type=click.IntRange(min=1, max=MAX_COUNT), help="At most this many.")
@_json_option
def list_(
    *,
    plan_id: str | None,
    decision_id: str | None,
    checkpoint_type: str | None,
    workspace: str | None,
    limit: int | None,
) -> None:
    """List checkpoints, newest first, with their workspace and time (UTC)."""

    def find(service: CheckpointService) -> _Outcome:
        checkpoints = service.list_checkpoints(
            plan_id,
            decision_id=decision_id,
            checkpoint_type=checkpoint_type,
            limit=limit,
            sandbox_ref=workspace,
        )
        data = {"checkpoints": [checkpoint.model_dump(mode="json") for checkpoint in checkpoints]}
        return _Outcome(data, partial(render.print_checkpoints, checkpoints))

    _with_service(find)


@main.command()
@click.argument("checkpoint_id")
@_json_option
def show(*, checkpoint_id: str) -> None:
    """Print one checkpoint, metadata included."""

    def find(service: CheckpointService) -> _Outcome:
        checkpoint = _checkpoint(service, checkpoint_id)
        show = partial(render.print_checkpoint, checkpoint, datetime.now(UTC))
        return _Outcome(checkpoint.model_dump(mode="json"), show)

    _with_service(find)


def _checkpoint(service: CheckpointService, id_or_prefix: str) -> Checkpoint:
    return service.get_checkpoint(service.resolve_checkpoint_id(id_or_prefix))


@main.command()
@click.argument("base_id")
@click.argument("target_id", required=False)
@click.option("--patch", "-p", is_flag=True, help="Print a unified diff of each changed file.")
@click.option("--exit-code", is_flag=True, help="Exit with status 1 if anything changed.")
@_json_option
def diff(*, base_id: str, target_id: str | None, patch: bool, exit_code: bool) -> None:
    """Show what changed from BASE_ID to TARGET_ID (default: the live workspace)."""

    def compare(service: CheckpointService) -> _Outcome:
        base = _checkpoint(service, base_id)
        target = None if target_id is None else service.resolve_checkpoint_id(target_id)
        manifest = service.diff(base.checkpoint_id, target)
        text = service.patch(base.checkpoint_id, target) if patch else None
        data = {**manifest.model_dump(mode="json"), "patch": text}
        show = partial(render.print_diff, manifest, text)
        return _Outcome(data, show, 1 if exit_code and manifest.entries else 0)

    _with_service(compare)


@main.command()
@click.argument("checkpoint_id")
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@_quiet_option
@_json_option
def rollback(*, checkpoint_id: str, dry_run: bool, yes: bool, quiet: bool) -> None:
    """Put the workspace of CHECKPOINT_ID back exactly as it was then.

    The current state is snapshotted first; the printed safety checkpoint undoes the rollback.
    """

    def roll_back(service: CheckpointService) -> _Outcome:
        target = _checkpoint(service, checkpoint_id)
        if dry_run:
            with _progress("Comparing"):
                result = service.rollback_to_checkpoint(target.checkpoint_id, dry_run=True)
        else:
            if not yes:
                _confirm_rollback(service, target)
            with _progress(f"Rolling back to {target.checkpoint_id}"):
                result = service.rollback_to_checkpoint(target.checkpoint_id)
        show = partial(render.print_rollback, result, quiet=quiet)
        return _Outcome(result.model_dump(mode="json"), show)

    _with_service(roll_back)


def _confirm_rollback(service: CheckpointService, target: Checkpoint) -> None:
    """Show the rollback's plan once on stderr and ask; ``click.Abort`` unless confirmed."""
    with _progress("Comparing"):
        plan = service.rollback_to_checkpoint(target.checkpoint_id, dry_run=True)
    question = render.rollback_question(target, plan, datetime.now(UTC))
    click.confirm(question, abort=True, err=True)


@main.command()
@click.argument("checkpoint_id")
@click.option(
    "--into",
    "target_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="A missing or empty directory to write the files into.",
)
@_quiet_option
@_json_option
def restore(*, checkpoint_id: str, target_dir: str, quiet: bool) -> None:
    """Write the files of CHECKPOINT_ID into another directory."""

    def write(service: CheckpointService) -> _Outcome:
        target = service.resolve_checkpoint_id(checkpoint_id)
        with _progress(f"Restoring {target}"):
            result = service.restore_into(target, target_dir)
        directory = os.path.abspath(target_dir)
        data = {**result.model_dump(mode="json"), "into": directory}
        return _Outcome(data, partial(render.print_restore, result, directory, quiet=quiet))

    _with_service(write)


@main.command()
@click.argument("checkpoint_id", required=False)
@_json_option
def verify(*, checkpoint_id: str | None) -> None:
    """Re-hash what CHECKPOINT_ID needs (default: the whole store); exit 1 on any problem."""

    def check(service: CheckpointService) -> _Outcome:
        target = None if checkpoint_id is None else service.resolve_checkpoint_id(checkpoint_id)
        with _progress("Verifying"):
            report = service.verify(target)
        show = partial(render.print_verify, report)
        return _Outcome(report.model_dump(mode="json"), show, 0 if report.ok else 1)

    _with_service(check)


@main.command()
@click.option(
    "--keep-last",
    type=click.IntRange(min=1, max=MAX_COUNT),
    metavar="N",
    help="Keep the newest N checkpoints of each workspace.",
)
@click.option(
    "--keep-within",
    callback=_parse_duration,
    metavar="DURATION",
    help="Keep every checkpoint younger than this (30m, 12h, 7d, 2w).",
)
@click.option(
    "--keep-labelled/--no-keep-labelled",
    default=True,
    show_default=True,
    help="Keep every checkpoint with a label.",
)
@click.option(
    "--keep-type",
    "keep_types",
    type=_TYPES,
    multiple=True,
    help="Keep every checkpoint of this type (repeatable).",
)
@click.option(
    "--safety-within",
    callback=_parse_duration,
    default="1d",
    show_default=True,
    metavar="DURATION|none",
    help="Keep safety checkpoints only this long; none: like any other.",
)
@click.option("--plan", "plan_id", help="Prune only this plan's checkpoints.")
@click.option("--dry-run", is_flag=True, help="Print what would be deleted; delete nothing.")
@_json_option
def prune(
    *,
    keep_last: int | None,
    keep_within: timedelta | None,
    keep_labelled: bool,
    keep_types: tuple[str, ...],
    safety_within: timedelta | None,
    plan_id: str | None,
    dry_run: bool,
) -> None:
    """Delete the checkpoints no rule keeps; every kept one stays restorable.

    Each workspace's head and a rollback's target are always kept. At least one of
    --keep-last, --keep-within and --keep-type is needed.
    """
    try:
        policy = RetentionPolicy(
            keep_last=keep_last,
            keep_within=keep_within,
            keep_labelled=keep_labelled,
            keep_types=frozenset(CheckpointType(kind) for kind in keep_types),
            safety_within=safety_within,
        )
    except InvalidValueError as exc:
        options = ", ".join(f"--{name.replace('_', '-')}" for name in exc.fields)
        raise click.UsageError(f"{options}: {exc}") from exc
    if policy.is_empty:
        raise click.UsageError(
            "say what to keep: --keep-last, --keep-within or --keep-type "
            "(with none of them nearly everything would go)"
        )

    def delete(service: CheckpointService) -> _Outcome:
        report = service.prune(policy, plan_id=plan_id, dry_run=dry_run)
        going = set(report.deleted) if dry_run else set()
        listed = service.list_checkpoints(plan_id) if going else []
        doomed = sorted(
            (item for item in listed if item.checkpoint_id in going),
            key=lambda item: item.checkpoint_id,
        )
        data = {**report.model_dump(mode="json"), "policy": policy.model_dump(mode="json")}
        return _Outcome(data, partial(render.print_prune, report, doomed))

    _with_service(delete)


@main.command()
@click.option("--plan", "plan_id", help="Count only this plan's checkpoints.")
@_json_option
def stats(*, plan_id: str | None) -> None:
    """Print what the store holds, in total and per plan, and how well it packs it."""

    def count(service: CheckpointService) -> _Outcome:
        figures = service.stats(plan_id)
        return _Outcome(figures.model_dump(mode="json"), partial(render.print_stats, figures))

    _with_service(count)


@main.group()
def db() -> None:
    """Create, upgrade and inspect the store's schema."""


@db.command()
@_json_option
def upgrade() -> None:
    """Create the store, or upgrade its schema to the newest revision; print the revision."""
    url = _session().database_url or default_database_url()

    def migrate() -> _Outcome:
        upgrade = upgrade_schema(url)
        data = {
            **render.schema_data(upgrade.status),
            "previous_revision": upgrade.previous_revision,
        }
        return _Outcome(data, partial(render.print_upgrade, upgrade))

    _run(migrate)


@db.command()
@_json_option
def current() -> None:
    """Print the store's schema revision, or say there is no store; create nothing."""
    url = _session().database_url or default_database_url()

    def read() -> _Outcome:
        status = schema_status(url)
        return _Outcome(render.schema_data(status), partial(render.print_schema, status))

    _run(read)
