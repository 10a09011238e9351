Feature: A snapshot reads only the files that changed
  Like git's index, each workspace keeps the status (size, modification and change times,
  inode) of every file as it was when its content was read. A snapshot reads a file again only
  when that status changed, or when it was too recent to prove anything (a file changed within
  the same clock tick as a snapshot could change again unseen). The index belongs to the
  machine that wrote it, follows every snapshot and rollback made by any process, and is only
  ever a shortcut: without it, or with a damaged one, snapshots read everything and stay exact.

  Background:
    Given a workspace with 30 files of 4 KiB
    And a checkpoint service on the scenario's database whose clock runs 1 hour ahead
    And I snapshot the workspace for plan "plan-1" as "K"

  Scenario: An unchanged workspace is snapshotted without reading a file
    When I snapshot the workspace for plan "plan-1" as "L", counting the files read
    Then 0 files were read
    And checkpoint "L" has "K" as its parent and lists no change

  Scenario: Only the changed and the new files are read
    Given I write "changed" to "data/file-003.txt"
    And I write "changed too" to "data/file-017.txt"
    And I write "new" to "sub/new.txt"
    When I snapshot the workspace for plan "plan-1" as "L", counting the files read
    Then 3 files were read
    And checkpoint "L" lists the changed paths "data/file-003.txt, data/file-017.txt, sub/new.txt"

  Scenario: A mode change alone is recorded without reading the file
    Given "data/file-005.txt" is made executable
    When I snapshot the workspace for plan "plan-1" as "L", counting the files read
    Then checkpoint "L" lists the changed paths "data/file-005.txt"
    And the diff from "K" to "L" is
      | path              | change   |
      | data/file-005.txt | modified |

  Scenario: Files changed too recently to be proven are read again by the next snapshot
    Given a checkpoint service on the scenario's database whose clock runs 1 hour behind
    And I write "changed" to "data/file-003.txt"
    And I write "changed too" to "data/file-017.txt"
    And I snapshot the workspace for plan "plan-1" as "L"
    When I snapshot the workspace for plan "plan-1" as "M", counting the files read
    Then 2 files were read
    And checkpoint "M" has "L" as its parent and lists no change

  Scenario: A snapshot by another service becomes the base of the next one
    Given I write "from the other service" to "data/file-001.txt"
    And another service on the scenario's database snapshots the workspace for plan "plan-1" as "L"
    And I write "from this service" to "data/file-002.txt"
    When I snapshot the workspace for plan "plan-1" as "M", counting the files read
    Then checkpoint "M" diffs against "L"
    And checkpoint "M" lists the changed paths "data/file-002.txt"
    And verifying the store finds no problem in 3 checkpoints

  Scenario: A rollback by another service is seen by the next snapshot
    Given I write "changed" to "data/file-001.txt"
    And I snapshot the workspace for plan "plan-1" as "L"
    And another service on the scenario's database rolls back to "K"
    When I snapshot the workspace for plan "plan-1" as "M", counting the files read
    Then checkpoint "M" has "K" as its parent and lists no change
    And the diff from "M" to the live workspace is empty

  Scenario: An index written on another machine proves nothing here
    Given a separate process on another machine snapshots the workspace for plan "plan-1"
    When I snapshot the workspace for plan "plan-1" as "L", counting the files read
    Then 30 files were read
    And verifying the store finds no problem

  Scenario: A damaged index is rebuilt from the history, and verify reports it until then
    Given someone damages the workspace's index entry of "data/file-004.txt"
    Then verifying the store reports a problem naming "index"
    When I write "changed" to "data/file-004.txt"
    And I restart the checkpoint service
    And I snapshot the workspace for plan "plan-1" as "L"
    Then checkpoint "L" lists the changed paths "data/file-004.txt"
    And verifying the store finds no problem

  Scenario: An index whose entries lie about the contents is reported by verify
    Given someone points the workspace's index entry of "data/file-004.txt" at the content of "data/file-005.txt"
    Then verifying the store reports a problem naming "index"

  Scenario: A rollback to the last snapshot restores its sealed tree from the index
    The index holds a tree with the snapshot's tree hash, so it is that snapshot's tree: the
    rollback writes it without reading the history, which verify still checks.
    Given I write "changed" to "data/file-001.txt"
    And someone renames "data/file-002.txt" in "K" to "../outside.txt"
    When I roll back to "K"
    Then the workspace holds the files and directories it held when "K" was taken
    And verifying the store reports a problem naming "{K}"

  Scenario: A snapshot overtaken by other snapshots at each scan still ends, and loses nothing
    After a few scans that others overtook, a snapshot scans holding the workspace's lock.
    Given I write "changed" to "data/file-001.txt"
    When I snapshot the workspace for plan "plan-1" as "L" while another service snapshots it during each of my first 3 scans
    Then checkpoint "L" diffs against the last snapshot of the other service
    And verifying the store finds no problem in 5 checkpoints
