Feature: A snapshot is stored whole or not at all
  The checkpoint row, its metadata, its change rows and its new contents are written in one
  transaction: a failure before the commit leaves nothing behind.

  Scenario: A failure after the contents were written and before the commit leaves nothing
    Given a workspace with files
      | path       | content |
      | one.txt    | 1       |
      | two/3.txt  | 3       |
    And the store fails right before it commits
    When I try to snapshot the workspace for plan "plan-1"
    Then the injected failure came after the new blobs were written
    And the store holds no checkpoint, no change and no blob

  Scenario: A failed snapshot does not become the parent of the next one
    Given a workspace with files
      | path    | content |
      | one.txt | 1       |
    And a checkpoint service on the scenario's database
    And I snapshot the workspace for plan "plan-1" as "first"
    And the store fails right before it commits
    When I write "2" to "one.txt"
    And I try to snapshot the workspace for plan "plan-1"
    And I restart the checkpoint service
    And I snapshot the workspace for plan "plan-1" as "second"
    Then checkpoint "second" diffs against "first"
    And checkpoint "second" lists the changed paths "one.txt"
    And the store holds 2 checkpoints and 2 blobs
