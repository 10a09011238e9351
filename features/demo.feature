Feature: The demo shows a snapshot surviving a restart
  The README's first command runs this demo; it must keep working.

  Scenario: The demo snapshots twice and a new process finds both snapshots
    When I run "python {repository}/examples/demo.py --db {database}"
    Then the output contains "changed: README.md, config.json, src/app.py"
    And the output contains "changed: config.json, src/app.py, tests/test_app.py"
    And the output contains "diff_paths: ['config.json', 'src/app.py', 'tests/test_app.py']"
    And the output contains "diff_based: True"
