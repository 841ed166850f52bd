"""Ingest: one partition per Leerwinkel (and the network coordinator's folder)."""


import dagster as dg
import polars as pl

from ..readers import FileProblem
from ..resources import LandingFolder, PseudonymKey, RunSettings, StagingStore
from ..sources import all_specs
from ..staging import RULES, stage_source
from .common import OWNERS, leerwinkel_partitions, markdown_table

STAGED_KEY = dg.AssetKey("staged_leerwinkel")


@dg.asset(
    key=STAGED_KEY,
    partitions_def=leerwinkel_partitions,
    group_name="ingest",
    owners=OWNERS,
    kinds={"polars", "parquet"},
    description=(
        "One Leerwinkel's current delivery, read once, checked row by row and pseudonymised. "
        "Names, national numbers, e-mail, phone and notes are dropped here. A file that cannot "
        "be read fails only this partition; the model then keeps this Leerwinkel's last good data."
    ),
)
def staged_leerwinkel(
    context: dg.AssetExecutionContext,
    landing: LandingFolder,
    pseudonym_key: PseudonymKey,
    settings: RunSettings,
    staging_store: StagingStore,
) -> dg.Output[dict[str, pl.DataFrame]]:
    code = context.partition_key
    spec = all_specs()[code]
    try:
        staged = stage_source(spec, landing.root(), pseudonym_key.pseudonymiser(), settings.as_of_date(), context.run.run_id)
    except FileProblem as problem:
        staging_store.mark_failed(STAGED_KEY, code, str(problem))
        context.log.error(f"{code}: {problem}")
        raise dg.Failure(
            description=f"{code}: {problem}",
            metadata={"file": problem.file_name, "problem": problem.problem},
            allow_retries=False,
        ) from None
    staging_store.clear_failed(STAGED_KEY, code)
    for row in staged["deliveries"].filter(pl.col("status") == "ignored").iter_rows(named=True):
        context.log.info(f"{code}: ignoring older delivery {row['file_name']} ({row['message']})")
    for row in staged["deliveries"].filter(pl.col("status") == "missing").iter_rows(named=True):
        context.log.warning(f"{code}: nothing delivered for {row['pattern']} ({row['message']})")
    return dg.Output(staged, metadata=staged_metadata(code, staged))


def staged_metadata(code: str, staged: dict[str, pl.DataFrame]) -> dict:
    files = staged["source_files"]
    read = int(files.get_column("rows_read").sum()) if files.height else 0
    quarantined = int(files.get_column("rows_quarantined").sum()) if files.height else 0
    per_rule = staged["quarantine"].group_by("rule").len()
    per_rule = dict(per_rule.iter_rows()) if per_rule.height else {}
    metadata = {
        "dagster/row_count": dg.MetadataValue.int(staged["trajectories"].height),
        "trajectories": dg.MetadataValue.int(staged["trajectories"].height),
        "rows_read": dg.MetadataValue.int(read),
        "rows_quarantined": dg.MetadataValue.int(quarantined),
        "quarantine_rate": dg.MetadataValue.float(quarantined / read if read else 0.0),
        "files": dg.MetadataValue.md(markdown_table(files.drop("sha256", "run_id"))),
        "quarantined_rows": dg.MetadataValue.md(markdown_table(staged["quarantine"], limit=50)),
        "deliveries": dg.MetadataValue.md(markdown_table(staged["deliveries"])),
    }
    for rule in RULES:
        metadata[f"quarantined_{rule}"] = dg.MetadataValue.int(int(per_rule.get(rule, 0)))
    return metadata
