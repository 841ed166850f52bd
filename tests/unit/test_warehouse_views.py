"""The labelled views and catalogue indexes the warehouse creates, on a SQLite file."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import sqlalchemy as sa

from leerwinkels.contract.views import VIEWS, view_sql
from leerwinkels.indicators.tables import code_labels
from leerwinkels.warehouse import WarehouseDatabase


def _referrals() -> pl.DataFrame:
    return pl.DataFrame({
        "leerwinkel": ["genk", "genk", "all"],
        "year": [2024, 2024, 2024],
        "direction": ["in", "out", "out"],
        "partner": ["welfare", "welfare", "unknown"],
        "trajectories": [3, 4, 7],
    })


def _write(tmp_path: Path, tables: dict[str, pl.DataFrame]) -> sa.Engine:
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    database = WarehouseDatabase(url)
    database.write_tables(tables)
    database.dispose()
    return sa.create_engine(url)


def test_every_indicator_table_has_a_view_labelling_its_coded_columns():
    by_table = {v.table: v for v in VIEWS}
    assert set(by_table) == {"ind_reach", "ind_reach_breakdown", "ind_referrals", "ind_outcomes", "ind_sroi_inputs", "ind_sroi",
                             "ind_sroi_by_payer", "ind_sroi_sensitivity",
                             # issue 16: the evidence tables
                             "ind_outcomes_by_context", "ind_outcome_bounds", "ind_referral_followthrough", "evidence_assumptions"}
    assert by_table["ind_outcomes_by_context"].labelled_columns == ("leerwinkel", "category")
    assert by_table["ind_referral_followthrough"].labelled_columns == ("leerwinkel", "destination")
    assert by_table["ind_referrals"].labelled_columns == ("leerwinkel", "partner")
    assert by_table["ind_reach_breakdown"].labelled_columns == ("leerwinkel", "category")
    sql = view_sql(by_table["ind_referrals"], lambda name: f'"{name}"')
    assert "CASE t.\"direction\" WHEN 'in' THEN 'inflow_channel' WHEN 'out' THEN 'destination' END" in sql


def test_partner_is_labelled_from_the_code_list_of_its_direction(tmp_path):
    labels = code_labels()
    engine = _write(tmp_path, {"ind_referrals": _referrals(), "code_labels": labels})
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT direction, partner, partner_nl, leerwinkel_fr FROM v_ind_referrals ORDER BY leerwinkel, direction"
        )).all()
    engine.dispose()

    def label(code_list: str, code: str) -> str:
        return labels.filter(code_list=code_list, code=code)["label_nl"].item()

    assert rows == [
        ("out", "unknown", label("destination", "unknown"), "Réseau"),
        ("in", "welfare", label("inflow_channel", "welfare"), "Leerwinkel Genk"),
        ("out", "welfare", label("destination", "welfare"), "Leerwinkel Genk"),
    ]


def test_views_survive_a_second_release_and_need_all_their_tables(tmp_path):
    tables = {"ind_referrals": _referrals(), "code_labels": code_labels()}
    _write(tmp_path, tables).dispose()
    engine = _write(tmp_path, tables)  # replaces the tables under the view
    assert sa.inspect(engine).get_view_names() == ["v_ind_referrals"]
    engine.dispose()
    # a release of the indicator table alone drops its view (the labels may be gone) and makes none
    engine = _write(tmp_path, {"ind_referrals": _referrals()})
    assert sa.inspect(engine).get_view_names() == []
    engine.dispose()


def test_catalogue_indexes_on_join_columns(tmp_path):
    trajectories = pl.DataFrame({"trajectory_key": ["a", "b"], "client_key": ["x", "x"]})
    contacts = pl.DataFrame({"trajectory_key": ["a", "a"], "minutes": [None, 5.0]})
    engine = _write(tmp_path, {"trajectories": trajectories, "contacts": contacts})
    inspector = sa.inspect(engine)
    assert [ix["column_names"] for ix in inspector.get_indexes("trajectories")] == [["client_key"]]
    assert [ix["column_names"] for ix in inspector.get_indexes("contacts")] == [["trajectory_key"]]
    assert inspector.get_pk_constraint("trajectories")["constrained_columns"] == ["trajectory_key"]
    engine.dispose()
