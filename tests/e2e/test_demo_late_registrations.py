"""Issue 20, point 4: the demo generator's earlier delivery and final delivery, consolidated one
after the other (real SQLite, the real Dagster graph), give late contacts and late closings, the
same ones the generator registered late, each in the Leerwinkel's feedback workbook by file and row.
The first delivery is the baseline: nothing judged."""

from __future__ import annotations

import os
import sqlite3
from collections import Counter
from datetime import UTC, date, datetime

import dagster as dg
import openpyxl
import polars as pl
import pytest

from leerwinkels.ingest.source_specs import LEERWINKELS
from leerwinkels.run.runner import consolidate
from leerwinkels_demo import generate_landing
from leerwinkels_demo.plan import build_plan
from leerwinkels_demo.registration import earlier_delivery, earlier_plan
from leerwinkels_demo.sources import WV
from tests.conftest import AS_OF, TEST_KEY

pytestmark = pytest.mark.slow

TRAJECTORIES, SEED, DAYS = 600, 5, 14
LATE_DAYS = 30  # dq/targets.yaml


@pytest.fixture(scope="module")
def two_deliveries(tmp_path_factory):
    root = tmp_path_factory.mktemp("two_deliveries")
    landing = root / "landing"
    run = {"sources": landing, "database_url": f"sqlite:///{root / 'w.sqlite'}", "as_of": AS_OF,
           "staging_dir": root / "staging", "publication_dir": root / "publication"}
    mp = pytest.MonkeyPatch()
    mp.setenv("LEERWINKELS_SETTLE_SECONDS", "0")
    mp.setenv("LEERWINKELS_PSEUDONYM_KEY", TEST_KEY)  # a module fixture: the autouse key fixture is per test
    instance = dg.DagsterInstance.ephemeral()
    try:
        generate_landing(landing, TRAJECTORIES, seed=SEED, earlier_delivery_days=DAYS)
        first = consolidate(**run, instance=instance)
        assert first.success, first.error
        final = generate_landing(landing, TRAJECTORIES, seed=SEED)
        # the final delivery comes in on the as-of date (as `make run` judges it)
        noon = datetime.combine(date.fromisoformat(AS_OF), datetime.min.time().replace(hour=12), tzinfo=UTC).timestamp()
        for path in landing.rglob("*"):
            if path.is_file() and path.stat().st_mtime > noon:
                os.utime(path, (noon, noon))
        second = consolidate(**run, instance=instance)
        assert second.success, second.error
    finally:
        instance.dispose()
        mp.undo()
    with sqlite3.connect(root / "w.sqlite") as db:
        card = pl.read_database("SELECT * FROM dq_scorecard ORDER BY measured_at", db)
    return root, first, second, final, card


def _late_in_the_plan(leerwinkel: int) -> tuple[Counter, set[str]]:
    """What the generator registered late for one Leerwinkel: the contacts and closings of loaded
    trajectories that the final delivery holds and the earlier did not, dated more than LATE_DAYS
    before the final delivery; and the ids of their trajectories."""
    p = build_plan(TRAJECTORIES, SEED, True, date.fromisoformat(AS_OF))
    q = earlier_plan(p, earlier_delivery(p, DAYS))
    limit = date.fromisoformat(AS_OF).toordinal() - LATE_DAYS

    def events(plan) -> Counter:
        out: Counter = Counter()
        for t in plan.order[leerwinkel].tolist():
            if not plan.loaded[t]:
                continue
            for j in range(int(plan.ncon[t])):
                at = int(plan.c_start[t]) + j
                out[("contact", t, int(plan.c_date[at]), int(plan.c_type[at]))] += 1
            if plan.closed[t] >= 0:
                out[("closing", t, int(plan.closed[t]), -1)] += 1
        return out

    new = events(p) - events(q)
    late = Counter({e: n for e, n in new.items() if e[2] < limit})
    counts = Counter()
    for (kind, *_), n in late.items():
        counts[kind] += n
    for (kind, *_), n in new.items():
        counts[f"judged_{kind}"] += n
    return counts, {p.tid[e[1]] for e in late}


def test_the_earlier_delivery_is_a_baseline_and_judges_nothing(two_deliveries):
    _, first, second, _, card = two_deliveries
    assert not first.failed_partitions and not second.failed_partitions  # neither delivery held or stale
    runs = card.get_column("run_id").unique(maintain_order=True).to_list()
    assert len(runs) == 2
    baseline = card.filter(pl.col("run_id") == runs[0])
    assert sorted(baseline.get_column("leerwinkel").to_list()) == sorted(LEERWINKELS)
    for column in ("judged_contacts", "late_contacts", "judged_closings", "late_closings"):
        assert baseline.get_column(column).sum() == 0, column
    assert baseline.get_column("late_contacts_share_status").is_null().all()


def test_the_final_delivery_shows_the_late_registrations_the_generator_made(two_deliveries):
    _, _, _, _, card = two_deliveries
    latest = card.filter(pl.col("run_id") == card.get_column("run_id")[-1])
    both = latest.filter((pl.col("late_contacts") > 0) & (pl.col("late_closings") > 0))
    assert "west_vlaanderen" in both.get_column("leerwinkel").to_list()
    row = latest.filter(pl.col("leerwinkel") == "west_vlaanderen").row(0, named=True)
    counts, _ = _late_in_the_plan(WV)
    assert (row["late_contacts"], row["judged_contacts"]) == (counts["contact"], counts["judged_contact"])
    assert (row["late_closings"], row["judged_closings"]) == (counts["closing"], counts["judged_closing"])
    # ordinary registrations are judged too, and are not late
    assert row["judged_contacts"] > row["late_contacts"]
    assert set(latest.get_column("late_contacts_share_status").drop_nulls().to_list()) >= {"green", "red"}


def test_a_late_row_is_in_the_feedback_workbook_by_file_and_row(two_deliveries):
    root, _, _, final, card = two_deliveries
    latest = card.filter(pl.col("run_id") == card.get_column("run_id")[-1])
    row = latest.filter(pl.col("leerwinkel") == "west_vlaanderen").row(0, named=True)
    book = openpyxl.load_workbook(root / "publication" / "feedback" / "west_vlaanderen.xlsx", read_only=True)
    sheet = list(book["Late registraties"].iter_rows(values_only=True))
    header, rows = sheet[1], [dict(zip(sheet[1], r, strict=False)) for r in sheet[2:]]
    assert "Bestand" in header and len(rows) == row["late_contacts"] + row["late_closings"]
    assert Counter(r["Soort"] for r in rows) == {"contact": row["late_contacts"], "afsluiting": row["late_closings"]}
    (wv_file,) = {key.split("|")[0] for key in final["files"] if key.startswith("west_vlaanderen/")}
    _, late_ids = _late_in_the_plan(WV)
    source = openpyxl.load_workbook(root / "landing" / wv_file, read_only=True)
    for r in rows:
        assert (r["Bestand"], r["Blad"]) == (wv_file.split("/")[-1], "Trajecten")
        assert r["Eerst geleverd op"] is not None and r["Dagen tussen datum en levering"] > LATE_DAYS
        dossier = next(source["Trajecten"].iter_rows(min_row=r["Rij van het dossier"], max_row=r["Rij van het dossier"],
                                                     values_only=True))[0]
        assert dossier in late_ids, (r["Rij van het dossier"], dossier)
