Feature: A rollback that fails halfway leaves the workspace exactly as it was
  If the file system refuses a change in the middle of a rollback (permissions, a full
  disk), rewind puts back the state it started from, through the safety snapshot it took
  first, and raises RollbackFailedError: it names the target and the safety checkpoint, says
  whether the workspace was put back, and chains what the file system refused.

  Scenario: A read-only directory stops a rollback halfway; everything is put back
    Given a workspace with files
      | path                 | content | mode |
      | a-first.txt          | one     | 644  |
      | src/app.py           | app     | 644  |
      | zz-locked/inside.txt | one     | 644  |
    And a checkpoint service on the scenario's database
    And I snapshot the workspace for plan "plan-1" as "K"
    And I write "changed" to "a-first.txt"
    And I write "changed" to "zz-locked/inside.txt"
    And I write "new" to "src/new.txt"
    And the directory "zz-locked" in the workspace is read-only
    When I try to roll back to "K" as an unprivileged user
    Then it fails with RollbackFailedError naming "zz-locked"
    And it fails with RollbackFailedError naming "put back as it was before the rollback"
    And the failed rollback to "K" was undone, through its safety checkpoint
    And the failure was caused by UnwritablePathError
    And the workspace's files are exactly as noted
    And the next snapshot of the workspace lists no change

  Scenario: A write the file system refuses for want of space is undone the same way
    Given a workspace with files
      | path        | content |
      | a-first.txt | one     |
    And "big/zeros.bin" in the workspace holds 3 MiB of zeros
    And a checkpoint service on the scenario's database
    And I snapshot the workspace for plan "plan-1" as "K"
    And I write "changed" to "a-first.txt"
    And I delete "big/zeros.bin"
    And I write "small now" to "big/zeros.bin"
    When I try to roll back to "K" where files may not grow past 2 MiB
    Then the rollback failed with RollbackFailedError saying "put back as it was before the rollback"
    And the rollback failed with RollbackFailedError saying "no space left"
    And that rollback to "K" was undone after a DiskFullError
    And the workspace's files are exactly as noted
    And the next snapshot of the workspace lists no change
