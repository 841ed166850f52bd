"""How a CLI consolidation tunes its process for one large run (leerwinkels.run.process)."""

import gc

import pytest

from leerwinkels.defs.resources import staging_store
from leerwinkels.run import process


@pytest.fixture
def restored_process():
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)
    staging_store.collect_between_steps(False)
    process._TUNED = False


def test_the_run_setup_is_frozen_only_in_a_process_tuned_for_one_large_run(restored_process):
    gc.unfreeze()
    process.freeze_run_setup()  # a test, the UI: nothing frozen, no collection between steps
    assert gc.get_freeze_count() == 0 and not staging_store._COLLECT_BETWEEN_STEPS
    process.tune_gc_for_one_large_run()
    assert gc.get_freeze_count() > 0 and staging_store._COLLECT_BETWEEN_STEPS
    before = gc.get_freeze_count()
    set_up = [[object()] for _ in range(1000)]  # what the run sets up after the start: job definitions, resources
    process.freeze_run_setup()
    assert gc.get_freeze_count() >= before + len(set_up)


def test_the_frame_memo_budget_is_512_megabytes_unless_set(monkeypatch):
    monkeypatch.delenv("LEERWINKELS_FRAME_MEMO_MB", raising=False)
    assert process.frame_memo_budget() == 512 * 2**20
    monkeypatch.setenv("LEERWINKELS_FRAME_MEMO_MB", "0")
    assert process.frame_memo_budget() == 0
