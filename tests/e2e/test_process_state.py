"""A CLI consolidation run inside a process that lives on (the test suite, a notebook) leaves the
process as it found it: no objects frozen, the collector's thresholds back, no memory saving
left on for the next consolidation (issue 21: ``plan_run`` freezes in a tuned process)."""

from __future__ import annotations

import gc

from leerwinkels.cli import main
from leerwinkels.defs.resources import staging_store
from leerwinkels.run import process
from tests.conftest import AS_OF, SAMPLES


def test_a_cli_consolidation_leaves_the_process_untuned(tmp_path):
    thresholds, frozen = gc.get_threshold(), gc.get_freeze_count()
    code = main(["consolidate", "--sources", str(SAMPLES / "landing"), "--database", f"sqlite:///{tmp_path / 'w.sqlite'}",
                 "--as-of", AS_OF, "--staging", str(tmp_path / "s"), "--publication", str(tmp_path / "p")])
    assert code == 0
    assert not process._TUNED and not staging_store._SAVE_MEMORY
    assert gc.get_threshold() == thresholds
    assert gc.get_freeze_count() <= frozen  # what the run froze is collectable again
    # the next consolidation in this process (a test's consolidate(), the UI's runs) freezes nothing
    process.plan_run(10 * process.LARGE_DELIVERY_BYTES)
    assert gc.get_freeze_count() <= frozen and not staging_store._SAVE_MEMORY
