Feature: Putting back some paths from the terminal
  rewind restore ID --path P puts back only those paths in the checkpoint's workspace. It
  shows its plan and asks first, unless --yes; --dry-run changes nothing. A relative path is
  taken from the current directory when that lies inside the workspace, as git takes it, and
  from the workspace's top otherwise.

  Background:
    Given a workspace with files
      | path       | content |
      | a.txt      | alpha   |
      | src/b.py   | beta    |
      | src/c.py   | gamma   |
    When the workspace is snapshotted for plan "plan-1" through the API, labelled "before tests"
    And I write "changed" to "a.txt"
    And I write "changed" to "src/b.py"
    And I write "new" to "src/d.py"

  Scenario: The prompt shows the plan, and yes puts back only the paths named
    When I run "rewind restore {first} --path src" answering "y"
    Then it exits with status 0
    And it printed "1 file will be restored and 1 file removed (1 unchanged)" on stderr 1 times
    And it printed "Restore?" on stderr 1 times
    And it printed "restored src/b.py"
    And it printed "removed  src/d.py"
    And it printed "undoes this restore"
    And "src/b.py" in the workspace still contains "beta"
    And "a.txt" in the workspace still contains "changed"

  Scenario: A relative path is taken from the current directory inside the workspace
    When I run "rewind restore {first} --path b.py --yes" in the workspace's directory "src"
    Then it exits with status 0
    And it printed "1 restored, 0 removed, 0 unchanged"
    And "src/b.py" in the workspace still contains "beta"
    And "src/d.py" in the workspace still contains "new"

  Scenario: A dry run changes nothing
    When I run "rewind restore {first} --path a.txt --path src/d.py --dry-run"
    Then it exits with status 0
    And it printed "would restore a.txt"
    And it printed "would remove  src/d.py"
    And it printed "dry run: 1 to restore, 1 to remove, 0 unchanged, +1 -2 lines; nothing was changed"
    And "a.txt" in the workspace still contains "changed"

  Scenario: A directory the checkpoint ignored stays as it is, shown with why
    Given "build/.gitignore" in the workspace contains "*.o\n"
    And "build/main.o" in the workspace contains "object"
    And the workspace is snapshotted for plan "plan-1" through the API
    And I delete "build/.gitignore"
    When I run "rewind restore {last} --path build" answering "y"
    Then it exits with status 0
    And it printed "(0 unchanged); 1 path stays as it is (ignored by the checkpoint, or git's)" on stderr 1 times
    And it printed "restored       build/.gitignore"
    And it printed "kept (ignored) build/main.o"
    And it printed "1 restored, 0 removed, 1 kept, 0 unchanged"
    And "build/main.o" in the workspace still contains "object"

  Scenario: A path the checkpoint never held, nor the workspace, is an error naming it
    When I run "rewind restore {first} --path nowhere.txt --yes"
    Then it exits with status 1 saying "nowhere.txt"
    And "a.txt" in the workspace still contains "changed"

  Scenario Outline: --path and --into go alone, and --yes and --dry-run only with --path
    When I run "rewind restore {first} <options>"
    Then it exits with status 2 saying "<message>"

    Examples:
      | options                          | message                          |
      |                                  | either --into DIRECTORY or       |
      | --into out --path a.txt          | either --into DIRECTORY or       |
      | --into out --yes                 | go with --path, not --into       |
