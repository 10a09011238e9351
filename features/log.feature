@hooks_in_process
Feature: rewind log shows an agent's sessions turn by turn, with what each turn changed
  `rewind log`, in a workspace, shows its latest agent session (--all: every one, newest
  first; --session ID: that one): each turn as its prompt's first line with the files it
  changed and the lines it added and removed, from its turn_start checkpoint to its
  turn_end, and under it each tool call with the same counts, from its pre_tool checkpoint
  to the session's next one. A binary file counts as a file only. Written to a pipe the
  lines fit 80 columns. The Python API (list_sessions, sync and async) and the MCP tool
  "log" give the same numbers.

  Background:
    Given a workspace with files
      | path       | content |
      | README.md  | hello   |
      | src/app.py | app     |
    And a checkpoint service on the scenario's database
    When Claude Code submits the prompt "Look around" (prompt id "old-1") in session "old-session"
    And Claude Code submits the prompt "Fix the failing test\nthen run the whole suite" (prompt id "p-1")
    And Claude Code runs the Bash command "npm test"
    And I write "line 1\nline 2\n" to "test.log"
    And Claude Code edits "src/app.py"
    And I write "app\nfixed\n" to "src/app.py"
    And Claude Code ends its turn
    And Claude Code submits the prompt "Now build it" (prompt id "p-2")
    And Claude Code runs the Bash command "make build"
    And the workspace file "build/app.bin" holds the bytes "\x00\x01\x02"
    And Claude Code ends its turn
    And Claude Code submits the prompt "Tidy up: the readme says too little, and the log of the tests is not needed any more" (prompt id "p-3")
    And Claude Code edits "README.md"
    And I write "hello\nworld\n" to "README.md"
    And I delete "test.log"
    And Claude Code ends its turn

  Scenario: rewind log shows the latest session's 3 turns and their tool calls, in 80 columns
    When I run "rewind log" in the workspace's directory "src"
    Then the log printed, short ids as "########" and times as "<time>", is
      """
      session abc123  claude-code  <time>  3 turns
      ########  Fix the failing test                                     2 files +4 -1
          Bash  npm test                                                  1 file +2 -0
          Edit  src/app.py                                                1 file +2 -1
      ########  Now build it                                              1 file +0 -0
          Bash  make build                                                1 file +0 -0
      ########  Tidy up: the readme says too little, and the log of th…  2 files +2 -3
          Edit  README.md                                                2 files +2 -3
      """
    And every line of the output fits 80 columns

  Scenario: At a terminal the log fits its width, in colour
    When I run "rewind log --workspace {workspace}" at a terminal 60 columns wide and 40 lines high
    Then every line of the output fits 60 columns
    And the output is coloured
    And the output shows "session abc123" in yellow

  Scenario: --all shows every session, newest first; --session shows one
    When I run "rewind log --all" in the workspace's directory "."
    Then the sessions shown are "abc123, old-session"
    When I run "rewind log --session old-session" in the workspace's directory "."
    Then the log printed, short ids as "########" and times as "<time>", is
      """
      session old-session  claude-code  <time>  1 turn
      ########  Look around  (not ended)                                 0 files +0 -0
      """

  Scenario: --json gives the sessions, their turns and tool calls with their counts
    When I run "rewind log --all --json" in the workspace's directory "."
    Then it exits with status 0
    And the envelope's "data.sessions.0.session_id" is "abc123"
    And the envelope's "data.sessions.0.turns.0.prompt" is "Fix the failing test"
    And the envelope's "data.sessions.0.turns.0.changes" is {"files_changed": 2, "lines_added": 4, "lines_removed": 1}
    And the envelope's "data.sessions.0.turns.0.tool_calls.1.tool" is "Edit"
    And the envelope's "data.sessions.0.turns.0.tool_calls.1.changes" is {"files_changed": 1, "lines_added": 2, "lines_removed": 1}
    And the envelope's "data.sessions.0.turns.1.changes" is {"files_changed": 1, "lines_added": 0, "lines_removed": 0}
    And the envelope's "data.sessions.1.session_id" is "old-session"

  Scenario: The Python API, sync and async, and the MCP tool give the numbers rewind log shows
    When I run "rewind log --json" in the workspace's directory "."
    Then list_sessions of the workspace gives the sessions of the JSON, sync and async
    Given an MCP client that started "rewind mcp" with the workspace as its root
    When the agent calls "log" with
      """
      {"workspace": "{workspace}"}
      """
    Then the tool's sessions are the sessions of the JSON
