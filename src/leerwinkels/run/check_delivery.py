"""`leerwinkels check LEERWINKEL`: what a run would do with one Leerwinkel's delivery, without
writing anything (no staging, warehouse, publication or Dagster run).

The delivery goes through the same steps as the ingest asset (defs/assets/ingest.py): the
guards before reading, reading, the row rules and the accounting, then the guard against the
last good staged data (only read). Pseudonyms are made with a throwaway key: nothing is kept,
and the counts do not depend on the key."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from leerwinkels.defs.asset_keys import STAGED_KEY
from leerwinkels.defs.resources.staging_store import StagingStore
from leerwinkels.ingest.delivery_files import find_deliveries
from leerwinkels.ingest.delivery_guard import (
    STATE_ACCEPTED,
    STATE_CURRENT,
    STATE_HELD,
    STATE_UNREADABLE,
    acceptance_of,
    held_reasons,
    read_last_good,
    unusable_before_reading,
)
from leerwinkels.ingest.readers import FileProblem
from leerwinkels.ingest.source_specs import NETWORK_FOLDER, all_specs
from leerwinkels.ingest.staging import stage_source
from leerwinkels.privacy.pseudonymise import Pseudonymiser

EXIT_FINE, EXIT_REFUSED, EXIT_WARNINGS = 0, 1, 3


@dataclass(frozen=True)
class DeliveryCheck:
    leerwinkel: str
    state: str  # current, accepted (held, but a steward accepted it), held, missing, arriving, unreadable
    message: str | None = None  # why it would not be used (or was accepted): file names and counts, never a value
    staged: dict[str, pl.DataFrame] | None = None  # the frames the ingest would stage (in memory only)
    last_good_trajectories: int | None = None

    @property
    def used(self) -> bool:
        return self.state in (STATE_CURRENT, STATE_ACCEPTED)


def check_delivery(code: str, landing: Path, staging: Path, *, as_of: date, shrink_limit: float, settle_seconds: float) -> DeliveryCheck:
    spec = all_specs()[code]
    deliveries = find_deliveries(landing / spec.folder, spec.files, landing_root=landing, settle=settle_seconds)
    problem = unusable_before_reading(code, deliveries)
    if problem is not None:
        return DeliveryCheck(code, problem.state, problem.message)
    try:
        staged = stage_source(spec, landing, Pseudonymiser(secrets.token_bytes(32)), as_of, None, deliveries=deliveries)
    except FileProblem as unreadable:
        return DeliveryCheck(code, STATE_UNREADABLE, str(unreadable))
    last = read_last_good(StagingStore(base_dir=str(staging)).partition_dir(STAGED_KEY, code))
    last_count = last.trajectories if last is not None else None
    reasons = held_reasons(staged, last, shrink_limit)
    if not reasons:
        return DeliveryCheck(code, STATE_CURRENT, None, staged, last_count)
    current = [(n, sha) for n, sha in staged["source_files"].select("file_name", "sha256").unique().iter_rows() if sha]
    accepted = acceptance_of(staging, code, current)
    if accepted is not None:
        return DeliveryCheck(code, STATE_ACCEPTED, f"{'; '.join(reasons)}; accepted: {accepted}", staged, last_count)
    return DeliveryCheck(code, STATE_HELD, f"{'; '.join(reasons)}. If it is complete: `leerwinkels accept {code}`", staged, last_count)


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "-"


def report_lines(check: DeliveryCheck, quarantine_limit: float) -> tuple[list[str], int]:
    """What a run would do, one line per file/sheet and per finding, and the exit code."""
    if not check.used or check.staged is None:
        return [f"{check.leerwinkel}: {check.state}: {check.message}",
                f"verdict: a run would NOT use this delivery ({check.state}); {check.leerwinkel} would keep its last good data"], EXIT_REFUSED
    staged = check.staged
    warnings = 0
    lines = [f"{'file [sheet]':<56}{'read':>8}{'loaded':>8}{'quarantined':>18}{'duplicate':>10}"]
    for r in staged["source_files"].sort("file_name", "sheet").iter_rows(named=True):
        where = r["file_name"] + (f" [{r['sheet']}]" if r["sheet"] else "")
        quarantined = f"{r['rows_quarantined']} ({_share(r['rows_quarantined'], r['rows_read'])})"
        lines.append(f"{where:<56}{r['rows_read']:>8}{r['rows_loaded']:>8}{quarantined:>18}{r['rows_duplicate']:>10}")
    for r in staged["source_files"].iter_rows(named=True):
        if r["rows_read"] and r["rows_quarantined"] / r["rows_read"] > quarantine_limit:
            warnings += 1
            lines.append(f"WARN  {r['file_name']}" + (f" [{r['sheet']}]" if r["sheet"] else "")
                         + f": {_share(r['rows_quarantined'], r['rows_read'])} quarantined, over the limit of {100 * quarantine_limit:.1f} %")
    rules = staged["quarantine"].group_by("rule").len().sort("len", descending=True)
    if rules.height:
        lines.append("quarantined per rule: " + ", ".join(f"{rule} {n}" for rule, n in rules.iter_rows()))
    for r in staged["unmapped"].iter_rows(named=True):  # `value` is the shown value (DELIVERIES.md)
        warnings += 1
        lines.append(f"WARN  unmapped {r['column']} label '{r['value']}': {r['rows']} row(s) at {r['rows_at']} "
                     f"(extend sources/{check.leerwinkel}.yaml)")
    for r in staged["deliveries"].filter(pl.col("status").is_in(["ignored", "refused"])).iter_rows(named=True):
        lines.append(f"note  {r['status']} {r['file_name']}" + (f": {r['message']}" if r["message"] else ""))
    if check.leerwinkel == NETWORK_FOLDER:
        lines.append("note  survey rows are matched with the trajectories in the model step: their quarantine shows after a run")
    else:
        before = f" (last good data: {check.last_good_trajectories:,})" if check.last_good_trajectories is not None else " (no last good data yet)"
        lines.append(f"trajectories: {staged['trajectories'].height:,}{before}")
    if check.state == STATE_ACCEPTED:
        lines.append(f"note  held by a guard but accepted by a steward: {check.message}")
    if warnings:
        lines.append(f"verdict: a run would use this delivery, with {warnings} warning(s)")
        return lines, EXIT_WARNINGS
    lines.append("verdict: a run would use this delivery")
    return lines, EXIT_FINE

