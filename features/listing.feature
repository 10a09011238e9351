Feature: Listing and filtering checkpoints
  Checkpoints come back newest first, filtered by plan, decision and type, a page at a time.

  Background:
    Given a checkpoint service on the scenario's database
    And a "pre_decision" checkpoint for plan "alpha" and decision "d1" as "a1"
    And a "post_decision" checkpoint for plan "alpha" and decision "d1" as "a2"
    And a "pre_tool" checkpoint for plan "alpha" and decision "d2" as "a3"
    And a "pre_decision" checkpoint for plan "beta" and decision "d1" as "b1"
    And a workspace with files
      | path    | content |
      | one.txt | 1       |
    And I snapshot the workspace for plan "beta" and decision "d3" as "b2"

  Scenario: Filters combine and results are newest first
    Then listing checkpoints gives, newest first
      | plan_id | decision_id | checkpoint_type | limit | result                 |
      |         |             |                 |       | b2, b1, a3, a2, a1     |
      | alpha   |             |                 |       | a3, a2, a1             |
      | alpha   | d1          |                 |       | a2, a1                 |
      |         | d1          |                 |       | b1, a2, a1             |
      |         |             | pre_decision    |       | b2, b1, a1             |
      | beta    |             | pre_decision    | 1     | b2                     |
      | gamma   |             |                 |       | nothing                |

  Scenario: Pages continue before the last checkpoint seen, by id or by time
    Then listing checkpoints gives, newest first
      | plan_id | limit | before | before_by | result     |
      |         | 2     |        |           | b2, b1     |
      |         | 2     | b1     | id        | a3, a2     |
      |         | 2     | a2     | id        | a1         |
      | alpha   |       | a3     | id        | a2, a1     |
      |         |       | a1     | time      | nothing    |

  Scenario: A manual checkpoint keeps what it was given and records no files
    Then checkpoint "a1" read back equals the one created
    And checkpoint "a1" keeps the extra key "step" equal to "a1"
