"""rewind for coding agents: the MCP server, its HTTP front, and the hook endpoint.

Needs the ``mcp`` extra (``pip install "rewind[mcp]"``). Everything here calls the public
API only (``AsyncCheckpointService``); the commands ``rewind serve`` and ``rewind mcp``
start it.
"""
