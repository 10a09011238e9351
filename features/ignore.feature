Feature: rewind ignores exactly the paths git ignores
  .gitignore files are matched with git's rules at every depth; a pattern that can only match
  a name is matched against names, the others against paths, and files with "!" patterns
  pattern by pattern. git itself is the judge: a snapshot records exactly the files that
  `git ls-files --others --exclude-standard` lists for the same directory.

  Background:
    Given a workspace with files
      | path                   | content |
      | app.log                | 1       |
      | keep.log               | 1       |
      | build/x.o              | 1       |
      | sub/build/y.o          | 1       |
      | top-only.txt           | 1       |
      | sub/top-only.md        | 1       |
      | docs/a/b/c.tmp         | 1       |
      | docs/c.tmp             | 1       |
      | docs/readme.md         | 1       |
      | cache                  | 1       |
      | sub/cache/z.py         | 1       |
      | gen/generated/q.py     | 1       |
      | a.bin                  | 1       |
      | d.bin                  | 1       |
      | m.pyc                  | 1       |
      | m.py                   | 1       |
      | sub/note.txt           | 1       |
      | sub/important.txt      | 1       |
      | sub/local/x.py         | 1       |
      | sub/deep/local/y.py    | 1       |
      | sub/deep/z.md          | 1       |
      | sub/deep/w.txt         | 1       |
      | notes.md               | 1       |
      | name with spaces.tmp   | 1       |
    And a checkpoint service on the scenario's database

  Scenario Outline: Ignore files <kind>
    Given ".gitignore" in the workspace holds the lines "<root>"
    And "sub/.gitignore" in the workspace holds the lines "<sub>"
    When I snapshot the workspace for plan "plan-1" as "K"
    Then checkpoint "K" records exactly the files git does not ignore
    When I restart the checkpoint service
    And I snapshot the workspace for plan "plan-1" as "L"
    And I snapshot the workspace for plan "plan-1" as "M"
    Then checkpoint "M" records exactly the files git does not ignore

    Examples:
      | kind                  | root                                                                                   | sub                                  |
      | without ! patterns    | # comment, *.log, build/, /top-only.txt, docs/**/*.tmp, cache, **/generated/, [abc].bin, *.py[cod], *spaces*, **/deep/w.txt | *.txt, local/ |
      | with ! patterns       | *.log, !keep.log, build/, /top-only.txt, docs/**/*.tmp, cache, [abc].bin, *.py[cod]   | *.txt, !important.txt, deep/local/   |
      | anchored patterns     | /cache, /docs/a/                                                                       | /local/, /deep/*.md                  |

  Scenario: Changing an ignore file changes what the next snapshot tracks
    Given ".gitignore" in the workspace holds the lines "*.log, build/"
    And I snapshot the workspace for plan "plan-1" as "K"
    And I snapshot the workspace for plan "plan-1" as "L"
    When ".gitignore" in the workspace holds the lines "*.md, build/"
    And I snapshot the workspace for plan "plan-1" as "M"
    Then checkpoint "M" records exactly the files git does not ignore
    When "sub/.gitignore" in the workspace holds the lines "*.py"
    And I snapshot the workspace for plan "plan-1" as "N"
    Then checkpoint "N" records exactly the files git does not ignore

  Scenario: A file a rollback brings back that the ignore rules now exclude is not tracked again
    Given ".rewindignore" in the workspace holds the lines ".rewindignore"
    And I snapshot the workspace for plan "plan-1" as "K"
    And I snapshot the workspace for plan "plan-1" as "L"
    And ".rewindignore" in the workspace holds the lines ".rewindignore, notes.md"
    And I delete "notes.md"
    When I roll back to "K"
    And I snapshot the workspace for plan "plan-1" as "M"
    Then checkpoint "M" lists the changed paths "notes.md"
