"""Steps about a file's other names: hard links a rollback must not write through."""

from __future__ import annotations

import os
from typing import Any

from behave import given, then
from support.world import world


@given('"{link:Q}" is another name of "{path:Q}" in the workspace, a hard link')
def hard_link_elsewhere(context: Any, link: str, path: str) -> None:
    """``link`` is relative to the workspace, and may lie outside it (``../name``)."""
    workspace = world(context).workspace
    target = workspace / link
    target.parent.mkdir(parents=True, exist_ok=True)
    os.link(workspace / path, target)


@then('the other name "{link:Q}" holds "{content:Q}", as "{path:Q}" does')
def both_names_hold(context: Any, link: str, content: str, path: str) -> None:
    workspace = world(context).workspace
    assert (workspace / link).samefile(workspace / path), "not one file under two names"
    assert (workspace / link).read_text(encoding="utf-8") == content


@then('the other name "{link:Q}" still holds "{content:Q}"')
def other_name_holds(context: Any, link: str, content: str) -> None:
    assert (world(context).workspace / link).read_text(encoding="utf-8") == content
