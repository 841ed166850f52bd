"""The table catalogue agrees with what the Dagster definitions and the publication actually use."""

from leerwinkels.contract.tables import BY_NAME, CATALOGUE, KEYED_TABLES, MODEL_TABLES, PUBLISHED_TABLES, WAREHOUSE_TABLES
from leerwinkels.defs.assets.model import MODEL_DESCRIPTIONS
from leerwinkels.publication.workbook import TABLES


def test_names_are_unique():
    assert len(BY_NAME) == len(CATALOGUE)


def test_every_key_is_a_table_in_the_warehouse():
    assert set(KEYED_TABLES) <= set(WAREHOUSE_TABLES)
    assert all(BY_NAME[name].key for name in KEYED_TABLES)


def test_model_tables_are_the_described_ones():
    assert set(MODEL_TABLES) == set(MODEL_DESCRIPTIONS) - {"contact_events"}


def test_published_tables_are_the_publication_sheets():
    assert set(PUBLISHED_TABLES) <= set(TABLES)


def test_internal_frames_never_reach_the_warehouse():
    assert "contact_events" not in WAREHOUSE_TABLES
