"""``rewind undo`` and ``redo``: put back an agent's turns, and what an undo undid."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

import click

from rewind.cli import render
from rewind.cli.app import Outcome, current_workspace, main, progress, with_service
from rewind.cli.fork import ConversationUndo
from rewind.cli.params import force_option, json_option, quiet_option, workspace_option

if TYPE_CHECKING:
    from collections.abc import Callable

    from rewind.models import RollbackResult
    from rewind.service import CheckpointService

__all__: list[str] = []


@main.command()
@click.argument("turns", type=click.IntRange(min=1), default=1)
@click.option("--to", "to", help="Go back to the start of this turn (or checkpoint's turn).")
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--conversation",
    is_flag=True,
    help="Fork the agent's conversation too, before that turn's prompt (see rewind fork).",
)
@force_option
@quiet_option
@workspace_option
@json_option
def undo(
    *,
    turns: int,
    to: str | None,
    dry_run: bool,
    yes: bool,
    conversation: bool,
    force: bool,
    quiet: bool,
) -> None:
    """Put the workspace back to the start of the last TURNS turns of its agent's session.

    The session is the workspace's latest one (its agent's hooks recorded it). The current
    state is snapshotted first: rewind redo puts it back. Files you changed since the agent
    last wrote them are kept (exit status 3 if the undone turns changed them too), unless
    --force.
    """

    def run(service: CheckpointService) -> Outcome:
        workspace = _workspace(service)
        act = partial(service.undo, workspace, turns=turns, to=to, force=force)
        forking = ConversationUndo.checked(service, workspace, act) if conversation else None
        outcome = _carry_out(act, "Undo", workspace, dry_run=dry_run, yes=yes, quiet=quiet)
        return forking.after(outcome) if forking else outcome

    with_service(run)


@main.command()
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@force_option
@quiet_option
@workspace_option
@json_option
def redo(*, dry_run: bool, yes: bool, force: bool, quiet: bool) -> None:
    """Undo the latest rewind undo not redone yet; again for the one before it.

    Files you changed since the undo are kept, unless --force.
    """

    def run(service: CheckpointService) -> Outcome:
        workspace = _workspace(service)
        act = partial(service.redo, workspace, force=force)
        return _carry_out(act, "Redo", workspace, dry_run=dry_run, yes=yes, quiet=quiet)

    with_service(run)


def _workspace(service: CheckpointService) -> str:
    workspace = current_workspace(service)
    if workspace is None:
        raise click.UsageError(
            "no workspace here: run it inside a workspace rewind has snapshots of, or give "
            "--workspace DIR"
        )
    return workspace


def _carry_out(
    act: Callable[..., RollbackResult],
    what: str,
    workspace: str,
    *,
    dry_run: bool,
    yes: bool,
    quiet: bool,
) -> Outcome:
    """A dry run, or (after asking unless ``yes``) the undo or redo itself."""
    if dry_run or not yes:
        with progress("Comparing"):
            plan = act(dry_run=True)
        if dry_run:
            show = partial(render.print_rollback, plan, quiet=quiet)
            return Outcome(plan.model_dump(mode="json"), show, render.rollback_exit_status(plan))
        click.confirm(render.undo_question(what, workspace, plan), abort=True, err=True)
    with progress(f"{what}ing"):
        result = act()
    show = partial(render.print_rollback, result, quiet=quiet, undoes=what.lower())
    return Outcome(result.model_dump(mode="json"), show, render.rollback_exit_status(result))
