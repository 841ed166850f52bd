"""Small pure parsing functions: text, labels, dates, numbers and code mapping (polars expressions)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from polars.expr.whenthen import ChainedThen, Then

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


# a polars data type as callers write it: the class (pl.Int64) or an instance (pl.Enum([...]))
Dtype = pl.DataType | type[pl.DataType]


def by_distinct(expr: pl.Expr, fn: Callable[[pl.Expr], pl.Expr], return_dtype: Dtype) -> pl.Expr:
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
    """The form in which source labels are compared: NFC (a Mac writes accents decomposed),
    trimmed, case-folded, single spaces."""
    return clean_text(expr).str.normalize("NFC").str.to_lowercase().str.replace_all(r"\s+", " ")


def label_key_py(value: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", str(value)).strip().lower())


def map_code(expr: pl.Expr, mapping: dict[str, object], return_dtype: Dtype = pl.String) -> pl.Expr:
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
        # the duration only of serials in range: polars computes every branch, and a huge
        # number (a national number typed into a date cell) is no date at all
        parsed = parsed.when(text.str.contains(_SERIAL) & in_range).then(
            pl.lit(EXCEL_EPOCH) + pl.duration(days=pl.when(in_range).then(serial))
        )
    as_date = parsed.otherwise(None).cast(pl.Date)
    return pl.when(as_date.is_between(DATE_MIN, DATE_MAX)).then(as_date).otherwise(None)


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


# No count, duration, score or amount of this domain reaches ten billion: a cell that does
# holds 11 digits or more, most likely a national number typed into the wrong column, and
# must not load as a number (it would be the national number in a table).
NUMBER_LIMIT = 1e10


def parse_number(expr: pl.Expr, decimal_comma: bool = False) -> pl.Expr:
    """A number cell; ``0,75`` where the source writes a decimal comma. Null when unreadable
    or not below :data:`NUMBER_LIMIT` in size."""
    text = clean_text(expr).str.replace_all(r"\s", "")
    if decimal_comma:
        text = text.str.replace_all(r"\.", "").str.replace(",", ".")
    number = text.cast(pl.Float64, strict=False)
    return pl.when(number.abs() < NUMBER_LIMIT).then(number)


def parse_int(expr: pl.Expr, dtype: Dtype = pl.Int64) -> pl.Expr:
    """A whole number, or null when unreadable or outside ``dtype`` (a national number typed
    into a score must not become a cast error that quotes it)."""
    number = parse_number(expr)
    return pl.when(number == number.round(0)).then(number).otherwise(None).cast(dtype, strict=False)


def postcode(expr: pl.Expr) -> pl.Expr:
    """A Belgian postcode (4 digits) or null."""
    text = clean_text(expr).str.replace(r"\.0+$", "")
    return pl.when(text.str.contains(r"^\d{4}$")).then(text).otherwise(None)


AGE_BANDS = [(16, 24, "16-24"), (25, 34, "25-34"), (35, 44, "35-44"), (45, 54, "45-54")]


def age_band(age: pl.Expr) -> pl.Expr:
    band: Then | ChainedThen = pl.when(age.is_null()).then(pl.lit("unknown"))
    for low, high, name in AGE_BANDS:
        band = band.when(age.is_between(low, high)).then(pl.lit(name))
    return band.when(age >= 55).then(pl.lit("55+")).otherwise(pl.lit("unknown"))


def whole_years_between(born: pl.Expr, on: pl.Expr) -> pl.Expr:
    """Completed years of age on a date (birthday not yet reached this year: one less)."""
    had_birthday = (on.dt.month() > born.dt.month()) | (
        (on.dt.month() == born.dt.month()) & (on.dt.day() >= born.dt.day())
    )
    return (on.dt.year().cast(pl.Int32) - born.dt.year().cast(pl.Int32) - pl.when(had_birthday).then(0).otherwise(1)).cast(pl.Int32)


# Control characters (C0 except tab, line feed and carriage return) are no text: one NUL
# makes PostgreSQL refuse the whole load. ``_x0007_`` is how xlsx escapes them; calamine
# decodes most, a literal one left over is removed too.
CONTROL_CHARS = r"[\x00-\x08\x0b\x0c\x0e-\x1f]|_x00[01][0-9A-Fa-f]_"
# the same as literals, for a fast first look (Aho-Corasick, no regex)
_CONTROL_LITERALS = [chr(c) for c in (*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20))] + ["_x000", "_x001"]


def without_control_chars(frame: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """The frame's String columns without control characters, and how many were removed.
    A fast ``contains`` per column first: a delivery without any costs one scan."""
    strings = [c for c, t in frame.schema.items() if t == pl.String]
    if not strings or frame.height == 0:
        return frame, 0
    present = frame.select(pl.col(c).str.contains_any(_CONTROL_LITERALS).any() for c in strings).row(0)
    dirty = [c for c, has in zip(strings, present, strict=True) if has]
    if not dirty:
        return frame, 0
    removed = int(frame.select(pl.sum_horizontal(pl.col(c).str.count_matches(CONTROL_CHARS).fill_null(0).sum() for c in dirty)).item())
    return frame.with_columns(pl.col(c).str.replace_all(CONTROL_CHARS, "") for c in dirty), removed


_DMY_PARTS = r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})(?:\s|$)"


def month_first_dates(values: pl.Series) -> tuple[int, int]:
    """Of the ``dd/mm/yyyy``-shaped cells: how many cannot be read day-first but can be read
    month-first, and how many are so shaped. Only cells with a ``/`` are looked at."""
    text = values.drop_nulls()
    if text.dtype != pl.String or text.len() == 0 or not text.str.contains("/", literal=True).any():
        return 0, 0
    text = text.unique()  # judged over the distinct dates: a column holds few
    parts = text.str.extract_groups(_DMY_PARTS).struct.unnest().drop_nulls()
    if parts.height == 0:
        return 0, 0
    first, second, year = (pl.col(c).str.zfill(2) for c in parts.columns)

    def readable(day: pl.Expr, month: pl.Expr) -> pl.Expr:
        return pl.concat_str([year, month, day], separator="-").str.to_date("%Y-%m-%d", strict=False).is_not_null()

    counts = parts.select((~readable(first, second) & readable(second, first)).sum().alias("swapped"))
    return int(counts.item()), parts.height


def looks_month_first(swapped: int, shaped: int) -> bool:
    """A column read day-first whose unreadable cells read month-first, and not as a typo or
    two: a quarter of its dd/mm/yyyy cells at least (a month-first export has days 13-31 in
    about 60 % of them; a day-first one none at all)."""
    return swapped >= 2 and swapped * 4 >= shaped


from leerwinkels.privacy.shown_values import scrub  # noqa: E402,F401  (kept importable from here)
