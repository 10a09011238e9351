Feature: Odd values on the command line get a result, an error line or a usage error
  Every option and argument of every command that takes a value is given, one at a time, "0",
  "-1", "99999999999999999999", "abc", "" and "%s" (and "1000000000d" where a duration is
  expected), with and without --json. Each run exits with 0, with 1 and exactly one line
  "error: ..." on stderr, or with 2 (a usage error); never with a traceback. With --json it
  prints one JSON document whose "exit_code" is the status it exits with.

  Background:
    Given a workspace with files
      | path  | content |
      | a.txt | alpha   |
    And the workspace is snapshotted for plan "extremes" through the API
    And I write "beta" to "a.txt"
    And the workspace is snapshotted for plan "extremes" through the API

  Scenario: Every option and argument of every command
    When every option and argument of every command is given each odd value, with and without --json
    Then every command ended with status 0, 1 or 2, one error line for 1, one JSON document with --json, and no traceback

  Scenario Outline: In a process of its own, "rewind <arguments>" ends as it does in process
    When "rewind <arguments>" runs in a process of its own
    Then it ended as the same arguments do in process, without a traceback

    Examples:
      | arguments                                                  |
      | list --limit abc                                           |
      | show -- -1                                                 |
      | --json show abc                                            |
      | --db '' stats                                              |
      | snapshot {workspace} --plan ''                             |
      | prune --keep-last 1000 --dry-run --keep-within 1000000000d |
      | list --json --limit 99999999999999999999                   |
