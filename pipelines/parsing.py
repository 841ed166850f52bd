"""Small pure parsing functions: text, labels, dates, numbers and code mapping (polars expressions)."""

from __future__ import annotations

import re
from datetime import date
from typing import Callable

import polars as pl

EXCEL_EPOCH = date(1899, 12, 30)
# A serial number outside this range is not a plausible date of this domain (1927..2173).
EXCEL_SERIAL_MIN, EXCEL_SERIAL_MAX = 10_000, 100_000
DATE_MIN, DATE_MAX = date(1900, 1, 1), date(2199, 12, 31)

_ISO = r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
_DMY = r"^\d{1,2}/\d{1,2}/\d{4}$"
_SERIAL = r"^\d{5}(?:\.0+)?$"


def clean_text(expr: pl.Expr) -> pl.Expr:
    """Trimmed text; an empty or blank cell becomes null."""
    # not when(len > 0).then(text): polars would strip every value twice
    return expr.cast(pl.String).str.strip_chars().replace("", None)


def by_distinct(expr: pl.Expr, fn: Callable[[pl.Expr], pl.Expr], return_dtype: pl.DataType) -> pl.Expr:
    """``fn(expr)``, evaluated once per distinct value of ``expr`` (null included) and mapped
    back onto the rows: the same result for an elementwise ``fn`` of that one column, at a
    fraction of the cost where a column holds few distinct values (dates, labels, codes).
    For use in ``select``/``with_columns``/``filter`` over whole columns, not in aggregations."""

    def apply(series: pl.Series) -> pl.Series:
        distinct = series.unique()
        if distinct.len() * 2 > series.len():  # mostly distinct: at once
            return series.to_frame("v").select(fn(pl.col("v")).cast(return_dtype)).to_series().alias(series.name)
        mapped = distinct.to_frame("v").select(fn(pl.col("v")).cast(return_dtype)).to_series()
        return series.replace_strict(distinct, mapped, default=None, return_dtype=return_dtype)

    return expr.map_batches(apply, return_dtype=return_dtype)


def label_key(expr: pl.Expr) -> pl.Expr:
    """The form in which source labels are compared: trimmed, case-folded, single spaces."""
    return clean_text(expr).str.to_lowercase().str.replace_all(r"\s+", " ")


def label_key_py(value: str) -> str:
    return re.sub(r"\s+", " ", str(value).strip().lower())


def map_code(expr: pl.Expr, mapping: dict[str, object], return_dtype=pl.String) -> pl.Expr:
    """Map a source label onto a code; null when the label is not in the mapping (or empty)."""
    keyed = {label_key_py(k): v for k, v in mapping.items()}
    return label_key(expr).replace_strict(keyed, default=None, return_dtype=return_dtype)


def parse_date(expr: pl.Expr, excel_serial: bool = False) -> pl.Expr:
    """A date cell as it arrives: an ISO date or datetime (real Excel dates and ISO text),
    ``dd/mm/yyyy`` text, and, where a source declares it, an Excel serial number.

    Null when empty or unreadable; callers tell those apart with :func:`clean_text`.
    """
    text = clean_text(expr)
    iso = text.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
    dmy = text.str.to_date("%d/%m/%Y", strict=False)
    parsed = pl.when(text.str.contains(_ISO)).then(iso).when(text.str.contains(_DMY)).then(dmy)
    if excel_serial:
        serial = text.str.replace(r"\.0+$", "").cast(pl.Int64, strict=False)
        in_range = serial.is_between(EXCEL_SERIAL_MIN, EXCEL_SERIAL_MAX)
        parsed = parsed.when(text.str.contains(_SERIAL) & in_range).then(
            pl.lit(EXCEL_EPOCH) + pl.duration(days=serial)
        )
    parsed = parsed.otherwise(None).cast(pl.Date)
    return pl.when(parsed.is_between(DATE_MIN, DATE_MAX)).then(parsed).otherwise(None)


def parse_datetime(expr: pl.Expr) -> pl.Expr:
    """A datetime cell (ISO with ``T`` or space, seconds optional); a bare date gives midnight."""
    text = clean_text(expr).str.replace("T", " ")
    return pl.coalesce(
        text.str.to_datetime("%Y-%m-%d %H:%M:%S%.f", strict=False),
        text.str.to_datetime("%Y-%m-%d %H:%M", strict=False),
        text.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False).cast(pl.Datetime("us")),
        text.str.to_datetime("%d/%m/%Y %H:%M:%S", strict=False),
        text.str.to_date("%d/%m/%Y", strict=False).cast(pl.Datetime("us")),
    )


def parse_number(expr: pl.Expr, decimal_comma: bool = False) -> pl.Expr:
    """A number cell; ``0,75`` where the source writes a decimal comma. Null when unreadable."""
    text = clean_text(expr).str.replace_all(r"\s", "")
    if decimal_comma:
        text = text.str.replace_all(r"\.", "").str.replace(",", ".")
    return text.cast(pl.Float64, strict=False)


def parse_int(expr: pl.Expr) -> pl.Expr:
    number = parse_number(expr)
    return pl.when(number == number.round(0)).then(number).otherwise(None).cast(pl.Int64, strict=False)


def postcode(expr: pl.Expr) -> pl.Expr:
    """A Belgian postcode (4 digits) or null."""
    text = clean_text(expr).str.replace(r"\.0+$", "")
    return pl.when(text.str.contains(r"^\d{4}$")).then(text).otherwise(None)


AGE_BANDS = [(16, 24, "16-24"), (25, 34, "25-34"), (35, 44, "35-44"), (45, 54, "45-54")]


def age_band(age: pl.Expr) -> pl.Expr:
    band = pl.when(age.is_null()).then(pl.lit("unknown"))
    for low, high, name in AGE_BANDS:
        band = band.when(age.is_between(low, high)).then(pl.lit(name))
    return band.when(age >= 55).then(pl.lit("55+")).otherwise(pl.lit("unknown"))


def whole_years_between(born: pl.Expr, on: pl.Expr) -> pl.Expr:
    """Completed years of age on a date (birthday not yet reached this year: one less)."""
    had_birthday = (on.dt.month() > born.dt.month()) | (
        (on.dt.month() == born.dt.month()) & (on.dt.day() >= born.dt.day())
    )
    return (on.dt.year().cast(pl.Int32) - born.dt.year().cast(pl.Int32) - pl.when(had_birthday).then(0).otherwise(1)).cast(pl.Int32)


_PERSONAL_PATTERNS = [
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),  # e-mail
    re.compile(r"\d[\d .\-/]{7,}\d"),  # national numbers, phone numbers
]


def scrub(message: str, limit: int = 300) -> str:
    """Mask anything shaped like an e-mail, phone or national number, and cap the length:
    library error messages may quote cell contents."""
    # Cut before matching: the patterns backtrack on long runs, and only `limit` characters
    # are kept anyway (a margin keeps a number that straddles the cut recognisable).
    capped = len(message) > limit
    message = message[: limit + 40]
    for pattern in _PERSONAL_PATTERNS:
        message = pattern.sub("<masked>", message)
    return message[:limit] + "…" if capped or len(message) > limit else message
