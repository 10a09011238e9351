"""Agents' hook inputs, and the hook command run with them as an agent runs it.

Hook inputs are the agents' documented JSON (``features/fixtures/hooks``), fed to the
installed ``rewind`` command in a subprocess, as the agents do.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from rewind.hooks.background import SERVICE_VARIABLE
from rewind.hooks.forward import DEADLINE_VARIABLE
from rewind.hooks.names import SERVER_URL_VARIABLE, TOKEN_FILE_VARIABLE
from rewind.service import DATABASE_URL_VARIABLE
from support.scenario import expand
from support.world import World

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hooks"
INPUTS = {
    "Claude Code": ("claude-code", "claude-code-pre-tool-use.json"),
    "Gemini CLI": ("gemini", "gemini-before-tool.json"),
}


def hook_input(scene: World, agent: str, **fields: Any) -> bytes:
    """``agent``'s documented hook input for the scenario's workspace, with ``fields`` set."""
    document = json.loads(expand(scene, (FIXTURES / INPUTS[agent][1]).read_text("utf-8")))
    document.update(fields)
    return json.dumps(document).encode()


def token_file(scene: World) -> str:
    """The scenario's token file (the server's and the hooks')."""
    return str(scene.directory / "config" / "token")


def hook_log(scene: World) -> Path:
    """The hooks' log the scenario's hook commands write."""
    return scene.directory / "hooks.log"


def hook_environment(
    scene: World,
    *,
    server: str | None = None,
    deadline: float | None = None,
    background: bool = False,
) -> dict[str, str]:
    """The environment a hook command runs in: the scenario's store, log and token.

    Without ``background`` it never uses a background service (most scenarios are about
    the hook itself); ``server``: a ``rewind serve`` to forward to.
    """
    environment = {
        **os.environ,
        DATABASE_URL_VARIABLE: scene.database_url,
        "REWIND_HOOK_LOG": str(hook_log(scene)),
        TOKEN_FILE_VARIABLE: token_file(scene),
    }
    environment.pop(SERVER_URL_VARIABLE, None)
    if server is not None:
        environment[SERVER_URL_VARIABLE] = server
    if not background:
        environment[SERVICE_VARIABLE] = "off"
    if deadline is not None:
        environment[DEADLINE_VARIABLE] = str(deadline)
    return environment


def run_hook_process(
    scene: World,
    agent: str,
    body: bytes,
    *,
    db_option: bool = False,
    list_imports: bool = False,
    arguments: tuple[str, ...] = (),
    variables: dict[str, str] | None = None,
    **environment_options: Any,
) -> subprocess.CompletedProcess[str]:
    """Run ``rewind hook AGENT`` in the workspace with ``body`` on its stdin, as agents do.

    ``arguments`` follow ``hook AGENT``; ``variables`` are set in its environment.
    """
    command = shutil.which("rewind")
    assert command is not None
    environment = {**hook_environment(scene, **environment_options), **(variables or {})}
    if list_imports:  # Python writes "import time: self | cumulative | module" to stderr
        environment["PYTHONPROFILEIMPORTTIME"] = "1"
        for variable in ("COVERAGE_PROCESS_CONFIG", "COVERAGE_PROCESS_START"):
            environment.pop(variable, None)  # the command's imports, not coverage's
    options = ["--db", environment.pop(DATABASE_URL_VARIABLE)] if db_option else []
    done = subprocess.run(
        [command, *options, "hook", INPUTS[agent][0], *arguments],
        input=body,
        env=environment,
        cwd=scene.workspace,
        capture_output=True,
        timeout=300,
        check=False,
    )
    return subprocess.CompletedProcess(
        done.args,
        done.returncode,
        done.stdout.decode("utf-8", "replace"),
        done.stderr.decode("utf-8", "replace"),
    )
