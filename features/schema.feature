Feature: The schema is Alembic's, shipped in the package, and upgrades itself
  Opening a store upgrades its schema to the newest revision. Several processes may open a
  new database at the same moment.

  Scenario: The upgraded schema matches the ORM tables
    Given a checkpoint service on the scenario's database
    Then the upgraded schema matches the ORM tables

  Scenario: Processes opening a new database at once all succeed, from the installed package
    When 3 processes open the new database at once
    Then every one of them succeeds
    And they ran the migrations shipped inside the installed package
    And the upgraded schema matches the ORM tables

  Scenario: An in-memory SQLite store lives as long as its service
    Given a workspace with files
      | path    | content |
      | one.txt | 1       |
    And a checkpoint service on an in-memory SQLite database
    When I snapshot the workspace for plan "plan-1" as "first"
    Then checkpoint "first" read back equals the one created
    And the store holds 1 checkpoints and 1 blobs

  Scenario: A database at the first schema revision is upgraded when opened
    Given the database was created at schema revision "0001"
    And a workspace with files
      | path    | content |
      | one.txt | 1       |
    And a checkpoint service on the scenario's database
    When I snapshot the workspace for plan "plan-1" as "first"
    Then the upgraded schema matches the ORM tables
    And checkpoint "first" lists the changed paths "one.txt"

  Scenario: Snapshots stored before checkpoint hashes existed are sealed by the upgrade
    Given a workspace with files
      | path    | content |
      | one.txt | 1       |
    And a checkpoint service on the scenario's database
    And I snapshot the workspace for plan "plan-1" as "K"
    And the database is taken back to schema revision "0004", as an older rewind left it
    When I write "2" to "one.txt"
    And I restart the checkpoint service
    And I roll back to "K"
    Then the workspace is exactly as when "K" was taken
    And verifying the store finds no problem in 2 checkpoints
