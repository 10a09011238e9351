"""``rewind list``, ``show`` and ``diff``: find checkpoints and compare them, changing nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING

import click

from rewind.cli.app import (
    Outcome,
    current_workspace,
    main,
    named_checkpoint,
    named_id,
    session_of,
    with_service,
)
from rewind.cli.params import (
    CHECKPOINT_TYPES,
    COUNT,
    DECISION_HELP,
    PLAN_HELP,
    json_option,
    workspace_option,
)

if TYPE_CHECKING:
    from rewind.service import CheckpointService

__all__: list[str] = []


@main.command(name="list")
@click.option("--plan", "plan_id", help=f"Only this plan's checkpoints. {PLAN_HELP}")
@click.option(
    "--decision", "decision_id", help=f"Only this decision's checkpoints. {DECISION_HELP}"
)
@click.option(
    "--type", "checkpoint_type", type=CHECKPOINT_TYPES, help="Only checkpoints of this type."
)
@click.option(
    "--all",
    "every_workspace",
    is_flag=True,
    help="Every workspace's checkpoints, not only those of the workspace you are in.",
)
@click.option(
    "--session", "session_id", help="Only this agent session's checkpoints (its hooks' session id)."
)
@click.option("--limit", type=COUNT, help="At most this many.")
@workspace_option
@json_option
def list_(
    *,
    plan_id: str | None,
    decision_id: str | None,
    checkpoint_type: str | None,
    every_workspace: bool,
    session_id: str | None,
    limit: int | None,
) -> None:
    """List checkpoints, newest first: short id, time (UTC), type, plan, changes, label.

    Inside a workspace, only its checkpoints (--all: every workspace's, with a workspace
    column); outside every workspace, all of them. The short id names a checkpoint in
    every command. On a terminal the table fits its width, in colour (unless NO_COLOR is
    set), through a pager when longer than the screen.
    """
    if every_workspace and session_of().workspace is not None:
        raise click.UsageError("--all and --workspace contradict each other: give one")

    def find(service: CheckpointService) -> Outcome:
        from rewind.cli import listing

        workspace = None if every_workspace else current_workspace(service)
        checkpoints = service.list_checkpoints(
            plan_id,
            decision_id=decision_id,
            checkpoint_type=checkpoint_type,
            limit=limit,
            sandbox_ref=workspace,
            session_id=session_id,
        )
        data = {"checkpoints": [checkpoint.model_dump(mode="json") for checkpoint in checkpoints]}
        show = partial(
            listing.print_listing,
            checkpoints,
            workspace_column=workspace is None,
            pager=session_of().pager,
        )
        return Outcome(data, show)

    with_service(find)


@main.command()
@click.argument("checkpoint_id", metavar="CHECKPOINT")
@workspace_option
@json_option
def show(*, checkpoint_id: str) -> None:
    """Print one checkpoint, metadata included.

    CHECKPOINT is its short id, latest (or @), ~N, NAME~N, a label, or the start of its id.
    """

    def find(service: CheckpointService) -> Outcome:
        from rewind.cli import render

        found = named_checkpoint(service, checkpoint_id)
        show = partial(render.print_checkpoint, found, datetime.now(UTC))
        return Outcome(found.model_dump(mode="json"), show)

    with_service(find)


@main.command()
@click.argument("base_id", metavar="BASE")
@click.argument("target_id", metavar="[TARGET]", required=False)
@click.option("--patch", "-p", is_flag=True, help="Print a unified diff of each changed file.")
@click.option("--exit-code", is_flag=True, help="Exit with status 1 if anything changed.")
@workspace_option
@json_option
def diff(*, base_id: str, target_id: str | None, patch: bool, exit_code: bool) -> None:
    """Show what changed from BASE to TARGET (default: the live workspace).

    Each is a short id, latest (or @), ~N, NAME~N, a label, or the start of an id:
    rewind diff ~1 shows what changed since the checkpoint before the latest.
    """

    def compare(service: CheckpointService) -> Outcome:
        from rewind.cli import render

        base = named_id(service, base_id)
        target = None if target_id is None else named_id(service, target_id)
        manifest = service.diff(base, target)
        text = service.patch(base, target) if patch else None
        data = {**manifest.model_dump(mode="json"), "patch": text}
        show = partial(render.print_diff, manifest, text)
        return Outcome(data, show, 1 if exit_code and manifest.entries else 0)

    with_service(compare)
