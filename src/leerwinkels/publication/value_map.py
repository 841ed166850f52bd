"""`sroi_value_map.xlsx`: the network's Value Map per year, for an assurer (SROI.md, "Value Map").

Written by :func:`leerwinkels.publication.workbook.write_publication` from the PUBLISHED
(protected) `ind_sroi_inputs` and `ind_sroi`: the quantities are the published counts and
every euro figure the published one, so a reader who subtracts the Value Map from the
published SROI tables finds zero, never a count (tests/unit/test_sroi_value_map.py).
One sheet per year; the headers are the Value Map's (English), the rates as percentages.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path

import polars as pl
from openpyxl import Workbook
from openpyxl.styles import Font

from leerwinkels.sroi.parameters import SroiParameters
from leerwinkels.sroi.value_map import value_map_outcomes, value_map_totals

VALUE_MAP_NAME = "sroi_value_map.xlsx"
HEADERS = {
    "stakeholder": "Stakeholder",
    "outcome": "Outcome",
    "indicator": "Indicator",
    "quantity": "Quantity",
    "duration_years": "Duration (years)",
    "proxy_eur": "Financial proxy (EUR per person per year)",
    "proxy_source": "Source of the financial proxy",
    "deadweight": "Deadweight %",
    "displacement": "Displacement %",
    "attribution": "Attribution %",
    "drop_off": "Drop-off %",
    "impact_eur": "Impact (EUR, first year)",
    "present_value_eur": "Present value (EUR)",
}
FORMATS = {"proxy_eur": "#,##0.00", "impact_eur": "#,##0.00", "present_value_eur": "#,##0.00",
           "deadweight": "0%", "displacement": "0%", "attribution": "0%", "drop_off": "0%"}
TOTAL_LABELS = {
    "present_value_eur": "Total present value (EUR)",
    "cost_eur": "Investment: cost of the year (EUR)",
    "net_present_value_eur": "Net present value (EUR)",
    "sroi_ratio": "SROI ratio (present value / investment)",
}
_BOLD = Font(bold=True)


def _year_sheet(wb: Workbook, year: int, outcomes: pl.DataFrame, totals: dict | None, params: SroiParameters) -> None:
    ws = wb.create_sheet(f"Value Map {year}")
    ws.append([f"Leerwinkels network - Value Map {year} (trajectories closed in {year})"])
    ws["A1"].font = _BOLD
    ws.append([f"Parameter version {params.version} (sroi/parameters.yaml). Quantities are the published, protected "
               "counts (see the Toelichting of leerwinkels_indicatoren.xlsx); rates whose source is 'assumption' are "
               "assumptions until the research team sets them (docs/sroi.md)."])
    ws.append([])
    columns = list(HEADERS)
    ws.append([HEADERS[c] for c in columns])
    for cell in ws[ws.max_row]:
        cell.font = _BOLD
    for row in outcomes.select(columns).iter_rows():
        ws.append(list(row))
        for j, name in enumerate(columns):
            if name in FORMATS:
                ws.cell(row=ws.max_row, column=j + 1).number_format = FORMATS[name]
    ws.append([])
    for name, label in TOTAL_LABELS.items():
        value = None if totals is None else totals[name]
        ws.append([label, value])
        ws.cell(row=ws.max_row, column=1).font = _BOLD
        ws.cell(row=ws.max_row, column=2).number_format = "0.00" if name == "sroi_ratio" else "#,##0.00"
    for letter, width in {"A": 44, "B": 22, "C": 30, "D": 50, "G": 16, "H": 40}.items():
        ws.column_dimensions[letter].width = width


def value_map_workbook(published: Mapping[str, pl.DataFrame], params: SroiParameters) -> bytes:
    """The workbook's bytes: one sheet per year of the published `ind_sroi`."""
    outcomes = value_map_outcomes(published["ind_sroi_inputs"], params)
    totals = value_map_totals(published["ind_sroi"])
    wb = Workbook()
    assert wb.active is not None
    wb.remove(wb.active)
    years = sorted(set(outcomes.get_column("year").to_list()) | set(totals.get_column("year").to_list()))
    for year in years:
        rows = totals.filter(pl.col("year") == year).to_dicts()
        _year_sheet(wb, year, outcomes.filter(pl.col("year") == year), rows[0] if rows else None, params)
    if not years:
        wb.create_sheet("Value Map")
    wb.properties.title = "Leerwinkels - SROI Value Map"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def write_value_map(published: Mapping[str, pl.DataFrame], out_dir: Path, params: SroiParameters, write) -> Path:
    """Writes :data:`VALUE_MAP_NAME` into ``out_dir`` with ``write(path, bytes writer)``."""
    content = value_map_workbook(published, params)
    return write(Path(out_dir) / VALUE_MAP_NAME, lambda fh: fh.write(content))


__all__ = ["HEADERS", "TOTAL_LABELS", "VALUE_MAP_NAME", "value_map_workbook", "write_value_map"]
