Feature: A checkpoint never changes once built
  The bug rewind exists to prevent attached metadata to a checkpoint after it was stored.
  A built checkpoint refuses every change, to its fields and to its metadata.

  Scenario: Fields and metadata of a snapshot cannot be changed
    Given a workspace with files
      | path    | content |
      | one.txt | 1       |
    And a checkpoint service on the scenario's database
    When I snapshot the workspace for plan "plan-1" as "first" with extra
      """
      {"nested": {"key": "value"}}
      """
    Then assigning a new "plan_id" to checkpoint "first" is refused
    And assigning a new "metadata" to checkpoint "first" is refused
    And assigning a new "parent_id" to checkpoint "first" is refused
    And changing the metadata extra of checkpoint "first" is refused

  Scenario: Copies of a checkpoint are equal, and only a copy of its extra can change
    Given a workspace with files
      | path    | content |
      | one.txt | 1       |
    And a checkpoint service on the scenario's database
    When I snapshot the workspace for plan "plan-1" as "first"
    Then checkpoint "first" survives pickling and deep copying unchanged
    And a copy of the metadata extra of checkpoint "first" is an ordinary dict
