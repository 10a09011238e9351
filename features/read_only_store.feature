Feature: A store that may only be read serves every reading use case
  A database file the user may only read, one on a read-only mount, one opened with
  ?mode=ro, or a PostgreSQL server or role that refuses writes: listing, showing, diffing,
  verifying, statistics and restoring into another directory all work, and every use case
  that would write fails at once with a ReadOnlyStoreError that says the store is read-only
  and that retrying cannot help. Nothing is written, to the store or to the workspace.

  Background:
    Given a workspace with files
      | path     | content |
      | a.txt    | first   |
      | src/b.py | b       |
    And a checkpoint service on the scenario's database
    And I snapshot the workspace for plan "plan-1" as "first"
    And I write "second" to "a.txt"
    And I snapshot the workspace for plan "plan-1" as "second"
    And I write "live" to "a.txt"
    And I note the workspace's files

  Scenario Outline: A store opened read-only through <how>
    When every checkpoint service is closed
    And I open the store read-only through <how>
    Then the read-only store lists 2 checkpoints, shows, diffs, verifies, counts and restores "first" into a new directory
    And snapshotting, creating a checkpoint, rolling back and pruning the read-only store each fail with ReadOnlyStoreError, which is not retryable
    And the workspace's files are exactly as noted
    And the store holds what it held before

    Examples:
      | how                    |
      | its URL                |
      | its owner's rights     |
      | its directory's rights |

  Scenario Outline: A long-lived reader of a read-only store (<how>) sees what a writer commits later
    When every checkpoint service is closed
    And I open the store read-only through <how>
    And the store's owner snapshots the workspace for plan "plan-1" as "third" and prunes all but it
    Then the read-only store lists only "third", verifies it and restores it into a new directory

    Examples:
      | how                |
      | its URL            |
      | its owner's rights |
