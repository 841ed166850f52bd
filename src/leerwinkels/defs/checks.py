"""Asset checks: blocking for what must hold, WARN for what a data steward should look at."""


import dagster as dg
import polars as pl

from leerwinkels.contract.tables import CATALOGUE, PUBLISHED_TABLES
from leerwinkels.defs.assets.common import markdown_table
from leerwinkels.defs.resources import PseudonymKey, RunSettings
from leerwinkels.privacy.personal_data import personal_data_hits

PERSONAL_SCAN_TABLES = [t.name for t in CATALOGUE if t.scanned_for_personal_data]


@dg.asset_check(asset="dq_source_files", blocking=True, description="Per file and sheet: rows read = loaded + quarantined + duplicate. Nothing is lost silently.")
def accounting_adds_up(dq_source_files: pl.DataFrame) -> dg.AssetCheckResult:
    wrong = dq_source_files.filter(pl.col("rows_read") != pl.col("rows_loaded") + pl.col("rows_quarantined") + pl.col("rows_duplicate"))
    return dg.AssetCheckResult(
        passed=wrong.height == 0,
        metadata={"files_checked": dq_source_files.height, "files_not_adding_up": wrong.height,
                  "details": dg.MetadataValue.md(markdown_table(wrong.select("leerwinkel", "file_name", "sheet", "rows_read", "rows_loaded", "rows_quarantined", "rows_duplicate")))},
    )


PERSONAL_DATA_CHECK = "no_personal_data"
_PERSONAL_DATA_DESCRIPTION = "No text column looks like a national number, e-mail address or phone number."


def personal_data_result(table: str, frame: pl.DataFrame) -> dg.AssetCheckResult:
    """The ``no_personal_data`` result of one table."""
    hits = personal_data_hits(frame)
    # only column names and counts in the metadata: never the values themselves
    return dg.AssetCheckResult(
        asset_key=table, check_name=PERSONAL_DATA_CHECK, passed=not hits,
        metadata={"columns_with_hits": dg.MetadataValue.json(hits)},
    )


def _personal_scan_checks(name: str, tables: list[str]) -> dg.AssetChecksDefinition:
    """One step scans several tables (each keeps its own blocking check in the UI): a step per
    table costs more in run bookkeeping than the scan itself. Tables of one step must not
    feed each other (a blocking check holds back what is downstream of its table)."""

    @dg.multi_asset_check(
        name=name,
        specs=[dg.AssetCheckSpec(PERSONAL_DATA_CHECK, asset=t, blocking=True, description=_PERSONAL_DATA_DESCRIPTION) for t in tables],
        ins={t: dg.AssetIn(key=t) for t in tables},
    )
    def _check(**frames: pl.DataFrame):
        for table in tables:
            yield personal_data_result(table, frames[table])

    return _check


_LEAF_INDICATORS = {"ind_reach", "ind_reach_breakdown", "ind_referrals", "ind_outcomes", "ind_sroi", "code_labels",
                    "ind_outcomes_by_context", "ind_referral_followthrough"}
# computed from other indicator tables (ind_sroi, ind_sroi_inputs): their checks must come first (issue 16)
_EVIDENCE_SUMMARY = "evidence_assumptions"
personal_data_checks = [
    # everything network_model makes: one step, after it
    _personal_scan_checks("no_personal_data_model", [t for t in PERSONAL_SCAN_TABLES
                                                     if not t.startswith("ind_") and t not in {"code_labels", _EVIDENCE_SUMMARY}]),
    # indicator tables nothing else is computed from
    _personal_scan_checks("no_personal_data_indicators", [t for t in PERSONAL_SCAN_TABLES if t in _LEAF_INDICATORS]),
    # ind_sroi is computed from ind_sroi_inputs: its check must come first
    _personal_scan_checks("no_personal_data_sroi_inputs", ["ind_sroi_inputs"]),
    # issue 16: ind_outcome_bounds is a leaf too; evidence_assumptions reads ind_sroi and ind_sroi_inputs
    _personal_scan_checks("no_personal_data_outcome_bounds", ["ind_outcome_bounds"]),
    _personal_scan_checks("no_personal_data_evidence", [_EVIDENCE_SUMMARY]),
    # computed from ind_sroi_inputs and ind_sroi (issue 17): after their checks
    _personal_scan_checks("no_personal_data_sroi_derived", ["ind_sroi_by_payer", "ind_sroi_sensitivity"]),
]


@dg.asset_check(asset="dq_source_files", description="WARN when a file's quarantine share exceeds the configured limit (default 5%).")
def quarantine_share_within_limit(dq_source_files: pl.DataFrame, settings: RunSettings) -> dg.AssetCheckResult:
    shares = dq_source_files.with_columns(
        (pl.col("rows_quarantined") / pl.col("rows_read")).fill_nan(0.0).fill_null(0.0).alias("quarantine_share")
    )
    over = shares.filter(pl.col("quarantine_share") > settings.quarantine_warn_share)
    return dg.AssetCheckResult(
        passed=over.height == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"limit": settings.quarantine_warn_share, "files_over_limit": over.height,
                  "max_share": float(shares.select(pl.col("quarantine_share").max().fill_null(0.0)).item()),
                  "details": dg.MetadataValue.md(markdown_table(over.select("leerwinkel", "file_name", "sheet", "rows_read", "rows_quarantined", "quarantine_share")))},
    )


@dg.asset_check(asset="dq_deliveries", description="WARN when a Leerwinkel's current delivery is missing, older than the freshness limit (default 35 days), or stale because the new one could not be read.")
def deliveries_fresh(dq_deliveries: pl.DataFrame, settings: RunSettings) -> dg.AssetCheckResult:
    problems = dq_deliveries.filter(pl.col("missing") | pl.col("older_than_limit") | pl.col("stale"))
    return dg.AssetCheckResult(
        passed=problems.height == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"freshness_limit_days": settings.freshness_days, "problems": problems.height,
                  "details": dg.MetadataValue.md(markdown_table(problems.select("leerwinkel", "pattern", "file_name", "modified_time", "status", "stale_reason")))},
    )


@dg.asset_check(asset="dq_deliveries", description="WARN when a Leerwinkel's delivery is held by a guard (far fewer trajectories than its last good delivery, or a sheet gone): a steward decides (`leerwinkels accept LEERWINKEL`).")
def no_held_deliveries(dq_deliveries: pl.DataFrame) -> dg.AssetCheckResult:
    held = dq_deliveries.filter(pl.col("state") == "held").unique("leerwinkel", keep="first").sort("leerwinkel")
    return dg.AssetCheckResult(
        passed=held.height == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"held": held.height, "leerwinkels": ", ".join(held.get_column("leerwinkel").to_list()) or "none",
                  "details": dg.MetadataValue.md(markdown_table(held.select("leerwinkel", "stale_reason")))},
    )


@dg.asset_check(asset="dq_unmapped_values", description="WARN when a Leerwinkel uses labels outside the code mapping: extend sources/<leerwinkel>.yaml.")
def no_unmapped_labels(dq_unmapped_values: pl.DataFrame) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=dq_unmapped_values.height == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"labels": dq_unmapped_values.height, "details": dg.MetadataValue.md(markdown_table(dq_unmapped_values))},
    )


@dg.asset_check(asset="ind_sroi", description="WARN when a Leerwinkel with trajectories in a year has no cost row in the coordinator's cost file: its SROI ratio is null.")
def sroi_costs_complete(ind_sroi: pl.DataFrame) -> dg.AssetCheckResult:
    missing = ind_sroi.filter((pl.col("leerwinkel") != "all") & ~pl.col("cost_complete"))
    return dg.AssetCheckResult(
        passed=missing.height == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"missing_cost_rows": missing.height, "details": dg.MetadataValue.md(markdown_table(missing.select("leerwinkel", "year")))},
    )


# ---- issue 16: the evidence tables (limits in evidence/parameters.yaml)


def _evidence_limits():
    from leerwinkels.evidence.parameters import EvidenceParameterError, load_parameters

    try:
        return load_parameters()
    except EvidenceParameterError as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from None


@dg.asset_check(asset="ind_outcome_bounds", description="WARN when the in-window response rate of a Leerwinkel-year whose outcome window has passed is below the limit of evidence/parameters.yaml (default 20%): its outcome figures rest on few answers.")
def evidence_response_rate_in_window(ind_outcome_bounds: pl.DataFrame, settings: RunSettings) -> dg.AssetCheckResult:
    from leerwinkels.evidence.checks import low_response_rates

    params = _evidence_limits()
    low = low_response_rates(ind_outcome_bounds, params, settings.as_of_date())
    return dg.AssetCheckResult(
        passed=low.height == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"limit": params.checks.min_response_rate_in_window.value, "rows_below_limit": low.height,
                  "rubric_version": params.version, "details": dg.MetadataValue.md(markdown_table(low))},
    )


@dg.asset_check(asset="ind_outcome_bounds", description="WARN when |share_weighted - share_respondents| exceeds the limit of evidence/parameters.yaml (default 0.10): non-response changes the picture.")
def evidence_weighting_gap(ind_outcome_bounds: pl.DataFrame) -> dg.AssetCheckResult:
    from leerwinkels.evidence.checks import large_weighting_gaps

    params = _evidence_limits()
    gaps = large_weighting_gaps(ind_outcome_bounds, params)
    return dg.AssetCheckResult(
        passed=gaps.height == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"limit": params.checks.max_weighting_gap.value, "rows_over_limit": gaps.height,
                  "rubric_version": params.version, "details": dg.MetadataValue.md(markdown_table(gaps))},
    )
@dg.asset_check(asset="ind_sroi_by_payer", blocking=True, additional_ins={"ind_sroi": dg.AssetIn(key="ind_sroi")}, description="Per Leerwinkel, year and scenario the payers add up to the cent to the present value (central: ind_sroi.present_value_eur).")
def sroi_payers_add_up(ind_sroi_by_payer: pl.DataFrame, ind_sroi: pl.DataFrame) -> dg.AssetCheckResult:
    sums = ind_sroi_by_payer.filter(pl.col("scenario") == "central").group_by("leerwinkel", "year").agg(pl.col("value_eur").sum().round(2).alias("payers"))
    wrong = sums.join(ind_sroi.select("leerwinkel", "year", "present_value_eur"), on=["leerwinkel", "year"], how="full", coalesce=True).filter(
        (pl.col("payers") != pl.col("present_value_eur")).fill_null(True))
    return dg.AssetCheckResult(passed=wrong.height == 0, metadata={"rows_not_adding_up": wrong.height,
                               "details": dg.MetadataValue.md(markdown_table(wrong.select("leerwinkel", "year")))})


@dg.asset_check(asset="ind_sroi_sensitivity", blocking=True, additional_ins={"ind_sroi": dg.AssetIn(key="ind_sroi")}, description="Every tornado range contains the central SROI ratio (null only where the ratio is null).")
def sroi_tornado_contains_central(ind_sroi_sensitivity: pl.DataFrame, ind_sroi: pl.DataFrame) -> dg.AssetCheckResult:
    joined = ind_sroi_sensitivity.join(ind_sroi.select("leerwinkel", "year", "sroi_ratio"), on=["leerwinkel", "year"], how="left")
    # a float sum in another order may differ in the last bit: a relative tolerance of 1e-9
    slack = pl.col("sroi_ratio").abs() * 1e-9
    wrong = joined.filter(pl.when(pl.col("sroi_ratio").is_null()).then(pl.col("ratio_low").is_not_null() | pl.col("ratio_high").is_not_null())
                          .otherwise(~((pl.col("ratio_low") <= pl.col("sroi_ratio") + slack) & (pl.col("sroi_ratio") - slack <= pl.col("ratio_high"))).fill_null(True)))
    return dg.AssetCheckResult(passed=wrong.height == 0, metadata={"ranges_without_central": wrong.height,
                               "details": dg.MetadataValue.md(markdown_table(wrong.select("leerwinkel", "year", "parameter")))})


def _published_csvs(folder) -> dict[str, pl.DataFrame]:
    from leerwinkels.publication.workbook import TABLES

    return {name: pl.read_csv(folder / f"{name}.csv", infer_schema_length=0) for name in TABLES if (folder / f"{name}.csv").exists()}


PUBLISHED_INDICATORS = PUBLISHED_TABLES


def _numeric_columns(table: pl.DataFrame | None) -> set[str]:
    """The columns of an exact table that are numbers (published as their text)."""
    return set() if table is None else {c for c, t in table.schema.items() if t.is_numeric()}


def publication_problems(folder, exact: dict[str, pl.DataFrame], pseudonymiser) -> dict:
    """What must not be published, found in the CSV files of a publication folder against the
    exact tables: counts that are not the protection's (src/leerwinkels/publication/disclosure.py) and columns
    with personal-data shapes (tables, columns and counts only, never a value). ``files`` is
    how many published CSVs were found; a folder is fine when ``files`` > 0 and nothing else
    is found."""
    from pathlib import Path

    from leerwinkels.publication.disclosure import protection_problems

    files = _published_csvs(Path(folder))
    protection = protection_problems(exact, files, pseudonymiser) if files else []
    personal = {name: hits for name, frame in files.items() if (hits := personal_data_hits(frame, _numeric_columns(exact.get(name))))}
    return {"files": len(files), "protection": protection, "personal_data": personal}


def publication_is_clean(problems: dict) -> bool:
    return bool(problems["files"]) and not problems["protection"] and not problems["personal_data"]


# Blocking, and the same test is run by publication_export on the release folder before it
# becomes the publication (see assets/publish.py): a release that fails it is never switched to.
@dg.asset_check(
    asset="publication_export", blocking=True,
    additional_ins={name: dg.AssetIn(key=name) for name in PUBLISHED_INDICATORS},
    description="The published CSVs are the protected tables: every count a whole number >= 0, 0 where the exact count is 0, "
                "within the noise bound of the exact count and exactly the value the key's noise gives; shares within 0-100%; "
                "every table there; nothing shaped like personal data.",
)
def publication_suppresses_small_cells(
    settings: RunSettings, pseudonym_key: PseudonymKey, ind_reach: pl.DataFrame, ind_reach_breakdown: pl.DataFrame,
    ind_referrals: pl.DataFrame, ind_outcomes: pl.DataFrame, ind_sroi_inputs: pl.DataFrame, ind_sroi: pl.DataFrame,
    ind_outcomes_by_context: pl.DataFrame, ind_outcome_bounds: pl.DataFrame, ind_referral_followthrough: pl.DataFrame,
    evidence_assumptions: pl.DataFrame,
    ind_sroi_by_payer: pl.DataFrame, ind_sroi_sensitivity: pl.DataFrame,
) -> dg.AssetCheckResult:
    from pathlib import Path

    from leerwinkels.publication.disclosure import NOISE_MAX

    exact = {"ind_reach": ind_reach, "ind_reach_breakdown": ind_reach_breakdown, "ind_referrals": ind_referrals,
             "ind_outcomes": ind_outcomes, "ind_sroi_inputs": ind_sroi_inputs, "ind_sroi": ind_sroi,
             "ind_outcomes_by_context": ind_outcomes_by_context, "ind_outcome_bounds": ind_outcome_bounds,
             "ind_referral_followthrough": ind_referral_followthrough, "evidence_assumptions": evidence_assumptions,
             "ind_sroi_by_payer": ind_sroi_by_payer, "ind_sroi_sensitivity": ind_sroi_sensitivity}
    problems = publication_problems(Path(settings.publication_dir), exact, pseudonym_key.pseudonymiser())
    # messages name tables, columns and how many cells: never a value
    return dg.AssetCheckResult(
        passed=publication_is_clean(problems),
        metadata={"files": problems["files"], "noise_max": NOISE_MAX, "problems": dg.MetadataValue.json(problems["protection"]),
                  "personal_data": dg.MetadataValue.json(problems["personal_data"])},
    )
