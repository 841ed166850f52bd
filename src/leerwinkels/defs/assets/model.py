"""The network model and the data-quality tables, from every Leerwinkel's staged partition."""


import dagster as dg
import pandera.errors
import polars as pl

from leerwinkels.defs.asset_keys import STAGED_KEY
from leerwinkels.defs.assets.common import OWNERS, definition_metadata, percent, table_metadata
from leerwinkels.defs.conditions import AFTER_INGEST
from leerwinkels.defs.resources import PseudonymKey, RunSettings, StagingStore
from leerwinkels.ingest.delivery_guard import key_mismatches
from leerwinkels.ingest.source_specs import LEERWINKELS, PARTITIONS
from leerwinkels.ingest.staged_tables import RULES
from leerwinkels.model.build import build_model, build_quality
from leerwinkels.model.schemas import validate_model

MODEL_DESCRIPTIONS = {
    "trajectories": "One row per guidance trajectory of the whole network, pseudonymised (keys, codes, birth year, postcode).",
    "contacts": "Every logged contact of a trajectory: date, type and minutes.",
    "referrals": "Referrals out of a trajectory: destination and date (undated ones dated at closing, else intake).",
    "followups": "The latest follow-up survey response per trajectory, linked on Leerwinkel + dossier number.",
    "clients": "One row per pseudonymised client: at how many Leerwinkels, first intake, number of trajectories.",
    "costs": "Yearly cost of each Leerwinkel from the coordinator's cost file (SROI denominator).",
    "contact_events": "Internal: contacts dated per trajectory (Mechelen: its conversation count at intake) for ind_reach.",
}
QUALITY_DESCRIPTIONS = {
    "dq_source_files": "Per file and sheet read: rows read = loaded + quarantined + duplicate, checksum, run id.",
    "dq_quarantine": "Every rejected row: file, sheet, row number as Excel/CSV shows it, rule and column. No personal values.",
    "dq_unmapped_values": "Labels outside the code mapping (the field became `unknown`): extend sources/<leerwinkel>.yaml.",
    "dq_deliveries": "Per Leerwinkel the current file per pattern, its age, and whether it is missing, too old or stale.",
}

_outs = {name: dg.AssetOut(group_name="model", description=text, owners=OWNERS, kinds={"polars"}, automation_condition=AFTER_INGEST, metadata=definition_metadata(name)) for name, text in MODEL_DESCRIPTIONS.items()}
_outs |= {name: dg.AssetOut(group_name="quality", description=text, owners=OWNERS, kinds={"polars"}, automation_condition=AFTER_INGEST, metadata=definition_metadata(name)) for name, text in QUALITY_DESCRIPTIONS.items()}


@dg.multi_asset(outs=_outs, ins={"staged": dg.AssetIn(key=STAGED_KEY)}, can_subset=False)
def network_model(context: dg.AssetExecutionContext, staged: dict, settings: RunSettings, staging_store: StagingStore,
                  pseudonym_key: PseudonymKey):
    """Builds the model from each Leerwinkel's latest good staged data."""
    failures = staging_store.failures(STAGED_KEY)
    stale = {code: failures[code] for code in PARTITIONS if code in failures}
    for code, failure in stale.items():
        context.log.warning(f"{code} is stale ({failure['state']}): {failure['message']}"
                            + ("; using the last good data" if code in staged else "; no earlier data to fall back on"))
    mixed = key_mismatches(staged, pseudonym_key.pseudonymiser().fingerprint(), stale)
    if mixed:
        raise dg.Failure(description="; ".join(mixed), allow_retries=False)
    model = build_model(staged)
    try:
        validate_model(model)
    except pandera.errors.SchemaErrors as exc:
        raise dg.Failure(description=f"model tables break their schema (src/leerwinkels/model/schemas.py): {exc}", allow_retries=False) from None
    quality = build_quality(staged, model.pop("_survey_quarantine"), model.pop("_survey_counts"), stale, settings.as_of_date(), settings.freshness_days)
    for name, frame in model.items():
        preview = frame.group_by("leerwinkel").len().sort("leerwinkel") if "leerwinkel" in frame.columns else frame.head(10)
        extra: dict[str, dg.MetadataValue] = {}
        if name == "trajectories":
            counts = dict(frame.group_by("leerwinkel").len().iter_rows())
            for code in sorted({*LEERWINKELS, *counts}):  # a Leerwinkel without trajectories plots as 0, not as a gap
                extra[f"trajectories_{code}"] = dg.MetadataValue.int(int(counts.get(code, 0)))
            preview = frame.group_by("leerwinkel").agg(pl.len().alias("trajectories"), pl.col("client_key").n_unique().alias("clients")).sort("leerwinkel")
        yield dg.Output(frame, output_name=name, metadata=table_metadata(frame, preview if name == "trajectories" else _safe_preview(frame), table=name, **extra))
    for name, frame in quality.items():
        extra = {}
        if name == "dq_source_files" and frame.height:
            read = int(frame.get_column("rows_read").sum())
            extra["quarantine_rate_percent"] = dg.MetadataValue.float(percent(int(frame.get_column("rows_quarantined").sum()), read))
        if name == "dq_deliveries":
            extra["stale_leerwinkels"] = dg.MetadataValue.text(", ".join(sorted(stale)) or "none")
        extra.update(_steward_metadata(name, frame))
        yield dg.Output(frame, output_name=name, metadata=table_metadata(frame, frame.head(50), table=name, **extra))


def _steward_metadata(name: str, frame: pl.DataFrame) -> dict:
    """Numbers the UI plots over time per quality table: quarantine per rule and per Leerwinkel,
    delivery problems. Counts only, never a value from a row."""
    extra: dict[str, dg.MetadataValue] = {}
    if name == "dq_source_files":
        per = frame.group_by("leerwinkel").agg(pl.col("rows_read").sum(), pl.col("rows_quarantined").sum())
        extra["rows_read"] = dg.MetadataValue.int(int(frame.get_column("rows_read").sum()))
        extra["rows_quarantined"] = dg.MetadataValue.int(int(frame.get_column("rows_quarantined").sum()))
        for code, read, quarantined in per.sort("leerwinkel").iter_rows():
            extra[f"quarantine_rate_percent_{code}"] = dg.MetadataValue.float(percent(quarantined, read))
    if name == "dq_quarantine":
        per_rule = dict(frame.group_by("rule").len().iter_rows())
        for rule in sorted({*RULES, *(r for r in per_rule if r)}):
            extra[f"quarantined_{rule}"] = dg.MetadataValue.int(int(per_rule.get(rule, 0)))
        for code, n in frame.group_by("leerwinkel").len().sort("leerwinkel").iter_rows():
            extra[f"quarantined_rows_{code}"] = dg.MetadataValue.int(n)
    if name == "dq_deliveries" and frame.height:
        extra["stale_count"] = dg.MetadataValue.int(frame.filter(pl.col("stale")).get_column("leerwinkel").n_unique())
        extra["missing_deliveries"] = dg.MetadataValue.int(int(frame.get_column("missing").sum()))
        extra["deliveries_older_than_limit"] = dg.MetadataValue.int(int(frame.get_column("older_than_limit").sum()))
    if name == "dq_unmapped_values":
        extra["unmapped_labels"] = dg.MetadataValue.int(frame.height)
    return extra


def _safe_preview(frame: pl.DataFrame) -> pl.DataFrame:
    """Aggregate previews only: model rows are pseudonymised, but keys add nothing for a reader."""
    if "leerwinkel" in frame.columns:
        return frame.group_by("leerwinkel").len().sort("leerwinkel")
    return frame.select(pl.len().alias("rows"))
