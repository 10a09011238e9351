"""Steps about ``rewind doctor``: run it for a user of the scenario's own, read what it says."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

from behave import given, when
from support.scenario import expand
from support.world import world

from rewind import CheckpointService
from rewind.hooks.names import SERVER_URL_VARIABLE
from rewind.service import DATABASE_URL_VARIABLE


def _doctor(context: Any, options: str = "", **variables: str) -> None:
    scene = world(context)
    command = shutil.which("rewind")
    assert command is not None
    environment = {
        **os.environ,
        DATABASE_URL_VARIABLE: scene.database_url,
        "REWIND_HOOK_LOG": str(scene.directory / "hooks.log"),
        "HOME": str(scene.directory / "home"),  # no user settings but the scenario's
    }
    environment.pop(SERVER_URL_VARIABLE, None)
    environment.update(variables)
    scene.result = subprocess.run(
        [command, *shlex.split(expand(scene, options)), "doctor"],
        env=environment,
        cwd=scene.directory,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@when("I run the doctor")
def run_doctor(context: Any) -> None:
    _doctor(context)


@when('I run the doctor with "{options:Q}"')
def run_doctor_with(context: Any, options: str) -> None:
    _doctor(context, options)


@given('I ran "{command:Q}"')
def ran(context: Any, command: str) -> None:
    scene = world(context)
    environment = {**os.environ, DATABASE_URL_VARIABLE: scene.database_url}
    subprocess.run(
        shlex.split(expand(scene, command)),
        env=environment,
        cwd=scene.directory,
        capture_output=True,
        timeout=120,
        check=True,
    )


@given('the SQLite store "{path:Q}" holds a checkpoint')
def sqlite_store(context: Any, path: str) -> None:
    scene = world(context)
    store = Path(expand(scene, path))
    with CheckpointService.open(f"sqlite:///{store}") as service:
        service.create_workspace_snapshot("plan", scene.workspace)


@given('"{path:Q}" may be read by everyone')
def readable(context: Any, path: str) -> None:
    Path(expand(world(context), path)).chmod(0o644)


@when('I run the doctor with the hooks forwarding to "{url:Q}"')
def run_doctor_forwarding(context: Any, url: str) -> None:
    server = url.replace("{silent}", getattr(context, "silent_url", ""))
    _doctor(context, **{SERVER_URL_VARIABLE: server})


@when("I run the doctor with the background service off")
def run_doctor_service_off(context: Any) -> None:
    _doctor(context, REWIND_SERVICE="off")


@given('"{path:Q}" is a symlink to "{target:Q}"')
def symlink_to(context: Any, path: str, target: str) -> None:
    scene = world(context)
    Path(expand(scene, path)).symlink_to(expand(scene, target))


@given('"{path:Q}" belongs to another user')
def belongs_to_nobody(context: Any, path: str) -> None:
    os.chown(expand(world(context), path), 65534, 65534)


@given("the hooks' log holds a line and may be read by everyone")
def loose_log(context: Any) -> None:
    log = world(context).directory / "hooks.log"
    log.write_text("2026-12-07T00:00:00Z claude-code forwarded: to the background service\n")
    log.chmod(0o644)
