"""protect(): stable key-derived bounded noise, figures recomputed from the perturbed
counts, headline figures published, information loss, and the publication check."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from leerwinkels.indicators.tables import LEERWINKELS, build_outcomes, build_reach, build_reach_breakdown, build_referrals
from leerwinkels.privacy.pseudonymise import Pseudonymiser
from leerwinkels.publication.disclosure import NOISE_MAX, cell_noise, protect, protection_problems
from leerwinkels.publication.workbook import TABLES
from tests.factories import events, evidence_tables, followup, followups, referrals, sroi_tables, trajectories, trajectory

KEY = Pseudonymiser(b"unit-test-key-for-the-protection")
OTHER_KEY = Pseudonymiser(b"another-key-gives-other-noise-00")


def counts_of(table: str) -> list[str]:
    return [c.name for c in TABLES[table].published if c.kind == "count"]


@pytest.fixture(scope="module")
def network() -> dict[str, pl.DataFrame]:
    """40 trajectories per Leerwinkel in 2024 (large counts) and a few small ones."""
    as_of = date(2024, 12, 31)
    rows, answers = [], []
    for lw in LEERWINKELS:
        for i in range(40):
            key = f"{lw}{i}"
            rows.append(trajectory(key, f"c{key}", lw, date(2024, 1 + i % 12, 1 + i % 28), date(2024, 12, 1),
                                   vulnerable=i % 3 == 0, inflow_channel="self" if i % 2 else "welfare"))
            if i < 30:
                answers.append(followup(key, date(2024, 12, 10), situation="working" if i % 2 else "jobseeker",
                                        insight_learning=5 if i % 3 else 2, satisfaction=6 + i % 4))
    t = trajectories(*rows)
    ce = events(*[(lw, f"{lw}{i}", date(2024, 2, 1), 1, 30.0) for lw in LEERWINKELS for i in range(40)])
    r = referrals(*[(f"{lw}{i}", None, "adult_education") for lw in LEERWINKELS for i in range(3)])
    f = followups(*answers)
    working = dict.fromkeys(LEERWINKELS, 15) | {"all": 90}
    sroi = sroi_tables(working)
    return {
        "ind_reach": build_reach(t, ce, as_of),
        "ind_reach_breakdown": build_reach_breakdown(t, as_of),
        "ind_referrals": build_referrals(t, r, as_of),
        "ind_outcomes": build_outcomes(t, f, as_of),
        **sroi,
        **evidence_tables(t, f, r, sroi, as_of),
    }


def test_same_key_same_output_other_key_other_noise(network):
    first, loss = protect(network, KEY)
    again, _ = protect({k: v.clone() for k, v in network.items()}, Pseudonymiser(b"unit-test-key-for-the-protection"))
    other, _ = protect(network, OTHER_KEY)
    for name in network:
        assert first[name].equals(again[name]), name  # the same every night
        assert first[name].columns == network[name].columns and first[name].height == network[name].height
    changed = sum(int((first[n][c] != other[n][c]).sum()) for n in network for c in counts_of(n))
    assert changed > 100  # another key: other noise
    assert loss.get_column("table").to_list() == list(network)


def test_zero_stays_zero_and_noise_is_bounded(network):
    published, _ = protect(network, KEY)
    seen = set()
    for name in network:
        for c in counts_of(name):
            exact, pub = network[name][c], published[name][c]
            assert (pub.filter(exact == 0) == 0).all(), (name, c)  # 0 stays 0
            assert (pub >= 0).all() and pub.dtype == pl.Int64
            positive = exact > 0
            diff = (pub - exact).filter(positive)
            assert (diff.abs() <= NOISE_MAX).all()
            # where the noise would go below 0 the cell is 0, otherwise exactly x + noise
            noise = cell_noise(network[name], name, TABLES[name].key, c, KEY).filter(positive)
            expected = (exact.filter(positive) + noise).clip(lower_bound=0)
            assert (pub.filter(positive) == expected).all()
            seen |= set(noise.to_list())
    assert seen == set(range(-NOISE_MAX, NOISE_MAX + 1))  # every noise value occurs


def test_shares_means_and_sroi_follow_the_published_counts(network):
    published, _ = protect(network, KEY)
    reach = published["ind_reach"]
    expected = (reach["vulnerable_clients"] / reach["clients_reached"]).clip(0, 1)
    assert (reach["share_vulnerable"] - expected).abs().max() < 1e-12
    out = published["ind_outcomes"]
    rate = (out["responses"] / out["closed_trajectories"]).clip(0, 1)
    assert (out["response_rate"] - rate).abs().max() < 1e-12
    for c in ("insight_learning", "response_rate"):
        assert out[c].drop_nulls().is_between(0, 1).all()
    assert out["satisfaction_mean"].drop_nulls().is_between(1, 10).all()
    # an insight share is (perturbed agreeing answers) / (published answered): a whole number over it
    agreeing = out["insight_learning"] * out["insight_learning_answered"]
    assert ((agreeing - agreeing.round(0)).abs().drop_nulls() < 1e-9).all()
    inputs, sroi = published["ind_sroi_inputs"], published["ind_sroi"]
    exact_inputs = network["ind_sroi_inputs"]
    per_unit = exact_inputs["value_eur"] / exact_inputs["count"]
    recomputed = (inputs["count"] * per_unit).fill_nan(0.0).fill_null(0.0).round(2)
    assert (inputs["value_eur"] - recomputed).abs().max() < 0.011
    sums = inputs.group_by("leerwinkel", "year").agg(pl.col("value_eur").sum().round(2))
    joined = sroi.join(sums, on=["leerwinkel", "year"], suffix="_inputs")
    assert (joined["value_eur"] - joined["value_eur_inputs"]).abs().max() < 0.011
    with_cost = joined.filter(pl.col("cost_eur").is_not_null())
    assert (with_cost["sroi_ratio"] - with_cost["value_eur"] / with_cost["cost_eur"]).abs().max() < 1e-9
    # low/high move with the value as the central ratio does
    exact = network["ind_sroi"].filter(pl.col("cost_eur").is_not_null()).sort("leerwinkel")
    mine = with_cost.sort("leerwinkel")
    scale = mine["value_eur"] / exact["value_eur"]
    assert ((mine["sroi_ratio_low"] - exact["sroi_ratio_low"] * scale).abs() < 1e-9).all()
    # exact tables untouched
    assert network["ind_reach"]["new_trajectories"].to_list()[0] == 240


def test_headline_figures_published_where_their_counts_are_not_small(network):
    published, loss = protect(network, KEY)
    for name, table in TABLES.items():
        for col in (c for c in table.published if c.headline):
            exact, pub = network[name], published[name]
            if col.ratio:  # computable and its denominator larger than the noise
                big = exact[col.ratio[1]] > NOISE_MAX
            elif col.scales_with:
                big = exact["cost_eur"].is_not_null()
            else:
                big = pl.Series([True] * exact.height)
            wanted = exact[col.name].is_not_null() & big
            assert wanted.sum() > 0 or exact[col.name].is_not_null().sum() == 0, (name, col.name)
            assert pub[col.name].filter(wanted).null_count() == 0, (name, col.name)
    assert (loss["headline_published"] <= loss["headline_cells"]).all()
    sroi_row = loss.filter(table="ind_sroi").row(0, named=True)
    with_cost = network["ind_sroi"]["cost_eur"].is_not_null().sum()
    assert sroi_row["headline_cells"] == sroi_row["headline_published"] == with_cost == 3


def test_information_loss_reports_the_changes(network):
    published, loss = protect(network, KEY)
    reach = loss.filter(table="ind_reach").row(0, named=True)
    exact = network["ind_reach"]
    changes = pl.concat([(published["ind_reach"][c] - exact[c]).filter(exact[c] > 0).abs() for c in counts_of("ind_reach")])
    assert reach["perturbed_cells"] == changes.len()
    assert reach["changed_cells"] == int((changes > 0).sum())
    assert reach["max_abs_change"] == changes.max() <= NOISE_MAX
    assert reach["mean_abs_change"] == pytest.approx(changes.mean())
    assert reach["count_cells"] == exact.height * len(counts_of("ind_reach"))


def test_protection_problems_finds_exact_or_wrong_counts_without_values(network):
    published, _ = protect(network, KEY)
    assert protection_problems(network, published, KEY) == []
    as_csv = {n: f.with_columns(pl.all().cast(pl.String)) for n, f in published.items()}
    assert protection_problems(network, as_csv, KEY) == []
    # the exact figures published (someone bypassed the protection)
    problems = protection_problems(network, network, KEY)
    assert any("ind_reach.new_trajectories" in p and "not the value the protection gives" in p for p in problems)
    # a count far off, a negative one, a zero made non-zero, a table missing
    tampered = dict(published)
    tampered["ind_reach"] = published["ind_reach"].with_columns(
        pl.when(pl.col("leerwinkel") == "genk").then(pl.col("contacts") + 100).otherwise(pl.col("contacts")).alias("contacts"),
        pl.lit(-1).alias("new_clients"),
    )
    del tampered["ind_sroi"]
    problems = protection_problems(network, tampered)
    assert any(p.startswith("ind_reach.contacts") and f"further than {NOISE_MAX}" in p for p in problems)
    assert any(p.startswith("ind_reach.new_clients") and "whole number" in p for p in problems)
    assert "ind_sroi: not published" in problems
    assert not any("140" in p or "240" in p for p in problems)  # counts of cells, never a value


def test_undeclared_table_and_missing_column_are_refused(network):
    with pytest.raises(KeyError, match="TABLES"):
        protect({**network, "ind_secret": pl.DataFrame({"n": [1]})}, KEY)
    with pytest.raises(ValueError, match="insight_learning_answered"):
        protect({"ind_outcomes": network["ind_outcomes"].drop("insight_learning_answered")}, KEY)


def test_the_publication_check_is_blocking():
    from leerwinkels.defs.checks import publication_suppresses_small_cells

    specs = list(publication_suppresses_small_cells.check_specs)
    assert specs and all(spec.blocking for spec in specs)


def _run_check(tables: dict[str, pl.DataFrame], folder) -> object:
    from leerwinkels.defs.checks import publication_suppresses_small_cells
    from leerwinkels.defs.resources import PseudonymKey, RunSettings

    return publication_suppresses_small_cells(
        settings=RunSettings(publication_dir=str(folder)),
        pseudonym_key=PseudonymKey(key="unit-test-key-for-the-protection"), **tables,
    )


def test_the_publication_check_passes_the_export_and_fails_a_tampered_one(network, tmp_path):
    from leerwinkels.publication.workbook import write_publication

    write_publication(network, tmp_path, pseudonymiser=KEY)
    assert _run_check(network, tmp_path).passed
    # a data steward "fixes" a count back to its exact value: the protection is gone
    path = tmp_path / "ind_reach.csv"
    reach = pl.read_csv(path).with_columns(new_trajectories=network["ind_reach"]["new_trajectories"])
    reach.write_csv(path)
    result = _run_check(network, tmp_path)
    assert not result.passed
    problems = result.metadata["problems"].value
    assert problems and all(p.startswith("ind_reach.new_trajectories:") for p in problems)
    assert any(p.endswith("not the value the protection gives") for p in problems)
    assert "240" not in str(result.metadata)  # the exact figure is not in the check's metadata
