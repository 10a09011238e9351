"""``rewind service run|start|stop|status|logs``: the user's background service, for people.

Hooks start the service on their own; these commands let a person look at it, start it
ahead of time, stop it (before an upgrade, say) and read its log. Its logic is in
``rewind.server.background`` (the service) and ``rewind.hooks.background`` (finding it).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import click

from rewind.cli.app import Outcome, fail_here, main, run, session_of
from rewind.cli.params import duration, json_option, size
from rewind.errors import InvalidInputError, RewindError

__all__: list[str] = []

START_SECONDS = 60.0
"""How long ``service start`` waits for a new service to listen."""
CONFIG_FILE = "$XDG_CONFIG_HOME/rewind/config.toml"


def _store_url() -> str:
    from rewind._private import default_store_url  # noqa: PLC0415

    return session_of().database_url or default_store_url()


@main.group()
def service() -> None:
    """The background service that agents' hooks hand their checkpoints to."""


@service.command(name="run")
@click.option("--idle-timeout", help="Exit after this long without a request (30m; none).")
@click.option("--keep-within", help="Keep every checkpoint younger than this (30d; none).")
@click.option("--keep-last", type=click.IntRange(0), help="Keep each workspace's last N (100).")
@click.option("--max-bytes", help="At start, prune the store to this size (500M, 2G).")
@click.option("--port", default=0, type=click.IntRange(0, 65535), help="Its TCP port (0: free).")
@click.option("--root", "roots", multiple=True, help="Where it may act (default: anywhere).")
def run_command(*, port: int, roots: tuple[str, ...], **settings: Any) -> None:
    """Run the service in the foreground (hooks start it this way, detached).

    Settings come from these options, else from the [service] table of
    $XDG_CONFIG_HOME/rewind/config.toml (idle_timeout, keep_within, keep_last, max_bytes),
    else the defaults: 30 minutes idle, 30 days plus each workspace's last 100 checkpoints
    kept after each snapshot, and no byte budget (with one, the store is pruned to it, oldest
    first, each time the service starts).
    """
    from rewind.server.background import run_service  # noqa: PLC0415

    try:
        options = service_options(settings, roots, port)
        run_service(_store_url(), options)
    except RewindError as exc:
        fail_here(exc)
    except KeyboardInterrupt:
        click.echo("rewind: stopped", err=True)


def service_options(settings: dict[str, Any], roots: tuple[str, ...], port: int) -> Any:
    """The service's options: ``settings`` given here, else the config file's, else defaults.

    Raises:
        InvalidInputError: The config file or a setting is not valid (names it).
    """
    from rewind.models import RetentionPolicy  # noqa: PLC0415
    from rewind.server.background import ServiceOptions  # noqa: PLC0415

    configured = _configured()
    chosen = {
        key: value if value is not None else configured.get(key) for key, value in settings.items()
    }
    try:
        idle = duration(_text(chosen["idle_timeout"], "30m"))
        within = duration(_text(chosen["keep_within"], "30d"))
        last = int(chosen["keep_last"] if chosen["keep_last"] is not None else 100)
        budget = None if chosen["max_bytes"] is None else size(chosen["max_bytes"])
        policy = RetentionPolicy(keep_within=within, keep_last=last or None)
    except (ValueError, TypeError) as exc:
        raise InvalidInputError(f"the service's settings ({CONFIG_FILE}): {exc}") from exc
    return ServiceOptions(
        roots=roots or ("/",),
        idle_seconds=float("inf") if idle is None else idle.total_seconds(),
        port=port,
        retention=None if policy.is_empty else policy,
        max_bytes=budget,
    )


def _configured() -> dict[str, Any]:
    """The [service] table of the user's config file (empty if there is none).

    Raises:
        InvalidInputError: The file is not TOML, or its [service] is not a table.
    """
    import tomllib  # noqa: PLC0415

    from rewind._private import user_directory  # noqa: PLC0415

    path = os.path.join(user_directory("config"), "config.toml")
    try:
        with open(path, "rb") as file:
            table = tomllib.load(file).get("service", {})
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInputError(f"{path} cannot be read as TOML: {exc}", path=path) from exc
    if not isinstance(table, dict):
        raise InvalidInputError(f"{path}: [service] is not a table", path=path)
    return table


def _text(value: object, default: str) -> str:
    if value is None:
        return default
    if not isinstance(value, str):
        raise TypeError(f'{value!r} is not a duration such as "30m" or "none"')
    return value


@service.command()
@json_option
def start() -> None:
    """Start the service for the store, unless it runs already; print its status."""
    from rewind.hooks.background import reach_service  # noqa: PLC0415

    url = _store_url()

    def starting() -> Outcome:
        try:
            reach_service(url, time.time() + START_SECONDS)
        except Exception as exc:  # ServiceUnavailable: say why, in one line
            raise click.ClickException(str(exc)) from exc
        return _status_outcome(_status(url))

    run(starting)


@service.command()
@json_option
def status() -> None:
    """Say whether the service runs, with its pid, version, store, address and requests.

    Exit status 0 either way; --json says ``"running": false`` when it does not run.
    """
    url = _store_url()
    run(lambda: _status_outcome(_status(url)))


@service.command()
@json_option
def stop() -> None:
    """Stop the service (it finishes the request it is serving)."""
    from rewind.hooks.background import (  # noqa: PLC0415
        ServiceFiles,
        read_state,
        service_target,
        stop_service,
    )

    files = ServiceFiles(_store_url())

    def stopping() -> Outcome:
        state = read_state(files)
        stopped = False
        if state is not None:
            try:
                stop_service(service_target(state))
                stopped = True
            except (OSError, ValueError):
                stopped = False
        message = "stopped" if stopped else "no service was running"
        return Outcome({"stopped": stopped}, lambda: click.echo(f"rewind service: {message}"))

    run(stopping)


@service.command()
@click.option("-n", "--lines", default=50, show_default=True, type=click.IntRange(1))
@json_option
def logs(*, lines: int) -> None:
    """Print the last lines of the service's log."""
    from rewind.hooks.background import ServiceFiles  # noqa: PLC0415

    path = ServiceFiles(_store_url()).log

    def read() -> Outcome:
        try:
            with open(path, encoding="utf-8", errors="replace") as file:
                tail = file.read().splitlines()[-lines:]
        except FileNotFoundError:
            tail = []

        def show() -> None:
            for line in tail or [f"no log yet ({path})"]:
                click.echo(line)

        return Outcome({"log": path, "lines": tail}, show)

    run(read)


def _status(url: str) -> dict[str, Any] | None:
    """The running service's own status, or None."""
    from rewind.hooks.background import ServiceFiles, service_status  # noqa: PLC0415

    return service_status(ServiceFiles(url))


def _status_outcome(found: dict[str, Any] | None) -> Outcome:
    show: Callable[[], None]
    if found is None:
        show = lambda: click.echo("rewind service: not running")  # noqa: E731
        return Outcome({"running": False}, show)

    def show_status() -> None:
        click.echo(f"rewind service: running, pid {found['pid']}, version {found['version']}")
        for key in ("database", "socket", "url", "started_at", "requests"):
            click.echo(f"  {key}: {found.get(key)}")

    return Outcome({"running": True, **found}, show_status)
