"""What a reader of the publication must know about the data behind it: per Leerwinkel the
date of the data it is on, and which Leerwinkels are on old data (held, unreadable, missing or
older than the freshness limit). Shown in the workbook's page headers and in the impact
report's data box (issue 18).

Built from ``dq_deliveries`` (file dates and states only: no file name and no message is
shown, a message can quote a cell). Pure functions: no Dagster, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from leerwinkels.indicators.tables import code_labels

NETWORK_FOLDER = "netwerk"  # the network's own folder: the survey and the costs
# the delivery states of DELIVERIES.md in the reader's words
STATE_WORDS = {
    "current": "actueel",
    "accepted": "actueel (aanvaard door een beheerder)",
    "missing": "geen levering: op de laatste goede gegevens",
    "arriving": "levering nog onvolledig: op de laatste goede gegevens",
    "unreadable": "levering onleesbaar: op de laatste goede gegevens",
    "held": "levering tegengehouden: op de laatste goede gegevens",
}
USED_STATES = ("current", "accepted")


@dataclass(frozen=True)
class LeerwinkelData:
    code: str
    label: str  # Dutch name
    data_date: date | None  # the newest file its data is on; None without data
    state: str  # a key of STATE_WORDS
    old: bool  # on its last good data, or older than the freshness limit

    @property
    def state_nl(self) -> str:
        word = STATE_WORDS.get(self.state, self.state)
        return word if not (self.old and self.state in USED_STATES) else f"{word}, maar ouder dan de termijn"


@dataclass(frozen=True)
class DataStatus:
    leerwinkels: tuple[LeerwinkelData, ...]

    @property
    def data_date(self) -> date | None:
        """The newest data date over the Leerwinkels: the date the publication's data runs to."""
        dates = [lw.data_date for lw in self.leerwinkels if lw.data_date is not None]
        return max(dates) if dates else None

    @property
    def old(self) -> tuple[LeerwinkelData, ...]:
        return tuple(lw for lw in self.leerwinkels if lw.old)

    def header_line(self) -> str:
        """One short Dutch line for a page header (Excel allows 255 characters in all)."""
        when = dutch_date(self.data_date) if self.data_date else "onbekend"
        old = ", ".join(lw.label for lw in self.old)
        line = f"Gegevens tot {when}. " + (f"Op oude gegevens: {old}." if old else "Alle Leerwinkels actueel.")
        return line if len(line) <= 200 else line[:197] + "..."


def dutch_date(day: date) -> str:
    return f"{day.day:02d}-{day.month:02d}-{day.year}"


def _labels() -> dict[str, str]:
    labels = code_labels().filter(pl.col("code_list") == "leerwinkel")
    return {**dict(labels.select("code", "label_nl").iter_rows()), NETWORK_FOLDER: "Netwerk (enquête en kosten)"}


def data_status(dq_deliveries: pl.DataFrame) -> DataStatus:
    """Per Leerwinkel (and the network folder) its data date, state and whether it is on old data."""
    labels = _labels()
    per = (
        dq_deliveries.group_by("leerwinkel")
        .agg(
            pl.col("modified_time").max().dt.date().alias("data_date"),
            pl.col("state").first(),
            (pl.col("stale").any() | pl.col("older_than_limit").any() | ~pl.col("state").is_in(USED_STATES).any())
            .alias("old"),
        )
    )
    found = {row["leerwinkel"]: row for row in per.iter_rows(named=True)}
    order = [code for code in labels if code not in ("all", "unknown")]
    rows = []
    for code in [*order, *sorted(set(found) - set(order))]:
        row = found.get(code)
        if row is None:
            rows.append(LeerwinkelData(code, labels.get(code, code), None, "missing", True))
        else:
            rows.append(LeerwinkelData(code, labels.get(code, code), row["data_date"], row["state"], bool(row["old"])))
    return DataStatus(tuple(rows))


__all__ = ["DataStatus", "LeerwinkelData", "data_status", "dutch_date"]
