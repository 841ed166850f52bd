"""What every stager takes and gives: the sheets of one role, what earlier roles left, and
the rows it staged (with every row's fate, its unmapped labels and per-sheet counts)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from leerwinkels.ingest.fields import Context
from leerwinkels.ingest.readers import ROW, RawSheet
from leerwinkels.ingest.rules import COLUMN, FATE, FILE, MESSAGE, RULE, SHEET
from leerwinkels.ingest.source_specs import FileSpec, SheetSpec


@dataclass
class RoleSheets:
    """One sheet description of a role, with the sheets read for it."""

    file_spec: FileSpec
    sheet_spec: SheetSpec
    raws: list[RawSheet]


@dataclass
class Earlier:
    """What the roles staged before leave for the later ones: the client rows (joined into
    trajectories) and the trajectory links (children point at trajectories by id)."""

    clients: pl.DataFrame | None = None
    links: list[pl.DataFrame] = field(default_factory=list)

    def link_frame(self) -> pl.DataFrame:
        if self.links:
            return pl.concat(self.links)
        return pl.DataFrame(schema={"_link": pl.String, "trajectory_key": pl.String, "intake_date": pl.Date, "closed_date": pl.Date})


@dataclass
class RoleOutput:
    """The rows one sheet description staged: per staged table the frames, every row's fate
    (for source_files and quarantine), the unmapped labels, and extra counts per sheet."""

    fates: list[pl.DataFrame] = field(default_factory=list)
    tables: dict[str, list[pl.DataFrame]] = field(default_factory=dict)
    unmapped: list[pl.DataFrame] = field(default_factory=list)
    counts: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)

    def add(self, table: str, frame: pl.DataFrame) -> None:
        self.tables.setdefault(table, []).append(frame)

    def count(self, raw: RawSheet, name: str, value: int) -> None:
        self.counts.setdefault((raw.file_name, raw.sheet), {})[name] = value


Stager = Callable[[RoleSheets, Context, Earlier], RoleOutput]


def fate_rows(frame: pl.DataFrame, invalid_nn: pl.Expr | None = None) -> pl.DataFrame:
    """Every row's place and fate, and whether it was loaded with an invalid national number."""
    return frame.select(FILE, SHEET, ROW, FATE, RULE, COLUMN, MESSAGE,
                        (invalid_nn if invalid_nn is not None else pl.lit(False)).alias("_invalid_nn"))


def invalid_national_number(frame: pl.DataFrame) -> pl.Expr | None:
    """A loaded row whose national number is given but not valid (None: the sheet has none)."""
    if "_nn" not in frame.columns:
        return None
    return (pl.col(FATE) == "loaded") & pl.col("_nn").is_not_null() & ~pl.col("_nn_valid")


def trajectory_places(model: pl.DataFrame) -> pl.DataFrame:
    """Issue 20: each staged trajectory's place in the delivery (file, sheet, row as a person sees
    it) and whether its national number was valid (null where the sheet has no national number)."""
    valid = (pl.col("_nn").is_not_null() & pl.col("_nn_valid").fill_null(False)) if {"_nn", "_nn_valid"} <= set(model.columns) else pl.lit(None, pl.Boolean)
    return model.select(
        "trajectory_key", pl.col(FILE).alias("file_name"), pl.col(SHEET).alias("sheet"),
        pl.col(ROW).cast(pl.Int64).alias("row_number"), valid.alias("national_number_valid"),
    )
