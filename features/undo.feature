@hooks_in_process
Feature: Undo what an agent did, turn by turn, and redo it
  undo puts the workspace back to the start of a turn of its latest agent session (the
  checkpoint its turn_start hook took): the last turn, the last N, or the turn named. It is a
  rollback, with a safety checkpoint marked as an undo's; redo rolls back to the safety
  checkpoint of the latest undo not redone yet, and again to the one before it, as an
  editor's redo does. A new turn of the session leaves nothing to redo.

  Background:
    Given a workspace with files
      | path       | content |
      | README.md  | hello   |
      | src/app.py | app     |
    And a checkpoint service on the scenario's database
    When Claude Code submits the prompt "Make the app say one" (prompt id "p-1")
    And Claude Code edits "src/app.py"
    And I write "app one" to "src/app.py"
    And Claude Code ends its turn
    And Claude Code submits the prompt "Take notes" (prompt id "p-2")
    And Claude Code runs the Bash command "echo notes > notes.txt"
    And I write "notes" to "notes.txt"
    And Claude Code ends its turn
    And Claude Code submits the prompt "Make the app say three" (prompt id "p-3")
    And Claude Code edits "src/app.py"
    And I write "app three" to "src/app.py"
    And Claude Code runs the Bash command "rm README.md"
    And I delete "README.md"
    And Claude Code ends its turn
    Then every hook exited 0 printing only {}

  Scenario: Undo puts the workspace back to before the last prompt
    When I undo the agent's last turn
    Then the workspace holds
      | path       | content |
      | README.md  | hello   |
      | src/app.py | app one |
      | notes.txt  | notes   |
    And the undo restored "README.md,src/app.py" and removed ""

  Scenario: Undo 2 goes back two turns, and undoing again goes back one more
    When I undo the agent's last 2 turns
    Then the workspace holds
      | path       | content |
      | README.md  | hello   |
      | src/app.py | app one |
    When I undo the agent's last turn
    Then the workspace holds
      | path       | content |
      | README.md  | hello   |
      | src/app.py | app     |
    And undoing 1 more turn fails saying "only 0 turn(s)"

  Scenario: Undo to a turn by its id
    When I undo the agent's turns to "p-2"
    Then the workspace holds
      | path       | content |
      | README.md  | hello   |
      | src/app.py | app one |

  Scenario: Undo to a checkpoint of the session goes back to the start of its turn
    When I undo the agent's turns to "latest"
    Then the workspace holds
      | path       | content |
      | README.md  | hello   |
      | src/app.py | app one |
      | notes.txt  | notes   |

  Scenario: Redo puts back what the undo undid
    When I undo the agent's last turn
    And I redo
    Then the workspace holds
      | path       | content   |
      | src/app.py | app three |
      | notes.txt  | notes     |
    And redoing fails saying "nothing to redo"

  Scenario: Two undos are redone by two redos, in reverse order
    When I undo the agent's last turn
    And I undo the agent's last turn
    And I redo
    Then the workspace holds
      | path       | content |
      | README.md  | hello   |
      | src/app.py | app one |
      | notes.txt  | notes   |
    When I redo
    Then the workspace holds
      | path       | content   |
      | src/app.py | app three |
      | notes.txt  | notes     |

  Scenario: After a redo, undo undoes the last turn again
    When I undo the agent's last turn
    And I redo
    And I undo the agent's last turn
    Then the workspace holds
      | path       | content |
      | README.md  | hello   |
      | src/app.py | app one |
      | notes.txt  | notes   |

  Scenario: A new prompt after an undo leaves nothing to redo, and undo counts from its end
    When I undo the agent's last turn
    And Claude Code submits the prompt "Make the app say four" (prompt id "p-4")
    And I write "app four" to "src/app.py"
    And Claude Code ends its turn
    Then redoing fails saying "nothing to redo"
    When I undo the agent's last turn
    Then the workspace holds
      | path       | content |
      | README.md  | hello   |
      | src/app.py | app one |
      | notes.txt  | notes   |

  Scenario: A dry run of undo and of redo changes nothing
    When I note the workspace's files
    And I undo the agent's last turn as a dry run
    Then the workspace's files are exactly as noted
    And the undo restored "README.md,src/app.py" and removed ""
    And the dry run counts the lines "README.md +1 -0, src/app.py +1 -1"
    When I undo the agent's last turn
    And I note the workspace's files
    And I redo as a dry run
    Then the workspace's files are exactly as noted
    And the undo restored "src/app.py" and removed "README.md"

  Scenario: rewind undo and rewind redo on the command line
    When I run "rewind undo --dry-run --workspace {workspace}"
    Then it exits with status 0
    And it printed "would restore README.md   +1 -0"
    And it printed "would restore src/app.py  +1 -1"
    And it printed "dry run: 2 to restore, 0 to remove, 1 unchanged, +2 -1 lines; nothing was changed"
    When I run "rewind undo --workspace {workspace}" answering "n"
    Then the workspace holds
      | path       | content   |
      | src/app.py | app three |
      | notes.txt  | notes     |
    When I run "rewind undo 2 --yes --workspace {workspace}"
    Then it exits with status 0
    And the workspace holds
      | path       | content |
      | README.md  | hello   |
      | src/app.py | app one |
    When I run "rewind redo --yes --workspace {workspace}"
    Then it exits with status 0
    And it printed "undoes this redo"
    And the workspace holds
      | path       | content   |
      | src/app.py | app three |
      | notes.txt  | notes     |
    When I run "rewind redo --yes --workspace {workspace}"
    Then it exits with status 1 saying "nothing to redo"

  Scenario: The MCP tools undo and redo make a dry run unless confirmed
    Given an MCP client that started "rewind mcp" with the workspace as its root
    When the agent calls "undo" with
      """
      {"workspace": "{workspace}"}
      """
    Then the result's "dry_run" is true
    And the result's "restored" lists "README.md, src/app.py"
    And the workspace holds
      | path       | content   |
      | src/app.py | app three |
      | notes.txt  | notes     |
    When the agent calls "undo" with
      """
      {"workspace": "{workspace}", "confirm": true}
      """
    Then the result's "message" contains "To undo this undo"
    And the workspace holds
      | path       | content |
      | README.md  | hello   |
      | src/app.py | app one |
      | notes.txt  | notes   |
    When the agent calls "redo" with
      """
      {"workspace": "{workspace}", "confirm": true}
      """
    Then the workspace holds
      | path       | content   |
      | src/app.py | app three |
      | notes.txt  | notes     |
