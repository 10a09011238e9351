"""Steps that play a coding agent: ``rewind serve`` over HTTP, and ``rewind hook`` commands.

Hook inputs are the agents' documented JSON (``features/fixtures/hooks``), fed to the
installed command in a subprocess or posted to the running server, as the agents do.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx2
from behave import given, then, when
from mcp.client.streamable_http import streamable_http_client
from support.hooking import INPUTS, hook_input, run_hook_process, token_file
from support.mcp_client import McpConnection
from support.scenario import expand
from support.serving import RunningServer
from support.trees import read_tree
from support.world import World, world

from rewind.hooks.background import SERVICE_VARIABLE
from rewind.hooks.names import SERVER_URL_VARIABLE
from rewind.hooks.wire import DEADLINE_HEADER
from rewind.service import DATABASE_URL_VARIABLE


@given('"rewind serve" runs with the workspace as its root')
def serve_workspace(context: Any) -> None:
    scene = world(context)
    context.server = RunningServer(scene.database_url, [str(scene.workspace)], token_file(scene))
    context.add_cleanup(context.server.stop)


@when("{agent} posts its hook input to the server {how}")
def post_hook(context: Any, agent: str, how: str) -> None:
    scene = world(context)
    server: RunningServer = context.server
    headers = {"Authorization": f"Bearer {server.token}", "Content-Type": "application/json"}
    body = hook_input(scene, agent)
    if how == "without a token":
        del headers["Authorization"]
    elif how == "with a wrong token":
        headers["Authorization"] = "Bearer not-the-token"
    elif how == "from a web page at http://evil.example":
        headers["Origin"] = "http://evil.example"
    elif how == "under the Host name evil.example":
        headers["Host"] = "evil.example"
    elif how in ("with a body of 2 MiB", "with a streamed body of 2 MiB"):
        body = hook_input(scene, agent, padding="x" * (2 * 1024 * 1024))
    elif how == "with a streamed body":
        pass  # chunked, below
    elif how == "for a workspace outside its roots":
        body = hook_input(scene, agent, cwd=str(scene.directory))
    elif how == "with a deadline that has passed":
        headers[DEADLINE_HEADER] = f"{time.time() - 60:.3f}"
    elif how == "with a NUL in its cwd":
        body = hook_input(scene, agent, cwd=f"{scene.workspace}\x00/elsewhere")
    else:
        assert how == "as the agent does", how
    path = f"/hooks/{INPUTS[agent][0]}"
    chunked = how in ("with a streamed body", "with a streamed body of 2 MiB")
    context.http_status, context.http_body = server.post(path, body, headers, chunked=chunked)


@then("the server answered {status:d}")
def answered(context: Any, status: int) -> None:
    assert context.http_status == status, (context.http_status, context.http_body)


@then('the server answered 200 with "{body}"')
def answered_with(context: Any, body: str) -> None:
    assert (context.http_status, context.http_body.decode()) == (200, body), context.http_body


@then('the server\'s answer names "{text:Q}"')
def answer_names(context: Any, text: str) -> None:
    assert text in context.http_body.decode(), context.http_body


@then('the newest checkpoint of plan "{plan:Q}" was taken before "{tool:Q}", with in its extra')
def newest_extra(context: Any, plan: str, tool: str) -> None:
    newest = world(context).the_service.list_checkpoints(plan, limit=1)[0]
    assert newest.metadata.source_tool == tool, newest.metadata
    extra = newest.metadata.extra
    for row in context.table:
        assert extra.get(row["key"]) == expand(world(context), row["value"]), (row["key"], extra)


@then("the token file may be read by its owner only")
def token_private(context: Any) -> None:
    mode = stat.S_IMODE(os.stat(token_file(world(context))).st_mode)
    assert mode == 0o600, oct(mode)


@when('I try to start "rewind serve" with a token file everyone may read')
def serve_with_open_token(context: Any) -> None:
    _serve_withtoken_file(context, "a-token\n", 0o644)


@when('I try to start "rewind serve" with an empty token file')
def serve_with_empty_token(context: Any) -> None:
    _serve_withtoken_file(context, "\n", 0o600)


def _serve_withtoken_file(context: Any, text: str, mode: int) -> None:
    scene = world(context)
    path = Path(token_file(scene))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="ascii")
    path.chmod(mode)
    command = shutil.which("rewind")
    assert command is not None
    scene.result = subprocess.run(
        [
            command,
            "serve",
            "--port",
            "0",
            "--token-file",
            str(path),
            "--root",
            str(scene.workspace),
        ],
        env={**os.environ, DATABASE_URL_VARIABLE: scene.database_url},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@given("an MCP client connected to the server over streamable HTTP")
def client_over_http(context: Any) -> None:
    server: RunningServer = context.server

    def transport() -> Any:
        headers = {"Authorization": f"Bearer {server.token}"}
        return streamable_http_client(
            f"{server.url}/mcp", http_client=httpx2.AsyncClient(headers=headers)
        )

    context.mcp = McpConnection(transport)
    context.add_cleanup(context.mcp.close)


@then("an MCP client without the token cannot connect")
def client_without_token(context: Any) -> None:
    server: RunningServer = context.server
    try:
        connection = McpConnection(lambda: streamable_http_client(f"{server.url}/mcp"))
    except Exception:  # the SDK reports the server's refusal as an error response
        status, _body = server.post("/mcp", b"{}", {"Content-Type": "application/json"})
        assert status == 401, status
    else:
        connection.close()
        raise AssertionError("a client without the token connected")


def _run_hook(context: Any, agent: str, body: bytes, **options: Any) -> None:
    running = getattr(context, "server", None)
    if "server" not in options and running is not None:
        options["server"] = running.url
    world(context).result = run_hook_process(world(context), agent, body, **options)


@when("{agent} runs the hook command with its hook input")
def run_hook_command(context: Any, agent: str) -> None:
    _run_hook(context, agent, hook_input(world(context), agent))


@when("{agent} runs the hook command with its hook input, naming the store with --db")
def run_hook_command_db(context: Any, agent: str) -> None:
    _run_hook(context, agent, hook_input(world(context), agent), db_option=True)


@when('{agent} runs the hook command with the input "{text}"')
def run_hook_command_with(context: Any, agent: str, text: str) -> None:
    _run_hook(context, agent, expand(world(context), text).encode())


@when("{agent} runs the hook command with its hook input, listing the modules it imports")
def run_hook_command_listing_imports(context: Any, agent: str) -> None:
    _run_hook(context, agent, hook_input(world(context), agent), list_imports=True)


FORWARDING_MODULES = {
    "rewind",
    "rewind._entry",
    "rewind._private",
    "rewind.hooks",
    "rewind.hooks.background",
    "rewind.hooks.event",
    "rewind.hooks.names",
    "rewind.hooks.forward",
    "rewind.hooks.wire",
}
HEAVY_MODULES = {"http", "typing", "dataclasses", "email", "ssl", "urllib", "asyncio"}
"""Not json: the hook reads its whole input, and keeps only the fields it needs (2 ms)."""


@then("the hook imported no module of rewind but the command's, nor http, typing or dataclasses")
def hook_imports_little(context: Any) -> None:
    lines = world(context).the_result.stderr.splitlines()
    timed = [line for line in lines if line.startswith("import time:")]
    imported = {line.rpartition("|")[2].strip() for line in timed}
    assert "rewind.hooks.forward" in imported, lines[-5:]
    rewinds = {name for name in imported if name.split(".")[0] == "rewind"}
    assert rewinds <= FORWARDING_MODULES, sorted(rewinds - FORWARDING_MODULES)
    heavy = {name for name in imported if name.split(".")[0] in HEAVY_MODULES}
    assert not heavy, sorted(heavy)


@when("{agent} runs the hook command with its hook input, the server being gone")
def run_hook_command_no_server(context: Any, agent: str) -> None:
    _run_hook(context, agent, hook_input(world(context), agent), server="http://127.0.0.1:9")


@then("the hook exited 0 and printed only {{}}")
def hook_answer(context: Any) -> None:
    result = world(context).the_result
    assert (result.returncode, result.stdout) == (0, "{}\n"), (result.returncode, result.stdout)


@then('the hook said "{text:Q}" on stderr and in its log')
def hook_complained(context: Any, text: str) -> None:
    scene = world(context)
    assert text in scene.the_result.stderr, scene.the_result.stderr
    assert text in (scene.directory / "hooks.log").read_text("utf-8")


@then("the hook said nothing on stderr")
def hook_quiet(context: Any) -> None:
    result = world(context).the_result
    assert result.stderr == "", result.stderr


@given('the project\'s "{path:Q}" holds')
def project_file(context: Any, path: str) -> None:
    scene = world(context)
    target = scene.directory / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(expand(scene, context.text), encoding="utf-8")


@then('the project\'s "{path:Q}" holds exactly')
def project_file_is(context: Any, path: str) -> None:
    scene = world(context)
    found = json.loads((scene.directory / path).read_text("utf-8"))
    command = shutil.which("rewind")
    assert command is not None
    expected = json.loads(context.text.replace("{rewind}", command))
    assert found == expected, json.dumps(found, indent=2)


@then('nothing exists at the project\'s "{path:Q}"')
def project_file_missing(context: Any, path: str) -> None:
    assert not (world(context).directory / path).exists()


# An agent's session: 20 tool calls, each preceded by the hook, each changing files as a
# shell command would (a subprocess writes, deletes, renames; git switches a nested repo).
SESSION = [
    "printf 'one' > a.txt",
    "mkdir -p src/lib && printf 'lib' > src/lib/util.py",
    "printf 'more' >> a.txt",
    "mv a.txt b.txt",
    "git init -q nested && git -C nested config user.email a@b && git -C nested config user.name a",
    "printf 'v1' > nested/file.txt && git -C nested add . && git -C nested commit -qm v1",
    "git -C nested checkout -qb feature && printf 'v2' > nested/file.txt"
    " && printf 'x' > nested/only.txt && git -C nested add . && git -C nested commit -qm v2",
    "git -C nested checkout -q -",
    "rm src/lib/util.py",
    "ln -s b.txt link.txt",
    "chmod +x b.txt",
    "printf 'deep' > src/deep.txt && mkdir -p src/x/y && printf 'z' > src/x/y/z.txt",
    "rm -r src/x",
    "printf 'changed' > b.txt",
    "mv src renamed-src",
    "printf '\\000\\001binary' > data.bin",
    "git -C nested checkout -q feature",
    "rm link.txt && ln -s data.bin link.txt",
    "printf 'last' > last.txt",
    "rm -f data.bin",
]


@when("an agent session makes {count:d} tool calls, each after Claude Code's hook")
def agent_session(context: Any, count: int) -> None:
    scene = world(context)
    context.session_states = []
    for index in range(count):
        call = f"toolu_{index + 1:02d}"
        body = hook_input(scene, "Claude Code", tool_use_id=call)
        _run_hook(context, "Claude Code", body)
        assert scene.the_result.returncode == 0, scene.the_result
        assert not scene.the_result.stderr, scene.the_result
        context.session_states.append(_tracked(scene.workspace))
        subprocess.run(["sh", "-c", SESSION[index]], cwd=scene.workspace, check=True)
    context.session_end = _tracked(scene.workspace)


def _tracked(root: Path) -> Any:
    """The workspace as rewind tracks it: everything but ``.git`` directories."""
    files, directories = read_tree(root)

    def kept(path: str) -> bool:
        return ".git" not in path.split("/")

    return {p: s for p, s in files.items() if kept(p)}, {d for d in directories if kept(d)}


@when('I roll back to the checkpoint taken before tool call "{call:Q}"')
def roll_back_to_call(context: Any, call: str) -> None:
    scene = world(context)
    found = [
        checkpoint
        for checkpoint in scene.the_service.list_checkpoints("claude-code")
        if checkpoint.metadata.extra.get("tool_use_id") == call
    ]
    assert len(found) == 1, found
    scene.rollback = scene.the_service.rollback_to_checkpoint(found[0].checkpoint_id)


@then("the workspace is exactly as before tool call {number:d}")
def as_before_call(context: Any, number: int) -> None:
    found = _tracked(world(context).workspace)
    expected = context.session_states[number - 1]
    assert found[0] == expected[0], sorted(set(found[0]) ^ set(expected[0]))


@then("the workspace is exactly as at the end of the session")
def as_at_end(context: Any) -> None:
    found = _tracked(world(context).workspace)
    assert found[0] == context.session_end[0], sorted(set(found[0]) ^ set(context.session_end[0]))


WITHOUT_MCP = """
import sys
sys.modules["mcp"] = None  # every import of it now raises ImportError
from rewind.cli import main
sys.argv = ["rewind", *sys.argv[1:]]
main()
"""


@when('a Python process without the MCP SDK runs "rewind {arguments}"')
def run_without_mcp(context: Any, arguments: str) -> None:
    scene = world(context)
    scene.result = subprocess.run(
        [sys.executable, "-c", WITHOUT_MCP, *arguments.split()],
        capture_output=True,
        text=True,
        env={**os.environ, DATABASE_URL_VARIABLE: scene.database_url},
        cwd=scene.directory,
        timeout=60,
        check=False,
    )


@when('I try to start "rewind {command}" with "{arguments:Q}"')
def start_with(context: Any, command: str, arguments: str) -> None:
    """Start the server with a free port, its own token file and the workspace as its root,
    then ``arguments`` (which win where an option is given once)."""
    scene = world(context)
    program = shutil.which("rewind")
    assert program is not None
    defaults = ["--root", str(scene.workspace)]
    if command == "serve":
        defaults += ["--port", "0", "--token-file", token_file(scene)]
    words = [program, command, *defaults, *shlex.split(expand(scene, arguments))]
    scene.result = subprocess.run(
        words,
        env={**os.environ, DATABASE_URL_VARIABLE: scene.database_url},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@when("{agent} runs the hook command with a Write of 1.5 MB, its call id after the content")
def run_hook_command_big_write(context: Any, agent: str) -> None:
    scene = world(context)
    document = json.loads(hook_input(scene, agent))
    document.pop("tool_use_id", None)
    document["tool_name"] = "Write"
    content = "a line of the new file\n" * (1_500_000 // 23)
    document["tool_input"] = {"file_path": str(scene.workspace / "big.txt"), "content": content}
    document["tool_use_id"] = "toolu_01BIGWRITE"  # after the content, as Claude Code sends it
    body = json.dumps(document).encode()
    assert body.rindex(b"tool_use_id") > body.index(b"content") and len(body) > 1_500_000
    _run_hook(context, agent, body)


@when("{agent} runs the hook command with a NUL in its cwd")
def run_hook_command_nul(context: Any, agent: str) -> None:
    scene = world(context)
    _run_hook(context, agent, hook_input(scene, agent, cwd=f"{scene.workspace}\x00/elsewhere"))


@given("a server that accepts connections and never answers")
def silent_server(context: Any) -> None:
    listening = socket.create_server(("127.0.0.1", 0))  # the kernel accepts; nobody answers
    context.add_cleanup(listening.close)
    token = Path(token_file(world(context)))
    token.parent.mkdir(mode=0o700)
    token.write_text("a-token\n", encoding="ascii")
    token.chmod(0o600)
    context.silent_url = f"http://127.0.0.1:{listening.getsockname()[1]}"


@when("{agent} runs the hook command with its hook input, giving the server {seconds:d} second")
def run_hook_command_deadline(context: Any, agent: str, seconds: int) -> None:
    body = hook_input(world(context), agent)
    _run_hook(context, agent, body, server=context.silent_url, deadline=seconds)


@when("{agent} runs the hook command with its hook input, the server's token being another")
def run_hook_command_wrong_token(context: Any, agent: str) -> None:
    path = Path(token_file(world(context)))
    path.write_text("another-token\n", encoding="ascii")
    _run_hook(context, agent, hook_input(world(context), agent))


@when('{agent} runs the hook command with its hook input, the server URL being "{url:Q}"')
def run_hook_command_to_url(context: Any, agent: str, url: str) -> None:
    running = getattr(context, "server", None)
    if running is not None:  # "{port}": the running server's
        url = url.replace("{port}", running.url.rpartition(":")[2])
    _run_hook(context, agent, hook_input(world(context), agent), server=url)


@when("{agent} posts its hook input to the server's hook for another agent")
def post_unknown_agent(context: Any, agent: str) -> None:
    server: RunningServer = context.server
    headers = {"Authorization": f"Bearer {server.token}"}
    body = hook_input(world(context), agent)
    context.http_status, context.http_body = server.post("/hooks/cursor", body, headers)


@when("{agent} runs the hook command with its hook input, naming no store and no log")
def run_hook_command_defaults(context: Any, agent: str) -> None:
    scene = world(context)
    command = shutil.which("rewind")
    assert command is not None
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in (DATABASE_URL_VARIABLE, "REWIND_HOOK_LOG", SERVER_URL_VARIABLE)
    }
    environment[SERVICE_VARIABLE] = "off"
    environment["XDG_STATE_HOME"] = str(scene.directory / "state")
    done = subprocess.run(
        [command, "hook", INPUTS[agent][0]],
        input=hook_input(scene, agent),
        env=environment,
        cwd=scene.directory,
        capture_output=True,
        text=False,
        timeout=120,
        check=False,
    )
    scene.result = subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode(), done.stderr.decode()
    )


@then('the hooks\' log in the state directory names "{text:Q}"')
def state_log(context: Any, text: str) -> None:
    log = world(context).directory / "state" / "rewind" / "hooks.log"
    assert text in log.read_text("utf-8"), log.read_text("utf-8")


@then("the hooks' log in the state directory may be read by its owner only")
def state_log_private(context: Any) -> None:
    log = world(context).directory / "state" / "rewind" / "hooks.log"
    modes = (stat.S_IMODE(log.stat().st_mode), stat.S_IMODE(log.parent.stat().st_mode))
    assert modes == (0o600, 0o700), [oct(mode) for mode in modes]


@given('the rewind command is reached through "{path:Q}"')
def rewind_through(context: Any, path: str) -> None:
    link = Path(expand(world(context), path))
    link.parent.mkdir(parents=True, exist_ok=True)
    command = shutil.which("rewind")
    assert command is not None
    link.symlink_to(command)


def _installed_command(scene: World, path: str) -> str:
    settings = json.loads((scene.directory / path).read_text("utf-8"))
    event = next(iter(settings["hooks"]))
    commands = [h["command"] for group in settings["hooks"][event] for h in group["hooks"]]
    assert len(commands) == 1, commands
    return str(commands[0])


@then('the project\'s "{path:Q}" runs "{command:Q}"')
def project_runs(context: Any, path: str, command: str) -> None:
    scene = world(context)
    installed = _installed_command(scene, path)
    assert installed == expand(scene, command), installed
    context.installed_command = installed


@then(
    "the agent's shell runs that hook command with Claude Code's hook input, "
    "which exits 0 printing only {{}}"
)
def shell_runs_hook(context: Any) -> None:
    scene = world(context)
    environment = {
        **os.environ,
        DATABASE_URL_VARIABLE: scene.database_url,
        "REWIND_HOOK_LOG": str(scene.directory / "hooks.log"),
        SERVICE_VARIABLE: "off",
    }
    environment.pop(SERVER_URL_VARIABLE, None)
    done = subprocess.run(
        ["/bin/sh", "-c", context.installed_command],
        input=hook_input(scene, "Claude Code"),
        env=environment,
        cwd=scene.workspace,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, b"{}\n", b""), done


GEMINI_TRUST = {
    "trusts nothing": {},
    "trusts the project": {"{directory}": "TRUST_FOLDER"},
    "trusts the project's parent": {"{directory}/sibling": "TRUST_PARENT"},
    "distrusts the project": {"{directory}/..": "TRUST_FOLDER", "{directory}": "DO_NOT_TRUST"},
    "trusts workspaces by its env": {},
    "turns folder trust off": {},
    "keeps rules that are not JSON": {},
    "names a level it does not know": {"{directory}": "TRUST_EVERYTHING"},
    "keeps its rules elsewhere": {},
}


@when('I run "{command:Q}" with a home whose Gemini CLI {trust}')
def run_with_gemini_trust(context: Any, command: str, trust: str) -> None:
    scene = world(context)
    home = scene.directory / "home"
    (home / ".gemini").mkdir(parents=True)
    rules = {expand(scene, path): level for path, level in GEMINI_TRUST[trust].items()}
    (home / ".gemini" / "trustedFolders.json").write_text(json.dumps(rules), "utf-8")
    environment = {**os.environ, DATABASE_URL_VARIABLE: scene.database_url, "HOME": str(home)}
    environment.pop("GEMINI_CLI_TRUST_WORKSPACE", None)
    if trust == "trusts workspaces by its env":
        environment["GEMINI_CLI_TRUST_WORKSPACE"] = "true"
    elif trust == "turns folder trust off":
        settings = {"security": {"folderTrust": {"enabled": False}}}
        (home / ".gemini" / "settings.json").write_text(json.dumps(settings), "utf-8")
    elif trust == "keeps rules that are not JSON":
        (home / ".gemini" / "trustedFolders.json").write_text("{ not json", "utf-8")
    elif trust == "keeps its rules elsewhere":
        elsewhere = scene.directory / "elsewhere-trusted.json"
        elsewhere.write_text(json.dumps({str(scene.directory): "TRUST_FOLDER"}), "utf-8")
        environment["GEMINI_CLI_TRUSTED_FOLDERS_PATH"] = str(elsewhere)
    scene.result = subprocess.run(
        shlex.split(expand(scene, command)),
        env=environment,
        cwd=scene.directory,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@then('it {says} "{text:Q}" on stderr')
def says_on_stderr(context: Any, says: str, text: str) -> None:
    stderr = world(context).the_result.stderr
    assert says in ("said", "did not say"), says
    assert (text in stderr) == (says == "said"), stderr
