Feature: Reading only as much as is asked for, and only of some workspaces
  A front end that shows a little of a large file or patch (the MCP server's max_bytes) asks
  the service for that little: read_file(max_bytes=N) reads only the stored chunks holding the
  file's first N bytes, file_size tells its whole size without reading it, and
  patch(max_bytes=N) builds the patch only that far. A file over 16 MiB is one line in a
  patch. A front end that may speak of some directories only (a server's roots) asks with
  within=[...]: resolving an id, counting and verifying then see only the workspaces there.

  Background:
    Given a checkpoint service on the scenario's database
    And the workspace file "a.txt" holds the bytes "h\xc3\xa9llo w\xc3\xb6rld\n"
    And the workspace file "b.txt" holds the bytes "one\ntwo\n"
    And "link" in the workspace links to "a.txt"
    And I snapshot the workspace for plan "plan-1" as "first"
    And the workspace file "a.txt" holds the bytes "\xc3\xa7a va \xe2\x82\xac\n"
    And the workspace file "b.txt" holds the bytes "one\nTWO\n"
    And I snapshot the workspace for plan "plan-1" as "second"

  Scenario: A file's first bytes, and its whole size, without reading the rest
    Then reading the first 2 bytes of "a.txt" from "first" gives the bytes "h\xc3"
    And reading the first 0 bytes of "a.txt" from "first" gives the bytes ""
    And reading the first 100 bytes of "a.txt" from "first" gives the bytes "h\xc3\xa9llo w\xc3\xb6rld\n"
    And reading the first 3 bytes of "link" from "first" gives the bytes "a.t"
    And the size of "a.txt" in "first" is 14
    And the size of "link" in "first" is 5

  Scenario: The first bytes of a file whose later chunks are damaged still read; the whole file does not
    Given "big.bin" in the workspace holds 3 MiB of random bytes
    And I snapshot the workspace for plan "plan-1" as "big"
    And someone damages every stored chunk but the first of "big.bin" as of "big"
    Then reading the first 1048576 bytes of "big.bin" from "big" gives the file's first 1048576 bytes
    When I try to read "big.bin" from "big"
    Then it fails with CorruptStoreError naming "damaged"

  Scenario Outline: Reading the first bytes of a content whose <damage> was damaged fails, naming it
    Given "big.bin" in the workspace holds 2 MiB of random bytes
    And I snapshot the workspace for plan "plan-1" as "big"
    And <damage step>
    When I try to read the first 1572864 bytes of "big.bin" from "big"
    Then it fails with CorruptStoreError naming "<said>"

    Examples:
      | damage        | damage step                                                                  | said                          |
      | chunks        | someone damages the chunks of the stored content of "big.bin" as of "big"    | has lost some of its chunks   |
      | codec         | someone damages the codec of the stored content of "big.bin" as of "big"     | unknown codec                 |
      | chunk count   | someone records 1 chunk for the stored content of "big.bin" as of "big"      | fewer bytes than its recorded |
      | recorded size | someone sets the size of "big.bin" in "big" to 3000000                        | it records 3000000 bytes      |
      | blob          | someone deletes the stored content of "big.bin" as of "big"                  | is missing from the store     |

  Scenario Outline: max_bytes of <value> is refused by <what>
    When I try <what> with max_bytes <value>
    Then it fails with InvalidInputError naming "max_bytes must be a whole number of at least 0"

    Examples:
      | what                                    | value |
      | to read "a.txt" from "first"            | -1    |
      | to read "a.txt" from "first"            | true  |
      | to make the patch from "first" to "second" | "5" |
      | to make the patch from "first" to "second" | -5  |

  Scenario: A patch cut at any number of bytes is the longest beginning of the whole patch that fits
    Then the patch from "first" to "second" cut at each number of bytes is the longest beginning that fits
    When I write "new" to "c.txt"
    Then the patch from "first" to the live workspace cut at each number of bytes is the longest beginning that fits

  Scenario: A file over 16 MiB is one line of a patch, stored or live
    Given "huge.txt" in the workspace holds 17 MiB of zeros
    And I snapshot the workspace for plan "plan-1" as "huge"
    Then the patch from "second" to "huge" is
      """
      files /dev/null and b/huge.txt differ (over 16777216 bytes)
      """
    When I write "small now" to "huge.txt"
    Then the patch from "huge" to the live workspace is
      """
      files a/huge.txt and b/huge.txt differ (over 16777216 bytes)
      """

  Scenario: Within some directories, only their workspaces are resolved, counted and verified
    Given another workspace "other" snapshotted for plan "plan-2" as "elsewhere"
    And someone damages every stored chunk of "other.txt" as of "elsewhere"
    Then the stats within the workspace count 2 checkpoints, all of plan "plan-1"
    And verifying the store within the workspace checks 2 checkpoints and finds no problem
    And verifying the store within the directory above the workspace finds a problem
    And resolving the prefix "second" and "elsewhere" share within the other workspace gives "elsewhere"
    When I try to verify "elsewhere" within the workspace
    Then it fails with CheckpointNotFoundError naming "{elsewhere}"
    And the stats within no directory count 0 checkpoints

  Scenario Outline: within must be a list of directories: <given> is refused
    When I try to count the checkpoints within <given>
    Then it fails with InvalidInputError naming "<said>"

    Examples:
      | given          | said                                |
      | "/tmp"         | within must be a list of directories |
      | 7              | within must be a list of directories |
      | [7]            | not a path                          |
      | ["a\u0000b"]   | NUL                                 |
      | [""]           | is empty                            |
