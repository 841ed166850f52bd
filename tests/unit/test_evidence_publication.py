"""The evidence tables in the publication (issue 16): counts perturbed like every count; shares,
intervals and bounds computed from the perturbed counts; one figure published in two tables
gets one noise (two independent noises could be intersected to a narrow range); the
sentence with exact figures is not published."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from leerwinkels.contract.code_lists import LEERWINKELS
from leerwinkels.indicators.tables import build_outcomes, build_reach, build_reach_breakdown, build_referrals
from leerwinkels.privacy.pseudonymise import Pseudonymiser
from leerwinkels.publication.disclosure import protect, protection_problems
from leerwinkels.publication.workbook import TABLES, published_frames
from tests.factories import events, evidence_tables, followup, followups, referrals, sroi_tables, trajectories, trajectory

KEY = Pseudonymiser(b"unit-test-key-for-the-evidence-publication")
AS_OF = date(2025, 12, 31)


@pytest.fixture(scope="module")
def network() -> dict[str, pl.DataFrame]:
    rows, answers, refs = [], [], []
    for lw in LEERWINKELS:
        for i in range(30):
            key = f"{lw}{i}"
            rows.append(trajectory(key, f"c{key}", lw, date(2024, 1 + i % 6, 1), date(2024, 7, 1 + i % 20),
                                   labour_status="jobseeker" if i % 3 else "employed", inflow_channel="welfare" if i % 2 else "self"))
            if i < 20:
                answers.append(followup(key, date(2024, 7, 1) + (date(2024, 12, 1) - date(2024, 7, 1)) * (i % 2),
                                        situation="working" if i % 4 else "jobseeker", insight_learning=4 + i % 2))
            if i < 6:
                refs.append((key, None, "adult_education" if i % 2 else "job_mediation"))
    t, f, r = trajectories(*rows), followups(*answers), referrals(*refs)
    ce = events(*[(lw, f"{lw}{i}", date(2024, 2, 1), 1, 30.0) for lw in LEERWINKELS for i in range(30)])
    sroi = sroi_tables(dict.fromkeys(LEERWINKELS, 10) | {"all": 60})
    return {
        "ind_reach": build_reach(t, ce, AS_OF),
        "ind_reach_breakdown": build_reach_breakdown(t, AS_OF),
        "ind_referrals": build_referrals(t, r, AS_OF),
        "ind_outcomes": build_outcomes(t, f, AS_OF),
        **sroi,
        **evidence_tables(t, f, r, sroi, AS_OF),
    }


@pytest.fixture(scope="module")
def published(network):
    return published_frames(network, pseudonymiser=KEY)


def test_the_publication_of_the_evidence_tables_passes_its_own_check(network, published):
    assert protection_problems(network, published, KEY) == []
    assert "grade_reason" not in published["evidence_assumptions"].columns
    assert [c.name for c in TABLES["evidence_assumptions"].published][-2:] == ["grade", "rubric_version"]


def test_one_figure_in_two_tables_gets_one_noise(published):
    keys = ["leerwinkel", "year"]
    bounds = published["ind_outcome_bounds"].join(published["ind_outcomes"], on=keys, suffix="_outcomes")
    assert (bounds["closed_trajectories"] == bounds["closed_trajectories_outcomes"]).all()
    out = published["ind_referrals"].filter(direction="out").rename({"partner": "destination"})
    follow = published["ind_referral_followthrough"].join(out, on=[*keys, "destination"])
    assert follow.height == published["ind_referral_followthrough"].height
    assert (follow["referred_trajectories"] == follow["trajectories"]).all()
    evidence = published["evidence_assumptions"]
    inflow = evidence.filter(indicator="share_referred_in_by_partner").join(published["ind_reach"], on=keys)
    assert (inflow["n"] == inflow["new_trajectories"]).all()
    closed = evidence.filter(pl.col("indicator").is_in(["share_referred_out", "positive_outcome_bound_low"])).join(
        published["ind_outcomes"], on=keys)
    assert (closed["n"] == closed["closed_trajectories"]).all()
    positive = evidence.filter(indicator="positive_outcome").join(published["ind_outcome_bounds"], on=keys)
    assert (positive["n"] == positive["responses_in_window"]).all()
    # the value is the published positives over the published responses: the same share as the bounds table's
    assert ((positive["value"] - positive["share_respondents"]).abs().fill_null(0.0) < 1e-12).all()
    assert (positive["value"].is_null() == positive["share_respondents"].is_null()).all()


def test_shares_and_intervals_follow_the_perturbed_counts(network, published):
    ctx = published["ind_outcomes_by_context"]
    assert (ctx["closed_trajectories"] != network["ind_outcomes_by_context"]["closed_trajectories"]).any()
    answered = ctx.filter(pl.col("responses_in_window") > 0)
    share = (answered["positive_in_window"] / answered["responses_in_window"]).clip(0.0, 1.0)
    assert ((answered["positive_share"] - share).abs() < 1e-12).all()
    assert (answered["positive_share_low"] <= answered["positive_share"] + 1e-12).all()
    assert (answered["positive_share"] <= answered["positive_share_high"] + 1e-12).all()
    assert ctx.filter(pl.col("responses_in_window") == 0)["positive_share_low"].null_count() == ctx.filter(pl.col("responses_in_window") == 0).height
    # not measured stays not measured
    follow = published["ind_referral_followthrough"].filter(destination="welfare")
    assert follow["followed_through"].null_count() == follow.height


def test_only_the_shares_of_evidence_assumptions_carry_a_value(published):
    evidence = published["evidence_assumptions"]
    others = evidence.filter(pl.col("indicator").is_in(["partner_types", "sroi_ratio", "sroi_ratio_low", "sroi_ratio_high"]))
    assert others["value"].null_count() == others.height and others["ci_low"].null_count() == others.height
    shares = evidence.filter(pl.col("indicator") == "positive_outcome", pl.col("n") > 0)
    assert shares.height and shares["value"].null_count() == 0 and shares["ci_low"].null_count() == 0


def test_loss_is_reported_for_the_evidence_tables(network):
    _, loss = protect(network, KEY)
    names = set(loss["table"])
    assert {"ind_outcomes_by_context", "ind_outcome_bounds", "ind_referral_followthrough", "evidence_assumptions"} <= names
