"""Revisions of published years: the pure comparison on small hand-made frames, and end to
end two consolidations of a generated landing folder where an earlier year changes."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from leerwinkels.indicators.revisions import (
    REVISION_SCHEMA,
    find_all_revisions,
    find_revisions,
    revision_summary,
    revisions_above_limit,
    with_history,
)

LOADED_AT = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
KEYS = ["leerwinkel", "year"]


def _reach(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"leerwinkel": pl.String, "year": pl.Int64, "new_trajectories": pl.Int64,
                                      "share_vulnerable": pl.Float64, "note": pl.String}, orient="row")


def _compare(previous, new, before_year=2026, run_id="run-2"):
    return find_revisions("ind_reach", previous, new, keys=KEYS, before_year=before_year, run_id=run_id, loaded_at=LOADED_AT)


def _changes(found: pl.DataFrame) -> set[tuple]:
    return {(r["key"], r["column_name"], r["change"], r["previous_value"], r["new_value"]) for r in found.iter_rows(named=True)}


def test_unchanged_tables_give_no_revisions():
    frame = _reach([("genk", 2024, 10, 0.5, "x"), ("genk", 2025, 12, None, "y"), ("all", 2025, 40, 0.25, "z")])
    found = _compare(frame, frame.sample(fraction=1.0, shuffle=True, seed=3))
    assert found.height == 0
    assert found.schema == pl.Schema(REVISION_SCHEMA)


def test_a_changed_figure_of_an_earlier_year_is_recorded_with_keys_values_and_run():
    previous = _reach([("genk", 2024, 10, 0.5, "x"), ("genk", 2025, 12, 0.25, "y")])
    new = _reach([("genk", 2024, 10, 0.5, "other text"), ("genk", 2025, 11, 0.25, "y")])
    found = _compare(previous, new)
    assert _changes(found) == {("leerwinkel=genk, year=2025", "new_trajectories", "changed", 12.0, 11.0)}
    row = found.row(0, named=True)
    assert (row["table_name"], row["leerwinkel"], row["year"], row["run_id"], row["loaded_at"]) == ("ind_reach", "genk", 2025, "run-2", LOADED_AT)
    assert row["relative_change"] == pytest.approx(-1 / 12)


def test_the_as_of_year_and_later_are_not_revisions():
    previous = _reach([("genk", 2025, 12, 0.25, "y"), ("genk", 2026, 5, 0.2, "y")])
    new = _reach([("genk", 2025, 12, 0.25, "y"), ("genk", 2026, 9, 0.1, "y"), ("genk", 2027, 1, 0.0, "y")])
    assert _compare(previous, new, before_year=2026).height == 0
    # the same change is one when the as-of date has moved on
    assert {r[1] for r in _changes(_compare(previous, new, before_year=2027))} == {"new_trajectories", "share_vulnerable"}


def test_changes_above_and_below_the_limit():
    previous = _reach([("a", 2024, 100, 0.5, ""), ("b", 2024, 100, 0.5, ""), ("c", 2024, 0, None, ""), ("d", 2024, 100, 0.5, "")])
    new = _reach([("a", 2024, 104, 0.5, ""), ("b", 2024, 94, 0.5, ""), ("c", 2024, 1, 0.1, ""), ("d", 2024, 105, 0.5, "")])
    found = _compare(previous, new)
    assert found.height == 5  # a, b, d: new_trajectories; c: both columns
    above = revisions_above_limit(found, 0.05)
    # a: +4 % (below), d: exactly 5 % (not above), b: -6 %, c: from 0 and from null
    assert _changes(above) == {
        ("leerwinkel=b, year=2024", "new_trajectories", "changed", 100.0, 94.0),
        ("leerwinkel=c, year=2024", "new_trajectories", "changed", 0.0, 1.0),
        ("leerwinkel=c, year=2024", "share_vulnerable", "changed", None, 0.1),
    }
    assert revisions_above_limit(found, 0.10).height == 2  # only the changes from 0/null


def test_rows_that_appear_or_disappear_count_with_the_other_side_null():
    previous = _reach([("genk", 2024, 10, 0.5, ""), ("gent", 2024, 3, 0.0, "")])
    new = _reach([("genk", 2024, 10, 0.5, ""), ("genk", 2023, 0, None, "")])
    found = _compare(previous, new)
    assert _changes(found) == {
        ("leerwinkel=gent, year=2024", "new_trajectories", "removed", 3.0, None),
        ("leerwinkel=gent, year=2024", "share_vulnerable", "removed", 0.0, None),
        ("leerwinkel=genk, year=2023", "new_trajectories", "added", None, 0.0),
        ("leerwinkel=genk, year=2023", "share_vulnerable", "added", None, None),
    }
    assert revisions_above_limit(found, 0.05).height == found.height


def test_null_and_zero_differ_but_nan_is_null():
    previous = _reach([("genk", 2024, 0, None, ""), ("gent", 2024, 1, float("nan"), ""), ("leuven", 2024, 2, 0.0, "")])
    new = _reach([("genk", 2024, 0, 0.0, ""), ("gent", 2024, 1, None, ""), ("leuven", 2024, 2, None, "")])
    assert _changes(_compare(previous, new)) == {
        ("leerwinkel=genk, year=2024", "share_vulnerable", "changed", None, 0.0),
        ("leerwinkel=leuven, year=2024", "share_vulnerable", "changed", 0.0, None),
    }


def test_float_noise_is_not_a_revision_and_types_may_differ():
    previous = _reach([("genk", 2024, 10, 0.1 + 0.2, "")])
    new = _reach([("genk", 2024, 10, 0.3, "")]).with_columns(pl.col("new_trajectories").cast(pl.Float64),
                                                            pl.col("leerwinkel").cast(pl.Categorical))
    assert _compare(previous, new).height == 0


def test_first_load_other_layout_and_new_columns_give_no_revisions():
    new = _reach([("genk", 2024, 10, 0.5, "")])
    assert _compare(None, new).height == 0
    assert _compare(new.drop("leerwinkel"), new).height == 0
    # a column the previous load did not have is not a revision of every past year
    assert _compare(new.drop("share_vulnerable"), new).height == 0


def test_all_tables_with_their_keys_and_history():
    breakdown = pl.DataFrame({"leerwinkel": ["genk", "genk"], "year": [2024, 2024], "dimension": ["gender", "gender"],
                              "category": ["female", "male"], "clients": [5, 7]})
    previous = {"ind_reach": _reach([("genk", 2024, 10, 0.5, "")]), "ind_reach_breakdown": breakdown}
    new = {"ind_reach": _reach([("genk", 2024, 10, 0.5, "")]),
           "ind_reach_breakdown": breakdown.with_columns(pl.when(pl.col("category") == "male").then(8).otherwise(pl.col("clients")).alias("clients")),
           "ind_outcomes": pl.DataFrame({"leerwinkel": ["genk"], "year": [2024], "closed_trajectories": [3]})}
    found = find_all_revisions(previous, new, before_year=2026, run_id="run-2", loaded_at=LOADED_AT)
    assert _changes(found) == {("leerwinkel=genk, year=2024, dimension=gender, category=male", "clients", "changed", 7.0, 8.0)}

    older = found.with_columns(pl.lit("run-1").alias("run_id"))
    history = with_history(older.drop("relative_change"), found)
    assert history.schema == pl.Schema(REVISION_SCHEMA)
    assert history["run_id"].to_list() == ["run-1", "run-2"]
    assert history["relative_change"].to_list()[0] is None
    assert with_history(None, found).equals(found)

    counts, largest = revision_summary(found)
    assert counts.to_dicts() == [{"table_name": "ind_reach_breakdown", "revisions": 1}]
    assert largest["relative_change"].to_list() == [pytest.approx(1 / 7)]


# --------------------------------------------------------------------------- end to end

E2E_AS_OF = "2026-11-26"


def _check_evaluations(instance, run_id: str, check_name: str) -> list:
    import dagster as dg

    return [
        e.dagster_event.event_specific_data
        for e in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
        if e.dagster_event.event_specific_data.check_name == check_name
    ]


def _drop_one_earlier_dossier(csv_path, before_year: int) -> tuple[str, int]:
    """Remove every line of one Gent dossier whose first contact lies before ``before_year``;
    the file keeps its name (a corrected re-export). Returns the dossier and its intake year."""
    import os
    import time

    text = csv_path.read_text(encoding="utf-8-sig")
    header, *lines = text.splitlines()
    columns = header.split(",")
    dossier_at, date_at = columns.index("dossier_id"), columns.index("contact_datum")
    first_year: dict[str, int] = {}
    for line in lines:
        fields = line.split(",")
        if len(fields) == len(columns) and fields[date_at][:4].isdigit():
            first_year.setdefault(fields[dossier_at], int(fields[date_at][:4]))
    dossier, year = next((d, y) for d, y in first_year.items() if y < before_year - 1)
    kept = [line for line in lines if line.split(",")[dossier_at] != dossier]
    csv_path.write_text("\ufeff" + "\n".join([header, *kept]) + "\n", encoding="utf-8")
    past = time.time() - 3600
    os.utime(csv_path, (past, past))  # a settled delivery, not one still arriving
    return dossier, year


def test_two_loads_record_the_revision_of_an_earlier_year_and_warn(tmp_path, monkeypatch):
    from datetime import date

    import dagster as dg

    from leerwinkels.run.runner import consolidate
    from leerwinkels_demo import generate_landing
    from tests.conftest import read_warehouse

    monkeypatch.setenv("LEERWINKELS_SETTLE_SECONDS", "0")
    landing = tmp_path / "landing"
    generate_landing(landing, trajectories=300, seed=5, workers=1, as_of=date.fromisoformat(E2E_AS_OF))
    url = f"sqlite:///{tmp_path / 'wh.sqlite'}"
    instance = dg.DagsterInstance.ephemeral()

    def run():
        result = consolidate(sources=landing, database_url=url, as_of=E2E_AS_OF, staging_dir=tmp_path / "staging",
                             publication_dir=tmp_path / "publication", instance=instance, quiet=True)
        assert result.success, result.error
        return result.run_ids[-1], read_warehouse(url)

    try:
        first_run, first = run()
        # a first load has nothing to compare with
        assert first["dq_revisions"].height == 0
        assert [e.passed for e in _check_evaluations(instance, first_run, "revisions_within_limit")] == [True]

        (gent_csv,) = (landing / "gent").glob("*.csv")
        _, year = _drop_one_earlier_dossier(gent_csv, int(E2E_AS_OF[:4]))
        second_run, second = run()
        revisions = second["dq_revisions"]
        assert revisions.height > 0
        assert set(revisions["run_id"]) == {second_run}
        assert (revisions["year"] < int(E2E_AS_OF[:4])).all()
        # the dossier's intake year: one new trajectory fewer at Gent, and in the network
        reach = revisions.filter((pl.col("table_name") == "ind_reach") & (pl.col("column_name") == "new_trajectories")
                                 & (pl.col("year") == year))
        before = first["ind_reach"].filter(pl.col("year") == year)
        for leerwinkel in ("gent", "all"):
            row = reach.filter(pl.col("leerwinkel") == leerwinkel).row(0, named=True)
            expected = before.filter(pl.col("leerwinkel") == leerwinkel)["new_trajectories"][0]
            assert (row["key"], row["change"], row["previous_value"], row["new_value"]) == (
                f"leerwinkel={leerwinkel}, year={year}", "changed", expected, expected - 1)
        # every recorded revision is a real difference between the two loads' tables
        for r in revisions.filter(pl.col("table_name") == "ind_reach").iter_rows(named=True):
            old = first["ind_reach"].filter((pl.col("leerwinkel") == r["leerwinkel"]) & (pl.col("year") == r["year"]))[r["column_name"]][0]
            new = second["ind_reach"].filter((pl.col("leerwinkel") == r["leerwinkel"]) & (pl.col("year") == r["year"]))[r["column_name"]][0]
            assert (old, new) == (r["previous_value"], r["new_value"])
        (evaluation,) = _check_evaluations(instance, second_run, "revisions_within_limit")
        assert not evaluation.passed
        assert evaluation.severity == dg.AssetCheckSeverity.WARN
        assert evaluation.metadata["above_limit"].value > 0
        assert "gent" in evaluation.metadata["largest_changes"].value
        assert "ind_reach" in evaluation.metadata["per_table"].value

        # the same delivery again: nothing changes, the history stays, the check passes
        third_run, third = run()
        assert third["dq_revisions"].sort("key", "table_name", "column_name").equals(revisions.sort("key", "table_name", "column_name"))
        assert [e.passed for e in _check_evaluations(instance, third_run, "revisions_within_limit")] == [True]
    finally:
        instance.dispose()
