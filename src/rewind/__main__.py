"""``python -m rewind``: the ``rewind`` command (the background service is started this way)."""

from rewind._entry import main

main()
