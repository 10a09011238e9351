"""``rewind verify``, ``prune`` and ``stats``: look after the store."""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING

import click

from rewind.cli import render
from rewind.cli.app import Outcome, main, named_id, progress, with_service
from rewind.cli.params import (
    CHECKPOINT_TYPES,
    COUNT,
    PLAN_HELP,
    json_option,
    parse_duration,
    parse_size,
    workspace_option,
)
from rewind.errors import InvalidValueError

if TYPE_CHECKING:
    from rewind.models import RetentionPolicy
    from rewind.service import CheckpointService

__all__: list[str] = []


@main.command()
@click.argument("checkpoint_id", metavar="[CHECKPOINT]", required=False)
@workspace_option
@json_option
def verify(*, checkpoint_id: str | None) -> None:
    """Re-hash what CHECKPOINT needs (default: the whole store); exit 1 on any problem."""

    def check(service: CheckpointService) -> Outcome:
        target = None if checkpoint_id is None else named_id(service, checkpoint_id)
        with progress("Verifying"):
            report = service.verify(target)
        show = partial(render.print_verify, report)
        return Outcome(report.model_dump(mode="json"), show, 0 if report.ok else 1)

    with_service(check)


@main.command()
@click.option(
    "--keep-last",
    type=COUNT,
    metavar="N",
    help="Keep the newest N checkpoints of each workspace.",
)
@click.option(
    "--keep-within",
    callback=parse_duration,
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
    type=CHECKPOINT_TYPES,
    multiple=True,
    help="Keep every checkpoint of this type (repeatable).",
)
@click.option(
    "--safety-within",
    callback=parse_duration,
    default="1d",
    show_default=True,
    metavar="DURATION|none",
    help="Keep safety checkpoints only this long; none: like any other.",
)
@click.option(
    "--max-bytes",
    callback=parse_size,
    metavar="SIZE",
    help="Then delete the oldest checkpoints left until the stored contents fit (500M, 2G).",
)
@click.option("--plan", "plan_id", help=f"Prune only this plan's checkpoints. {PLAN_HELP}")
@click.option("--dry-run", is_flag=True, help="Print what would be deleted; delete nothing.")
@json_option
def prune(
    *,
    keep_last: int | None,
    keep_within: timedelta | None,
    keep_labelled: bool,
    keep_types: tuple[str, ...],
    safety_within: timedelta | None,
    max_bytes: int | None,
    plan_id: str | None,
    dry_run: bool,
) -> None:
    """Delete the checkpoints no rule keeps; every kept one stays restorable.

    Each workspace's head and a rollback's target are always kept. At least one of
    --keep-last, --keep-within, --keep-type and --max-bytes is needed. With --max-bytes, the
    oldest checkpoints left then go until the stored contents fit (labelled ones stay
    unless --no-keep-labelled).
    """
    policy = _policy(
        keep_last=keep_last,
        keep_within=keep_within,
        keep_labelled=keep_labelled,
        keep_types=keep_types,
        safety_within=safety_within,
        max_bytes=max_bytes,
    )

    def delete(service: CheckpointService) -> Outcome:
        report = service.prune(policy, plan_id=plan_id, dry_run=dry_run)
        going = set(report.deleted) if dry_run else set()
        listed = service.list_checkpoints(plan_id) if going else []
        doomed = sorted(
            (item for item in listed if item.checkpoint_id in going),
            key=lambda item: item.checkpoint_id,
        )
        data = {**report.model_dump(mode="json"), "policy": policy.model_dump(mode="json")}
        return Outcome(data, partial(render.print_prune, report, doomed))

    with_service(delete)


def _policy(
    *,
    keep_last: int | None,
    keep_within: timedelta | None,
    keep_labelled: bool,
    keep_types: tuple[str, ...],
    safety_within: timedelta | None,
    max_bytes: int | None,
) -> RetentionPolicy:
    """The retention policy prune's options say; a usage error if it keeps nothing."""
    from rewind.models import CheckpointType, RetentionPolicy

    try:
        policy = RetentionPolicy(
            keep_last=keep_last,
            keep_within=keep_within,
            keep_labelled=keep_labelled,
            keep_types=frozenset(CheckpointType(kind) for kind in keep_types),
            safety_within=safety_within,
            max_bytes=max_bytes,
        )
    except InvalidValueError as exc:
        options = ", ".join(f"--{name.replace('_', '-')}" for name in exc.fields)
        raise click.UsageError(f"{options}: {exc}") from exc
    if policy.is_empty:
        raise click.UsageError(
            "say what to keep: --keep-last, --keep-within, --keep-type or --max-bytes "
            "(with none of them nearly everything would go)"
        )
    return policy


@main.command()
@click.option("--plan", "plan_id", help=f"Count only this plan's checkpoints. {PLAN_HELP}")
@json_option
def stats(*, plan_id: str | None) -> None:
    """Print what the store holds, in total and per plan, and how well it packs it."""

    def count(service: CheckpointService) -> Outcome:
        figures = service.stats(plan_id)
        return Outcome(figures.model_dump(mode="json"), partial(render.print_stats, figures))

    with_service(count)
