Feature: A restore refuses damaged contents and hostile paths before touching anything
  Every needed content is fetched and checked against its sha256, and every path is
  validated, before the first file changes. A refusal names the blob or the path, leaves the
  workspace byte for byte as it was, writes nothing outside it, and keeps the store as it was.

  Background:
    Given a workspace with files
      | path          | content  |
      | notes.txt     | one      |
      | src/app.py    | app      |
    And a checkpoint service on the scenario's database
    And I snapshot the workspace for plan "plan-1" as "K"
    And I write "changed" to "notes.txt"
    And I snapshot the workspace for plan "plan-1" as "L"
    And I write "changed" to "src/app.py"

  Scenario: A stored content that was altered
    Given someone alters the stored content of "notes.txt" as of "K"
    When I try to roll back to "K"
    Then it fails with CorruptStoreError naming "does not match its sha256"
    And the workspace's files are exactly as noted
    And the store holds what it held before
    And nothing was written outside the workspace

  Scenario: A stored content that is missing
    Given someone deletes the stored content of "src/app.py" as of "K"
    When I try to roll back to "K"
    Then it fails with CorruptStoreError naming "is missing"
    And the workspace's files are exactly as noted
    And the store holds what it held before

  Scenario Outline: A manifest path that leads outside the workspace: <hostile>
    Given someone renames "notes.txt" in "K" to "<hostile>"
    When I try to roll back to "K"
    Then it fails with UnsafePathError naming "<hostile>"
    And the workspace's files are exactly as noted
    And nothing was written outside the workspace
    And the store holds what it held before

    Examples:
      | hostile            |
      | ../outside.txt     |
      | /tmp/absolute.txt  |
      | src/../../up.txt   |
      | .git/hooks/pre-commit |
      | src/app.py/below-a-file |

  Scenario: A manifest path through a symlinked directory that leads outside
    Given "escape" in the workspace is an ignored link to a directory outside it
    And someone renames "notes.txt" in "K" to "escape/pwned.txt" and recomputes its hashes
    When I try to roll back to "K"
    Then it fails with UnsafePathError naming "escape"
    And the workspace's files are exactly as noted
    And nothing was written outside the workspace
