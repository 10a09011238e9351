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


def _doctor(context: Any, options: str = "") -> None:
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
