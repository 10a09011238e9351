"""Steps about what a person sees at a terminal: widths, colour and the pager.

The command ran at a pseudo-terminal (``I run ... at a terminal``), whose output lines end
in ``\\r\\n`` and may hold ANSI escape sequences.
"""

from __future__ import annotations

import re
from typing import Any

from behave import then
from support.command_ids import expand_ids
from support.scenario import expand
from support.world import world

ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


def _shown_lines(text: str) -> list[str]:
    """The lines as a terminal shows them: no escape sequences, no carriage returns."""
    return [ESCAPE.sub("", line).rstrip("\r") for line in text.splitlines()]


@then("every line of the output fits {columns:d} columns")
def lines_fit(context: Any, columns: int) -> None:
    lines = _shown_lines(world(context).the_result.stdout)
    assert lines, "no output"
    too_wide = [line for line in lines if len(line) > columns]
    assert not too_wide, too_wide


@then("the output is coloured")
def coloured(context: Any) -> None:
    output = world(context).the_result.stdout
    assert ESCAPE.search(output), output


@then("the output has no colour")
def not_coloured(context: Any) -> None:
    output = world(context).the_result.stdout
    assert "\x1b[" not in output, output


COLOURS = {"red": 31, "yellow": 33, "magenta": 35}


@then('the output shows "{text:Q}" in {colour}')
def shown_in(context: Any, text: str, colour: str) -> None:
    scene = world(context)
    wanted = f"\x1b[{COLOURS[colour]}m{expand(scene, expand_ids(scene, text))}"
    assert wanted in scene.the_result.stdout, scene.the_result.stdout
