"""Publishing: the warehouse tables (one transaction) and the publication export."""


from pathlib import Path

import dagster as dg
import polars as pl

from ..model import INTERNAL_COLUMNS
from ..disclosure import information_loss_metadata
from ..publication import write_publication
from ..resources import PseudonymKey, RunSettings, Warehouse
from .common import OWNERS

WAREHOUSE_TABLES = (
    "trajectories", "contacts", "referrals", "followups", "clients", "costs",
    "ind_reach", "ind_reach_breakdown", "ind_referrals", "ind_outcomes", "ind_sroi_inputs", "ind_sroi",
    "sroi_case_studies", "code_labels",
    "dq_source_files", "dq_quarantine", "dq_unmapped_values", "dq_deliveries",
)
PUBLISHED_TABLES = ("ind_reach", "ind_reach_breakdown", "ind_referrals", "ind_outcomes", "ind_sroi_inputs", "ind_sroi")
TABLE_KEYS = {
    "trajectories": ["trajectory_key"],
    "clients": ["client_key"],
    "ind_reach": ["leerwinkel", "year"],
    "ind_outcomes": ["leerwinkel", "year"],
    "ind_sroi": ["leerwinkel", "year"],
}


@dg.asset(
    ins={name: dg.AssetIn() for name in WAREHOUSE_TABLES},
    group_name="publication",
    owners=OWNERS,
    automation_condition=dg.AutomationCondition.eager(),
    kinds={"sqlalchemy", "sqlite", "postgres"},
    description="Writes every model, indicator and quality table to the warehouse database in one transaction: readers see the previous run's tables or this run's, never a mix.",
)
def warehouse_tables(context: dg.AssetExecutionContext, warehouse: Warehouse, pseudonym_key: PseudonymKey, **tables: pl.DataFrame) -> dg.MaterializeResult:
    clean = {name: frame.drop([c for c in INTERNAL_COLUMNS if c in frame.columns]) for name, frame in tables.items()}
    # In key order: the primary-key index of the random HMAC keys is then built by appending
    # (SQLite: trajectories + clients ~0.4 s faster at 400,000 trajectories).
    clean = {name: frame.sort(TABLE_KEYS[name]) if name in TABLE_KEYS else frame for name, frame in clean.items()}
    counts = warehouse.write_tables(clean, run_id=context.run.run_id, keys={k: v for k, v in TABLE_KEYS.items() if k in clean},
                                    key_fingerprint=pseudonym_key.pseudonymiser().fingerprint())
    context.log.info(f"wrote {len(clean)} tables to {warehouse.describe()}")
    return dg.MaterializeResult(metadata={
        "dagster/row_count": dg.MetadataValue.int(sum(counts.values())),
        "database": dg.MetadataValue.text(warehouse.describe()),
        "tables": dg.MetadataValue.md("\n".join(f"| {n} | {c} |" for n, c in counts.items()).join(["| table | rows |\n|---|---|\n", ""])),
    })


@dg.asset(
    ins={name: dg.AssetIn() for name in PUBLISHED_TABLES},
    group_name="publication",
    owners=OWNERS,
    automation_condition=dg.AutomationCondition.eager(),
    kinds={"csv", "excel"},
    description="The indicator tables for publication (CSV + one Excel workbook with an explanation sheet), counts perturbed with stable key-derived noise (pipelines/disclosure.py). The database keeps exact figures.",
)
def publication_export(context: dg.AssetExecutionContext, settings: RunSettings, pseudonym_key: PseudonymKey, **tables: pl.DataFrame) -> dg.MaterializeResult:
    paths = write_publication(dict(tables), Path(settings.publication_dir), run_id=context.run.run_id, pseudonymiser=pseudonym_key.pseudonymiser())
    return dg.MaterializeResult(metadata={
        **information_loss_metadata(dict(tables), pseudonym_key.pseudonymiser()),
        "dagster/row_count": dg.MetadataValue.int(sum(t.height for t in tables.values())),
        "folder": dg.MetadataValue.path(str(Path(settings.publication_dir).resolve())),
        "files": dg.MetadataValue.md("\n".join(f"- {p.name}" for p in paths)),
    })
