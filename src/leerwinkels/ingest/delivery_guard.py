"""The last good data and the guards that protect it (DELIVERIES.md, "The last good data" and
"Guards"): a delivery that is missing, still arriving, unreadable or held never replaces a
Leerwinkel's last accepted staged data; a steward can accept a held delivery by its sha256.

No Dagster here: the ingest asset decides with these functions, the CLI's ``accept`` records.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from leerwinkels.env_numbers import number_from_environment
from leerwinkels.privacy.shown_values import shown_name, shown_sheet_name

#: Values of ``dq_deliveries.state``: the Leerwinkel's delivery in this run.
STATE_CURRENT, STATE_ACCEPTED = "current", "accepted"
STATE_MISSING, STATE_ARRIVING, STATE_UNREADABLE, STATE_HELD = "missing", "arriving", "unreadable", "held"
NOT_USED_STATES = (STATE_MISSING, STATE_ARRIVING, STATE_UNREADABLE, STATE_HELD)

DEFAULT_SHRINK_LIMIT = 0.20
SHRINK_ENV_VAR = "LEERWINKELS_SHRINK_LIMIT"
ACCEPT_TAG = "leerwinkels/accept"
STAGE_INFO = "stage_info"
STAGE_INFO_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "leerwinkel": pl.String, "key_fingerprint": pl.String, "run_id": pl.String, "staged_at": pl.Datetime("us"),
    "trajectories": pl.Int64, "accepted_by_steward": pl.String,
}


class DeliveryNotUsed(Exception):
    """This run cannot use the Leerwinkel's delivery: its last good data stands.

    ``state`` is one of :data:`NOT_USED_STATES`; ``message`` names the file and what to do,
    never a cell value."""

    def __init__(self, state: str, message: str, file_name: str | None = None):
        assert state in NOT_USED_STATES
        self.state, self.message, self.file_name = state, message, file_name
        super().__init__(message)


def shrink_limit(environ: dict[str, str] | None = None) -> float:
    """``LEERWINKELS_SHRINK_LIMIT``, default 0.20: a share from 0 to 1."""
    return number_from_environment(SHRINK_ENV_VAR, DEFAULT_SHRINK_LIMIT, high=1.0, what="a share from 0 to 1", environ=environ)


# ---------------------------------------------------------------- before reading


def unusable_before_reading(leerwinkel: str, deliveries) -> DeliveryNotUsed | None:
    """Missing (no usable file for a pattern, the folder missing or unreadable) or still
    arriving: decided from the folder listing, before any file is read."""
    for d in deliveries:
        if d.path is None:
            if d.folder_problem:
                why = f"{leerwinkel}/: {d.folder_problem}"
            elif d.refused:
                why = f"{leerwinkel}/{shown_name(d.refused[0].name)} {d.refused[0].reason}, and no other file matches {d.pattern!r}"
            else:
                why = f"{leerwinkel}/: no file matches {d.pattern!r}"
            return DeliveryNotUsed(STATE_MISSING, f"{why}. Deliver the file into the folder {leerwinkel}/")
    for d in deliveries:
        if d.arriving:
            return DeliveryNotUsed(
                STATE_ARRIVING,
                f"{shown_name(d.path.name)} was modified {d.arriving_seconds:.0f} s ago: still arriving (being copied?); the next run reads "
                "it. If the copy is complete, run again a little later",
                shown_name(d.path.name),
            )
    return None


# ---------------------------------------------------------------- the last good data


@dataclass(frozen=True)
class LastGood:
    """What the guards need of a Leerwinkel's last good staged data (read without loading it)."""

    trajectories: int
    sheets_by_pattern: dict[str, frozenset[str]]
    files: dict[str, str]  # pattern -> file name
    key_fingerprint: str | None
    staged_at: datetime | None


def sheets_by_pattern(deliveries: pl.DataFrame, source_files: pl.DataFrame) -> dict[str, frozenset[str]]:
    """Per pattern the sheets read from its current file (``""`` for a CSV)."""
    current = deliveries.filter(pl.col("status") == "current").select("pattern", "file_name")
    joined = current.join(source_files.select("file_name", "sheet").unique(), on="file_name", how="inner")
    out: dict[str, set[str]] = {}
    for pattern, sheet in joined.select("pattern", "sheet").iter_rows():
        out.setdefault(pattern, set()).add(sheet or "")
    return {p: frozenset(s) for p, s in out.items()}


def read_last_good(folder: Path) -> LastGood | None:
    """The staged partition folder's summary; None when there is no last good data yet."""
    trajectories = folder / "trajectories.parquet"
    if not trajectories.exists():
        return None
    count = pl.scan_parquet(trajectories).select(pl.len()).collect().item()
    deliveries = pl.read_parquet(folder / "deliveries.parquet") if (folder / "deliveries.parquet").exists() else None
    files = pl.read_parquet(folder / "source_files.parquet") if (folder / "source_files.parquet").exists() else None
    info = pl.read_parquet(folder / f"{STAGE_INFO}.parquet") if (folder / f"{STAGE_INFO}.parquet").exists() else None
    sheets = sheets_by_pattern(deliveries, files) if deliveries is not None and files is not None else {}
    current = dict(deliveries.filter(pl.col("status") == "current").select("pattern", "file_name").iter_rows()) if deliveries is not None else {}
    fingerprint = info.get_column("key_fingerprint")[0] if info is not None and info.height else None
    staged_at = info.get_column("staged_at")[0] if info is not None and info.height else None
    return LastGood(int(count), sheets, current, fingerprint, staged_at)


def held_reasons(staged: dict[str, pl.DataFrame], last: LastGood | None, limit: float) -> list[str]:
    """Why a complete-looking delivery looks incomplete next to the last good one: it would load
    fewer than (1 - limit) x the trajectories, or a workbook lacks a sheet the last one had."""
    if last is None:
        return []
    reasons = []
    new_count = staged["trajectories"].height
    if last.trajectories and new_count < (1 - limit) * last.trajectories:
        reasons.append(
            f"it would load {new_count:,} trajectories, fewer than {1 - limit:.0%} of the {last.trajectories:,} of the last good "
            f"delivery ({', '.join(sorted(last.files.values())) or 'earlier'}): a partial export?"
        )
    new_sheets = sheets_by_pattern(staged["deliveries"], staged["source_files"])
    current = staged["deliveries"].filter(pl.col("status") == "current")
    not_read = dict(current.select("pattern", "ignored_sheets").iter_rows()) if "ignored_sheets" in current.columns else {}
    for pattern, sheets in sorted(last.sheets_by_pattern.items()):
        if "" in sheets:  # a CSV: no sheets to lose
            continue
        lost = sorted(sheets - new_sheets.get(pattern, frozenset()))
        if lost:
            others = f"; sheets it has that are not read: {not_read[pattern]}" if not_read.get(pattern) else ""
            reasons.append(
                f"the workbook for {pattern!r} lacks sheet(s) {', '.join(shown_sheet_name(s) for s in lost)} that the last good "
                f"delivery had (renamed?{others})"
            )
    return reasons


def stage_info(leerwinkel: str, fingerprint: str, run_id: str | None, trajectories: int, accepted: str | None) -> pl.DataFrame:
    return pl.DataFrame(
        [{"leerwinkel": leerwinkel, "key_fingerprint": fingerprint, "run_id": run_id,
          "staged_at": datetime.now(UTC).replace(tzinfo=None), "trajectories": trajectories, "accepted_by_steward": accepted}],
        schema=STAGE_INFO_SCHEMA,
    )


def key_mismatches(staged: dict[str, dict[str, pl.DataFrame]], fingerprint: str, stale: dict[str, dict[str, str]]) -> list[str]:
    """Messages for every staged partition whose data was pseudonymised under another key than
    ``fingerprint`` (DELIVERIES.md: data of two keys is never combined). Empty when all agree."""
    problems = []
    for code, parts in sorted(staged.items()):
        info = parts.get(STAGE_INFO) if parts else None
        theirs = info.get_column("key_fingerprint")[0] if info is not None and info.height else None
        if theirs == fingerprint:
            continue
        was = f"under another pseudonymisation key (fingerprint {theirs})" if theirs else "before key fingerprints were recorded"
        if code in stale:
            why = f"its new delivery could not be staged ({stale[code]['state']}: {stale[code]['message']})"
            todo = "fix that delivery (or go back to the previous key) and run again"
        else:
            why = "it was not staged again in this run"
            todo = f"run the ingest of {code} again"
        problems.append(
            f"key change: {code}'s last good data was staged {was}, not with the current key (fingerprint {fingerprint}), and "
            f"{why}; data of two keys is never combined, so the warehouse and the publication stay as they were: {todo}"
        )
    return problems


# ---------------------------------------------------------------- a steward's acceptance


def _acceptance_file(staging_dir: Path, leerwinkel: str) -> Path:
    return Path(staging_dir) / "acceptances" / f"{leerwinkel}.json"


def accepted_files(staging_dir: Path, leerwinkel: str) -> dict[str, dict]:
    """sha256 → the acceptance record ({file_name, accepted_at, by}) of the files a steward accepted."""
    path = _acceptance_file(staging_dir, leerwinkel)
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {r["sha256"]: r for r in records.get("accepted", []) if isinstance(r, dict) and "sha256" in r}


def record_acceptance(staging_dir: Path, leerwinkel: str, files: list[tuple[str, str]], by: str) -> list[dict]:
    """Record that a steward accepts these (file name, sha256) for this Leerwinkel: the next run
    uses them even where a guard would hold them. Written atomically."""
    path = _acceptance_file(staging_dir, leerwinkel)
    path.parent.mkdir(parents=True, exist_ok=True)
    known = accepted_files(staging_dir, leerwinkel)
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    added = []
    for name, sha in files:
        if sha not in known:
            known[sha] = {"sha256": sha, "file_name": name, "accepted_at": now, "by": by}
            added.append(known[sha])
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex}.tmp"
    tmp.write_text(json.dumps({"leerwinkel": leerwinkel, "accepted": list(known.values())}, indent=1), encoding="utf-8")
    os.replace(tmp, path)
    return added


def acceptance_of(staging_dir: Path, leerwinkel: str, current: list[tuple[str, str]]) -> str | None:
    """'accepted by steward (<by>) at <when>' when every current file was accepted, else None."""
    known = accepted_files(staging_dir, leerwinkel)
    records = [record for _, sha in current if (record := known.get(sha)) is not None]
    if not current or len(records) < len(current):
        return None
    latest = max(records, key=lambda r: r.get("accepted_at", ""))
    return f"accepted by steward ({latest.get('by', 'unknown')}) at {latest.get('accepted_at', '?')}"
