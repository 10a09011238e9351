Feature: Pruning keeps every kept checkpoint whole
  A store that only grows is not usable for long. A retention policy says which checkpoints
  to keep; the rest are deleted, and every kept checkpoint still restores exactly, diffs
  exactly against every other kept one, and verifies clean.

  Scenario Outline: After pruning a long history, every kept checkpoint restores exactly
    Given a checkpoint service on the scenario's database
    And a history of 40 snapshots of plan "plan-1" from seed <seed>, labelling one in 9 and rolling back before one in 7
    When I prune with keep_last=<last>
    Then the kept checkpoints are the newest <last> snapshots, the labelled ones, the safety checkpoints and the head
    And every kept checkpoint restores exactly as it was taken
    And every two kept checkpoints diff exactly as their files differ
    And every kept snapshot names its nearest kept ancestor as its parent and diff base
    And verifying the store finds no problem

    Examples:
      | seed | last |
      | 1    | 3    |
      | 2    | 1    |
      | 3    | 10   |

  Scenario: A kept snapshot keeps the diff metadata it was taken with
    Given a checkpoint service on the scenario's database
    And a history of 12 snapshots of plan "plan-1" from seed 4, labelling one in 100 and rolling back before one in 100
    When I prune with keep_last=2
    Then the kept snapshots carry the diff paths, diff hash and tree hash they were taken with

  Scenario: Pruning shrinks the store by what it reports
    Given a checkpoint service on the scenario's database
    And a history of 30 snapshots of plan "plan-1" from seed 5, labelling one in 100 and rolling back before one in 100
    When I prune with keep_last=2
    Then the store holds fewer bytes and blobs, exactly as the prune reported
    And the prune reported 28 deleted and 2 kept

  Scenario: A byte budget deletes the oldest checkpoints until the store fits, each kept one exact
    Given a checkpoint service on the scenario's database
    And a history of 30 snapshots of plan "plan-1" from seed 8, labelling one in 100 and rolling back before one in 100
    When I prune to a budget of half of the bytes the store holds
    Then the store holds at most the budget
    And every checkpoint deleted is older than every snapshot kept but the labelled and the head
    And every kept checkpoint restores exactly as it was taken
    And every kept snapshot names its nearest kept ancestor as its parent and diff base
    And verifying the store finds no problem

  Scenario: A budget the store fits already deletes nothing
    Given a checkpoint service on the scenario's database
    And a history of 8 snapshots of plan "plan-1" from seed 9, labelling one in 100 and rolling back before one in 100
    When I prune to a budget of twice of the bytes the store holds
    Then the prune reported 0 deleted and 8 kept

  Scenario: A budget no prune can reach keeps the heads and the labelled checkpoints
    Given a checkpoint service on the scenario's database
    And a history of 12 snapshots of plan "plan-1" from seed 10, labelling one in 4 and rolling back before one in 100
    When I prune to a budget of one byte of the bytes the store holds
    Then the kept checkpoints are the newest 1 snapshots, the labelled ones, the safety checkpoints and the head
    And every kept checkpoint restores exactly as it was taken
    And verifying the store finds no problem

  Scenario: A dry run reports what a prune would delete and deletes nothing
    Given a checkpoint service on the scenario's database
    And a history of 10 snapshots of plan "plan-1" from seed 6, labelling one in 100 and rolling back before one in 100
    When I prune with keep_last=2 as a dry run
    Then the store holds what it held before
    And the dry run reported what the prune then deletes

  Scenario: The head is kept even when the policy would delete it
    Given a checkpoint service on the scenario's database
    And a history of 6 snapshots of plan "plan-1" from seed 7, labelling one in 100 and rolling back before one in 100
    When I roll back to "s2"
    And I prune with keep_last=1, safety_within=none
    Then checkpoint "s2" is kept
    And checkpoint "s6" is deleted
    And the prune reported 5 deleted and 2 kept
    And every kept checkpoint restores exactly as it was taken
    And the next snapshot of the workspace lists no change

  Scenario: The target of an unfinished rollback is kept
    Given a workspace with files
      | path    | content |
      | a.txt   | a1      |
      | b.txt   | b1      |
      | c.txt   | c1      |
      | d.txt   | d1      |
    And a checkpoint service on the scenario's database
    And I snapshot the workspace for plan "plan-1" as "old"
    And I write "a2" to "a.txt"
    And I write "b2" to "b.txt"
    And I write "c2" to "c.txt"
    And I write "d2" to "d.txt"
    And I snapshot the workspace for plan "plan-1" as "new"
    When a process rolling back to "old" is killed after 2 files, while writing
    And I prune with keep_last=1, safety_within=none
    Then checkpoint "old" is kept
    And checkpoint "new" is deleted
    And the next snapshot of the workspace lists no change
    And the workspace is exactly as when "old" was taken

  Scenario: Safety checkpoints are kept only as long as safety_within says
    Given a checkpoint service on the scenario's database
    And a history of 8 snapshots of plan "plan-1" from seed 8, labelling one in 100 and rolling back before one in 3
    When I prune with keep_last=100, safety_within=0s
    Then no safety checkpoint is kept
    And every kept checkpoint restores exactly as it was taken
    And verifying the store finds no problem

  Scenario Outline: Each rule of a policy keeps what it names
    Given a checkpoint service on the scenario's database
    And a history of 8 snapshots of plan "plan-1" from seed 9, labelling one in 3 and rolling back before one in 100
    And a "manual" checkpoint for plan "plan-1" and decision "d-1" as "note"
    When I prune with <policy>
    Then <kept> checkpoints are kept
    And verifying the store finds no problem

    Examples:
      | policy                                     | kept |
      | keep_last=2                                | 5    |
      | keep_last=2, keep_labelled=false           | 3    |
      | keep_types=manual, keep_labelled=false     | 2    |
      | keep_within=1h, keep_labelled=false        | 9    |

  Scenario: A prune of one plan leaves other plans alone
    Given a checkpoint service on the scenario's database
    And a history of 5 snapshots of plan "plan-1" from seed 10, labelling one in 100 and rolling back before one in 100
    And another workspace "other" snapshotted for plan "plan-2" as "o1"
    When I prune plan "plan-1" with keep_last=1
    Then checkpoint "o1" is kept
    And plan "plan-1" keeps 1 checkpoint

  Scenario: An empty policy is refused, never read as "delete everything"
    Given a checkpoint service on the scenario's database
    And a history of 3 snapshots of plan "plan-1" from seed 11, labelling one in 100 and rolling back before one in 100
    When I try to prune with keep_labelled=false
    Then it fails with InvalidInputError naming "keep_last"
    And the store holds what it held before
    When I try to prune with keep_within=0s, keep_labelled=false
    Then it fails with InvalidInputError naming "empty"
    And the store holds what it held before
    When I try to prune with a copy of keep_last=3 whose keep_last is -1
    Then it fails with InvalidValueError naming "keep_last"
    And the store holds what it held before

  Scenario: A service refuses an empty automatic retention policy
    When I try to open a checkpoint service keeping by the policy keep_labelled=true
    Then it fails with InvalidInputError naming "empty"

  Scenario: Content a prune deletes is stored again by a snapshot that needs it
    Given a workspace with files
      | path    | content  |
      | a.txt   | precious |
      | b.txt   | b        |
    And a checkpoint service on the scenario's database
    And I snapshot the workspace for plan "plan-1" as "s1"
    And I delete "a.txt"
    And I snapshot the workspace for plan "plan-1" as "s2"
    And I write "precious" to "a.txt"
    When I snapshot the workspace for plan "plan-1" as "s3" while another service prunes plan "plan-1" with keep_last=1 after my scan
    Then checkpoint "s1" is deleted
    And every kept checkpoint restores exactly as it was taken
    And verifying the store finds no problem

  Scenario: Automatic retention prunes a workspace after each of its snapshots
    Given a checkpoint service on the scenario's database keeping by the policy keep_last=3
    And a history of 12 snapshots of plan "plan-1" from seed 12, labelling one in 100 and rolling back before one in 5
    And another workspace "other" snapshotted for plan "plan-1" as "o1"
    Then the kept checkpoints are the newest 3 snapshots, the labelled ones, the safety checkpoints and the head
    And checkpoint "o1" is kept
    And every kept checkpoint restores exactly as it was taken
    And verifying the store finds no problem

  Scenario: Pruning beside threads that snapshot and roll back loses nothing
    Given a checkpoint service on the scenario's database
    When 3 threads snapshot and roll back their own workspaces of plan "plan-1" 12 times while another service prunes plan "plan-1" with keep_last=2 after each of their snapshots
    Then no thread failed
    And every kept checkpoint restores exactly as it was taken
    And verifying the store finds no problem

  Scenario: Pruning beside another process that snapshots loses nothing
    Given a checkpoint service on the scenario's database
    When a separate process takes 15 snapshots of its own workspace for plan "plan-1" while I prune plan "plan-1" with keep_last=2 after each of them
    Then every snapshot the process kept restores exactly as it was taken
    And verifying the store finds no problem

  Scenario: Statistics count checkpoints and bytes per plan and in total
    Given a checkpoint service on the scenario's database
    And a history of 6 snapshots of plan "plan-1" from seed 13, labelling one in 100 and rolling back before one in 100
    And another workspace "other" snapshotted for plan "plan-2" as "o1"
    Then the statistics of plan "plan-1" count its 6 checkpoints and the bytes of their trees
    And the statistics of the store add up its plans
    And the store's trees take more bytes than it stores

  Scenario Outline: A prune killed <moment> leaves the store as it was before
    Given a checkpoint service on the scenario's database
    And a history of 9 snapshots of plan "plan-1" from seed 14, labelling one in 4 and rolling back before one in 5
    When a process pruning with keep_last=1 is killed <moment>
    Then the store holds what it held before
    And every kept checkpoint restores exactly as it was taken
    And verifying the store finds no problem

    Examples:
      | moment                                     |
      | after folding the first deleted run        |
      | after deleting the checkpoints             |
      | after deleting the contents                |

  Scenario: A prune killed right after it commits leaves the store as a prune does
    Given a checkpoint service on the scenario's database
    And a history of 9 snapshots of plan "plan-1" from seed 14, labelling one in 4 and rolling back before one in 5
    When I prune with keep_last=1 as a dry run
    And a process pruning with keep_last=1 is killed right after it commits
    Then the store holds the checkpoints the dry run kept
    And every kept checkpoint restores exactly as it was taken
    And verifying the store finds no problem

  Scenario: A damaged history stops a prune, which names it and deletes nothing
    Given a checkpoint service on the scenario's database
    And a history of 4 snapshots of plan "plan-1" from seed 15, labelling one in 100 and rolling back before one in 100
    And someone damages a change row of "s2"
    When I try to prune with keep_last=1
    Then it fails with CorruptStoreError naming "{s2}"
    And the store holds what it held before

  Scenario: Automatic retention that fails keeps the snapshot and says why in the log
    Given a checkpoint service on the scenario's database
    And a history of 3 snapshots of plan "plan-1" from seed 16, labelling one in 100 and rolling back before one in 100
    And someone damages a change row of "s2"
    And a checkpoint service on the scenario's database keeping by the policy keep_last=1
    When I snapshot the workspace for plan "plan-1" as "s4", watching the rewind log
    Then checkpoint "s4" is kept
    And the rewind log warns that retention after "s4" failed

  Scenario Outline: A policy with a value out of range is refused with an InvalidValueError naming the field and its limit
    When I try to make the retention policy <policy>
    Then it fails with InvalidValueError naming "<culprit>"
    And the error is an InvalidInputError whose cause is pydantic's ValidationError

    Examples:
      | policy                  | culprit                            |
      | keep_last=0             | keep_last: Input should be greater than or equal to 1 |
      | keep_last=-1            | keep_last                          |
      | keep_last=x             | keep_last                          |
      | keep_last=10000000000   | less than or equal to 1000000000   |
      | keep_within=-1d         | keep_within: Input should be greater than or equal to 0 |
      | keep_within=36501d      | less than or equal to 36500 days   |
      | safety_within=-1s       | safety_within                      |

  Scenario Outline: A prune refuses arguments it cannot use
    Given a checkpoint service on the scenario's database
    When I try to prune with <arguments>
    Then it fails with InvalidInputError naming "<culprit>"

    Examples:
      | arguments                         | culprit          |
      | the policy given as text          | RetentionPolicy  |
      | keep_last=1 for the plan 42       | plan_id 42       |

  Scenario Outline: A prune refuses a history that was tampered with (<damage>), and changes nothing
    Given a workspace with files
      | path  | content |
      | a.txt | 1       |
      | b.txt | 1       |
    And a checkpoint service on the scenario's database
    And I snapshot the workspace for plan "plan-1" as "s1"
    And I write "2" to "a.txt"
    And I write "2" to "b.txt"
    And I write "2" to "c.txt"
    And I snapshot the workspace for plan "plan-1" as "s2"
    And I write "3" to "d.txt"
    And I snapshot the workspace for plan "plan-1" as "s3"
    And I write "4" to "e.txt"
    And I snapshot the workspace for plan "plan-1" as "s4"
    And someone tampers with "s2": <damage>
    When I try to prune with keep_last=1
    Then it fails with CorruptStoreError naming "<culprit>"
    And the store holds what it held before

    Examples:
      | damage                                               | culprit  |
      | its parent becomes "s3"                              | {s3}     |
      | its parent becomes a checkpoint that does not exist  | {s2}     |
      | its path "a.txt" becomes "../evil"                   | ../evil  |
      | its path "c.txt" becomes "a.txt"                     | twice    |
      | the content of its "c.txt" is deleted                | c.txt    |
