"""The scan for personal data in tables and files, used by the asset checks and the tests."""

from __future__ import annotations

from collections.abc import Collection

import polars as pl

from leerwinkels.privacy.patterns import IN_VALUES

# the shapes of privacy/patterns.py, bounded so they do not match inside the hex pseudonyms
PERSONAL_PATTERNS = IN_VALUES


# A delivery's file name is no client data: a date in it (`dossiers 01.11.2026.xlsx`) looks
# like a phone number to these patterns. Values are scanned, file names are not: the columns
# that hold them are skipped, and the table's file names are cut out of its other texts (a
# message such as "older than <file>"). A part shaped like a national number or an e-mail
# address is masked in file names when they are staged (shown_values.shown_name).
FILE_NAME_COLUMNS = frozenset({"file_name"})


def _without_file_names(frame: pl.DataFrame, columns: list[str]) -> list[pl.Expr]:
    names = [n for c in FILE_NAME_COLUMNS if c in frame.columns for n in frame.get_column(c).drop_nulls().unique().to_list() if n]
    if not names:
        return [pl.col(c) for c in columns]
    return [pl.col(c).str.replace_many(names, [""] * len(names)) for c in columns]


def _integer_part(column: str) -> pl.Expr:
    # "123456789.01" (an amount in euros) is no "850731123.45": the digits after a number's
    # decimal point are not scanned; a national number typed into a number column has none
    # ("85073112345" or "85073112345.0") and is still found.
    return pl.col(column).str.replace(r"^(-?\d+)\.\d*$", "${1}")


def personal_data_hits(frame: pl.DataFrame, numbers: Collection[str] = ()) -> dict[str, int]:
    """Per ``column:pattern`` how many cells of the frame's text columns look like personal data.

    ``numbers``: columns that hold numbers written as text (a published CSV read back as text,
    of a column that is numeric in the exact table): only a value's integer part is scanned."""
    text_columns = [c for c, t in frame.schema.items() if t == pl.String and c not in FILE_NAME_COLUMNS]
    if not text_columns or frame.height == 0:
        return {}
    frame = frame.select(_without_file_names(frame, text_columns))
    if numbers:
        frame = frame.with_columns(_integer_part(c) for c in text_columns if c in numbers)
    # One pass with all patterns at once finds the (normally no) columns worth counting per
    # pattern: half the time of three passes over every column of a large table.
    any_pattern = "|".join(f"(?:{pattern})" for pattern in PERSONAL_PATTERNS.values())
    flagged = frame.select(pl.col(c).str.contains(any_pattern).any().alias(c) for c in text_columns).row(0, named=True)
    suspect = [c for c in text_columns if flagged[c]]
    if not suspect:
        return {}
    exprs = [
        pl.col(c).str.contains(pattern).fill_null(False).sum().alias(f"{c}:{name}")
        for c in suspect
        for name, pattern in PERSONAL_PATTERNS.items()
    ]
    counts = frame.select(exprs).row(0, named=True)
    return {k: int(v) for k, v in counts.items() if v}
