"""The coding agents' programs, pinned, and their installation from the npm registry.

Each agent's package is installed with npm into a directory of its own under a cache
directory (``CACHE/<agent>-<version>/``), once: a later run finds it there. ``nox -s agents``
runs this file as a script before the scenarios::

    python features/support/agents/pins.py CACHE [AGENT ...]

(no AGENT: the agents the scenarios drive). A package npm cannot install, or that installs
another version, stops the run with a message: the scenarios are never skipped. This module
uses only the standard library, so it runs before anything else is installed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

CACHE_VARIABLE = "REWIND_AGENTS_CACHE"
"""Where the scenarios find the installed agents (``nox -s agents`` sets it)."""
INSTALL_TIMEOUT = 1200
"""Seconds one ``npm install`` may take before the run stops (a slow registry is slow)."""


@dataclass(frozen=True)
class Pin:
    """One agent's npm package, at the version the scenarios were written against."""

    agent: str
    package: str
    version: str
    executable: str

    @property
    def spec(self) -> str:
        """``package@version``, as npm takes it."""
        return f"{self.package}@{self.version}"

    def directory(self, cache: Path) -> Path:
        """Where the package is installed under ``cache``."""
        return cache / f"{self.agent}-{self.version}"

    def executable_in(self, cache: Path) -> Path:
        """The agent's command, once installed under ``cache``."""
        return self.directory(cache) / "node_modules" / ".bin" / self.executable

    def installed_version(self, cache: Path) -> str | None:
        """The version installed under ``cache`` (None: none, or no command)."""
        manifest = self.directory(cache) / "node_modules" / self.package / "package.json"
        try:
            version = json.loads(manifest.read_text("utf-8")).get("version")
        except (OSError, ValueError):
            return None
        return str(version) if self.executable_in(cache).exists() else None


PINS = {
    pin.agent: pin
    for pin in (
        Pin("claude-code", "@anthropic-ai/claude-code", "2.1.197", "claude"),
        Pin("gemini", "@google/gemini-cli", "0.61.0", "gemini"),
        Pin("codex", "@openai/codex", "0.171.0", "codex"),
        Pin("copilot", "@github/copilot", "1.0.102", "copilot"),
        Pin("opencode", "opencode-ai", "1.18.33", "opencode"),
    )
}
DRIVEN = tuple(PINS)
"""The agents the scenarios drive (all: those rewind has no hook for yet only record)."""


def install(pin: Pin, cache: Path) -> Path:
    """Install ``pin`` under ``cache`` unless it is there already; return its command.

    Raises:
        SystemExit: npm failed (the registry could not be reached, the package is gone), or
            what it installed is not the pinned version.
    """
    if pin.installed_version(cache) == pin.version:
        return pin.executable_in(cache)
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit(f"npm is not installed: cannot install {pin.spec}")
    directory = pin.directory(cache)
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    command = [
        npm, "install", "--prefix", str(directory), "--no-audit", "--no-fund",
        "--no-update-notifier", "--fetch-timeout=120000", "--fetch-retries=3", pin.spec,
    ]  # fmt: skip
    print(f"installing {pin.spec} into {directory}", flush=True)
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, check=False
    )
    if done.returncode != 0:
        raise SystemExit(
            f"npm could not install {pin.spec} (exit status {done.returncode}); is the npm "
            f"registry reachable?\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        )
    found = pin.installed_version(cache)
    if found != pin.version:
        raise SystemExit(f"npm installed {pin.package} {found}, not the pinned {pin.version}")
    return pin.executable_in(cache)


def main(arguments: list[str]) -> None:
    """Install the named agents (default: those the scenarios drive) under the cache."""
    if not arguments:
        raise SystemExit(f"usage: pins.py CACHE [AGENT ...] (agents: {', '.join(PINS)})")
    cache, names = Path(arguments[0]).resolve(), arguments[1:] or list(DRIVEN)
    unknown = [name for name in names if name not in PINS]
    if unknown:
        raise SystemExit(f"no pin for {', '.join(unknown)} (agents: {', '.join(PINS)})")
    for name in names:
        print(f"{PINS[name].spec}: {install(PINS[name], cache)}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
