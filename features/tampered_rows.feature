Feature: A tampered row is refused before any file is touched
  Before a rollback or a restore touches a file, every path of the manifest it will apply is
  checked, the manifest must hash to the snapshot's tree_hash, and the snapshot's id, plan and
  workspace directory must hash to its checkpoint_hash. A row rewind never wrote is refused
  with an error naming it; the workspace, the store and every other directory stay as they
  were, and the workspace's next snapshot works.

  Background:
    Given a workspace with files
      | path       | content |
      | notes.txt  | one     |
      | src/app.py | app     |
    And a checkpoint service on the scenario's database
    And I snapshot the workspace for plan "plan-1" as "K"
    And I write "two" to "notes.txt"
    And I snapshot the workspace for plan "plan-1" as "L"
    And I write "three" to "notes.txt"
    And I write "changed" to "src/app.py"

  Scenario Outline: A change row whose <column> was rewritten to <value>
    Given someone sets the <column> of "notes.txt" in "K" to <value>
    When I try to roll back to "K"
    Then it fails with <error> naming "<culprit>"
    And the workspace's files are exactly as noted
    And the store holds what it held before
    And the next snapshot of the workspace succeeds, listing "notes.txt, src/app.py" among its changes
    And verifying "K" finds a problem naming "<reported>"

    Examples:
      | column       | value                              | error             | culprit                      | reported          |
      | mode         | 2541                               | CorruptStoreError | the mode 2541                | the mode 2541     |
      | mode         | 448                                | CorruptStoreError | tree_hash                    | tree_hash         |
      | mode         | NULL                               | CorruptStoreError | the mode None                | the mode None     |
      | mode         | 2147483647                         | CorruptStoreError | the mode 2147483647          | the mode          |
      | mode         | -1                                 | CorruptStoreError | the mode -1                  | the mode          |
      | content_hash | NULL                               | CorruptStoreError | the content hash None        | content hash      |
      | size         | -5                                 | CorruptStoreError | the size -5                  | the size          |
      | path         | 'vendor/lib/.git/hooks/pre-commit' | UnsafePathError   | vendor/lib/.git/hooks        | vendor/lib/.git   |
      | path         | '.rewind-tmp-x'                    | CorruptStoreError | tree_hash                    | tree_hash         |

  Scenario: A restore refuses a tampered mode too
    Given someone sets the mode of "notes.txt" in "K" to 448
    When I try to restore "K" into the directory "copy"
    Then it fails with CorruptStoreError naming "tree_hash"
    And nothing exists at "copy" beside the workspace

  Scenario: A checkpoint pointed at another directory is refused, and that directory is kept
    Given a directory "victim" beside the workspace holds "precious.txt"
    And someone points checkpoint "K" at the directory "victim" beside the workspace
    When I try to roll back to "K"
    Then it fails with CorruptStoreError naming "checkpoint_hash"
    And the directory "victim" beside the workspace is exactly as it was
    And the workspace's files are exactly as noted
    And verifying "K" finds a problem naming "checkpoint_hash"

  Scenario: A checkpoint moved to another plan is refused
    Given someone tampers with the plan of checkpoint "K"
    When I try to roll back to "K"
    Then it fails with CorruptStoreError naming "checkpoint_hash"
    And the workspace's files are exactly as noted

  Scenario: A forged symlink target that no symlink can hold is refused before anything changes
    Given "link" in the workspace links to "notes.txt"
    And I snapshot the workspace for plan "plan-1" as "M"
    And I write "four" to "notes.txt"
    And someone who recomputes the hashes points the symlink "link" in "M" at a target holding a NUL
    When I try to roll back to "M"
    Then it fails with CorruptStoreError naming "NUL"
    And the workspace's files are exactly as noted
    And the next snapshot of the workspace succeeds, listing "notes.txt" among its changes
    And verifying "M" finds a problem naming "NUL"

  Scenario: A forged symlink whose recorded size is not its content's is refused before anything changes
    Given "link" in the workspace links to "notes.txt"
    And I snapshot the workspace for plan "plan-1" as "M"
    And I write "four" to "notes.txt"
    And someone who recomputes the hashes points the symlink "link" in "M" at the content of "src/app.py", keeping its size
    When I try to roll back to "M"
    Then it fails with CorruptStoreError naming "records 9 bytes"
    And the workspace's files are exactly as noted
    And verifying "M" finds a problem naming "records 9 bytes"

  Scenario: A stored chunk that inflates far beyond a chunk's size is refused without inflating it
    Given someone replaces the stored content of "src/app.py" as of "K" by 64 MiB of zeros compressed
    When I try to roll back to "K"
    Then it fails with CorruptStoreError naming "inflate"
    And the workspace's files are exactly as noted
    And verifying "K" finds a problem naming "inflate"
