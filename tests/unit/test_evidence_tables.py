"""The four evidence tables (issue 16, EVIDENCE.md) on a small hand-made network, every figure
computed by hand in the comments.

Genk, window 90-365 days after closing (evidence/parameters.yaml):

| trajectory | intake | closed | labour × age | contacts, minutes | inflow | response (days after closing) | answer |
|---|---|---|---|---|---|---|---|
| t1 | 2023-06-01 | 2024-01-10 | employed 25-34 | 1, 30 | welfare | 2024-06-01 (143: in) | working, insight_learning 5 |
| t2 | 2024-01-05 | 2024-02-01 | employed 25-34 | 3, 200 | self | 2024-02-10 (9: too early) | working, insight_learning 5 |
| t3 | 2024-01-06 | 2024-03-01 | jobseeker 45-54 | 8, — | unknown | 2025-06-01 (457: too late) | working |
| t4 | 2024-01-07 | 2024-04-01 | employed 25-34 | 0, 60 | self | 2024-08-01 (122: in) | jobseeker, training no, insight_learning 3 |
| t7 | 2024-01-08 | 2024-06-01 | jobseeker 16-24 | 4, 360 | employment_service | 2024-10-01 (122: in) | in_training |
| t5 | 2024-02-01 | open | | | self | 2024-05-01 | working (not counted: open) |

Referrals: t1 adult_education dated 2023-12-01 and job_mediation without date (= its closing
date, 2024); t2 vdab_training 2024-01-15; t4 welfare 2024-03-01.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from leerwinkels.contract.code_lists import LEERWINKELS
from leerwinkels.evidence.assumptions import INDICATORS, build_evidence_assumptions
from leerwinkels.evidence.bounds import build_outcome_bounds
from leerwinkels.evidence.context import DIMENSIONS, build_outcomes_by_context
from leerwinkels.evidence.followthrough import build_referral_followthrough
from leerwinkels.evidence.parameters import load_parameters
from tests.factories import followup, followups, referrals, sroi_tables, trajectories, trajectory

AS_OF = date(2025, 12, 31)
WINDOW = (90, 365)
ALL = [*LEERWINKELS, "all"]


@pytest.fixture(scope="module")
def model():
    t = trajectories(
        trajectory("t1", "c1", "genk", date(2023, 6, 1), date(2024, 1, 10), contacts=1, guidance_minutes=30.0, inflow_channel="welfare"),
        trajectory("t2", "c2", "genk", date(2024, 1, 5), date(2024, 2, 1), contacts=3, guidance_minutes=200.0),
        trajectory("t3", "c3", "genk", date(2024, 1, 6), date(2024, 3, 1), contacts=8, labour_status="jobseeker", age_band="45-54",
                   inflow_channel=None, vulnerable=True),
        trajectory("t4", "c4", "genk", date(2024, 1, 7), date(2024, 4, 1), contacts=0, guidance_minutes=60.0),
        trajectory("t7", "c7", "genk", date(2024, 1, 8), date(2024, 6, 1), contacts=4, guidance_minutes=360.0,
                   labour_status="jobseeker", age_band="16-24", inflow_channel="employment_service", vulnerable=True),
        trajectory("t5", "c5", "genk", date(2024, 2, 1)),
    )
    f = followups(
        followup("t1", date(2024, 6, 1), situation="working", training_started="no", insight_learning=5),
        followup("t2", date(2024, 2, 10), situation="working", insight_learning=5),
        followup("t3", date(2025, 6, 1), situation="working"),
        followup("t4", date(2024, 8, 1), situation="jobseeker", training_started="no", insight_learning=3),
        followup("t7", date(2024, 10, 1), situation="in_training"),
        followup("t5", date(2024, 5, 1), situation="working"),
    )
    r = referrals(
        ("t1", date(2023, 12, 1), "adult_education"),
        ("t1", None, "job_mediation"),
        ("t2", date(2024, 1, 15), "vdab_training"),
        ("t4", date(2024, 3, 1), "welfare"),
    )
    return t, f, r


def _row(frame: pl.DataFrame, **key) -> dict:
    rows = frame.filter(**key)
    assert rows.height == 1, key
    return rows.row(0, named=True)


# --------------------------------------------------------------------------- ind_outcomes_by_context


def test_outcomes_by_context_counts_in_window_responses_only(model):
    out = build_outcomes_by_context(*model, AS_OF, WINDOW)
    # employed (t1, t2, t4): closed 3; in window t1 and t4 (t2 answered after 9 days): 2; positive t1: 1
    employed = _row(out, leerwinkel="genk", year=2024, dimension="labour_status", category="employed")
    assert (employed["closed_trajectories"], employed["responses_in_window"], employed["positive_in_window"]) == (3, 2, 1)
    assert (employed["working_in_window"], employed["in_training_in_window"]) == (1, 0)
    # 1/2 with its Wilson interval: centre = (0.5 + 0.960365)/1.960365 ... = 0.5 ± 0.405620 -> 0.0945, 0.9055
    assert employed["positive_share"] == 0.5
    assert round(employed["positive_share_low"], 4) == 0.0945 and round(employed["positive_share_high"], 4) == 0.9055
    # jobseeker (t3 too late, t7 in window and in training)
    jobseeker = _row(out, leerwinkel="genk", year=2024, dimension="labour_status", category="jobseeker")
    assert (jobseeker["closed_trajectories"], jobseeker["responses_in_window"], jobseeker["positive_in_window"],
            jobseeker["in_training_in_window"]) == (2, 1, 1, 1)
    # the open trajectory t5 counts nowhere
    assert out.filter(leerwinkel="genk", year=2024, dimension="vulnerable")["closed_trajectories"].sum() == 5


def test_a_trajectory_with_two_destinations_counts_under_each(model):
    out = build_outcomes_by_context(*model, AS_OF, WINDOW)
    for destination in ("adult_education", "job_mediation"):  # t1, whatever the referral's date
        row = _row(out, leerwinkel="genk", year=2024, dimension="destination", category=destination)
        assert (row["closed_trajectories"], row["responses_in_window"], row["positive_in_window"]) == (1, 1, 1)
    assert _row(out, leerwinkel="genk", year=2024, dimension="destination", category="vdab_training")["closed_trajectories"] == 1
    # none: t3 and t7 (t2 and t4 were referred); in window t7, positive
    none = _row(out, leerwinkel="genk", year=2024, dimension="destination", category="none")
    assert (none["closed_trajectories"], none["responses_in_window"], none["positive_in_window"]) == (2, 1, 1)
    assert _row(out, leerwinkel="genk", year=2024, dimension="referred_out", category="yes")["closed_trajectories"] == 3


def test_contact_and_hours_bands(model):
    out = build_outcomes_by_context(*model, AS_OF, WINDOW).filter(leerwinkel="genk", year=2024)
    contacts = dict(out.filter(dimension="contacts_band").select("category", "closed_trajectories").iter_rows())
    # t4 0, t1 1, t2 3, t7 4, t3 8
    assert contacts == {"0": 1, "1": 1, "2-3": 1, "4-6": 1, "7+": 1}
    hours = dict(out.filter(dimension="guidance_hours_band").select("category", "closed_trajectories").iter_rows())
    # t1 0.5 h; t4 exactly 1 h; t2 3.33 h; t7 exactly 6 h; t3 no minutes
    assert hours == {"<1": 1, "1-3": 1, "3-6": 1, "6+": 1, "unknown": 1}


def test_outcomes_by_context_grid_is_complete(model):
    out = build_outcomes_by_context(*model, AS_OF, WINDOW)
    categories = sum(len(c) for c in DIMENSIONS.values())
    assert out.height == len(ALL) * 3 * categories  # 2023, 2024, 2025
    assert out.filter(leerwinkel="brussel")["closed_trajectories"].sum() == 0
    assert out.filter(leerwinkel="brussel")["positive_share"].null_count() == out.filter(leerwinkel="brussel").height
    network = out.filter(leerwinkel="all").drop("leerwinkel")
    assert network.equals(out.filter(leerwinkel="genk").drop("leerwinkel"))  # only genk has data
    assert out.select("leerwinkel", "year", "dimension", "category").is_duplicated().sum() == 0


# --------------------------------------------------------------------------- ind_outcome_bounds


def test_bounds_and_the_weighted_share_with_an_unobserved_cell(model):
    t, f, _ = model
    out = build_outcome_bounds(t, f, AS_OF, WINDOW)
    row = _row(out, leerwinkel="genk", year=2024)
    # closed 5 (t1 t2 t3 t4 t7), in window 3 (t1 t4 t7), positive 2 (t1 working, t7 in training)
    assert (row["closed_trajectories"], row["responses_in_window"], row["positive_in_window"]) == (5, 3, 2)
    assert row["share_respondents"] == pytest.approx(2 / 3)
    # cells: employed × 25-34 closed 3, 1 of 2 positive; jobseeker × 16-24 closed 1, 1 of 1;
    # jobseeker × 45-54 closed 1 without an in-window response (unobserved)
    # weighted = (3 × 1/2 + 1 × 1/1) / (3 + 1) = 2.5 / 4 = 0.625
    assert row["share_weighted"] == pytest.approx(0.625)
    assert row["closed_unobserved"] == 1
    assert row["bound_low"] == pytest.approx(2 / 5)  # every non-respondent negative
    assert row["bound_high"] == pytest.approx((2 + 5 - 3) / 5)  # every non-respondent positive: 0.8
    assert _row(out, leerwinkel="all", year=2024) == row | {"leerwinkel": "all"}
    empty = _row(out, leerwinkel="gent", year=2024)
    assert empty["closed_trajectories"] == 0 and empty["share_weighted"] is None and empty["bound_low"] is None
    assert out.height == len(ALL) * 3


def test_network_reweights_over_the_network_cells():
    # genk: employed 25-34 closed 2, 1 response positive. brussel: employed 25-34 closed 2, 2 responses 0 positive
    t = trajectories(
        *[trajectory(f"g{i}", f"cg{i}", "genk", date(2024, 1, 1), date(2024, 2, 1)) for i in range(2)],
        *[trajectory(f"b{i}", f"cb{i}", "brussel", date(2024, 1, 1), date(2024, 2, 1)) for i in range(2)],
    )
    f = followups(
        followup("g0", date(2024, 6, 1), situation="working"),
        followup("b0", date(2024, 6, 1), situation="jobseeker"),
        followup("b1", date(2024, 6, 1), situation="jobseeker"),
    )
    out = build_outcome_bounds(t, f, date(2024, 12, 31), WINDOW)
    assert _row(out, leerwinkel="genk", year=2024)["share_weighted"] == 1.0  # 2 × 1/1 / 2
    assert _row(out, leerwinkel="brussel", year=2024)["share_weighted"] == 0.0
    # the network's one cell: closed 4, 1 of 3 positive -> 4 × 1/3 / 4 = 1/3 (not the mean of 1 and 0)
    assert _row(out, leerwinkel="all", year=2024)["share_weighted"] == pytest.approx(1 / 3)


# --------------------------------------------------------------------------- ind_referral_followthrough


def test_referral_followthrough(model):
    out = build_referral_followthrough(*model, AS_OF, WINDOW)
    # t1 to adult education in 2023: in-window response, working, no training -> not followed
    cvo = _row(out, leerwinkel="genk", year=2023, destination="adult_education")
    assert (cvo["referred_trajectories"], cvo["responses_in_window"], cvo["followed_through"]) == (1, 1, 0)
    # 0/1: high = 2 × 0.793... centre ... = 0.7935 (z²/(1+z²) = 3.841459 / 4.841459)
    assert cvo["followed_through_share"] == 0.0 and cvo["followed_through_share_low"] == pytest.approx(0.0, abs=1e-12)
    assert round(cvo["followed_through_share_high"], 4) == 0.7935
    # t1 to job mediation, dated at its closing (2024): working -> followed through
    job = _row(out, leerwinkel="genk", year=2024, destination="job_mediation")
    assert (job["referred_trajectories"], job["responses_in_window"], job["followed_through"], job["followed_through_share"]) == (1, 1, 1, 1.0)
    # t4 to welfare: the survey cannot tell -> null, not 0
    welfare = _row(out, leerwinkel="genk", year=2024, destination="welfare")
    assert (welfare["referred_trajectories"], welfare["responses_in_window"]) == (1, 1)
    assert welfare["followed_through"] is None and welfare["followed_through_share"] is None
    # t2 to VDAB training: its response came too early -> no in-window response, share null
    vdab = _row(out, leerwinkel="genk", year=2024, destination="vdab_training")
    assert (vdab["referred_trajectories"], vdab["responses_in_window"], vdab["followed_through"]) == (1, 0, 0)
    assert vdab["followed_through_share"] is None
    assert out.height == len(ALL) * 3 * 11  # ten destinations plus unknown
    assert out.filter(destination="other")["followed_through"].null_count() == len(ALL) * 3


# --------------------------------------------------------------------------- evidence_assumptions


@pytest.fixture(scope="module")
def evidence(model):
    t, f, r = model
    sroi = sroi_tables({"genk": 3, "all": 3})
    return build_evidence_assumptions(t, f, r, sroi["ind_sroi"], sroi["ind_sroi_inputs"], load_parameters(), AS_OF)


def test_evidence_assumptions_values(evidence):
    genk = {r["indicator"]: r for r in evidence.filter(leerwinkel="genk", year=2024).iter_rows(named=True)}
    # new in 2024: t2 t3 t4 t5 t7; by a partner: t7 only (self and unknown are no partner)
    assert (genk["share_referred_in_by_partner"]["value"], genk["share_referred_in_by_partner"]["n"]) == (0.2, 5)
    # closed in 2024: 5, with a referral: t1 t2 t4
    assert (genk["share_referred_out"]["value"], genk["share_referred_out"]["n"]) == (0.6, 5)
    # 2024: in employment_service (t7); out job_mediation (t1), vdab_training (t2), welfare (t4) -> 4 types, 4 trajectories
    assert (genk["partner_types"]["value"], genk["partner_types"]["n"]) == (4.0, 4)
    assert genk["partner_types"]["ci_low"] is None
    # insight_learning among in-window respondents who answered: t1 5, t4 3 -> 1/2 (t2's 5 is out of window)
    assert (genk["insight_learning"]["value"], genk["insight_learning"]["n"]) == (0.5, 2)
    assert round(genk["insight_learning"]["ci_low"], 4) == 0.0945
    assert genk["insight_barriers"]["n"] == 0 and genk["insight_barriers"]["value"] is None
    assert (genk["positive_outcome"]["value"], genk["positive_outcome"]["n"]) == (pytest.approx(2 / 3), 3)
    assert (genk["positive_outcome_bound_low"]["value"], genk["positive_outcome_bound_low"]["n"]) == (0.4, 5)
    # SROI (factory): 3 × 19,805.30 × 0.35 / 50,000 = 0.4159; low × 0.15/0.35, high × 0.63/0.35
    assert genk["sroi_ratio"]["value"] == pytest.approx(3 * 19805.30 * 0.35 / 50_000)
    assert genk["sroi_ratio_high"]["value"] == pytest.approx(3 * 19805.30 * 0.63 / 50_000)
    assert genk["sroi_ratio"]["n"] == 3
    y2023 = {r["indicator"]: r for r in evidence.filter(leerwinkel="genk", year=2023).iter_rows(named=True)}
    # 2023: t1 new by welfare; partners in:welfare and out:adult_education
    assert (y2023["share_referred_in_by_partner"]["value"], y2023["partner_types"]["value"]) == (1.0, 2.0)


def test_evidence_assumptions_grades_and_reasons(evidence):
    genk = {r["indicator"]: r for r in evidence.filter(leerwinkel="genk", year=2024).iter_rows(named=True)}
    assert genk["share_referred_out"]["grade"] == "indications"
    assert genk["share_referred_out"]["grade_reason"].startswith("Aanwijzingen: 5 trajecten")
    assert genk["positive_outcome"]["grade"] == "indications"
    assert "3 antwoorden binnen het uitkomstvenster, responsgraad 60 %" in genk["positive_outcome"]["grade_reason"]
    assert genk["insight_barriers"]["grade"] == "no data"
    # no scenario above 1 (0.18, 0.42, 0.75): the rubric's grade for that, said so
    assert {genk[i]["grade"] for i in ("sroi_ratio", "sroi_ratio_low", "sroi_ratio_high")} == {"indications"}
    assert "in geen enkel scenario" in genk["sroi_ratio"]["grade_reason"]
    # gent has no cost row in the factory: no data
    assert _row(evidence, leerwinkel="gent", year=2024, indicator="sroi_ratio")["grade"] == "no data"
    assert set(evidence["rubric_version"]) == {load_parameters().version}


def test_evidence_assumptions_grid(evidence):
    assert evidence.height == len(ALL) * 3 * len(INDICATORS)
    assert evidence.select("leerwinkel", "year", "assumption", "indicator").is_duplicated().sum() == 0
    assert evidence.filter(assumption="A1")["grade"].is_in(["strong"]).sum() == 0
    assert evidence["grade"].null_count() == 0 and evidence["grade_reason"].null_count() == 0
