"""Leaks found by an adversarial test of the publication (issues 16/17), reproduced on small
hand-built cases:

- A: `ind_sroi_inputs` value / present value were the exact value scaled by published / exact
  count, round(round(c x proxy x f, 2) x p / c, 2): the exact value's cent rounding picks the
  exact count c out of the candidates near the published p;
- B: `ind_sroi` low / central ratio was the exact low / central present value, a fingerprint
  of the exact counts;
- C: an unmeasured follow-through (null) still had a Wilson interval (that of k = n);
- E: the published grade of `evidence_assumptions` was that of the exact n (a published n of
  0 graded "indications" told n >= 1).

The published figures are now computed from the published counts only; the attacks recover
no exact count that the noise changed.
"""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import polars as pl
import pytest

from leerwinkels.contract.code_lists import LEERWINKELS
from leerwinkels.evidence import grading
from leerwinkels.evidence.parameters import load_parameters as load_evidence_parameters
from leerwinkels.indicators.tables import build_outcomes, build_reach, build_reach_breakdown, build_referrals
from leerwinkels.privacy.pseudonymise import Pseudonymiser
from leerwinkels.publication.disclosure import NOISE_MAX, protect
from leerwinkels.publication.value_map import TOTAL_LABELS, value_map_workbook
from leerwinkels.sroi.calculate import build_sroi
from leerwinkels.sroi.parameters import CENT, OUTCOMES, load_parameters
from leerwinkels.sroi.sensitivity import build_sroi_sensitivity
from leerwinkels.sroi.value import outcome_multipliers, present_value_expr, present_values, scenario_variant, value_expr
from tests.factories import events, evidence_tables, followup, followups, referrals, sroi_tables, trajectories, trajectory

KEY = Pseudonymiser(b"unit-test-key-for-the-sroi-leak-0123456789")
YEARS = (2022, 2023, 2024)
OUTCOME = "work_from_other_status"  # the one outcome with a count: a row's ratios then depend on it alone


@pytest.fixture(scope="module")
def params():
    return load_parameters()


def _exact_inputs(params, counts: dict[tuple[str, int], int]) -> pl.DataFrame:
    """`ind_sroi_inputs` as build_sroi_inputs makes it, from counts of OUTCOME per (Leerwinkel, year)."""
    rows = [
        (lw, year, o, counts.get((lw, year), 0) if o == OUTCOME else 0)
        for lw, year in sorted({*counts}) for o in OUTCOMES
    ]
    frame = pl.DataFrame(rows, schema={"leerwinkel": pl.String, "year": pl.Int64, "outcome": pl.String, "count": pl.Int64},
                         orient="row")
    return (
        frame.with_columns(
            proxy_eur=pl.col("outcome").replace_strict({o: float(params.proxy_eur(o).quantize(CENT)) for o in OUTCOMES},
                                                       return_dtype=pl.Float64),
            deadweight=pl.col("outcome").replace_strict({o: params.outcome_rates[o].deadweight.value for o in OUTCOMES},
                                                        return_dtype=pl.Float64),
            attribution=pl.col("outcome").replace_strict({o: params.outcome_rates[o].attribution.value for o in OUTCOMES},
                                                         return_dtype=pl.Float64),
            parameter_version=pl.lit(params.version),
        )
        .join(outcome_multipliers(params), on="outcome", how="left", maintain_order="left")
        .with_columns(value_eur=value_expr(), present_value_eur=present_value_expr())
        .select("leerwinkel", "year", "outcome", "count", "proxy_eur", "deadweight", "attribution", "value_eur",
                "parameter_version", "present_value_eur")
    )


@pytest.fixture(scope="module")
def exact(params) -> dict[str, pl.DataFrame]:
    counts = {(lw, year): 1 + (7 * i + 3 * j) % 14 for i, lw in enumerate(LEERWINKELS) for j, year in enumerate(YEARS)}
    counts |= {("all", year): sum(counts[(lw, year)] for lw in LEERWINKELS) for year in YEARS}
    inputs = _exact_inputs(params, counts)
    costs = pl.DataFrame(
        [(lw, year, 40_000.0 + 1_000 * i, 5_000.0) for i, lw in enumerate(LEERWINKELS) for year in YEARS],
        schema={"leerwinkel": pl.String, "year": pl.Int64, "staff_cost": pl.Float64, "operating_cost": pl.Float64},
        orient="row",
    )
    sroi = build_sroi(inputs, costs, params)
    return {"ind_sroi_inputs": inputs, "ind_sroi": sroi, "ind_sroi_sensitivity": build_sroi_sensitivity(inputs, sroi, params)}


@pytest.fixture(scope="module")
def published(exact) -> dict[str, pl.DataFrame]:
    return protect(exact, KEY)[0]


def _cells(exact, published) -> pl.DataFrame:
    """The perturbed cells of OUTCOME: exact count c, published count p (> 0), published figures."""
    keys = ["leerwinkel", "year", "outcome"]
    cells = exact["ind_sroi_inputs"].select(*keys, c="count", proxy="proxy_eur").join(
        published["ind_sroi_inputs"].select(*keys, p="count", value="value_eur", pv="present_value_eur"), on=keys)
    ratios = published["ind_sroi"].select("leerwinkel", "year", "sroi_ratio", "sroi_ratio_low")
    return cells.filter(pl.col("outcome") == OUTCOME, pl.col("p") > 0, pl.col("c") != pl.col("p")).join(
        ratios, on=["leerwinkel", "year"])


def _candidates(cell: dict, params) -> pl.DataFrame:
    """Every count the published count allows (p - NOISE_MAX .. p + NOISE_MAX, >= 1) with what the
    old protection would have published for it."""
    p = cell["p"]
    central = outcome_multipliers(params).filter(outcome=OUTCOME).row(0, named=True)
    low = outcome_multipliers(params, scenario_variant(params, "low")).filter(outcome=OUTCOME).row(0, named=True)
    frame = pl.DataFrame({"count": list(range(max(1, p - NOISE_MAX), p + NOISE_MAX + 1))})
    money = [
        (pl.col("count") * cell["proxy"] * central["impact_factor"]).round(2, mode="half_away_from_zero").alias("value"),
        (pl.col("count") * cell["proxy"] * central["present_value_factor"]).round(2, mode="half_away_from_zero").alias("pv"),
        (pl.col("count") * cell["proxy"] * low["present_value_factor"]).round(2, mode="half_away_from_zero").alias("pv_low"),
    ]
    return frame.with_columns(money).with_columns(
        # attack A: the exact value scaled by p / c, as `scales_with="count"` published it
        scaled=(pl.col("value") * (p / pl.col("count"))).round(2),
        # attack B: low / central ratio = the exact low / central present value
        fingerprint=pl.col("pv_low") / pl.col("pv"),
    )


def _recovered(cells: pl.DataFrame, params) -> tuple[int, int]:
    """How many exact counts attack A and attack B single out (uniquely and rightly)."""
    a = b = 0
    for cell in cells.iter_rows(named=True):
        cands = _candidates(cell, params)
        by_value = cands.filter(pl.col("scaled") == cell["value"]).get_column("count").to_list()
        a += by_value == [cell["c"]]
        seen = cell["sroi_ratio_low"] / cell["sroi_ratio"]
        by_ratio = cands.filter((pl.col("fingerprint") - seen).abs() < 1e-12 * seen).get_column("count").to_list()
        b += by_ratio == [cell["c"]]
    return a, b


def test_attacks_a_and_b_recover_no_exact_count(params, exact, published):
    """On the old protection (value scaled by published / exact count, ratios by published /
    exact present value) attack A singled out 1 and attack B 8 of these cells' exact counts."""
    cells = _cells(exact, published)
    assert cells.height >= 10
    assert _recovered(cells, params) == (0, 0)


def test_sroi_figures_are_functions_of_the_published_counts(params, exact, published):
    inputs = published["ind_sroi_inputs"]
    again = inputs.join(outcome_multipliers(params), on="outcome", how="left", maintain_order="left").select(
        value_expr().alias("value_eur"), present_value_expr().alias("present_value_eur"))
    assert inputs.select("value_eur", "present_value_eur").equals(again)
    sroi = published["ind_sroi"]
    for scenario, column in (("central", "sroi_ratio"), ("low", "sroi_ratio_low"), ("high", "sroi_ratio_high")):
        pv = present_values(inputs, params, scenario_variant(params, scenario))
        joined = sroi.join(pv, on=["leerwinkel", "year"], suffix="_s")
        assert ((joined[column] - joined["present_value_eur_s"] / joined["cost_eur"]).abs() < 1e-12).all(), column
    # the exact tables are not touched
    assert not inputs["count"].equals(exact["ind_sroi_inputs"]["count"])


def test_published_ratio_is_the_tornados_central_ratio_and_the_value_maps(params, published):
    sroi = published["ind_sroi"].filter(pl.col("cost_eur").is_not_null())
    central = present_values(published["ind_sroi_inputs"], params).join(
        sroi.select("leerwinkel", "year", "cost_eur", "sroi_ratio"), on=["leerwinkel", "year"])
    # the tornado's central point: every parameter at its central value, from the published counts
    assert ((central["present_value_eur"] / central["cost_eur"] - central["sroi_ratio"]).abs() < 1e-12).all()
    tornado = published["ind_sroi_sensitivity"].join(sroi.select("leerwinkel", "year", "sroi_ratio"), on=["leerwinkel", "year"])
    assert tornado.height > 0
    assert (tornado["ratio_low"] <= tornado["sroi_ratio"] + 1e-12).all()
    assert (tornado["sroi_ratio"] <= tornado["ratio_high"] + 1e-12).all()
    wb = openpyxl.load_workbook(io.BytesIO(value_map_workbook(published, params)))
    for year in YEARS:
        rows = {r[0]: r[1] for r in wb[f"Value Map {year}"].iter_rows(values_only=True) if r and r[0]}
        expected = sroi.filter(leerwinkel="all", year=year).row(0, named=True)["sroi_ratio"]
        assert rows[TOTAL_LABELS["sroi_ratio"]] == pytest.approx(expected, rel=1e-12)


# --------------------------------------------------------------------------- evidence (C, E)

AS_OF = date(2025, 12, 31)


@pytest.fixture(scope="module")
def network() -> dict[str, pl.DataFrame]:
    """Few trajectories per Leerwinkel (small counts that the noise can take to 0), some referred
    to an unmeasured destination (welfare) with responses in the window."""
    rows, answers, refs = [], [], []
    for n, lw in enumerate(LEERWINKELS):
        for i in range(2 + n):
            key = f"{lw}{i}"
            rows.append(trajectory(key, f"c{key}", lw, date(2024, 1 + i % 6, 1), date(2024, 7, 1 + i % 20),
                                   labour_status="jobseeker", inflow_channel="welfare" if i % 2 else "self"))
            answers.append(followup(key, date(2024, 12, 1), situation="working" if i % 2 else "in_training",
                                    insight_learning=4 + i % 2))
            refs.append((key, None, "welfare" if i % 2 else "job_mediation"))
    t, f, r = trajectories(*rows), followups(*answers), referrals(*refs)
    ce = events(*[(row["leerwinkel"], row["trajectory_key"], date(2024, 2, 1), 1, 30.0) for row in rows])
    sroi = sroi_tables({lw: 1 + n for n, lw in enumerate(LEERWINKELS)} | {"all": 27})
    return {
        "ind_reach": build_reach(t, ce, AS_OF),
        "ind_reach_breakdown": build_reach_breakdown(t, AS_OF),
        "ind_referrals": build_referrals(t, r, AS_OF),
        "ind_outcomes": build_outcomes(t, f, AS_OF),
        **sroi,
        **evidence_tables(t, f, r, sroi, AS_OF),
    }


@pytest.fixture(scope="module")
def published_network(network) -> dict[str, pl.DataFrame]:
    return protect(network, KEY)[0]


def test_unmeasured_followthrough_has_no_interval(network, published_network):
    exact = network["ind_referral_followthrough"]
    pub = published_network["ind_referral_followthrough"]
    unmeasured = exact["followed_through"].is_null() & (exact["responses_in_window"] > 0)
    assert unmeasured.sum() > 0 and (pub.filter(unmeasured)["responses_in_window"] > 0).sum() > 0
    for c in ("followed_through", "followed_through_share", "followed_through_share_low", "followed_through_share_high"):
        assert pub.filter(pub["followed_through"].is_null())[c].null_count() == int(pub["followed_through"].is_null().sum()), c
        assert pub.filter(unmeasured)[c].is_null().all(), c
    measured = pub.filter(pl.col("followed_through").is_not_null() & (pl.col("responses_in_window") > 0))
    assert measured.height > 0 and measured["followed_through_share_low"].null_count() == 0


def test_published_grade_follows_the_published_figures(network, published_network):
    exact = network["evidence_assumptions"]
    pub = published_network["evidence_assumptions"]
    assert exact["grade"].equals(network["evidence_assumptions"]["grade"])  # the exact table keeps its grade
    counted = pub.filter(pl.col("assumption") != "A4")
    hidden = counted.filter(pl.col("n") == 0)
    # rows whose exact n >= 1 but published n = 0: graded "no data", as any published n = 0
    keys = ["leerwinkel", "year", "assumption", "indicator"]
    was_counted = hidden.join(exact.select(*keys, exact_n="n", exact_grade="grade"), on=keys).filter(pl.col("exact_n") > 0)
    assert was_counted.height > 0 and (was_counted["exact_grade"] != "no data").any()
    assert (hidden["grade"] == "no data").all()
    # registrations: the grade of the published n
    params = load_evidence_parameters()
    a1 = pub.filter(assumption="A1")
    assert a1["grade"].equals(a1.select(grading.registration_grade(params, pl.col("n")).alias("grade"))["grade"])
    # A4: the grade of the published ratios of ind_sroi
    sroi = published_network["ind_sroi"].select("leerwinkel", "year", "sroi_ratio", "sroi_ratio_low", "sroi_ratio_high",
                                                "cost_complete")
    a4 = pub.filter(assumption="A4").join(sroi.with_columns(pl.col("year").cast(pub.schema["year"])), on=["leerwinkel", "year"])
    expected = a4.select(grading.sroi_grade(params, pl.col("sroi_ratio_low"), pl.col("sroi_ratio"), pl.col("sroi_ratio_high"),
                                            pl.col("cost_complete")).alias("grade"))["grade"]
    assert a4.height > 0 and a4["grade"].equals(expected)


def test_the_check_finds_a_ratio_outside_the_tornado(exact, published):
    from leerwinkels.publication.disclosure import protection_problems

    assert protection_problems(exact, published, KEY) == []
    moved = dict(published) | {"ind_sroi": published["ind_sroi"].with_columns(pl.col("sroi_ratio") * 1.5)}
    assert any("tornado" in p for p in protection_problems(exact, moved))


def test_the_three_sroi_rows_of_an_evidence_year_publish_one_n(network, published_network):
    """A4's n (the year's counted outcomes) is one figure on three rows: one noise, else three
    independent noises could be intersected to a narrow range."""
    a4 = published_network["evidence_assumptions"].filter(assumption="A4")
    per_year = a4.group_by("leerwinkel", "year").agg(pl.col("n").n_unique().alias("values"), pl.len().alias("rows"))
    assert (per_year["rows"] == 3).all() and (per_year["values"] == 1).all()
    exact = network["evidence_assumptions"].filter(assumption="A4")
    assert (exact["n"] > 0).any()
