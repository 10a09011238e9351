"""Behave fixtures: a fresh workspace and a fresh database for every scenario.

Run with ``-D backend=sqlite`` (the default) or ``-D backend=postgres``; the latter needs
``REWIND_TEST_POSTGRES_URL`` and gives each scenario its own PostgreSQL schema. Each scenario
keeps its state in one ``support.world.World``, ``context.world``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import parse
from behave import fixture, register_type, use_fixture

sys.path.insert(0, str(Path(__file__).parent))

from support.databases import postgres_schema_url
from support.trees import remove_tree
from support.world import World, world

BACKENDS = ("sqlite", "postgres")
SERVICES = ("sync", "async")


@parse.with_pattern(r'[^"]*')
def _quoted(text: str) -> str:
    return text


register_type(Q=_quoted)  # "{name:Q}" in a step: the text between two quotes, never a quote


def _backend(context: Any) -> str:
    backend: str = context.config.userdata.get("backend", "sqlite")
    return backend


def _service(context: Any) -> str:
    service: str = context.config.userdata.get("service", "sync")
    return service


def before_all(context: Any) -> None:
    backend = _backend(context)
    if backend not in BACKENDS:
        raise SystemExit(f"unknown backend {backend!r}: use -D backend=sqlite|postgres")
    if _service(context) not in SERVICES:
        raise SystemExit(f"unknown service {_service(context)!r}: use -D service=sync|async")
    if backend == "postgres" and not os.environ.get("REWIND_TEST_POSTGRES_URL"):
        raise SystemExit("-D backend=postgres needs REWIND_TEST_POSTGRES_URL")


@fixture
def scenario_directory(context: Any) -> Iterator[Path]:
    directory = Path(tempfile.mkdtemp(prefix="rewind-scenario-"))
    (directory / "workspace").mkdir()
    yield directory
    remove_tree(directory)


USER_DIRECTORIES = ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_RUNTIME_DIR")


@fixture
def private_user_directories(context: Any, directory: Path) -> Iterator[Path]:
    """This scenario's own XDG directories: no scenario reads or writes the real user's.

    rewind keeps its per-user store, hooks' log, token and service socket there; the
    directories are made when rewind needs them (the runtime one exists, mode 0700).
    """
    saved = {name: os.environ.get(name) for name in USER_DIRECTORIES}
    home = directory / "user"
    for name in USER_DIRECTORIES:
        os.environ[name] = str(home / name.removeprefix("XDG_").lower())
    (home / "runtime_dir").mkdir(mode=0o700, parents=True)
    yield home
    stop_background_services(home)
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def stop_background_services(home: Path) -> None:
    """Stop every background service a hook of this scenario started (SIGTERM, then wait)."""
    for state in [
        *home.glob("runtime_dir/rewind/service-*.json"),
        *home.glob("state_home/rewind/service-*.json"),
    ]:
        try:
            pid = int(json.loads(state.read_text("utf-8"))["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
            for _ in range(6000):  # it finishes its request and saves its coverage first
                if not _alive(pid):
                    break
                time.sleep(0.01)
            else:
                os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie nobody reaped yet has ended)."""
    try:
        status = Path(f"/proc/{pid}/stat").read_text("ascii")
    except OSError:
        return False
    return status.rpartition(")")[2].split()[0] != "Z"


@fixture
def scenario_database(context: Any, backend: str, directory: Path) -> Iterator[str]:
    if backend == "postgres":
        with postgres_schema_url(os.environ["REWIND_TEST_POSTGRES_URL"]) as url:
            yield url
    else:
        yield f"sqlite:///{directory / 'store' / 'rewind.db'}"


def before_scenario(context: Any, scenario: Any) -> None:
    backend = _backend(context)
    directory: Path = use_fixture(scenario_directory, context)
    use_fixture(private_user_directories, context, directory)
    database_url: str = use_fixture(scenario_database, context, backend, directory)
    context.world = World(
        backend=backend,
        directory=directory,
        workspace=directory / "workspace",
        database_url=database_url,
        service_kind=_service(context),
        hooks_in_process="hooks_in_process" in scenario.effective_tags,
    )


def after_scenario(context: Any, scenario: Any) -> None:
    for service in world(context).services:
        service.close()
