"""The publication workbook prints (issue 18): landscape A4 fitted to the width, header row
repeated, data date and Leerwinkels on old data in every sheet's header, page x of y in the
footer, explanation wrapped, a chart sheet with three native charts, all in Dutch. The CSV
files keep their English assumptions text (their bytes do not change)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import polars as pl

from leerwinkels.publication.data_status import data_status
from leerwinkels.publication.dutch_text import assumptions_nl
from leerwinkels.publication.print_setup import CHART_SHEET, estimated_pages
from leerwinkels.publication.workbook import EXPLANATION_SHEET, TABLES, WORKBOOK_NAME


def _workbook(sample_run):
    return openpyxl.load_workbook(Path(sample_run.root) / "publication" / WORKBOOK_NAME)


def test_every_sheet_prints_landscape_fitted_with_data_date_and_page_numbers(sample_run):
    wb = _workbook(sample_run)
    status = data_status(sample_run.tables["dq_deliveries"])
    assert status.data_date is not None
    day = status.data_date.strftime("%d-%m-%Y")
    assert wb.sheetnames == [EXPLANATION_SHEET, *[t.sheet for t in TABLES.values()], CHART_SHEET]
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.page_setup.paperSize == "9" or ws.page_setup.paperSize == 9  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
        assert f"Gegevens tot {day}" in ws.oddHeader.right.text, ws.title
        assert "&P" in ws.oddFooter.right.text and "&N" in ws.oddFooter.right.text
        assert day in ws.oddFooter.left.text
    for table in TABLES.values():
        assert wb[table.sheet].print_title_rows == "$1:$1"  # the header row on every page


def test_old_leerwinkels_are_named_in_the_header(sample_run):
    deliveries = sample_run.tables["dq_deliveries"].with_columns(
        pl.when(pl.col("leerwinkel") == "genk").then(pl.lit("held")).otherwise(pl.col("state")).alias("state"),
        (pl.col("leerwinkel") == "genk").alias("stale"),
    )
    status = data_status(deliveries)
    assert "Op oude gegevens: Leerwinkel Genk." in status.header_line()
    assert [lw.code for lw in status.old] == ["genk"]
    assert "tegengehouden" in status.old[0].state_nl


def test_explanation_is_wrapped_to_the_page_and_names_the_data_date(sample_run):
    ws = _workbook(sample_run)[EXPLANATION_SHEET]
    assert ws["A2"].value.startswith("Gegevens tot ")  # the data date before the run id
    assert str(ws["A3"].value).startswith("Run: ")
    merged = {str(r) for r in ws.merged_cells.ranges}
    paragraphs = [row[0] for row in ws.iter_rows() if isinstance(row[0].value, str) and len(row[0].value) > 200]
    assert paragraphs
    for cell in paragraphs:
        assert f"A{cell.row}:C{cell.row}" in merged and cell.alignment.wrap_text
        assert ws.row_dimensions[cell.row].height >= 30  # tall enough for its lines
    assert sum(ws.column_dimensions[c].width for c in "ABC") <= 130  # about a landscape page
    text = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    assert "Gegevens per Leerwinkel" in text and "Leerwinkel Genk" in text


def test_chart_sheet_has_the_three_headline_charts_from_published_figures(sample_run):
    wb = _workbook(sample_run)
    ws = wb[CHART_SHEET]
    assert len(ws._charts) == 3
    reach = pl.read_csv(Path(sample_run.root) / "publication" / "ind_reach.csv").filter(pl.col("leerwinkel") == "all")
    rows = {r[0]: r[1:3] for r in ws.iter_rows(min_row=5, max_row=4 + reach.height, max_col=3, values_only=True)}
    for year, new, reached in reach.select("year", "new_trajectories", "clients_reached").iter_rows():
        assert rows[year] == (new, reached)  # the published (protected) figures, not the exact ones


def test_assumptions_are_dutch_in_the_workbook_and_unchanged_in_the_csv(sample_run):
    wb = _workbook(sample_run)
    ws = wb[TABLES["ind_sroi"].sheet]
    header = [c.value for c in ws[1]]
    column = header.index(TABLES["ind_sroi"].column("assumptions").label)
    texts = {row[column] for row in ws.iter_rows(min_row=2, values_only=True)}
    english = pl.read_csv(Path(sample_run.root) / "publication" / "ind_sroi.csv").get_column("assumptions").unique().to_list()
    assert texts == {assumptions_nl(t) for t in english}
    for text in texts:
        assert "aanname" in text
        for word in ("assumption", "study", "valued at", "respondents only", " and "):
            assert word not in text, (word, text)


def test_printed_workbook_page_estimate(sample_run):
    """The estimate the README quotes: every sheet at least a page, the chart sheet one."""
    pages = estimated_pages(_workbook(sample_run))
    assert pages[CHART_SHEET] == 1 and all(n >= 1 for n in pages.values())
    assert len(pages) == len(TABLES) + 2
