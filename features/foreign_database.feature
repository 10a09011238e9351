Feature: rewind does not take over a database that is not its own

  Scenario: A database with tables named like rewind's but no rewind schema is refused
    Given the database already holds a foreign table named "checkpoints"
    When I try to open the database "{database}"
    Then it fails with SchemaVersionError naming "not a rewind database"
    And it fails with SchemaVersionError naming "checkpoints"

  Scenario: A schema version record with two rows is refused, naming the database
    Given a checkpoint service on the scenario's database
    And the database's schema version record holds two rows
    When I try to open the database "{database}"
    Then it fails with SchemaVersionError naming "{database_display}"

  Scenario: Tables of other applications in the same database are left alone
    Given the database already holds a foreign table named "orders"
    And a workspace with files
      | path    | content |
      | one.txt | 1       |
    And a checkpoint service on the scenario's database
    When I snapshot the workspace for plan "plan-1" as "first"
    Then checkpoint "first" lists the changed paths "one.txt"
