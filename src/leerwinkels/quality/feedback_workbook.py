"""The feedback workbook of one Leerwinkel (``<publication dir>/feedback/<leerwinkel>.xlsx``), in
Dutch: its scorecard beside the network's median, and the rows it can fix in its own files.

Each workbook holds only that Leerwinkel's rows of the frames of ``quality/feedback.py``; of the
other Leerwinkels only the network's median. It is no part of the public publication: it is
written into the release folder (so that it is switched to with the rest, all or nothing) but
never listed among the published tables.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import xlsxwriter

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
#: Excel's (and XlsxWriter's) last row: a row past it is not written, without a word from XlsxWriter
EXCEL_ROWS = 1_048_576
_HEADER_ROWS = 2
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


def _dutch(count: int) -> str:
    return f"{count:,}".replace(",", ".")  # 1.048.576


def write_feedback_workbook(leerwinkel: str, frames: dict[str, pl.DataFrame], path: Path) -> Path:
    """Write one Leerwinkel's workbook from the frames of ``feedback_frames`` (only its rows).

    Written with XlsxWriter in constant-memory mode (each row streamed to disk as it is written):
    the quarantine and forgotten-dossier sheets of a large Leerwinkel hold tens of thousands of
    rows, which openpyxl wrote at ~2x the time and with every cell in memory (bench: feedback
    workbooks were the largest step cost above the read floor at 400,000 trajectories). Number
    formats are column formats, so a cell needs no format object of its own."""
    about = frames["about"].row(0, named=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    # default_date_format: a date cell (intake, contact, delivery) shows as a date, not a serial number;
    # a text stays a text: a label delivered as "=..." or "http://..." never becomes a formula or a link
    wb = xlsxwriter.Workbook(str(path), {
        "constant_memory": True, "default_date_format": "yyyy-mm-dd",
        "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
    })
    try:
        bold = wb.add_format({"bold": True})
        share = wb.add_format({"num_format": "0.000"})
        fills = {status: wb.add_format({"bg_color": f"#{rgb}"}) for status, rgb in _FILLS.items()}
        for sheet, (frame_name, title, columns) in SHEETS.items():
            ws = wb.add_worksheet(sheet)
            own = frames[frame_name].filter(pl.col("leerwinkel") == leerwinkel).select([c for c, _ in columns])
            # a documented cap: past Excel's row limit the sheet's last row and its title say how many rows are left out
            left_out = max(0, own.height - (EXCEL_ROWS - _HEADER_ROWS))
            if left_out:
                left_out += 1  # the last row is the note
                own = own.head(own.height - left_out)
            for i, (name, header) in enumerate(columns):
                # a share is a fraction shown as 0.000; "value" of the unmapped labels is a label, not a share
                is_share = name in SHARE_COLUMNS and own.schema[name].is_float()
                ws.set_column(i, i, max(12, min(60, len(header) + 4)), share if is_share else None)
            ws.freeze_panes(2, 0)
            heading = title.format(**about) + (f" (niet alle rijen getoond: {_dutch(left_out)} rijen voorbij de grens van Excel)" if left_out else "")
            ws.write_row(0, 0, [heading], bold)
            ws.write_row(1, 0, [header for _, header in columns], bold)
            status_at = next((i for i, (name, _) in enumerate(columns) if name == "status"), None)
            for r, row in enumerate(own.iter_rows(), start=2):
                ws.write_row(r, 0, row)
                if status_at is not None and row[status_at] in fills:
                    ws.write_string(r, status_at, row[status_at], fills[row[status_at]])
            if left_out:
                ws.write_string(EXCEL_ROWS - 1, 0, f"… en nog {_dutch(left_out)} rijen niet getoond: Excel toont niet meer dan "
                                f"{_dutch(EXCEL_ROWS)} rijen. Verbeter eerst de rijen hierboven.", bold)
        notes = wb.add_worksheet("Toelichting")
        notes.set_column(0, 0, 120)
        for r, line in enumerate(explanation_lines(about)):
            notes.write_string(r, 0, line)
    finally:
        wb.close()
    return path


def write_feedback_workbooks(frames: dict[str, pl.DataFrame], folder: Path) -> list[Path]:
    """``folder/<leerwinkel>.xlsx`` for each of the six Leerwinkels."""
    return [write_feedback_workbook(code, frames, folder / f"{code}.xlsx") for code in LEERWINKELS]
