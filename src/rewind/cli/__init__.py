"""The ``rewind`` command: parse the arguments, call the service, render the result.

Every command takes ``--db URL`` (default: ``$REWIND_DATABASE_URL``, else the user's store,
``$XDG_DATA_HOME/rewind/rewind.db``, one for every workspace); a plain file path means a
SQLite file.
Only ``snapshot`` and ``db upgrade`` create a store that does not exist yet: the others fail,
naming the database, and create nothing (``db current`` says there is no store).

A checkpoint is named by its id or any unique prefix of it (4 characters or more, any letter
case). With ``--json`` (before or after the command's name) a command prints one JSON
document, the envelope ``{"command", "status", "exit_code", "data", "timing"}`` (plus
``"error"`` when it fails), documented in the README. Exit status: 0 success; 1 a
``RewindError`` (one line ``error: ...`` on stderr), a problem ``verify`` found, changes
``diff --exit-code`` found, or a rollback not confirmed; 2 a usage error.

The command computes nothing the public API does not offer to any other front end. Its
modules: ``app`` (the group, a run's session, outcomes, errors and exit status), ``params``
(shared options), one module per group of commands (``snapshot``; ``browse``: list, show,
diff; ``log``: an agent's sessions turn by turn; ``restore``: rollback, restore; ``undo``:
undo, redo; ``fork``: an agent's conversation forked, and ``undo --conversation``;
``maintain``: verify, prune, stats; ``db``; ``agents``: mcp, whose logic is
``rewind.server``), and ``render``, the only one that prints.
"""

from rewind.cli import (  # noqa: F401 - they add the commands
    agents,
    background,
    browse,
    db,
    fork,
    log,
    maintain,
    restore,
    snapshot,
    undo,
)
from rewind.cli.app import main

__all__ = ["main"]
