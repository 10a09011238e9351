"""Steps about the files of the workspace."""

from __future__ import annotations

import os
import random
import shutil
import socket
import string
from pathlib import Path
from typing import Any

from behave import given, then, when
from support.trees import make_symlink, write_file
from support.world import world


@given("a workspace with files")
def workspace_with_files(context: Any) -> None:
    workspace = world(context).workspace
    for row in context.table:
        mode = int(row["mode"], 8) if "mode" in row.headings and row["mode"] else None
        write_file(workspace, row["path"], row["content"], mode)


@given("a workspace with {count:d} files of {size:d} KiB")
def workspace_with_sized_files(context: Any, count: int, size: int) -> None:
    workspace = world(context).workspace
    for index in range(count):
        content = f"file {index}\n" * (size * 1024 // 8)
        write_file(workspace, f"data/file-{index:03d}.txt", content)


@given('I write "{content:Q}" to the first {count:d} files')
def write_first_files(context: Any, content: str, count: int) -> None:
    workspace = world(context).workspace
    for index in range(count):
        write_file(workspace, f"data/file-{index:03d}.txt", content)


@given('"{path:Q}" in the workspace links to "{target:Q}"')
@when('I link "{path:Q}" to "{target:Q}"')
def link(context: Any, path: str, target: str) -> None:
    make_symlink(world(context).workspace, path, target)


@given('"{path:Q}" in the workspace contains "{content:Q}"')
@given('I write "{content:Q}" to "{path:Q}"')
@when('I write "{content:Q}" to "{path:Q}"')
def write(context: Any, content: str, path: str) -> None:
    write_file(world(context).workspace, path.replace("\\n", "\n"), content.replace("\\n", "\n"))


@given('I delete "{path:Q}"')
@when('I delete "{path:Q}"')
def delete(context: Any, path: str) -> None:
    target = world(context).workspace / path.replace("\\n", "\n")
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)
    else:
        target.unlink()


@given('I make "{path:Q}" executable')
@when('I make "{path:Q}" executable')
def make_executable(context: Any, path: str) -> None:
    (world(context).workspace / path).chmod(0o755)


@given('"{path:Q}" in the workspace cannot be read')
def unreadable(context: Any, path: str) -> None:
    (world(context).workspace / path).chmod(0o000)


@given('a FIFO at "{path:Q}" in the workspace')
def fifo(context: Any, path: str) -> None:
    os.mkfifo(world(context).workspace / path)


@given('a listening socket at "{path:Q}" in the workspace')
def unix_socket(context: Any, path: str) -> None:
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(world(context).workspace / path))
    listener.listen()
    context.add_cleanup(listener.close)


@given('the workspace has a git directory with "{path:Q}"')
def git_directory(context: Any, path: str) -> None:
    write_file(world(context).workspace, f".git/{path}", "git internals\n")


@given('a plain file "{name:Q}" beside the workspace')
def plain_file(context: Any, name: str) -> None:
    scene = world(context)
    (scene.directory / name).write_text("not a directory\n", encoding="utf-8")
    scene.beside_files[name] = _file_state(scene.directory / name)


@then('the file "{name:Q}" beside the workspace is exactly as it was')
def file_beside_unchanged(context: Any, name: str) -> None:
    scene = world(context)
    assert _file_state(scene.directory / name) == scene.beside_files[name]


def _file_state(path: Path) -> tuple[bytes, int, int]:
    status = path.lstat()
    return path.read_bytes(), status.st_mode, status.st_uid


@when("the workspace directory is removed")
def remove_workspace(context: Any) -> None:
    shutil.rmtree(world(context).workspace)


@then('"{path:Q}" in the workspace still contains "{content:Q}"')
def still_contains(context: Any, path: str, content: str) -> None:
    expected = content.replace("\\n", "\n")
    assert (world(context).workspace / path).read_text(encoding="utf-8") == expected


@given("a workspace file {depth:d} directories deep with {length:d}-character random names")
def deep_file(context: Any, depth: int, length: int) -> None:
    names = random.Random(depth * length)
    parts = ["".join(names.choices(string.ascii_letters, k=length)) for _ in range(depth)]
    write_file(world(context).workspace, "/".join([*parts, "deep.txt"]), "deep\n")


@given('a file named with the bytes "{name:Q}" in the workspace containing "{content:Q}"')
def undecodable_name(context: Any, name: str, content: str) -> None:
    raw = name.encode("ascii").decode("unicode_escape").encode("latin-1")
    with open(bytes(world(context).workspace) + b"/" + raw, "wb") as stream:
        stream.write(content.encode())


@given('"{path:Q}" in the workspace has the mode {mode}')
def set_mode(context: Any, path: str, mode: str) -> None:
    (world(context).workspace / path).chmod(int(mode, 8))


@then('"{path:Q}" in the workspace has the mode {mode}')
def has_mode(context: Any, path: str, mode: str) -> None:
    actual = (world(context).workspace / path).stat().st_mode & 0o7777
    assert actual == int(mode, 8), oct(actual)
