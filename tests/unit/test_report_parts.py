"""Pure parts of the impact report and the printable workbook (issue 18): the Dutch assumptions
text, the data status, unique SVG ids, the complete year, the PDF page count, the marks'
descriptions and their Dutch notation."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from leerwinkels.publication.data_status import data_status
from leerwinkels.publication.dutch_text import assumptions_nl
from leerwinkels.report.build import pdf_page_count
from leerwinkels.report.figures import complete_year, marks
from leerwinkels.report.render import unique_ids

TODAY_TEXT = ("deadweight 0.30 and attribution 0.50 are assumptions (study publishes none; sensitivity low 0.50/0.70, "
              "high 0.10/0.30); training_started valued at 0 (assumed proxy); respondents only; one year, no drop-off "
              "or discounting")


def test_the_assumptions_text_of_today_is_wholly_dutch():
    dutch = assumptions_nl(TODAY_TEXT)
    assert dutch is not None
    assert "0,30" in dutch and "0,50/0,70" in dutch and "zijn aannames" in dutch and "opleiding gestart" in dutch
    for english in ("assumption", "study", "sensitivity", "valued", "respondents", "discounting", " and ", "training_started"):
        assert english not in dutch, english
    assert assumptions_nl(None) is None
    assert assumptions_nl("x valued at 18,387.50") == "x gewaardeerd op EUR 18.387,50"


def _deliveries(rows: list[tuple[str, str, bool, bool, str | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        [(code, datetime.fromisoformat(when) if when else None, state, stale, old) for code, state, stale, old, when in rows],
        schema={"leerwinkel": pl.String, "modified_time": pl.Datetime("us"), "state": pl.String, "stale": pl.Boolean,
                "older_than_limit": pl.Boolean},
        orient="row",
    )


def test_data_status_names_the_leerwinkels_on_old_data():
    status = data_status(_deliveries([
        ("genk", "current", False, False, "2026-11-30T10:00"),
        ("genk", "current", False, False, "2026-11-29T10:00"),
        ("gent", "held", True, False, "2026-10-01T09:00"),
        ("leuven", "current", False, True, "2026-09-01T09:00"),
        ("netwerk", "current", False, False, "2026-11-28T09:00"),
    ]))
    by = {lw.code: lw for lw in status.leerwinkels}
    assert [lw.code for lw in status.leerwinkels][-1] == "netwerk"
    assert by["genk"].data_date.isoformat() == "2026-11-30" and not by["genk"].old  # type: ignore[union-attr]
    assert by["gent"].old and "tegengehouden" in by["gent"].state_nl
    assert by["leuven"].old and "ouder dan de termijn" in by["leuven"].state_nl
    assert by["brussel"].data_date is None and by["brussel"].old  # no delivery at all
    assert status.data_date.isoformat() == "2026-11-30"  # type: ignore[union-attr]
    line = status.header_line()
    assert line.startswith("Gegevens tot 30-11-2026. Op oude gegevens: ") and "Leerwinkel Leuven" in line
    assert len(line) <= 200  # Excel allows 255 characters in a whole header


def test_svg_ids_are_prefixed_with_their_references():
    svg = '<svg><clipPath id="clip1"><rect/></clipPath><g clip-path="url(#clip1)"/><use href="#clip1"/><g id="x"/></svg>'
    out = unique_ids(svg, "chart")
    assert 'id="chart-clip1"' in out and "url(#chart-clip1)" in out and 'href="#chart-clip1"' in out
    assert 'id="chart-x"' in out and 'id="clip1"' not in out


def test_complete_year_leaves_out_the_running_year():
    assert complete_year([2023, 2024, 2025, 2026], 2026) == 2025
    assert complete_year([2023, 2024, 2025], 2026) == 2025
    assert complete_year([2026], 2026) == 2026  # nothing earlier: the running year is all there is
    assert complete_year([], 2026) is None


def test_pdf_page_count_counts_page_objects_not_the_page_tree():
    pdf = b"%PDF-1.4\n1 0 obj <</Type /Pages /Count 2>>\n2 0 obj <</Type /Page>>\n3 0 obj <</Type/Page /Parent 1 0 R>>"
    assert pdf_page_count(pdf) == 2


def test_marks_describe_the_cell_with_dutch_labels_and_notation():
    reach = pl.DataFrame({
        "leerwinkel": ["all", "genk"], "year": [2025, 2025], "new_trajectories": [1234, 7], "active_trajectories": [1, 1],
        "clients_reached": [1500, 9], "new_clients": [1, 1], "vulnerable_clients": [1, 1], "share_vulnerable": [0.8565, None],
        "contacts": [1, 1], "guidance_hours": [1.0, None],
    })
    rows = marks(reach, "ind_reach", ["new_trajectories", "share_vulnerable"])
    descriptions = rows.get_column("description").to_list()
    assert "Netwerk; 2025; Nieuwe trajecten: 1234" in descriptions
    assert "Netwerk; 2025; Aandeel kwetsbaar: 85,7%" in descriptions
    assert not any(d.startswith("Leerwinkel Genk; 2025; Aandeel") for d in descriptions)  # no mark for a null
    assert rows.filter(pl.col("leerwinkel_code") == "genk").height == 1
