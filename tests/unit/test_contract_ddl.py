"""The warehouse's tables are declared from the catalogue: a SQLAlchemy inspector sees the keys."""


import polars as pl
import sqlalchemy as sa

from leerwinkels.contract.ddl import sqlalchemy_table
from leerwinkels.contract.tables import KEYED_TABLES
from leerwinkels.defs.resources.warehouse import Warehouse


def test_catalogue_key_becomes_the_primary_key(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'w.sqlite'}")
    metadata = sa.MetaData()
    sqlalchemy_table("ind_reach", metadata, {"leerwinkel": sa.Text(), "year": sa.BigInteger(), "clients": sa.BigInteger()})
    metadata.create_all(engine)
    inspector = sa.inspect(engine)
    assert inspector.get_pk_constraint("ind_reach")["constrained_columns"] == ["leerwinkel", "year"]
    nullable = {c["name"]: c["nullable"] for c in inspector.get_columns("ind_reach")}
    assert nullable == {"leerwinkel": False, "year": False, "clients": True}


def test_warehouse_tables_have_the_catalogue_keys(tmp_path):
    url = f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    frame = pl.DataFrame({"leerwinkel": ["gent", "genk"], "year": [2024, 2024], "clients": [3, 4]})
    Warehouse(url=url).write_tables({"ind_reach": frame}, run_id="r1", keys={"ind_reach": KEYED_TABLES["ind_reach"]})
    inspector = sa.inspect(sa.create_engine(url))
    assert inspector.get_pk_constraint("ind_reach")["constrained_columns"] == KEYED_TABLES["ind_reach"]
