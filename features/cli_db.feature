Feature: rewind db upgrade creates or upgrades the store; rewind db current only reads
  db current prints the store's schema revision, or says there is none, and creates nothing.

  Background:
    Given a workspace with files
      | path  | content |
      | a.txt | alpha   |

  Scenario: A new database: no store, then created at the newest revision
    When I run "rewind db current"
    Then it prints the lines
      """
      no rewind store at {database_display} (nothing was created)
      """
    When I run "rewind db current"
    Then the output contains "no rewind store"
    When I run "rewind db upgrade"
    Then the output has 1 lines, each with "created a rewind store at {database_display}: revision "
    When I run "rewind db current"
    Then the output has 1 lines, each with " (the newest)"
    When I run "rewind db upgrade"
    Then the output has 1 lines, each with "{database_display} is at revision "
    And the output contains ", the newest"
    When I run "rewind list"
    Then it prints the lines
      """
      no checkpoints
      """

  Scenario: A store left by an older rewind is shown as such, then upgraded
    Given a checkpoint service on the scenario's database
    And I snapshot the workspace for plan "plan-1" as "K"
    And the database is taken back to schema revision "0004", as an older rewind left it
    When I run "rewind db current"
    Then the output has 1 lines, each with "0004 (the newest is "
    And the output contains ": run rewind db upgrade)"
    When I run "rewind --json db current"
    Then the envelope's "data.revision" is "0004"
    And the envelope's "data.up_to_date" is false
    When I run "rewind db upgrade"
    Then the output has 1 lines, each with "upgraded {database_display} from revision 0004 to "
    When I run "rewind db current"
    Then the output contains " (the newest)"
    When I run "rewind verify"
    Then the output contains "1 checkpoint checked, 0 problems"

  Scenario: db current on a SQLite file that does not exist creates nothing
    When I run "rewind --db {directory}/no/such/dir/x.db db current"
    Then the output contains "no rewind store at sqlite:///{directory}/no/such/dir/x.db"
    And nothing exists at "no" beside the workspace
    When I run "rewind --db {directory}/fresh.db db upgrade"
    Then the output contains "created a rewind store"
    When I run "rewind --db {directory}/fresh.db db current"
    Then the output contains " (the newest)"

  Scenario: A database URL rewind cannot use is a one-line error
    When I run "rewind --db mysql://localhost/x db current"
    Then it fails with one line "unsupported database URL"
    When I run "rewind --db mysql://localhost/x db upgrade"
    Then it fails with one line "unsupported database URL"
