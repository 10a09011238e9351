Feature: Agents' hooks hand their checkpoints to one background service per user and store
  The hook command is tiny: it hands the agent's event to the user's long-lived service (a
  Unix socket in $XDG_RUNTIME_DIR/rewind/, mode 0700; loopback TCP with the token where there
  is no runtime directory), starting it if none runs: one start under any number of parallel
  hooks. The service watches the workspaces it snapshots, applies a retention policy, answers
  another version with 409 (the hook replaces it), and exits when idle. If it cannot start,
  the hook snapshots in process and says why.

  Background:
    Given a workspace with files
      | path       | content |
      | README.md  | hello   |
      | src/app.py | app     |
    And a checkpoint service on the scenario's database

  Scenario: The first hook starts the service, and the next hooks go to it
    When Claude Code's hook runs, the background service being on
    Then the hook exited 0 and printed only {}
    And the hook said nothing on stderr
    And the hooks' log says "forwarded: to the background service" 1 times
    When I write "changed" to "README.md"
    And Claude Code's hook runs, the background service being on
    Then the hooks' log says "forwarded: to the background service" 2 times
    And plan "claude-code" has 2 checkpoints
    And exactly 1 background service started
    When I run "rewind service status"
    Then it exits with status 0 printing "rewind service: running"
    And it printed "requests: 2"

  Scenario: The service the hooks started answers MCP on its socket too, from the first MCP request
    When Claude Code's hook runs, the background service being on
    And an MCP client connects to the background service over its socket
    And the agent calls "list_checkpoints"
    Then the tool succeeded
    And the result lists 1 checkpoints

  Scenario: 32 hooks started at once on a machine with no service: one service starts, every call has its checkpoint
    When 32 hooks of Claude Code run at once, each for its own tool call, the background service being on
    Then every one of them exited 0 and printed only {}
    And plan "claude-code" has one checkpoint for each of those 32 tool calls
    And exactly 1 background service started

  Scenario: A service killed with SIGKILL between two hooks is started again, and no checkpoint is lost
    When Claude Code's hook runs, the background service being on
    And the background service is killed with SIGKILL
    And I write "changed" to "README.md"
    And Claude Code's hook runs, the background service being on
    Then the hook said nothing on stderr
    And plan "claude-code" has 2 checkpoints
    And exactly 2 background services started

  Scenario: An older version's service is asked to stop, and this version's replaces it
    Given a service of an older rewind answers on the store's socket
    When Claude Code's hook runs, the background service being on
    Then the hook said nothing on stderr
    And the older service was asked to stop
    And plan "claude-code" has 1 checkpoints
    When I run "rewind --json service status"
    Then the service's status names the version of this rewind

  Scenario: A request from another rewind version is refused with 409, and stores nothing
    When Claude Code's hook runs, the background service being on
    And a hook of another rewind version posts to the background service
    Then the service answered 409
    And plan "claude-code" has 1 checkpoints

  Scenario: Without a runtime directory the service listens on loopback TCP, and wants the token
    When Claude Code's hook runs without a runtime directory, the background service being on
    Then the hook said nothing on stderr
    And the hooks' log says "forwarded: to the background service" 1 times
    And plan "claude-code" has 1 checkpoints
    And the service's state names no socket, and a loopback URL
    And a request to that URL without the token is refused with 401

  Scenario: A service that cannot start: the hook snapshots in process and says why
    Given a directory is in the way of the service's socket
    When Claude Code's hook runs, the background service being on, giving it 2 seconds
    Then the hook exited 0 and printed only {}
    And the hook said "did not start in time" on stderr and in its log
    And the hook said "snapshotted in process instead" on stderr and in its log
    And plan "claude-code" has 1 checkpoints

  Scenario: The service exits by itself once idle, and leaves no state behind
    When I start "rewind service run --idle-timeout 1s"
    Then it exits by itself with status 0
    And the service's state file is gone

  Scenario: The service keeps what the user's config says to keep
    Given the user's config.toml holds
      """
      [service]
      keep_last = 2
      keep_within = "none"
      """
    When Claude Code's hook runs 4 times, the workspace changing between them, the background service being on
    Then plan "claude-code" has 2 checkpoints

  Scenario: A config file that is not TOML is refused by name
    Given the user's config.toml holds
      """
      [service
      """
    When I run "rewind service run"
    Then it exits with status 1 saying "config.toml cannot be read as TOML"

  Scenario: People stop the service, and read its log
    When Claude Code's hook runs, the background service being on
    And I run "rewind service stop"
    Then it exits with status 0 printing "rewind service: stopped"
    When I run "rewind service logs"
    Then it exits with status 0 printing "listening on"
    When I run "rewind service status"
    Then it exits with status 0 printing "not running"

  Scenario: With a byte budget in the user's config, the service prunes the store to it when it starts
    Given the user's config.toml holds
      """
      [service]
      max_bytes = "1"
      """
    And the workspace was snapshotted 4 times for plan "claude-code", changing between them
    When I run "rewind service start"
    Then it exits with status 0 printing "rewind service: running"
    And plan "claude-code" has 1 checkpoints
    When I run "rewind service logs"
    Then it printed "pruned 3 checkpoints to fit 1 bytes"

  Scenario: A start lock held past the deadline: the hook snapshots in process and says why
    Given another process holds the service's start lock
    When Claude Code's hook runs, the background service being on, giving it 1 seconds
    Then the hook exited 0 and printed only {}
    And the hook said "kept starting the service past the deadline" on stderr and in its log
    And plan "claude-code" has 1 checkpoints
