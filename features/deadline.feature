Feature: A snapshot with a deadline is stored before it, or not at all
  An agent's hook waits a bounded time for its checkpoint, then lets the tool run. A
  snapshot stored after that could hold the state after the tool ran under a "before" label,
  so `create_workspace_snapshot(..., deadline=...)` refuses to store it once the deadline has
  passed: checked before the scan and again just before the commit.

  Background:
    Given a workspace with files
      | path       | content |
      | README.md  | hello   |
      | src/app.py | app     |

  Scenario: A snapshot whose deadline has passed is refused, and nothing is stored
    Given a checkpoint service on the scenario's database
    When I try to snapshot the workspace for plan "agent" with a deadline a minute ago
    Then it fails with DeadlineExceededError naming "{workspace}"
    And the store is unchanged

  Scenario: A deadline that passes while the snapshot runs: nothing is stored, and the store is whole
    Given a checkpoint service whose clock moves on a second at each reading
    When I try to snapshot the workspace for plan "agent" with a deadline half a second after the clock's next reading
    Then it fails with DeadlineExceededError naming "was not stored"
    And the store is unchanged
    When I snapshot the workspace for plan "agent" as "later"
    Then checkpoint "later" lists the changed paths "README.md, src/app.py"
    And verifying the store finds no problem

  Scenario: A snapshot stored before its deadline is an ordinary snapshot
    Given a checkpoint service on the scenario's database
    When I snapshot the workspace for plan "agent" as "in time", with a deadline an hour from now
    Then checkpoint "in time" lists the changed paths "README.md, src/app.py"

  Scenario: A deadline without a time zone is refused before anything is read
    Given a checkpoint service on the scenario's database
    When I try to snapshot the workspace for plan "agent" with a deadline without a time zone
    Then it fails with InvalidInputError naming "timezone-aware"
    And the store is unchanged
