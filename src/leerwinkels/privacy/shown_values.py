"""What may be shown to a data steward: the one place that turns values, names and library
errors into text that can go into a table, a message, a log or Dagster's event log.

DELIVERIES.md, "Errors that never carry a value" and "Values that may be shown to a steward":

- a message never quotes a cell; an error raised by a library (its text may quote the cell
  it choked on) is reduced to the step and the kind of error (:func:`library_failure`);
- a label outside the code mapping is shown only when it can be no one's name or address,
  else masked as its first character, ``…`` and its length (:func:`mask_label`);
- a file or sheet name is shown, except a part shaped like a national number or an e-mail
  address, which is masked the same way (:func:`shown_name`);
- :func:`scrub` is the last line of defence on any message text.
"""

from __future__ import annotations

import re
import traceback
import unicodedata
from pathlib import Path
from typing import overload

import polars as pl

from leerwinkels.privacy.patterns import EMAIL, LONG_DIGIT_RUN, NATIONAL_NUMBER_IN_NAMES

# the shapes of privacy/patterns.py: in names a national number or an e-mail address (a date
# such as 01.11.2026 stays); in messages also every long run of digits (phone numbers too)
_NAME_PATTERNS = [re.compile(NATIONAL_NUMBER_IN_NAMES), re.compile(EMAIL)]
_PERSONAL_PATTERNS = [re.compile(EMAIL), re.compile(LONG_DIGIT_RUN)]


def scrub(message: str, limit: int = 300) -> str:
    """Mask anything shaped like an e-mail, phone or national number, and cap the length."""
    # Cut before matching: the patterns backtrack on long runs, and only `limit` characters
    # are kept anyway (a margin keeps a number that straddles the cut recognisable).
    capped = len(message) > limit
    message = message[: limit + 40]
    for pattern in _PERSONAL_PATTERNS:
        message = pattern.sub("<masked>", message)
    return message[:limit] + "…" if capped or len(message) > limit else message


def mask_label(value: str) -> str:
    """``Jan Peeters`` → ``J…(11)``: enough to tell labels apart and find them with the rows
    given next to it, too little to read a name, number or address."""
    value = unicodedata.normalize("NFC", value)
    return f"{value[:1]}…({len(value)})"


def mask_label_expr(expr: pl.Expr) -> pl.Expr:
    """:func:`mask_label` as a polars expression (on NFC text)."""
    text = expr.str.normalize("NFC")
    return text.str.slice(0, 1) + pl.lit("…(") + text.str.len_chars().cast(pl.String) + pl.lit(")")


@overload
def shown_name(name: str) -> str: ...
@overload
def shown_name(name: None) -> None: ...
def shown_name(name: str | None) -> str | None:
    """A file or sheet name as it may be shown: a part shaped like a national number or an
    e-mail address masked (a date such as ``01.11.2026`` is not such a part)."""
    if not name:
        return name
    for pattern in _NAME_PATTERNS:
        name = pattern.sub(lambda m: mask_label(m.group(0)), name)
    return name


_DEFAULT_SHEET_NAME = re.compile(r"^(?:Blad|Sheet|Feuil|Tabelle|Hoja|Foglio|Planilha)\s*\d{1,3}$", re.IGNORECASE)


_STRUCTURAL_SHEET_NAME = re.compile(r"^[\d\s()\-_.,/]{1,31}$")


def shown_sheet_name(name: str) -> str:
    """A sheet the pipeline does not read, as a message or table may name it: a default name
    (``Blad1``) or one of digits and punctuation (``2023 (2)``, a copied year sheet) quoted as
    it is, any other masked (a sheet may be named after a client)."""
    name = unicodedata.normalize("NFC", name)
    # at most 6 digits: a year and a copy number, never something shaped like a national number
    structural = _STRUCTURAL_SHEET_NAME.match(name.strip()) and sum(c.isdigit() for c in name) <= 6
    shown = _DEFAULT_SHEET_NAME.match(name.strip()) or structural
    return repr(name) if shown else mask_label(name)


def library_failure(step: str, exc: BaseException) -> str:
    """A library's exception as a steward may read it: the step and the kind of error only.
    Its text is dropped (a polars cast error, a CSV error, ... quotes the value it choked on)."""
    return (f"{step} failed with an error of the data library ({type(exc).__name__}{_where_in_pipeline(exc)}; its text is "
            "not shown, as it may quote a cell value); check that step's columns in the file, or report it with this message")


def _where_in_pipeline(exc: BaseException) -> str:
    """`` at staging.py:123``: the last line of the pipeline's own code the error passed (for
    whoever maintains it; a place in the code, never a value)."""
    package = Path(__file__).resolve().parents[1]  # leerwinkels/
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename).is_relative_to(package)]
    return f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
