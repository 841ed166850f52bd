"""Table assets carry dagster/column_schema (with the catalogue's key) and dagster/table_name."""

import dagster as dg
import polars as pl

from leerwinkels.defs.assets.common import table_metadata


def test_keyed_table_metadata_has_schema_key_and_table_name():
    frame = pl.DataFrame({"leerwinkel": ["gent"], "year": [2024], "clients": [3]})
    metadata = table_metadata(frame, table="ind_reach")
    schema = metadata["dagster/column_schema"]
    assert isinstance(schema, dg.TableSchema)
    assert [c.name for c in schema.columns] == ["leerwinkel", "year", "clients"]
    assert schema.constraints.other == ["primary key (leerwinkel, year)"]
    assert metadata["dagster/table_name"] == "ind_reach"


def test_internal_frame_has_no_table_name():
    metadata = table_metadata(pl.DataFrame({"a": [1]}), table="contact_events")
    assert "dagster/table_name" not in metadata
