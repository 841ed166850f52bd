"""The IO manager's folders of frames are read frame by frame, when a step asks (issue 21: peak memory)."""

from __future__ import annotations

import polars as pl
import pytest

from leerwinkels.defs.resources.staging_store import StagedFrames, read_frames, write_frames


def test_a_folder_of_frames_is_read_frame_by_frame_when_asked(tmp_path, monkeypatch):
    import leerwinkels.defs.resources.staging_store as store

    folder = tmp_path / "staged" / "genk"
    write_frames(folder, {"trajectories": pl.DataFrame({"k": [1, 2]}), "contacts": pl.DataFrame({"k": [3]})})
    read = []
    real_read = pl.read_parquet
    monkeypatch.setattr(store.pl, "read_parquet", lambda path, *a, **k: read.append(path.stem) or real_read(path, *a, **k))
    frames = read_frames(folder, lazily=True)
    assert isinstance(frames, StagedFrames) and sorted(frames) == ["contacts", "trajectories"] and len(frames) == 2
    assert "contacts" in frames and "survey" not in frames and frames.get("survey") is None
    assert read == []  # nothing read yet
    assert frames["contacts"].to_dict(as_series=False) == {"k": [3]}
    assert read == ["contacts"]  # only what was asked for
    assert dict(frames)["trajectories"].height == 2
    with pytest.raises(KeyError):
        frames["survey"]


def test_data_replaced_while_a_step_reads_it_is_an_error_not_a_mix(tmp_path):
    folder = tmp_path / "staged" / "genk"
    write_frames(folder, {"trajectories": pl.DataFrame({"k": [1]}), "contacts": pl.DataFrame({"k": [1]})})
    frames = read_frames(folder, lazily=True)
    assert frames["trajectories"]["k"].to_list() == [1]
    write_frames(folder, {"trajectories": pl.DataFrame({"k": [2]}), "contacts": pl.DataFrame({"k": [2]})})  # another run
    with pytest.raises(RuntimeError, match="replaced while this step read it"):
        frames["contacts"]


def test_a_single_frame_is_a_frame_and_an_unpartitioned_folder_a_dict(tmp_path):
    write_frames(tmp_path / "model" / "trajectories", pl.DataFrame({"k": [1]}))
    assert isinstance(read_frames(tmp_path / "model" / "trajectories"), pl.DataFrame)
    # a dict-typed output (dq_feedback): Dagster type-checks the input as a dict
    write_frames(tmp_path / "dq_feedback", {"late": pl.DataFrame({"k": [1]})})
    assert type(read_frames(tmp_path / "dq_feedback")) is dict


def test_data_replaced_during_the_read_of_a_frame_is_an_error(tmp_path, monkeypatch):
    import leerwinkels.defs.resources.staging_store as store

    folder = tmp_path / "staged" / "genk"
    write_frames(folder, {"trajectories": pl.DataFrame({"k": [1]}), "contacts": pl.DataFrame({"k": [1]})})
    frames = read_frames(folder, lazily=True)
    real_read = pl.read_parquet

    def read_while_another_run_writes(path, *args, **kwargs):
        frame = real_read(path, *args, **kwargs)
        # another run replaces the folder while this read is under way (a real write_frames)
        write_frames(folder, {"trajectories": pl.DataFrame({"k": [2]}), "contacts": pl.DataFrame({"k": [2]})})
        return frame

    monkeypatch.setattr(store.pl, "read_parquet", read_while_another_run_writes)
    with pytest.raises(RuntimeError, match="replaced while this step read it"):
        frames["contacts"]


def test_a_narrowed_read_keeps_only_the_columns_and_rows_asked_for(tmp_path):
    folder = tmp_path / "staged" / "genk"
    write_frames(folder, {"first_seen": pl.DataFrame({"key": ["a", "b", "c"], "late": [True, False, True], "n": [1, 2, 3]})})
    frames = read_frames(folder, lazily=True)
    narrowed = frames.read("first_seen", lambda frame: frame.filter(pl.col("late")).select("n"))
    assert narrowed.to_dict(as_series=False) == {"n": [1, 3]}
    assert frames["first_seen"].height == 3  # read whole when asked whole
    assert frames.read("first_seen", lambda frame: frame.select("key")).get_column("key").to_list() == ["a", "b", "c"]
    with pytest.raises(KeyError):
        frames.read("survey", lambda frame: frame)


def test_data_replaced_before_a_narrowed_read_is_an_error(tmp_path):
    folder = tmp_path / "staged" / "genk"
    write_frames(folder, {"first_seen": pl.DataFrame({"k": [1]})})
    frames = read_frames(folder, lazily=True)
    write_frames(folder, {"first_seen": pl.DataFrame({"k": [2]})})  # another run
    with pytest.raises(RuntimeError, match="replaced while this step read it"):
        frames.read("first_seen", lambda frame: frame.select("k"))


def test_finished_steps_frames_in_reference_cycles_are_freed_when_the_next_step_starts():
    """Only when a large run saves memory (leerwinkels.run.process.plan_run); once per step."""
    import gc
    import weakref

    from leerwinkels.defs.resources import staging_store as store

    class Context:  # a step context that refers to itself, as Dagster's do
        pass

    def finished_step() -> weakref.ref:
        context = Context()
        context.me = context
        context.frame = pl.DataFrame({"k": [1]})
        return weakref.ref(context)

    gc.collect()
    gc.disable()  # no automatic collection during the test: only ours
    try:
        off = finished_step()
        store.free_finished_steps(("run", "step 0"))  # not asked for (a test, the UI): nothing collected
        assert off() is not None
        store.save_memory(True)
        store.free_finished_steps(("run", "step 1"))
        left = finished_step()
        store.free_finished_steps(("run", "step 1"))  # the same step's next input: no collection
        assert left() is not None
        store.free_finished_steps(("run", "step 2"))
        assert left() is None and off() is None
    finally:
        store.save_memory(False)
        gc.enable()


def test_a_large_run_keeps_the_model_frames_in_memory_but_not_the_staged_ones(tmp_path):
    import dagster as dg

    from leerwinkels.defs.resources import staging_store as store

    manager = store.StagingIOManager(base_dir=str(tmp_path))
    frames = {"trajectories": pl.DataFrame({"k": [1]})}
    with store.frame_memo(2**20) as memo:
        for large in (False, True):
            store.save_memory(large)
            try:
                staged = dg.build_output_context(asset_key=dg.AssetKey("staged"), partition_key="genk",
                                                 asset_partitions_def=dg.StaticPartitionsDefinition(["genk"]))
                manager.handle_output(staged, frames)
                manager.handle_output(dg.build_output_context(asset_key=dg.AssetKey("contacts")), pl.DataFrame({"k": [2]}))
            finally:
                store.save_memory(False)
            assert (memo.get(tmp_path / "staged" / "genk") is not None) is (not large)
            assert memo.get(tmp_path / "contacts") is not None
