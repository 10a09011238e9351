"""What every piece of the agents' hooks shares: agents, plans, limits, environment variables.

It also says where the server's token is kept. It imports only the standard library's
``os``: the forwarding hook command imports this module and nothing else of rewind, so that
it starts in a few tens of milliseconds.
"""

from __future__ import annotations

import os

__all__ = [
    "AGENTS",
    "PLANS",
    "PROBE_EVENT",
    "SERVER_URL_VARIABLE",
    "TOKEN_FILE_VARIABLE",
    "default_token_file",
]

AGENTS = ("claude-code", "gemini")
"""The agents whose hooks rewind reads, as the command and the endpoint name them."""
PLANS = {"claude-code": "claude-code", "gemini": "gemini-cli"}
"""The plan each agent's snapshots belong to: one history per agent and workspace."""
PROBE_EVENT = "RewindInstallCheck"
"""The ``hook_event_name`` of the input ``hook install`` sends to prove the command answers."""
SERVER_URL_VARIABLE = "REWIND_SERVER_URL"
"""Where a running ``rewind serve`` listens (``http://127.0.0.1:8765``); unset: no server."""
TOKEN_FILE_VARIABLE = "REWIND_TOKEN_FILE"
"""The file holding the server's bearer token, if not the default one."""


def default_token_file() -> str:
    """``$REWIND_TOKEN_FILE``, else ``$XDG_CONFIG_HOME/rewind/token`` (``~/.config/...``)."""
    if given := os.environ.get(TOKEN_FILE_VARIABLE):
        return given
    config = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(config, "rewind", "token")
