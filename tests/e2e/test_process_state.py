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


def test_a_run_that_saves_memory_gives_the_tables_of_one_that_does_not(tmp_path, monkeypatch):
    """The large-run path (a collection at each step's first input, staged frames not kept in the
    frame memo) in real Dagster, on the samples: the 64 MB threshold lowered to 0, nothing else."""
    from leerwinkels.run.runner import consolidate
    from tests.conftest import read_warehouse

    def run(name: str):
        return consolidate(sources=SAMPLES / "landing", database_url=f"sqlite:///{tmp_path / name}.sqlite", as_of=AS_OF,
                           staging_dir=tmp_path / name / "s", publication_dir=tmp_path / name / "p", quiet=True)

    plain = run("plain")
    monkeypatch.setattr(process, "LARGE_DELIVERY_BYTES", 0)
    collections_before = gc.get_stats()[2]["collections"]
    with process.tuned_for_one_large_run():
        saving = run("saving")
        assert staging_store._SAVE_MEMORY  # the run saved memory ...
    assert gc.get_stats()[2]["collections"] > collections_before  # ... collecting between its steps
    assert plain.success and saving.success
    assert not staging_store._SAVE_MEMORY and not process._TUNED
    plain_tables, saving_tables = read_warehouse(f"sqlite:///{tmp_path / 'plain'}.sqlite"), read_warehouse(f"sqlite:///{tmp_path / 'saving'}.sqlite")
    assert sorted(plain_tables) == sorted(saving_tables)
    moments = {"measured_at", "run_id", "consolidated_at", "loaded_at", "staged_at", "data_staged_at"}  # of each run
    for name, frame in plain_tables.items():
        keep = [c for c in frame.columns if c not in moments]
        differ = [c for c in keep if not frame.get_column(c).equals(saving_tables[name].get_column(c))]
        assert differ == [], name
