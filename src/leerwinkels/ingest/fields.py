"""Reading the mapped columns of a role's sheets: combining the sheets, and parsing dates,
numbers and codes per distinct value (see parsing.by_distinct)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from leerwinkels.contract import code_lists
from leerwinkels.ingest import parsing as p
from leerwinkels.ingest.readers import ROW, FileProblem, RawSheet, normalise_header
from leerwinkels.ingest.rules import FATE, FILE, SHEET
from leerwinkels.ingest.source_specs import SheetSpec, SourceSpec
from leerwinkels.privacy.pseudonymise import Pseudonymiser

CODE_FIELDS = ("gender", "education_level", "dutch_level", "labour_status", "inflow_channel", "learning_question")


VULNERABLE = code_lists.VULNERABLE  # a contract fact (MODEL.md), defined in contract/code_lists.py


@dataclass
class Context:
    spec: SourceSpec
    pseudonymiser: Pseudonymiser
    as_of: date
    run_id: str | None

    def key(self, expr_frame: pl.DataFrame, column: str) -> pl.Series:
        return self.pseudonymiser.series(expr_frame.get_column(column))


def combine_sheets(sheets: list[RawSheet], sheet_spec: SheetSpec) -> pl.DataFrame:
    """Concatenate the sheets of one role, drop rows that are not data rows, mark exact duplicates.

    Exact duplicates are judged on every source column, personal ones included; only the
    mapped columns (model field names) leave this function.
    """
    frames = []
    for raw in sheets:
        frame = raw.frame
        value_cols = [c for c in frame.columns if c != ROW]
        frame = frame.with_columns([p.clean_text(pl.col(c)).alias(c) for c in value_cols])
        frame = frame.filter(pl.any_horizontal([pl.col(c).is_not_null() for c in value_cols]) if value_cols else pl.lit(False))
        by_header = {normalise_header(c): c for c in value_cols}
        renames = {f: by_header.get(normalise_header(h)) for f, h in sheet_spec.columns.items()}
        # Exact duplicates: equal in every column of the file to an earlier row.
        first = first_distinct(frame, value_cols)
        extra = {w: by_header.get(normalise_header(w)) for w in (*sheet_spec.wide_contacts, *sheet_spec.wide_referrals)}
        selected = [pl.col(ROW), pl.when(first).then(pl.lit("pending")).otherwise(pl.lit("duplicate")).alias(FATE),
                    pl.lit(raw.file_name).alias(FILE), pl.lit(raw.sheet).alias(SHEET)]
        selected += [(pl.col(src) if src else pl.lit(None, pl.String)).alias(f) for f, src in renames.items()]
        selected += [pl.col(src).alias(w) for w, src in extra.items() if src]
        frame = frame.select(selected)
        if sheet_spec.skip_rows_where:
            column, value = sheet_spec.skip_rows_where["column"], str(sheet_spec.skip_rows_where["equals"])
            frame = frame.filter(label_of(column).fill_null("") != p.label_key_py(value))
        frames.append(frame)
    return pl.concat(frames, how="diagonal_relaxed")


def first_distinct(frame: pl.DataFrame, columns: list[str]) -> pl.Series:
    """Per row: no earlier row is equal in all ``columns`` (nulls equal), as
    ``pl.struct(columns).is_first_distinct()``. Only the rows that have an equal row at all
    (a cheaper test) are compared in order."""
    first = pl.repeat(True, frame.height, dtype=pl.Boolean, eager=True)
    if not columns or frame.height == 0:
        return first
    values = frame.select(columns)
    repeated = values.is_duplicated()
    if not repeated.any():
        return first
    rows = repeated.arg_true()
    return first.scatter(rows, values[rows].select(pl.struct(columns).is_first_distinct()).to_series())


# Parsing and code mapping per distinct value (see parsing.by_distinct): the columns they are
# used on hold few distinct values among many rows.

def code_of(frame_col: str, spec: SourceSpec, code_list: str, dtype: p.Dtype = pl.String) -> pl.Expr:
    mapping = spec.code_map(code_list)
    return p.by_distinct(pl.col(frame_col), lambda e: p.map_code(e, mapping, dtype), dtype)


def label_of(column: str) -> pl.Expr:
    return p.by_distinct(pl.col(column), p.label_key, pl.String)


def date_of(column: str, serial: bool = False) -> pl.Expr:
    return p.by_distinct(pl.col(column), lambda e: p.parse_date(e, serial), pl.Date)


def datetime_of(column: str) -> pl.Expr:
    return p.by_distinct(pl.col(column), p.parse_datetime, pl.Datetime("us"))


def number_of(column: str, decimal_comma: bool = False) -> pl.Expr:
    return p.by_distinct(pl.col(column), lambda e: p.parse_number(e, decimal_comma), pl.Float64)


def int_of(column: str) -> pl.Expr:
    return p.by_distinct(pl.col(column), p.parse_int, pl.Int64)


# A contact lasts less than a day: a longer one is a slip (a phone number in the duration
# column would otherwise load as hundreds of millions of minutes, and be the number).
MAX_CONTACT_MINUTES = 24 * 60


def contact_minutes(minutes: pl.Expr) -> pl.Expr:
    return pl.when(minutes <= MAX_CONTACT_MINUTES).then(minutes)


def postcode_of(column: str) -> pl.Expr:
    return p.by_distinct(pl.col(column), p.postcode, pl.String)


# ---------------------------------------------------------------- person fields


def header_of(sheet_spec: SheetSpec, field_name: str) -> str:
    return sheet_spec.columns.get(field_name, field_name)


def refuse_month_first_dates(sheet_spec: SheetSpec, raw: RawSheet) -> None:
    """A date column read day-first (dd/mm/yyyy) whose values mostly read only month-first is
    a wrongly exported file: no date of it may load with day and month swapped."""
    by_header = {normalise_header(c): c for c in raw.frame.columns if c != ROW}
    headers = [h for f, h in sheet_spec.columns.items() if f.endswith("_date")] + list(sheet_spec.wide_contacts)
    for header in headers:
        column = by_header.get(normalise_header(header))
        if column is None:
            continue
        swapped, shaped = p.month_first_dates(raw.frame.get_column(column))
        if p.looks_month_first(swapped, shaped):
            where = f"sheet {raw.sheet!r}, " if raw.sheet else ""
            raise FileProblem(raw.file_name, f"{where}column {header!r}: its dates look month-first (mm/dd/yyyy): {swapped} of {shaped} "
                              "day/month/year values can only be read with day and month swapped. Re-export it with dates as "
                              "dd/mm/yyyy (day first), as declared in sources/, and deliver it again")
