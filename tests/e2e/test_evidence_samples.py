"""The evidence tables (issue 16) on the sample landing folder, through the whole graph: present
for six Leerwinkels plus `all` and every year (zero rows included), consistent with each other
and with ind_outcomes, in the warehouse, in pub_* and in the publication (CSV and workbook)."""

from __future__ import annotations

import openpyxl
import polars as pl
import pytest

from leerwinkels.contract.code_lists import LEERWINKELS
from leerwinkels.contract.tables import BY_NAME
from leerwinkels.contract.views import published_table_name
from leerwinkels.evidence.assumptions import INDICATORS
from leerwinkels.evidence.context import DIMENSIONS
from leerwinkels.evidence.parameters import load_parameters
from leerwinkels.publication.workbook import WORKBOOK_NAME

EVIDENCE_TABLES = ["ind_outcomes_by_context", "ind_outcome_bounds", "ind_referral_followthrough", "evidence_assumptions"]
ALL = {*LEERWINKELS, "all"}


def _years(sample_run) -> set[int]:
    return set(sample_run.tables["ind_reach"]["year"].to_list())


@pytest.mark.parametrize("table,per_year", [
    ("ind_outcomes_by_context", sum(len(c) for c in DIMENSIONS.values())),
    ("ind_outcome_bounds", 1),
    ("ind_referral_followthrough", 11),
    ("evidence_assumptions", len(INDICATORS)),
])
def test_every_leerwinkel_and_year_with_zero_rows(sample_run, table, per_year):
    frame = sample_run.tables[table]
    years = _years(sample_run)
    assert frame.columns == BY_NAME[table].column_names
    assert set(frame["leerwinkel"]) == ALL and set(frame["year"]) == years
    assert frame.height == len(ALL) * len(years) * per_year
    assert frame.select(BY_NAME[table].key).is_duplicated().sum() == 0


def test_the_tables_agree_with_each_other_and_with_ind_outcomes(sample_run):
    bounds = sample_run.tables["ind_outcome_bounds"]
    outcomes = sample_run.tables["ind_outcomes"]
    joined = bounds.join(outcomes, on=["leerwinkel", "year"])
    assert (joined["closed_trajectories"] == joined["closed_trajectories_right"]).all()
    assert (joined["responses_in_window"] <= joined["responses"]).all()
    context = sample_run.tables["ind_outcomes_by_context"].filter(dimension="labour_status")
    per_year = context.group_by("leerwinkel", "year").agg(pl.col("closed_trajectories", "positive_in_window").sum())
    check = bounds.join(per_year, on=["leerwinkel", "year"], suffix="_ctx")
    assert (check["closed_trajectories"] == check["closed_trajectories_ctx"]).all()
    assert (check["positive_in_window"] == check["positive_in_window_ctx"]).all()
    evidence = sample_run.tables["evidence_assumptions"].filter(indicator="positive_outcome_bound_low")
    same = evidence.join(bounds, on=["leerwinkel", "year"])
    assert ((same["value"] - same["bound_low"]).abs().fill_null(0.0) < 1e-12).all()
    assert (same["value"].is_null() == same["bound_low"].is_null()).all()
    assert set(sample_run.tables["evidence_assumptions"]["rubric_version"]) == {load_parameters().version}


def test_days_after_closing_in_followups(sample_run):
    followups = sample_run.tables["followups"].join(
        sample_run.tables["trajectories"].select("trajectory_key", "closed_date"), on="trajectory_key")
    expected = (followups["response_date"] - followups["closed_date"]).dt.total_days()
    assert followups["days_after_closing"].to_list() == expected.to_list()


def test_the_tables_reach_the_warehouse_pub_and_the_publication(sample_run):
    publication = sample_run.root / "publication"
    workbook = openpyxl.load_workbook(publication / WORKBOOK_NAME, read_only=True)
    for table in EVIDENCE_TABLES:
        assert sample_run.tables[table].height > 0
        pub = sample_run.tables[published_table_name(table)]
        assert pub.height == sample_run.tables[table].height
        csv = pl.read_csv(publication / f"{table}.csv", infer_schema=False)
        assert csv.height == pub.height
        assert BY_NAME[table].sheet in workbook.sheetnames
    explanation = " ".join(str(v) for row in workbook["Toelichting"].iter_rows(values_only=True) for v in row if v)
    assert "Uitkomstvenster" in explanation and "90 tot 365 dagen" in explanation and "Wilson" in explanation
    assert "ondergrens" in explanation and load_parameters().version in explanation
    # the sentence with exact figures stays in the database
    assert "grade_reason" in sample_run.tables["evidence_assumptions"].columns
    assert "grade_reason" not in sample_run.tables["pub_evidence_assumptions"].columns
    # only the shares' value is published; partner_types and the SROI ratios are on their own sheets
    pub = sample_run.tables["pub_evidence_assumptions"]
    assert pub.filter(pl.col("indicator").is_in(["partner_types", "sroi_ratio"]))["value"].null_count() == \
        pub.filter(pl.col("indicator").is_in(["partner_types", "sroi_ratio"])).height


def test_published_counts_are_perturbed_and_shares_follow_them(sample_run):
    exact = sample_run.tables["ind_outcome_bounds"]
    pub = sample_run.tables["pub_ind_outcome_bounds"]
    joined = exact.join(pub, on=["leerwinkel", "year"], suffix="_pub")
    assert (joined["closed_trajectories"] != joined["closed_trajectories_pub"]).any()  # noise was added
    zero = joined.filter(pl.col("closed_trajectories") == 0)
    assert (zero["closed_trajectories_pub"] == 0).all()
    answered = joined.filter(pl.col("responses_in_window_pub") > 0)
    recomputed = (answered["positive_in_window_pub"] / answered["responses_in_window_pub"]).clip(0.0, 1.0)
    assert ((answered["share_respondents_pub"] - recomputed).abs() < 1e-12).all()
    context = sample_run.tables["pub_ind_outcomes_by_context"]
    for column in ("positive_share", "positive_share_low", "positive_share_high"):
        values = context[column].drop_nulls()
        assert ((values >= 0) & (values <= 1)).all(), column
