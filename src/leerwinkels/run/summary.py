"""The end-of-run summary a steward acts on: pure functions over what a run returns.

A table per Leerwinkel (stale and held Leerwinkels marked, with the date of the data used),
then one line per failed asset check naming the Leerwinkel, file and sheet it concerns, then
a verdict. Only what the quality tables hold is shown: counts, file and sheet names and
labels as DELIVERIES.md shows them (``dq_unmapped_values.value`` is already the shown value),
never a client's value."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from leerwinkels.quality.scorecard import RED_CHECK_PREFIX, SHARE_OF, latest_run, red_measures
from leerwinkels.quality.targets import Targets, TargetsError, load_targets

SUCCESS, WARNINGS, FAILURE = "success", "success with warnings", "failure"


@dataclass(frozen=True)
class CheckOutcome:
    """One asset check evaluation, as plain values."""

    asset: str
    name: str
    passed: bool
    severity: str  # "ERROR" (blocking) or "WARN"
    metadata: Mapping[str, Any] = field(default_factory=dict)


def check_outcomes(evaluations: Iterable[Any]) -> list[CheckOutcome]:
    """Dagster's ``AssetCheckEvaluation`` objects as :class:`CheckOutcome` (metadata values unwrapped)."""
    return [
        CheckOutcome(
            asset=e.asset_key.to_user_string(), name=e.check_name, passed=bool(e.passed),
            severity=getattr(e.severity, "value", str(e.severity)),
            metadata={k: getattr(v, "value", v) for k, v in (e.metadata or {}).items()},
        )
        for e in evaluations
    ]


def failed_checks(outcomes: Iterable[CheckOutcome]) -> list[CheckOutcome]:
    """Failed checks, blocking (ERROR) first, each once (the last evaluation counts)."""
    last = {(o.asset, o.name): o for o in outcomes}
    return sorted((o for o in last.values() if not o.passed), key=lambda o: (o.severity != "ERROR", o.asset, o.name))


def verdict(success: bool, failed: list[CheckOutcome], failed_partitions: Mapping[str, str]) -> str:
    if not success or any(o.severity == "ERROR" for o in failed):
        return FAILURE
    return WARNINGS if failed or failed_partitions else SUCCESS


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "-"


def _where(file_name: str | None, sheet: str | None) -> str:
    return f"{file_name or '?'}" + (f" [{sheet}]" if sheet else "")


def data_used(deliveries: pl.DataFrame | None) -> dict[str, str]:
    """Per Leerwinkel whose new delivery was not used (or was accepted): what its row in the
    table shows, e.g. ``STALE (held), data of 2026-10-02``."""
    if deliveries is None or not deliveries.height:
        return {}
    marks = {}
    for code, rows in deliveries.group_by("leerwinkel", maintain_order=True):
        name = str(code[0] if isinstance(code, tuple) else code)
        staged = rows.get_column("data_staged_at").drop_nulls().to_list()
        when = f", data of {max(staged):%Y-%m-%d}" if staged else ", no data"
        states = [s for s in rows.get_column("state").unique(maintain_order=True).to_list() if s not in ("current",)]
        if rows.get_column("stale").any():
            marks[name] = f"STALE ({', '.join(states) or 'not used'}){when}"
        elif "accepted" in states:
            marks[name] = f"accepted by a steward{when}"
    return marks


def leerwinkel_table(files: pl.DataFrame | None, deliveries: pl.DataFrame | None) -> list[str]:
    """The per-Leerwinkel rows (read, loaded, quarantined with its share, duplicates) and what data is used."""
    marks = data_used(deliveries)
    header = f"{'leerwinkel':<16}{'files':>6}{'read':>9}{'loaded':>9}{'quarantined':>19}{'duplicate':>10}  data"
    lines = [header]
    codes = set(marks)
    if files is not None and files.height:
        per_lw = files.group_by("leerwinkel").agg(
            pl.col("file_name").n_unique().alias("files"),
            pl.col("rows_read").sum(), pl.col("rows_loaded").sum(),
            pl.col("rows_quarantined").sum(), pl.col("rows_duplicate").sum(),
        ).sort("leerwinkel")
        for r in per_lw.iter_rows(named=True):
            codes.discard(r["leerwinkel"])
            quarantined = f"{r['rows_quarantined']} ({_percent(r['rows_quarantined'], r['rows_read'])})"
            lines.append(f"{r['leerwinkel']:<16}{r['files']:>6}{r['rows_read']:>9}{r['rows_loaded']:>9}{quarantined:>19}"
                         f"{r['rows_duplicate']:>10}  {marks.get(r['leerwinkel'], 'new')}")
    for code in sorted(codes):  # a Leerwinkel without any staged data
        lines.append(f"{code:<16}{'-':>6}{'-':>9}{'-':>9}{'-':>19}{'-':>10}  {marks[code]}")
    return lines


def _quarantine_lines(files: pl.DataFrame | None, limit: float) -> list[str]:
    if files is None or not files.height:
        return []
    over = files.filter((pl.col("rows_read") > 0) & (pl.col("rows_quarantined") / pl.col("rows_read") > limit))
    return [f"{r['leerwinkel']}: {_where(r['file_name'], r['sheet'])}: {r['rows_quarantined']} of {r['rows_read']} rows "
            f"quarantined ({_percent(r['rows_quarantined'], r['rows_read'])}, limit {100 * limit:.1f} %; see dq_quarantine)"
            for r in over.sort("leerwinkel", "file_name", "sheet").iter_rows(named=True)]


def _delivery_lines(deliveries: pl.DataFrame | None, *, held_only: bool) -> list[str]:
    if deliveries is None or not deliveries.height:
        return []
    rows = deliveries.filter(pl.col("state") == "held") if held_only else deliveries.filter(
        pl.col("missing") | pl.col("older_than_limit") | pl.col("stale"))
    lines = []
    for r in rows.sort("leerwinkel").iter_rows(named=True):
        if r["stale"]:  # about the delivery as a whole: its reason names the file
            lines.append(f"{r['leerwinkel']}: {r['state']}, on its last good data: {r['stale_reason'] or r['state_reason']}")
            continue
        what = "missing" if r["missing"] else f"older than {r['freshness_limit_days']} days"
        why = r["message"] or r["state_reason"]
        lines.append(f"{r['leerwinkel']}: {_where(r['file_name'] or r['pattern'], None)}: {what}" + (f": {why}" if why else ""))
    if held_only:
        lines = [f"{line} (accept it with `leerwinkels accept LEERWINKEL` if it is right)" for line in dict.fromkeys(lines)]
    return list(dict.fromkeys(lines))


def _unmapped_lines(unmapped: pl.DataFrame | None) -> list[str]:
    if unmapped is None or not unmapped.height:
        return []
    return [f"{r['leerwinkel']}: {r['column']} label '{r['value']}' not in sources/{r['leerwinkel']}.yaml, "
            f"{r['rows']} row(s) at {r['rows_at']}" for r in unmapped.iter_rows(named=True)]


def _sroi_lines(sroi: pl.DataFrame | None) -> list[str]:
    if sroi is None or not sroi.height:
        return []
    missing = sroi.filter((pl.col("leerwinkel") != "all") & ~pl.col("cost_complete")).sort("leerwinkel", "year")
    return [f"{r['leerwinkel']}: no cost row for {r['year']} in the cost file (its SROI ratio is empty)"
            for r in missing.iter_rows(named=True)]


def _measure_text(row: Mapping[str, Any], measure: str) -> str:
    """A scorecard measure with what it counts: ``34.2 % (13 of 38 contacts judged)``."""
    value = row[measure]
    if measure == "unmapped_labels":
        return f"{value} label(s)"
    part, whole = SHARE_OF.get(measure, (None, "trajectories"))
    share = f"{100 * value:.1f} %" if value is not None else "-"
    if part is None:  # completeness: a share of the trajectories
        return f"{share} of {row[whole]} trajectories"
    return f"{share} ({row[part]} of {row[whole]} {_COUNT_WORDS[whole]})"


_COUNT_WORDS = {"rows_read": "rows read", "judged_contacts": "contacts judged", "judged_closings": "closings judged",
                "open_trajectories": "open trajectories"}


def _scorecard_lines(scorecard: pl.DataFrame | None, leerwinkel: str, targets: Targets | None) -> list[str]:
    """One line per measure of ``leerwinkel`` in red in this run's scorecard, with its counts and its limit."""
    if scorecard is None or not scorecard.height:
        return []
    lines = []
    for row in latest_run(scorecard).filter(pl.col("leerwinkel") == leerwinkel).iter_rows(named=True):
        for measure in red_measures(row):
            limit = ""
            if targets is not None and measure in targets.targets:
                top = targets.targets[measure].orange_max
                limit = f", above {top:g}" if measure == "unmapped_labels" else f", above {100 * top:.1f} %"
            lines.append(f"{leerwinkel}: {measure} {_measure_text(row, measure)} red{limit}; "
                         f"its fix list: feedback/{leerwinkel}.xlsx")
    return lines


def _targets() -> Targets | None:
    try:
        return load_targets()
    except TargetsError:  # the run said so already; the lines then go without their limits
        return None


def _from_metadata(check: CheckOutcome) -> list[str]:
    """A failed check the tables cannot explain: its counts (metadata numbers only)."""
    numbers = ", ".join(f"{k} {v}" for k, v in check.metadata.items() if isinstance(v, int | float) and not isinstance(v, bool))
    return [numbers or "see its metadata in the Dagster UI"]


def check_lines(failed: list[CheckOutcome], tables: Mapping[str, pl.DataFrame]) -> list[str]:
    """One line per failed check and thing it concerns: ``WARN  check (asset): Leerwinkel: file [sheet]: what``."""
    lines = []
    targets = _targets() if any(c.name.startswith(RED_CHECK_PREFIX) for c in failed) else None
    for check in failed:
        name = check.name
        if name == "quarantine_share_within_limit":
            limit = check.metadata.get("limit")
            concerns = _quarantine_lines(tables.get("dq_source_files"), float(limit) if isinstance(limit, int | float) else 0.05)
        elif name == "deliveries_fresh":
            concerns = _delivery_lines(tables.get("dq_deliveries"), held_only=False)
        elif name == "no_held_deliveries":
            concerns = _delivery_lines(tables.get("dq_deliveries"), held_only=True)
        elif name == "no_unmapped_labels":
            concerns = _unmapped_lines(tables.get("dq_unmapped_values"))
        elif name == "sroi_costs_complete":
            concerns = _sroi_lines(tables.get("ind_sroi"))
        elif name.startswith(RED_CHECK_PREFIX):
            concerns = _scorecard_lines(tables.get("dq_scorecard"), name.removeprefix(RED_CHECK_PREFIX), targets)
        else:
            concerns = []
        for concern in concerns or _from_metadata(check):
            lines.append(f"{check.severity:<5} {name} ({check.asset}): {concern}")
    return lines


def report_lines(publication: Path) -> list[str]:
    """Where the impact report is (issue 18), or why its PDF is missing."""
    html, pdf = publication / "report.html", publication / "report.pdf"
    if not html.exists():
        return []
    if pdf.exists():
        return [f"report: {html.absolute()} and report.pdf"]
    return [f"report: {html.absolute()} (no report.pdf: Chromium missing or failed, see the log; Debian package: chromium)"]


def summary_lines(result: Any) -> list[str]:
    """The whole summary of a :class:`leerwinkels.run.runner.ConsolidationResult`, verdict last."""
    tables = result.tables
    failed = failed_checks(check_outcomes(getattr(result, "check_evaluations", [])))
    lines = leerwinkel_table(tables.get("dq_source_files"), tables.get("dq_deliveries")) if result.success else []
    trajectories = tables.get("trajectories")
    if trajectories is not None:
        lines.append(f"trajectories: {trajectories.height}, distinct clients: {trajectories.get_column('client_key').n_unique()}")
    if failed:
        findings = check_lines(failed, tables)
        # one check may fail for several sheets or labels: both counts, so the lines below add up
        lines.append(f"failed checks: {len(failed)}, {len(findings)} finding(s) (details in the Dagster UI and the dq_* tables):")
        lines.extend("  " + line for line in findings)
    if result.success:
        lines.append(f"tables: {result.database}")
        # the path readers use (a symlink to the current release), not the release folder itself
        release = f" (release {result.release})" if getattr(result, "release", None) else ""
        lines.append(f"publication: {Path(result.publication_dir).absolute()}{release}")
        lines.extend(report_lines(Path(result.publication_dir)))
    if result.success and result.failed_partitions:
        lines.append(f"exit code 3: published, with {', '.join(sorted(result.failed_partitions))} on their last good data "
                     "(or without data)")
    lines.append(f"verdict: {verdict(result.success, failed, result.failed_partitions)}")
    return lines
