"""Agents' hooks: what Claude Code and Gemini CLI send before a tool call, and what rewind does.

``names`` holds what they all share (the agents, their plans, the environment variables);
``payload`` reads a hook's JSON; ``forward`` is the ``rewind hook <agent>`` command, which
posts it to a running ``rewind serve`` (or snapshots in process when none is configured) and
always lets the tool run; ``install`` merges the hook into an agent's settings. On its way to
a server the command imports only ``os``, ``socket`` and ``names``, so it starts in about
25 ms.
"""
