Feature: Putting back some paths of a checkpoint, and leaving the rest alone
  restore_paths puts back only the paths it is given, as a checkpoint recorded them: a
  directory means everything below it, and a selected path the checkpoint did not hold is
  removed. It checks what a rollback checks, refuses what a rollback refuses, and snapshots
  the current state first, so that rolling back to its safety checkpoint undoes it.

  Background:
    Given a workspace with files
      | path            | content  |
      | notes.txt       | one      |
      | docs/guide.md   | guide    |
      | docs/api/ref.md | ref      |
      | src/app.py      | app      |
    And a checkpoint service on the scenario's database
    And I snapshot the workspace for plan "plan-1" as "K"
    And I write "changed" to "src/app.py"
    And I write "changed" to "docs/guide.md"
    And I delete "docs/api/ref.md"
    And I write "new" to "docs/api/new.md"
    And I write "changed" to "notes.txt"

  Scenario: Only the file named is put back
    When I restore "src/app.py" of "K"
    Then "src/app.py" in the workspace is as when "K" was taken
    And "notes.txt" in the workspace still contains "changed"
    And "docs/guide.md" in the workspace still contains "changed"
    And the rollback restored "src/app.py" and removed "nothing"
    And the safety checkpoint is a "safety" snapshot of plan "plan-1"

  Scenario: A directory means everything below it, and what the checkpoint did not hold goes
    When I restore "docs" of "K"
    Then "docs/guide.md, docs/api/ref.md, docs/api/new.md" in the workspace are as when "K" was taken
    And "src/app.py" in the workspace still contains "changed"
    And the rollback restored "docs/api/ref.md, docs/guide.md" and removed "docs/api/new.md"

  Scenario: Paths may be absolute inside the workspace, or name a directory with a slash
    When I restore "{workspace}/src/app.py, docs/api/" of "K"
    Then the rollback restored "docs/api/ref.md, src/app.py" and removed "docs/api/new.md"
    And "docs/guide.md" in the workspace still contains "changed"

  Scenario: "." puts back the whole workspace, as a rollback would
    When I restore "." of "K"
    Then the workspace is exactly as when "K" was taken

  Scenario: Rolling back to its safety checkpoint undoes it
    Given I note the workspace's files
    When I restore "docs, src" of "K"
    And I roll back to the safety checkpoint of that rollback
    Then the workspace's files are exactly as noted

  Scenario: The next snapshot records the paths put back as its changes
    When I restore "src/app.py, docs/api/new.md" of "K"
    And I snapshot the workspace for plan "plan-1" as "L"
    Then checkpoint "L" lists the changed paths "docs/api/new.md, src/app.py"
    And checkpoint "L" has the safety checkpoint of that rollback as its parent
    And checkpoint "L" holds exactly the files of the workspace

  Scenario: A dry run changes nothing and announces exactly what the real run does
    Given I note the workspace's files
    When I restore "docs, notes.txt" of "K" as a dry run
    Then the workspace's files are exactly as noted
    When I restore "docs, notes.txt" of "K"
    Then the rollback did exactly what the dry run announced

  Scenario: Ignored paths are never touched
    Given ".rewindignore" in the workspace contains "build/"
    And I write "built" to "build/out.txt"
    When I restore "." of "K"
    Then "build/out.txt" in the workspace still contains "built"
    And "src/app.py" in the workspace is as when "K" was taken

  Scenario: The paths can go into another workspace
    Given a directory "other" beside the workspace holds "keep.txt"
    When I restore "src" of "K" into the directory "other" beside the workspace
    Then the rollback restored "src/app.py" and removed "nothing"
    And the file "other/src/app.py" beside the workspace holds "app"
    And the directory "other" beside the workspace still holds "keep.txt" as it was

  Scenario Outline: A path that is not one to put back is refused, and nothing changes
    When I try to restore "<paths>" of "K"
    Then it fails with <error> naming "<culprit>"
    And the workspace's files are exactly as noted
    And the store holds what it held before

    Examples:
      | paths               | error                    | culprit      |
      | ../outside.txt      | UnsafePathError          | ../outside.txt |
      | /etc/passwd         | UnsafePathError          | /etc/passwd  |
      | .git/config         | UnsafePathError          | .git/config  |
      | src/app.py, missing.txt | PathNotInCheckpointError | missing.txt |
      | no path             | InvalidInputError        | at least one path |

  Scenario Outline: Paths that are not paths are refused: <given>
    When I try to restore the paths <given> of "K"
    Then it fails with InvalidInputError naming "<culprit>"
    And the workspace's files are exactly as noted

    Examples:
      | given                  | culprit             |
      | {"src": True}          | a list of paths     |
      | 5                      | a list of paths     |
      | ["src/app.py", 5]      | is not a path       |
      | ["f"] * 10001          | more than 10000     |

  Scenario: A checkpoint without files has no paths to put back
    Given a "manual" checkpoint for plan "plan-1" and decision "d-1" as "bare"
    When I try to restore "src/app.py" of "bare"
    Then it fails with InvalidInputError naming "records no files"
    And the workspace's files are exactly as noted
