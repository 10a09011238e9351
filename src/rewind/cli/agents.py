"""``rewind serve``, ``mcp`` and ``hook``: rewind for coding agents.

The logic lives in ``rewind.server`` (which needs the ``mcp`` extra, so it is imported when a
command runs, never when the command line starts) and ``rewind.hooks``.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import sys
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

import click
from click.core import ParameterSource

from rewind.cli.app import Outcome, fail_here, main, run, session_of
from rewind.cli.params import json_option
from rewind.errors import HookCheckError, RewindError
from rewind.hooks.names import AGENTS, SERVER_URL_VARIABLE, default_token_file

if TYPE_CHECKING:
    from rewind.hooks.install import HookInstall

__all__: list[str] = []

MCP_EXTRA = 'this needs the mcp extra: python3 -m pip install ".[mcp]" (in a clone of rewind)'

roots_option = click.option(
    "--root",
    "roots",
    multiple=True,
    type=click.Path(file_okay=False),
    help="A directory whose workspaces the server may act on (repeatable; default: here).",
)


def _server(name: str) -> Any:
    """Import ``rewind.server.<name>``, or say which extra to install."""
    try:
        return __import__(f"rewind.server.{name}", fromlist=["_"])
    except ImportError as exc:
        raise click.ClickException(f"{MCP_EXTRA} ({exc})") from exc


def _serving(start: Callable[[], None]) -> None:
    """Serve until the client leaves or Ctrl-C (a normal stop: exit status 0)."""
    try:
        start()
    except RewindError as exc:
        fail_here(exc)
    except KeyboardInterrupt:
        click.echo("rewind: stopped", err=True)


@main.command()
@roots_option
def mcp(*, roots: tuple[str, ...]) -> None:
    """Serve MCP on standard input and output, for clients that start their servers.

    The tools act only on workspaces under the roots, symlinks resolved.
    """
    stdio = _server("stdio")
    _serving(lambda: stdio.run_stdio(session_of().database_url, roots or [os.getcwd()]))


@main.command()
@roots_option
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--token-file",
    type=click.Path(dir_okay=False),
    help="The bearer token's file, made (mode 600) if missing. Default: ~/.config/rewind/token.",
)
@click.option(
    "--allow-origin",
    "origins",
    multiple=True,
    help="A browser Origin allowed to call the server (repeatable; default: none).",
)
def serve(
    *,
    roots: tuple[str, ...],
    host: str,
    port: int,
    token_file: str | None,
    origins: tuple[str, ...],
) -> None:
    """Serve MCP over HTTP at /mcp, and agents' HTTP hooks at /hooks/AGENT, watching.

    Every request needs the bearer token; the server acts only on workspaces under the
    roots. It prints its URL, then how to point an agent at it.
    """
    _server("tools")  # the MCP SDK, which the server would otherwise import on its first /mcp
    http = _server("http")
    tokens = default_token_file() if token_file is None else token_file
    options = http.ServeOptions(
        roots=roots or [os.getcwd()], token_file=tokens, host=host, port=port, origins=origins
    )

    def announce(url: str) -> None:
        click.echo(f"rewind serve: listening on {url}", err=True)
        click.echo(
            f"  MCP: {url}/mcp, HTTP hooks: {url}/hooks/claude-code, with the header "
            f"'Authorization: Bearer <the token in {tokens}>'",
            err=True,
        )
        click.echo(f"  command hooks: export {SERVER_URL_VARIABLE}={url}", err=True)
        click.echo(url, nl=True)  # stdout: the URL alone, for scripts
        sys.stdout.flush()

    _serving(lambda: http.run_http(session_of().database_url, options, announce=announce))


@main.group()
def hook() -> None:
    """Snapshot before an agent's tool call (its hook), or install that hook."""


no_prompt_text_option = click.option(
    "--no-prompt-text",
    is_flag=True,
    help="Keep the prompts' text out of the store (as REWIND_NO_PROMPT_TEXT=1 does).",
)


def _hook_command(agent: str) -> None:
    @hook.command(name=agent)
    @no_prompt_text_option
    def run(*, no_prompt_text: bool) -> None:
        from rewind.hooks.forward import run_hook  # noqa: PLC0415

        sys.exit(run_hook(agent, session_of().database_url, prompt_text=not no_prompt_text))

    run.__doc__ = (
        f"Read {agent}'s hook JSON on stdin, snapshot its workspace, print {{}}, exit 0 "
        "whatever happens (errors go to stderr and the log). A prompt's start, a tool call "
        "and a turn's end each take a checkpoint naming the session and the turn."
    )


for _agent in AGENTS:
    _hook_command(_agent)


@hook.command()
@click.argument("agent", type=click.Choice(AGENTS))
@click.option("--project", "scope", flag_value="project", default=True, help="This project.")
@click.option("--user", "scope", flag_value="user", help="Your user settings.")
@click.option("--dry-run", is_flag=True, help="Print the change to the settings; write nothing.")
@no_prompt_text_option
@json_option
def install(*, agent: str, scope: str, dry_run: bool, no_prompt_text: bool) -> None:
    """Merge rewind's hooks into AGENT's settings, keeping every other hook.

    The hooks (a prompt's start, before each tool call that may change files, a turn's end)
    run this rewind by its absolute path (and with --db, if given here). The command is run
    once first, as the agent will run it, to prove it answers; nothing is written if not.
    """
    from rewind.hooks.install import check_hook, hook_command, install_hook  # noqa: PLC0415

    context = click.get_current_context()
    named = _database_named_here(context)
    command = hook_command(agent, _this_rewind(), named, prompt_text=not no_prompt_text)

    def merge() -> Outcome:
        problem = check_hook(command, agent, os.getcwd())
        if problem is not None:
            raise HookCheckError(f"{problem}; {command!r} was not installed")
        done = install_hook(agent, user=scope == "user", command=command, dry_run=dry_run)
        report = InstallReport(done, _store_shown(named), _untrusted_folder(agent, scope))
        return Outcome(report.data(), lambda: _print_install(report))

    run(merge)


@dataclasses.dataclass(frozen=True)
class InstallReport:
    """What ``hook install`` did, where the checkpoints will go, and what may stop the hook."""

    done: HookInstall
    store: str
    untrusted: str | None

    def data(self) -> dict[str, Any]:
        """The command's JSON data."""
        return {
            **dataclasses.asdict(self.done),
            "store": self.store,
            "untrusted_folder": self.untrusted,
        }


def _this_rewind() -> str:
    """The absolute path of the ``rewind`` command running now (the agent must find it)."""
    running = os.path.abspath(sys.argv[0])
    if os.path.basename(running).startswith("rewind") and os.access(running, os.X_OK):
        return running
    found = shutil.which("rewind")
    if found is None:
        raise click.ClickException(
            "cannot tell where the rewind command is: run hook install as `rewind hook install`"
        )
    return os.path.abspath(found)


def _database_named_here(context: click.Context) -> str | None:
    """The store given with ``--db`` on this command line (not through the environment)."""
    root = context.find_root()
    if root.get_parameter_source("database_url") is ParameterSource.COMMANDLINE:
        return session_of(context).database_url
    return None


def _store_shown(named: str | None) -> str:
    """Where the hook's checkpoints go, said for people (a password hidden)."""
    from rewind.service import default_database_url  # noqa: PLC0415

    url = named or default_database_url()
    if url.startswith("sqlite:///"):
        return url.removeprefix("sqlite:///")
    return re.sub(r"(//[^:/@]*):[^@/]*@", r"\1:***@", url)


def _untrusted_folder(agent: str, scope: str) -> str | None:
    """The project folder whose hooks the agent will not run until it is trusted, if any."""
    from rewind.hooks.install import gemini_folder_trusted  # noqa: PLC0415

    here = os.getcwd()
    if agent == "gemini" and scope == "project" and not gemini_folder_trusted(here):
        return here
    return None


def _print_install(report: InstallReport) -> None:
    done = report.done
    if done.diff:
        click.echo(done.diff, nl=False)
    if not done.changed:
        click.echo(f"{done.path}: the rewind hook is already there")
    elif done.dry_run:
        click.echo(f"dry run: {done.path} was not changed")
    else:
        click.echo(f"{done.path}: rewind's hook installed")
    click.echo(f"the hook runs: {done.command} (checked: it answers)")
    click.echo(f"checkpoints go to {report.store}")
    if report.untrusted is not None:
        click.echo(
            f"note: Gemini CLI runs a project's hooks only in a trusted folder, and "
            f"{report.untrusted} is not one: trust it in Gemini CLI (start gemini there and "
            "choose 'Trust folder'), or install for your user instead: "
            "rewind hook install gemini --user",
            err=True,
        )


@main.command()
@json_option
def doctor() -> None:
    """Check what agents need to be checkpointed here: store, hooks, server, the hooks' log.

    Exit status 1 when something would lose checkpoints (a finding marked fail).
    """
    from rewind.hooks.doctor import diagnose  # noqa: PLC0415

    def examine() -> Outcome:
        findings = diagnose(os.getcwd(), session_of().database_url)
        failed = sum(finding.status == "fail" for finding in findings)
        data = {"ok": not failed, "findings": [dataclasses.asdict(f) for f in findings]}
        show = partial(_print_findings, findings)
        if not failed:
            return Outcome(data, show)
        return Outcome(data, show, 1, f"{failed} of these would lose checkpoints (fail)")

    run(examine)


def _print_findings(findings: list[Any]) -> None:
    area = None
    for finding in findings:
        shown = "" if finding.area == area else finding.area
        area = finding.area
        click.echo(f"{shown:<9} {finding.status:<5} {finding.message}")
