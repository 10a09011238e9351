Feature: rewind list shows one line per checkpoint, with the short id that names it
  Newest first: short id, time (UTC), type, plan, changed paths, label; and each one's
  workspace when it lists several. Inside a workspace it lists that workspace's checkpoints
  (--all: every workspace's); outside every workspace, all of them. Filters: --plan,
  --decision, --type, --workspace (a directory, compared by its real path) and --limit;
  every filter given must match. On a terminal the table fits its width (80 columns keep
  every short id, time and type whole), is coloured unless NO_COLOR is set, and goes through
  the pager when longer than the screen; piped, it is plain, whole and unpaged.

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
    And it did not print "{note:short}"
    When I run "rewind list --decision d-2"
    Then the output has 3 lines, each with "  "
    And the output contains "{C:short}"
    And the output contains "{note:short}"
    When I run "rewind list --type manual"
    Then the output has 2 lines, each with "  "
    And the output contains "{note:short}  "
    When I run "rewind list --workspace {directory}/elsewhere"
    Then the output has 2 lines, each with "  "
    And the output contains "{B:short}"
    When I run "rewind list --limit 2"
    Then the output has 3 lines, each with "  "
    And the output contains "{C:short}"
    And the output contains "{note:short}"

  Scenario: Filters combine, and a workspace is found by its real path
    Given a symlink at "workspace-link" beside the workspace pointing to it
    When I run "rewind list --workspace {directory}/workspace-link/ --plan plan-1 --decision d-2"
    Then the output has 2 lines, each with "  "
    And the output contains "{C:short}"
    When I run "rewind list --workspace {workspace} --limit 1"
    Then the output has 2 lines, each with "  "
    And the output contains "{C:short}"
    When I run "rewind list --workspace {workspace} --type pre_decision --decision d-1"
    Then the output has 2 lines, each with "  "
    And the output contains "{A:short}"
    When I run "rewind list --workspace {directory}/nowhere"
    Then it prints the lines
      """
      no checkpoints
      """

  Scenario: Listing several workspaces shows each row's workspace, and times in UTC marked so
    When I run "rewind list --plan plan-1"
    Then the output contains "id        created (UTC)         type          plan    workspace"
    And the output contains "{directory}/elsewhere"
    And the output contains "{C:short}  "
    And the output contains "Z  pre_decision  plan-1  {workspace}  1"
    When I run "rewind --json list --plan plan-1 --limit 1"
    Then the envelope lists 1 items under "data.checkpoints"
    And the envelope's "data.checkpoints.0.checkpoint_id" is "{C}"
    And the envelope's "data.checkpoints.0.sandbox_ref" is "{workspace}"
    And the envelope's "data.checkpoints.0.created_at" mentions "Z"

  Scenario: A workspace in the home directory is shown from ~, as a shell shows it
    When I run "rewind list --all" with "HOME" set to "{directory}"
    Then the output contains "  ~/workspace  "
    And the output contains "  ~/elsewhere  "
    And it did not print "{directory}"

  Scenario: Inside a workspace, its checkpoints only, without a workspace column; --all: every one
    When I run "rewind list" in the workspace's directory "."
    Then it prints the lines
      """
      id        created (UTC)         type          plan    changed  label
      {C:short}  {C:created}  pre_decision  plan-1  1
      {A:short}  {A:created}  pre_decision  plan-1  1
      """
    When I run "rewind list --all" in the workspace's directory "."
    Then the output has 5 lines, each with "  "
    And the output contains "  workspace  "
    And the output contains "{B:short}"
    When I run "rewind --json list" in the workspace's directory "."
    Then the envelope lists 2 items under "data.checkpoints"
    And the envelope's "data.checkpoints.1.checkpoint_id" is "{A}"
    When I run "rewind list --all --workspace {workspace}"
    Then it exits with status 2 saying "--all and --workspace contradict each other"

  Scenario: From a subdirectory, the workspace is found as git finds its repository
    Given the workspace has a directory "src/deep"
    When I run "rewind list" in the workspace's directory "src/deep"
    Then the output has 3 lines, each with "  "
    And the output contains "{C:short}"
    And it did not print "{B:short}"
    And it did not print "workspace"

  Scenario: --workspace finds its checkpoints beyond the first page of others, up to --limit
    Given 600 checkpoints without files of the directory "busy" for plan "plan-3"
    When I run "rewind list --workspace {workspace}"
    Then the output has 3 lines, each with "  "
    And the output contains "{C:short}"
    And the output contains "{A:short}"
    When I run "rewind list --workspace {directory}/busy --limit 501"
    Then the output has 502 lines, each with "  "
    And the output contains "  plan-3  -"
    And it did not print "{C:short}"

  Scenario: At an 80-column terminal every line fits, and the short ids, times and types stay whole
    Given the workspace is snapshotted for plan "a-plan-whose-name-is-long" through the API, labelled "a label far longer than what an 80-column terminal has room for beside the rest"
    When I run "rewind list --all" at a terminal 80 columns wide and 50 lines high, with "NO_COLOR" set to "1"
    Then it exits with status 0
    And every line of the output fits 80 columns
    And the output contains "{C:short}  {C:created}  pre_decision  "
    And the output contains "{note:short}  {note:created}  manual  "
    And the output contains "…"
    And it did not print "a label far longer than what an 80-column terminal has room for beside the rest"
    When I run "rewind list --all" at a terminal 240 columns wide and 50 lines high, with "NO_COLOR" set to "1"
    Then every line of the output fits 240 columns
    And the output contains "a label far longer than what an 80-column terminal has room for beside the rest"
    And the output contains "{directory}/elsewhere"

  Scenario: Colour on a terminal, unless NO_COLOR is set; never when piped
    Given I roll back to "A"
    When I run "rewind list" at a terminal 80 columns wide and 50 lines high
    Then the output is coloured
    And the output shows "{C:short}" in yellow
    And the output shows "safety" in magenta
    When I run "rewind list" at a terminal 80 columns wide and 50 lines high, with "NO_COLOR" set to "1"
    Then the output has no colour
    And the output contains "{C:short}"
    When I run "rewind list"
    Then the output has no colour

  Scenario: A listing longer than the screen goes through the pager; a short one, or a piped one, does not
    Given 30 checkpoints without files of the directory "busy" for plan "plan-3"
    When I run "rewind list --all" at a terminal 80 columns wide and 20 lines high, with "PAGER" set to "sed s/^/paged:/"
    Then the output has 35 lines, each with "paged:"
    When I run "rewind --no-pager list --all" at a terminal 80 columns wide and 20 lines high, with "PAGER" set to "sed s/^/paged:/"
    Then it exits with status 0
    And it did not print "paged:"
    When I run "rewind list --plan plan-1" at a terminal 80 columns wide and 20 lines high, with "PAGER" set to "sed s/^/paged:/"
    Then it exits with status 0
    And it did not print "paged:"
    When I run "rewind list --all" with "PAGER" set to "sed s/^/paged:/"
    Then the output has 35 lines, each with "  "
    And it did not print "paged:"
