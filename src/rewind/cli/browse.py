"""``rewind list``, ``show`` and ``diff``: find checkpoints and compare them, changing nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

import click

from rewind.cli import render
from rewind.cli.app import Outcome, main, named_checkpoint, with_service
from rewind.cli.params import CHECKPOINT_TYPES, json_option
from rewind.models import MAX_COUNT
from rewind.service import CheckpointService

__all__: list[str] = []


@main.command(name="list")
@click.option("--plan", "plan_id", help="Only this plan's checkpoints.")
@click.option("--decision", "decision_id", help="Only this decision's checkpoints.")
@click.option(
    "--type", "checkpoint_type", type=CHECKPOINT_TYPES, help="Only checkpoints of this type."
)
@click.option(
    "--workspace",
    type=click.Path(file_okay=False),
    help="Only checkpoints of this workspace directory.",
)
@click.option("--limit", type=click.IntRange(min=1, max=MAX_COUNT), help="At most this many.")
@json_option
def list_(
    *,
    plan_id: str | None,
    decision_id: str | None,
    checkpoint_type: str | None,
    workspace: str | None,
    limit: int | None,
) -> None:
    """List checkpoints, newest first, with their workspace and time (UTC)."""

    def find(service: CheckpointService) -> Outcome:
        checkpoints = service.list_checkpoints(
            plan_id,
            decision_id=decision_id,
            checkpoint_type=checkpoint_type,
            limit=limit,
            sandbox_ref=workspace,
        )
        data = {"checkpoints": [checkpoint.model_dump(mode="json") for checkpoint in checkpoints]}
        return Outcome(data, partial(render.print_checkpoints, checkpoints))

    with_service(find)


@main.command()
@click.argument("checkpoint_id")
@json_option
def show(*, checkpoint_id: str) -> None:
    """Print one checkpoint, metadata included."""

    def find(service: CheckpointService) -> Outcome:
        checkpoint = named_checkpoint(service, checkpoint_id)
        show = partial(render.print_checkpoint, checkpoint, datetime.now(UTC))
        return Outcome(checkpoint.model_dump(mode="json"), show)

    with_service(find)


@main.command()
@click.argument("base_id")
@click.argument("target_id", required=False)
@click.option("--patch", "-p", is_flag=True, help="Print a unified diff of each changed file.")
@click.option("--exit-code", is_flag=True, help="Exit with status 1 if anything changed.")
@json_option
def diff(*, base_id: str, target_id: str | None, patch: bool, exit_code: bool) -> None:
    """Show what changed from BASE_ID to TARGET_ID (default: the live workspace)."""

    def compare(service: CheckpointService) -> Outcome:
        base = named_checkpoint(service, base_id)
        target = None if target_id is None else service.resolve_checkpoint_id(target_id)
        manifest = service.diff(base.checkpoint_id, target)
        text = service.patch(base.checkpoint_id, target) if patch else None
        data = {**manifest.model_dump(mode="json"), "patch": text}
        show = partial(render.print_diff, manifest, text)
        return Outcome(data, show, 1 if exit_code and manifest.entries else 0)

    with_service(compare)
