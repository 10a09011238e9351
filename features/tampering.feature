Feature: A damaged or foreign store is reported, never misread
  rewind refuses rows it did not write, databases written by a newer rewind, and databases
  that are not rewind's, with an error naming what is wrong.

  Background:
    Given a workspace with files
      | path    | content |
      | one.txt | 1       |
    And a checkpoint service on the scenario's database
    And I snapshot the workspace for plan "plan-1" as "first"

  Scenario: A tampered checkpoint row is reported with its id
    Given someone tampers with the checkpoint type of checkpoint "first"
    When I try to get checkpoint "{first}"
    Then it fails with CorruptStoreError naming "{first}"

  Scenario: A tampered change row is reported with its path
    Given someone tampers with the change kind of checkpoint "first"
    When I try to diff checkpoint "first" with the live workspace
    Then it fails with CorruptStoreError naming "one.txt"

  Scenario: A database written by a newer rewind is refused, not downgraded
    Given the database holds a schema revision from a newer rewind
    When I try to open the database "{database}"
    Then it fails with SchemaVersionError naming "f00d_future"
    And it fails with SchemaVersionError naming "upgrade rewind"

  Scenario: A database destroyed under a running service gives a storage error
    When the database is destroyed behind the service's back
    And I try to snapshot the workspace for plan "plan-1" without checking the store
    Then it fails with StorageError naming "{database_display}"
