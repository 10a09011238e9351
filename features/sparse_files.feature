Feature: Sparse files stay sparse
  A sparse file (a disk image, a preallocated database) reads back as zeros where it has
  holes. A rollback or a restore writes it back with the same bytes and its blocks of zeros
  left as holes, so it takes the room it took before, not its full size: a rollback on a
  nearly full disk fits wherever the original did.

  Scenario: A 64 MiB file holding 8 KiB of data comes back as a sparse file with the same bytes
    Given a workspace with files
      | path  | content |
      | a.txt | a       |
    And a sparse file "disk.img" of 64 MiB in the workspace with data at 0 and at 32 MiB
    And a checkpoint service on the scenario's database
    When I snapshot the workspace for plan "plan-1" as "first"
    And I delete "disk.img"
    And I roll back to "first"
    Then the workspace is exactly as when "first" was taken
    And "disk.img" in the workspace takes at most 64 KiB on disk
    When I restore "first" into the new directory "copy"
    Then a snapshot of "copy" has the tree hash of "first"
    And "disk.img" in the directory "copy" takes at most 64 KiB on disk
