"""A Leerwinkel whose new delivery cannot be read fails only its own partition: the model keeps
its last good data and marks it stale, while the other Leerwinkels' new data arrive."""

from __future__ import annotations

import json
import shutil

import polars as pl

from leerwinkels.defs.assets.ingest import STAGED_KEY
from leerwinkels.defs.resources.staging_store import FAILURE_MARKER
from leerwinkels.run.runner import consolidate
from tests.conftest import AS_OF, SAMPLES, read_warehouse

BRUSSEL_FILE = "Leerwinkel_Brussel_2026-11-20.xlsx"
GENK_KLANTEN = "klanten_20261120.csv"
REMOVED_CLIENT = b"G-004002;"


def _run(tmp_path, landing):
    url = f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    result = consolidate(
        sources=landing, database_url=url, as_of=AS_OF, quiet=True,
        staging_dir=tmp_path / "staging", publication_dir=tmp_path / "publication",
    )
    return result, read_warehouse(url)


def _per_leerwinkel(frame: pl.DataFrame) -> dict[str, int]:
    return dict(frame.group_by("leerwinkel").len().iter_rows())


def test_a_corrupt_delivery_fails_only_its_leerwinkel_which_keeps_its_last_good_data(tmp_path, sample_landing, sample_run, after_sample_run):
    # the first run: the clean run of the samples (the session's, copied into tmp_path)
    first, before = sample_run.result, read_warehouse(f"sqlite:///{tmp_path / 'warehouse.sqlite'}")
    assert first.success and not first.failed_partitions
    trajectories_before = _per_leerwinkel(before["trajectories"])
    klanten_read_before = before["dq_source_files"].filter(pl.col("file_name") == GENK_KLANTEN)["rows_read"].sum()

    # Brussel's delivery is replaced by garbage; Genk delivers a klanten file with one client fewer
    for path in (sample_landing / "brussel" / BRUSSEL_FILE, sample_landing / "genk" / GENK_KLANTEN):
        path.chmod(0o644)  # the fixture files are read-only, and so is their copy
    (sample_landing / "brussel" / BRUSSEL_FILE).write_bytes(b"PK\x03\x04 this is not a workbook \x00\xff" * 40)
    klanten = sample_landing / "genk" / GENK_KLANTEN
    lines = klanten.read_bytes().split(b"\r\n")
    assert sum(line.startswith(REMOVED_CLIENT) for line in lines) == 1
    klanten.write_bytes(b"\r\n".join(line for line in lines if not line.startswith(REMOVED_CLIENT)))

    second, after = _run(tmp_path, sample_landing)

    # only brussel's partition failed, with a message naming the file; the rest of the run succeeded
    assert set(second.failed_partitions) == {"brussel"}
    assert BRUSSEL_FILE in second.failed_partitions["brussel"]
    assert second.success
    marker = tmp_path / "staging" / STAGED_KEY.path[-1] / f"brussel{FAILURE_MARKER}"
    assert BRUSSEL_FILE in json.loads(marker.read_text(encoding="utf-8"))["message"]

    # the model still holds Brussel's last good data
    trajectories_after = _per_leerwinkel(after["trajectories"])
    assert trajectories_after["brussel"] == trajectories_before["brussel"] > 0
    # ... and Genk's new delivery arrived: one client (and trajectory) fewer
    assert trajectories_after["genk"] == trajectories_before["genk"] - 1
    assert after["dq_source_files"].filter(pl.col("file_name") == GENK_KLANTEN)["rows_read"].sum() == klanten_read_before - 1
    # the other Leerwinkels are unchanged
    for code in ("mechelen", "gent", "west_vlaanderen", "leuven"):
        assert trajectories_after[code] == trajectories_before[code]

    # dq_deliveries marks brussel (only brussel) stale, with the reason
    deliveries = after["dq_deliveries"]
    stale = deliveries.filter(pl.col("stale"))
    assert set(stale["leerwinkel"]) == {"brussel"}
    reason = stale["stale_reason"][0]
    assert BRUSSEL_FILE in reason and "last good data" in reason
    assert not before["dq_deliveries"]["stale"].any()

    # a readable delivery again: brussel is current and no longer stale
    shutil.copyfile(SAMPLES / "landing" / "brussel" / BRUSSEL_FILE, sample_landing / "brussel" / BRUSSEL_FILE)
    third, repaired = _run(tmp_path, sample_landing)
    assert third.success and not third.failed_partitions
    assert not repaired["dq_deliveries"]["stale"].any()
    assert not marker.exists()
    assert _per_leerwinkel(repaired["trajectories"])["brussel"] == trajectories_before["brussel"]
