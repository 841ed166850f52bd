"""Issue 20 in Dagster: the scorecard asset, the feedback frames and a WARN check per Leerwinkel in red."""

from __future__ import annotations

from datetime import UTC, date, datetime

import dagster as dg
import polars as pl

from leerwinkels.contract.tables import BY_NAME
from leerwinkels.definitions import ALL_ASSETS, ALL_CHECKS
from leerwinkels.defs.assets.quality import completeness_percent, scorecard_metadata, scorecard_red_checks
from leerwinkels.ingest.source_specs import LEERWINKELS
from leerwinkels.quality import first_seen
from leerwinkels.quality.scorecard import build_scorecard
from leerwinkels.quality.targets import DEFAULT_TARGETS, load_targets
from tests.factories import trajectories, trajectory


def _card(run_id: str = "r1") -> pl.DataFrame:
    rows = [trajectory(f"t{i}", f"c{i}", "genk", date(2026, 1, 1), date(2026, 2, 1), gender="unknown" if i < 3 else "male")
            for i in range(10)]
    rows += [trajectory("g0", "c", "gent", date(2026, 1, 1), date(2026, 2, 1))]
    return build_scorecard(
        trajectories(*rows), pl.DataFrame(schema=BY_NAME["contacts"].schema),
        pl.DataFrame(schema={"trajectory_key": pl.String, "national_number_valid": pl.Boolean}),
        first_seen.empty_ledger().with_columns(pl.lit("x").alias("leerwinkel")),
        pl.DataFrame(schema=BY_NAME["dq_source_files"].schema), pl.DataFrame(schema=BY_NAME["dq_unmapped_values"].schema),
        {code: {"gender", "education_level"} for code in LEERWINKELS}, load_targets(DEFAULT_TARGETS),
        as_of=date(2026, 6, 30), run_id=run_id, measured_at=datetime(2026, 6, 30, tzinfo=UTC),
    )


def test_the_scorecard_assets_and_six_warn_checks_are_defined():
    keys = {k.to_user_string() for a in ALL_ASSETS for k in a.keys}
    assert {"dq_scorecard", "dq_feedback", "warehouse/dq_scorecard"} <= keys
    names = {k.name for c in ALL_CHECKS for k in c.check_keys if k.asset_key == dg.AssetKey("dq_scorecard")}
    assert {f"scorecard_not_red_{code}" for code in LEERWINKELS} <= names


def test_the_check_warns_for_a_leerwinkel_in_red_only():
    card = _card()
    by_code = {}
    for check in scorecard_red_checks:
        (key,) = check.check_keys
        by_code[key.name.removeprefix("scorecard_not_red_")] = check(dq_scorecard=card)
    assert not by_code["genk"].passed and by_code["genk"].severity == dg.AssetCheckSeverity.WARN
    assert by_code["genk"].metadata["red_measures"].value == 1
    assert by_code["gent"].passed


def test_the_metadata_plots_completeness_and_quarantine_per_leerwinkel():
    card = _card()
    metadata = scorecard_metadata(card)
    # genk: gender missing in 3 of 10, education complete: 100 - mean(30 %, 0 %)
    assert metadata["completeness_percent_genk"].value == 85.0
    assert metadata["completeness_percent_gent"].value == 100.0
    assert "completeness_percent_brussel" not in metadata  # no trajectories: no point, not a false 100
    assert metadata["status_genk"].value == "red"
    assert completeness_percent(dict.fromkeys(("missing_gender",)) | dict.fromkeys(BY_NAME["dq_scorecard"].column_names)) is None
