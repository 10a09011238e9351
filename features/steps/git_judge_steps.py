"""Steps that ask git which files it does not ignore, in a repository made in the workspace."""

from __future__ import annotations

import os
import subprocess
from typing import Any

from behave import given, then
from support.scenario import named
from support.trees import read_tree, write_file
from support.world import World, world


def _git(scene: World, *arguments: str) -> str:
    """Run git in the workspace, with no system or user configuration; return its output."""
    environment = {
        **os.environ,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "HOME": str(scene.directory),
    }
    completed = subprocess.run(
        ["git", *arguments],
        capture_output=True,
        text=True,
        check=True,
        env=environment,
        cwd=scene.workspace,
    )
    return completed.stdout


@given("a git repository made in the workspace")
def git_repository(context: Any) -> None:
    _git(world(context), "init", "-q")


@given('the ignore files "{root:Q}" at the top, "{sub:Q}" in sub and "{deep:Q}" in sub/deep')
def ignore_files(context: Any, root: str, sub: str, deep: str) -> None:
    """Write each non-empty list of comma-separated patterns as that directory's .gitignore."""
    workspace = world(context).workspace
    for ignore_file, lines in (
        (".gitignore", root),
        ("sub/.gitignore", sub),
        ("sub/deep/.gitignore", deep),
    ):
        if lines.strip():
            write_file(
                workspace, ignore_file, "".join(f"{line.strip()}\n" for line in lines.split(","))
            )


def _git_lists(scene: World) -> list[str]:
    """The files git tracks or would add: cached, and others it does not ignore."""
    listing = _git(scene, "ls-files", "--cached", "--others", "--exclude-standard", "-z")
    return sorted({path for path in listing.split("\0") if path})


@then('checkpoint "{name:Q}" records exactly the files git lists')
def records_what_git_lists(context: Any, name: str) -> None:
    scene = world(context)
    _git(scene, "read-tree", "--empty")  # git's index starts afresh from the ignore rules now,
    _git(scene, "add", "-A")  # and holds what a user's "git add -A" would add
    expected = _git_lists(scene)
    restored = scene.directory / f"restored-{name}"
    scene.the_service.restore_into(named(scene, name).checkpoint_id, restored)
    recorded = sorted(read_tree(restored)[0])
    assert recorded == expected, {
        "rewind only": sorted(set(recorded) - set(expected)),
        "git only": sorted(set(expected) - set(recorded)),
    }
