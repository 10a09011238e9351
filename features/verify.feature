Feature: Verifying the store reports every problem
  verify re-reads and re-hashes every blob a checkpoint needs (or the whole store) and checks
  that each manifest reconstructs to its tree hash.

  Background:
    Given a workspace with files
      | path       | content |
      | notes.txt  | one     |
      | src/app.py | app     |
    And a checkpoint service on the scenario's database
    And I snapshot the workspace for plan "plan-1" as "K"
    And I write "two" to "notes.txt"
    And I snapshot the workspace for plan "plan-1" as "L"

  Scenario: A healthy store has no problem
    Then verifying the store finds no problem in 2 checkpoints

  Scenario: Every damaged blob is reported, not only the first
    Given someone alters the stored content of "notes.txt" as of "K"
    And someone deletes the stored content of "src/app.py" as of "K"
    Then verifying the store finds 3 problems naming the tampered blobs
    And verifying "L" finds a problem naming "src/app.py"

  Scenario: A manifest that no longer matches its tree hash is reported
    Given someone renames "notes.txt" in "K" to "renamed.txt"
    Then verifying "K" finds a problem naming "tree_hash"

  Scenario Outline: Each kind of damage to a stored content is reported: <damage>
    Given someone damages the <damage> of the stored content of "notes.txt" as of "K"
    Then verifying "K" finds a problem naming "<message>"
    And verifying "L" finds no problem

    Examples:
      | damage      | message               |
      | bytes       | does not match        |
      | codec       | unknown codec         |
      | compression | is damaged            |
      | chunks      | chunks: some are missing |
      | zlib compression | is damaged       |
      | zlib size   | does not inflate to at most |

  Scenario: A corrupt checkpoint row and the blobs only it used are reported
    Given someone alters the stored content of "notes.txt" as of "K"
    And someone tampers with the checkpoint type of checkpoint "K"
    Then verifying the store finds 2 problems naming the tampered blobs
    And verifying the store reports a problem naming "{K}"

  Scenario: A manifest path that leaves the workspace is reported
    Given someone renames "notes.txt" in "K" to "../escaped.txt"
    Then verifying "K" finds a problem naming "../escaped.txt"

  Scenario: A checkpoint that records no files has nothing to verify
    Given a "manual" checkpoint for plan "plan-1" and decision "d-1" as "note"
    Then verifying "note" finds no problem

  Scenario: rewind verify prints each problem and fails
    Given someone alters the stored content of "notes.txt" as of "K"
    When I run "rewind verify"
    Then it exits with status 1 printing "problem: checkpoint"
    And it printed "2 checkpoints checked, 1 problem"
