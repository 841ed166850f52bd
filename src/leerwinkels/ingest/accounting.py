"""What a staging run accounts for: rows read, loaded, quarantined and duplicate per sheet
(source_files), the quarantined rows (quarantine) and the files found (deliveries)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from leerwinkels.ingest.delivery_files import Delivery, is_macro_workbook
from leerwinkels.ingest.readers import ROW
from leerwinkels.ingest.rules import COLUMN, FATE, FILE, MESSAGE, RULE, SHEET
from leerwinkels.ingest.source_specs import SourceSpec
from leerwinkels.ingest.staged_tables import SCHEMAS, conform, empty
from leerwinkels.privacy.shown_values import shown_sheet_name


def _accounting(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.group_by(FILE, SHEET).agg(
        pl.len().alias("rows_read"),
        (pl.col(FATE) == "loaded").sum().alias("rows_loaded"),
        (pl.col(FATE) == "quarantined").sum().alias("rows_quarantined"),
        (pl.col(FATE) == "duplicate").sum().alias("rows_duplicate"),
    )


def quarantine_rows(frame: pl.DataFrame, leerwinkel: str) -> pl.DataFrame:
    q = frame.filter(pl.col(FATE) == "quarantined").select(
        pl.lit(leerwinkel).alias("leerwinkel"), pl.col(FILE).alias("file_name"), pl.col(SHEET).alias("sheet"),
        pl.col(ROW).alias("row_number"), pl.col(RULE).alias("rule"), pl.col(COLUMN).alias("column"), pl.col(MESSAGE).alias("message"),
    )
    return conform(q, "quarantine")


def delivery_rows(spec: SourceSpec, deliveries: list[Delivery], folder: Path, ignored_sheets: dict[str, list[str]] | None = None) -> pl.DataFrame:
    """One row per pattern's current file (or its absence), per older file ignored and per file refused."""
    rows: list[dict[str, object]] = []
    lw = spec.leerwinkel
    for d in deliveries:
        for refused in d.refused:
            rows.append({"leerwinkel": lw, "pattern": d.pattern, "file_name": refused.name, "modified_time": None,
                         "status": "refused", "message": refused.reason})
        if d.path is None:
            why = d.folder_problem or "no file matches the pattern"
            rows.append({"leerwinkel": lw, "pattern": d.pattern, "file_name": None, "modified_time": None, "status": "missing", "message": why})
            continue
        sheets = (ignored_sheets or {}).get(d.path.name) or []
        note = "macro-enabled workbook (.xlsm) read as a workbook; its macros are never run" if is_macro_workbook(d.path) else None
        rows.append({"leerwinkel": lw, "pattern": d.pattern, "file_name": d.path.name, "modified_time": d.modified, "status": "current",
                     "message": note, "ignored_sheets": ", ".join(shown_sheet_name(s) for s in sheets) or None})
        for old in d.ignored:
            rows.append({"leerwinkel": lw, "pattern": d.pattern, "file_name": old.name,
                         "modified_time": None, "status": "ignored", "message": f"older than {d.path.name}"})
    return conform(pl.DataFrame(rows, schema=SCHEMAS["deliveries"]) if rows else empty("deliveries"), "deliveries")


def source_file_rows(spec, fates, file_meta, extra_counts, run_id, sheets_read=()) -> pl.DataFrame:
    if (fates is None or fates.height == 0) and not file_meta:
        return empty("source_files")
    if fates is None:
        fates = pl.DataFrame(schema={FILE: pl.String, SHEET: pl.String, FATE: pl.String, "_invalid_nn": pl.Boolean})
    invalid = fates.group_by(FILE, SHEET).agg(pl.col("_invalid_nn").sum().alias("invalid_national_numbers"))
    accounting = _accounting(fates).join(invalid, on=[FILE, SHEET], how="left")
    # A sheet read without any data row (an empty year sheet, an empty referrals sheet) is
    # still listed, with zeros: the report shows it was read, not overlooked.
    seen = set(accounting.select(FILE, SHEET).iter_rows())
    zeros = [{FILE: f, SHEET: sh, "rows_read": 0, "rows_loaded": 0, "rows_quarantined": 0, "rows_duplicate": 0,
              "invalid_national_numbers": 0} for f, sh in dict.fromkeys(sheets_read) if (f, sh) not in seen]
    rows = []
    for r in [*accounting.iter_rows(named=True), *zeros]:
        sha, modified = file_meta.get(r[FILE], (None, None))
        extra = extra_counts.get((r[FILE], r[SHEET]), {})
        rows.append({
            "leerwinkel": spec.leerwinkel, "file_name": r[FILE], "sheet": r[SHEET], "sha256": sha, "modified_time": modified,
            "rows_read": r["rows_read"], "rows_loaded": r["rows_loaded"], "rows_quarantined": r["rows_quarantined"],
            "rows_duplicate": r["rows_duplicate"],
            "invalid_national_numbers": extra.get("invalid_national_numbers", r["invalid_national_numbers"] or 0),
            "values_ignored": extra.get("values_ignored", 0), "control_chars_removed": extra.get("control_chars_removed", 0),
            "run_id": run_id,
        })
    return conform(pl.DataFrame(rows, schema=SCHEMAS["source_files"]), "source_files").sort("file_name", "sheet")
