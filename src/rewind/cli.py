"""The ``rewind`` command: parse the arguments, call the service, render the result.

Every command takes ``--db URL`` (default: ``$REWIND_DATABASE_URL``, else
``.rewind/rewind.db`` under the current directory); a plain file path means a SQLite file.
Only ``snapshot`` creates a store that does not exist yet: the commands that read (``list``,
``show``, ``diff``, ``verify``) and those that act on existing checkpoints fail, naming the
database, and create nothing. Errors print one line to stderr and exit with status 1.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from rewind.errors import RewindError
from rewind.models import Checkpoint, CheckpointType, RollbackResult
from rewind.service import DATABASE_URL_VARIABLE, CheckpointService

__all__ = ["main"]

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "database_url",
    envvar=DATABASE_URL_VARIABLE,
    metavar="URL",
    help="Database URL (sqlite:///path or postgresql://...), or the path of a SQLite file. "
    f"Default: ${DATABASE_URL_VARIABLE}, else .rewind/rewind.db here.",
)
@click.version_option(package_name="rewind")
@click.pass_context
def main(context: click.Context, database_url: str | None) -> None:
    """Checkpoint an agent's workspace and find every checkpoint again."""
    context.obj = _as_url(database_url)


def _as_url(database: str | None) -> str | None:
    """Take a plain file path (no ``scheme:`` in front) as the SQLite database at that path."""
    if database is None or _SCHEME.match(database):
        return database
    return f"sqlite:///{os.path.abspath(database)}"


@contextmanager
def _service(context: click.Context, *, create: bool = False) -> Iterator[CheckpointService]:
    """Open the store (creating it only for ``create``); print a RewindError as one line."""
    try:
        with CheckpointService.open(context.obj, create=create) as service:
            yield service
    except RewindError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)


@main.command()
@click.argument("path", type=click.Path(file_okay=True, dir_okay=True))
@click.option("--plan", "plan_id", required=True, help="The plan the snapshot belongs to.")
@click.option("--decision", "decision_id", help="The decision the snapshot precedes.")
@click.option("--label", help="A short text for people.")
@click.option(
    "--type",
    "checkpoint_type",
    type=click.Choice([kind.value for kind in CheckpointType]),
    default=CheckpointType.PRE_DECISION.value,
    show_default=True,
    help="Why the snapshot is taken.",
)
@click.pass_context
def snapshot(  # noqa: PLR0917 - click passes each option as an argument
    context: click.Context,
    path: str,
    plan_id: str,
    decision_id: str | None,
    label: str | None,
    checkpoint_type: str,
) -> None:
    """Snapshot the workspace at PATH; print its id, then each changed path."""
    with _service(context, create=True) as service:
        checkpoint = service.create_workspace_snapshot(
            plan_id,
            path,
            decision_id,
            label=label,
            checkpoint_type=CheckpointType(checkpoint_type),
        )
    click.echo(checkpoint.checkpoint_id)
    for changed in _diff_paths(checkpoint):
        click.echo(f"  {changed}")


@main.command(name="list")
@click.option("--plan", "plan_id", help="Only this plan's checkpoints.")
@click.option("--decision", "decision_id", help="Only this decision's checkpoints.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many.")
@click.pass_context
def list_(
    context: click.Context, plan_id: str | None, decision_id: str | None, limit: int | None
) -> None:
    """List checkpoints, newest first: id, time, type, plan, changed paths, label."""
    with _service(context) as service:
        checkpoints = service.list_checkpoints(plan_id, decision_id=decision_id, limit=limit)
    for checkpoint in checkpoints:
        changed = len(_diff_paths(checkpoint)) if checkpoint.is_snapshot else "-"
        click.echo(
            "  ".join(
                [
                    checkpoint.checkpoint_id,
                    checkpoint.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                    f"{checkpoint.checkpoint_type.value:<13}",
                    checkpoint.plan_id,
                    f"{changed} changed",
                    checkpoint.label or "",
                ]
            ).rstrip()
        )


@main.command()
@click.argument("checkpoint_id")
@click.pass_context
def show(context: click.Context, checkpoint_id: str) -> None:
    """Print one checkpoint, metadata included, as JSON."""
    with _service(context) as service:
        checkpoint = service.get_checkpoint(checkpoint_id)
    document: dict[str, Any] = checkpoint.model_dump(mode="json")
    click.echo(json.dumps(document, indent=2, ensure_ascii=False))


@main.command()
@click.argument("checkpoint_id")
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def rollback(context: click.Context, checkpoint_id: str, dry_run: bool, yes: bool) -> None:
    """Put the workspace of CHECKPOINT_ID back exactly as it was then.

    The current state is snapshotted first; the printed safety checkpoint undoes the rollback.
    """
    with _service(context) as service:
        if not (dry_run or yes):
            _render_actions(service.rollback_to_checkpoint(checkpoint_id, dry_run=True))
            click.confirm("Roll back the workspace?", abort=True)
        result = service.rollback_to_checkpoint(checkpoint_id, dry_run=dry_run)
    _render_actions(result)
    if result.safety_checkpoint_id:
        click.echo(
            f"safety checkpoint {result.safety_checkpoint_id}: "
            f"rewind rollback {result.safety_checkpoint_id} undoes this rollback"
        )


@main.command()
@click.argument("checkpoint_id")
@click.option(
    "--into",
    "target_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="A missing or empty directory to write the files into.",
)
@click.pass_context
def restore(context: click.Context, checkpoint_id: str, target_dir: str) -> None:
    """Write the files of CHECKPOINT_ID into another directory."""
    with _service(context) as service:
        result = service.restore_into(checkpoint_id, target_dir)
    _render_actions(result)


@main.command()
@click.argument("base_id")
@click.argument("target_id", required=False)
@click.pass_context
def diff(context: click.Context, base_id: str, target_id: str | None) -> None:
    """Show what changed from BASE_ID to TARGET_ID (default: the live workspace)."""
    with _service(context) as service:
        manifest = service.diff(base_id, target_id)
    for entry in manifest.entries:
        click.echo(f"{entry.change.value:<9}{entry.path}")


@main.command()
@click.argument("checkpoint_id", required=False)
@click.pass_context
def verify(context: click.Context, checkpoint_id: str | None) -> None:
    """Re-hash what CHECKPOINT_ID needs (default: the whole store); exit 1 on any problem."""
    with _service(context) as service:
        report = service.verify(checkpoint_id)
    for problem in report.problems:
        click.echo(f"problem: {problem}")
    click.echo(f"{report.checked} checkpoints checked, {len(report.problems)} problems")
    if not report.ok:
        sys.exit(1)


def _render_actions(result: RollbackResult) -> None:
    for path in result.restored:
        click.echo(f"restored {path}")
    for path in result.removed:
        click.echo(f"removed  {path}")
    summary = (
        f"{len(result.restored)} restored, {len(result.removed)} removed, "
        f"{result.unchanged_count} unchanged"
    )
    click.echo(f"{summary} (dry run: nothing changed)" if result.dry_run else summary)


def _diff_paths(checkpoint: Checkpoint) -> tuple[str, ...]:
    paths = checkpoint.metadata.extra.get("diff_paths", ())
    return tuple(str(path) for path in paths) if isinstance(paths, tuple) else ()
