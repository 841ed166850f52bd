"""The table catalogue: every table's name, layer, key, and whether it is published or scanned.

The name lists that Dagster wiring, the warehouse and the model builder need are derived here,
once. Column facts still live in ingest/staged_tables.py, model/schemas.py and
publication/workbook.py (to be folded in: see the restructure note). No Dagster import.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Layer = Literal["model", "internal", "indicator", "publication_support", "quality"]


@dataclass(frozen=True)
class TableFacts:
    name: str
    layer: Layer
    # the documented key; the warehouse writes the table sorted on it (empty: written as built)
    key: tuple[str, ...] = ()
    published: bool = False  # a CSV/sheet of the publication export
    in_warehouse: bool = True
    scanned_for_personal_data: bool = True


CATALOGUE: tuple[TableFacts, ...] = (
    TableFacts("trajectories", "model", key=("trajectory_key",)),
    TableFacts("contacts", "model"),
    TableFacts("referrals", "model"),
    TableFacts("followups", "model"),
    TableFacts("clients", "model", key=("client_key",)),
    TableFacts("costs", "model"),
    TableFacts("contact_events", "internal", in_warehouse=False, scanned_for_personal_data=False),
    TableFacts("ind_reach", "indicator", key=("leerwinkel", "year"), published=True),
    TableFacts("ind_reach_breakdown", "indicator", published=True),
    TableFacts("ind_referrals", "indicator", published=True),
    TableFacts("ind_outcomes", "indicator", key=("leerwinkel", "year"), published=True),
    TableFacts("ind_sroi_inputs", "indicator", published=True),
    TableFacts("ind_sroi", "indicator", key=("leerwinkel", "year"), published=True),
    TableFacts("sroi_case_studies", "publication_support", scanned_for_personal_data=False),
    TableFacts("code_labels", "publication_support"),
    TableFacts("dq_source_files", "quality"),
    TableFacts("dq_quarantine", "quality"),
    TableFacts("dq_unmapped_values", "quality"),
    TableFacts("dq_deliveries", "quality"),
    TableFacts("dq_revisions", "quality", scanned_for_personal_data=False),
)
BY_NAME = {t.name: t for t in CATALOGUE}


def names(*, layer: Layer | None = None, published: bool | None = None, in_warehouse: bool | None = None) -> tuple[str, ...]:
    """Table names in catalogue order, filtered on the given facts."""
    return tuple(
        t.name for t in CATALOGUE
        if (layer is None or t.layer == layer)
        and (published is None or t.published == published)
        and (in_warehouse is None or t.in_warehouse == in_warehouse)
    )


MODEL_TABLES = names(layer="model")
PUBLISHED_TABLES = names(published=True)
# the warehouse's order: model, indicators, publication support, quality
WAREHOUSE_TABLES = names(in_warehouse=True)
KEYED_TABLES = {t.name: list(t.key) for t in CATALOGUE if t.key and t.in_warehouse}
