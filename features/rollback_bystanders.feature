Feature: A rollback replaces files instead of writing through them, and leaves .git as it is
  Each file a rollback puts back is written to a temporary file and renamed into place, so a
  file's other names (hard links from an ignored path, or from outside the workspace) keep
  the content they had: the rollback changes the workspace's name, not the shared file.
  .git/ is never tracked, at any depth, so a rollback leaves git's HEAD as it is now, even
  when it changed since the snapshot.

  Scenario Outline: A file hard-linked from <where> keeps its content through a rollback
    Given a workspace with files
      | path       | content  |
      | .gitignore | ignored/ |
      | notes.txt  | one      |
    And a checkpoint service on the scenario's database
    And I snapshot the workspace for plan "plan-1" as "K"
    And "<link>" is another name of "notes.txt" in the workspace, a hard link
    When I write "two" to "notes.txt"
    Then the other name "<link>" holds "two", as "notes.txt" does
    When I roll back to "K"
    Then "notes.txt" in the workspace still contains "one"
    And the other name "<link>" still holds "two"
    And the next snapshot of the workspace lists no change

    Examples:
      | where                  | link                       |
      | an ignored directory   | ignored/notes-link.txt     |
      | outside the workspace  | ../outside-link.txt        |

  Scenario Outline: A rollback leaves <head> as it was changed after the snapshot
    Given a workspace with files
      | path           | content                 |
      | notes.txt      | one                     |
      | <head>         | ref: refs/heads/main    |
      | <ref>          | 1111111111111111111111111111111111111111 |
    And a checkpoint service on the scenario's database
    And I snapshot the workspace for plan "plan-1" as "K"
    And I write "ref: refs/heads/other" to "<head>"
    And I write "two" to "notes.txt"
    When I roll back to "K"
    Then "notes.txt" in the workspace still contains "one"
    And "<head>" in the workspace still contains "ref: refs/heads/other"
    And "<ref>" in the workspace still contains "1111111111111111111111111111111111111111"
    And checkpoint "K" lists the changed paths "notes.txt"

    Examples:
      | head                 | ref                            |
      | .git/HEAD            | .git/refs/heads/main           |
      | vendor/lib/.git/HEAD | vendor/lib/.git/refs/heads/main |
