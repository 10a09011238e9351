"""Options and parameter types the commands share.

``--json``, ``--workspace`` and ``--quiet``, ``--extra KEY=VALUE``, durations, counts and
checkpoint types. The types read rewind's models only when a value is checked (or a
command's help shown), so that the command line starts without loading the library.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any, TypeVar

import click

from rewind.cli.app import session_of

__all__ = [
    "CHECKPOINT_TYPES",
    "COUNT",
    "DECISION_HELP",
    "PLAN_HELP",
    "duration",
    "force_option",
    "json_option",
    "parse_duration",
    "parse_extra",
    "parse_size",
    "quiet_option",
    "size",
    "workspace_option",
]

_DURATION = re.compile(r"([0-9]{1,15})([wdhms])")  # ASCII digits; 15 bound int() and any sum
_DURATION_SECONDS = {"w": 604_800, "d": 86_400, "h": 3_600, "m": 60, "s": 1}
_F = TypeVar("_F", bound=Callable[..., Any])
PLAN_HELP = (
    "A plan is one piece of work (an agent's task, a run of your orchestrator): it keeps its "
    "own history of each workspace."
)
"""The sentence that says what a plan is, where a newcomer first meets ``--plan``."""
DECISION_HELP = (
    "A decision is one step of a plan (a tool call, an edit) that checkpoints are taken "
    "before or after."
)
"""The sentence that says what a decision is, where a newcomer first meets ``--decision``."""


def force_option(function: _F) -> _F:
    """``--force``: overwrite what a person changed since the agent last wrote it, too."""
    return click.option(
        "--force",
        is_flag=True,
        help=(
            "Overwrite files a person changed since the agent last wrote them too (they are "
            "kept by default); the safety checkpoint still undoes it."
        ),
    )(function)


class _CheckpointTypes(click.Choice[str]):
    """The ``--type`` choices: every ``CheckpointType`` value, read when first needed."""

    def __init__(self) -> None:
        super().__init__(())

    @property  # type: ignore[override]
    def choices(self) -> Sequence[str]:
        """Every checkpoint type's name."""
        from rewind.models import CheckpointType

        return tuple(kind.value for kind in CheckpointType)

    @choices.setter
    def choices(self, _given: Sequence[str]) -> None:
        """Ignore Click's assignment: the choices are the models'."""


class _Count(click.IntRange):
    """A count from 1 to ``MAX_COUNT``, the largest rewind takes, read when first needed."""

    def __init__(self) -> None:
        super().__init__(min=1)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """Check ``value`` against the range, its top read from the models."""
        from rewind.models import MAX_COUNT

        self.max = MAX_COUNT
        return super().convert(value, param, ctx)


CHECKPOINT_TYPES = _CheckpointTypes()
"""The ``--type`` choices: every ``CheckpointType`` value."""
COUNT = _Count()
"""A ``--limit`` or ``--keep-last``: a whole number from 1 to ``MAX_COUNT``."""


def _turn_on_json(context: click.Context, _parameter: click.Parameter, value: bool) -> None:
    if value:
        session_of(context).json_output = True


def json_option(function: _F) -> _F:
    """Add ``--json`` after a command's name (the group takes it before, too)."""
    return click.option(
        "--json",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=_turn_on_json,
        help="Print one JSON document (the envelope in the README).",
    )(function)


def _name_workspace(context: click.Context, _parameter: click.Parameter, value: str | None) -> None:
    if value is not None:
        session_of(context).workspace = value


def workspace_option(function: _F) -> _F:
    """Add ``--workspace DIR`` after a command's name (the group takes it before, too)."""
    return click.option(
        "--workspace",
        type=click.Path(file_okay=False),
        expose_value=False,
        is_eager=True,
        callback=_name_workspace,
        help="The workspace directory that latest, ~N and labels name checkpoints in "
        "(default: the one the current directory is in).",
    )(function)


def quiet_option(function: _F) -> _F:
    """Add ``--quiet``/``-q``: print only the counts."""
    return click.option(
        "--quiet", "-q", is_flag=True, help="Print only the counts, not each path."
    )(function)


def parse_extra(
    _context: click.Context, _parameter: click.Parameter, values: tuple[str, ...]
) -> dict[str, Any]:
    """``KEY=VALUE`` pairs as a mapping; a VALUE that parses as JSON is taken as JSON."""
    extra: dict[str, Any] = {}
    for item in values:
        key, equals, text = item.partition("=")
        if not key or not equals:
            raise click.BadParameter(f"{item!r} is not KEY=VALUE")
        try:
            extra[key] = json.loads(text)
        except ValueError:
            extra[key] = text
    return extra


_SIZE = re.compile(r"([0-9]{1,15}(?:\.[0-9]{1,6})?)\s*([kmgt]?)i?b?")
_SIZE_FACTORS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def parse_size(
    _context: click.Context, _parameter: click.Parameter, value: str | None
) -> int | None:
    """A size such as ``500M``, ``2G``, ``1.5GiB`` or ``123456`` (bytes), as a number of bytes."""
    try:
        return None if value is None else size(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


def size(value: str | int) -> int:
    """A number of bytes from ``500M``, ``2G``, ``1.5GiB``, ``123456`` or an int.

    Raises:
        ValueError: It is not one, or is less than a byte.
    """
    match = _SIZE.fullmatch(str(value).strip().lower())
    found = 0 if match is None else int(float(match[1]) * _SIZE_FACTORS[match[2]])
    if found < 1:
        raise ValueError(f"{value!r} is not a size such as 500M, 2G or 123456 (bytes)")
    return found


def parse_duration(
    _context: click.Context, parameter: click.Parameter, value: str | None
) -> timedelta | None:
    """A duration such as ``30m``, ``12h``, ``7d``, ``2w`` or ``1d12h`` (or ``none``)."""
    try:
        return duration(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


def duration(value: str | None) -> timedelta | None:
    """A duration such as ``30m``, ``12h``, ``7d``, ``2w`` or ``1d12h``; None for ``none``.

    Raises:
        ValueError: It is not one, or is longer than 100 years.
    """
    from rewind.models import MAX_DURATION

    text = None if value is None else value.strip().lower()
    if text is None or text == "none":
        return None
    if not text or _DURATION.sub("", text):
        raise ValueError(f"{value!r} is not a duration such as 30m, 12h, 7d or 2w")
    seconds = sum(int(number) * _DURATION_SECONDS[unit] for number, unit in _DURATION.findall(text))
    if seconds > MAX_DURATION.total_seconds():
        raise ValueError(
            f"{value!r} is longer than the longest duration rewind accepts, "
            f"{MAX_DURATION.days}d (100 years)"
        )
    return timedelta(seconds=seconds)
