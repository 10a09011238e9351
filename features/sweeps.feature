Feature: Under injected faults and damaged rows, only RewindErrors come out
  Every public operation is run under every injected operating-system fault (a full disk, a
  failing open, read, rename, unlink, mkdir, rmdir, symlink, chmod, directory listing, status
  or temporary file), at moments spread over all the calls it makes, and against every kind
  of damaged row rewind stores. Whatever happens, only RewindErrors come out, nothing outside
  the workspace changes, and the workspace ends either as it was or exactly at the rollback's
  target.

  Scenario: Every public operation under every injected fault
    Given a workspace swept by the fault injector, with two snapshots
    When every public operation runs under each injected fault
    Then only RewindErrors came out of the sweep
    And nothing outside the workspace changed during the sweep
    And after every fault the workspace was as before or exactly at the rollback's target
    And the store verifies without a problem after the sweep

  Scenario: Every public operation against every kind of damaged row
    When every public operation runs against each kind of damaged row, each in its own plan
    Then only RewindErrors came out of the sweep
    And nothing outside the workspace changed during the sweep
    And after every damaged row the workspace was as before or exactly at the rollback's target
    And verify reported every damaged row
