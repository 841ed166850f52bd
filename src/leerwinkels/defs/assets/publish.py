"""Publishing: the warehouse tables (one asset each, written in one step and one transaction)
and the publication export after them."""


from pathlib import Path

import dagster as dg
import polars as pl
import sqlalchemy as sa

from leerwinkels.contract import tables as tables_catalogue
from leerwinkels.contract.views import published_table_name
from leerwinkels.defs.asset_keys import warehouse_key
from leerwinkels.defs.assets.common import OWNERS
from leerwinkels.defs.checks import publication_is_clean, publication_problems
from leerwinkels.defs.conditions import DOWNSTREAM
from leerwinkels.defs.resources import PseudonymKey, RunSettings, Warehouse
from leerwinkels.defs.resources.warehouse import WarehouseBusy
from leerwinkels.model.build import INTERNAL_COLUMNS
from leerwinkels.publication.data_status import data_status
from leerwinkels.publication.disclosure import information_loss_metadata
from leerwinkels.publication.release import ReleaseError, publish_release
from leerwinkels.publication.workbook import published_frames, write_publication
from leerwinkels.quality.feedback_workbook import FEEDBACK_DIR, write_feedback_workbooks

# the table lists and sort keys come from the contract catalogue
WAREHOUSE_TABLES = tables_catalogue.WAREHOUSE_TABLES
PUBLISHED_TABLES = tables_catalogue.PUBLISHED_TABLES
TABLE_KEYS = tables_catalogue.KEYED_TABLES


WAREHOUSE_TABLE_KEYS = tuple(warehouse_key(name) for name in WAREHOUSE_TABLES)


def _warehouse_spec(table: str) -> dg.AssetSpec:
    """One warehouse table: its own asset in the lineage, written by the one step below."""
    return dg.AssetSpec(
        warehouse_key(table),
        deps=[table],
        group_name="warehouse",
        owners=OWNERS,
        kinds={"sqlalchemy", "sqlite", "postgres"},
        automation_condition=DOWNSTREAM,
        description=f"The warehouse table `{table}`: the frame `{table}` as the database holds it "
                    "(replaced with every other warehouse table in one transaction).",
        metadata={"dagster/table_name": table},
    )


@dg.multi_asset(
    name="warehouse_tables",
    specs=[_warehouse_spec(name) for name in WAREHOUSE_TABLES],
    ins={name: dg.AssetIn(key=name) for name in WAREHOUSE_TABLES},
    # one step, one transaction: readers see the previous run's tables or this run's, never a mix
    can_subset=False,
    description="Writes every model, indicator and quality table to the warehouse database in one transaction: readers see the previous run's tables or this run's, never a mix.",
)
def warehouse_tables(context: dg.AssetExecutionContext, warehouse: Warehouse, pseudonym_key: PseudonymKey, **tables: pl.DataFrame):
    clean = {name: frame.drop([c for c in INTERNAL_COLUMNS if c in frame.columns]) for name, frame in tables.items()}
    # In key order: the primary-key index of the random HMAC keys is then built by appending
    # (SQLite: trajectories + clients ~0.4 s faster at 400,000 trajectories).
    clean = {name: frame.sort(TABLE_KEYS[name]) if name in TABLE_KEYS else frame for name, frame in clean.items()}
    # pub_<table>: the protected figures exactly as the publication CSVs hold them, in the same
    # transaction, so that a dashboard on the database can show nothing the publication does not
    pseudonymiser = pseudonym_key.pseudonymiser()
    published = {
        published_table_name(name): frame
        for name, frame in published_frames({n: tables[n] for n in PUBLISHED_TABLES}, pseudonymiser=pseudonymiser).items()
    }
    keys = {k: v for k, v in TABLE_KEYS.items() if k in clean}
    keys.update({published_table_name(name): TABLE_KEYS[name] for name in PUBLISHED_TABLES})
    try:
        counts = warehouse.write_tables({**clean, **published}, run_id=context.run.run_id, keys=keys,
                                        key_fingerprint=pseudonymiser.fingerprint())
    except WarehouseBusy as exc:
        raise dg.Failure(description=f"{exc}; the write was rolled back") from None
    except sa.exc.DBAPIError as exc:
        raise dg.Failure(description=warehouse_error_message(warehouse.describe(), exc)) from None
    database = warehouse.describe()
    context.log.info(f"wrote {len(clean)} tables and {len(published)} pub_* tables to {database}")
    # after the commit: each table's materialization says it is there (no table before the commit)
    for name in WAREHOUSE_TABLES:
        yield dg.MaterializeResult(asset_key=warehouse_key(name), metadata={
            "dagster/row_count": dg.MetadataValue.int(counts.get(name, 0)),
            "database": dg.MetadataValue.text(database),
        })


def warehouse_error_message(where: str, exc: sa.exc.DBAPIError) -> str:
    """The database refused the write: say so without the driver's text, which can quote a
    value (PostgreSQL: 'invalid input syntax for type ...: "<value>"')."""
    orig = exc.orig
    code = getattr(orig, "sqlite_errorname", None) or getattr(orig, "sqlstate", None)
    text = str(orig).lower()
    if code in {"SQLITE_FULL", "53100"} or "database or disk is full" in text or "no space left" in text:
        reason = "the disk is full: free space and run again"
    else:
        reason = f"the database refused it ({type(orig).__name__}{f' {code}' if code else ''}; its own message is not shown: it can quote values)"
    return f"the warehouse write to {where} failed and was rolled back: {reason}"


def _refuse_unpublishable(run_id: str, exact: dict[str, pl.DataFrame], pseudonymiser):
    def verify(folder: Path) -> None:
        problems = publication_problems(folder, exact, pseudonymiser)
        if not publication_is_clean(problems):
            what = "; ".join(
                problems["protection"]
                + [f"personal-data shapes in {t} ({', '.join(cols)})" for t, cols in problems["personal_data"].items()]
            ) or "no CSV file was written"
            raise dg.Failure(description=f"the publication of run {run_id} was refused before it was switched to: {what}")
    return verify


@dg.asset(
    # dq_deliveries: the data date and the Leerwinkels on old data, for the workbook's headers;
    # dq_feedback (issue 20): the feedback workbooks go into the same release, under feedback/ (not public)
    ins={**{name: dg.AssetIn() for name in PUBLISHED_TABLES}, "dq_deliveries": dg.AssetIn(), "dq_feedback": dg.AssetIn()},
    # After the warehouse transaction has committed, never before or without it: the
    # tables and the export of a run are one release (DELIVERIES.md).
    deps=list(WAREHOUSE_TABLE_KEYS),
    group_name="publication",
    owners=OWNERS,
    automation_condition=DOWNSTREAM,
    kinds={"csv", "excel"},
    description="The indicator tables for publication (CSV + one Excel workbook with an explanation sheet), counts perturbed with stable key-derived noise (src/leerwinkels/publication/disclosure.py). The database keeps exact figures. Written as a complete release folder after the warehouse has committed, checked, then switched to atomically (the publication path is a symlink to the current release).",
)
def publication_export(context: dg.AssetExecutionContext, settings: RunSettings, pseudonym_key: PseudonymKey, dq_feedback: dict,
                       dq_deliveries: pl.DataFrame, **tables: pl.DataFrame) -> dg.MaterializeResult:
    publication = Path(settings.publication_dir)
    run_id = context.run.run_id
    written: list[Path] = []
    feedback: list[Path] = []  # not public: never among the published files

    def write(folder: Path) -> list[Path]:
        written.extend(write_publication(dict(tables), folder, run_id=run_id, pseudonymiser=pseudonym_key.pseudonymiser(),
                                         data_status=data_status(dq_deliveries)))
        feedback.extend(write_feedback_workbooks(dq_feedback, folder / FEEDBACK_DIR))
        return written

    try:
        # the whole export into a new release folder, checked, then one atomic switch
        release = publish_release(publication, run_id, write=write, verify=_refuse_unpublishable(run_id, dict(tables), pseudonym_key.pseudonymiser()))
    except OSError as exc:
        # the operating system's reason (polars' OSError has no strerror, only its text)
        reason = exc.strerror or (str(exc).splitlines() or [type(exc).__name__])[0]
        raise dg.Failure(
            description=f"the publication release could not be written next to {publication.absolute()}: {reason}"
        ) from None
    except ReleaseError as exc:
        raise dg.Failure(description=str(exc)) from None
    return dg.MaterializeResult(metadata={
        **information_loss_metadata(dict(tables), pseudonym_key.pseudonymiser()),
        "dagster/row_count": dg.MetadataValue.int(sum(t.height for t in tables.values())),
        "folder": dg.MetadataValue.path(str(publication.absolute())),
        "release": dg.MetadataValue.path(str(release.resolve())),
        "files": dg.MetadataValue.md("\n".join(f"- {p.name}" for p in written)),
        "feedback_workbooks": dg.MetadataValue.int(len(feedback)),
    })
