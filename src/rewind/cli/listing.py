"""The table ``rewind list`` prints: one line per checkpoint, as ``git log --oneline`` does.

Each line starts with the checkpoint's short id, which names it in every command. On a
terminal the table fits the terminal's width (80 columns at least keep every short id,
time and type whole; a label, plan or workspace too long is cut with ``…``), is coloured unless
``NO_COLOR`` is set, and goes through the pager (``$PAGER``, else ``less``) when it is
longer than the screen. Written to a pipe or a file it is plain, whole and unpaged.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

from rewind._ids import short_id
from rewind.cli.render import diff_paths, echo_lines, terminal_style, utc

if TYPE_CHECKING:
    from rewind.models import Checkpoint

__all__ = ["print_listing"]

ELLIPSIS = "…"
GAP = "  "
_TYPE_COLOURS = {"safety": "magenta", "on_error": "red"}


@dataclass(frozen=True)
class _Column:
    """A column: its header, its cells, and the least width it may be cut to (0: never)."""

    header: str
    cells: list[str]
    least: int = 0
    cut_left: bool = False

    @property
    def width(self) -> int:
        return max([len(self.header), *(len(cell) for cell in self.cells)])


def print_listing(
    checkpoints: Sequence[Checkpoint], *, workspace_column: bool, pager: bool = True
) -> None:
    """Print the checkpoints, newest first, or a line saying there is none.

    Args:
        checkpoints: What to list.
        workspace_column: Whether to show each one's workspace (a listing of several).
        pager: Whether a long listing on a terminal may go through the pager.
    """
    if not checkpoints:
        click.echo("no checkpoints")
        return
    terminal, colour, size = terminal_style()
    columns = _columns(checkpoints, workspace_column=workspace_column)
    widths = _fitted([column.width for column in columns], columns, size.columns if terminal else 0)
    lines = [
        _line([column.header for column in columns], widths, columns, header=True, colour=colour)
    ]
    for row in range(len(checkpoints)):
        cells = [column.cells[row] for column in columns]
        lines.append(_line(cells, widths, columns, header=False, colour=colour))
    echo_lines(lines, colour=colour, page=terminal and pager and len(lines) >= size.lines)


def _columns(checkpoints: Sequence[Checkpoint], *, workspace_column: bool) -> list[_Column]:
    home = os.path.expanduser("~")
    columns = [
        _Column("id", [short_id(checkpoint.checkpoint_id) for checkpoint in checkpoints]),
        _Column("created (UTC)", [utc(checkpoint.created_at) for checkpoint in checkpoints]),
        _Column("type", [checkpoint.checkpoint_type.value for checkpoint in checkpoints]),
        _Column("plan", [checkpoint.plan_id for checkpoint in checkpoints], least=6),
    ]
    if workspace_column:
        places = [_home_as_tilde(checkpoint.sandbox_ref, home) for checkpoint in checkpoints]
        columns.append(_Column("workspace", places, least=8, cut_left=True))
    changed = [
        str(len(diff_paths(checkpoint))) if checkpoint.is_snapshot else "-"
        for checkpoint in checkpoints
    ]
    columns.append(_Column("changed", changed))
    columns.append(_Column("label", [checkpoint.label or "" for checkpoint in checkpoints], 5))
    return columns


def _fitted(widths: list[int], columns: Sequence[_Column], room: int) -> list[int]:
    """The columns' widths, the cuttable ones capped alike so that the table fits ``room``.

    ``room`` 0 means no limit. The cap is the largest that fits; no column is cut below its
    least width (nor its header), so a terminal too narrow for even that wraps the lines.
    """
    total = sum(widths) + len(GAP) * (len(widths) - 1)
    if room <= 0 or total <= room:
        return widths
    least = [max(column.least, len(column.header)) if column.least else 0 for column in columns]

    def capped(cap: int) -> list[int]:
        return [
            max(low, min(width, cap)) if low else width
            for width, low in zip(widths, least, strict=True)
        ]

    cap = max(widths)
    while cap > 1 and sum(capped(cap)) + total - sum(widths) > room:
        cap -= 1
    return capped(cap)


def _line(
    cells: Sequence[str],
    widths: Sequence[int],
    columns: Sequence[_Column],
    *,
    header: bool,
    colour: bool,
) -> str:
    shown = []
    for index, (cell, width) in enumerate(zip(cells, widths, strict=True)):
        text = _cut(cell, width, left=columns[index].cut_left)
        last = index == len(cells) - 1
        padded = text if last else text.ljust(width)
        shown.append(_styled(padded, columns[index].header, header=header) if colour else padded)
    return GAP.join(shown).rstrip()


def _cut(text: str, width: int, *, left: bool) -> str:
    if len(text) <= width:
        return text
    return ELLIPSIS + text[len(text) - width + 1 :] if left else text[: width - 1] + ELLIPSIS


def _styled(text: str, column: str, *, header: bool) -> str:
    if header:
        return click.style(text, bold=True)
    if column == "id":
        return click.style(text, fg="yellow")
    if column == "type" and (colour := _TYPE_COLOURS.get(text.strip())):
        return click.style(text, fg=colour)
    return text


def _home_as_tilde(path: str, home: str) -> str:
    """``/home/me/src/app`` as ``~/src/app``, as a shell shows it."""
    if home not in ("", "/") and (path == home or path.startswith(home + "/")):
        return "~" + path[len(home) :]
    return path
