"""The ``rewind`` command's entry point.

An agent runs ``rewind hook <agent> [--no-prompt-text]`` before every tool call, so that call
goes straight to
the light hook (``rewind.hooks.forward``: the standard library and a few small modules)
instead of loading the command line and the whole library first. ``rewind --version`` is
answered here too, as Click would (``rewind, version X``), without loading Click.
"""

from __future__ import annotations

import sys

__all__ = ["main"]


def main() -> None:
    """Run ``rewind`` with the process's arguments."""
    arguments = sys.argv[1:]
    if arguments == ["--version"]:
        from rewind import __version__  # noqa: PLC0415 - a constant of the lazy package

        print(f"rewind, version {__version__}")
        return
    light = arguments[:1] == ["hook"] and arguments[2:] in ([], ["--no-prompt-text"])
    if light and len(arguments) > 1:  # ``hook AGENT [--no-prompt-text]``
        from rewind.hooks.names import AGENTS  # noqa: PLC0415 - the light path only

        if arguments[1] in AGENTS:
            from rewind.hooks.forward import run_hook  # noqa: PLC0415

            sys.exit(run_hook(arguments[1], prompt_text=len(arguments) == 2))  # noqa: PLR2004
    from rewind.cli import main as command  # noqa: PLC0415 - everything else

    command()
