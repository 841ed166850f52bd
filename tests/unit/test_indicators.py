"""Indicator definitions of INDICATORS.md on small hand-made frames."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from leerwinkels.indicators.tables import (
    BREAKDOWN_DIMENSIONS,
    CODE_LISTS,
    LEERWINKELS,
    NETWORK,
    OUTCOME_ANSWERED_COLUMNS,
    OUTCOME_COLUMNS,
    REACH_COLUMNS,
    build_outcomes,
    build_reach,
    build_reach_breakdown,
    build_referrals,
    code_labels,
    codes_with_unknown,
    indicator_years,
)
from tests.factories import (
    events,
    followup,
    followups,
    referrals,
    trajectories,
    trajectory,
)

AS_OF = date(2025, 3, 31)
YEARS = [2023, 2024, 2025]

def cell(df: pl.DataFrame, column: str, **keys):
    """The value of one column in the single row matching the keys."""
    rows = df.filter(**keys)
    assert rows.height == 1, (keys, rows)
    return rows.item(0, column)


# A small network: the cases the definitions turn on.
T = trajectories(
    # open across the 2023/2024 boundary, closed early 2024
    trajectory("t1", "c1", "brussel", date(2023, 11, 2), date(2024, 2, 1), vulnerable=True),
    # the same client at a second Leerwinkel a year later (still open)
    trajectory("t2", "c1", "genk", date(2024, 5, 6), vulnerable=True),
    # another client, open since 2023
    trajectory("t3", "c2", "brussel", date(2023, 3, 1)),
    # closed on 1 January 2024: still active in 2024
    trajectory("t4", "c3", "brussel", date(2023, 6, 1), date(2024, 1, 1), status="stopped"),
)
CE = events(
    ("brussel", "t1", date(2023, 11, 2), 1, 60.0),
    ("brussel", "t1", date(2024, 1, 10), 1, 30.0),
    ("brussel", "t1", date(2024, 1, 20), 1, None),  # duration unknown: a contact, 0 hours
    ("genk", "t2", date(2024, 5, 6), 1, 45.0),
    ("mechelen", "tm", date(2024, 3, 3), 7, None),  # Mechelen: the count, dated at intake
)


def test_indicator_years_from_first_intake_to_as_of_year():
    assert indicator_years(T, AS_OF) == YEARS
    assert indicator_years(trajectories(), AS_OF) == []


def test_reach_grid_has_every_leerwinkel_and_year_with_zero_rows():
    reach = build_reach(T, CE, AS_OF)
    assert reach.columns == REACH_COLUMNS
    assert reach.height == 7 * len(YEARS)
    assert set(reach["leerwinkel"]) == {*LEERWINKELS, NETWORK}
    assert reach.select("leerwinkel", "year").equals(reach.select("leerwinkel", "year").sort("leerwinkel", "year"))
    leuven = reach.filter(leerwinkel="leuven")
    assert leuven.height == 3
    assert leuven.select(pl.col("new_trajectories", "active_trajectories", "clients_reached", "contacts")).sum().row(0) == (0, 0, 0, 0)
    assert leuven["share_vulnerable"].null_count() == 3  # denominator 0 -> null
    assert leuven["guidance_hours"].to_list() == [0.0, 0.0, 0.0]
    for name in REACH_COLUMNS[2:]:
        expected = pl.Float64 if name in ("share_vulnerable", "guidance_hours") else pl.Int64
        assert reach.schema[name] == expected, name
    assert reach.schema["year"] == pl.Int64


def test_active_across_year_boundary_counted_in_both_years_new_only_in_first():
    reach = build_reach(T, CE, AS_OF)
    # brussel: t1 (2023-11 .. 2024-02), t3 (open since 2023), t4 (2023-06 .. 2024-01-01)
    assert cell(reach, "new_trajectories", leerwinkel="brussel", year=2023) == 3
    assert cell(reach, "new_trajectories", leerwinkel="brussel", year=2024) == 0
    assert cell(reach, "active_trajectories", leerwinkel="brussel", year=2023) == 3
    assert cell(reach, "active_trajectories", leerwinkel="brussel", year=2024) == 3  # t4 closed 1 Jan
    assert cell(reach, "active_trajectories", leerwinkel="brussel", year=2025) == 1  # only t3 open
    assert cell(reach, "clients_reached", leerwinkel="brussel", year=2025) == 1


def test_client_at_two_leerwinkels_counts_once_in_network():
    reach = build_reach(T, CE, AS_OF)
    # 2024: c1 active at brussel (t1) and genk (t2), c2 and c3 at brussel
    assert cell(reach, "clients_reached", leerwinkel="brussel", year=2024) == 3
    assert cell(reach, "clients_reached", leerwinkel="genk", year=2024) == 1
    assert cell(reach, "clients_reached", leerwinkel=NETWORK, year=2024) == 3
    # trajectory counts add up
    assert cell(reach, "active_trajectories", leerwinkel=NETWORK, year=2024) == 4
    assert cell(reach, "new_trajectories", leerwinkel=NETWORK, year=2024) == 1
    # new clients: c1 is new at genk in 2024, but in the network only in 2023
    assert cell(reach, "new_clients", leerwinkel="genk", year=2024) == 1
    assert cell(reach, "new_clients", leerwinkel=NETWORK, year=2023) == 3
    assert cell(reach, "new_clients", leerwinkel=NETWORK, year=2024) == 0
    # vulnerable: c1 once in the network
    assert cell(reach, "vulnerable_clients", leerwinkel=NETWORK, year=2024) == 1
    assert cell(reach, "share_vulnerable", leerwinkel=NETWORK, year=2024) == pytest.approx(1 / 3)
    assert cell(reach, "share_vulnerable", leerwinkel="genk", year=2024) == 1.0


def test_network_trajectory_counts_are_the_sum_of_the_leerwinkels():
    reach = build_reach(T, CE, AS_OF)
    sums = (
        reach.filter(pl.col("leerwinkel") != NETWORK)
        .group_by("year")
        .agg(pl.col("new_trajectories", "active_trajectories", "contacts", "guidance_hours").sum())
        .sort("year")
    )
    network = reach.filter(leerwinkel=NETWORK).select(sums.columns).sort("year")
    assert network.equals(sums)


def test_contacts_and_guidance_hours_dated_in_year():
    reach = build_reach(T, CE, AS_OF)
    assert cell(reach, "contacts", leerwinkel="brussel", year=2023) == 1
    assert cell(reach, "guidance_hours", leerwinkel="brussel", year=2023) == 1.0
    assert cell(reach, "contacts", leerwinkel="brussel", year=2024) == 2
    assert cell(reach, "guidance_hours", leerwinkel="brussel", year=2024) == 0.5  # unknown minutes skipped
    assert cell(reach, "contacts", leerwinkel="mechelen", year=2024) == 7
    assert cell(reach, "guidance_hours", leerwinkel="mechelen", year=2024) is None  # contacts without any known duration: unknown, not 0 hours
    assert cell(reach, "contacts", leerwinkel=NETWORK, year=2024) == 10
    assert cell(reach, "guidance_hours", leerwinkel=NETWORK, year=2024) == pytest.approx(1.25)


def test_open_trajectory_is_active_up_to_the_as_of_year_only():
    t = trajectories(trajectory("a", "x", "gent", date(2024, 6, 1), vulnerable=True))
    reach = build_reach(t, events(), date(2026, 1, 15))
    assert reach.filter(leerwinkel="gent")["active_trajectories"].to_list() == [1, 1, 1]
    assert reach["year"].unique().sort().to_list() == [2024, 2025, 2026]


def test_empty_input_gives_empty_tables_with_their_schema():
    empty = trajectories()
    reach = build_reach(empty, events(), AS_OF)
    assert reach.height == 0 and reach.columns == REACH_COLUMNS
    assert reach.schema["new_trajectories"] == pl.Int64
    assert build_reach_breakdown(empty, AS_OF).height == 0
    assert build_referrals(empty, referrals(), AS_OF).height == 0
    out = build_outcomes(empty, followups(), AS_OF)
    assert out.height == 0 and out.columns == OUTCOME_COLUMNS + OUTCOME_ANSWERED_COLUMNS


# --------------------------------------------------------------------------- breakdown


def test_breakdown_full_category_grid_with_unknown_and_zero_rows():
    t = trajectories(
        trajectory("a", "x", "gent", date(2024, 2, 1), gender="male", age_band="16-24"),
        # same client, second new trajectory in the same year: counted once per category
        trajectory("b", "x", "gent", date(2024, 9, 1), gender="male", age_band="25-34"),
        trajectory("c", "y", "gent", date(2024, 3, 1), gender=None, dutch_level="Z9"),
        # new in 2023 only: not in the 2024 breakdown although still open
        trajectory("d", "z", "gent", date(2023, 3, 1), gender="x"),
    )
    b = build_reach_breakdown(t, date(2024, 12, 31))
    categories = sum(len(codes_with_unknown(d)) for d in BREAKDOWN_DIMENSIONS)
    assert b.columns == ["leerwinkel", "year", "dimension", "category", "clients"]
    assert b.height == 7 * 2 * categories
    assert b.schema["clients"] == pl.Int64
    assert b.equals(b.sort("leerwinkel", "year", "dimension", "category"))
    for d in BREAKDOWN_DIMENSIONS:
        cats = b.filter(leerwinkel="leuven", year=2024, dimension=d)["category"].to_list()
        assert sorted(cats) == sorted(codes_with_unknown(d))
    g24 = b.filter(leerwinkel="gent", year=2024)
    assert cell(g24, "clients", dimension="gender", category="male") == 1
    assert cell(g24, "clients", dimension="gender", category="unknown") == 1  # null -> unknown
    assert cell(g24, "clients", dimension="gender", category="x") == 0
    assert cell(g24, "clients", dimension="dutch_level", category="unknown") == 1  # unmapped
    assert cell(g24, "clients", dimension="age_band", category="16-24") == 1
    assert cell(g24, "clients", dimension="age_band", category="25-34") == 2
    # per dimension, each client with a new trajectory counts at least once
    assert g24.filter(dimension="learning_question")["clients"].sum() == 2
    assert cell(b, "clients", leerwinkel="gent", year=2023, dimension="gender", category="x") == 1


def test_breakdown_network_counts_a_client_once():
    t = trajectories(
        trajectory("a", "x", "gent", date(2024, 2, 1)),
        trajectory("b", "x", "leuven", date(2024, 4, 1)),
    )
    b = build_reach_breakdown(t, date(2024, 12, 31))
    assert cell(b, "clients", leerwinkel="gent", year=2024, dimension="gender", category="female") == 1
    assert cell(b, "clients", leerwinkel="leuven", year=2024, dimension="gender", category="female") == 1
    assert cell(b, "clients", leerwinkel=NETWORK, year=2024, dimension="gender", category="female") == 1


# --------------------------------------------------------------------------- referrals


def test_referrals_in_and_out_with_dating_rules():
    t = trajectories(
        trajectory("a", "x", "brussel", date(2023, 5, 1), date(2024, 2, 1), inflow_channel="employment_service"),
        trajectory("b", "y", "brussel", date(2024, 5, 1), inflow_channel="nonsense"),
        trajectory("c", "z", "genk", date(2024, 6, 1), inflow_channel="employment_service"),
    )
    r = referrals(
        ("a", None, "adult_education"),  # no date, closed -> 2024 (closing date)
        ("b", None, "dutch_course"),  # no date, open -> 2024 (intake date)
        ("b", date(2024, 7, 1), "dutch_course"),  # same trajectory, same year: once
        ("c", date(2024, 8, 1), "dutch_course"),
        ("a", date(2023, 6, 1), "mystery"),  # unmapped destination -> unknown
    )
    ref = build_referrals(t, r, date(2024, 12, 31))
    assert ref.columns == ["leerwinkel", "year", "direction", "partner", "trajectories"]
    n_partners = len(codes_with_unknown("inflow_channel")) + len(codes_with_unknown("destination"))
    assert ref.height == 7 * 2 * n_partners
    assert ref.equals(ref.sort("leerwinkel", "year", "direction", "partner"))

    def n(lw, year, direction, partner):
        return cell(ref, "trajectories", leerwinkel=lw, year=year, direction=direction, partner=partner)

    assert n("brussel", 2023, "out", "adult_education") == 0
    assert n("brussel", 2024, "out", "adult_education") == 1
    assert n("brussel", 2024, "out", "dutch_course") == 1
    assert n("brussel", 2023, "out", "unknown") == 1
    assert n(NETWORK, 2024, "out", "dutch_course") == 2  # trajectories add up
    assert n("brussel", 2023, "in", "employment_service") == 1
    assert n("brussel", 2024, "in", "unknown") == 1
    assert n(NETWORK, 2024, "in", "employment_service") == 1
    assert n("leuven", 2024, "in", "self") == 0


# --------------------------------------------------------------------------- outcomes


def test_outcomes_counted_in_closing_year_open_responses_ignored():
    t = trajectories(
        trajectory("a", "x", "leuven", date(2023, 1, 5), date(2023, 12, 20)),
        trajectory("b", "y", "leuven", date(2023, 2, 5), date(2023, 11, 1), status="stopped"),
        trajectory("c", "z", "leuven", date(2023, 3, 5)),  # open
        trajectory("d", "w", "genk", date(2024, 3, 5), date(2024, 6, 1)),
    )
    f = followups(
        # closed in 2023, answered in 2024: counts in 2023
        followup("a", date(2024, 2, 1), training_started="yes", situation="working", qualification=True,
                 insight_labour_market=5, insight_strengths=3, insight_barriers=None, insight_learning=4,
                 satisfaction=8),
        followup("b", date(2023, 12, 1), training_started="enrolled", situation="jobseeker",
                 qualification=False, insight_labour_market=2, insight_strengths=4, satisfaction=6),
        # a response to an open trajectory is not counted
        followup("c", date(2024, 1, 1), training_started="yes", situation="working", qualification=True,
                 insight_labour_market=5, satisfaction=10),
    )
    out = build_outcomes(t, f, date(2024, 12, 31))
    assert out.columns == OUTCOME_COLUMNS + OUTCOME_ANSWERED_COLUMNS
    assert out.height == 7 * 2
    assert out.equals(out.sort("leerwinkel", "year"))
    lv23 = out.filter(leerwinkel="leuven", year=2023).row(0, named=True)
    assert lv23["closed_trajectories"] == 2
    assert lv23["responses"] == 2
    assert lv23["response_rate"] == 1.0
    assert (lv23["training_started"], lv23["training_enrolled"]) == (1, 1)
    assert (lv23["working"], lv23["in_training"], lv23["jobseeker"]) == (1, 0, 1)
    assert lv23["qualification"] == 1
    assert lv23["insight_labour_market"] == 0.5
    assert lv23["insight_strengths"] == 0.5
    assert lv23["insight_barriers"] is None  # nobody answered it
    assert lv23["insight_learning"] == 1.0
    assert lv23["satisfaction_mean"] == 7.0
    lv24 = out.filter(leerwinkel="leuven", year=2024).row(0, named=True)
    assert lv24["closed_trajectories"] == 0 and lv24["responses"] == 0
    assert lv24["response_rate"] is None and lv24["satisfaction_mean"] is None
    genk = out.filter(leerwinkel="genk", year=2024).row(0, named=True)
    assert (genk["closed_trajectories"], genk["responses"], genk["response_rate"]) == (1, 0, 0.0)
    net24 = out.filter(leerwinkel=NETWORK, year=2024).row(0, named=True)
    assert net24["closed_trajectories"] == 1 and net24["working"] == 0
    assert lv23["insight_labour_market_answered"] == 2 and lv23["insight_barriers_answered"] == 0
    assert lv23["satisfaction_answered"] == 2
    for name in OUTCOME_COLUMNS[2:] + OUTCOME_ANSWERED_COLUMNS:
        share = name in ("response_rate", "satisfaction_mean") or (
            name.startswith("insight_") and not name.endswith("_answered")
        )
        assert out.schema[name] == (pl.Float64 if share else pl.Int64), name


def test_outcomes_contract_columns_only_on_request():
    t = trajectories(trajectory("a", "x", "leuven", date(2023, 1, 5), date(2023, 12, 20)))
    f = followups(followup("a", date(2024, 1, 1), insight_learning=4))
    full = build_outcomes(t, f, date(2023, 12, 31))
    contract = build_outcomes(t, f, date(2023, 12, 31), answered_counts=False)
    assert contract.columns == OUTCOME_COLUMNS
    assert contract.equals(full.select(OUTCOME_COLUMNS))
    row = full.filter(leerwinkel="leuven").row(0, named=True)
    assert row["insight_learning_answered"] == 1 and row["satisfaction_answered"] == 0
    assert row["insight_learning"] == 1.0


def test_latest_followup_per_trajectory_counts():
    t = trajectories(trajectory("a", "x", "leuven", date(2023, 1, 5), date(2023, 6, 1)))
    f = followups(
        followup("a", date(2023, 7, 1), situation="jobseeker"),
        followup("a", date(2023, 9, 1), situation="working"),
    )
    row = build_outcomes(t, f, date(2023, 12, 31)).filter(leerwinkel="leuven").row(0, named=True)
    assert (row["responses"], row["working"], row["jobseeker"]) == (1, 1, 0)


# --------------------------------------------------------------------------- code labels


def test_code_labels_cover_every_code_list():
    labels = code_labels()
    assert labels.columns == ["code_list", "code", "label_nl", "label_fr"]
    assert labels.select("code_list", "code").is_duplicated().sum() == 0
    assert labels.null_count().sum_horizontal().item() == 0
    expected_lists = {
        "leerwinkel", "gender", "age_band", "education_level", "dutch_level", "labour_status",
        "inflow_channel", "learning_question", "status", "contact_type", "destination",
        "training_started", "situation",
    }
    assert set(CODE_LISTS) == expected_lists
    for code_list, codes in CODE_LISTS.items():
        listed = labels.filter(code_list=code_list)["code"].to_list()
        extra = [NETWORK] if code_list == "leerwinkel" else []
        assert listed == [*codes, *extra, "unknown"], code_list
        assert cell(labels, "label_nl", code_list=code_list, code="unknown") == "Onbekend"
        assert cell(labels, "label_fr", code_list=code_list, code="unknown") == "Inconnu"
    assert cell(labels, "label_nl", code_list="leerwinkel", code=NETWORK) == "Netwerk"
    assert cell(labels, "label_fr", code_list="leerwinkel", code=NETWORK) == "Réseau"
    assert cell(labels, "label_nl", code_list="labour_status", code="jobseeker") == "Werkzoekend"
    assert cell(labels, "label_fr", code_list="labour_status", code="jobseeker") == "Demandeur d'emploi"
    assert CODE_LISTS["leerwinkel"] == LEERWINKELS
