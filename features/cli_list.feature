Feature: rewind list filters checkpoints and shows each one's workspace, in UTC
  Filters: --plan, --decision, --type, --workspace (a directory, compared by its real path)
  and --limit; every filter given must match. Newest first.

  Background:
    Given a workspace with files
      | path  | content |
      | a.txt | alpha   |
    And a checkpoint service on the scenario's database
    And I snapshot the workspace for plan "plan-1" and decision "d-1" as "A"
    And another workspace "elsewhere" snapshotted for plan "plan-1" as "B"
    And a "manual" checkpoint for plan "plan-2" and decision "d-2" as "note"
    And I write "changed" to "a.txt"
    And I snapshot the workspace for plan "plan-1" and decision "d-2" as "C"

  Scenario: Each filter alone
    When I run "rewind list --plan plan-1"
    Then the output has 4 lines, each with "  "
    And it did not print "{note}"
    When I run "rewind list --decision d-2"
    Then the output has 3 lines, each with "  "
    And the output contains "{C}"
    And the output contains "{note}"
    When I run "rewind list --type manual"
    Then the output has 2 lines, each with "  "
    And the output contains "{note}  "
    When I run "rewind list --workspace {directory}/elsewhere"
    Then the output has 2 lines, each with "  "
    And the output contains "{B}"
    When I run "rewind list --limit 2"
    Then the output has 3 lines, each with "  "
    And the output contains "{C}"
    And the output contains "{note}"

  Scenario: Filters combine, and a workspace is found by its real path
    Given a symlink at "workspace-link" beside the workspace pointing to it
    When I run "rewind list --workspace {directory}/workspace-link/ --plan plan-1 --decision d-2"
    Then the output has 2 lines, each with "  "
    And the output contains "{C}"
    When I run "rewind list --workspace {workspace} --limit 1"
    Then the output has 2 lines, each with "  "
    And the output contains "{C}"
    When I run "rewind list --workspace {workspace} --type pre_decision --decision d-1"
    Then the output has 2 lines, each with "  "
    And the output contains "{A}"
    When I run "rewind list --workspace {directory}/nowhere"
    Then it prints the lines
      """
      no checkpoints
      """

  Scenario: Each row shows the workspace, and times in UTC marked so
    When I run "rewind list --plan plan-1"
    Then the output contains "id                          created (UTC)         type          plan    workspace"
    And the output contains "{directory}/elsewhere"
    And the output contains "Z  pre_decision  plan-1  {workspace}  1"
    When I run "rewind --json list --plan plan-1 --limit 1"
    Then the envelope lists 1 items under "data.checkpoints"
    And the envelope's "data.checkpoints.0.checkpoint_id" is "{C}"
    And the envelope's "data.checkpoints.0.sandbox_ref" is "{workspace}"
    And the envelope's "data.checkpoints.0.created_at" mentions "Z"

  Scenario: --workspace finds its checkpoints beyond the first page of others, up to --limit
    Given 600 checkpoints without files of the directory "busy" for plan "plan-3"
    When I run "rewind list --workspace {workspace}"
    Then the output has 3 lines, each with "  "
    And the output contains "{C}"
    And the output contains "{A}"
    When I run "rewind list --workspace {directory}/busy --limit 501"
    Then the output has 502 lines, each with "  "
    And the output contains "  plan-3  {directory}/busy  -"
    And it did not print "{workspace}  "
