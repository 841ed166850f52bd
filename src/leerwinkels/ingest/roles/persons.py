"""Person fields of a client or trajectory row: birth year, national-number validity and the
client key; the personal columns are dropped once the key is made."""

from __future__ import annotations

import polars as pl

from leerwinkels.ingest import parsing as p
from leerwinkels.ingest.fields import Context, date_of, int_of
from leerwinkels.ingest.source_specs import SheetSpec, SourceSpec
from leerwinkels.privacy.pseudonymise import national_number_digits, valid_national_number


def person_fields(frame: pl.DataFrame, spec: SourceSpec, sheet_spec: SheetSpec, serial: bool) -> pl.DataFrame:
    """Birth year, national-number digits and validity, codes; personal columns dropped after."""
    exprs = []
    if "birth_date" in frame.columns:
        exprs.append(date_of("birth_date", serial).alias("_birth_date"))
    elif "birth_year" in frame.columns:
        exprs.append(pl.lit(None, pl.Date).alias("_birth_date"))
    if "national_number" in frame.columns:
        exprs.append(national_number_digits(pl.col("national_number")).alias("_nn"))
    frame = frame.with_columns(exprs)
    if "national_number" in frame.columns:
        frame = frame.with_columns(valid_national_number(pl.col("_nn")).alias("_nn_valid"))
    if "birth_year" in frame.columns:
        year = int_of("birth_year")
        frame = frame.with_columns(pl.when(year.is_between(1850, 2200)).then(year).otherwise(None).cast(pl.Int32).alias("_birth_year"))
    else:
        frame = frame.with_columns(pl.col("_birth_date").dt.year().cast(pl.Int32).alias("_birth_year"))
    return frame


def client_keys(frame: pl.DataFrame, ctx: Context, local_id: pl.Expr) -> pl.DataFrame:
    lw = ctx.spec.leerwinkel
    has_nn = pl.col("_nn_valid") if "_nn_valid" in frame.columns else pl.lit(False)
    nn = pl.col("_nn") if "_nn" in frame.columns else pl.lit(None, pl.String)
    message = pl.when(has_nn).then(pl.lit("nn:") + nn).otherwise(pl.lit(f"lw:{lw}:") + local_id)
    frame = frame.with_columns(message.alias("_client_msg"))
    return frame.with_columns(ctx.key(frame, "_client_msg").alias("client_key")).drop("_client_msg", NAME, strict=False)


NAME = "_name"  # the normalised name, only until the client key is made


def local_client_id(sheet_spec: SheetSpec) -> pl.Expr:
    if sheet_spec.client_by_name_and_birth_year:
        # MODEL.md: name lower-cased, accents removed, runs of spaces made one, trimmed: `jan peeters:1987`.
        name = pl.col(NAME)
        by_name = name + pl.lit(":") + pl.col("_birth_year").cast(pl.String).fill_null("")
        return pl.when(name.is_not_null() & (name != "")).then(by_name).otherwise(pl.lit("trajectory:") + pl.col("_id"))
    return p.clean_text(pl.col(sheet_spec.client_id)) if sheet_spec.client_id != "trajectory_id" else pl.col("_id")


def with_age(frame: pl.DataFrame) -> pl.DataFrame:
    by_date = p.whole_years_between(pl.col("_birth_date"), pl.col("intake_date_parsed"))
    by_year = (pl.col("intake_date_parsed").dt.year().cast(pl.Int32) - pl.col("_birth_year")).cast(pl.Int32)
    return frame.with_columns(pl.when(pl.col("_birth_date").is_not_null()).then(by_date).otherwise(by_year).alias("_age"))
