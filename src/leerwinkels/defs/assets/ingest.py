"""Ingest: one partition per Leerwinkel (and the network coordinator's folder)."""


from pathlib import Path

import dagster as dg
import polars as pl

from leerwinkels.defs.asset_keys import STAGED_KEY
from leerwinkels.defs.assets.common import OWNERS, leerwinkel_partitions, markdown_table, percent
from leerwinkels.defs.resources import LandingFolder, PseudonymKey, RunSettings, StagingStore
from leerwinkels.ingest.delivery_files import find_deliveries
from leerwinkels.ingest.delivery_guard import (
    ACCEPT_TAG,
    STAGE_INFO,
    STATE_HELD,
    STATE_UNREADABLE,
    DeliveryNotUsed,
    acceptance_of,
    held_reasons,
    read_last_good,
    record_acceptance,
    stage_info,
    unusable_before_reading,
)
from leerwinkels.ingest.readers import FileProblem, ReadDelivery
from leerwinkels.ingest.source_specs import all_specs
from leerwinkels.ingest.staged_tables import RULES
from leerwinkels.ingest.staging import STAGERS, stage_source
from leerwinkels.quality import first_seen

__all__ = ["STAGED_KEY", "staged_leerwinkel", "staged_metadata"]  # STAGED_KEY: still importable from here


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
    delivery_reader: dg.ResourceParam[ReadDelivery],
) -> dg.Output[dict[str, pl.DataFrame]]:
    code = context.partition_key
    spec = all_specs()[code]
    pseudonymiser = pseudonym_key.pseudonymiser()
    root = landing.root()
    deliveries = find_deliveries(root / spec.folder, spec.files, landing_root=root, settle=settings.settle_seconds)
    try:
        not_used = unusable_before_reading(code, deliveries)
        if not_used is not None:
            raise not_used
        try:
            staged = stage_source(spec, root, pseudonymiser, settings.as_of_date(), context.run.run_id, deliveries=deliveries,
                                  read=delivery_reader)
        except FileProblem as problem:
            raise DeliveryNotUsed(STATE_UNREADABLE, str(problem), problem.file_name) from None
        accepted = _guard(context, code, staged, staging_store, settings)
    except DeliveryNotUsed as problem:
        _not_used(context, code, problem, staging_store)
    # issue 20: when each contact and closing first came in (timeliness), carried from the last good data
    staged[first_seen.LEDGER] = first_seen.updated_ledger(
        first_seen.delivered_events(staged["trajectories"], staged["contacts"]),
        first_seen.previous_ledger(staging_store.partition_dir(STAGED_KEY, code)),
        first_seen.delivery_date(staged["source_files"], settings.as_of_date()),
    )
    staged[STAGE_INFO] = stage_info(code, pseudonymiser.fingerprint(), context.run.run_id, staged["trajectories"].height, accepted)
    staging_store.clear_failed(STAGED_KEY, code)
    for row in staged["deliveries"].filter(pl.col("status").is_in(["ignored", "refused"])).iter_rows(named=True):
        context.log.info(f"{code}: {row['status']} {row['file_name']} ({row['message']})")
    return dg.Output(staged, metadata=staged_metadata(code, staged))


def _guard(context, code: str, staged: dict[str, pl.DataFrame], staging_store: StagingStore, settings: RunSettings) -> str | None:
    """Hold a delivery that looks incomplete next to the last good one, unless a steward accepted
    it (``leerwinkels accept``, or this run's tag). Returns the acceptance, if one was needed."""
    last = read_last_good(staging_store.partition_dir(STAGED_KEY, code))
    reasons = held_reasons(staged, last, settings.shrink_limit)
    if not reasons:
        return None
    staging_dir = Path(staging_store.base_dir)
    current = [(name, sha) for name, sha in staged["source_files"].select("file_name", "sha256").unique().iter_rows() if sha]
    if context.run.tags.get(ACCEPT_TAG, "").lower() == "true":
        record_acceptance(staging_dir, code, current, by=f"Dagster run {context.run.run_id[:8]}")
    accepted = acceptance_of(staging_dir, code, current)
    if accepted is None:
        raise DeliveryNotUsed(
            STATE_HELD,
            f"{', '.join(sorted(n for n, _ in current))} held: {_sentence('; '.join(reasons))} "
            f"If the delivery is complete, accept it: `leerwinkels accept {code}` (or launch job accept_held_delivery "
            "for this partition in the Dagster UI); else ask the Leerwinkel for the full export",
            current[0][0] if current else None,
        )
    context.log.warning(f"{code}: {'; '.join(reasons)}; used all the same: {accepted}")
    return accepted


def _sentence(text: str) -> str:
    return text if text.endswith((".", "?", "!")) else text + "."


def _not_used(context, code: str, problem: DeliveryNotUsed, staging_store: StagingStore):
    """Keep the last good data: record the state and reason, fail this partition only."""
    staging_store.mark_failed(STAGED_KEY, code, problem.message, problem.state)
    context.log.error(f"{code}: {problem.state}: {problem.message}")
    raise dg.Failure(
        description=f"{code}: {problem.state}: {problem.message}",
        metadata={"file": problem.file_name or "", "state": problem.state},
        allow_retries=False,
    ) from None


def staged_metadata(code: str, staged: dict[str, pl.DataFrame]) -> dict:
    files = staged["source_files"]
    read = int(files.get_column("rows_read").sum()) if files.height else 0
    quarantined = int(files.get_column("rows_quarantined").sum()) if files.height else 0
    rule_counts = staged["quarantine"].group_by("rule").len()
    per_rule = dict(rule_counts.iter_rows()) if rule_counts.height else {}
    # the overview's row count: every data row this partition staged (the network
    # coordinator's `netwerk` stages referrals and contacts, no trajectories)
    staged_rows = sum(staged[role].height for role in STAGERS if role in staged)
    metadata = {
        "dagster/row_count": dg.MetadataValue.int(staged_rows),
        "trajectories": dg.MetadataValue.int(staged["trajectories"].height),
        "rows_read": dg.MetadataValue.int(read),
        "rows_quarantined": dg.MetadataValue.int(quarantined),
        "quarantine_rate_percent": dg.MetadataValue.float(percent(quarantined, read)),
        "files": dg.MetadataValue.md(markdown_table(files.drop("sha256", "run_id"))),
        "quarantined_rows": dg.MetadataValue.md(markdown_table(staged["quarantine"], limit=50)),
        "deliveries": dg.MetadataValue.md(markdown_table(staged["deliveries"])),
    }
    for rule in RULES:
        metadata[f"quarantined_{rule}"] = dg.MetadataValue.int(int(per_rule.get(rule, 0)))
    return metadata
