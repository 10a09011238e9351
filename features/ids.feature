Feature: A checkpoint is found by its id in any letter case, or by a unique prefix of it
  ULIDs are case-insensitive, and people at a terminal type the start of an id, as with git.

  Background:
    Given a workspace with files
      | path    | content |
      | one.txt | 1       |
    And a checkpoint service on the scenario's database
    And I snapshot the workspace for plan "plan-1" as "K"
    And I write "2" to "one.txt"
    And I snapshot the workspace for plan "plan-1" as "L"

  Scenario: An id in lower case names the same checkpoint
    Then checkpoint "K" is found by its id in lower case

  Scenario: A unique prefix in lower case names one checkpoint
    Then the first 24 characters of checkpoint "L", in lower case, resolve to it

  Scenario: A prefix shared by two checkpoints is refused, listing both
    When I try to resolve the prefix that "K" and "L" share
    Then it fails with AmbiguousCheckpointIdError naming "{K}"
    And the error lists the candidates "K" and "L"

  Scenario Outline: A prefix that cannot name a checkpoint is refused
    When I try to resolve the prefix "<prefix>"
    Then it fails with <error> naming "<prefix>"

    Examples:
      | prefix | error                    |
      | 01A    | InvalidCheckpointIdError |
      | 01A!   | InvalidCheckpointIdError |
      | ZZZZZZ | CheckpointNotFoundError  |
