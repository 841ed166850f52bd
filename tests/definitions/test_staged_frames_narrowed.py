"""The scorecard's and the feedback's narrowed reads of the staged ledger and places (issue 21)
give what the whole frames gave the consumers (bf2e074), from Parquet (``StagedFrames``) and
from the frame memo (dicts) alike: a Leerwinkel staged before the ledger existed, an empty
ledger, nulls in ``baseline``, a partition that is no Leerwinkel."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from leerwinkels.defs.assets.quality import PLACES, _columns, _judged_events, staged_frames
from leerwinkels.defs.resources.staging_store import read_frames, write_frames
from leerwinkels.ingest.staged_tables import SCHEMAS
from leerwinkels.quality import first_seen
from leerwinkels.quality.feedback import forgotten_rows, late_rows

D = date.fromisoformat


def _ledger(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=first_seen.SCHEMA, orient="row")


def _places(keys: list[str]) -> pl.DataFrame:
    return pl.DataFrame({"trajectory_key": keys, "file_name": ["f.csv"] * len(keys), "sheet": [""] * len(keys),
                         "row_number": list(range(2, 2 + len(keys))), "national_number_valid": [True, None, False][: len(keys)] + [None] * (len(keys) - 3)},
                        schema=SCHEMAS[PLACES])


STAGED = {
    "genk": {first_seen.LEDGER: _ledger([
        ("contact", "k1", D("2026-01-02"), "intake", 1, D("2026-11-20"), False),
        ("contact", "k1", D("2026-11-19"), "groep", 1, D("2026-11-20"), False),
        ("closing", "k2", D("2026-02-01"), None, 1, D("2026-11-20"), None),  # baseline unknown
        ("contact", "k2", D("2026-01-01"), "intake", 1, D("2026-10-01"), True),
        ("contact", None, None, None, None, None, False),
    ]).with_columns(pl.col("occurrence").cast(pl.Int32)),  # stored narrower than the schema
        PLACES: _places(["k1", "k2", "k3"])},
    "gent": {first_seen.LEDGER: first_seen.empty_ledger(), PLACES: _places([])},
    "mechelen": {PLACES: _places(["m1"])},  # staged before the ledger existed
    "leuven": {},
    "netwerk": {first_seen.LEDGER: _ledger([("contact", "n", D("2020-01-01"), None, 1, D("2026-11-20"), False)])},
}


def _whole(staged, name: str, schema) -> pl.DataFrame:
    """staged_frames as at bf2e074: every column and row."""
    parts = [parts[name].select(list(schema)).cast(schema).with_columns(pl.lit(code).alias("leerwinkel"))
             for code, parts in staged.items() if parts and name in parts and code in ("brussel", "genk", "mechelen", "gent", "west_vlaanderen", "leuven")]
    return pl.concat(parts) if parts else pl.DataFrame(schema={**schema, "leerwinkel": pl.String()})


@pytest.fixture(params=["parquet", "memo"])
def staged(request, tmp_path):
    if request.param == "memo":
        return STAGED
    for code, frames in STAGED.items():
        if frames:
            write_frames(tmp_path / code, frames)
    return {code: read_frames(tmp_path / code, lazily=True) for code in STAGED if STAGED[code]}


@pytest.mark.parametrize("late_days", [0, 30, 400])
def test_narrowed_reads_give_the_consumers_what_the_whole_frames_gave(staged, late_days):
    ledger, places = _whole(STAGED, first_seen.LEDGER, first_seen.SCHEMA), _whole(STAGED, PLACES, SCHEMAS[PLACES])
    judged = staged_frames(staged, first_seen.LEDGER, first_seen.SCHEMA, _judged_events)
    assert judged.equals(_judged_events(ledger.lazy()).collect()) and judged.height == 3  # null baseline: not judged, as before
    late = staged_frames(staged, first_seen.LEDGER, first_seen.SCHEMA, lambda frame: frame.filter(first_seen.late_expr(late_days)))
    feedback_places = staged_frames(staged, PLACES, SCHEMAS[PLACES], _columns("trajectory_key", "file_name", "sheet", "row_number"))
    assert late_rows(late, feedback_places, late_days).equals(late_rows(ledger, places, late_days))
    trajectories = pl.DataFrame({"leerwinkel": ["genk"], "trajectory_key": ["k3"], "status": ["open"], "intake_date": [D("2020-01-01")]})
    contacts = pl.DataFrame(schema={"trajectory_key": pl.String, "contact_date": pl.Date})
    assert forgotten_rows(trajectories, contacts, feedback_places, D("2026-11-26"), 90).equals(
        forgotten_rows(trajectories, contacts, places, D("2026-11-26"), 90))
    scorecard_places = staged_frames(staged, PLACES, SCHEMAS[PLACES], _columns("trajectory_key", "national_number_valid"))
    assert scorecard_places.equals(places.select("leerwinkel", "trajectory_key", "national_number_valid"))


def test_no_leerwinkel_with_a_ledger_gives_an_empty_narrowed_frame():
    judged = staged_frames({"mechelen": {PLACES: _places([])}}, first_seen.LEDGER, first_seen.SCHEMA, _judged_events)
    assert judged.height == 0 and judged.columns == ["leerwinkel", "kind", "baseline", "event_date", "first_delivered"]
