"""``rewind rollback`` and ``restore``: write a checkpoint's files back, in place or elsewhere."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from functools import partial

import click

from rewind.cli import render
from rewind.cli.app import Outcome, main, named_checkpoint, progress, with_service
from rewind.cli.params import json_option, quiet_option
from rewind.models import Checkpoint
from rewind.service import CheckpointService

__all__: list[str] = []


@main.command()
@click.argument("checkpoint_id")
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@quiet_option
@json_option
def rollback(*, checkpoint_id: str, dry_run: bool, yes: bool, quiet: bool) -> None:
    """Put the workspace of CHECKPOINT_ID back exactly as it was then.

    The current state is snapshotted first; the printed safety checkpoint undoes the rollback.
    """

    def roll_back(service: CheckpointService) -> Outcome:
        target = named_checkpoint(service, checkpoint_id)
        if dry_run:
            with progress("Comparing"):
                result = service.rollback_to_checkpoint(target.checkpoint_id, dry_run=True)
        else:
            if not yes:
                _confirm_rollback(service, target)
            with progress(f"Rolling back to {target.checkpoint_id}"):
                result = service.rollback_to_checkpoint(target.checkpoint_id)
        show = partial(render.print_rollback, result, quiet=quiet)
        return Outcome(result.model_dump(mode="json"), show)

    with_service(roll_back)


def _confirm_rollback(service: CheckpointService, target: Checkpoint) -> None:
    """Show the rollback's plan once on stderr and ask; ``click.Abort`` unless confirmed."""
    with progress("Comparing"):
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
@quiet_option
@json_option
def restore(*, checkpoint_id: str, target_dir: str, quiet: bool) -> None:
    """Write the files of CHECKPOINT_ID into another directory."""

    def write(service: CheckpointService) -> Outcome:
        target = service.resolve_checkpoint_id(checkpoint_id)
        with progress(f"Restoring {target}"):
            result = service.restore_into(target, target_dir)
        directory = os.path.abspath(target_dir)
        data = {**result.model_dump(mode="json"), "into": directory}
        return Outcome(data, partial(render.print_restore, result, directory, quiet=quiet))

    with_service(write)
