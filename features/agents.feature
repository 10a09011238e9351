Feature: Coding agents checkpoint through hooks, and a local server that guards itself
  Claude Code and Gemini CLI run a hook before each tool call: the `rewind hook` command (or,
  for Claude Code, an HTTP hook posting to `rewind serve`) snapshots the session's workspace
  with the tool call in the checkpoint's extra, and always lets the tool run. The server
  listens on loopback, wants its bearer token on every request, acts only under its roots,
  refuses browser pages and oversized bodies, and serves MCP over streamable HTTP.

  Background:
    Given a workspace with files
      | path       | content |
      | README.md  | hello   |
      | src/app.py | app     |
    And a checkpoint service on the scenario's database

  Scenario: Claude Code's hook command snapshots its workspace, with the call in the extra
    When Claude Code runs the hook command with its hook input
    Then the hook exited 0 and printed only {}
    And plan "claude-code" has 1 checkpoints
    And the newest checkpoint of plan "claude-code" was taken before "Bash", with in its extra
      | key         | value          |
      | tool_use_id | toolu_01ABC123 |
      | session_id  | abc123         |
      | agent       | claude-code    |

  Scenario: The hook command takes the store from --db, as every command does
    When Claude Code runs the hook command with its hook input, naming the store with --db
    Then the hook exited 0 and printed only {}
    And the hook said nothing on stderr
    And plan "claude-code" has 1 checkpoints

  Scenario: Gemini CLI's hook command prints only JSON
    When Gemini CLI runs the hook command with its hook input
    Then the hook exited 0 and printed only {}
    And the hook said nothing on stderr
    And the newest checkpoint of plan "gemini-cli" was taken before "write_file", with in its extra
      | key        | value            |
      | session_id | 7f3b2c1a-session |

  Scenario Outline: A hook that cannot snapshot still lets the tool run (<why>)
    When Claude Code runs the hook command with the input "<input>"
    Then the hook exited 0 and printed only {}
    And the hook said "no checkpoint was taken" on stderr and in its log
    And plan "claude-code" has 0 checkpoints

    Examples:
      | why               | input                                   |
      | not JSON          | this is not JSON                        |
      | not an object     | ["Bash"]                                |
      | no cwd            | {"tool_name": "Bash"}                   |
      | a missing cwd     | {"cwd": "{directory}/gone", "tool_name": "Bash"} |
      | a tool name that is not text | {"cwd": "{workspace}", "tool_name": 7} |

  Scenario: A Write of a 1.5 MB file is checkpointed: the hook reads its whole input
    When Claude Code runs the hook command with a Write of 1.5 MB, its call id after the content
    Then the hook exited 0 and printed only {}
    And the hook said nothing on stderr
    And the newest checkpoint of plan "claude-code" was taken before "Write", with in its extra
      | key          | value                |
      | tool_use_id  | toolu_01BIGWRITE     |
      | tool_summary | {workspace}/big.txt  |

  Scenario: A Write of a 1.5 MB file is checkpointed through the server too
    Given "rewind serve" runs with the workspace as its root
    When Claude Code runs the hook command with a Write of 1.5 MB, its call id after the content
    Then the hook exited 0 and printed only {}
    And the hook said nothing on stderr
    And the newest checkpoint of plan "claude-code" was taken before "Write", with in its extra
      | key          | value                |
      | tool_use_id  | toolu_01BIGWRITE     |

  Scenario: A server that refuses the hook's token: the hook snapshots in process instead
    Given "rewind serve" runs with the workspace as its root
    When Claude Code runs the hook command with its hook input, the server's token being another
    Then the hook exited 0 and printed only {}
    And the hook said "answered 401" on stderr and in its log
    And the hook said "snapshotted in process instead" on stderr and in its log
    And plan "claude-code" has 1 checkpoints

  Scenario: A server URL that is not http:// is said, and the tool runs
    When Claude Code runs the hook command with its hook input, the server URL being "ftp://127.0.0.1"
    Then the hook exited 0 and printed only {}
    And the hook said "is not an http:// URL" on stderr and in its log

  Scenario: With a server configured, the hook command forwards to it
    Given "rewind serve" runs with the workspace as its root
    When Claude Code runs the hook command with its hook input
    Then the hook exited 0 and printed only {}
    And plan "claude-code" has 1 checkpoints
    And the token file may be read by its owner only

  Scenario: The forwarding hook command loads only what forwarding needs
    Given "rewind serve" runs with the workspace as its root
    When Claude Code runs the hook command with its hook input, listing the modules it imports
    Then the hook exited 0 and printed only {}
    And plan "claude-code" has 1 checkpoints
    And the hook imported no module of rewind but the command's, nor http, typing or dataclasses

  Scenario Outline: The hook command forwards to a server URL written <how>
    Given "rewind serve" runs with the workspace as its root
    When Claude Code runs the hook command with its hook input, the server URL being "<url>"
    Then the hook exited 0 and printed only {}
    And plan "claude-code" has 1 checkpoints

    Examples:
      | how                        | url                      |
      | with a trailing slash      | http://127.0.0.1:{port}/ |
      | with its name, in capitals | HTTP://localhost:{port}  |

  Scenario Outline: A server URL the hook cannot post to is said, and the hook snapshots in process (<how>)
    Given "rewind serve" runs with the workspace as its root
    When Claude Code runs the hook command with its hook input, the server URL being "<url>"
    Then the hook exited 0 and printed only {}
    And plan "claude-code" has 1 checkpoints
    And the hook said "<said>" on stderr and in its log
    And the hook said "snapshotted in process instead" on stderr and in its log

    Examples:
      | how                                 | url                               | said                  |
      | a path the server has no hook under | http://127.0.0.1:{port}/elsewhere | answered 404          |
      | an IPv6 address it is not on        | http://[::1]:{port}               | cannot post           |
      | no port number                      | http://127.0.0.1:port             | is not an http:// URL |
      | a user name                         | http://me@127.0.0.1:{port}        | is not an http:// URL |

  Scenario: A server that is gone: the hook snapshots in process, and the tool runs
    When Claude Code runs the hook command with its hook input, the server being gone
    Then the hook exited 0 and printed only {}
    And the hook said "snapshotted in process instead" on stderr and in its log
    And plan "claude-code" has 1 checkpoints

  Scenario: A server that never answers: the hook gives up at its deadline and snapshots in process
    Given a server that accepts connections and never answers
    When Claude Code runs the hook command with its hook input, giving the server 1 second
    Then the hook exited 0 and printed only {}
    And the hook said "did not answer in time" on stderr and in its log
    And the hook said "snapshotted in process instead" on stderr and in its log
    And the newest checkpoint of plan "claude-code" was taken before "Bash", with in its extra
      | key         | value          |
      | tool_use_id | toolu_01ABC123 |

  Scenario: The server drops a hook whose deadline has passed, rather than store a late "before"
    Given "rewind serve" runs with the workspace as its root
    When Claude Code posts its hook input to the server with a deadline that has passed
    Then the server answered 504
    And the server's answer names "DeadlineExceededError"
    And plan "claude-code" has 0 checkpoints

  Scenario Outline: A hook input naming a workspace with a NUL is refused as input (<where>)
    Given "rewind serve" runs with the workspace as its root
    When Claude Code <how> with a NUL in its cwd
    Then <outcome>

    Examples:
      | where          | how                               | outcome                                                   |
      | the server     | posts its hook input to the server | the server answered 422                                  |
      | the command    | runs the hook command              | the hook said "holds a NUL character" on stderr and in its log |

  Scenario Outline: Claude Code's HTTP hook posts to the server (<how>)
    Given "rewind serve" runs with the workspace as its root
    When Claude Code posts its hook input to the server <how>
    Then the server answered 200 with "{}"
    And the newest checkpoint of plan "claude-code" was taken before "Bash", with in its extra
      | key         | value          |
      | tool_use_id | toolu_01ABC123 |

    Examples:
      | how                   |
      | as the agent does     |
      | with a streamed body  |

  Scenario Outline: The server refuses a request <how>, and does nothing
    Given "rewind serve" runs with the workspace as its root
    When Claude Code posts its hook input to the server <how>
    Then the server answered <status>
    And the server's answer names "<reason>"
    And plan "claude-code" has 0 checkpoints

    Examples:
      | how                                   | status | reason             |
      | without a token                       | 401    | bearer token       |
      | with a wrong token                    | 401    | bearer token       |
      | from a web page at http://evil.example | 403    | evil.example       |
      | under the Host name evil.example      | 403    | evil.example       |
      | for a workspace outside its roots     | 422    | OutsideRootsError  |

  Scenario: The server has hooks for the agents it knows only
    Given "rewind serve" runs with the workspace as its root
    When Claude Code posts its hook input to the server's hook for another agent
    Then the server answered 404
    And the server's answer names "claude-code, gemini"

  Scenario Outline: rewind <command> refuses <what> at start, in one line
    When I try to start "rewind <command>" with "<arguments>"
    Then it fails with one line "<message>"

    Examples:
      | command | what                                | arguments                   | message                            |
      | serve   | a root that is not a directory      | --root {directory}/nowhere  | is not a directory                 |
      | serve   | an empty root                       | --root ''                   | a root directory's path is empty   |
      | mcp     | a root that is not a directory      | --root {directory}/nowhere  | is not a directory                 |
      | mcp     | an empty root                       | --root ''                   | a root directory's path is empty   |
      | serve   | an empty host                       | --host ''                   | the host to listen on is empty     |
      | serve   | a host name that does not resolve   | --host no-such-host.invalid | cannot listen on no-such-host.invalid |
      | serve   | another machine's address           | --host 192.0.2.1            | cannot listen on 192.0.2.1         |
      | serve   | an empty token file path            | --token-file ''             | the token file's path is empty     |
      | serve   | a token file under a file           | --token-file {workspace}/README.md/token | cannot be read or made |

  Scenario Outline: Without the MCP SDK, rewind <command> says which extra to install
    When a Python process without the MCP SDK runs "rewind <command>"
    Then it exits with status 1 saying "the mcp extra"

    Examples:
      | command |
      | serve   |
      | mcp     |

  Scenario: With no store or log named, the hook command snapshots into the user's store
    When Claude Code runs the hook command with its hook input, naming no store and no log
    Then the hook exited 0 and printed only {}
    And the user's store holds 1 checkpoint of plan "claude-code"
    And nothing exists at "workspace/.rewind" beside the workspace
    And the hooks' log in the state directory names "checkpoint"
    And the hooks' log in the state directory may be read by its owner only

  Scenario: A token file that holds no token is refused
    When I try to start "rewind serve" with an empty token file
    Then it exits with status 1 saying "holds no token"

  Scenario: A token file others may read is refused
    When I try to start "rewind serve" with a token file everyone may read
    Then it exits with status 1 saying "may be read by others"

  Scenario: MCP over streamable HTTP, with the token and only with it
    Given "rewind serve" runs with the workspace as its root
    And an MCP client connected to the server over streamable HTTP
    When the agent calls "snapshot" with
      """
      {"workspace": "{workspace}"}
      """
    Then the tool succeeded
    When the agent calls "list_checkpoints"
    Then the result lists 1 checkpoints
    And an MCP client without the token cannot connect

  Scenario: An agent session of 20 tool calls through hooks is restored to call 7, then undone
    Given "rewind serve" runs with the workspace as its root
    When an agent session makes 20 tool calls, each after Claude Code's hook
    Then plan "claude-code" has 20 checkpoints
    When I roll back to the checkpoint taken before tool call "toolu_07"
    Then the workspace is exactly as before tool call 7
    When I roll back to the safety checkpoint of that rollback
    Then the workspace is exactly as at the end of the session

  Scenario: Installing the hook keeps the user's other hooks, and installing again changes nothing
    Given the project's ".claude/settings.json" holds
      """
      {"model": "opus", "hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "./lint.sh"}]}]}}
      """
    When I run "rewind hook install claude-code --dry-run"
    Then it exits with status 0 printing "+"
    And the project's ".claude/settings.json" holds exactly
      """
      {"model": "opus", "hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "./lint.sh"}]}]}}
      """
    When I run "rewind hook install claude-code"
    Then it exits with status 0 printing "installed"
    And the project's ".claude/settings.json" holds exactly
      """
      {"model": "opus", "hooks": {
        "UserPromptSubmit": [{"matcher": "*", "hooks": [{"type": "command", "command": "{rewind} hook claude-code", "timeout": 120}]}],
        "PreToolUse": [
          {"matcher": "Bash", "hooks": [{"type": "command", "command": "./lint.sh"}]},
          {"matcher": "Bash|Write|Edit|MultiEdit|NotebookEdit", "hooks": [{"type": "command", "command": "{rewind} hook claude-code", "timeout": 120}]}
        ],
        "Stop": [{"matcher": "*", "hooks": [{"type": "command", "command": "{rewind} hook claude-code", "timeout": 120}]}]
      }}
      """
    When I run "rewind hook install claude-code"
    Then it exits with status 0 printing "already there"

  Scenario: Installing again replaces an older rewind hook, and leaves the others where they were
    Given the project's ".claude/settings.json" holds
      """
      {"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "/old/venv/bin/rewind hook claude-code"}, {"type": "command", "command": "./lint.sh"}]}]}}
      """
    When I run "rewind hook install claude-code"
    Then it exits with status 0 printing "installed"
    And the project's ".claude/settings.json" holds exactly
      """
      {"hooks": {
        "UserPromptSubmit": [{"matcher": "*", "hooks": [{"type": "command", "command": "{rewind} hook claude-code", "timeout": 120}]}],
        "PreToolUse": [
          {"matcher": "Bash", "hooks": [{"type": "command", "command": "./lint.sh"}]},
          {"matcher": "Bash|Write|Edit|MultiEdit|NotebookEdit", "hooks": [{"type": "command", "command": "{rewind} hook claude-code", "timeout": 120}]}
        ],
        "Stop": [{"matcher": "*", "hooks": [{"type": "command", "command": "{rewind} hook claude-code", "timeout": 120}]}]
      }}
      """

  Scenario Outline: Settings rewind cannot read are left alone, and said
    Given the project's ".claude/settings.json" holds
      """
      <settings>
      """
    When I run "rewind hook install claude-code"
    Then it exits with status 1 saying "<message>"

    Examples:
      | settings                          | message                     |
      | ["not", "an", "object"]           | does not hold a JSON object |
      | {"hooks": {"PreToolUse": "Bash"}} | is not a list of matcher groups |
      | {"hooks": {                       | is not JSON                 |

  Scenario: Installing says what the hook runs and where its checkpoints go
    When I run "rewind hook install claude-code"
    Then it exits with status 0 printing "the hook runs: {rewind} hook claude-code (checked: it answers)"
    And it printed "checkpoints go to {database_path}"

  Scenario: Installing from a path with a space writes that path quoted, and the agent's shell runs it
    Given the rewind command is reached through "{directory}/my tools/rewind"
    When I run "'{directory}/my tools/rewind' hook install claude-code"
    Then it exits with status 0 printing "installed"
    And the project's ".claude/settings.json" runs "'{directory}/my tools/rewind' hook claude-code"
    And the agent's shell runs that hook command with Claude Code's hook input, which exits 0 printing only {}
    And plan "claude-code" has 1 checkpoints

  Scenario: A hook command that cannot open its store is not installed
    When I run "rewind --db mysql://nowhere/rewind hook install claude-code"
    Then it exits with status 1 saying "was not installed"
    And nothing exists at the project's ".claude/settings.json"

  Scenario: The hook installed with --db keeps that store
    When I run "rewind --db {directory}/elsewhere.db hook install claude-code"
    Then it exits with status 0 printing "checkpoints go to {directory}/elsewhere.db"
    And the project's ".claude/settings.json" runs "{rewind} --db sqlite:///{directory}/elsewhere.db hook claude-code"

  Scenario Outline: Gemini CLI's project hook in a folder it <trust>: installed, and said
    When I run "rewind hook install gemini" with a home whose Gemini CLI <trust>
    Then it exits with status 0 printing "installed"
    And it <says> "is not one: trust it in Gemini CLI" on stderr

    Examples:
      | trust                          | says       |
      | trusts nothing                 | said       |
      | trusts the project             | did not say |
      | trusts the project's parent    | did not say |
      | distrusts the project          | said       |
      | trusts workspaces by its env   | did not say |
      | turns folder trust off         | did not say |
      | keeps rules that are not JSON  | said       |
      | names a level it does not know | said       |
      | keeps its rules elsewhere      | did not say |

  Scenario: Installing Gemini CLI's hook into a project without settings
    When I run "rewind hook install gemini"
    Then it exits with status 0 printing "installed"
    And the project's ".gemini/settings.json" holds exactly
      """
      {"hooks": {
        "BeforeAgent": [{"matcher": "*", "hooks": [{"type": "command", "command": "{rewind} hook gemini", "timeout": 120000}]}],
        "BeforeTool": [{"matcher": "write_file|replace|run_shell_command", "hooks": [{"type": "command", "command": "{rewind} hook gemini", "timeout": 120000}]}],
        "AfterAgent": [{"matcher": "*", "hooks": [{"type": "command", "command": "{rewind} hook gemini", "timeout": 120000}]}]
      }}
      """
