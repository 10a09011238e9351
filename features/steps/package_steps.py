"""Steps about the installed package itself."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
from typing import Any

from behave import then

import rewind

IMPORT_ONLY = "import json, sys, rewind; print(json.dumps(sorted(sys.modules)))"


@then("a fresh Python process that imports rewind has loaded no Alembic module")
def no_alembic(context: Any) -> None:
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_ONLY], capture_output=True, text=True, check=True
    )
    modules = json.loads(result.stdout)
    assert "rewind" in modules, modules
    assert not [name for name in modules if name.split(".")[0] == "alembic"], modules


@then("rewind's version is the installed package's version")
def version_once(context: Any) -> None:
    installed = importlib.metadata.version("rewind-checkpoints")
    assert rewind.__version__ == installed, (rewind.__version__, installed)


@then("the installed package ships the MIT licence")
def licence(context: Any) -> None:
    distribution = importlib.metadata.distribution("rewind-checkpoints")
    assert distribution.metadata["License-Expression"] == "MIT", distribution.metadata
    text = distribution.read_text("licenses/LICENSE")  # where metadata 2.4 keeps licences
    assert text is not None and text.startswith("MIT License"), text
