"""Agents' hook inputs, and the hook command run with them as an agent runs it.

Hook inputs are the agents' documented JSON (``features/fixtures/hooks``), fed to the
installed ``rewind`` command in a subprocess, as the agents do.

A scenario or feature tagged ``@hooks_in_process`` plays the agents' events (the steps of
``turn_steps``: "Claude Code submits the prompt ...", "... ends its turn") in the test process
instead: the same input goes to the function the ``rewind`` command runs (its console-script
entry point), with the same arguments, environment, working directory, standard input and
output, and the same result (exit status, stdout, stderr). A hook process costs half a second
to a second of imports under coverage, and a feature whose Background plays a whole session
pays that for every scenario, in every run. Tag the features that only use the hooks to set
up a session (undo, log), and the scenarios about what the record holds (in turns.feature);
a scenario whose subject is the hook command itself (its process, exit status, deadline,
imports, stdin, arguments, environment variables, forwarding to a server) stays untagged and
runs it as a process, as agents.feature's and agents_real.feature's steps always do.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import traceback
from collections.abc import Callable
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any
from unittest import mock

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


@cache
def _command_main() -> Callable[[], object]:
    """The function the installed ``rewind`` command runs (its console-script entry point)."""
    (entry,) = entry_points(group="console_scripts", name="rewind")
    main: Callable[[], object] = entry.load()
    return main


def run_hook_in_process(
    scene: World,
    agent: str,
    body: bytes,
    *,
    arguments: tuple[str, ...] = (),
    variables: dict[str, str] | None = None,
    **environment_options: Any,
) -> subprocess.CompletedProcess[str]:
    """Run ``rewind hook AGENT`` as ``run_hook_process`` does, but in this process.

    The command's entry point runs with the process's arguments, environment, working
    directory and streams set as the process would have them, then put back; its exit status
    is its ``SystemExit``'s, or 1 with the traceback on stderr, as Python's would be.
    """
    environment = {**hook_environment(scene, **environment_options), **(variables or {})}
    command = [shutil.which("rewind") or "rewind", "hook", INPUTS[agent][0], *arguments]
    stdin = io.TextIOWrapper(io.BytesIO(body), encoding="utf-8")
    stdout, stderr = io.StringIO(), io.StringIO()
    with (
        mock.patch.dict(os.environ, environment, clear=True),
        mock.patch.object(sys, "argv", command),
        mock.patch.object(sys, "stdin", stdin),
        contextlib.redirect_stdout(stdout),
        contextlib.redirect_stderr(stderr),
        contextlib.chdir(scene.workspace),
    ):
        status = _exit_status(_command_main())
    return subprocess.CompletedProcess(command, status, stdout.getvalue(), stderr.getvalue())


def _exit_status(main: Callable[[], object]) -> int:
    """Run ``main`` and return the exit status Python would give its process."""
    try:
        main()
    except SystemExit as stopped:
        if stopped.code is None or isinstance(stopped.code, int):
            return stopped.code or 0
        print(stopped.code, file=sys.stderr)
        return 1
    except Exception:
        traceback.print_exc()
        return 1
    return 0
