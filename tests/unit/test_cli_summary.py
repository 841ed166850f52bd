"""The end-of-run summary (run/summary.py) as pure functions over the quality tables."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from leerwinkels.run.summary import (
    FAILURE,
    SUCCESS,
    WARNINGS,
    CheckOutcome,
    check_lines,
    failed_checks,
    leerwinkel_table,
    verdict,
)

FILES = pl.DataFrame({
    "leerwinkel": ["brussel", "brussel", "mechelen"],
    "file_name": ["b.xlsx", "b.xlsx", "m.xlsx"],
    "sheet": ["Contacten", "Dossiers", "2023"],
    "rows_read": [1000, 400, 56],
    "rows_loaded": [960, 379, 48],
    "rows_quarantined": [40, 21, 7],
    "rows_duplicate": [0, 0, 1],
})


def _deliveries(*rows: dict) -> pl.DataFrame:
    base = {"pattern": "*.xlsx", "file_name": "x.xlsx", "status": "current", "message": None, "state": "current",
            "missing": False, "older_than_limit": False, "freshness_limit_days": 35, "stale": False,
            "stale_reason": None, "state_reason": None, "data_staged_at": datetime(2026, 11, 2, 8, 0)}
    return pl.DataFrame([{**base, **row} for row in rows])


def _warn(name: str, asset: str, **metadata) -> CheckOutcome:
    return CheckOutcome(asset=asset, name=name, passed=False, severity="WARN", metadata=metadata)


def test_a_sheet_over_the_limit_is_named_though_its_leerwinkel_total_is_under_it():
    # Brussel: 61 of 1400 = 4.4 % in total, its Dossiers sheet 5.25 %
    lines = check_lines([_warn("quarantine_share_within_limit", "dq_source_files", limit=0.05)], {"dq_source_files": FILES})
    assert len(lines) == 2
    assert lines[0].startswith("WARN ") and "brussel: b.xlsx [Dossiers]: 21 of 400 rows quarantined (5.2 %" in lines[0]
    assert "mechelen: m.xlsx [2023]: 7 of 56 rows quarantined (12.5 %" in lines[1]
    table = leerwinkel_table(FILES, None)
    assert "61 (4.4 %)" in table[1] and table[1].rstrip().endswith("new")


def test_stale_and_held_leerwinkels_are_marked_with_the_date_of_their_data():
    deliveries = _deliveries(
        {"leerwinkel": "brussel", "state": "held", "stale": True, "stale_reason": "b.xlsx held: 10 trajectories"},
        {"leerwinkel": "mechelen"},
        {"leerwinkel": "genk", "state": "missing", "missing": True, "stale": True, "file_name": None,
         "stale_reason": "no file matches", "data_staged_at": None},
    )
    table = "\n".join(leerwinkel_table(FILES, deliveries))
    assert "STALE (held), data of 2026-11-02" in table
    assert "genk" in table and "STALE (missing), no data" in table
    assert [line for line in table.splitlines() if line.startswith("mechelen")][0].endswith("new")
    lines = check_lines([_warn("deliveries_fresh", "dq_deliveries"), _warn("no_held_deliveries", "dq_deliveries")],
                        {"dq_deliveries": deliveries})
    assert any("deliveries_fresh" in line and "brussel: held, on its last good data: b.xlsx held" in line for line in lines)
    assert any("no_held_deliveries" in line and "leerwinkels accept" in line for line in lines)


def test_unmapped_labels_sroi_gaps_and_unknown_checks_get_one_line_each():
    unmapped = pl.DataFrame({"leerwinkel": ["leuven"], "column": ["labour_status"], "value": ["z…(12)"], "rows": [2],
                             "rows_at": ["Dossiers!139, Dossiers!202"]})
    sroi = pl.DataFrame({"leerwinkel": ["all", "genk"], "year": [2025, 2025], "cost_complete": [False, False]})
    failed = [_warn("no_unmapped_labels", "dq_unmapped_values"), _warn("sroi_costs_complete", "ind_sroi"),
              _warn("revisions_within_limit", "dq_revisions", above_limit=3, limit=0.05)]
    lines = check_lines(failed, {"dq_unmapped_values": unmapped, "ind_sroi": sroi})
    assert lines == [
        "WARN  no_unmapped_labels (dq_unmapped_values): leuven: labour_status label 'z…(12)' not in sources/leuven.yaml, "
        "2 row(s) at Dossiers!139, Dossiers!202",
        "WARN  sroi_costs_complete (ind_sroi): genk: no cost row for 2025 in the cost file (its SROI ratio is empty)",
        "WARN  revisions_within_limit (dq_revisions): above_limit 3, limit 0.05",
    ]


def test_the_verdict_and_the_order_of_failed_checks():
    blocking = CheckOutcome("dq_source_files", "accounting_adds_up", False, "ERROR")
    warn = _warn("no_unmapped_labels", "dq_unmapped_values")
    passed = CheckOutcome("ind_sroi", "sroi_costs_complete", True, "WARN")
    assert failed_checks([warn, passed, blocking]) == [blocking, warn]
    assert verdict(True, [], {}) == SUCCESS
    assert verdict(True, [warn], {}) == WARNINGS
    assert verdict(True, [], {"genk": "genk: missing"}) == WARNINGS
    assert verdict(True, [blocking], {}) == FAILURE
    assert verdict(False, [], {}) == FAILURE


def _scorecard_row(leerwinkel: str, run_id: str, measured_at: datetime, **values) -> dict:
    from leerwinkels.quality.scorecard import scorecard_columns

    return {**dict.fromkeys(scorecard_columns()), "leerwinkel": leerwinkel, "run_id": run_id, "measured_at": measured_at, **values}


def test_a_leerwinkel_in_red_gets_one_line_per_red_measure_with_its_counts_and_limit():
    earlier = datetime(2026, 11, 12, 8, 0)
    now = datetime(2026, 11, 26, 8, 0)
    card = pl.DataFrame([
        # an earlier run in red on quarantine: history, not this run's finding
        _scorecard_row("west_vlaanderen", "r1", earlier, quarantine_share=0.2, quarantine_share_status="red"),
        _scorecard_row("west_vlaanderen", "r2", now, late_contacts_share=13 / 38, late_contacts_share_status="red",
                       late_contacts=13, judged_contacts=38, missing_gender=0.25, missing_gender_status="red", trajectories=400,
                       unmapped_labels=5, unmapped_labels_status="red", late_closings_share=0.0, late_closings_share_status="green"),
        _scorecard_row("gent", "r2", now, forgotten_dossiers_share=0.5, forgotten_dossiers_share_status="red",
                       forgotten_dossiers=2, open_trajectories=4),
    ], infer_schema_length=None)
    lines = check_lines([_warn("scorecard_not_red_west_vlaanderen", "dq_scorecard", red_measures=3)], {"dq_scorecard": card})
    assert lines == [
        "WARN  scorecard_not_red_west_vlaanderen (dq_scorecard): west_vlaanderen: missing_gender 25.0 % of 400 trajectories "
        "red, above 5.0 %; its fix list: feedback/west_vlaanderen.xlsx",
        "WARN  scorecard_not_red_west_vlaanderen (dq_scorecard): west_vlaanderen: unmapped_labels 5 label(s) red, above 3; "
        "its fix list: feedback/west_vlaanderen.xlsx",
        "WARN  scorecard_not_red_west_vlaanderen (dq_scorecard): west_vlaanderen: late_contacts_share 34.2 % (13 of 38 contacts "
        "judged) red, above 15.0 %; its fix list: feedback/west_vlaanderen.xlsx",
    ]
    # without the scorecard table the check's numbers still say something
    assert check_lines([_warn("scorecard_not_red_gent", "dq_scorecard", red_measures=1)], {}) == [
        "WARN  scorecard_not_red_gent (dq_scorecard): red_measures 1"]
