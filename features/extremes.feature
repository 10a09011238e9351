Feature: Extreme values get a result or a RewindError, never another exception
  Every public callable is given, one parameter at a time while the others stay valid, each
  value a careless or hostile caller passes: 0, -1, 10**30, -(10**30), 1.5, NaN, "", a
  100,000-character string, None, bytes, a bare object, [] and {} (and where a duration is
  expected, a negative one and timedelta.max). Each call either succeeds or raises a
  RewindError: no TypeError, AttributeError, OverflowError, pydantic or database error
  reaches the caller. Calls that write files write only the scenario's workspace.

  Background:
    Given a workspace with files
      | path     | content |
      | one.txt  | 1       |
      | src/a.py | a       |
    And a checkpoint service on the scenario's database
    And I snapshot the workspace for plan "extremes" as "first"
    And I write "2" to "one.txt"
    And I snapshot the workspace for plan "extremes" as "second"

  Scenario: Every method of the service, the guard included
    When every method of the service is given each extreme value, one parameter at a time
    Then each extreme value was taken or refused with a RewindError

  Scenario: Opening a service
    When the service is opened with each extreme value for its url, create, retention and watch
    Then each extreme value was taken or refused with a RewindError

  Scenario: The public models and Trigger.parse
    When every public model and Trigger.parse is given each extreme value, one field at a time
    Then each extreme value was taken or refused with a RewindError

  Scenario: The WorkspaceSaver's methods that take a config
    When every method of a WorkspaceSaver that takes a config is given each extreme value, one parameter at a time, each call on a saver of its own
    Then each extreme value was taken or refused with a RewindError
