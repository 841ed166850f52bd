"""Staging one Leerwinkel: read its current deliveries once, hand every role's sheets to its
stager (``STAGERS``), and gather the staged tables, the accounting and the unmapped labels.

What leaves this module holds no name, national number, e-mail, phone or free text: only
HMAC keys, codes, dates, birth years and postcodes, plus row numbers for the quality report.
The stagers live in ``ingest/roles/``; the row-fate rules in ``ingest/rules.py``; the
name hiding in ``privacy/name_hiding.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import polars as pl

from leerwinkels.ingest.accounting import delivery_rows, quarantine_rows, source_file_rows
from leerwinkels.ingest.delivery_files import Delivery, find_deliveries
from leerwinkels.ingest.fields import Context, refuse_month_first_dates
from leerwinkels.ingest.readers import ROW, FileProblem, ReadDelivery, normalise_header, read_delivery, sha256_of, workbook_sheet_names
from leerwinkels.ingest.roles import children, clients, contacts, costs, survey, trajectories
from leerwinkels.ingest.roles.base import Earlier, RoleSheets, Stager
from leerwinkels.ingest.roles.trajectories import with_contact_totals
from leerwinkels.ingest.source_specs import SourceSpec
from leerwinkels.ingest.staged_tables import SCHEMAS, conform, empty
from leerwinkels.ingest.unmapped import shown_unmapped
from leerwinkels.privacy.name_hiding import spec_words, with_shown_names
from leerwinkels.privacy.pseudonymise import Pseudonymiser
from leerwinkels.privacy.shown_values import library_failure

#: One stager per role, in the order they run: clients before the trajectories that join
#: them, trajectories before the contacts and referrals that point at them.
STAGERS: dict[str, Stager] = {
    "clients": clients.stage,
    "trajectories": trajectories.stage,
    "contacts": children.stage_contacts,
    "referrals": children.stage_referrals,
    "contact_rows": contacts.stage,
    "survey": survey.stage,
    "costs": costs.stage,
}


def stage_source(spec: SourceSpec, landing_root: Path, pseudonymiser: Pseudonymiser, as_of: date, run_id: str | None = None,
                 deliveries: list[Delivery] | None = None, read: ReadDelivery = read_delivery) -> dict[str, pl.DataFrame]:
    """Stage one Leerwinkel (or the network folder). Raises :class:`FileProblem` for a delivery
    that cannot be used at all; row-level problems are quarantined instead.

    ``deliveries``: the current files as the caller found them (:func:`find_deliveries`);
    found here (without a settle time) when not given.

    ``read``: how each current file is read (a read-ahead passes its own, with the same result).

    Only a FileProblem ever leaves: any other error (a library's, whose text may quote a cell)
    becomes one that names the delivery's files and the step, without that text."""
    files: list[str] = []  # the delivery's files, as they are read
    try:
        return _stage_source(spec, landing_root, pseudonymiser, as_of, run_id, files, deliveries, read)
    except FileProblem:
        raise
    except Exception as exc:
        where = ", ".join(files) or f"folder {spec.folder}/"
        raise FileProblem(where, library_failure("checking, mapping and pseudonymising its rows", exc)) from None


def _stage_source(spec: SourceSpec, landing_root: Path, pseudonymiser: Pseudonymiser, as_of: date, run_id: str | None,
                  files: list[str], deliveries: list[Delivery] | None, read: ReadDelivery) -> dict[str, pl.DataFrame]:
    ctx = Context(spec, pseudonymiser, as_of, run_id)
    folder = landing_root / spec.folder
    if deliveries is None:
        deliveries = find_deliveries(folder, spec.files, landing_root=landing_root)
    out: dict[str, list[pl.DataFrame]] = {name: [] for name in SCHEMAS}
    by_role: dict[str, list[RoleSheets]] = {}
    file_meta = {}
    ignored_sheets: dict[str, list[str]] = {}
    sheets_read: list[tuple[str, str]] = []  # every sheet read, also one without data rows
    extra_counts: dict[tuple[str, str], dict[str, int]] = {}
    for delivery, file_spec in zip(deliveries, spec.files, strict=False):
        if delivery.path is None:
            continue
        files.append(delivery.path.name)
        data, sheets = read(delivery.path, file_spec)
        for sheet_spec, raw in sheets:
            refuse_month_first_dates(sheet_spec, raw)
            extra_counts.setdefault((raw.file_name, raw.sheet), {})["control_chars_removed"] = raw.control_chars_removed
        file_meta[delivery.path.name] = (sha256_of(data), delivery.modified)
        if file_spec.format == "xlsx":
            ignored_sheets[delivery.path.name] = [
                name for name in workbook_sheet_names(data) if not any(s.matches(name) for s in file_spec.sheets)]
        del data
        sheets_read += [(raw.file_name, raw.sheet) for _, raw in sheets]
        for sheet_spec in file_spec.sheets:
            raws = [raw for s, raw in sheets if s is sheet_spec]
            by_role.setdefault(sheet_spec.role, []).append(RoleSheets(file_spec, sheet_spec, raws))

    fates: list[pl.DataFrame] = []
    earlier = Earlier()
    for role, stager in STAGERS.items():
        for entry in by_role.get(role, []):
            staged_role = stager(entry, ctx, earlier)
            fates += staged_role.fates
            for table, frames in staged_role.tables.items():
                out[table] += frames
            out["unmapped"] += staged_role.unmapped
            for where, counts in staged_role.counts.items():
                extra_counts.setdefault(where, {}).update(counts)

    contacts_all = pl.concat([conform(c, "contacts") for c in out["contacts"]]) if out["contacts"] else empty("contacts")
    has_minutes = any("minutes" in e.sheet_spec.columns for e in by_role.get("contacts", []) + by_role.get("contact_rows", []))
    # a trajectory sheet with contacts_from: count_column has its contacts (its contact_count column) already
    totals = [with_contact_totals(t, contacts_all, has_minutes) if "contact_count" not in t.columns else t for t in out["trajectories"]]
    out["trajectories"] = [conform(t.drop("contact_count", strict=False), "trajectories") for t in totals]
    if not out["contact_events"]:
        keyed = pl.concat(out["trajectories"]).select("trajectory_key", "leerwinkel") if out["trajectories"] else pl.DataFrame(schema={"trajectory_key": pl.String, "leerwinkel": pl.String})
        events = contacts_all.join(keyed, on="trajectory_key", how="inner").select(
            "leerwinkel", "trajectory_key", pl.col("contact_date").alias("event_date"), pl.lit(1, pl.Int64).alias("contacts"), "minutes")
        out["contact_events"].append(events)

    out["deliveries"].append(delivery_rows(spec, deliveries, folder, ignored_sheets))
    unmapped_parts = out.pop("unmapped")
    staged = {name: (pl.concat([conform(f, name) for f in frames]) if frames else empty(name)) for name, frames in out.items()}
    all_fates = pl.concat(fates) if fates else None
    staged["source_files"] = source_file_rows(spec, all_fates, file_meta, extra_counts, run_id, sheets_read)
    staged["quarantine"] = quarantine_rows(all_fates, spec.leerwinkel) if all_fates is not None else empty("quarantine")
    names = list(_name_columns(by_role))
    staged["unmapped"] = shown_unmapped(unmapped_parts, names)
    return with_shown_names(staged, names, spec_words(spec))


def _name_columns(by_role: dict[str, list[RoleSheets]]) -> Iterator[pl.Series]:
    """The values of every column the source descriptions list as ``names``."""
    for entries in by_role.values():
        for entry in entries:
            for raw in entry.raws:
                by_header = {normalise_header(c): c for c in raw.frame.columns if c != ROW}
                for header in entry.sheet_spec.names:
                    column = by_header.get(normalise_header(header))
                    if column is not None:
                        yield raw.frame.get_column(column)
