"""The catalogue describes every table completely, and what is derived from it agrees with it:
the frames the pipeline builds, the pandera model schemas, the staged frame schemas and the docs."""

import datetime as dt
import re

import polars as pl
import pytest

from leerwinkels.contract import docs
from leerwinkels.contract.code_lists import CODE_LISTS
from leerwinkels.contract.tables import BY_NAME, CATALOGUE, MODEL_TABLES
from leerwinkels.indicators import tables as ind
from leerwinkels.ingest.staged_tables import FROM_CATALOGUE, SCHEMAS, conform
from leerwinkels.model.build import build_model
from leerwinkels.model.schemas import MODEL_SCHEMAS, validate_model
from leerwinkels.sroi import calculate as sroi
from tests.factories import REPO_ROOT, events, followup, followups, referrals, trajectories, trajectory

AS_OF = dt.date(2025, 6, 30)


def test_every_table_has_described_columns_and_a_key_or_a_reason():
    for table in CATALOGUE:
        assert table.columns, table.name
        assert len(set(table.column_names)) == len(table.columns), table.name
        assert all(c.description for c in table.columns), table.name
        if table.key:
            assert set(table.key) <= set(table.column_names), table.name
            assert not any(table.column(k).nullable for k in table.key), table.name
        else:
            assert table.no_key_reason, f"{table.name}: no key and no reason why"


def test_code_lists_named_by_columns_exist():
    for table in CATALOGUE:
        for column in table.columns:
            assert column.code_list is None or column.code_list in CODE_LISTS, (table.name, column.name)


def test_pandera_schemas_are_the_catalogue_columns():
    assert list(MODEL_SCHEMAS) == list(MODEL_TABLES)
    for name, schema in MODEL_SCHEMAS.items():
        written = [c for c in BY_NAME[name].columns if not c.internal]
        assert list(schema.columns) == [c.name for c in written]
        for column in written:
            derived = schema.columns[column.name]
            assert derived.dtype.type == column.dtype, (name, column.name)
            assert derived.nullable == column.nullable, (name, column.name)
            if column.code_list:
                isin = next(c for c in derived.checks if c.name == "isin")
                assert set(CODE_LISTS[column.code_list]) <= set(isin.statistics["allowed_values"])


def test_pandera_refuses_a_code_outside_its_list():
    frame = trajectories(trajectory("t" * 64, "c" * 64, "gent", dt.date(2024, 1, 5), gender="martian"))
    with pytest.raises(Exception, match="gender"):
        validate_model({"trajectories": frame})


def test_staged_frames_of_catalogue_tables_are_the_catalogue_schema():
    for frame, table in FROM_CATALOGUE.items():
        assert SCHEMAS[frame] == BY_NAME[table].schema


def _staged_example() -> dict[str, dict[str, pl.DataFrame]]:
    gent = {name: conform(pl.DataFrame(), name) for name in SCHEMAS}
    gent["trajectories"] = conform(
        trajectories(trajectory("a" * 64, "c" * 64, "gent", dt.date(2024, 1, 5), dt.date(2024, 6, 1), vulnerable=True)).with_columns(
            link_key=pl.lit("l" * 64)
        ),
        "trajectories",
    )
    return {"gent": gent}


def _built_tables() -> dict[str, pl.DataFrame]:
    model = build_model(_staged_example())
    model = {k: v for k, v in model.items() if not k.startswith("_")}
    traj = trajectories(
        trajectory("t1", "c1", "gent", dt.date(2024, 1, 5), dt.date(2024, 6, 1), labour_status="sickness_invalidity"),
        trajectory("t2", "c2", "genk", dt.date(2023, 3, 1)),
    )
    ev = events(("gent", "t1", dt.date(2024, 2, 1), 1, 30.0))
    ref = referrals(("t1", dt.date(2024, 5, 1), "welfare"))
    fol = followups(followup("t1", dt.date(2024, 9, 1), training_started="yes", situation="working", qualification=True,
                             insight_labour_market=4, satisfaction=8))
    params = sroi.load_parameters()
    inputs = sroi.build_sroi_inputs(traj, fol, params, AS_OF)
    costs = pl.DataFrame({"leerwinkel": ["gent"], "year": [2024], "staff_cost": [1000.0], "operating_cost": [10.0], "fte": [1.0]},
                         schema=BY_NAME["costs"].schema)
    return {
        **model,
        "ind_reach": ind.build_reach(traj, ev, AS_OF),
        "ind_reach_breakdown": ind.build_reach_breakdown(traj, AS_OF),
        "ind_referrals": ind.build_referrals(traj, ref, AS_OF),
        "ind_outcomes": ind.build_outcomes(traj, fol, AS_OF),
        "ind_sroi_inputs": inputs,
        "ind_sroi": sroi.build_sroi(inputs, costs, params, trajectories=traj),
        "sroi_case_studies": sroi.case_study_table(params),
        "code_labels": ind.code_labels(),
    }


def test_built_frames_have_exactly_the_catalogue_columns_and_types():
    built = _built_tables()
    for name, frame in built.items():
        assert dict(frame.schema) == BY_NAME[name].schema, name
    for name, frame in built.items():
        key = list(BY_NAME[name].key)
        if key and frame.height:
            assert frame.select(key).is_duplicated().sum() == 0, name


def test_docs_are_generated_from_the_catalogue():
    for doc in docs.DOCS:
        text = (REPO_ROOT / doc).read_text(encoding="utf-8")
        assert docs.render(text) == text, f"{doc} is out of date: run `uv run python -m leerwinkels.contract.docs`"


def test_docs_describe_every_table_once():
    documented = [t for doc in docs.DOCS for t in docs.documented_tables((REPO_ROOT / doc).read_text(encoding="utf-8"))]
    assert sorted(documented) == sorted(t.name for t in CATALOGUE)


def test_doc_headings_name_the_catalogue_key():
    text = (REPO_ROOT / "docs" / "indicators.md").read_text(encoding="utf-8")
    for name, key in re.findall(r"^#+ `(\w+)` — key: (.+)$", text, flags=re.M):
        assert re.findall(r"`(\w+)`", key) == list(BY_NAME[name].key), name


def test_publication_sheets_and_labels_come_from_the_catalogue():
    from leerwinkels.publication.workbook import TABLES

    for table in CATALOGUE:
        if not table.published:
            continue
        sheet = TABLES[table.name]
        assert (sheet.sheet, sheet.title, sheet.description, sheet.key) == (table.sheet, table.title_nl, table.description_nl, table.key)
        assert 0 < len(table.sheet) <= 31
        assert [c.name for c in sheet.published] == [c.name for c in table.columns if not c.unpublished]
        for column in sheet.published:
            facts = table.column(column.name)
            assert facts.label_nl and facts.explanation_nl, (table.name, column.name)
            assert (column.label, column.description) == (facts.label_nl, facts.explanation_nl)
