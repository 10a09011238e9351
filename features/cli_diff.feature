Feature: rewind diff lists changes, prints a unified patch, and can fail when there are any
  Against the live workspace by default, or between two checkpoints. --patch prints a unified
  diff of each text file and one line for a binary file; --exit-code exits 1 when anything
  changed, as git diff does.

  Background:
    Given the workspace file "a.txt" holds the bytes "one\ntwo\nthree\n"
    And the workspace file "gone.txt" holds the bytes "bye\n"
    And the workspace file "image.bin" holds the bytes "\x00\x01\x02"
    When the workspace is snapshotted for plan "plan-1" through the API
    And I write "one\nTWO\nthree\n" to "a.txt"
    And the workspace file "image.bin" holds the bytes "\x00\x01\x03"
    And I write "hello" to "new.txt"
    And I delete "gone.txt"

  Scenario: The changed paths against the live workspace, then between two checkpoints
    When I run "rewind diff {first}"
    Then it prints the lines
      """
      modified a.txt
      deleted  gone.txt
      modified image.bin
      added    new.txt
      """
    When the workspace is snapshotted for plan "plan-1" through the API
    And I run "rewind diff {first} {last}"
    Then it prints the lines
      """
      modified a.txt
      deleted  gone.txt
      modified image.bin
      added    new.txt
      """
    When I run "rewind diff {last} {first}"
    Then it prints the lines
      """
      modified a.txt
      added    gone.txt
      modified image.bin
      deleted  new.txt
      """

  Scenario: --patch prints a unified diff of text files and one line for a binary file
    When I run "rewind diff {first} --patch"
    Then it prints the lines
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
      --- /dev/null
      +++ b/new.txt
      @@ -0,0 +1 @@
      +hello
      \ No newline at end of file
      """
    When the workspace is snapshotted for plan "plan-1" through the API
    And I run "rewind diff {first} {last} --patch"
    Then the output contains "+TWO"
    And the output contains "-two"
    And the output contains "binary files a/image.bin and b/image.bin differ"
    When I run "rewind --json diff {first} {last} --patch"
    Then it prints one JSON envelope of "diff" with status "ok" and exit code 0
    And the envelope's "data.patch" mentions "+TWO"
    And the envelope's "data.paths" is ["a.txt", "gone.txt", "image.bin", "new.txt"]

  Scenario: --exit-code exits 1 when anything changed and 0 when nothing did
    When I run "rewind diff {first} --exit-code"
    Then it exits with status 1
    And it printed "modified a.txt"
    And it printed nothing on stderr
    When I run "rewind --json diff {first} --exit-code"
    Then it prints one JSON envelope of "diff" with status "ok" and exit code 1
    And the envelope lists 4 items under "data.entries"
    When the workspace is snapshotted for plan "plan-1" through the API
    And I run "rewind diff {last} --exit-code"
    Then it exits with status 0
    And it prints the lines
      """
      """
    When I run "rewind diff {last} {last} --exit-code --patch"
    Then it exits with status 0
