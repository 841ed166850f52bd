"""Table assets carry dagster/column_schema (the catalogue's columns and key) and dagster/table_name."""

import dagster as dg
import polars as pl

from leerwinkels.contract.tables import BY_NAME, CATALOGUE
from leerwinkels.defs.assets.common import column_schema, table_metadata


def test_keyed_table_metadata_has_schema_key_and_table_name():
    frame = pl.DataFrame({"leerwinkel": ["gent"], "year": [2024], "clients": [3]})
    metadata = table_metadata(frame, table="ind_reach")
    schema = metadata["dagster/column_schema"]
    assert isinstance(schema, dg.TableSchema)
    assert [c.name for c in schema.columns] == BY_NAME["ind_reach"].column_names
    assert schema.constraints.other == ["primary key (leerwinkel, year)"]
    assert metadata["dagster/table_name"] == "ind_reach"


def test_every_catalogue_table_has_described_typed_columns():
    for table in CATALOGUE:
        schema = column_schema(pl.DataFrame(), table.name)
        assert [(c.name, c.type) for c in schema.columns] == [(c.name, str(c.dtype)) for c in table.columns]
        assert all(c.description for c in schema.columns)
        assert schema.constraints.other, table.name  # the key, or why there is none


def test_internal_frame_has_no_table_name():
    metadata = table_metadata(pl.DataFrame({"a": [1]}), table="contact_events")
    assert "dagster/table_name" not in metadata


def test_a_frame_outside_the_catalogue_shows_its_own_columns():
    schema = column_schema(pl.DataFrame({"a": [1]}), "not_a_table")
    assert [(c.name, c.type) for c in schema.columns] == [("a", "Int64")]


def test_table_asset_definitions_carry_the_catalogue_schema():
    from leerwinkels.definitions import defs

    graph = defs.resolve_asset_graph()
    for table in CATALOGUE:
        node = graph.get(dg.AssetKey(table.name))
        schema = node.metadata["dagster/column_schema"]
        assert [c.name for c in schema.columns] == table.column_names, table.name
        assert node.metadata.get("dagster/table_name") == (table.name if table.in_warehouse else None)
