"""Odd values for every option and argument of the ``rewind`` command.

``ODD_TEXTS`` are what a careless or hostile user types: 0, -1, a number no integer column
holds, a word, nothing and a printf directive (and, where a duration is expected, a
duration of a billion days). ``command_lines`` gives each to every option and argument of
every command that takes a value, one at a time, with and without ``--json``; it reads them
from the Click command itself, so a new option is swept without anyone listing it here
(except ``PROTOCOL_COMMANDS``, which say where their odd values are tried instead).
``command_problems`` says what is wrong with how a run ended.
"""

from __future__ import annotations

import itertools
import json
import shlex
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import click
from click.testing import CliRunner, Result

from rewind.cli import main
from rewind.service import DATABASE_URL_VARIABLE
from support.extremes import PLAN

ODD_TEXTS = ("0", "-1", "99999999999999999999", "abc", "", "%s")
LONG_DURATION = "1000000000d"
"""Given too, to an option that takes a duration."""

PROTOCOL_COMMANDS = {
    ("hook", "claude-code"): "prints Claude Code's hook JSON: agents.feature feeds it odd input",
    ("hook", "gemini"): "prints Gemini CLI's hook JSON: agents.feature feeds it odd input",
    ("mcp",): "serves MCP until its client leaves: mcp.feature gives it odd calls",
    ("serve",): "serves until stopped: agents.feature starts it with odd values",
    ("service", "run"): "serves until idle: service.feature runs it with odd settings",
    ("service", "start"): "starts a background service: service.feature starts and stops one",
}
"""Commands that speak another program's protocol or serve, not swept here, and why."""


@dataclass(frozen=True)
class Usage:
    """How a command runs successfully: values for some parameters, and flags it needs."""

    values: Callable[[], dict[str, str]] = dict
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class CommandLine:
    """One run of ``rewind``: the arguments after the program's name."""

    arguments: tuple[str, ...]
    json_output: bool

    def __str__(self) -> str:
        return shlex.join(("rewind", *self.arguments))


def commands(
    group: click.Group = main, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every command under ``group``, with the names that lead to it (``("db", "upgrade")``)."""
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))
        else:
            yield (*path, name), command


def _takes_value(parameter: click.Parameter) -> bool:
    if isinstance(parameter, click.Argument):
        return True
    return isinstance(parameter, click.Option) and not parameter.is_flag and not parameter.count


def _odd_texts(parameter: click.Parameter) -> tuple[str, ...]:
    duration = "DURATION" in (getattr(parameter, "metavar", None) or "")
    return (*ODD_TEXTS, LONG_DURATION) if duration else ODD_TEXTS


def command_lines(usages: Mapping[tuple[str, ...], Usage]) -> Iterator[tuple[CommandLine, bool]]:
    """Each command line of the sweep, and whether it is a command's own valid use.

    For every command: its valid use, then each odd text for each of its options and
    arguments that takes a value (and for the global ``--db``), each with and without
    ``--json``.
    """
    for path, command in commands():
        if path in PROTOCOL_COMMANDS:
            continue
        usage = usages.get(path)
        assert usage is not None, f"no valid use of 'rewind {' '.join(path)}' is known"
        global_db = [parameter for parameter in main.params if _takes_value(parameter)]
        swept = [
            *global_db,
            *(parameter for parameter in command.params if _takes_value(parameter)),
        ]
        for json_output in (False, True):
            yield _line(path, command, usage, {}, json_output=json_output), True
        for parameter in swept:
            for text in _odd_texts(parameter):
                for json_output in (False, True):
                    odd = {parameter.name or "": text}
                    yield _line(path, command, usage, odd, json_output=json_output), False


def _line(
    path: tuple[str, ...],
    command: click.Command,
    usage: Usage,
    odd: dict[str, str],
    *,
    json_output: bool,
) -> CommandLine:
    values = {**usage.values(), **odd}
    words: list[str] = []
    for parameter in main.params:
        if isinstance(parameter, click.Option) and parameter.name in values:
            words += [parameter.opts[0], values[parameter.name]]
    words += [*path, *(["--json"] if json_output else [])]
    positional: list[str] = []
    for parameter in command.params:
        if parameter.name not in values:
            continue
        if isinstance(parameter, click.Argument):
            positional.append(values[parameter.name])
        elif isinstance(parameter, click.Option):
            words += [parameter.opts[0], values[parameter.name]]
    words += [*usage.flags, "--", *positional] if positional else list(usage.flags)
    return CommandLine(tuple(words), json_output)


def run_in_process(arguments: tuple[str, ...] | list[str], database_url: str) -> Result:
    """Run ``rewind`` with ``arguments`` in this process, as its entry point would."""
    runner = CliRunner(env={DATABASE_URL_VARIABLE: database_url})
    return runner.invoke(main, list(arguments), prog_name="rewind")


def leaked(result: Result) -> BaseException | None:
    """The exception a run let out (a process would print its traceback), or None."""
    exception = result.exception
    return None if exception is None or isinstance(exception, SystemExit) else exception


def command_problems(line: CommandLine, result: Result) -> list[str]:
    """What is wrong with how ``line`` ended: its status, its error line, its JSON document."""
    code, stdout, stderr = result.exit_code, result.stdout, result.stderr
    problems = [f"{line} exited with status {code}"] if code not in {0, 1, 2} else []
    problems += [f"{line} printed a traceback" for text in (stdout, stderr) if "Traceback" in text]
    if code == 1 and not (
        stderr.startswith("error: ") and stderr.count("\n") == 1 and stderr.endswith("\n")
    ):
        problems.append(
            f"{line} exited with status 1, its stderr not one error line: {stderr!r:.300}"
        )
    if line.json_output:
        try:
            document = json.loads(stdout)
        except ValueError:
            problems.append(f"{line} printed no single JSON document: {stdout!r:.300}")
        else:
            if not isinstance(document, dict) or document.get("exit_code") != code:
                problems.append(f"{line} exited with {code}, its envelope: {stdout!r:.300}")
    return problems


def command_usages(
    workspace: Path, first: str, last: str, scratch: Path
) -> dict[tuple[str, ...], Usage]:
    """A successful use of each command on the snapshots ``first`` and ``last``."""
    targets = (str(scratch / f"restored-{index}") for index in itertools.count())
    return {
        ("db", "current"): Usage(),
        ("db", "upgrade"): Usage(),
        ("diff",): Usage(lambda: {"base_id": first}),
        ("doctor",): Usage(),
        ("hook", "install"): Usage(lambda: {"agent": "claude-code"}, ("--dry-run",)),
        ("fork",): Usage(lambda: {"workspace": str(workspace), "turn": "2"}, ("--dry-run",)),
        ("list",): Usage(),
        ("log",): Usage(lambda: {"workspace": str(workspace)}),
        ("redo",): Usage(lambda: {"workspace": str(workspace)}, ("--dry-run",)),
        ("prune",): Usage(lambda: {"keep_last": "1000"}, ("--dry-run",)),
        ("restore",): Usage(lambda: {"checkpoint_id": last, "target_dir": next(targets)}),
        ("service", "logs"): Usage(),
        ("service", "status"): Usage(),
        ("service", "stop"): Usage(),
        ("rollback",): Usage(lambda: {"checkpoint_id": first}, ("--yes",)),
        ("show",): Usage(lambda: {"checkpoint_id": first}),
        ("snapshot",): Usage(lambda: {"path": str(workspace), "plan_id": PLAN}),
        ("stats",): Usage(),
        ("undo",): Usage(lambda: {"workspace": str(workspace)}, ("--dry-run",)),
        ("verify",): Usage(),
    }
