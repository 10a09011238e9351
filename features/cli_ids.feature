Feature: The command names a checkpoint by any unique prefix of its id, in any letter case
  ULIDs are case-insensitive; 4 characters or more of one name it when no other id starts so.

  Background:
    Given a workspace with files
      | path  | content |
      | a.txt | alpha   |
    When the workspace is snapshotted for plan "plan-1" through the API, labelled "first"
    And I write "changed" to "a.txt"
    And the workspace is snapshotted for plan "plan-1" through the API, labelled "second"

  Scenario: A unique prefix names its checkpoint, in upper or lower case
    When I run "rewind show {last:unique}"
    Then the output contains "checkpoint   {last}"
    When I run "rewind show {last:unique|lower}"
    Then the output contains "checkpoint   {last}"
    When I run "rewind show {last|lower}"
    Then the output contains "label        second"
    When I run "rewind diff {first:unique|lower} {last:unique}"
    Then it prints the lines
      """
      modified a.txt
      """
    When I run "rewind verify {last:unique|lower}"
    Then the output contains "1 checkpoint checked, 0 problems"
    When I run "rewind restore {first:unique|lower} --into {directory}/copy --quiet"
    Then the output contains "1 file restored into"
    When I run "rewind rollback {first:unique|lower} --yes --quiet"
    Then the output contains "1 restored, 0 removed, 0 unchanged"
    And "a.txt" in the workspace still contains "alpha"

  Scenario: An ambiguous prefix is an error listing the candidates
    When I run "rewind show {common}"
    Then it fails with one line "names more than one checkpoint: {first}, {last}"
    When I run "rewind rollback {common|lower} --yes"
    Then it fails with one line "names more than one checkpoint"
    And "a.txt" in the workspace still contains "changed"
    When I run "rewind --json diff {common}"
    Then it prints one JSON envelope of "diff" with status "error" and exit code 1
    And the envelope's "error.type" is "AmbiguousCheckpointIdError"
    And the envelope's "error.candidates" is ["{first}", "{last}"]

  Scenario: Too short, impossible and unknown prefixes are refused: nothing has that name
    When I run "rewind show {last:3}"
    Then it fails with one line "does not exist: no checkpoint is labelled so, and it is not the start of an id"
    When I run "rewind show 01U!"
    Then it fails with one line "does not exist: no checkpoint is labelled so, and it is not the start of an id"
    When I run "rewind show 7ZZZZZ"
    Then it fails with one line "checkpoint '7ZZZZZ' does not exist"
