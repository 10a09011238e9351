Feature: A checkpoint is named as people think of it: latest, ~N, a label, a short id
  resolve_checkpoint(name, workspace=...) takes every name the command takes, so the MCP
  tools and the page can share them: latest (or @), the newest snapshot of the workspace;
  NAME~N, N back along NAME's lineage (~N counts from latest); a label; a whole id; the
  start of an id; and the short id, the 8 characters after an id's 10 characters of time.

  Background:
    Given a workspace with files
      | path    | content |
      | one.txt | 1       |
    And a checkpoint service on the scenario's database
    And I snapshot the workspace for plan "plan-1" as "A", labelled "before-refactor"
    And I write "2" to "one.txt"
    And I snapshot the workspace for plan "plan-1" as "B"
    And I write "3" to "one.txt"
    And I snapshot the workspace for plan "plan-1" as "C"

  Scenario Outline: "<name>" in the workspace names checkpoint <expected>
    When I resolve "<name>" in the workspace
    Then it is checkpoint "<expected>"

    Examples:
      | name              | expected |
      | latest            | C        |
      | @                 | C        |
      | ~                 | B        |
      | ~1                | B        |
      | ~2                | A        |
      | @~2               | A        |
      | latest~1          | B        |
      | ~0                | C        |
      | {C}~2             | A        |
      | before-refactor   | A        |
      | before-refactor~0 | A        |

  Scenario: The short id, and any 4 or more of its first characters, name a checkpoint
    When I resolve the short id of "B" in the workspace
    Then it is checkpoint "B"
    When I resolve the first 4 characters of the short id of "B", in upper case, in the workspace
    Then it is checkpoint "B"
    And resolve_checkpoint_id takes the short id of "B" too

  Scenario: latest is the newest snapshot, not a newer checkpoint without files, nor another workspace's
    Given a "manual" checkpoint of the workspace for plan "plan-1"
    And another workspace "elsewhere" snapshotted for plan "plan-1" as "E"
    When I resolve "latest" in the workspace
    Then it is checkpoint "C"

  Scenario: After a rollback, ~1 is the checkpoint before the safety checkpoint
    When I roll back to "A"
    And I resolve "latest" in the workspace
    Then it is the rollback's safety checkpoint
    When I resolve "~1" in the workspace
    Then it is checkpoint "C"

  Scenario: A label names the newest checkpoint with it, of the workspace when one is given
    Given another workspace "elsewhere" snapshotted for plan "plan-1" as "E", labelled "before-refactor"
    When I resolve "before-refactor" in the workspace
    Then it is checkpoint "A"
    When I resolve "before-refactor" without a workspace
    Then it is checkpoint "E"

  Scenario Outline: "<name>" names nothing: <error> says why
    When I try to resolve "<name>" in <where>
    Then it fails with <error> naming "<said>"

    Examples:
      | name          | where             | error                   | said                                  |
      | ~3            | the workspace     | CheckpointNotFoundError | has 2 checkpoints before it           |
      | {A}~1         | the workspace     | CheckpointNotFoundError | has 0 checkpoints before it           |
      | latest        | no workspace      | InvalidInputError       | no workspace was given                |
      | ~1            | no workspace      | InvalidInputError       | no workspace was given                |
      | latest        | an empty directory | CheckpointNotFoundError | has no snapshot                      |
      | nothing-so    | the workspace     | CheckpointNotFoundError | is labelled so                        |
      | 7ZZZZZ        | the workspace     | CheckpointNotFoundError | '7ZZZZZ' does not exist               |
      | 7ZZZZZZZZZZZZZZZZZZZZZZZZZ | the workspace | CheckpointNotFoundError | does not exist            |
      |               | the workspace     | InvalidCheckpointIdError | is not a checkpoint's name           |

  Scenario: Checkpoints taken in the same millisecond differ in their short ids' first characters
    Given a checkpoint service on the scenario's database whose clock stands still
    When I take 10 checkpoints with it
    Then their ids increase, and their short ids all differ, also in their first 4 characters

  Scenario: The workspace a directory lies in is the nearest one at or above it with snapshots
    Given the workspace has a directory "src/deep"
    And another workspace "workspace/src/inner" snapshotted for plan "plan-2" as "I"
    Then the workspace found from "{workspace}/src/deep" is "{workspace}"
    And the workspace found from "{workspace}" is "{workspace}"
    And the workspace found from "{workspace}/src/inner/new/file.txt" is "{workspace}/src/inner"
    And no workspace is found from "{directory}"
    And no workspace is found from "{directory}/elsewhere-not-snapshotted"

  Scenario: The workspace is found through a symlink, by its real path
    Given a symlink at "workspace-link" beside the workspace pointing to it
    Then the workspace found from "{directory}/workspace-link/sub" is "{workspace}"

  Scenario: CheckpointService.open takes the path of a SQLite file, as the command's --db does
    When I open a service on the plain path "plain.db" in the scenario's directory
    And I snapshot the workspace through it
    Then the file "plain.db" beside the workspace is a SQLite store holding 1 checkpoint
