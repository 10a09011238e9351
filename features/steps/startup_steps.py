"""Steps about what the command loads: the modules a run imports, and the schema's head.

A run lists its imports through ``PYTHONPROFILEIMPORTTIME`` (one ``import time:`` line per
module on stderr), without coverage's own imports. Nothing here times anything.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from behave import then, when
from support.scenario import expand
from support.world import World, world

import rewind
from rewind.storage.migrate import head_in, head_revision, migrations_directory, shipped_head

DATABASE_VARIABLE = "REWIND_DATABASE_URL"
COMMAND_LINE_MODULES = {"rewind", "rewind._entry", "rewind.hooks", "rewind.hooks.names"}
"""Besides ``rewind.cli.*``: the package, the entry point, and the hook names agents.py reads."""


@when('I run "{command:Q}", listing the modules it imports')
def run_listing_imports(context: Any, command: str) -> None:
    scene = world(context)
    arguments = shlex.split(expand(scene, _last_id(scene, command)))
    program = shutil.which(arguments[0])
    assert program is not None, arguments[0]
    environment = {**os.environ, DATABASE_VARIABLE: scene.database_url}
    environment["PYTHONPROFILEIMPORTTIME"] = "1"
    for variable in ("COVERAGE_PROCESS_CONFIG", "COVERAGE_PROCESS_START"):
        environment.pop(variable, None)  # the command's imports, not coverage's
    scene.result = subprocess.run(
        [program, *arguments[1:]],
        capture_output=True,
        text=True,
        env=environment,
        cwd=scene.directory,
        timeout=300,
        check=False,
    )


def _last_id(scene: World, command: str) -> str:
    return command.replace("{last}", scene.last_id or "")


def _imported(scene: World) -> set[str]:
    lines = scene.the_result.stderr.splitlines()
    timed = [line for line in lines if line.startswith("import time:")]
    assert timed, lines[-5:]
    return {line.rpartition("|")[2].strip() for line in timed}


def _names(listed: str) -> list[str]:
    return [name.strip() for name in listed.replace(" and ", ", ").split(",") if name.strip()]


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(f"{package}.")


@then("it printed this rewind's version as Click prints a version")
def printed_version(context: Any) -> None:
    assert world(context).the_result.stdout == f"rewind, version {rewind.__version__}\n"


@then("its imports leave out {modules}")
def imported_none_of(context: Any, modules: str) -> None:
    imported = _imported(world(context))
    found = sorted(
        module for module in imported for name in _names(modules) if _within(module, name)
    )
    assert not found, found


@then("its imports include {modules}")
def imported(context: Any, modules: str) -> None:
    imported = _imported(world(context))
    missing = [name for name in _names(modules) if name not in imported]
    assert not missing, missing


@then("its only modules of rewind are the command line's and {others}")
def imported_only_the_command_line(context: Any, others: str) -> None:
    allowed = COMMAND_LINE_MODULES | {f"rewind.{name}" for name in _names(others)}
    rewinds = {name for name in _imported(world(context)) if _within(name, "rewind")}
    extra = sorted(name for name in rewinds - allowed if not _within(name, "rewind.cli"))
    assert not extra, extra
    assert "rewind.cli.app" in rewinds, sorted(rewinds)


@then("the newest revision read from the migration files is the head Alembic finds")
def shipped_head_is_alembics(context: Any) -> None:
    assert shipped_head() == head_revision(), (shipped_head(), head_revision())


ODD_REVISIONS = {
    "a revision file naming none": ("9999_odd.py", "# a revision made by hand, oddly\n"),
    "two heads": (
        "9999_branch.py",
        'revision: str = "9999"\ndown_revision: str | None = "0001"\n',
    ),
}


@then("the newest revision read from a copy of the migrations with {oddity} is none")
def odd_migrations_have_no_head(context: Any, oddity: str) -> None:
    name, text = ODD_REVISIONS[oddity]
    with tempfile.TemporaryDirectory() as scratch:
        versions = Path(scratch) / "versions"
        shutil.copytree(migrations_directory() / "versions", versions)
        (versions / name).write_text(text, "utf-8")
        assert head_in(versions) is None, head_in(versions)
