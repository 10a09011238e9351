Feature: Snapshots of one workspace are serialised
  Many threads of one orchestrator may snapshot the same workspace at the same moment: each
  snapshot is recorded, and each diffs against the one committed just before it.

  Scenario: Threads sharing one service snapshot one workspace at once
    Given a workspace with files
      | path      | content |
      | one.txt   | 1       |
      | sub/2.txt | 2       |
    And a checkpoint service on the scenario's database
    When 8 threads snapshot the workspace for plan "plan-1" at once
    Then the 8 snapshots of plan "plan-1" form one history

  Scenario: Processes snapshot one shared workspace and their own ones at once
    Given a workspace with files
      | path      | content |
      | one.txt   | 1       |
    And 4 more workspaces, one per worker
    And a checkpoint service on the scenario's database
    When 4 processes each take 5 snapshots of the shared and of their own workspace
    Then every snapshot was recorded and each workspace has one history, in id order

  Scenario: Threads sharing one service snapshot a shared workspace and their own at once
    Given a workspace with files
      | path      | content |
      | one.txt   | 1       |
    And 4 more workspaces, one per worker
    And a checkpoint service on the scenario's database
    When 8 threads sharing one service snapshot, half the shared workspace, half their own
    Then each workspace the threads used has one history, in id order

  Scenario: A workspace locked by another program for too long gives a clear error
    Given a workspace with files
      | path    | content |
      | one.txt | 1       |
    And a checkpoint service on the scenario's database
    And I snapshot the workspace for plan "plan-1" as "K"
    And another program holds the workspace's lock
    When I try to snapshot the workspace for plan "plan-1" waiting at most 1 second
    Then it fails with DatabaseUnavailableError naming "{database_display}"
    And it fails with LockTimeoutError naming "lock_timeout"
    And the error says that retrying may help

  Scenario: Threads share one in-memory store as they would share a database file
    Given 4 more workspaces, one per worker
    And a checkpoint service on an in-memory SQLite database
    When 4 threads sharing that service each take 30 snapshots of their own workspace
    Then all 120 snapshots were recorded and each workspace has one history, in id order
    And verifying the store finds no problem in 120 checkpoints

  Scenario: Snapshots wait for a live rollback of their workspace instead of finishing it
    Given a workspace with files
      | path    | content |
      | one.txt | 1       |
    And a checkpoint service on the scenario's database
    And I snapshot the workspace for plan "plan-1" as "K"
    When 2 threads roll back to "K" while 2 threads snapshot the workspace, 10 times each
    Then every one of those calls succeeded
    And there is exactly one safety checkpoint per rollback
    And verifying the store finds no problem

  Scenario: Dry runs during rollbacks of the same workspace never report conflicts that are not there
    Given a workspace with 200 files of 4 KiB
    And a checkpoint service on the scenario's database
    And I snapshot the workspace for plan "plan-1" as "K"
    When 1 thread deletes files and rolls back to "K" while 1 thread dry-runs that rollback, 15 times each
    Then every one of those calls succeeded

  Scenario: On an in-memory store, dry runs and rollbacks never wait on each other for good
    Given a workspace with 200 files of 4 KiB
    And a checkpoint service on an in-memory SQLite database waiting at most 5 seconds for a lock
    And I snapshot the workspace for plan "plan-1" as "K"
    When 1 thread deletes files and rolls back to "K" while 1 thread dry-runs that rollback, 15 times each
    Then every one of those calls succeeded
