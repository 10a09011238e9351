Feature: A deeper ignore file overrides a shallower one, as in git
  A .gitignore in a subdirectory is read after those above it, so its "!" patterns re-include
  what a shallower file ignores, and its own patterns ignore again what a shallower file
  re-included. git itself is the judge: in a git repository made in the workspace, each
  snapshot records exactly the files that `git ls-files --cached --others --exclude-standard`
  lists, before and after a restart (when the index decides without the ignore rules), and
  after an ignore file changed.

  Background:
    Given a workspace with files
      | path               | content |
      | note.txt           | 1       |
      | other.txt          | 1       |
      | sub/note.txt       | 1       |
      | sub/other.txt      | 1       |
      | sub/deep/note.txt  | 1       |
      | sub/deep/keep.md   | 1       |
      | sub/deep/drop.md   | 1       |
      | sub/logs/b.log     | 1       |
      | logs/a.log         | 1       |
      | readme.md          | 1       |
    And a git repository made in the workspace
    And a checkpoint service on the scenario's database

  Scenario Outline: <case>
    Given the ignore files "<root>" at the top, "<sub>" in sub and "<deep>" in sub/deep
    When I snapshot the workspace for plan "plan-1" as "K"
    Then checkpoint "K" records exactly the files git lists
    When I restart the checkpoint service
    And I snapshot the workspace for plan "plan-1" as "L"
    And I snapshot the workspace for plan "plan-1" as "M"
    Then checkpoint "M" records exactly the files git lists

    Examples:
      | case                                                         | root            | sub              | deep       |
      | a deeper "!" pattern re-includes a file a shallower one ignores | *.txt        | !note.txt        |            |
      | a deeper pattern ignores again what a shallower "!" re-included | *.txt, !note.txt | note.txt      |            |
      | three levels: ignored, re-included, ignored again              | *.txt           | !*.txt           | note.txt   |
      | a "!" two levels down re-includes one name only                | *.md            |                  | !keep.md   |
      | an anchored "!" re-includes at its own level only              | *.txt           | !/note.txt       |            |
      | a deeper "!" re-includes a directory a shallower one ignores   | logs/           | !logs/           |            |
      | no "!" re-includes a file whose directory is ignored           | sub/deep/       | !deep/keep.md    | !keep.md   |

  Scenario: Removing a deeper "!" pattern drops the file from the next snapshot, and adding it back brings it back
    Given the ignore files "*.txt" at the top, "!note.txt" in sub and "" in sub/deep
    And I snapshot the workspace for plan "plan-1" as "K"
    When "sub/.gitignore" in the workspace holds the lines "other.txt"
    And I snapshot the workspace for plan "plan-1" as "L"
    Then checkpoint "L" records exactly the files git lists
    And checkpoint "L" lists the changed paths "sub/.gitignore, sub/deep/note.txt, sub/note.txt"
    When "sub/.gitignore" in the workspace holds the lines "!note.txt"
    And I snapshot the workspace for plan "plan-1" as "M"
    Then checkpoint "M" records exactly the files git lists
