"""Steps about where the store lies by default, who may read it, and what git makes of it."""

from __future__ import annotations

import os
import shlex
import stat
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from behave import given, then, when
from support.faults import NOBODY
from support.scenario import attempt, expand
from support.world import World, world

import rewind
from rewind import CheckpointService
from rewind.service import DATABASE_URL_VARIABLE

GIT_ENVIRONMENT = {
    "GIT_AUTHOR_NAME": "agent",
    "GIT_AUTHOR_EMAIL": "agent@example.invalid",
    "GIT_COMMITTER_NAME": "agent",
    "GIT_COMMITTER_EMAIL": "agent@example.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def _store_directory() -> Path:
    """The user's store directory: this scenario's own ``$XDG_DATA_HOME/rewind``."""
    return Path(os.environ["XDG_DATA_HOME"]) / "rewind"


def _culprit(name: str) -> Path:
    return {
        "the user's store directory": _store_directory(),
        "the user's store": _store_directory() / "rewind.db",
        "the user's store's -wal": _store_directory() / "rewind.db-wal",
    }[name]


@contextmanager
def _in_workspace_without_database_setting(scene: World) -> Iterator[None]:
    """Run in the workspace, without ``$REWIND_DATABASE_URL`` whatever the shell set."""
    saved, before = os.environ.pop(DATABASE_URL_VARIABLE, None), Path.cwd()
    os.chdir(scene.workspace)
    try:
        yield
    finally:
        os.chdir(before)
        if saved is not None:
            os.environ[DATABASE_URL_VARIABLE] = saved


def _git(scene: World, command: str) -> str:
    done = subprocess.run(
        command,
        shell=True,
        cwd=scene.workspace,
        env={**os.environ, **GIT_ENVIRONMENT},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, (command, done.stdout, done.stderr)
    return done.stdout


@given("the umask is {mask}")
def umask(context: Any, mask: str) -> None:
    before = os.umask(int(mask, 8))
    context.add_cleanup(os.umask, before)


@given("the workspace is a git repository whose files are committed")
def git_repository(context: Any) -> None:
    _git(world(context), "git init -q . && git add -A && git commit -qm start")


@when('the agent runs "{command:Q}" in the workspace')
def agent_runs(context: Any, command: str) -> None:
    _git(world(context), command)


@then('git in the workspace tracks exactly "{paths:Q}"')
def git_tracks(context: Any, paths: str) -> None:
    tracked = _git(world(context), "git ls-files").splitlines()
    assert tracked == paths.split(", "), tracked


@when('a checkpoint service opened with no URL snapshots the workspace for plan "{plan:Q}"')
def snapshot_with_defaults(context: Any, plan: str) -> None:
    scene = world(context)
    with _in_workspace_without_database_setting(scene):
        service = scene.keep_service(CheckpointService.open())
    service.create_workspace_snapshot(plan, scene.workspace)


@when("I try to open the store with no URL")
def try_open_default(context: Any) -> None:
    scene = world(context)
    with _in_workspace_without_database_setting(scene):
        attempt(scene, CheckpointService.open, record_store=False)


@then('the user\'s store holds {count:d} checkpoint of plan "{plan:Q}"')
def user_store_holds(context: Any, count: int, plan: str) -> None:
    url = f"sqlite:///{_store_directory() / 'rewind.db'}"
    with CheckpointService.open(url, create=False) as service:
        assert len(service.list_checkpoints(plan)) == count


@then('the user\'s store directory has mode {directory_mode} and its files "{names:Q}" mode {mode}')
def user_store_modes(context: Any, directory_mode: str, names: str, mode: str) -> None:
    directory = _store_directory()
    found = stat.S_IMODE(directory.lstat().st_mode)
    assert found == int(directory_mode, 8), oct(found)
    for name in names.split(", "):
        found = stat.S_IMODE((directory / name).lstat().st_mode)
        assert found == int(mode, 8), (name, oct(found))


@then("the user's store directory does not exist")
def no_user_store(context: Any) -> None:
    assert not os.path.lexists(_store_directory()), sorted(_store_directory().iterdir())


@when("the user's store directory is given mode {directory_mode} and its database mode {mode}")
def loosen_user_store(context: Any, directory_mode: str, mode: str) -> None:
    _store_directory().chmod(int(directory_mode, 8))
    (_store_directory() / "rewind.db").chmod(int(mode, 8))


@given("the user's store directory is a symlink to a new directory beside it")
def store_directory_symlink(context: Any) -> None:
    other = world(context).directory / "elsewhere"
    other.mkdir(mode=0o700)
    _store_directory().parent.mkdir(parents=True, exist_ok=True)
    _store_directory().symlink_to(other, target_is_directory=True)


@given("the user's store directory belongs to another user")
def store_directory_foreign(context: Any) -> None:
    _store_directory().mkdir(mode=0o700, parents=True)
    os.chown(_store_directory(), NOBODY, NOBODY)


@given("the user's store directory is a file")
def store_directory_file(context: Any) -> None:
    _store_directory().parent.mkdir(parents=True)
    _store_directory().write_text("not a directory\n", encoding="utf-8")


@given("the user's store is a symlink to a file beside it")
def store_symlink(context: Any) -> None:
    target = world(context).directory / "elsewhere.db"
    target.write_bytes(b"")
    _store_directory().mkdir(mode=0o700, parents=True)
    (_store_directory() / "rewind.db").symlink_to(target)


@given("the user's store belongs to another user")
def store_foreign(context: Any) -> None:
    _made_store()
    os.chown(_store_directory() / "rewind.db", NOBODY, NOBODY)


@given("the user's store has a -wal file that belongs to another user")
def store_wal_foreign(context: Any) -> None:
    _made_store()
    wal = _store_directory() / "rewind.db-wal"
    wal.write_bytes(b"")
    os.chown(wal, NOBODY, NOBODY)


def _made_store() -> None:
    with CheckpointService.open(f"sqlite:///{_store_directory() / 'rewind.db'}") as service:
        service.stats()


@then('it fails with {error_name} naming {culprit}, which "{why:Q}"')
def fails_naming(context: Any, error_name: str, culprit: str, why: str) -> None:
    error = world(context).error
    assert isinstance(error, getattr(rewind, error_name)), f"{type(error).__name__}: {error}"
    assert f"{_culprit(culprit)} {why}" in str(error), str(error)
    assert getattr(error, "path", None) == str(_culprit(culprit)), error


@given('the workspace\'s "{name:Q}" is a symlink to the new directory "{other:Q}" beside it')
def planted_symlink(context: Any, name: str, other: str) -> None:
    scene = world(context)
    (scene.directory / other).mkdir()
    (scene.workspace / name).symlink_to(scene.directory / other, target_is_directory=True)


@given('"{path:Q}" beside the workspace is a symlink to "{target:Q}", which does not exist')
def dangling_symlink(context: Any, path: str, target: str) -> None:
    link = world(context).directory / path
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(world(context).directory / target)


@then('the directory "{name:Q}" beside the workspace is empty')
def directory_empty(context: Any, name: str) -> None:
    directory = world(context).directory / name
    assert list(directory.iterdir()) == [], sorted(directory.iterdir())


@then('the directory "{name:Q}" in the workspace holds a .gitignore of "{pattern:Q}"')
def holds_gitignore(context: Any, name: str, pattern: str) -> None:
    ignore = world(context).workspace / name / ".gitignore"
    assert ignore.read_text(encoding="utf-8") == f"{pattern}\n", ignore


@then('the file "{name:Q}" beside the workspace has mode {mode}')
def file_mode(context: Any, name: str, mode: str) -> None:
    path = Path(expand(world(context), f"{{directory}}/{name}"))
    found = stat.S_IMODE(path.lstat().st_mode)
    assert found == int(mode, 8), oct(found)


@given('a directory "{name:Q}" beside the workspace that only root may write')
def directory_of_root(context: Any, name: str) -> None:
    scene = world(context)
    (scene.directory / name).mkdir(mode=0o755)
    scene.directory.chmod(0o755)


@given('the directory "{name:Q}" belongs to user nobody, who may not write it either')
def directory_of_nobody(context: Any, name: str) -> None:
    directory = world(context).directory / name
    directory.mkdir(mode=0o500)
    os.chown(directory, NOBODY, NOBODY)


@given("the scenario goes on as user nobody")
def as_nobody(context: Any) -> None:
    os.seteuid(NOBODY)
    context.add_cleanup(os.seteuid, 0)


@when('I run "{command:Q}" with XDG_DATA_HOME "{data:Q}" and a home of the scenario\'s')
def run_with_data_home(context: Any, command: str, data: str) -> None:
    scene = world(context)
    home = scene.directory / "home"
    home.mkdir(exist_ok=True)
    environment = {
        name: value for name, value in os.environ.items() if name != DATABASE_URL_VARIABLE
    }
    environment.update(HOME=str(home), XDG_DATA_HOME=expand(scene, data))
    scene.result = subprocess.run(
        shlex.split(expand(scene, command)),
        env=environment,
        cwd=scene.directory,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@then("the scenario's home holds the user's store under \"{path:Q}\"")
def store_under_home(context: Any, path: str) -> None:
    store = world(context).directory / "home" / path / "rewind.db"
    assert store.is_file(), sorted(str(p) for p in (world(context).directory / "home").rglob("*"))
