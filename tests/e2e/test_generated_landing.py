"""A landing folder that is not the samples: the project's own generator writes other people
with other defects, and its manifest (what the rules must give) is the oracle."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from leerwinkels.ingest.source_specs import all_specs
from leerwinkels.run.runner import consolidate
from leerwinkels_demo import generate_landing
from tests.conftest import read_warehouse

AS_OF = "2026-11-26"


@pytest.fixture(scope="module")
def generated_run(tmp_path_factory):
    from datetime import date

    root = tmp_path_factory.mktemp("generated")
    manifest = generate_landing(root / "landing", trajectories=1500, seed=20261126, workers=1, as_of=date(2026, 11, 26))
    mp = pytest.MonkeyPatch()
    mp.setenv("LEERWINKELS_PSEUDONYM_KEY", "another-test-key-for-the-generated-folder")
    mp.delenv("DAGSTER_HOME", raising=False)
    try:
        result = consolidate(
            sources=root / "landing", database_url=f"sqlite:///{root / 'wh.sqlite'}", as_of=AS_OF,
            staging_dir=root / "staging", publication_dir=root / "publication",
        )
    finally:
        mp.undo()
    assert result.success, result.error
    return root, manifest, read_warehouse(f"sqlite:///{root / 'wh.sqlite'}")


def test_accounting_per_file_follows_the_rules(generated_run):
    _, manifest, tables = generated_run
    files, quarantine = tables["dq_source_files"], tables["dq_quarantine"]
    got = {}
    for r in files.iter_rows(named=True):
        key = f"{all_specs()[r['leerwinkel']].folder}/{r['file_name']}|{r['sheet'] or ''}"
        per_rule = quarantine.filter((pl.col("file_name") == r["file_name"]) & (pl.col("sheet").fill_null("") == (r["sheet"] or "")))
        got[key] = {
            "rows_read": r["rows_read"], "rows_loaded": r["rows_loaded"], "rows_quarantined": r["rows_quarantined"],
            "rows_duplicate": r["rows_duplicate"], "quarantine": dict(per_rule.group_by("rule").len().iter_rows()),
        }
    want = {k: {**v, "quarantine": {r: n for r, n in v["quarantine"].items() if n}} for k, v in manifest["files"].items()}
    assert got == want
    assert sum(v["rows_quarantined"] for v in want.values()) > 50  # the folder really has defects


def test_trajectories_unmapped_labels_and_invalid_numbers(generated_run):
    _, manifest, tables = generated_run
    per_lw = dict(tables["trajectories"].group_by("leerwinkel").len().iter_rows())
    expected = {k: v for k, v in manifest["trajectories_loaded"].items() if k != "all"}
    assert per_lw == expected
    assert tables["trajectories"].height == manifest["trajectories_loaded"]["all"]
    unmapped = {f"{r['leerwinkel']}|{r['column']}|{r['value']}": r["rows"] for r in tables["dq_unmapped_values"].iter_rows(named=True)}
    # a label in fewer than 3 rows, or with a digit, is shown masked (DELIVERIES.md)
    from leerwinkels.privacy.shown_values import mask_label

    def shown(key: str, rows: int) -> str:
        lw, column, value = key.split("|")
        return key if rows >= 3 and not any(ch.isdigit() for ch in value) else f"{lw}|{column}|{mask_label(value)}"

    assert unmapped == {shown(k, v): v for k, v in manifest["unmapped"].items()}
    invalid = {
        f"{all_specs()[r['leerwinkel']].folder}/{r['file_name']}|{r['sheet'] or ''}": r["invalid_national_numbers"]
        for r in tables["dq_source_files"].iter_rows(named=True) if r["invalid_national_numbers"]
    }
    assert invalid == {k: v for k, v in manifest["invalid_national_numbers"].items() if v}


def test_missing_cost_rows_give_null_ratios(generated_run):
    _, manifest, tables = generated_run
    sroi = tables["ind_sroi"].filter(pl.col("leerwinkel") != "all")
    for key in manifest["missing_cost_rows"]:
        leerwinkel, year = key.split("|")
        row = sroi.filter((pl.col("leerwinkel") == leerwinkel) & (pl.col("year") == int(year)))
        assert row.height == 1 and row["sroi_ratio"][0] is None and not row["cost_complete"][0]


def test_reach_is_consistent_with_the_model(generated_run):
    _, _, tables = generated_run
    trajectories, reach = tables["trajectories"], tables["ind_reach"]
    new = trajectories.group_by("leerwinkel", pl.col("intake_date").dt.year().alias("year")).len("n")
    joined = reach.join(new, on=["leerwinkel", "year"], how="inner")
    assert (joined["new_trajectories"] == joined["n"]).all()
    network = reach.filter(pl.col("leerwinkel") == "all")
    parts = reach.filter(pl.col("leerwinkel") != "all").group_by("year").agg(pl.col("new_trajectories").sum(), pl.col("clients_reached").sum())
    check = network.join(parts, on="year", suffix="_sum")
    assert (check["new_trajectories"] == check["new_trajectories_sum"]).all()
    # a client at two Leerwinkels counts once in `all`
    assert (check["clients_reached"] <= check["clients_reached_sum"]).all()
    assert (check["clients_reached"] < check["clients_reached_sum"]).any()


def test_no_personal_value_of_that_folder_anywhere(generated_run):
    root, manifest, tables = generated_run
    words = {v.lower() for v in manifest["personal_values"] if not v.replace(" ", "").isdigit()}
    numbers = {re.sub(r"\D", "", v) for v in manifest["personal_values"] if len(re.sub(r"\D", "", v)) >= 9}
    for name, frame in tables.items():
        for column in [c for c, t in frame.schema.items() if t == pl.String]:
            cells = frame[column].drop_nulls().str.to_lowercase().to_list()
            assert not any(c in words for c in cells), f"{name}.{column}"
            assert not any(n in numbers for c in cells for n in re.findall(r"\d+", c) if len(c) < 64), f"{name}.{column}"
    for path in Path(root, "publication").glob("*.csv"):
        text = path.read_text(encoding="utf-8").lower()
        assert not (set(re.findall(r"\d+", text)) & numbers), path.name
        assert not any(w in text for w in words if len(w) >= 6 and "@" in w), path.name
