Feature: rewind prune deletes what no rule keeps; rewind stats shows what the store holds
  A flag for every retention rule: --keep-last, --keep-within, --keep-labelled (the default)
  or --no-keep-labelled, --keep-type (repeatable), --safety-within (or none); --plan limits
  the scope and --dry-run prints what would go. Every kept checkpoint stays restorable.

  Background:
    Given a workspace with files
      | path  | content |
      | a.txt | alpha   |
    When the workspace is snapshotted for plan "plan-1" through the API, labelled "keep-me"
    And I write "two" to "a.txt"
    And the workspace is snapshotted for plan "plan-1" through the API
    And I write "three" to "a.txt"
    And the workspace is snapshotted for plan "plan-1" through the API
    And I write "four" to "a.txt"
    And the workspace is snapshotted for plan "plan-1" through the API

  Scenario: A dry run prints what would go and deletes nothing
    When I run "rewind prune --keep-last 1 --dry-run"
    Then the output has 4 lines, each with " "
    And the output contains "created (UTC)"
    And the output contains "dry run: 2 checkpoints would be deleted, 2 kept; 2 contents ("
    And it did not print "{first}"
    And it did not print "{last}"
    When I run "rewind list"
    Then the output has 5 lines, each with "  "

  Scenario: The store shrinks, and every kept checkpoint still restores, diffs and verifies
    When I run "rewind --json stats"
    Then the envelope's "data.checkpoints" is 4
    And the envelope's "data.blobs" is 4
    When I run "rewind prune --keep-last 1"
    Then the output has 3 lines, each with "deleted"
    And the output contains "2 checkpoints deleted, 2 kept; 2 contents ("
    When I run "rewind --json stats"
    Then the envelope's "data.checkpoints" is 2
    And the envelope's "data.blobs" is 2
    When I run "rewind list"
    Then the output has 3 lines, each with "  "
    And the output contains "{first:short}"
    And the output contains "{last:short}"
    When I run "rewind restore {first} --into {directory}/first"
    Then the file "first/a.txt" beside the workspace holds "alpha"
    When I run "rewind restore {last} --into {directory}/last"
    Then the file "last/a.txt" beside the workspace holds "four"
    When I run "rewind diff {first} {last} --patch"
    Then the output contains "-alpha"
    And the output contains "+four"
    When I run "rewind verify"
    Then the output contains "2 checkpoints checked, 0 problems"
    When I run "rewind rollback {first} --yes --quiet"
    Then "a.txt" in the workspace still contains "alpha"

  Scenario: Each rule has its flag
    When I run "rewind prune --keep-last 1 --no-keep-labelled --dry-run"
    Then the output contains "dry run: 3 checkpoints would be deleted, 1 kept"
    When I run "rewind prune --keep-within 1h --no-keep-labelled --dry-run"
    Then the output contains "dry run: 0 checkpoints would be deleted, 4 kept"
    When I run "rewind prune --keep-last 1 --keep-type pre_decision --keep-type manual --no-keep-labelled --dry-run"
    Then the output contains "dry run: 0 checkpoints would be deleted, 4 kept"
    When I run "rewind prune --keep-last 1 --plan plan-2 --dry-run"
    Then the output contains "dry run: 0 checkpoints would be deleted, 0 kept"

  Scenario: Safety checkpoints are kept for --safety-within, or like any other with none
    When I run "rewind rollback {first} --yes --quiet"
    And I run "rewind prune --keep-last 10 --dry-run"
    Then the output contains "dry run: 0 checkpoints would be deleted, 5 kept"
    When I run "rewind prune --keep-last 10 --safety-within 0s --dry-run"
    Then the output contains "dry run: 1 checkpoint would be deleted, 4 kept"
    And the output contains "safety"
    When I run "rewind prune --keep-last 10 --safety-within none --dry-run"
    Then the output contains "dry run: 0 checkpoints would be deleted, 5 kept"

  Scenario: The JSON envelope of a prune holds its report and the policy it applied
    When I run "rewind --json prune --keep-last 1 --keep-within 2w --keep-type manual --safety-within none --no-keep-labelled --dry-run"
    Then it prints one JSON envelope of "prune" with status "ok" and exit code 0
    And the envelope's "data.dry_run" is true
    And the envelope's "data.deleted" is []
    And the envelope's "data.kept" is 4
    And the envelope's "data.policy" is {"keep_last": 1, "keep_within": "P14D", "keep_labelled": false, "keep_types": ["manual"], "safety_within": null, "max_bytes": null}
    When I run "rewind prune --keep-last 2 --no-keep-labelled --json"
    Then it prints one JSON envelope of "prune" with status "ok" and exit code 0
    And the envelope's "data.dry_run" is false
    And the envelope lists 2 items under "data.deleted"
    And the envelope's "data.deleted.0" is "{first}"
    And the envelope's "data.blobs_deleted" is 2

  Scenario: A prune with no rule, or a malformed duration, is a usage error
    When I run "rewind prune"
    Then it exits with status 2 saying "--keep-last, --keep-within, --keep-type or --max-bytes"
    When I run "rewind prune --no-keep-labelled --safety-within 1d"
    Then it exits with status 2 saying "say what to keep"
    When I run "rewind prune --keep-within 7x"
    Then it exits with status 2 saying "'7x' is not a duration"
    When I run "rewind prune --keep-last 0"
    Then it exits with status 2 saying "--keep-last"

  Scenario Outline: A duration or count out of range is a usage error naming the option and its limit, in JSON too
    When I run "rewind prune <arguments>"
    Then it exits with status 2 saying "<said>"
    When I run "rewind --json prune <arguments>"
    Then it prints one JSON envelope of "prune" with status "error" and exit code 2
    And the envelope's "error.message" mentions "<said>"

    Examples:
      | arguments                                     | said                            |
      | --keep-within 1000000000d                     | 36500d                          |
      | --keep-within 99999999999999999d              | --keep-within                   |
      | --keep-last 1 --safety-within 99999999999999w | --safety-within                 |
      | --keep-within -1d                             | --keep-within                   |
      | --keep-last 1000000001                        | 1000000000                      |
      | --keep-within 99999999999999999999999999999999999999999999999999s | not a duration |
    When I run "rewind list"
    Then the output has 5 lines, each with "  "

  Scenario: Stats in total and per plan
    Given a checkpoint service on the scenario's database
    And another workspace "elsewhere" snapshotted for plan "plan-2" as "B"
    When I run "rewind stats"
    Then the output contains "5 checkpoints (5 snapshots)"
    And the output contains "plan    checkpoints  snapshots  stored"
    And the output contains "plan-1  4            4"
    And the output contains "plan-2  1            1"
    When I run "rewind stats --plan plan-2"
    Then the output contains "1 checkpoint (1 snapshot)"
    When I run "rewind --json stats"
    Then the envelope lists 2 items under "data.plans"
    And the envelope's "data.plans.1.plan_id" is "plan-2"
    And the envelope's "data.plans.1.snapshots" is 1

  Scenario: A byte budget: the oldest checkpoints left go until the store fits, the labelled one stays
    When I run "rewind prune --max-bytes 1 --dry-run"
    Then the output contains "dry run: 2 checkpoints would be deleted, 2 kept"
    When I run "rewind prune --max-bytes 1"
    Then the output contains "2 checkpoints deleted, 2 kept"
    And it did not print "{first}"
    And it did not print "{last}"
    When I run "rewind list"
    Then the output has 3 lines, each with "  "
    And the output contains "keep-me"

  Scenario Outline: A size rewind cannot read is a usage error (<size>)
    When I run "rewind prune --max-bytes <size>"
    Then it exits with status 2 saying "is not a size"

    Examples:
      | size   |
      | lots   |
      | 0      |
      | -5M    |
      | 2X     |
