"""Every asset check on crafted bad input (it fails) and on the samples (it passes, or it
reports exactly the samples' deliberate defects)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from leerwinkels.defs import checks
from leerwinkels.defs.resources import RunSettings
from leerwinkels.defs.resources.staging_store import read_frames

SETTINGS = RunSettings(as_of="2026-11-26", freshness_days=35, quarantine_warn_share=0.05)


@pytest.fixture(scope="session")
def sample_tables(sample_run) -> dict[str, pl.DataFrame]:
    """The model, indicator and quality tables of the samples as the checks see them (staged Parquet)."""
    staging = Path(sample_run.root) / "staging"
    return {name: read_frames(staging / name) for name in {*checks.PERSONAL_SCAN_TABLES, "dq_source_files"}}


def _md(result: dg.AssetCheckResult, key: str = "details") -> str:
    return result.metadata[key].value


# ------------------------------------------------------------------- accounting (blocking)


def test_accounting_adds_up_on_the_samples(sample_tables):
    result = checks.accounting_adds_up(sample_tables["dq_source_files"])
    assert result.passed
    assert result.metadata["files_not_adding_up"].value == 0


def test_accounting_fails_when_a_row_is_lost(sample_tables):
    files = sample_tables["dq_source_files"]
    lost = files.with_columns(
        pl.when(pl.col("file_name") == files["file_name"][0]).then(pl.col("rows_loaded") - 1).otherwise(pl.col("rows_loaded")).alias("rows_loaded")
    )
    result = checks.accounting_adds_up(lost)
    assert not result.passed
    assert result.metadata["files_not_adding_up"].value == lost.filter(pl.col("file_name") == files["file_name"][0]).height
    assert files["file_name"][0] in _md(result)


# ---------------------------------------------------------------- personal data (blocking)


def test_every_scanned_table_has_one_blocking_no_personal_data_check():
    specs = [spec for c in checks.personal_data_checks for spec in c.check_specs]
    assert sorted(spec.asset_key.path[-1] for spec in specs) == sorted(checks.PERSONAL_SCAN_TABLES)
    assert {spec.name for spec in specs} == {"no_personal_data"}
    assert all(spec.blocking for spec in specs)
    # a table scanned in a step must not feed another table of that step (blocking would cycle)
    upstream = {"ind_sroi": {"ind_sroi_inputs"}}
    for c in checks.personal_data_checks:
        scanned = {spec.asset_key.path[-1] for spec in c.check_specs}
        assert not any(upstream.get(t, set()) & scanned for t in scanned), scanned


def test_no_personal_data_in_any_scanned_table_of_the_samples(sample_tables):
    for table in checks.PERSONAL_SCAN_TABLES:
        result = checks.personal_data_result(table, sample_tables[table])
        assert result.passed, (table, result.metadata["columns_with_hits"].value)


@pytest.mark.parametrize(("kind", "value"), [
    ("email", "an.peeters@example.be"),
    ("national_number", "85.07.30-033.28"),
    ("national_number", "85073003328"),
    ("phone", "0470 12 34 56"),
    ("phone", "+32 470 12 34 56"),
    ("phone", "02/123.45.67"),
])
def test_no_personal_data_fails_on_a_personal_value_in_a_text_column(sample_tables, kind, value):
    # e.g. a free-text note that slipped into the quarantine message
    quarantine = sample_tables["dq_quarantine"]
    leaked = quarantine.with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(pl.lit(f"see {value}")).otherwise(pl.col("message")).alias("message")
    )
    result = checks.personal_data_result("dq_quarantine", leaked)
    assert not result.passed
    hits = result.metadata["columns_with_hits"].value
    assert hits.get(f"message:{kind}") == 1
    # the metadata names the column and the kind, never the value
    assert value not in str(result.metadata)


def test_the_hex_pseudonyms_do_not_look_like_personal_data(sample_tables):
    trajectories = sample_tables["trajectories"]
    assert trajectories["client_key"].str.len_chars().min() >= 16
    assert checks.personal_data_result("trajectories", trajectories).passed


# ------------------------------------------------------------------ quarantine share (WARN)


def _files(*rows) -> pl.DataFrame:
    return pl.DataFrame(
        [dict(zip(("leerwinkel", "file_name", "sheet", "rows_read", "rows_loaded", "rows_quarantined", "rows_duplicate"), r, strict=False)) for r in rows],
        schema={"leerwinkel": pl.String, "file_name": pl.String, "sheet": pl.String, "rows_read": pl.Int64,
                "rows_loaded": pl.Int64, "rows_quarantined": pl.Int64, "rows_duplicate": pl.Int64},
    )


def test_quarantine_share_fails_for_a_file_over_the_limit():
    files = _files(("gent", "ok.csv", None, 100, 99, 1, 0), ("genk", "bad.csv", None, 20, 17, 3, 0), ("genk", "empty.csv", None, 0, 0, 0, 0))
    result = checks.quarantine_share_within_limit(dq_source_files=files, settings=SETTINGS)
    assert not result.passed and result.severity == dg.AssetCheckSeverity.WARN
    assert result.metadata["files_over_limit"].value == 1
    assert result.metadata["max_share"].value == pytest.approx(0.15)
    assert "bad.csv" in _md(result) and "ok.csv" not in _md(result)


def test_quarantine_share_on_the_samples(sample_tables):
    files = sample_tables["dq_source_files"]
    shares = files.filter(pl.col("rows_read") > 0).with_columns((pl.col("rows_quarantined") / pl.col("rows_read")).alias("share"))
    # passes with a limit at the samples' highest share ...
    relaxed = RunSettings(as_of=SETTINGS.as_of, quarantine_warn_share=float(shares["share"].max()))
    assert checks.quarantine_share_within_limit(dq_source_files=files, settings=relaxed).passed
    # ... and at the default 5% it names exactly the sample files with deliberate defects above 5%
    result = checks.quarantine_share_within_limit(dq_source_files=files, settings=SETTINGS)
    over = shares.filter(pl.col("share") > 0.05)
    assert not result.passed and result.metadata["files_over_limit"].value == over.height > 0
    assert all(name in _md(result) for name in over["file_name"])
    # a file within the limit passes on its own
    within = shares.filter(pl.col("share") <= 0.05).drop("share")
    assert within.height and checks.quarantine_share_within_limit(dq_source_files=within, settings=SETTINGS).passed


# ----------------------------------------------------------------- delivery freshness (WARN)


def test_deliveries_fresh_on_the_samples(sample_tables):
    result = checks.deliveries_fresh(dq_deliveries=sample_tables["dq_deliveries"], settings=SETTINGS)
    assert result.passed, _md(result)


@pytest.mark.parametrize("problem", ["stale", "missing", "older_than_limit"])
def test_deliveries_fresh_fails_on_a_stale_missing_or_old_delivery(sample_tables, problem):
    deliveries = sample_tables["dq_deliveries"]
    brussel = pl.col("leerwinkel") == "brussel"
    if problem == "stale":
        reason = "Leerwinkel_Brussel_2026-12-01.xlsx: not a readable Excel file; using the last good data"
        bad = deliveries.with_columns(pl.when(brussel).then(True).otherwise(pl.col("stale")).alias("stale"),
                                      pl.when(brussel).then(pl.lit(reason)).otherwise(pl.col("stale_reason")).alias("stale_reason"))
    elif problem == "missing":
        bad = deliveries.with_columns(pl.when(brussel).then(True).otherwise(pl.col("missing")).alias("missing"),
                                      pl.when(brussel).then(pl.lit("missing")).otherwise(pl.col("status")).alias("status"))
    else:
        bad = deliveries.with_columns(pl.when(brussel).then(True).otherwise(pl.col("older_than_limit")).alias("older_than_limit"),
                                      pl.when(brussel).then(pl.lit(datetime(2026, 9, 1))).otherwise(pl.col("modified_time")).alias("modified_time"))
    result = checks.deliveries_fresh(dq_deliveries=bad, settings=SETTINGS)
    assert not result.passed and result.severity == dg.AssetCheckSeverity.WARN
    assert result.metadata["problems"].value == deliveries.filter(brussel).height
    assert "brussel" in _md(result)
    if problem == "stale":
        assert "not a readable Excel file" in _md(result)


# ------------------------------------------------------------------- unmapped labels (WARN)


def test_no_unmapped_labels_passes_when_every_label_is_mapped(sample_tables):
    assert checks.no_unmapped_labels(sample_tables["dq_unmapped_values"].clear()).passed


def test_no_unmapped_labels_reports_the_samples_deliberate_label(sample_tables, expected):
    result = checks.no_unmapped_labels(sample_tables["dq_unmapped_values"])
    assert not result.passed and result.severity == dg.AssetCheckSeverity.WARN
    assert result.metadata["labels"].value == len(expected["unmapped"])
    for key in expected["unmapped"]:
        leerwinkel, column, value = key.split("|")
        # the samples' label occurs in one row: shown masked, with the row where it is
        from leerwinkels.privacy.shown_values import mask_label

        assert leerwinkel in _md(result) and column in _md(result) and mask_label(value) in _md(result)
        assert value not in _md(result)


def test_no_unmapped_labels_fails_on_a_new_label():
    new = pl.DataFrame({"leerwinkel": ["gent"], "column": ["inflow_channel"], "value": ["Via de buurvrouw"], "rows": [2]})
    result = checks.no_unmapped_labels(new)
    assert not result.passed and result.metadata["labels"].value == 1
    assert "Via de buurvrouw" in _md(result)


# ------------------------------------------- a failing blocking check stops what follows


def test_a_failing_blocking_check_stops_the_downstream_assets(sample_tables):
    files = sample_tables["dq_source_files"]
    lost = files.with_columns((pl.col("rows_loaded") - 1).alias("rows_loaded"))

    @dg.asset(name="dq_source_files")
    def crafted_source_files() -> pl.DataFrame:
        return lost

    @dg.asset(deps=["dq_source_files"])
    def published() -> None:
        raise AssertionError("must not run after a failed blocking check")

    result = dg.materialize([crafted_source_files, published, checks.accounting_adds_up],
                            resources={"io_manager": dg.InMemoryIOManager()}, raise_on_error=False)
    assert not result.success
    (evaluation,) = result.get_asset_check_evaluations()
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR
    assert dg.AssetKey("published") not in {m.asset_key for m in result.get_asset_materialization_events()}
