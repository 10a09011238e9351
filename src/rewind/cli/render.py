"""What the ``rewind`` command prints: text for people, one JSON document for scripts.

Nothing here opens a store or changes a file; ``rewind.cli`` gathers the results and hands
them over. Times are printed in UTC and marked so (``2026-11-24 21:40:03Z``). Tables are drawn
by Rich when standard output is a terminal, and as plain aligned columns otherwise
(``rewind list``'s own table is ``rewind.cli.listing``'s).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click

from rewind._manifest import ChangeKind
from rewind.errors import AmbiguousCheckpointIdError, RewindError

if TYPE_CHECKING:  # the models load when a command runs, not when the command line starts
    from rewind.models import (
        Checkpoint,
        ConversationFork,
        DiffManifest,
        PruneReport,
        RollbackResult,
        SchemaStatus,
        SchemaUpgrade,
        StoreStats,
        VerifyReport,
    )

__all__ = [
    "Change",
    "age",
    "checkpoint_rows",
    "diff_paths",
    "echo_json",
    "envelope",
    "error_document",
    "print_changes",
    "print_checkpoint",
    "print_diff",
    "print_fork",
    "print_prune",
    "print_restore",
    "print_rollback",
    "print_schema",
    "print_stats",
    "print_table",
    "print_upgrade",
    "print_verify",
    "rollback_question",
    "schema_data",
    "size",
    "utc",
]

Change = tuple[str, str]
"""A path and what happened to it (``added``, ``modified``, ``restored``, ...)."""
CHECKPOINT_HEADERS = ("id", "created (UTC)", "type", "plan", "workspace", "changed", "label")
_UNBOUNDED = 100_000
"""A width no table reaches: Rich measures a table's natural width within it."""
_UNITS = (("day", 86_400), ("hour", 3_600), ("minute", 60))
_KIB = 1024


def utc(moment: datetime) -> str:
    """``2026-11-24 21:40:03Z``: a moment in UTC, marked so."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def age(moment: datetime, now: datetime) -> str:
    """How long ago ``moment`` was, for people: ``3 minutes ago``."""
    seconds = max(0, int((now - moment).total_seconds()))
    for unit, length in _UNITS:
        if seconds >= length:
            count = seconds // length
            return f"{count} {unit}{'' if count == 1 else 's'} ago"
    return f"{seconds} second{'' if seconds == 1 else 's'} ago"


def counted(count: int, noun: str) -> str:
    """``1 checkpoint``, ``2 checkpoints`` (for nouns whose plural takes an ``s``)."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def size(count: int) -> str:
    """A byte count for people: ``512 B``, ``1.5 KiB``, ``3.2 MiB``."""
    amount = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if amount < _KIB or unit == "GiB":
            return f"{count} B" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= _KIB
    raise AssertionError("unreachable")  # pragma: no cover


def envelope(  # noqa: PLR0917 - the envelope's members, each passed once by the one caller
    command: str | None,
    exit_code: int,
    data: Any,
    error: dict[str, Any] | None,
    started_at: datetime,
    duration_ms: int,
) -> dict[str, Any]:
    """The JSON document every command prints with ``--json`` (documented in the README)."""
    document: dict[str, Any] = {
        "command": command,
        "status": "error" if error is not None else "ok",
        "exit_code": exit_code,
        "data": None if error is not None else data,
    }
    if error is not None:
        document["error"] = error
    document["timing"] = {
        "started_at": started_at.astimezone(UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z"),
        "duration_ms": duration_ms,
    }
    return document


def error_document(exc: Exception, message: str) -> dict[str, Any]:
    """The envelope's ``error`` member: the error's type and message, and its data if any."""
    document: dict[str, Any] = {"type": type(exc).__name__, "message": message}
    if isinstance(exc, RewindError):
        document.update(checkpoint_id=exc.checkpoint_id, path=exc.path, retryable=exc.retryable)
    if isinstance(exc, AmbiguousCheckpointIdError):
        document["candidates"] = list(exc.candidates)
    return document


def echo_json(document: dict[str, Any]) -> None:
    """Print ``document`` as one line of JSON on standard output."""
    click.echo(json.dumps(document, ensure_ascii=False))


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Print rows under headers: a Rich table on a terminal, aligned plain text otherwise.

    No cell is ever cut (ids must stay whole to be copied): a table wider than the terminal
    is printed at its own width, and the terminal wraps its lines.
    """
    if sys.stdout.isatty():
        _print_rich_table(headers, rows)
        return
    widths = [
        max([len(header), *(len(row[column]) for row in rows)])
        for column, header in enumerate(headers)
    ]
    for row in (headers, *rows):
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        click.echo("  ".join(cells).rstrip())


def _print_rich_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    from rich.console import Console  # noqa: PLC0415 - Rich loads only for a terminal
    from rich.measure import Measurement  # noqa: PLC0415
    from rich.table import Column, Table  # noqa: PLC0415

    columns = [Column(header, no_wrap=True) for header in headers]
    table = Table(*columns, box=None, header_style="bold", pad_edge=False)
    for row in rows:
        table.add_row(*row)
    console = Console(highlight=False)
    natural = Measurement.get(console, console.options.update_width(_UNBOUNDED), table).maximum
    if natural > console.width:
        console = Console(highlight=False, width=natural)
    console.print(table)


def checkpoint_rows(checkpoints: Iterable[Checkpoint]) -> list[tuple[str, ...]]:
    """One row per checkpoint under ``CHECKPOINT_HEADERS``."""
    return [
        (
            checkpoint.checkpoint_id,
            utc(checkpoint.created_at),
            checkpoint.checkpoint_type.value,
            checkpoint.plan_id,
            checkpoint.sandbox_ref,
            str(len(diff_paths(checkpoint))) if checkpoint.is_snapshot else "-",
            checkpoint.label or "",
        )
        for checkpoint in checkpoints
    ]


def print_diff(manifest: DiffManifest, patch: str | None) -> None:
    """Each changed path after its change, or the unified diff when there is one."""
    if patch is None:
        _print_paths([(entry.path, entry.change.value) for entry in manifest.entries], quiet=False)
        return
    click.echo(patch, nl=False)


def print_changes(checkpoint_id: str, changes: Sequence[Change], *, quiet: bool) -> None:
    """A snapshot's id, then each changed path (unless ``quiet``), then the counts."""
    click.echo(checkpoint_id)
    _print_paths(changes, quiet=quiet)
    counts = Counter(change for _path, change in changes)
    kinds = [kind.value for kind in ChangeKind]
    summary = ", ".join(f"{counts[kind]} {kind}" for kind in kinds)
    other = sum(count for kind, count in counts.items() if kind not in kinds)
    click.echo(summary + (f", {other} changed" if other else ""))


def print_rollback(result: RollbackResult, *, quiet: bool, undoes: str = "rollback") -> None:
    """What a rollback (or a restore of some paths) did or would do, and how to undo it.

    A path it kept as it was is shown with why (``kept (ignored)``: the checkpoint ignored
    it; ``kept (git)``: git's own; a person's edit, or a conflict: see ``KEPT_BECAUSE``), and
    the conflicts are said once more at the end, on stderr.
    """
    verbs = ("would restore", "would remove") if result.dry_run else ("restored", "removed")
    keep = "would keep" if result.dry_run else "kept"
    counted = {lines.path: lines for lines in result.lines}
    width = max((len(path) for path in counted), default=0)
    counts = {
        path: f"{path:<{width}}  +{lines.lines_added} -{lines.lines_removed}"
        for path, lines in counted.items()
    }
    changes = [(counts.get(path, path), verbs[0]) for path in result.restored]
    changes += [(counts.get(path, path), verbs[1]) for path in result.removed]
    changes += [
        (kept.path, f"{keep} ({KEPT_BECAUSE.get(kept.reason.value, kept.reason.value)})")
        for kept in result.kept
    ]
    _print_paths(sorted(changes), quiet=quiet)
    _say_conflicts(result)
    if result.dry_run:
        to_keep = f"{len(result.kept)} to keep, " if result.kept else ""
        click.echo(
            f"dry run: {len(result.restored)} to restore, {len(result.removed)} to remove, "
            f"{to_keep}{result.unchanged_count} unchanged{_line_totals(result)}; nothing was "
            "changed"
        )
        return
    kept = f"{len(result.kept)} kept, " if result.kept else ""
    click.echo(
        f"{len(result.restored)} restored, {len(result.removed)} removed, "
        f"{kept}{result.unchanged_count} unchanged"
    )
    if result.safety_checkpoint_id:
        click.echo(
            f"safety checkpoint {result.safety_checkpoint_id}: "
            f"rewind rollback {result.safety_checkpoint_id} undoes this {undoes}"
        )


KEPT_BECAUSE = {
    "hand_edit": "changed since the agent last wrote it",
    "conflict": "conflict: changed by the agent's history and by a person since",
}
"""How a kept path's reason is said, where the reason's name alone says too little."""


def _line_totals(result: RollbackResult, separator: str = ", ") -> str:
    """``, +A -R lines`` over a dry run's text files (nothing when it counted none)."""
    if not result.lines:
        return ""
    added = sum(lines.lines_added for lines in result.lines)
    removed = sum(lines.lines_removed for lines in result.lines)
    return f"{separator}+{added} -{removed} lines"


def _say_conflicts(result: RollbackResult) -> None:
    """Say on stderr which paths both the history gone back over and a person changed."""
    conflicts = result.conflicts
    if not conflicts:
        return
    shown = CONFLICTS_SHOWN
    listed = ", ".join(conflicts[:shown])
    if len(conflicts) > shown:
        listed += f" and {len(conflicts) - shown} more"
    click.echo(
        f"{len(conflicts)} conflict(s) {'would be' if result.dry_run else 'were'} kept as a "
        f"person left them: {listed}. Merge by hand, or add --force to overwrite them "
        f"(exit status {CONFLICT_EXIT_STATUS})",
        err=True,
    )


CONFLICTS_SHOWN = 5
"""How many conflicts the line on stderr names."""
CONFLICT_EXIT_STATUS = 3
"""The exit status of a rollback, restore, undo or redo that kept a conflict."""


def rollback_exit_status(result: RollbackResult) -> int:
    """``CONFLICT_EXIT_STATUS`` if ``result`` kept (or would keep) a conflict, else 0."""
    return CONFLICT_EXIT_STATUS if result.conflicts else 0


def rollback_question(target: Checkpoint, plan: RollbackResult, now: datetime) -> str:
    """The confirmation a rollback asks for: where to, how old, and how much changes."""
    label = f'"{target.label}"' if target.label else "(no label)"
    return (
        f"Roll back {target.sandbox_ref} to checkpoint {target.checkpoint_id} {label}, "
        f"taken {age(target.created_at, now)} ({utc(target.created_at)}).\n"
        f"{_files(len(plan.restored))} will be restored and {_files(len(plan.removed))} "
        f"removed ({plan.unchanged_count} unchanged){_kept(plan)}{_line_totals(plan, '; ')}; "
        "the current state is "
        "snapshotted first.\nRoll back?"
    )


def undo_question(what: str, workspace: str, plan: RollbackResult) -> str:
    """The confirmation ``undo`` and ``redo`` ask for: where to, and how much changes."""
    return (
        f"{what} in {workspace}: put it back as checkpoint {plan.checkpoint_id} holds it.\n"
        f"{_files(len(plan.restored))} will be restored and {_files(len(plan.removed))} "
        f"removed ({plan.unchanged_count} unchanged){_kept(plan)}{_line_totals(plan, '; ')}; "
        "the current state is "
        f"snapshotted first.\n{what}?"
    )


def print_fork(fork: ConversationFork) -> None:
    """A conversation's fork (or its dry run): the new session, and how to continue it."""
    prompt = f' ("{fork.prompt}")' if fork.prompt else ""
    if fork.dry_run:
        click.echo(
            f"dry run: would write session {fork.new_session_id} ({fork.lines} lines), "
            f"session {fork.session_id} up to turn {fork.turn}{prompt}; nothing was written"
        )
        return
    click.echo(f"forked session {fork.session_id} just before turn {fork.turn}{prompt}")
    click.echo(f"new session {fork.new_session_id}: {fork.new_transcript_path}")
    click.echo(f"continue it with: {fork.resume_command}")


def restore_paths_question(target: Checkpoint, plan: RollbackResult, now: datetime) -> str:
    """The confirmation ``restore --path`` asks for: from where, how old, how much changes."""
    label = f'"{target.label}"' if target.label else "(no label)"
    return (
        f"Put back paths of {target.sandbox_ref} from checkpoint {target.checkpoint_id} "
        f"{label}, taken {age(target.created_at, now)} ({utc(target.created_at)}).\n"
        f"{_files(len(plan.restored))} will be restored and {_files(len(plan.removed))} "
        f"removed ({plan.unchanged_count} unchanged){_kept(plan)}{_line_totals(plan, '; ')}; "
        "the current state is "
        "snapshotted first.\nRestore?"
    )


def _kept(plan: RollbackResult) -> str:
    """How many paths the plan keeps as they are, and why."""
    machine = sum(kept.reason.value in {"ignored", "git"} for kept in plan.kept)
    edited = sum(kept.reason.value == "hand_edit" for kept in plan.kept)
    said = []
    if machine:
        stay = "path stays as it is" if machine == 1 else "paths stay as they are"
        said.append(f"{machine} {stay} (ignored by the checkpoint, or git's)")
    if edited:
        said.append(f"{_files(edited)} a person changed since the agent last wrote them kept")
    if plan.conflicts:
        said.append(f"{len(plan.conflicts)} conflict(s) kept")
    return "".join(f"; {part}" for part in said)


def print_restore(result: RollbackResult, directory: str, *, quiet: bool) -> None:
    """Every path a restore wrote, then where."""
    _print_paths([(path, "restored") for path in result.restored], quiet=quiet)
    click.echo(f"{_files(len(result.restored))} restored into {directory}")


def print_verify(report: VerifyReport) -> None:
    """Each problem found, then the counts."""
    for problem in report.problems:
        click.echo(f"problem: {problem}")
    click.echo(
        f"{counted(report.checked, 'checkpoint')} checked, "
        f"{counted(len(report.problems), 'problem')}"
    )


def print_checkpoint(checkpoint: Checkpoint, now: datetime) -> None:
    """One checkpoint, field by field; its own extra metadata as JSON values."""
    metadata = checkpoint.metadata
    fields = [
        ("checkpoint", checkpoint.checkpoint_id),
        ("plan", checkpoint.plan_id),
        ("decision", checkpoint.decision_id),
        ("type", checkpoint.checkpoint_type.value),
        ("label", checkpoint.label),
        ("workspace", checkpoint.sandbox_ref),
        ("created", f"{utc(checkpoint.created_at)} ({age(checkpoint.created_at, now)})"),
        ("parent", checkpoint.parent_id),
        ("reason", metadata.reason),
        ("source tool", metadata.source_tool),
        ("phase", metadata.phase),
        ("tree hash", checkpoint.tree_hash),
    ]
    if (call := metadata.agent_call) is not None:
        fields += [
            ("agent", call.agent),
            ("session", call.session_id),
            ("turn", call.turn),
            ("prompt", call.prompt),
            ("tool", call.tool),
            ("tool call", call.tool_summary),
            ("transcript", call.transcript_path),
        ]
    from rewind.models import SNAPSHOT_KEYS  # noqa: PLC0415 - see the imports above

    extra = checkpoint.model_dump(mode="json")["metadata"]["extra"]
    fields += [
        (f"extra {key}", json.dumps(value, ensure_ascii=False))
        for key, value in sorted(extra.items())
        if key not in SNAPSHOT_KEYS
    ]
    for name, value in fields:
        if value is not None:
            click.echo(f"{name:<12} {value}")
    if checkpoint.is_snapshot:
        paths = diff_paths(checkpoint)
        click.echo(f"{'changed':<12} {counted(len(paths), 'path')}")
        for path in paths:
            click.echo(f"  {path}")


def print_prune(report: PruneReport, going: Sequence[Checkpoint]) -> None:
    """What a prune deleted (or, as a dry run, would delete), then the counts."""
    if report.dry_run and going:
        print_table(CHECKPOINT_HEADERS, checkpoint_rows(going))
    elif not report.dry_run:
        for checkpoint_id in report.deleted:
            click.echo(f"deleted {checkpoint_id}")
    deleted, freed = len(report.deleted), size(report.bytes_freed)
    if report.dry_run:
        click.echo(
            f"dry run: {counted(deleted, 'checkpoint')} would be deleted, {report.kept} kept; "
            f"{counted(report.blobs_deleted, 'content')} ({freed}) would be freed; "
            "nothing was deleted"
        )
        return
    click.echo(
        f"{counted(deleted, 'checkpoint')} deleted, {report.kept} kept; "
        f"{counted(report.blobs_deleted, 'content')} ({freed}) freed"
    )


def print_stats(stats: StoreStats) -> None:
    """The store's totals, then one row per plan."""
    click.echo(
        f"{counted(stats.checkpoints, 'checkpoint')} ({counted(stats.snapshots, 'snapshot')}), "
        f"{counted(stats.changes, 'change')}, {counted(stats.blobs, 'content')}"
    )
    click.echo(
        f"stored {size(stats.stored_bytes)} (contents {size(stats.content_bytes)} "
        f"uncompressed); the snapshots' trees would take {size(stats.tree_bytes)} "
        f"as plain copies: {stats.ratio}x"
    )
    if stats.plans:
        print_table(
            ("plan", "checkpoints", "snapshots", "stored", "trees", "ratio"),
            [
                (
                    plan.plan_id,
                    str(plan.checkpoints),
                    str(plan.snapshots),
                    size(plan.stored_bytes),
                    size(plan.tree_bytes),
                    f"{plan.ratio}x",
                )
                for plan in stats.plans
            ],
        )


def schema_data(status: SchemaStatus) -> dict[str, Any]:
    """The JSON data of ``db current`` (and, with the revision before, of ``db upgrade``)."""
    return {
        "database": status.database,
        "revision": status.revision,
        "head": status.head,
        "up_to_date": status.up_to_date,
    }


def print_schema(status: SchemaStatus) -> None:
    """The store's revision and whether it is the newest, or that there is no store."""
    if status.revision is None:
        click.echo(f"no rewind store at {status.database} (nothing was created)")
    elif status.up_to_date:
        click.echo(f"{status.revision} (the newest)")
    else:
        click.echo(f"{status.revision} (the newest is {status.head}: run rewind db upgrade)")


def print_upgrade(upgrade: SchemaUpgrade) -> None:
    """What ``db upgrade`` did."""
    before, after = upgrade.previous_revision, upgrade.status
    if before is None:
        click.echo(f"created a rewind store at {after.database}: revision {after.revision}")
    elif before == after.revision:
        click.echo(f"{after.database} is at revision {after.revision}, the newest")
    else:
        click.echo(f"upgraded {after.database} from revision {before} to {after.revision}")


def _print_paths(changes: Sequence[Change], *, quiet: bool) -> None:
    """Each path after what happened to it, in one aligned column (nothing when ``quiet``)."""
    if quiet or not changes:
        return
    width = max(len(change) for _path, change in changes)
    for path, change in changes:
        click.echo(f"{change:<{width}} {path}")


def _files(count: int) -> str:
    return f"{count} file{'' if count == 1 else 's'}"


def diff_paths(checkpoint: Checkpoint) -> tuple[str, ...]:
    """The paths a snapshot recorded as changed since its parent (none for a checkpoint)."""
    paths = checkpoint.metadata.extra.get("diff_paths", ())
    return tuple(str(path) for path in paths) if isinstance(paths, tuple) else ()


def terminal_style() -> tuple[bool, bool, os.terminal_size]:
    """Whether standard output is a terminal, whether to colour it (``NO_COLOR``), its size."""
    terminal = sys.stdout.isatty()
    return terminal, terminal and not os.environ.get("NO_COLOR"), shutil.get_terminal_size()


def echo_lines(lines: Sequence[str], *, colour: bool, page: bool) -> None:
    """Print ``lines``, through the pager when ``page`` (a terminal's worth or more)."""
    if page:
        click.echo_via_pager("\n".join(lines), color=colour)
    else:
        click.echo("\n".join(lines), color=colour)
