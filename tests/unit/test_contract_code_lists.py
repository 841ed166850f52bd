"""The contract's code lists are the one source: the others are the same objects, not copies."""

from leerwinkels.contract import code_lists
from leerwinkels.indicators import tables
from leerwinkels.ingest import source_specs
from leerwinkels.model.schemas import Trajectories


def test_leerwinkels_live_once():
    assert tables.LEERWINKELS is code_lists.LEERWINKELS
    assert tables.CODE_LISTS is code_lists.CODE_LISTS
    assert tuple(code_lists.LEERWINKELS) == source_specs.LEERWINKELS
    assert code_lists.CODE_LISTS["leerwinkel"] is code_lists.LEERWINKELS


def test_age_range_in_model_schema_comes_from_the_contract():
    checks = Trajectories.to_schema().columns["age_at_intake"].checks
    assert any(
        (c.statistics["min_value"], c.statistics["max_value"]) == (code_lists.AGE_AT_INTAKE_MIN, code_lists.AGE_AT_INTAKE_MAX)
        for c in checks
        if c.name == "in_range"
    )
