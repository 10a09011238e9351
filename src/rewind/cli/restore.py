"""``rewind rollback`` and ``restore``: write a checkpoint's files back, in place or elsewhere."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING

import click

from rewind.cli import render
from rewind.cli.app import Outcome, main, named_checkpoint, named_id, progress, with_service
from rewind.cli.params import force_option, json_option, quiet_option, workspace_option

if TYPE_CHECKING:
    from rewind.models import Checkpoint
    from rewind.service import CheckpointService

__all__: list[str] = []


@main.command()
@click.argument("checkpoint_id")
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@force_option
@quiet_option
@workspace_option
@json_option
def rollback(*, checkpoint_id: str, dry_run: bool, yes: bool, force: bool, quiet: bool) -> None:
    """Put the workspace of CHECKPOINT_ID back exactly as it was then.

    The current state is snapshotted first; the printed safety checkpoint undoes the rollback.
    Going back over an agent's history, files a person changed since the agent last wrote
    them are kept (exit status 3 if the agent changed them too), unless --force.
    """

    def roll_back(service: CheckpointService) -> Outcome:
        target = named_checkpoint(service, checkpoint_id)
        if dry_run:
            with progress("Comparing"):
                result = service.rollback_to_checkpoint(
                    target.checkpoint_id, dry_run=True, force=force
                )
        else:
            if not yes:
                _confirm_rollback(service, target, force=force)
            with progress(f"Rolling back to {target.checkpoint_id}"):
                result = service.rollback_to_checkpoint(target.checkpoint_id, force=force)
        show = partial(render.print_rollback, result, quiet=quiet)
        status = render.rollback_exit_status(result)
        return Outcome(result.model_dump(mode="json"), show, status)

    with_service(roll_back)


def _confirm_rollback(service: CheckpointService, target: Checkpoint, *, force: bool) -> None:
    """Show the rollback's plan once on stderr and ask; ``click.Abort`` unless confirmed."""
    with progress("Comparing"):
        plan = service.rollback_to_checkpoint(target.checkpoint_id, dry_run=True, force=force)
    question = render.rollback_question(target, plan, datetime.now(UTC))
    click.confirm(question, abort=True, err=True)


@main.command()
@click.argument("checkpoint_id")
@click.option(
    "--into",
    "target_dir",
    type=click.Path(file_okay=False),
    help="A missing or empty directory to write all the files into.",
)
@click.option(
    "--path",
    "paths",
    multiple=True,
    help="Put this path back in the workspace (a directory: all below it). Repeatable.",
)
@click.option(
    "--dry-run", is_flag=True, help="With --path: show what would change; change nothing."
)
@click.option("--yes", "-y", is_flag=True, help="With --path: do not ask for confirmation.")
@force_option
@quiet_option
@workspace_option
@json_option
def restore(
    *,
    checkpoint_id: str,
    target_dir: str | None,
    paths: tuple[str, ...],
    dry_run: bool,
    yes: bool,
    force: bool,
    quiet: bool,
) -> None:
    """Write the files of CHECKPOINT_ID into another directory, or put some paths back.

    With --into, every file goes into that directory. With --path, only those paths are put
    back in the checkpoint's workspace (what the checkpoint did not hold is removed); the
    current state is snapshotted first, and the printed safety checkpoint undoes it.
    """
    if (target_dir is None) == (not paths):
        raise click.UsageError("give either --into DIRECTORY or one or more --path PATH")
    if target_dir is not None and (dry_run or yes or force):
        raise click.UsageError("--dry-run, --yes and --force go with --path, not --into")
    if paths:
        act = partial(_restore_paths, checkpoint_id, paths, dry_run=dry_run, yes=yes)
        with_service(partial(act, force=force, quiet=quiet))
        return

    def write(service: CheckpointService) -> Outcome:
        assert target_dir is not None
        target = named_id(service, checkpoint_id)
        with progress(f"Restoring {target}"):
            result = service.restore_into(target, target_dir)
        directory = os.path.abspath(target_dir)
        data = {**result.model_dump(mode="json"), "into": directory}
        return Outcome(data, partial(render.print_restore, result, directory, quiet=quiet))

    with_service(write)


def _restore_paths(
    checkpoint_id: str,
    paths: tuple[str, ...],
    service: CheckpointService,
    *,
    dry_run: bool,
    yes: bool,
    force: bool,
    quiet: bool,
) -> Outcome:
    """``restore --path``: put back some paths in place, after asking unless ``yes``."""
    target = named_checkpoint(service, checkpoint_id)
    chosen = _as_given_here(paths, target.sandbox_ref)
    restore = partial(service.restore_paths, target.checkpoint_id, chosen, force=force)
    if dry_run:
        with progress("Comparing"):
            result = restore(dry_run=True)
    else:
        if not yes:
            with progress("Comparing"):
                plan = restore(dry_run=True)
            question = render.restore_paths_question(target, plan, datetime.now(UTC))
            click.confirm(question, abort=True, err=True)
        with progress(f"Restoring from {target.checkpoint_id}"):
            result = restore()
    show = partial(render.print_rollback, result, quiet=quiet, undoes="restore")
    return Outcome(result.model_dump(mode="json"), show, render.rollback_exit_status(result))


def _as_given_here(paths: tuple[str, ...], workspace: str) -> list[str]:
    """Relative paths as a shell means them: from here when here is inside the workspace.

    Elsewhere (a shell outside the workspace) they are the workspace's own paths.
    """
    here = os.path.realpath(os.getcwd())
    if here != workspace and not here.startswith(f"{workspace}/"):
        return list(paths)
    return [path if os.path.isabs(path) else os.path.join(here, path) for path in paths]
