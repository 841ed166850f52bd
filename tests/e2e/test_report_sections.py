"""The report's evidence and SROI sections come alive when their published tables are there
(issues 16 and 17, column names of EVIDENCE.md and SROI.md): drawn here from small frames of
those shapes, declared for the test as published tables, beside the sample run's publication."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from leerwinkels.publication import workbook
from leerwinkels.publication.data_status import data_status
from leerwinkels.publication.workbook import Column, Table
from leerwinkels.report.build import build_html
from leerwinkels.report.figures import read_published

YEARS = [2023, 2024, 2025]
LEERWINKEL = Column("leerwinkel", "Leerwinkel", "", "key", code_list="leerwinkel")
YEAR = Column("year", "Jaar", "", "key")


def _table(name: str, key: tuple[str, ...], columns: list[Column]) -> Table:
    return Table(name, name[:31], name, "", key, (LEERWINKEL, YEAR, *columns))


NEW_TABLES = {
    "ind_outcome_bounds": _table("ind_outcome_bounds", ("leerwinkel", "year"), [
        Column("closed_trajectories", "Afgesloten", "", "count"),
        Column("responses_in_window", "Antwoorden", "", "count"),
        Column("share_respondents", "Positief bij antwoorders", "", "share"),
        Column("share_weighted", "Positief herwogen", "", "share"),
        Column("bound_low", "Ondergrens", "", "share"),
        Column("bound_high", "Bovengrens", "", "share"),
    ]),
    "ind_outcomes_by_context": _table("ind_outcomes_by_context", ("leerwinkel", "year", "dimension", "category"), [
        Column("dimension", "Kenmerk", "", "key", value_labels={"vulnerable": "Kwetsbaar"}),
        Column("category", "Categorie", "", "key"),
        Column("positive_share", "Aandeel positief", "", "share"),
        Column("positive_share_low", "Aandeel positief (laag)", "", "share"),
        Column("positive_share_high", "Aandeel positief (hoog)", "", "share"),
    ]),
    "evidence_assumptions": _table("evidence_assumptions", ("leerwinkel", "year", "assumption", "indicator"), [
        Column("assumption", "Veronderstelling", "", "key"),
        Column("indicator", "Indicator", "", "key"),
        Column("value", "Waarde", "", "share"),
        Column("grade", "Graad", "", "text"),
        Column("rubric_version", "Versie", "", "text"),
    ]),
    "ind_sroi_sensitivity": _table("ind_sroi_sensitivity", ("leerwinkel", "year", "parameter"), [
        Column("parameter", "Parameter", "", "key"),
        Column("ratio_low", "Ratio laag", "", "ratio"),
        Column("ratio_high", "Ratio hoog", "", "ratio"),
    ]),
    "ind_sroi_by_payer": _table("ind_sroi_by_payer", ("leerwinkel", "year", "payer", "scenario"), [
        Column("payer", "Betaler", "", "key"),
        Column("scenario", "Scenario", "", "key"),
        Column("value_eur", "Waarde (EUR)", "", "euro"),
    ]),
}


def _frames() -> dict[str, pl.DataFrame]:
    n = len(YEARS)
    network = {"leerwinkel": ["all"] * n, "year": YEARS}
    return {
        "ind_outcome_bounds": pl.DataFrame({**network, "closed_trajectories": [100, 120, 90], "responses_in_window": [40, 50, 45],
                                            "share_respondents": [0.6, 0.55, 0.62], "share_weighted": [0.58, 0.5, 0.6],
                                            "bound_low": [0.24, 0.23, 0.31], "bound_high": [0.84, 0.81, 0.81]}),
        "ind_outcomes_by_context": pl.DataFrame({
            "leerwinkel": ["all"] * 4, "year": [2025] * 4, "dimension": ["vulnerable", "vulnerable", "labour_status", "labour_status"],
            "category": ["yes", "no", "jobseeker", "working"], "positive_share": [0.5, 0.6, 0.45, 0.7],
            "positive_share_low": [0.4, 0.5, 0.3, 0.55], "positive_share_high": [0.6, 0.7, 0.6, 0.82]}),
        "evidence_assumptions": pl.DataFrame({
            "leerwinkel": ["all"] * 6, "year": [2024, 2025] * 3, "assumption": ["A1", "A1", "A3", "A3", "A4", "A4"],
            "indicator": ["share_referred_out"] * 2 + ["positive_outcome"] * 2 + ["sroi_ratio"] * 2,
            "value": [0.3, 0.32, 0.6, 0.62, 0.4, 0.45], "grade": ["weak", "moderate", "moderate", "strong", "weak", "no data"],
            "rubric_version": ["2026.1"] * 6}),
        "ind_sroi_sensitivity": pl.DataFrame({
            "leerwinkel": ["all"] * 3, "year": [2025] * 3, "parameter": ["deadweight", "attribution", "duration"],
            "ratio_low": [0.2, 0.3, 0.4], "ratio_high": [0.7, 0.6, 1.1]}),
        "ind_sroi_by_payer": pl.DataFrame({
            "leerwinkel": ["all"] * 4, "year": [2024, 2024, 2025, 2025], "payer": ["federal_tax", "flemish"] * 2,
            "scenario": ["central"] * 4, "value_eur": [1000.0, 500.0, 1200.0, 650.0]}),
    }


@pytest.fixture
def declared(monkeypatch):
    """The shapes of the spec as published tables, for those not yet declared by their issue."""
    for name, table in NEW_TABLES.items():
        if name not in workbook.TABLES:
            monkeypatch.setitem(workbook.TABLES, name, table)


def test_evidence_and_sroi_sections_draw_their_tables_when_published(declared, sample_run):
    """The tables their issue has published come from the sample run's release; the others
    from the small frames above."""
    on_sample = read_published(Path(sample_run.root) / "publication")
    published = {**{n: f for n, f in _frames().items() if n not in on_sample}, **on_sample}
    html, context, sections, _ = build_html(published, data_status(sample_run.tables["dq_deliveries"]))
    charts = {c.chart_id: c for s in sections for c in s.charts}
    assert {"outcome_bounds", "outcomes_by_context", "evidence_grades", "sroi_tornado", "sroi_by_payer"} <= set(charts)
    assert "Nog te komen" not in html
    assert context.versions.get("bewijsrubriek")
    for chart_id in ("outcome_bounds", "outcomes_by_context", "evidence_grades", "sroi_tornado", "sroi_by_payer"):
        figure = re.search(rf'<figure class="chart" id="{chart_id}".*?</figure>', html, flags=re.S)
        assert figure, chart_id
        labels = re.findall(r'aria-label="(Netwerk; [^"]+)"', figure.group(0))
        assert len(labels) >= 3, (chart_id, labels)
    if "ind_sroi_sensitivity" not in on_sample:  # the small frame: its figures as the marks say them
        assert "Netwerk; 2025; duration; Ratio hoog: 1,10" in html
    if "evidence_assumptions" not in on_sample:
        assert "Netwerk; 2025; A3; positieve uitkomst; Bewijs: sterk" in html
    else:
        assert re.search(r"Netwerk; \d{4}; A3; positieve uitkomst; Bewijs: (sterk|matig|zwak|aanwijzingen|geen gegevens)", html)


def test_without_those_tables_each_section_says_what_is_to_come(sample_run):
    published = {n: f for n, f in read_published(Path(sample_run.root) / "publication").items() if n not in NEW_TABLES}
    html, *_ = build_html(published, data_status(sample_run.tables["dq_deliveries"]))
    assert html.count('<p class="to-come">') == 4
