"""The whole Dagster graph against temporary SQLite files: definitions, repeatability,
all-or-nothing table replacement, missing and multiple deliveries, the key, the CLI."""

from __future__ import annotations

import json
import os
import shutil
import time

import dagster as dg
import polars as pl
from polars.testing import assert_frame_equal

from leerwinkels.cli import main
from leerwinkels.definitions import ALL_ASSETS, ALL_CHECKS, build_resources, defs
from leerwinkels.defs.resources import Warehouse
from leerwinkels.ingest.source_specs import PARTITIONS
from leerwinkels.quality.scorecard import latest_run
from leerwinkels.run.runner import consolidate
from tests.conftest import AS_OF, SAMPLES, read_warehouse

RUN_SPECIFIC = {"run_id", "loaded_at", "finished_at", "started_at", "duration_seconds", "data_staged_at"}


def _stable(tables: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    # dq_scorecard keeps the rows of earlier runs (issue 20): a run is compared by its own rows
    tables = {**tables, "dq_scorecard": latest_run(tables["dq_scorecard"]).drop("measured_at")} if "dq_scorecard" in tables else tables
    return {
        name: frame.drop([c for c in frame.columns if c in RUN_SPECIFIC])
        for name, frame in tables.items() if name != "warehouse_loads"
    }


def _run(tmp_path, landing=None, **kwargs):
    url = f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    result = consolidate(
        sources=landing or SAMPLES / "landing", database_url=url, as_of=AS_OF,
        staging_dir=tmp_path / "staging", publication_dir=tmp_path / "publication", **kwargs,
    )
    return result, url


def test_definitions_load_and_validate():
    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    groups = {graph.get(k).group_name for k in graph.get_all_asset_keys()}
    assert {"ingest", "model", "indicators", "quality", "publication"} <= groups
    staged = graph.get(dg.AssetKey("staged_leerwinkel"))
    assert staged.partitions_def.get_partition_keys() == ["brussel", "genk", "mechelen", "gent", "west_vlaanderen", "leuven", "netwerk"]


def test_whole_graph_with_dg_materialize_and_second_run_gives_identical_tables(tmp_path):
    resources = build_resources(
        sources=str(SAMPLES / "landing"), database_url=f"sqlite:///{tmp_path / 'wh.sqlite'}", as_of=AS_OF,
        staging_dir=str(tmp_path / "staging"), publication_dir=str(tmp_path / "pub"),
    )
    staged = [a for a in ALL_ASSETS if dg.AssetKey("staged_leerwinkel") in a.keys]
    snapshots = []
    for _ in range(2):
        for partition in staged[0].partitions_def.get_partition_keys():
            assert dg.materialize(staged, partition_key=partition, resources=resources).success
        result = dg.materialize(
            [*ALL_ASSETS, *ALL_CHECKS], resources=resources,
            selection=dg.AssetSelection.all() - dg.AssetSelection.assets("staged_leerwinkel"),
        )
        assert result.success
        assert all(e.passed for e in result.get_asset_check_evaluations() if e.severity == dg.AssetCheckSeverity.ERROR)
        snapshots.append(_stable(read_warehouse(f"sqlite:///{tmp_path / 'wh.sqlite'}")))
    first, second = snapshots
    assert first.keys() == second.keys() and len(first) >= 18
    for name in first:
        assert_frame_equal(first[name], second[name], check_row_order=True), name


class CrashingWarehouse(Warehouse):
    """A warehouse whose connection drops after writing two tables of the run."""

    def _insert(self, conn, table, df):
        written = getattr(self, "_written_count", 0)
        object.__setattr__(self, "_written_count", written + 1)
        if written == 2:
            raise RuntimeError("connection lost while writing")
        return super()._insert(conn, table, df)


def test_a_run_that_fails_half_way_leaves_the_previous_tables(tmp_path, sample_run, after_sample_run):
    url = f"sqlite:///{tmp_path / 'warehouse.sqlite'}"  # the first run: the clean sample run, copied
    assert sample_run.result.success
    before = _stable(read_warehouse(url))
    resources = build_resources(
        sources=str(SAMPLES / "landing"), database_url=url, as_of="2026-12-31",
        staging_dir=str(tmp_path / "staging"), publication_dir=str(tmp_path / "publication"),
    )
    resources["warehouse"] = CrashingWarehouse(url=url)
    second = consolidate(resources=resources)
    assert not second.success and "connection lost" in second.error
    after = _stable(read_warehouse(url))
    assert after.keys() == before.keys()
    for name in before:
        assert_frame_equal(before[name], after[name]), name


def test_a_run_that_fails_before_publishing_leaves_the_previous_tables(tmp_path, monkeypatch, after_sample_run):
    url = f"sqlite:///{tmp_path / 'warehouse.sqlite'}"  # the first run: the clean sample run, copied
    before = _stable(read_warehouse(url))
    broken = tmp_path / "parameters.yaml"
    broken.write_text("version: '1'\nproxies: {}\n", encoding="utf-8")
    monkeypatch.setenv("LEERWINKELS_SROI_PARAMETERS", str(broken))
    second, _ = _run(tmp_path)
    assert not second.success and "parameters.yaml" in second.error
    after = _stable(read_warehouse(url))
    for name in before:
        assert_frame_equal(before[name], after[name]), name


def test_landing_folder_without_leuven_consolidates_the_other_five(tmp_path, sample_landing):
    shutil.rmtree(sample_landing / "leuven")
    result, url = _run(tmp_path, landing=sample_landing)
    # DELIVERIES.md: a missing delivery is not a success (the CLI exits 3), even without last good data
    assert result.success and set(result.failed_partitions) == {"leuven"}
    assert "missing" in result.failed_partitions["leuven"] and "folder missing" in result.failed_partitions["leuven"]
    tables = read_warehouse(url)
    assert set(tables["trajectories"]["leerwinkel"].unique()) == {"brussel", "genk", "mechelen", "gent", "west_vlaanderen"}
    leuven = tables["dq_deliveries"].filter(pl.col("leerwinkel") == "leuven")
    assert leuven.height == 1 and leuven["missing"].all() and leuven["state"][0] == "missing"
    assert "folder missing" in leuven["message"][0] and "no earlier data to fall back on" in leuven["stale_reason"][0]
    # Leuven's rows are still in the indicator grid, with zeros
    reach = tables["ind_reach"].filter(pl.col("leerwinkel") == "leuven")
    assert reach.height > 0 and reach["new_trajectories"].sum() == 0


def test_two_deliveries_the_newest_is_used_and_the_older_named_as_ignored(tmp_path, sample_landing):
    current = sample_landing / "genk" / "klanten_20261120.csv"
    older = sample_landing / "genk" / "klanten_20261020.csv"
    # the older delivery has a single trajectory: if it were used, Genk would shrink to one
    lines = current.read_bytes().split(b"\r\n")
    older.write_bytes(b"\r\n".join(lines[:2]) + b"\r\n")
    past = time.time() - 30 * 86400
    os.utime(older, (past, past))
    result, url = _run(tmp_path, landing=sample_landing)
    tables = read_warehouse(url)
    genk = tables["dq_deliveries"].filter((pl.col("leerwinkel") == "genk") & pl.col("pattern").str.starts_with("klanten"))
    assert dict(zip(genk["file_name"], genk["status"], strict=False)) == {"klanten_20261120.csv": "current", "klanten_20261020.csv": "ignored"}
    assert tables["trajectories"].filter(pl.col("leerwinkel") == "genk").height == 27
    assert "klanten_20261020.csv" not in tables["dq_source_files"]["file_name"].to_list()


def test_the_run_refuses_to_start_without_a_key(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("LEERWINKELS_PSEUDONYM_KEY")
    code = main(["consolidate", "--sources", str(SAMPLES / "landing"), "--database", f"sqlite:///{tmp_path / 'w.sqlite'}"])
    err = capsys.readouterr().err
    assert code == 2
    assert "LEERWINKELS_PSEUDONYM_KEY is not set" in err and "export LEERWINKELS_PSEUDONYM_KEY" in err
    assert not (tmp_path / "w.sqlite").exists()


def test_cli_consolidate_prints_a_summary_and_writes_step_timings(tmp_path, capsys):
    code = main([
        "consolidate", "--sources", str(SAMPLES / "landing"), "--database", f"sqlite:///{tmp_path / 'w.sqlite'}",
        "--as-of", AS_OF, "--staging", str(tmp_path / "s"), "--publication", str(tmp_path / "p"),
        "--timings", str(tmp_path / "timings.json"),
    ])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "brussel" in out.out and "quarantined" in out.out and "w.sqlite" in out.out
    assert "trajectories: 169, distinct clients: 163" in out.out
    assert "Traceback" not in out.out + out.err
    # one run per Leerwinkel partition and one downstream run, timed from Dagster's step events
    timings = json.loads((tmp_path / "timings.json").read_text())
    assert [r["partition"] for r in timings["runs"]] == [*PARTITIONS, None]
    assert all(r["seconds"] > 0 for r in timings["runs"])
    ingest = [s for s in timings["steps"] if s["step"] == "staged_leerwinkel"]
    assert sorted(s["partition"] for s in ingest) == sorted(PARTITIONS)
    steps = {s["step"] for s in timings["steps"]}
    assert {"network_model", "ind_reach", "warehouse_tables", "publication_export", "no_personal_data_model"} <= steps
    assert all(s["success"] and s["seconds"] >= 0 for s in timings["steps"])


def test_cli_rejects_a_bad_as_of_date(capsys):
    assert main(["consolidate", "--sources", str(SAMPLES / "landing"), "--as-of", "26/11/2026"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err
