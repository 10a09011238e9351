Feature: rewind doctor says whether this user's agents will be checkpointed
  For this user and the current directory: the store and who may read it, each agent's
  hooks and whether their command resolves (and, for Gemini CLI, whether the folder is
  trusted), the server the hooks forward to, and the hooks' log, with every checkpoint
  skipped or taken late. A finding that would lose checkpoints is a failure: exit status 1.

  Background:
    Given a workspace with files
      | path      | content |
      | README.md | hello   |
    And a checkpoint service on the scenario's database

  Scenario: Nothing installed yet: the store is fine, and the doctor says how to install a hook
    When I run the doctor
    Then it exits with status 0 printing "no agent's hook is installed here: rewind hook install AGENT"
    And it printed "store"

  Scenario: An installed hook whose command resolves is fine
    Given I ran "rewind hook install claude-code"
    When I run the doctor
    Then it exits with status 0 printing "ok    claude-code (project settings"
    And it printed "{rewind} hook claude-code"

  Scenario: A hook an older rewind installed, before each tool call only, is a warning
    Given the project's ".claude/settings.json" holds
      """
      {"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "{rewind} hook claude-code"}]}]}}
      """
    When I run the doctor
    Then it exits with status 0 printing "no rewind hook on UserPromptSubmit, Stop, so its turns are not recorded"
    When I run "rewind hook install claude-code"
    And I run the doctor
    Then it exits with status 0 printing "ok    claude-code (project settings"
    And it did not print "its turns are not recorded"

  Scenario Outline: A hook that would never take a checkpoint is a failure (<why>)
    Given the project's "<settings>" holds
      """
      {"hooks": {"<event>": [{"matcher": "*", "hooks": [{"type": "command", "command": "<command>"}]}]}}
      """
    When I run the doctor
    Then it exits with status 1 printing "<said>"

    Examples:
      | why                         | settings               | event      | command                              | said                                  |
      | its rewind is gone          | .claude/settings.json  | PreToolUse | /nowhere/bin/rewind hook claude-code | /nowhere/bin/rewind is not there any more |
      | a bare name, not a path     | .claude/settings.json  | PreToolUse | rewind hook claude-code              | which the agent's PATH may not find   |
      | Gemini CLI does not trust it | .gemini/settings.json | BeforeTool | {rewind} hook gemini                 | Gemini CLI does not trust             |

  Scenario: A SQLite store others may read is a failure
    Given the SQLite store "{directory}/shared/rewind.db" holds a checkpoint
    And "{directory}/shared/rewind.db" may be read by everyone
    When I run the doctor with "--db {directory}/shared/rewind.db"
    Then it exits with status 1 printing "may be read by others (mode 644)"

  Scenario: The doctor counts the checkpoints hooks skipped or took late
    Given a server that accepts connections and never answers
    When Claude Code runs the hook command with the input "this is not JSON"
    And Claude Code runs the hook command with its hook input, giving the server 1 second
    And I run the doctor
    Then it exits with status 0 printing "1 hook calls took no checkpoint"
    And it printed "1 checkpoints were taken in process because the server failed (1 of them because it was late)"
    And it printed "2 hook calls"

  Scenario: The doctor says whether the store's background service runs
    When I run the doctor
    Then it exits with status 0 printing "not running: the next hook starts it"
    When Claude Code's hook runs, the background service being on
    And I run the doctor
    Then it exits with status 0 printing "running, pid"
    And it printed "1 requests"

  Scenario: An old store inside the workspace is said, with how to read it
    Given the SQLite store "{directory}/.rewind/rewind.db" holds a checkpoint
    When I run the doctor
    Then it exits with status 0 printing "an old store inside a workspace"
    And it printed "--db {directory}/.rewind/rewind.db"

  Scenario Outline: The doctor says what is wrong with a SQLite store's files (<what>)
    Given the SQLite store "{directory}/shared/rewind.db" holds a checkpoint
    And <how>
    When I run the doctor with "--db {directory}/<path>"
    Then it exits with status <status> printing "<said>"

    Examples:
      | what           | how                                                                   | path             | status | said                                  |
      | a symlink      | "{directory}/link.db" is a symlink to "{directory}/shared/rewind.db" | link.db          | 1      | is a symlink: rewind refuses it       |
      | another user's | "{directory}/shared/rewind.db" belongs to another user               | shared/rewind.db | 0      | belongs to another user (uid 65534)   |

  Scenario: A store rewind cannot open is a failure
    When I run the doctor with "--db mysql://nowhere/rewind"
    Then it exits with status 1 printing "cannot be opened"

  Scenario Outline: The server the hooks forward to <does>
    Given a server that accepts connections and never answers
    When I run the doctor with the hooks forwarding to "<url>"
    Then it exits with status 0 printing "<said>"

    Examples:
      | does                | url                  | said                |
      | answers             | {silent}             | answers             |
      | does not answer     | http://127.0.0.1:9   | does not answer     |

  Scenario: With the background service off, the doctor says each hook snapshots in process
    When I run the doctor with the background service off
    Then it exits with status 0 printing "REWIND_SERVICE=off: each hook snapshots in process"

  Scenario: A hooks' log others may read is a failure
    Given the hooks' log holds a line and may be read by everyone
    When I run the doctor
    Then it exits with status 1 printing "may be read by others (mode 644)"
