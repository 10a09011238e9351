"""Agents' hooks: what Claude Code and Gemini CLI send before a tool call, and what rewind does.

``payload`` reads a hook's JSON; ``forward`` is the ``rewind hook <agent>`` command, which
posts it to a running ``rewind serve`` (or snapshots in process when none is configured) and
always lets the tool run; ``install`` merges the hook into an agent's settings. The command's
path imports only the standard library and these modules, so it starts in a few tens of
milliseconds.
"""
