"""Role ``trajectories``: one row per trajectory, with its person fields, status, and the
contacts and referrals a trajectory row may carry itself (wide columns, a list, a count)."""

from __future__ import annotations

import polars as pl

from leerwinkels.contract.code_lists import AGE_AT_INTAKE_MAX, AGE_AT_INTAKE_MIN
from leerwinkels.ingest import parsing as p
from leerwinkels.ingest.fields import (
    CODE_FIELDS,
    VULNERABLE,
    Context,
    code_of,
    combine_sheets,
    date_of,
    header_of,
    int_of,
    label_of,
    postcode_of,
)
from leerwinkels.ingest.readers import ROW
from leerwinkels.ingest.roles.base import Earlier, RoleOutput, RoleSheets, fate_rows, invalid_national_number, trajectory_places
from leerwinkels.ingest.roles.persons import NAME, client_keys, local_client_id, person_fields, with_age
from leerwinkels.ingest.rules import FATE, FILE, SHEET, mark_duplicate_ids, with_fate
from leerwinkels.ingest.source_specs import FileSpec, SheetSpec, SourceSpec
from leerwinkels.ingest.staged_tables import conform, empty
from leerwinkels.ingest.unmapped import empty_unmapped, status_unmapped_fields, unmapped_labels
from leerwinkels.privacy.pseudonymise import normalise_person_name


def status_expr(frame: pl.DataFrame, sheet_spec: SheetSpec, spec: SourceSpec) -> pl.Expr:
    rule = sheet_spec.status_rule or {"derive": "closed_date"}
    closed = pl.col("closed_date_parsed").is_not_null()
    derived = pl.when(~closed).then(pl.lit("open")).otherwise(pl.lit("completed"))
    if "completed_flag" in rule:
        flag = code_of(rule["completed_flag"], spec, "flag", pl.Boolean).fill_null(False)
        derived = pl.when(~closed).then(pl.lit("open")).when(flag).then(pl.lit("completed")).otherwise(pl.lit("stopped"))
    if "stopped_flag" in rule:
        flag = code_of(rule["stopped_flag"], spec, "flag", pl.Boolean).fill_null(False)
        derived = pl.when(~closed).then(pl.lit("open")).when(flag).then(pl.lit("stopped")).otherwise(pl.lit("completed"))
    if "column" in rule:
        mapped = code_of(rule["column"], spec, "status")
        if "empty" in rule:
            mapped = pl.when(p.clean_text(pl.col(rule["column"])).is_null()).then(pl.lit(rule["empty"])).otherwise(mapped)
        return pl.coalesce(mapped, derived)
    return derived


def trajectory_rules(sheet_spec: SheetSpec, ctx: Context) -> list[tuple[str, pl.Expr, str, str]]:
    h = lambda f: header_of(sheet_spec, f)
    closed_text = pl.col("_closed_text")
    return [
        ("missing_id", pl.col("_id").is_null(), h("trajectory_id"), "trajectory id is empty"),
        ("bad_date", pl.col("intake_date_parsed").is_null(), h("intake_date"), "intake date is missing or not a readable date"),
        ("bad_date", closed_text.is_not_null() & pl.col("closed_date_parsed").is_null(), h("closed_date"), "closing date is not a readable date"),
        ("date_order", pl.col("closed_date_parsed") < pl.col("intake_date_parsed"), h("closed_date"), "closing date lies before the intake date"),
        ("future_date", pl.col("intake_date_parsed") > pl.lit(ctx.as_of), h("intake_date"), f"intake date lies after the run's as-of date {ctx.as_of.isoformat()}"),
        ("age_out_of_range", ~pl.col("_age").is_between(AGE_AT_INTAKE_MIN, AGE_AT_INTAKE_MAX), h("birth_date") if "birth_date" in sheet_spec.columns else h("birth_year"), "age at intake is below 16 or above 100"),
    ]


def trajectory_model(frame: pl.DataFrame, sheet_spec: SheetSpec, ctx: Context, client_id: pl.Expr | None) -> pl.DataFrame:
    """Model fields of loaded trajectory rows (codes, keys, derived fields).

    ``client_id`` is the local client id; None where the client key came from a client sheet.
    """
    spec, lw = ctx.spec, ctx.spec.leerwinkel
    already_coded = set(frame.columns) - set(sheet_spec.columns)
    codes = [
        pl.coalesce(code_of(f, spec, f), pl.lit("unknown")).alias(f) if f in sheet_spec.columns
        else pl.col(f) if f in already_coded else pl.lit("unknown").alias(f)
        for f in CODE_FIELDS
    ]
    frame = frame.with_columns(codes)
    vulnerable = pl.any_horizontal([pl.col(f).is_in(v) for f, v in VULNERABLE.items()])
    # the mapped postcode; else the client sheet's (joined in); else the municipality's
    if sheet_spec.postcode_from == "postcode" and "postcode" in sheet_spec.columns:
        postcode = postcode_of("postcode")
    elif "postcode" in frame.columns and "postcode" not in sheet_spec.columns:
        postcode = pl.col("postcode")
    elif sheet_spec.postcode_from == "municipality":
        postcode = code_of("municipality", spec, "municipality_postcode")
    else:
        postcode = pl.lit(None, pl.String)
    frame = frame.with_columns(
        (pl.lit(f"tr:{lw}:") + pl.col("_id")).alias("_tr_msg"),
        (pl.lit(f"link:{lw}:") + pl.col("_id").str.to_uppercase()).alias("_link_msg"),
    )
    if client_id is not None:
        frame = client_keys(frame, ctx, client_id)
    frame = frame.with_columns(
        ctx.key(frame, "_tr_msg").alias("trajectory_key"),
        ctx.key(frame, "_link_msg").alias("link_key"),
    )
    return frame.with_columns(
        pl.lit(lw).alias("leerwinkel"),
        pl.col("intake_date_parsed").alias("intake_date"),
        pl.col("closed_date_parsed").alias("closed_date"),
        pl.col("_birth_year").alias("birth_year"),
        pl.col("_age").alias("age_at_intake"),
        p.age_band(pl.col("_age")).alias("age_band"),
        postcode.alias("postcode"),
        vulnerable.alias("vulnerable"),
    )


def _parse_trajectory_dates(frame: pl.DataFrame, sheet_spec: SheetSpec, serial: bool) -> pl.DataFrame:
    open_values = [p.label_key_py(v) for v in sheet_spec.closed_date_open_values]
    closed_text = p.clean_text(pl.col("closed_date"))
    if open_values:
        closed_text = pl.when(label_of("closed_date").is_in(open_values)).then(None).otherwise(closed_text)
    return frame.with_columns(
        p.clean_text(pl.col("trajectory_id")).alias("_id"),
        date_of("intake_date", serial).alias("intake_date_parsed"),
        closed_text.alias("_closed_text"),
    ).with_columns(date_of("_closed_text", serial).alias("closed_date_parsed"))


def stage_trajectories(sheets, sheet_spec: SheetSpec, file_spec: FileSpec, ctx: Context, clients: pl.DataFrame | None):
    frame = combine_sheets(sheets, sheet_spec)
    serial = file_spec.excel_serial_dates
    frame = _parse_trajectory_dates(frame, sheet_spec, serial)
    frame = mark_duplicate_ids(frame)
    orphan = pl.lit(False)
    if clients is not None:
        # Person fields live on the client sheet (West-Vlaanderen): join them in first.
        person = clients.select(
            pl.col("_id").alias("_client_id"), "_birth_date", "_birth_year", "_nn", "_nn_valid", "client_key",
            *[c for c in ("gender", "postcode", "education_level", "dutch_level", "labour_status") if c in clients.columns],
        )
        frame = frame.with_columns(p.clean_text(pl.col("client_id")).alias("_client_id")).join(person, on="_client_id", how="left")
        orphan = pl.col("client_key").is_null()
    else:
        frame = person_fields(frame, ctx.spec, sheet_spec, serial)
    frame = with_age(frame)
    rules = trajectory_rules(sheet_spec, ctx)
    rules.append(("duplicate_id", pl.col("_dup_id"), header_of(sheet_spec, "trajectory_id"), "an earlier row has the same trajectory id with other values"))
    if clients is not None:
        rules.append(("orphan", orphan, header_of(sheet_spec, "client_id"), "points at a client id that was not loaded"))
    frame = with_fate(frame, rules)
    loaded = frame.filter(pl.col(FATE) == "loaded").with_columns(status_expr(frame, sheet_spec, ctx.spec).alias("status"))
    client_id = None if clients is not None else local_client_id(sheet_spec)
    if client_id is not None and sheet_spec.client_by_name_and_birth_year:  # once, not in each branch of the expression
        loaded = loaded.with_columns(normalise_person_name(pl.col("client_name")).alias(NAME))
    return frame, trajectory_model(loaded, sheet_spec, ctx, client_id)


def _trajectory_links(trajectories: pl.DataFrame, loaded_rows: pl.DataFrame) -> pl.DataFrame:
    """Normalised trajectory id → key, date fields, for linking child rows (in memory only)."""
    return loaded_rows.select(
        pl.col("_id").str.to_uppercase().alias("_link"),
        pl.col("trajectory_key"), pl.col("intake_date"), pl.col("closed_date"),
    )


def _inline_referrals(loaded: pl.DataFrame, sheet_spec: SheetSpec, ctx: Context) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Referrals kept on the trajectory row (a `;`-list, one value, or Doorverwijzing 1..n),
    dated at the closing date, else the intake date."""
    columns = list(sheet_spec.wide_referrals) or (["referrals"] if "referrals" in sheet_spec.columns else [])
    if not columns:
        return empty("referrals"), empty_unmapped()
    values = loaded.select("trajectory_key", "intake_date", "closed_date", *[c for c in (FILE, SHEET, ROW) if c in loaded.columns],
                           pl.concat_list([pl.col(c).cast(pl.String) for c in columns]).alias("_value"))
    values = values.explode("_value")
    if sheet_spec.referral_list_separator:
        values = values.with_columns(pl.col("_value").str.split(sheet_spec.referral_list_separator)).explode("_value")
    values = values.with_columns(p.clean_text(pl.col("_value")).alias("destination")).filter(pl.col("destination").is_not_null())
    table = values.select(
        "trajectory_key",
        pl.coalesce("closed_date", "intake_date").alias("referral_date"),
        pl.coalesce(code_of("destination", ctx.spec, "destination"), pl.lit("unknown")).alias("destination"),
    )
    return conform(table, "referrals"), unmapped_labels(values, ctx.spec, [("destination", "destination")])


def _wide_contacts(loaded: pl.DataFrame, sheet_spec: SheetSpec, serial: bool) -> tuple[pl.DataFrame, int]:
    """Contacts as dates in columns Contact 1..n (no durations, no type).

    Returns the contacts and how many non-empty cells were not readable dates (ignored)."""
    if not sheet_spec.wide_contacts:
        return empty("contacts"), 0
    present = [c for c in sheet_spec.wide_contacts if c in loaded.columns]
    cells = loaded.select("trajectory_key", pl.concat_list([pl.col(c).cast(pl.String) for c in present]).alias("_cell")).explode("_cell")
    cells = cells.with_columns(p.clean_text(pl.col("_cell")).alias("_cell")).filter(pl.col("_cell").is_not_null())
    cells = cells.with_columns(date_of("_cell", serial).alias("contact_date"))
    ignored = cells.filter(pl.col("contact_date").is_null()).height
    table = cells.filter(pl.col("contact_date").is_not_null()).select(
        "trajectory_key", "contact_date", pl.lit("unknown").alias("contact_type"), pl.lit(None, pl.Float64).alias("minutes")
    )
    return conform(table, "contacts"), ignored


def with_contact_totals(trajectories: pl.DataFrame, contacts: pl.DataFrame, has_minutes: bool) -> pl.DataFrame:
    totals = contacts.group_by("trajectory_key").agg(pl.len().cast(pl.Int64).alias("contacts"), pl.col("minutes").sum().alias("guidance_minutes"))
    joined = trajectories.drop("contacts", "guidance_minutes", strict=False).join(totals, on="trajectory_key", how="left")
    return joined.with_columns(
        pl.col("contacts").fill_null(0),
        (pl.col("guidance_minutes").fill_null(0.0) if has_minutes else pl.lit(None, pl.Float64)).alias("guidance_minutes"),
    )


def stage(sheets: RoleSheets, ctx: Context, earlier: Earlier) -> RoleOutput:
    raws, sheet_spec, file_spec, clients = sheets.raws, sheets.sheet_spec, sheets.file_spec, earlier.clients
    frame, model = stage_trajectories(raws, sheet_spec, file_spec, ctx, clients)
    out = RoleOutput(fates=[fate_rows(frame, invalid_national_number(frame) if clients is None else None)])
    loaded_rows = frame.filter(pl.col(FATE) == "loaded").select("_id").with_columns(model.get_column("trajectory_key"), model.get_column("intake_date"), model.get_column("closed_date"))
    earlier.links.append(_trajectory_links(model, loaded_rows))
    referrals, unmapped_refs = _inline_referrals(model, sheet_spec, ctx)
    contacts, ignored = _wide_contacts(model, sheet_spec, file_spec.excel_serial_dates)
    if ignored:
        for raw in raws:
            out.count(raw, "values_ignored", ignored)
    coded = [(f, f) for f in CODE_FIELDS if f in sheet_spec.columns] + status_unmapped_fields(sheet_spec)
    if sheet_spec.postcode_from == "municipality":
        coded.append(("municipality", "municipality_postcode"))
    out.unmapped += [unmapped_refs, unmapped_labels(frame, ctx.spec, coded, where=pl.col(FATE) == "loaded")]
    if sheet_spec.contacts_from == "count_column":  # that many contacts at the intake date, no durations
        counts = frame.lazy().filter(pl.col(FATE) == "loaded").select(int_of("contact_count").fill_null(0).alias("_n")).collect()
        out.add("contact_events", conform(model.select("leerwinkel", "trajectory_key", pl.col("intake_date").alias("event_date")).with_columns(counts.get_column("_n").alias("contacts")), "contact_events"))
        model = model.with_columns(counts.get_column("_n").alias("contacts"), pl.lit(None, pl.Float64).alias("guidance_minutes"))
    out.add("trajectory_places", trajectory_places(model))
    out.add("trajectories", model)
    out.add("referrals", referrals)
    out.add("contacts", contacts)
    return out
