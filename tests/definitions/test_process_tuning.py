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
    staging_store.save_memory(False)
    process._TUNED = False


def test_only_a_large_delivery_in_a_tuned_process_saves_memory(restored_process):
    gc.unfreeze()
    large = process.LARGE_DELIVERY_BYTES
    assert process.plan_run(10 * large) is False  # a test, the UI: nothing frozen, nothing saved
    assert gc.get_freeze_count() == 0 and not staging_store._SAVE_MEMORY
    process.tune_gc_for_one_large_run()
    frozen = gc.get_freeze_count()
    set_up = [[object()] for _ in range(1000)]  # what the run sets up after the start: job definitions, resources
    assert process.plan_run(large - 1) is False and not staging_store._SAVE_MEMORY  # 40,000 trajectories: time first
    assert gc.get_freeze_count() >= frozen + len(set_up)  # the run's setup is frozen all the same
    assert process.plan_run(large) is True and staging_store._SAVE_MEMORY


def test_the_frame_memo_budget_is_512_megabytes_unless_set(monkeypatch):
    monkeypatch.delenv("LEERWINKELS_FRAME_MEMO_MB", raising=False)
    assert process.frame_memo_budget() == 512 * 2**20
    monkeypatch.setenv("LEERWINKELS_FRAME_MEMO_MB", "0")
    assert process.frame_memo_budget() == 0


def test_a_failed_run_leaves_the_process_untuned(restored_process):
    thresholds = gc.get_threshold()
    with pytest.raises(RuntimeError, match="broken"), process.tuned_for_one_large_run():
        assert process.plan_run(process.LARGE_DELIVERY_BYTES) is True and staging_store._SAVE_MEMORY
        assert gc.get_freeze_count() > 0
        raise RuntimeError("broken")
    assert not process._TUNED and not staging_store._SAVE_MEMORY
    assert gc.get_threshold() == thresholds and gc.get_freeze_count() == 0
