"""Gent's ``contact_rows``: the latest row picked on three columns (issue 21) gives exactly what
the algorithm before it (bf2e074, copied here as the reference) gave, on random deliveries:
contacts of one dossier at the same date and time, quarantined rows in between, several files
with repeating row numbers, nulls and unreadable values, an empty delivery."""

from __future__ import annotations

import random
from datetime import date

import polars as pl
import pytest

from leerwinkels.ingest import parsing as p
from leerwinkels.ingest.fields import (
    Context,
    code_of,
    combine_sheets,
    contact_minutes,
    date_of,
    datetime_of,
    header_of,
    number_of,
)
from leerwinkels.ingest.readers import ROW, RawSheet
from leerwinkels.ingest.roles.contacts import stage_contact_rows
from leerwinkels.ingest.roles.persons import person_fields, with_age
from leerwinkels.ingest.roles.trajectories import status_expr, trajectory_model, trajectory_rules
from leerwinkels.ingest.rules import COLUMN, FATE, FILE, MESSAGE, RULE, SHEET, rule_chain, with_fate
from leerwinkels.ingest.source_specs import all_specs
from leerwinkels.ingest.staged_tables import conform
from leerwinkels.ingest.unmapped import unmapped_labels
from leerwinkels.privacy.pseudonymise import Pseudonymiser
from tests.conftest import AS_OF, TEST_KEY


def reference_stage_contact_rows(sheets, sheet_spec, file_spec, ctx):
    """stage_contact_rows as it was at bf2e074 (sort and group every column)."""
    frame = combine_sheets(sheets, sheet_spec)
    frame = frame.with_columns(
        p.clean_text(pl.col("trajectory_id")).alias("_id"),
        datetime_of("contact_date").alias("_contact_at"),
        pl.int_range(pl.len()).alias("_order"),
    )
    row_rules = [
        ("missing_id", pl.col("_id").is_null(), header_of(sheet_spec, "trajectory_id"), "trajectory id is empty"),
        ("bad_date", pl.col("_contact_at").is_null(), header_of(sheet_spec, "contact_date"), "contact date is missing or not a readable date"),
    ]
    frame = with_fate(frame, row_rules)
    kept = frame.filter(pl.col(FATE) == "loaded")
    latest = (
        kept.sort("_contact_at", "_order").group_by("_id", maintain_order=True).agg(
            pl.all().exclude("_contact_at", "_order").last(),
            pl.col("_contact_at").min().dt.date().alias("intake_date_parsed"),
        )
    )
    latest = latest.with_columns(
        p.clean_text(pl.col("closed_date")).alias("_closed_text"),
        date_of("closed_date").alias("closed_date_parsed"),
    )
    latest = with_age(person_fields(latest, ctx.spec, sheet_spec, False))
    whole_trajectory_rules = [r for r in trajectory_rules(sheet_spec, ctx) if r[0] != "missing_id"]
    verdict = latest.with_columns(rule_chain(whole_trajectory_rules)).select("_id", pl.col(RULE).alias("_t_rule"), pl.col(COLUMN).alias("_t_col"), pl.col(MESSAGE).alias("_t_msg"))
    frame = frame.join(verdict, on="_id", how="left").with_columns(
        pl.when((pl.col(FATE) == "loaded") & pl.col("_t_rule").is_not_null()).then(pl.lit("quarantined")).otherwise(pl.col(FATE)).alias(FATE),
        *[pl.when((pl.col(FATE) == "loaded") & pl.col("_t_rule").is_not_null()).then(pl.col(t)).otherwise(pl.col(c)).alias(c)
          for c, t in ((RULE, "_t_rule"), (COLUMN, "_t_col"), (MESSAGE, "_t_msg"))],
    ).sort(ROW)
    good = latest.join(verdict.filter(pl.col("_t_rule").is_null()), on="_id", how="semi")
    good = good.with_columns(status_expr(good, sheet_spec, ctx.spec).alias("status"))
    trajectories = trajectory_model(good, sheet_spec, ctx, pl.col("_id"))
    used = [c for c in ("_id", "_contact_at", "contact_type", "minutes", "referrals", FILE, SHEET, ROW) if c in frame.columns]
    rows = frame.lazy().filter(pl.col(FATE) == "loaded").select(used).collect().join(trajectories.select("_id", "trajectory_key"), on="_id", how="inner")
    contacts = rows.select(
        "trajectory_key", pl.col("_contact_at").dt.date().alias("contact_date"),
        pl.coalesce(code_of("contact_type", ctx.spec, "contact_type"), pl.lit("unknown")).alias("contact_type"),
        contact_minutes(number_of("minutes")).alias("minutes"),
    )
    referral_rows = rows.filter(p.clean_text(pl.col("referrals")).is_not_null())
    referrals = referral_rows.select(
        "trajectory_key", pl.col("_contact_at").dt.date().alias("referral_date"),
        pl.coalesce(code_of("referrals", ctx.spec, "destination"), pl.lit("unknown")).alias("destination"),
    )
    unmapped = pl.concat([
        unmapped_labels(rows, ctx.spec, [("contact_type", "contact_type")]),
        unmapped_labels(referral_rows.rename({"referrals": "destination"}), ctx.spec, [("destination", "destination")]),
    ])
    return frame, trajectories, conform(contacts, "contacts"), conform(referrals, "referrals"), unmapped


SPEC = all_specs()["gent"]
FILE_SPEC = SPEC.files[0]
SHEET_SPEC = FILE_SPEC.sheets[0]
CTX = Context(SPEC, Pseudonymiser(TEST_KEY.encode()), date.fromisoformat(AS_OF), "test")

# Few values per column, so that dossiers repeat, contacts share a date and time, and rows are
# exact duplicates; None and unreadable values among them.
VALUES: dict[str, list[str | None]] = {
    "registratie_id": ["1", "2", "3", None],
    "dossier_id": ["DS-1", "DS-2", "DS-3", "DS-4", " DS-1 ", "", None],
    "rijksregisternummer": ["68010144884", "80102813004", "123", None],
    "voornaam": ["An", None], "familienaam": ["Peeters", None],
    "geboortedatum": ["1968-01-01", "1980-10-28", "gisteren", None],
    "geslacht": ["V", "M", "X", None], "postcode": ["9031", "9000", "1000", "abc", None],
    "opleidingsniveau": ["1", "3", "5", "onbekend", None], "taalniveau_nl": ["moedertaal", "A2", None],
    "statuut": ["werkzoekend", "leefloon", "iets", None], "toeleider": ["VDAB", "OCMW", "eigen initiatief", None],
    "leervraag": ["werk", "opleiding", "OPLEIDING", None],
    "contact_datum": ["2024-05-16T08:15:00", "2024-05-16T08:15:00", "2024-05-16", "2024-12-16T09:45:00",
                      "2025-01-02T10:00:00", "31/02/2024", "", None],
    "contact_type": ["intake", "groep", "telefoon", "raar", None], "duur_minuten": ["90", "30", "-5", "x", None],
    "dossier_status": ["afgesloten", "lopend", "stopgezet", "onbekend", None],
    "dossier_afgesloten_op": ["2025-02-01", "2021-07-02", "later", None],
    "doorverwijzing": ["VDAB", "CVO", "nergens", None],
}


def random_sheets(seed: int) -> list[RawSheet]:
    rng = random.Random(seed)
    sheets = []
    for n in range(rng.choice([1, 1, 2, 3])):
        height = rng.choice([0, 1, 2, 5, 20, 60])
        frame = pl.DataFrame({c: [rng.choice(v) for _ in range(height)] for c, v in VALUES.items()}, schema=dict.fromkeys(VALUES, pl.String))
        if height > 1:  # some rows delivered twice (exact duplicates), anywhere in the file
            frame = pl.concat([frame, frame.sample(rng.randint(0, height // 2), seed=seed)]).sample(fraction=1.0, shuffle=True, seed=seed)
            height = frame.height
        # rows numbered from line 2 (CSV), some lines skipped (blank lines in between)
        rows = sorted(rng.sample(range(2, 2 + 3 * height), height)) if height else []
        frame = frame.with_columns(pl.Series(ROW, rows, dtype=pl.Int64))
        sheets.append(RawSheet(f"export_registraties_2026-11-{20 + n}.csv", "", frame))
    return sheets


def _canonical(frame: pl.DataFrame) -> pl.DataFrame:
    """A frame's rows in a fixed order (the old ``sort(ROW)`` was not stable among equal row numbers)."""
    return frame.sort(pl.all(), nulls_last=True, maintain_order=True)


@pytest.mark.parametrize("seed", range(300))
def test_stage_contact_rows_as_before(seed: int) -> None:
    sheets = random_sheets(seed)
    new = stage_contact_rows(sheets, SHEET_SPEC, FILE_SPEC, CTX)
    old = reference_stage_contact_rows(sheets, SHEET_SPEC, FILE_SPEC, CTX)
    frame_new, frame_old = new[0], old[0]
    assert sorted(frame_new.columns) == sorted(frame_old.columns)
    assert frame_new.get_column(ROW).is_sorted()
    assert _canonical(frame_new).equals(_canonical(frame_old.select(frame_new.columns)))
    if len(sheets) == 1:  # one file: row numbers unique, the order is the same row for row
        assert frame_new.equals(frame_old.select(frame_new.columns))
    for got, want in zip(new[1:4], old[1:4], strict=True):
        # the trajectory model's columns come in another order (conformed to the staged schema later)
        assert sorted(got.columns) == sorted(want.columns)
        assert got.select(want.columns).equals(want), f"seed {seed}"
    # the unmapped labels: their order was never fixed (value_counts), before as now
    assert _canonical(new[4]).equals(_canonical(old[4]))


def test_two_contacts_at_the_same_moment_take_the_later_row() -> None:
    """Two contacts of one dossier at the same date and time: the current values are those of the
    later row of the delivery (the reference's ``_order``), in old and new alike."""
    sheets = [RawSheet("export_registraties_2026-11-20.csv", "", pl.DataFrame(
        {**{c: [None, None] for c in VALUES}, "dossier_id": ["DS-9", "DS-9"], "contact_datum": ["2024-05-16T08:15:00"] * 2,
         "dossier_status": ["lopend", "afgesloten"], "dossier_afgesloten_op": [None, "2024-06-01"], "contact_type": ["intake", "groep"]},
        schema=dict.fromkeys(VALUES, pl.String)).with_columns(pl.Series(ROW, [2, 3], dtype=pl.Int64)))]
    new = stage_contact_rows(sheets, SHEET_SPEC, FILE_SPEC, CTX)[1]
    old = reference_stage_contact_rows(sheets, SHEET_SPEC, FILE_SPEC, CTX)[1]
    assert new.select(old.columns).equals(old) and new.height == 1
