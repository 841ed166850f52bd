"""A workbook that prints (issue 18): every sheet landscape on A4, fitted to the page width,
the header row repeated on every page, the data date and the Leerwinkels on old data in the
page header, the data date and "pagina x van y" in the footer; the explanation wrapped to
the page; a chart sheet with the three headline charts as native Excel charts.

Only the xlsx changes: the CSV files are written before and are not touched.
"""

from __future__ import annotations

import math

import polars as pl
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from leerwinkels.publication.data_status import DataStatus, dutch_date
from leerwinkels.publication.headlines import network_reach, network_sroi, new_trajectories_by_leerwinkel

CHART_SHEET = "Grafieken"
TITLE = "Leerwinkels - indicatoren"
# the explanation's columns (characters); together about the width of a landscape A4 page
EXPLANATION_WIDTHS = {"A": 30, "B": 24, "C": 72}
NARROW_WIDTH = 9  # the explanation's columns beyond C (the information-loss table)
POINTS_PER_LINE = 15.0
DEFAULT_ROW_POINTS = 12.8  # a row without a set height, as LibreOffice prints it (0.45 cm)
PAPER_A4 = "9"  # openpyxl's Worksheet.PAPERSIZE_A4


def data_line(status: DataStatus | None) -> str:
    return status.header_line() if status is not None else "Gegevensdatum niet opgegeven."


def set_print(ws: Worksheet, status: DataStatus | None, *, title_rows: str | None = "1:1") -> None:
    """Landscape A4, one page wide (as many pages long as needed), the header row on every
    page, data date and old Leerwinkels in the header, data date and page x of y in the footer."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = PAPER_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # 0: as many pages as the rows need
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = False
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.75
    if title_rows:
        ws.print_title_rows = title_rows
    # "&" starts a code in a header; a text of ours never holds one
    line = data_line(status).replace("&", "&&")
    ws.oddHeader.left.text = f"{TITLE} - {ws.title}"
    ws.oddHeader.right.text = line
    ws.oddFooter.left.text = f"Gegevens tot {dutch_date(status.data_date)}" if status and status.data_date else TITLE
    ws.oddFooter.right.text = "Pagina &P van &N"
    ws.evenHeader.left.text, ws.evenHeader.right.text = ws.oddHeader.left.text, ws.oddHeader.right.text
    ws.evenFooter.left.text, ws.evenFooter.right.text = ws.oddFooter.left.text, ws.oddFooter.right.text


def wrap_explanation(ws: Worksheet) -> None:
    """Paragraphs (one long text in column A) merged over A:C and wrapped with a row height
    that shows all their lines; the column explanations (column C) wrapped."""
    for letter, width in EXPLANATION_WIDTHS.items():
        ws.column_dimensions[letter].width = width
    page_width = sum(EXPLANATION_WIDTHS.values())
    for row in ws.iter_rows():
        first = row[0]
        others = [c.value for c in row[1:] if c.value is not None]
        if isinstance(first.value, str) and not others and len(first.value) > EXPLANATION_WIDTHS["A"]:
            ws.merge_cells(start_row=first.row, start_column=1, end_row=first.row, end_column=3)
            first.alignment = Alignment(wrap_text=True, vertical="top")
            ws.row_dimensions[first.row].height = _lines(first.value, page_width) * POINTS_PER_LINE
        elif len(row) >= 3 and isinstance(row[2].value, str):
            # a column explanation, or the information-loss header (columns beyond C: narrow ones)
            filled = [c for c in row if c.value is not None]
            for cell in filled:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            ws.row_dimensions[first.row].height = max(
                _lines(str(c.value), EXPLANATION_WIDTHS.get(c.column_letter, NARROW_WIDTH)) for c in filled
            ) * POINTS_PER_LINE
    for column in range(len(EXPLANATION_WIDTHS) + 1, ws.max_column + 1):
        ws.column_dimensions[get_column_letter(column)].width = NARROW_WIDTH


def _lines(text: str, width: int) -> int:
    """About how many lines ``text`` takes in a column ``width`` characters wide (a wrapped
    line breaks at a word, so a little under the width fits)."""
    return max(1, math.ceil(len(text) / max(1, width - 4)))


def _put(ws: Worksheet, top: int, left: int, frame: pl.DataFrame, headers: list[str], number_format: str) -> None:
    for j, header in enumerate(headers):
        ws.cell(row=top, column=left + j, value=header).font = Font(bold=True)
    for i, row in enumerate(frame.iter_rows(), start=1):
        for j, value in enumerate(row):
            cell = ws.cell(row=top + i, column=left + j, value=value)
            if j:
                cell.number_format = number_format


def chart_sheet(wb: Workbook, published: dict[str, pl.DataFrame], status: DataStatus | None, leerwinkel_labels: dict[str, str]) -> Worksheet | None:
    """The sheet :data:`CHART_SHEET`: the three headline charts (reach of the network, new
    trajectories per Leerwinkel, the SROI ratio with its range) as native Excel charts, each
    beside the small table of published figures it draws. None without ind_reach."""
    reach = published.get("ind_reach")
    if reach is None:
        return None
    ws = wb.create_sheet(CHART_SHEET)
    ws["A1"] = "Kerncijfers in grafieken (gepubliceerde, beschermde cijfers)"
    ws["A1"].font = Font(bold=True, size=13)
    ws["A2"] = data_line(status)

    network = network_reach(reach).select("year", "new_trajectories", "clients_reached")
    top = 4
    _put(ws, top, 1, network, ["Jaar", "Nieuwe trajecten", "Bereikte cliënten"], "0")
    first = BarChart()
    first.type = "col"
    first.title = "Bereik van het netwerk per jaar"
    first.y_axis.title = "Aantal"
    first.x_axis.title = "Jaar"
    first.add_data(Reference(ws, min_col=2, max_col=3, min_row=top, max_row=top + network.height), titles_from_data=True)
    first.set_categories(Reference(ws, min_col=1, min_row=top + 1, max_row=top + network.height))
    _size(first)
    ws.add_chart(first, f"F{top}")

    by_leerwinkel = (
        new_trajectories_by_leerwinkel(reach)
        .pivot(on="leerwinkel", index="year", values="new_trajectories")
        .sort("year")
    )
    codes = [c for c in by_leerwinkel.columns if c != "year"]
    top = max(top + network.height + 3, 22)
    _put(ws, top, 1, by_leerwinkel, ["Jaar", *[leerwinkel_labels.get(c, c) for c in codes]], "0")
    second = LineChart()
    second.title = "Nieuwe trajecten per Leerwinkel"
    second.y_axis.title = "Nieuwe trajecten"
    second.x_axis.title = "Jaar"
    second.add_data(Reference(ws, min_col=2, max_col=1 + len(codes), min_row=top, max_row=top + by_leerwinkel.height), titles_from_data=True)
    second.set_categories(Reference(ws, min_col=1, min_row=top + 1, max_row=top + by_leerwinkel.height))
    _size(second)
    ws.add_chart(second, f"I{top}" if len(codes) > 3 else f"F{top}")

    sroi = published.get("ind_sroi")
    top = max(top + by_leerwinkel.height + 3, 40)
    if sroi is not None and network_sroi(sroi).height:
        ratios = network_sroi(sroi)
        _put(ws, top, 1, ratios, ["Jaar", "SROI laag", "SROI centraal", "SROI hoog"], "0.00")
        third = LineChart()
        third.title = "SROI-ratio van het netwerk (laag - centraal - hoog)"
        third.y_axis.title = "Maatschappelijke waarde per euro kost"
        third.x_axis.title = "Jaar"
        third.add_data(Reference(ws, min_col=2, max_col=4, min_row=top, max_row=top + ratios.height), titles_from_data=True)
        third.set_categories(Reference(ws, min_col=1, min_row=top + 1, max_row=top + ratios.height))
        _size(third)
        ws.add_chart(third, f"F{top}")
    else:
        ws.cell(row=top, column=1, value="SROI-ratio: nog geen jaar met een kost, dus nog geen ratio.")
    for letter in "ABCDEFG":
        ws.column_dimensions[letter].width = 14
    set_print(ws, status, title_rows=None)
    ws.page_setup.fitToHeight = 1  # the charts on one page
    return ws


def _size(chart: BarChart | LineChart) -> None:
    chart.height = 8.5  # cm
    chart.width = 17


def estimated_pages(wb: Workbook) -> dict[str, int]:
    """About how many A4 landscape pages each sheet prints on, from the print setup: a sheet
    fitted to the page width is scaled by page width / its columns' width, and a page holds
    the printable height / (row height x scale) rows. An upper estimate: the demo workbook of
    `make run` (2,000 trajectories, 13 table sheets) is estimated at 171 pages; LibreOffice
    printed it on 141 (`soffice --headless --convert-to pdf`)."""
    printable_width_pt = (29.7 / 2.54 - 1.0) * 72  # landscape A4, margins 0.5 inch
    printable_height_pt = (21.0 / 2.54 - 1.5) * 72  # margins 0.75 inch (header and footer sit in them)
    pages: dict[str, int] = {}
    for ws in wb.worksheets:
        if ws.title == CHART_SHEET:
            pages[ws.title] = 1
            continue
        widths = [ws.column_dimensions[ws.cell(row=1, column=j).column_letter].width or 8.43 for j in range(1, ws.max_column + 1)]
        width_pt = sum(widths) * 7.0 * 0.75  # a character is ~7 px; 0.75 pt per px
        scale = min(1.0, printable_width_pt / width_pt) if width_pt else 1.0
        heights = [ws.row_dimensions[r].height or DEFAULT_ROW_POINTS for r in range(1, ws.max_row + 1)]
        repeated = heights[0] if ws.print_title_rows else 0.0
        used, count = 0.0, 1
        for h in heights:
            if used + h * scale > printable_height_pt and used > 0:
                count += 1
                used = repeated * scale
            used += h * scale
        pages[ws.title] = count
    return pages


__all__ = ["CHART_SHEET", "chart_sheet", "data_line", "estimated_pages", "set_print", "wrap_explanation"]
