Feature: Unusual and hostile file names
  Names with spaces, unicode, newlines and very long paths are tracked and restored exactly.
  Names that are not valid UTF-8 cannot be stored as text by any database: they are not
  tracked, are listed in skipped_paths with their bytes escaped, and a rollback leaves them be.

  Background:
    Given a checkpoint service on the scenario's database

  Scenario: Spaces, unicode, newlines and a very long path round-trip exactly
    Given a workspace with files
      | path                          | content |
      | with spaces/and more.txt      | a       |
      | ünïcödé/日本語/😀.md           | b       |
      | -leading-dash                 | c       |
    And "line\nbreak.txt" in the workspace contains "d"
    And a workspace file 15 directories deep with 200-character random names
    And I snapshot the workspace for plan "plan-1" as "K"
    When I write "changed" to "with spaces/and more.txt"
    And I delete "line\nbreak.txt"
    And I roll back to "K"
    Then the workspace is exactly as when "K" was taken
    And checkpoint "K" lists 5 changed paths

  Scenario: A name that is not UTF-8 is reported, kept out of the store, and left alone
    Given a workspace with files
      | path    | content |
      | one.txt | 1       |
    And a file named with the bytes "caf\xe9.txt" in the workspace containing "latin-1"
    When I snapshot the workspace for plan "plan-1" as "K"
    Then checkpoint "K" lists the changed paths "one.txt"
    And checkpoint "K" keeps the extra key "skipped_paths" equal to ["caf\\xe9.txt"]
    When I write "changed" to "one.txt"
    And I roll back to "K"
    Then the workspace is exactly as when "K" was taken

  Scenario Outline: An id that is empty or too long is refused, naming the field
    Given a workspace with files
      | path    | content |
      | one.txt | 1       |
    When I try to snapshot the workspace for plan "<plan>" and decision "<decision>"
    Then it fails with InvalidInputError naming "<field>"
    And the store is unchanged

    Examples:
      | plan          | decision      | field       |
      |               | d-1           | plan_id     |
      | 300 x letters | d-1           | plan_id     |
      | plan-1        | 300 x letters | decision_id |

  Scenario: A workspace reached through a symlink, holding a symlink loop
    Given a workspace with files
      | path    | content |
      | one.txt | 1       |
    And "loop" in the workspace links to "loop"
    And "a" in the workspace links to "b"
    And "b" in the workspace links to "a"
    And a symlink "alias" beside the workspace pointing to it
    When I snapshot the workspace through "alias" for plan "plan-1" as "K"
    Then checkpoint "K" lists the changed paths "a, b, loop, one.txt"
    When I delete "loop"
    And I roll back to "K"
    Then the workspace is exactly as when "K" was taken

  Scenario: A huge file is snapshotted and restored in bounded memory
    Given a workspace holding a 256 MiB file
    When a separate process snapshots the workspace and restores it elsewhere
    Then that process never held more than a quarter of the file's size in memory
    And the restored copy has the same tree hash as the snapshot
