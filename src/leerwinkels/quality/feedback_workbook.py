"""The feedback workbook of one Leerwinkel (``<publication dir>/feedback/<leerwinkel>.xlsx``), in
Dutch: its scorecard beside the network's median, and the rows it can fix in its own files.

Each workbook holds only that Leerwinkel's rows of the frames of ``quality/feedback.py``; of the
other Leerwinkels only the network's median. It is no part of the public publication: it is
written into the release folder (so that it is switched to with the rest, all or nothing) but
never listed among the published tables.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from leerwinkels.ingest.source_specs import LEERWINKELS

FEEDBACK_DIR = "feedback"

#: sheet -> (frame of quality/feedback.py, Dutch title, (column, Dutch header) ...)
SHEETS: dict[str, tuple[str, str, tuple[tuple[str, str], ...]]] = {
    "Scorekaart": ("scorecard", "Uw scorekaart tegenover de mediaan van het netwerk", (
        ("measure", "Maatstaf"), ("value", "Uw waarde"), ("network_median", "Mediaan netwerk"),
        ("green_max", "Groen tot en met"), ("orange_max", "Oranje tot en met"), ("status", "Status"), ("source", "Bron van het doel"))),
    "Quarantaine": ("quarantine", "Rijen die niet geladen werden: verbeter ze in uw volgende levering", (
        ("file_name", "Bestand"), ("sheet", "Blad"), ("row_number", "Rij"), ("column", "Kolom"), ("rule", "Regel"),
        ("advice", "Wat te doen"))),
    "Onbekende labels": ("unmapped", "Waarden die niet in de codelijst staan (het veld werd 'onbekend')", (
        ("column", "Veld"), ("value", "Label (gemaskeerd waar het een naam kan zijn)"), ("rows", "Rijen"), ("rows_at", "Waar"))),
    "Vergeten dossiers": ("forgotten", "Open dossiers zonder contact in de laatste {idle_days} dagen: afsluiten of opvolgen", (
        ("file_name", "Bestand"), ("sheet", "Blad"), ("row_number", "Rij"), ("intake_date", "Intakedatum"),
        ("last_contact", "Laatste contact (of intake)"), ("days_idle", "Dagen zonder contact"))),
    "Late registraties": ("late", "Contacten en afsluitingen die meer dan {late_days} dagen na hun datum voor het eerst geleverd werden", (
        ("file_name", "Bestand"), ("sheet", "Blad"), ("row_number", "Rij van het dossier"), ("kind", "Soort"),
        ("event_date", "Datum"), ("first_delivered", "Eerst geleverd op"), ("days_before_delivery", "Dagen tussen datum en levering"))),
}
_FILLS = {"groen": "C6EFCE", "oranje": "FFEB9C", "rood": "FFC7CE"}
SHARE_COLUMNS = {"value", "network_median", "green_max", "orange_max"}


def explanation_lines(about: dict) -> list[str]:
    return [
        "Terugkoppeling over de kwaliteit van uw registraties (niet openbaar: alleen voor uw Leerwinkel).",
        f"Stand op {about['as_of_date']}; doelen versie {about['targets_version']} (dq/targets.yaml; alle doelen zijn aannames "
        "tot het netwerk ze vastlegt).",
        "Aandelen staan als fractie (0,05 = 5%); lager is beter. Status: groen tot en met de groene grens, oranje tot en met de "
        "oranje grens, daarboven rood; 'niet gemeten' als het veld niet geleverd wordt of er niets te meten is.",
        "De mediaan van het netwerk is het middelste cijfer van de zes Leerwinkels: het enige wat u over de anderen ziet.",
        "Rijnummers zijn zoals u ze ziet: de Excel-rij van het blad, of het regelnummer in een CSV-bestand (kopregel = 1).",
        f"Laat geregistreerd: een contact of afsluiting die meer dan {about['late_days']} dagen vóór de eerste levering waarin "
        "ze stond gedateerd is. De rijen van uw eerste levering worden niet beoordeeld.",
        f"Vergeten dossier: een open traject zonder contact (of intake) in de {about['idle_days']} dagen voor de stand.",
    ]


def write_feedback_workbook(leerwinkel: str, frames: dict[str, pl.DataFrame], path: Path) -> Path:
    """Write one Leerwinkel's workbook from the frames of ``feedback_frames`` (only its rows)."""
    about = frames["about"].row(0, named=True)
    wb = Workbook()
    wb.remove(wb.active)
    for sheet, (frame_name, title, columns) in SHEETS.items():
        ws = wb.create_sheet(sheet)
        ws.append([title.format(**about)])
        ws["A1"].font = Font(bold=True)
        ws.append([header for _, header in columns])
        for cell in ws[2]:
            cell.font = Font(bold=True)
        own = frames[frame_name].filter(pl.col("leerwinkel") == leerwinkel).select([c for c, _ in columns])
        for row in own.iter_rows():
            ws.append(list(row))
        _format(ws, columns, own.height)
    notes = wb.create_sheet("Toelichting")
    for line in explanation_lines(about):
        notes.append([line])
    notes.column_dimensions["A"].width = 120
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _format(ws, columns: tuple[tuple[str, str], ...], rows: int) -> None:
    for i, (name, header) in enumerate(columns, start=1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = max(12, min(60, len(header) + 4))
        for r in range(3, rows + 3):
            cell = ws.cell(row=r, column=i)
            if name in SHARE_COLUMNS and isinstance(cell.value, float):
                cell.number_format = "0.000"
            elif isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
            if name == "status" and cell.value in _FILLS:
                cell.fill = PatternFill("solid", fgColor=_FILLS[cell.value])
    ws.freeze_panes = "A3"


def write_feedback_workbooks(frames: dict[str, pl.DataFrame], folder: Path) -> list[Path]:
    """``folder/<leerwinkel>.xlsx`` for each of the six Leerwinkels."""
    return [write_feedback_workbook(code, frames, folder / f"{code}.xlsx") for code in LEERWINKELS]
