"""dq_scorecard on hand-built deliveries: each measure counted by hand (a field missing in 3 of
10 rows; a contact that first appears two deliveries after its date; an open dossier idle for
200 days), the first-seen ledger across deliveries, and the limits of late and idle."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest

from leerwinkels.contract.tables import BY_NAME
from leerwinkels.ingest.source_specs import LEERWINKELS, all_specs
from leerwinkels.quality import first_seen
from leerwinkels.quality.scorecard import build_scorecard, delivered_fields, forgotten_dossiers, network_median, with_history
from leerwinkels.quality.targets import DEFAULT_TARGETS, load_targets
from tests.factories import frame, trajectories, trajectory

AS_OF = date(2026, 6, 30)
TARGETS = load_targets(DEFAULT_TARGETS)
CONTACTS = BY_NAME["contacts"].schema
FIELDS = {code: delivered_fields(spec) for code, spec in all_specs().items() if code in LEERWINKELS}
SOURCE_FILES = BY_NAME["dq_source_files"].schema
UNMAPPED = BY_NAME["dq_unmapped_values"].schema


def contacts(*rows):
    return frame([dict(zip(CONTACTS, r, strict=False)) for r in rows], CONTACTS)


def places(rows):
    return pl.DataFrame(rows, schema={"trajectory_key": pl.String, "national_number_valid": pl.Boolean}, orient="row")


def source_files(code, read, quarantined, duplicate):
    row = dict.fromkeys(SOURCE_FILES)
    row.update(leerwinkel=code, file_name="f.csv", sheet="", rows_read=read, rows_quarantined=quarantined, rows_duplicate=duplicate)
    return frame([row], SOURCE_FILES)


def scorecard(trajs, conts=None, place=None, ledger=None, files=None, unmapped=None):
    return build_scorecard(
        trajs, conts if conts is not None else contacts(), place if place is not None else places([]),
        ledger if ledger is not None else first_seen.empty_ledger().with_columns(pl.lit("x").alias("leerwinkel")),
        files if files is not None else pl.DataFrame(schema=SOURCE_FILES), unmapped if unmapped is not None else pl.DataFrame(schema=UNMAPPED),
        FIELDS, TARGETS, as_of=AS_OF, run_id="run-1", measured_at=datetime(2026, 6, 30, tzinfo=UTC),
    )


def genk(card: pl.DataFrame) -> dict:
    return card.filter(pl.col("leerwinkel") == "genk").row(0, named=True)


def test_a_field_missing_in_3_of_10_rows_is_a_share_of_0_3():
    rows = [trajectory(f"t{i}", f"c{i}", "genk", date(2026, 1, 1), date(2026, 2, 1), gender="unknown" if i < 3 else "female",
                       postcode=None if i == 9 else "3600") for i in range(10)]
    card = scorecard(trajectories(*rows))
    row = genk(card)
    assert row["trajectories"] == 10
    assert row["missing_gender"] == pytest.approx(0.3) and row["missing_gender_status"] == "red"
    assert row["missing_postcode"] == pytest.approx(0.1) and row["missing_postcode_status"] == "orange"
    assert row["missing_education_level"] == 0.0 and row["missing_education_level_status"] == "green"
    assert row["status"] == "red"
    # every Leerwinkel has a row, also one without data (nothing to divide by: no value, no status)
    assert card.get_column("leerwinkel").to_list() == sorted(LEERWINKELS)
    assert genk(card)["run_id"] == "run-1" and card.columns == BY_NAME["dq_scorecard"].column_names
    empty = card.filter(pl.col("leerwinkel") == "brussel").row(0, named=True)
    assert empty["missing_gender"] is None and empty["missing_gender_status"] is None and empty["status"] == "green"


def test_a_field_the_source_does_not_deliver_is_not_judged():
    # Mechelen has no national number column and no postcode column (only the municipality)
    assert "national_number" not in FIELDS["mechelen"] and "municipality" in FIELDS["mechelen"]
    rows = [trajectory(f"m{i}", f"c{i}", "mechelen", date(2026, 1, 1), date(2026, 2, 1)) for i in range(4)]
    row = scorecard(trajectories(*rows)).filter(pl.col("leerwinkel") == "mechelen").row(0, named=True)
    assert row["missing_national_number"] is None and row["missing_national_number_status"] is None
    assert row["missing_postcode"] == 0.0


def test_national_number_share_counts_the_trajectories_without_a_valid_one():
    rows = [trajectory(f"t{i}", f"c{i}", "genk", date(2026, 1, 1), date(2026, 2, 1)) for i in range(4)]
    place = places([("t0", True), ("t1", False), ("t2", True), ("t3", False)])
    assert genk(scorecard(trajectories(*rows), place=place))["missing_national_number"] == pytest.approx(0.5)


def test_quarantine_duplicate_and_unmapped_from_the_quality_tables():
    rows = [trajectory("t0", "c0", "genk", date(2026, 1, 1), date(2026, 2, 1))]
    unmapped = frame([{"leerwinkel": "genk", "column": "gender", "value": "Q", "rows": 3, "rows_at": "x"},
                      {"leerwinkel": "genk", "column": "dutch_level", "value": "Z", "rows": 4, "rows_at": "x"}], UNMAPPED)
    row = genk(scorecard(trajectories(*rows), files=source_files("genk", 200, 4, 2), unmapped=unmapped))
    assert (row["rows_read"], row["rows_quarantined"], row["rows_duplicate"]) == (200, 4, 2)
    assert row["quarantine_share"] == pytest.approx(0.02) and row["quarantine_share_status"] == "orange"
    assert row["duplicate_share"] == pytest.approx(0.01) and row["duplicate_share_status"] == "green"  # at the limit: green
    assert row["unmapped_labels"] == 2 and row["unmapped_labels_status"] == "orange"


def _ledger_after(deliveries: list[tuple[date, pl.DataFrame, pl.DataFrame]]) -> pl.DataFrame:
    ledger = None
    for delivered_on, trajs, conts in deliveries:
        ledger = first_seen.updated_ledger(first_seen.delivered_events(trajs, conts), ledger, delivered_on)
    assert ledger is not None
    return ledger


def test_a_contact_first_delivered_two_deliveries_after_its_date_is_late():
    traj = trajectories(trajectory("t0", "c0", "genk", date(2025, 12, 1)))
    early = contacts(("t0", date(2025, 12, 1), "intake", 60.0))
    late_contact = ("t0", date(2026, 1, 10), "conversation", 30.0)
    timely_contact = ("t0", date(2026, 2, 20), "phone", 10.0)
    both = contacts(("t0", date(2025, 12, 1), "intake", 60.0), late_contact, timely_contact)
    ledger = _ledger_after([
        (date(2026, 1, 5), traj, early),       # first delivery: the baseline (not judged)
        (date(2026, 2, 5), traj, early),       # second: the contact of 10 January is not in it
        (date(2026, 3, 5), traj, both),        # third: it appears, 54 days after its date
    ])
    by_date = {r["event_date"]: r for r in ledger.iter_rows(named=True)}
    assert by_date[date(2025, 12, 1)]["baseline"] and by_date[date(2025, 12, 1)]["first_delivered"] == date(2026, 1, 5)
    assert by_date[date(2026, 1, 10)]["first_delivered"] == date(2026, 3, 5) and not by_date[date(2026, 1, 10)]["baseline"]
    row = genk(scorecard(traj, both, ledger=ledger.with_columns(pl.lit("genk").alias("leerwinkel"))))
    assert (row["judged_contacts"], row["late_contacts"]) == (2, 1)
    assert row["late_contacts_share"] == pytest.approx(0.5) and row["late_contacts_share_status"] == "red"


@pytest.mark.parametrize(("days_before", "late"), [(30, False), (31, True)])
def test_late_means_more_than_late_days_before_the_first_delivery(days_before, late):
    delivered = date(2026, 3, 1)
    traj = trajectories(trajectory("t0", "c0", "genk", date(2025, 1, 1)))
    contact = contacts(("t0", delivered - timedelta(days=days_before), "phone", 5.0))
    ledger = _ledger_after([(date(2026, 1, 1), traj, contacts()), (delivered, traj, contact)])
    assert ledger.select(first_seen.late_expr(30)).item() is late


def test_a_closing_first_delivered_late_is_counted_and_two_equal_contacts_are_two_rows():
    open_traj = trajectories(trajectory("t0", "c0", "genk", date(2025, 1, 1)))
    closed_traj = trajectories(trajectory("t0", "c0", "genk", date(2025, 1, 1), closed=date(2025, 11, 1)))
    twice = contacts(("t0", date(2025, 1, 1), "intake", 1.0), ("t0", date(2025, 1, 1), "intake", 1.0))
    ledger = _ledger_after([(date(2025, 12, 1), open_traj, twice.head(1)), (date(2026, 1, 2), closed_traj, twice)])
    assert ledger.filter(pl.col("kind") == "contact").get_column("occurrence").to_list() == [0, 1]
    row = genk(scorecard(closed_traj, twice, ledger=ledger.with_columns(pl.lit("genk").alias("leerwinkel"))))
    assert (row["judged_closings"], row["late_closings"], row["late_closings_share"]) == (1, 1, 1.0)
    # the second, equal contact is new in the second delivery: judged, and late
    assert (row["judged_contacts"], row["late_contacts"]) == (1, 1)


def test_an_open_dossier_idle_for_200_days_is_forgotten():
    trajs = trajectories(
        trajectory("idle", "c0", "genk", AS_OF - timedelta(days=300)),
        trajectory("busy", "c1", "genk", AS_OF - timedelta(days=300)),
        trajectory("closed", "c2", "genk", AS_OF - timedelta(days=400), closed=AS_OF - timedelta(days=300)),
        trajectory("edge", "c3", "genk", AS_OF - timedelta(days=180)),  # exactly idle_days: not yet
    )
    conts = contacts(("idle", AS_OF - timedelta(days=200), "phone", 5.0), ("busy", AS_OF - timedelta(days=10), "phone", 5.0))
    forgotten = forgotten_dossiers(trajs, conts, AS_OF, 180)
    assert forgotten.get_column("trajectory_key").to_list() == ["idle"] and forgotten.get_column("days_idle").to_list() == [200]
    row = genk(scorecard(trajs, conts))
    assert (row["open_trajectories"], row["forgotten_dossiers"]) == (3, 1)
    assert row["forgotten_dossiers_share"] == pytest.approx(1 / 3) and row["forgotten_dossiers_share_status"] == "red"


def test_history_keeps_earlier_runs_and_a_repeated_run_replaces_its_own_rows():
    rows = [trajectory("t0", "c0", "genk", date(2026, 1, 1), date(2026, 2, 1))]
    first = scorecard(trajectories(*rows))
    second = first.with_columns(pl.lit("run-2").alias("run_id"), pl.lit(datetime(2026, 7, 1, tzinfo=UTC)).alias("measured_at"))
    history = with_history(first, second)
    assert history.height == 12 and history.group_by("run_id").len().height == 2
    assert with_history(history, second).height == 12


def test_network_median_over_the_leerwinkels_with_a_value():
    rows = [trajectory(f"{lw}{i}", "c", lw, date(2026, 1, 1), date(2026, 2, 1), gender="unknown" if i < k else "male")
            for lw, k in (("genk", 1), ("gent", 2), ("leuven", 4)) for i in range(4)]
    medians = network_median(scorecard(trajectories(*rows)))
    assert medians["missing_gender"] == pytest.approx(0.5)


def test_occurrence_numbers_equal_rows_in_row_order_as_a_window_over_all_rows_would():
    from leerwinkels.quality.first_seen import with_occurrence

    keys = ["kind", "trajectory_key", "event_date", "contact_type"]
    d1, d2 = date(2026, 1, 5), date(2026, 2, 5)
    events = pl.DataFrame({
        "kind": ["contact", "contact", "closing", "contact", "contact", "contact", "contact"],
        "trajectory_key": ["a", "a", "a", "b", "a", "b", "b"],
        "event_date": [d1, d1, d1, d2, d1, d2, None],
        "contact_type": ["phone", "phone", "", None, "visit", None, None],
    })
    got = with_occurrence(events, keys)
    assert got.drop("occurrence").equals(events)  # same rows, same order
    assert got["occurrence"].to_list() == [0, 1, 0, 0, 0, 1, 0]
    expected = events.with_columns(pl.int_range(pl.len()).over(keys).cast(pl.Int64).alias("occurrence"))
    assert got.equals(expected)


@pytest.mark.parametrize("rows", [0, 1, 5])
@pytest.mark.parametrize("key", ["a", None])
def test_occurrence_of_empty_single_and_all_equal_events_with_null_keys_is_the_window_over_all_rows(rows, key):
    from leerwinkels.quality.first_seen import with_occurrence

    events = pl.DataFrame({"k": [key] * rows, "d": [None] * rows, "x": list(range(rows))}, schema={"k": pl.String, "d": pl.Date, "x": pl.Int64})
    got = with_occurrence(events, ["k", "d"])
    assert got.equals(events.with_columns(pl.int_range(pl.len()).over("k", "d").cast(pl.Int64).alias("occurrence")))
    assert got["occurrence"].to_list() == list(range(rows))
