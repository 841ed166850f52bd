"""Publication export: the protection as written (CSV and workbook), and the former
small-cell suppression (kept: the attack test shows why it was replaced)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from leerwinkels.indicators.tables import (
    NETWORK,
    OUTCOME_ANSWERED_COLUMNS,
    OUTCOME_COLUMNS,
    REACH_COLUMNS,
    build_outcomes,
    build_reach,
    build_reach_breakdown,
    build_referrals,
)
from leerwinkels.privacy.pseudonymise import Pseudonymiser
from leerwinkels.publication.disclosure import NOISE_MAX, protect, protection_problems
from leerwinkels.publication.print_setup import CHART_SHEET
from leerwinkels.publication.value_map import VALUE_MAP_NAME
from leerwinkels.publication.workbook import (
    EXPLANATION_SHEET,
    TABLES,
    WORKBOOK_NAME,
    _with_sroi_smallest_count,
    suppress_small_cells,
    write_publication,
)
from tests.factories import REPO_ROOT, events, evidence_tables, followup, followups, referrals, sroi_tables, trajectories, trajectory

DOCS = REPO_ROOT / "docs" / "indicators.md"
KEY = Pseudonymiser(b"publication-test-key-0123456789")


def counts_of(table: str) -> list[str]:
    return [c.name for c in TABLES[table].published if c.kind == "count"]


def derived_of(table: str) -> dict[str, tuple[str, ...]]:
    return {c.name: c.derived_from for c in TABLES[table].columns if c.derived_from}


@pytest.fixture(scope="module")
def tables() -> dict[str, pl.DataFrame]:
    """Indicator tables of a small network: brussel has 6 clients, genk 2, gent 1."""
    as_of = date(2024, 12, 31)
    rows = [
        trajectory(f"b{i}", f"cb{i}", "brussel", date(2024, 1, 1 + i), date(2024, 6, 1),
                   vulnerable=i < 2, inflow_channel="self")
        for i in range(6)
    ]
    rows += [
        trajectory("g1", "cg1", "genk", date(2024, 2, 1), date(2024, 8, 1), vulnerable=True),
        trajectory("g2", "cg2", "genk", date(2024, 3, 1), date(2024, 9, 1)),
        trajectory("t1", "ct1", "gent", date(2024, 4, 1)),
    ]
    t = trajectories(*rows)
    ce = events(*[("brussel", f"b{i}", date(2024, 2, 1), 1, 60.0) for i in range(6)])
    r = referrals(("b0", None, "adult_education"), ("g1", None, "adult_education"))
    f = followups(
        *[followup(f"b{i}", date(2024, 9, 1), situation="working", insight_learning=5, satisfaction=8)
          for i in range(5)],
        followup("g1", date(2024, 10, 1), situation="working", satisfaction=9),
    )
    sroi = sroi_tables({"brussel": 5, "genk": 1, NETWORK: 6})
    return {
        "ind_reach": build_reach(t, ce, as_of),
        "ind_reach_breakdown": build_reach_breakdown(t, as_of),
        "ind_referrals": build_referrals(t, r, as_of),
        "ind_outcomes": build_outcomes(t, f, as_of),
        **sroi,
        **evidence_tables(t, f, r, sroi, as_of),
    }




# --------------------------------------------------------------------------- metadata


def test_metadata_matches_the_sroi_module():
    sroi = pytest.importorskip("leerwinkels.sroi.calculate")
    t = trajectories(trajectory("a", "x", "gent", date(2024, 1, 5), date(2024, 5, 1), labour_status="jobseeker"))
    f = followups(followup("a", date(2024, 6, 1), situation="working"))
    params = sroi.load_parameters()
    inputs = sroi.build_sroi_inputs(t, f, params, date(2024, 12, 31))
    costs = pl.DataFrame({"leerwinkel": ["gent"], "year": [2024], "staff_cost": [9e4], "operating_cost": [1e4], "fte": [1.0]},
                         schema_overrides={"year": pl.Int32})
    result = sroi.build_sroi(inputs, costs, params, trajectories=t)
    assert [c.name for c in TABLES["ind_sroi_inputs"].columns] == inputs.columns
    assert [c.name for c in TABLES["ind_sroi"].published] == result.columns
    out = suppress_small_cells(_with_sroi_smallest_count({"ind_sroi": result, "ind_sroi_inputs": inputs})["ind_sroi"], "ind_sroi")
    gent = out.filter(leerwinkel="gent").row(0, named=True)
    assert gent["value_eur"] is None and gent["sroi_ratio"] is None  # suppression: from 1 response
    assert gent["cost_eur"] == 100_000.0
    protected = protect({"ind_sroi_inputs": inputs, "ind_sroi": result}, KEY)[0]["ind_sroi"]
    gent = protected.filter(leerwinkel="gent").row(0, named=True)
    assert gent["cost_eur"] == 100_000.0 and gent["sroi_ratio"] == pytest.approx(gent["value_eur"] / 100_000.0)


def test_metadata_matches_the_indicator_tables(tables):
    assert [c.name for c in TABLES["ind_reach"].published] == REACH_COLUMNS
    assert [c.name for c in TABLES["ind_outcomes"].published] == OUTCOME_COLUMNS + OUTCOME_ANSWERED_COLUMNS
    for name, df in tables.items():
        meta = TABLES[name]
        assert set(meta.key) <= {c.name for c in meta.columns}
        # evidence_assumptions.grade_reason stays in the database (catalogue: unpublished)
        assert [c.name for c in meta.published] == [c for c in df.columns if c != "grade_reason"], name
        assert len(meta.sheet) <= 31
        for col in meta.columns:
            assert col.label and col.description, (name, col.name)
            for source in col.derived_from:
                assert meta.column(source).kind == "count", (name, col.name, source)
            if col.kind in ("share", "mean"):
                assert col.derived_from, (name, col.name)
    assert derived_of("ind_reach") == {"share_vulnerable": ("vulnerable_clients", "clients_reached")}
    assert derived_of("ind_outcomes")["response_rate"] == ("responses", "closed_trajectories")
    assert "guidance_hours" not in counts_of("ind_reach")


# --------------------------------------------------------------------------- suppression


def test_suppression_blanks_counts_1_to_4_and_shares_derived_from_them():
    df = pl.DataFrame(
        {
            "leerwinkel": ["brussel", "genk", "gent", "leuven", "mechelen"],
            "year": [2024] * 5,
            "new_trajectories": [0, 1, 4, 5, 12],
            "active_trajectories": [0, 2, 5, 6, 12],
            "clients_reached": [0, 3, 5, 10, 12],
            "new_clients": [0, 1, 5, 5, 12],
            "vulnerable_clients": [0, 1, 0, 5, 4],
            "share_vulnerable": [None, 1 / 3, 0.0, 0.5, 4 / 12],
            "contacts": [0, 4, 40, 50, 60],
            "guidance_hours": [0.0, 2.5, 10.0, 12.0, 3.0],
        },
        schema_overrides=dict.fromkeys(counts_of("ind_reach"), pl.Int64),
    )
    before = df.clone()
    out = suppress_small_cells(df, "ind_reach")
    assert df.equals(before)  # the database-side frame is untouched
    assert out is not df and out.schema == df.schema
    assert out["new_trajectories"].to_list() == [0, None, None, 5, 12]
    assert out["clients_reached"].to_list() == [0, None, 5, 10, 12]
    assert out["contacts"].to_list() == [0, None, 40, 50, 60]
    # from a small clients_reached (genk) or a small vulnerable_clients (mechelen)
    assert out["share_vulnerable"].to_list() == [None, None, 0.0, 0.5, None]
    assert out["guidance_hours"].to_list() == df["guidance_hours"].to_list()  # not a count


def test_suppression_of_outcome_shares_uses_answered_counts(tables):
    out = suppress_small_cells(tables["ind_outcomes"], "ind_outcomes")
    genk = out.filter(leerwinkel="genk").row(0, named=True)
    assert genk["closed_trajectories"] is None and genk["responses"] is None
    assert genk["response_rate"] is None and genk["satisfaction_mean"] is None
    brussel = out.filter(leerwinkel="brussel").row(0, named=True)
    assert (brussel["closed_trajectories"], brussel["responses"], brussel["working"]) == (6, 5, 5)
    assert brussel["response_rate"] == pytest.approx(5 / 6)
    assert brussel["insight_learning"] == 1.0  # 5 answered
    # network: 6 responses, but only 5 answered insight_learning and 0 the others
    network = out.filter(leerwinkel=NETWORK).row(0, named=True)
    assert network["responses"] == 6 and network["insight_learning"] == 1.0
    assert network["satisfaction_mean"] == pytest.approx((5 * 8 + 9) / 6)


def test_share_from_few_answers_is_blank_even_with_many_responses():
    row = dict.fromkeys(OUTCOME_COLUMNS[2:] + OUTCOME_ANSWERED_COLUMNS, 0)
    row.update(leerwinkel="gent", year=2024, closed_trajectories=20, responses=10, working=6,
               response_rate=0.5, insight_strengths=0.5, insight_strengths_answered=2,
               insight_learning=0.8, insight_learning_answered=10, satisfaction_mean=7.0,
               satisfaction_answered=3)
    for c in ("insight_labour_market", "insight_barriers"):
        row[c] = None
    out = suppress_small_cells(pl.DataFrame([row]), "ind_outcomes").row(0, named=True)
    assert out["insight_strengths"] is None
    assert out["satisfaction_mean"] is None
    assert out["insight_learning"] == 0.8 and out["response_rate"] == 0.5


def test_outcomes_without_answered_counts_are_refused(tables):
    contract_only = tables["ind_outcomes"].select(OUTCOME_COLUMNS)
    with pytest.raises(ValueError, match="insight_labour_market_answered"):
        suppress_small_cells(contract_only, "ind_outcomes")


def test_undeclared_table_is_refused_and_nothing_written(tables, tmp_path):
    with pytest.raises(KeyError, match="TABLES"):
        write_publication({**tables, "ind_secret": pl.DataFrame({"n": [1]})}, tmp_path / "out", pseudonymiser=KEY)
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- export


@pytest.fixture(scope="module")
def published(tables, tmp_path_factory) -> tuple[Path, list[Path]]:
    out_dir = tmp_path_factory.mktemp("publication")
    # a label a spreadsheet would run as a formula (an unmapped partner code)
    referrals = tables["ind_referrals"].with_columns(
        partner=pl.when((pl.col("partner") == "unknown") & (pl.col("direction") == "in"))
        .then(pl.lit("=HYPERLINK(\"http://x\",\"klik\")"))
        .otherwise(pl.col("partner"))
    )
    paths = write_publication({**tables, "ind_referrals": referrals}, out_dir, run_id="run-42", pseudonymiser=KEY)
    return out_dir, paths


def test_files_written_atomically(published):
    out_dir, paths = published
    names = [p.name for p in paths]
    assert names == [f"{t}.csv" for t in TABLES] + [WORKBOOK_NAME, VALUE_MAP_NAME]
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(names)  # no temp files left


def test_published_counts_are_the_protected_counts(tables, published):
    """Contract changed (issue 14): counts are perturbed, no longer blanked. Every CSV holds
    exactly what protect() gives under the key, 0 stays 0, no count is blank."""
    out_dir, _ = published
    expected, _ = protect(tables, KEY)
    read = {}
    for name in TABLES:
        df = pl.read_csv(out_dir / f"{name}.csv", infer_schema=False)
        assert df.columns == [c.name for c in TABLES[name].published]
        assert df.height == tables[name].height
        for col in counts_of(name):
            # blank only where the exact table is (issue 16: followed_through not measured)
            assert df[col].null_count() == tables[name][col].null_count(), (name, col)
            exact = tables[name][col]
            assert (df[col].cast(pl.Int64).filter(exact == 0) == 0).all(), (name, col)
            assert df[col].cast(pl.Int64).to_list() == expected[name][col].to_list(), (name, col)
        read[name] = df
    # ind_referrals has a formula-like partner label written escaped (see `published`): its
    # rows match by position above, not by key
    exact = {n: f for n, f in tables.items() if n != "ind_referrals"}
    assert protection_problems(exact, read, KEY) == []
    small = sum(int(tables[n][c].is_between(1, 4).sum()) for n in TABLES for c in counts_of(n))
    assert small > 0  # the fixture has small cells


def test_published_shares_follow_the_published_counts(published):
    out_dir, _ = published
    reach = pl.read_csv(out_dir / "ind_reach.csv")
    both = reach.filter(pl.col("clients_reached") > 0)
    share = (both["vulnerable_clients"] / both["clients_reached"]).clip(0, 1)
    assert (both["share_vulnerable"] - share).abs().max() < 1e-9
    assert reach.filter(pl.col("clients_reached") == 0)["share_vulnerable"].null_count() == reach.filter(pl.col("clients_reached") == 0).height
    sroi = pl.read_csv(out_dir / "ind_sroi.csv").filter(pl.col("cost_eur").is_not_null())
    assert sroi.height == 3 and sroi["sroi_ratio"].null_count() == 0  # published wherever there is a cost
    assert (sroi["sroi_ratio"] - sroi["value_eur"] / sroi["cost_eur"]).abs().max() < 1e-9


def derived_of_all() -> dict[str, dict[str, tuple[str, ...]]]:
    return {name: derived_of(name) for name in TABLES if derived_of(name)}


def test_zero_stays_zero_and_csv_keeps_codes(tables, published):
    out_dir, _ = published
    reach = pl.read_csv(out_dir / "ind_reach.csv")
    leuven = reach.filter(leerwinkel="leuven")
    assert leuven["new_trajectories"].to_list() == [0]
    assert leuven["share_vulnerable"].null_count() == 1
    assert set(reach["leerwinkel"]) == {"brussel", "genk", "mechelen", "gent", "west_vlaanderen", "leuven", "all"}
    brussel = reach.filter(leerwinkel="brussel").row(0, named=True)
    mine = protect(tables, KEY)[0]["ind_reach"].filter(leerwinkel="brussel").row(0, named=True)
    assert brussel["clients_reached"] == mine["clients_reached"] and abs(brussel["clients_reached"] - 6) <= NOISE_MAX
    assert brussel["vulnerable_clients"] is not None and brussel["guidance_hours"] == 6.0  # hours: not a count


def test_csv_formula_text_is_prefixed(published):
    out_dir, _ = published
    text = (out_dir / "ind_referrals.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text
    assert not re.search(r'(^|,)"?=', text, flags=re.M)


def test_workbook_sheets_headers_labels_and_formats(published):
    out_dir, _ = published
    wb = openpyxl.load_workbook(out_dir / WORKBOOK_NAME)
    assert wb.sheetnames[0] == EXPLANATION_SHEET
    assert wb.sheetnames[1:] == [*[t.sheet for t in TABLES.values()], CHART_SHEET]  # the charts last
    explanation = "\n".join(
        str(v) for row in wb[EXPLANATION_SHEET].iter_rows(values_only=True) for v in row if v
    )
    assert "run-42" in explanation
    assert f"-{NOISE_MAX} tot en met +{NOISE_MAX}" in explanation and "Informatieverlies" in explanation
    assert "niet precies de som" in explanation  # readers were told all = sum
    for table in TABLES.values():
        assert f"{table.name}.csv" in explanation
        for col in table.published:
            assert col.description in explanation
        ws = wb[table.sheet]
        assert ws.freeze_panes == "A2"
        assert [c.value for c in ws[1]] == [c.label for c in table.published]
        for j, col in enumerate(table.published, start=1):
            fmt = ws.cell(row=2, column=j).number_format
            expected = {"count": "0", "share": "0.0%", "mean": "0.0", "hours": "0.0"}.get(col.kind)
            if expected:
                assert fmt == expected, (table.name, col.name)
    reach = wb["Bereik"]
    leerwinkels = {reach.cell(row=r, column=1).value for r in range(2, reach.max_row + 1)}
    assert "Netwerk" in leerwinkels and "Leerwinkel Brussel" in leerwinkels and "all" not in leerwinkels
    csv_reach = pl.read_csv(out_dir / "ind_reach.csv").filter(leerwinkel="brussel").row(0)
    brussel = next(r for r in reach.iter_rows(min_row=2, values_only=True) if r[0] == "Leerwinkel Brussel")
    assert brussel[1:] == csv_reach[1:]  # the workbook holds the same protected figures
    profile = list(wb["Bereik naar profiel"].iter_rows(min_row=2, values_only=True))
    assert any(r[:4] == ("Leerwinkel Brussel", 2024, "Arbeidssituatie bij intake", "Werkend") for r in profile)
    assert any(r[2] == "Leervraag" and r[3] == "Onbekend" and r[4] == 0 for r in profile)
    referrals = list(wb["Doorverwijzingen"].iter_rows(min_row=2, values_only=True))
    assert not any(r[4] is None for r in referrals)  # no blanks any more
    assert ("Leerwinkel Brussel", 2024, "Uitstroom", "Werkgerelateerd", 0) in referrals or any(
        r[:4] == ("Leerwinkel Brussel", 2024, "Uitstroom", "CVO") for r in referrals)


def test_workbook_formula_like_label_stays_text(published):
    out_dir, _ = published
    ws = openpyxl.load_workbook(out_dir / WORKBOOK_NAME)["Doorverwijzingen"]
    cells = [c for (c,) in ws.iter_rows(min_row=2, min_col=4, max_col=4) if str(c.value).startswith("=")]
    assert cells
    for c in cells:
        assert c.data_type == "s" and c.value == '=HYPERLINK("http://x","klik")'


def test_rewrite_replaces_previous_files(tables, tmp_path):
    first = write_publication(tables, tmp_path, pseudonymiser=KEY)
    stamp = {p: p.stat().st_mtime_ns for p in first}
    second = write_publication(tables, tmp_path, run_id="again", pseudonymiser=KEY)
    assert second == first
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in first)
    assert all(p.stat().st_mtime_ns >= stamp[p] for p in second)


# --------------------------------------------------------------------------- docs


def test_docs_describe_every_published_table_and_column():
    text = DOCS.read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", text, flags=re.M)
    for table in TABLES.values():
        if table.name.startswith("ind_sroi"):
            continue  # the SROI section (the last one) is written with the SROI tables
        assert any(h.startswith(f"`{table.name}`") for h in headings), table.name
        section = text.split(f"## `{table.name}`", 1)[1].split("\n## ", 1)[0]
        for col in table.published:
            assert f"`{col.name}`" in section, (table.name, col.name)
    assert headings[-1].startswith("`ind_sroi")
    assert "SROI.md" in text.split("\n## ")[-1]
