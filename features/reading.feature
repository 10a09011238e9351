Feature: Reading a checkpoint back: its changes, one stored file, a patch, one workspace's list
  What the command shows, any front end gets from the service: the changes a snapshot
  recorded, the bytes of one file as it was stored, a unified patch between two checkpoints
  or from a checkpoint to its live workspace, and the checkpoints of one workspace directory.

  Background:
    Given a checkpoint service on the scenario's database
    And the workspace file "a.txt" holds the bytes "one\ntwo\nthree\n"
    And the workspace file "gone.txt" holds the bytes "bye\n"
    And the workspace file "image.bin" holds the bytes "\x00\x01\x02"
    And "link" in the workspace links to "a.txt"
    And I snapshot the workspace for plan "plan-1" as "first"
    And the workspace file "a.txt" holds the bytes "one\nTWO\nthree\n"
    And the workspace file "image.bin" holds the bytes "\x00\x01\x03"
    And I delete "gone.txt"
    And I snapshot the workspace for plan "plan-1" as "second"

  Scenario: A snapshot's changes are those since its parent; the first one adds every path
    Then the changes of "first" are
      | change | path      |
      | added  | a.txt     |
      | added  | gone.txt  |
      | added  | image.bin |
      | added  | link      |
    And the changes of "second" are
      | change   | path      |
      | modified | a.txt     |
      | deleted  | gone.txt  |
      | modified | image.bin |

  Scenario: A stored file reads back as it was, whatever the workspace holds now
    When the workspace file "a.txt" holds the bytes "changed again"
    Then reading "a.txt" from "first" gives the bytes "one\ntwo\nthree\n"
    And reading "a.txt" from "second" gives the bytes "one\nTWO\nthree\n"
    And reading "image.bin" from "second" gives the bytes "\x00\x01\x03"
    And reading "link" from "second" gives the bytes "a.txt"

  Scenario Outline: Reading a path a checkpoint does not hold names the path and the checkpoint
    When I try to read "<path>" from "<checkpoint>"
    Then it fails with PathNotInCheckpointError naming "<path>"
    And the error names checkpoint "<checkpoint>"

    Examples:
      | checkpoint | path          |
      | second     | gone.txt      |
      | first      | missing.txt   |
      | first      | ../outside    |
      | first      | /etc/passwd   |

  Scenario: A patch between two checkpoints has every changed text file; a binary file is one line
    Then the patch from "first" to "second" is
      """
      --- a/a.txt
      +++ b/a.txt
      @@ -1,3 +1,3 @@
       one
      -two
      +TWO
       three
      --- a/gone.txt
      +++ /dev/null
      @@ -1 +0,0 @@
      -bye
      binary files a/image.bin and b/image.bin differ
      """
    And the patch from "second" to "second" is empty

  Scenario: A patch from a checkpoint to the live workspace reads the files as they are now
    When I write "hello" to "new.txt"
    Then the patch from "second" to the live workspace is
      """
      --- /dev/null
      +++ b/new.txt
      @@ -0,0 +1 @@
      +hello
      \ No newline at end of file
      """

  Scenario: The checkpoints of one workspace directory, named through any path to it
    Given another workspace "other" snapshotted for plan "plan-1" as "elsewhere"
    Then listing the checkpoints of the workspace gives "second, first"
    And listing the checkpoints of the workspace through a symlink to it gives "second, first"
    And listing the checkpoints of the workspace "other" gives "elsewhere"
    And listing at most 1 checkpoint of the workspace gives "second"
    When the workspace directory is removed
    Then listing the checkpoints of the workspace gives "second, first"
