Feature: Any MCP client looks back, compares and restores through rewind mcp
  An agent, or its user, talks to rewind's MCP server with the official SDK's client: it
  snapshots, lists, shows and diffs checkpoints, reads old files, rolls back or puts back
  some paths (a dry run unless it confirms), verifies and counts. Every result has a schema;
  every failure is a tool error naming rewind's error class, and the server keeps serving.
  The server acts only on workspaces under its roots.

  Background:
    Given a workspace with files
      | path          | content       |
      | README.md     | hello         |
      | src/app.py    | old line      |
      | docs/guide.md | read me       |
    And a checkpoint service on the scenario's database
    And an MCP client that started "rewind mcp" with the workspace as its root
    And the agent calls "snapshot" with, keeping the checkpoint as "K"
      """
      {"workspace": "{workspace}", "plan": "agent", "label": "before the edit"}
      """

  Scenario: The server lists its tools, each with its schemas
    Then the tools listed are diff, list_checkpoints, log, read_file, redo, restore_paths, rollback, show, snapshot, stats, undo, verify, each with an input and an output schema

  Scenario: Look back, compare, read an old file, roll back after a dry run, and undo it
    Given I write "new line" to "src/app.py"
    And I write "added" to "notes.txt"
    And the agent calls "snapshot" with, keeping the checkpoint as "L"
      """
      {"workspace": "{workspace}"}
      """
    When the agent calls "list_checkpoints" with
      """
      {"workspace": "{workspace}"}
      """
    Then the result lists 2 checkpoints
    When the agent calls "diff" with
      """
      {"checkpoint_id": "{K}", "to_checkpoint_id": "{L}", "patch": true}
      """
    Then the result's "changes" lists "notes.txt, src/app.py"
    And the result's "patch" contains "+new line"
    When the agent calls "read_file" with
      """
      {"checkpoint_id": "{K}", "path": "src/app.py"}
      """
    Then the result's "text" is "old line"
    When the agent calls "rollback" with
      """
      {"checkpoint_id": "{K}"}
      """
    Then the result's "dry_run" is true
    And the result's "restored" lists "src/app.py"
    And the workspace is exactly as when "L" was taken
    When the agent calls "rollback" with
      """
      {"checkpoint_id": "{K}", "confirm": true}
      """
    Then the result's "removed" lists "notes.txt"
    And the result's "message" contains "To undo this rollback"
    And the workspace is exactly as when "K" was taken

  Scenario: Put back one path, then show and verify
    Given I write "new line" to "src/app.py"
    And I write "changed" to "README.md"
    When the agent calls "restore_paths" with
      """
      {"checkpoint_id": "{K}", "paths": ["src/app.py"], "confirm": true}
      """
    Then the result's "restored" lists "src/app.py"
    And "README.md" in the workspace still contains "changed"
    And "src/app.py" in the workspace is as when "K" was taken
    When the agent calls "show" with
      """
      {"checkpoint_id": "{K}"}
      """
    Then the result's "label" is "before the edit"
    When the agent calls "verify"
    Then the result's "ok" is true
    When the agent calls "stats"
    Then the tool succeeded

  Scenario Outline: A refused call is a tool error naming rewind's error, and the server goes on
    When the agent calls "<tool>" with
      """
      <arguments>
      """
    Then the tool failed with <error> naming "<culprit>", which is not retryable
    When the agent calls "list_checkpoints"
    Then the result lists 1 checkpoints

    Examples:
      | tool          | arguments                                              | error                    | culprit         |
      | snapshot      | {"workspace": "/etc"}                                  | OutsideRootsError        | /etc            |
      | show          | {"checkpoint_id": "01ZZZZZZZZZZZZZZZZZZZZZZZZ"}        | CheckpointNotFoundError  | 01ZZZZZZZZZZZZZZZZZZZZZZZZ |
      | read_file     | {"checkpoint_id": "{K}", "path": "nowhere.txt"}        | PathNotInCheckpointError | nowhere.txt     |
      | restore_paths | {"checkpoint_id": "{K}", "paths": ["../x"]}            | UnsafePathError          | ../x            |
      | snapshot      | {"workspace": "{workspace}/../outside"}                | OutsideRootsError        | outside         |

  Scenario: A workspace that reaches outside the roots through a symlink is refused
    Given "escape" in the workspace links to "/tmp"
    When the agent calls "snapshot" with
      """
      {"workspace": "{workspace}/escape"}
      """
    Then the tool failed with OutsideRootsError naming "escape", which is not retryable

  Scenario: Two snapshots and a rollback at once lose nothing
    Given I write "new line" to "src/app.py"
    When the agent calls these at once
      | tool     | arguments                                        |
      | snapshot | {"workspace": "{workspace}", "label": "one"}     |
      | rollback | {"checkpoint_id": "{K}", "confirm": true}        |
      | snapshot | {"workspace": "{workspace}", "label": "two"}     |
    Then every call at once succeeded
    And verifying the store finds no problem
    When I snapshot the workspace for plan "agent" as "after"
    Then checkpoint "after" holds exactly the files of the workspace

  Scenario: Binary files come back as base64, long answers are cut and say so, a limit is checked
    Given "blob.bin" in the workspace holds 1 MiB of random bytes
    And the agent calls "snapshot" with, keeping the checkpoint as "B"
      """
      {"workspace": "{workspace}"}
      """
    When the agent calls "read_file" with
      """
      {"checkpoint_id": "{B}", "path": "blob.bin", "max_bytes": 12}
      """
    Then the result's "text" is null
    And the result's "truncated" is true
    And the result's "size" is 1048576
    When the agent calls "diff" with
      """
      {"checkpoint_id": "{K}", "patch": true, "max_bytes": 10}
      """
    Then the result's "truncated" is true
    When the agent calls "verify" with
      """
      {"checkpoint_id": "{B}"}
      """
    Then the result's "ok" is true
    When the agent calls "list_checkpoints" with
      """
      {"limit": 0}
      """
    Then the tool failed with InvalidInputError naming "limit must be from 1", which is not retryable
