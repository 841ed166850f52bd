"""Dates as the sources write them: real dates, Excel serial numbers, dd/mm/yyyy and ISO text."""

from __future__ import annotations

import random
from datetime import date, datetime

# --------------------------------------------------------------------------------------
# dates
# --------------------------------------------------------------------------------------
#: A value written into a cell: a real date, an Excel serial number, text or nothing.
Cell = date | datetime | int | float | str | None

_EXCEL_EPOCH = date(1899, 12, 30).toordinal()
_DATE_CACHE: dict[int, date] = {}


def as_date(o: int) -> date:
    d = _DATE_CACHE.get(o)
    if d is None:
        d = _DATE_CACHE[o] = date.fromordinal(o)
    return d


_DMY_CACHE: dict[int, str] = {}


def dmy_text(o: int) -> str:
    s = _DMY_CACHE.get(o)
    if s is None:
        d = as_date(o)
        s = _DMY_CACHE[o] = f"{d.day:02d}/{d.month:02d}/{d.year}"
    return s


_ISO_CACHE: dict[int, str] = {}


def iso_text(o: int) -> str:
    s = _ISO_CACHE.get(o)
    if s is None:
        s = _ISO_CACHE[o] = as_date(o).isoformat()
    return s


def age_at(birth: int, at: int) -> int:
    b, a = as_date(birth), as_date(at)
    return a.year - b.year - ((a.month, a.day) < (b.month, b.day))


def mixed_date(r: random.Random, o: int) -> Cell:
    """West-Vlaanderen: a real date, an Excel serial number, or dd/mm/yyyy text."""
    u = r.random()
    if u < 0.6:
        return as_date(o)
    if u < 0.8:
        return o - _EXCEL_EPOCH
    return dmy_text(o)
