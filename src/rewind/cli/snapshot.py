"""``rewind snapshot``: take a snapshot and print what it changed."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import click

from rewind.cli import render
from rewind.cli.app import Outcome, main, progress, with_service
from rewind.cli.params import (
    CHECKPOINT_TYPES,
    DECISION_HELP,
    PLAN_HELP,
    json_option,
    parse_extra,
    quiet_option,
)
from rewind.errors import CheckpointNotFoundError

if TYPE_CHECKING:
    from rewind.models import Checkpoint
    from rewind.service import CheckpointService

__all__: list[str] = []

DEFAULT_PLAN = "default"
"""The plan of the command's snapshots when ``--plan`` is not given (hooks use the agent's)."""


@main.command()
@click.argument("path", type=click.Path())
@click.option(
    "--plan",
    "plan_id",
    default=DEFAULT_PLAN,
    show_default=True,
    help=f"The plan the snapshot belongs to. {PLAN_HELP}",
)
@click.option(
    "--decision", "decision_id", help=f"The decision the snapshot precedes. {DECISION_HELP}"
)
@click.option("--label", help="A short name for people, which names the checkpoint in commands.")
@click.option(
    "--type",
    "checkpoint_type",
    type=CHECKPOINT_TYPES,
    default="pre_decision",
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
    callback=parse_extra,
    help="More metadata (repeatable); VALUE is JSON if it parses, else text.",
)
@quiet_option
@json_option
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

    def take(service: CheckpointService) -> Outcome:
        from rewind.models import CheckpointType

        with progress(f"Snapshotting {path}"):
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
        return Outcome(data, show)

    with_service(take, create=True)


def _snapshot_changes(service: CheckpointService, checkpoint: Checkpoint) -> list[render.Change]:
    """Each path a snapshot recorded, with how it changed since the snapshot's parent."""
    try:
        manifest = service.get_changes(checkpoint.checkpoint_id)
    except CheckpointNotFoundError:  # pruned by another process meanwhile
        return [(path, "changed") for path in render.diff_paths(checkpoint)]
    return [(entry.path, entry.change.value) for entry in manifest.entries]
