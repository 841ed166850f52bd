"""The SROI assumptions text in Dutch, for the workbook and the impact report (issue 18).

``ind_sroi.assumptions`` is written in English by src/leerwinkels/sroi/calculate.py (the CSV
and the warehouse keep it as it is: their bytes must not change); a reader of the workbook or
the report gets it in Dutch. The text is translated phrase by phrase: a phrase this table does
not know stays as it is, so that a new assumption is never silently dropped (a test checks
that the current text has no English left).
"""

from __future__ import annotations

import re

# (English pattern, Dutch replacement), applied in this order.
PHRASES: tuple[tuple[str, str], ...] = (
    (r"\bare assumptions\b", "zijn aannames"),
    (r"\bis an assumption\b", "is een aanname"),
    (r"\bstudy publishes none\b", "de studie geeft er geen"),
    (r"\bsensitivity low\b", "gevoeligheid: laag"),
    (r", high\b", ", hoog"),
    (r"\bdeadweight\b", "deadweight (wat ook zonder begeleiding was gebeurd)"),
    (r"\battribution\b", "attributie (het aandeel van anderen)"),
    (r"\bdisplacement\b", "verdringing"),
    (r"\bdiscount rate\b", "disconteringsvoet"),
    (r"\bwork_from_invalidity\b", "werk na ziekte-invaliditeit"),
    (r"\bwork_from_other_status\b", "werk vanuit een andere situatie"),
    (r"\bearly_school_leaving_prevented\b", "vroegtijdig schoolverlaten voorkomen"),
    (r"\btraining_started\b", "opleiding gestart"),
    (r"\bvalued at\b", "gewaardeerd op EUR"),
    (r"\(assumed proxy\)", "(aangenomen financiële proxy)"),
    (r"\brespondents only\b", "alleen wie de enquête beantwoordde telt"),
    (r"\bone year, no drop-off or discounting\b", "één jaar effect, zonder afname (drop-off) en zonder disconteren"),
    (r"\bno drop-off\b", "geen afname (drop-off)"),
    (r"\bno discounting\b", "zonder disconteren"),
    (r"\bone year\b", "één jaar"),
    (r"\byears\b", "jaar"),
    (r"\band\b", "en"),
)


def _dutch_numbers(text: str) -> str:
    """0.30 -> 0,30 and 18,387 -> 18.387 (Dutch decimal comma and thousands point)."""
    swapped = re.sub(r"(?<=\d)([.,])(?=\d)", lambda m: "," if m.group(1) == "." else ".", text)
    return swapped


def assumptions_nl(text: str | None) -> str | None:
    """``ind_sroi.assumptions`` in Dutch (None stays None)."""
    if text is None:
        return None
    out = _dutch_numbers(text)
    for pattern, dutch in PHRASES:
        out = re.sub(pattern, dutch, out)
    return out


__all__ = ["PHRASES", "assumptions_nl"]
