"""rewind in one minute: snapshot a workspace twice, restart, and find everything again.

Run it with ``nox -s demo`` (or ``python examples/demo.py`` where rewind is installed). It works
in a new temporary directory, with a SQLite store of its own there (so it leaves your own
store, ``$XDG_DATA_HOME/rewind/rewind.db``, alone); ``--db URL`` points it at another
database, PostgreSQL included.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from rewind import Checkpoint, CheckpointService, CheckpointType

AFTER_RESTART = """
from rewind import CheckpointService
with CheckpointService.open({url!r}) as service:
    for checkpoint in service.list_checkpoints("demo-plan"):
        extra = checkpoint.metadata.extra
        print(f"  {{checkpoint.checkpoint_id}}  {{checkpoint.label}}")
        print(f"    diff_paths: {{list(extra['diff_paths'])}}")
        print(f"    diff_based: {{extra['diff_based']}}  diff_base: {{extra['diff_base']}}")
        print(f"    diff_hash:  {{extra['diff_hash']}}")
        print(f"    tree_hash:  {{extra['tree_hash']}}")
"""


def main() -> None:
    """Run the demo."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database URL (default: rewind.db in the demo dir)")
    arguments = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="rewind-demo-"))
    url = arguments.db or f"sqlite:///{home / 'rewind.db'}"
    workspace = home / "workspace"
    write(workspace / "README.md", "# A project an agent works on\n")
    write(workspace / "src" / "app.py", "print('hello')\n")
    write(workspace / "config.json", '{"debug": false}\n')
    print(f"workspace: {workspace}")

    with CheckpointService.open(url) as service:
        print(f"database:  {service.database}\n")
        first = service.create_workspace_snapshot(
            "demo-plan", workspace, "decision-1", reason="before the agent edits", label="start"
        )
        show("snapshot before the agent's decision", first)

        write(workspace / "src" / "app.py", "print('hello, world')\n")
        write(workspace / "tests" / "test_app.py", "def test_app(): ...\n")
        (workspace / "config.json").unlink()
        second = service.create_workspace_snapshot(
            "demo-plan",
            workspace,
            "decision-2",
            source_tool="editor",
            checkpoint_type=CheckpointType.POST_TOOL,
            extra={"tool_call": "apply_patch"},
            label="after edits",
        )
        show("snapshot after the agent's edits", second)

    print("The service is closed. A new Python process opens the same database:")
    subprocess.run([sys.executable, "-c", AFTER_RESTART.format(url=url)], check=True)
    command = Path(sys.executable).parent / "rewind"  # installed beside this interpreter
    print(f"\nLook for yourself: {command} --db {url} list")


def write(path: Path, text: str) -> None:
    """Create or replace a file, with its directories."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def show(title: str, checkpoint: Checkpoint) -> None:
    """Print a checkpoint and the diff metadata it was built with."""
    extra = checkpoint.metadata.extra
    print(f"{title}: {checkpoint.checkpoint_id}")
    print(f"  changed: {', '.join(extra['diff_paths']) or 'nothing'}\n")


if __name__ == "__main__":
    main()
