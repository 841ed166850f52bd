"""Staging one Leerwinkel: read its current deliveries once, validate every row, map labels to
codes, pseudonymise, and drop every personal column.

What leaves this module holds no name, national number, e-mail, phone or free text: only
HMAC keys, codes, dates, birth years and postcodes, plus row numbers for the quality report.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from leerwinkels.contract.code_lists import AGE_AT_INTAKE_MAX, AGE_AT_INTAKE_MIN
from leerwinkels.ingest import parsing as p
from leerwinkels.privacy.shown_values import library_failure, mask_label, mask_label_expr, shown_name, shown_sheet_name
from leerwinkels.privacy.pseudonymise import Pseudonymiser, national_number_digits, normalise_person_name, valid_national_number
from leerwinkels.ingest.delivery_files import Delivery, find_deliveries, is_macro_workbook
from leerwinkels.ingest.readers import ROW, FileProblem, RawSheet, normalise_header, read_delivery, sha256_of, workbook_sheet_names
from leerwinkels.ingest.source_specs import FileSpec, SheetSpec, SourceSpec
from leerwinkels.ingest.staged_tables import RULES, SCHEMAS, conform, empty

CODE_FIELDS = ("gender", "education_level", "dutch_level", "labour_status", "inflow_channel", "learning_question")
VULNERABLE = {
    "education_level": ["none", "primary", "lower_secondary", "foreign_unrecognised"],
    "dutch_level": ["A1", "A2"],
    "labour_status": ["jobseeker", "social_assistance", "sickness_invalidity"],
}
FILE, SHEET, FATE, RULE, COLUMN, MESSAGE = "_file", "_sheet", "_fate", "_rule", "_column", "_message"
# Set by the runner while it reads the next partition's files ahead (read_ahead.ReadAhead.read):
# same signature and result as readers.read_delivery.
READ_DELIVERY = None

@dataclass
class Context:
    spec: SourceSpec
    pseudonymiser: Pseudonymiser
    as_of: date
    run_id: str | None

    def key(self, expr_frame: pl.DataFrame, column: str) -> pl.Series:
        return self.pseudonymiser.series(expr_frame.get_column(column))


# ---------------------------------------------------------------- row fates


def _rule_chain(rules: list[tuple[str, pl.Expr, str, str]]) -> list[pl.Expr]:
    """First failing rule, its column and a message (never a cell value) per row."""
    rule = column = message = None
    for name, failed, col, text in rules:
        if rule is None:
            rule, column, message = pl.when(failed).then(pl.lit(name)), pl.when(failed).then(pl.lit(col)), pl.when(failed).then(pl.lit(text))
        else:
            rule, column, message = rule.when(failed).then(pl.lit(name)), column.when(failed).then(pl.lit(col)), message.when(failed).then(pl.lit(text))
    if rule is None:
        return [pl.lit(None, pl.String).alias(RULE), pl.lit(None, pl.String).alias(COLUMN), pl.lit(None, pl.String).alias(MESSAGE)]
    return [rule.otherwise(None).alias(RULE), column.otherwise(None).alias(COLUMN), message.otherwise(None).alias(MESSAGE)]


def _with_fate(frame: pl.DataFrame, rules: list[tuple[str, pl.Expr, str, str]]) -> pl.DataFrame:
    """Set the fate of every non-duplicate row: quarantined (with rule) or loaded."""
    frame = frame.with_columns(_rule_chain(rules))
    return frame.with_columns(
        pl.when(pl.col(FATE) == "duplicate").then(pl.lit("duplicate"))
        .when(pl.col(RULE).is_not_null()).then(pl.lit("quarantined"))
        .otherwise(pl.lit("loaded")).alias(FATE),
        *[pl.when(pl.col(FATE) == "duplicate").then(None).otherwise(pl.col(c)).alias(c) for c in (RULE, COLUMN, MESSAGE)],
    )


def _combine(sheets: list[RawSheet], sheet_spec: SheetSpec) -> pl.DataFrame:
    """Concatenate the sheets of one role, drop rows that are not data rows, mark exact duplicates.

    Exact duplicates are judged on every source column, personal ones included; only the
    mapped columns (model field names) leave this function.
    """
    frames = []
    for raw in sheets:
        frame = raw.frame
        value_cols = [c for c in frame.columns if c != ROW]
        frame = frame.with_columns([p.clean_text(pl.col(c)).alias(c) for c in value_cols])
        frame = frame.filter(pl.any_horizontal([pl.col(c).is_not_null() for c in value_cols]) if value_cols else pl.lit(False))
        by_header = {normalise_header(c): c for c in value_cols}
        renames = {f: by_header.get(normalise_header(h)) for f, h in sheet_spec.columns.items()}
        # Exact duplicates: equal in every column of the file to an earlier row.
        first = _first_distinct(frame, value_cols)
        extra = {w: by_header.get(normalise_header(w)) for w in (*sheet_spec.wide_contacts, *sheet_spec.wide_referrals)}
        selected = [pl.col(ROW), pl.when(first).then(pl.lit("pending")).otherwise(pl.lit("duplicate")).alias(FATE),
                    pl.lit(raw.file_name).alias(FILE), pl.lit(raw.sheet).alias(SHEET)]
        selected += [(pl.col(src) if src else pl.lit(None, pl.String)).alias(f) for f, src in renames.items()]
        selected += [pl.col(src).alias(w) for w, src in extra.items() if src]
        frame = frame.select(selected)
        if sheet_spec.skip_rows_where:
            column, value = sheet_spec.skip_rows_where["column"], str(sheet_spec.skip_rows_where["equals"])
            frame = frame.filter(_label(column).fill_null("") != p.label_key_py(value))
        frames.append(frame)
    return pl.concat(frames, how="diagonal_relaxed")


def _first_distinct(frame: pl.DataFrame, columns: list[str]) -> pl.Series:
    """Per row: no earlier row is equal in all ``columns`` (nulls equal), as
    ``pl.struct(columns).is_first_distinct()``. Only the rows that have an equal row at all
    (a cheaper test) are compared in order."""
    first = pl.repeat(True, frame.height, dtype=pl.Boolean, eager=True)
    if not columns or frame.height == 0:
        return first
    values = frame.select(columns)
    repeated = values.is_duplicated()
    if not repeated.any():
        return first
    rows = repeated.arg_true()
    return first.scatter(rows, values[rows].select(pl.struct(columns).is_first_distinct()).to_series())


# Parsing and code mapping per distinct value (see parsing.by_distinct): the columns they are
# used on hold few distinct values among many rows.

def _code(frame_col: str, spec: SourceSpec, code_list: str, dtype: pl.DataType = pl.String) -> pl.Expr:
    mapping = spec.code_map(code_list)
    return p.by_distinct(pl.col(frame_col), lambda e: p.map_code(e, mapping, dtype), dtype)


def _label(column: str) -> pl.Expr:
    return p.by_distinct(pl.col(column), p.label_key, pl.String)


def _date(column: str, serial: bool = False) -> pl.Expr:
    return p.by_distinct(pl.col(column), lambda e: p.parse_date(e, serial), pl.Date)


def _datetime(column: str) -> pl.Expr:
    return p.by_distinct(pl.col(column), p.parse_datetime, pl.Datetime("us"))


def _number(column: str, decimal_comma: bool = False) -> pl.Expr:
    return p.by_distinct(pl.col(column), lambda e: p.parse_number(e, decimal_comma), pl.Float64)


def _int(column: str) -> pl.Expr:
    return p.by_distinct(pl.col(column), p.parse_int, pl.Int64)


# A contact lasts less than a day: a longer one is a slip (a phone number in the duration
# column would otherwise load as hundreds of millions of minutes, and be the number).
MAX_CONTACT_MINUTES = 24 * 60


def _contact_minutes(minutes: pl.Expr) -> pl.Expr:
    return pl.when(minutes <= MAX_CONTACT_MINUTES).then(minutes)


def _postcode(column: str) -> pl.Expr:
    return p.by_distinct(pl.col(column), p.postcode, pl.String)


AT = "_at"  # where a label occurs: the first rows as "Sheet!row" / "file line n", until the report is made
ROWS_AT_SHOWN = 5  # rows listed per label in dq_unmapped_values.rows_at


def _location(frame: pl.DataFrame) -> pl.Expr:
    """Where a row is in its source, as a steward looks it up: ``Dossiers!14`` in a workbook,
    ``klanten_20261120.csv line 14`` in a CSV file."""
    if ROW not in frame.columns or FILE not in frame.columns:
        return pl.lit(None, pl.String)
    sheet = pl.col(SHEET).fill_null("") if SHEET in frame.columns else pl.lit("")
    # the raw names: _with_shown_names gives them their shown form with every other table's
    return pl.when(sheet == "").then(pl.col(FILE) + pl.lit(" line ")).otherwise(sheet + pl.lit("!")) + pl.col(ROW).cast(pl.String)


def _unmapped(frame: pl.DataFrame, spec: SourceSpec, fields: list[tuple[str, str]], where: pl.Expr | None = None) -> pl.DataFrame:
    """Labels outside the mapping among loaded rows (``where``): (leerwinkel, column, value,
    rows, and AT: where the first of them are). The raw label stays in memory only:
    :func:`_shown_unmapped` decides what of it the report shows.

    Counted per distinct label first, then only the distinct labels are mapped."""
    fields = [(column, code_list) for column, code_list in fields if column in frame.columns]
    if not fields:
        return _empty_unmapped()
    columns = list(dict.fromkeys(column for column, _ in fields))
    rows = frame.lazy().filter(where) if where is not None else frame.lazy()
    where_columns = [c for c in (FILE, SHEET, ROW) if c in frame.columns]
    values = rows.select(*[p.clean_text(pl.col(c)).alias(c) for c in columns], *where_columns).collect()
    parts = []
    for column, code_list in fields:
        counts = values.get_column(column).drop_nulls().value_counts(name="rows").rename({column: "value"})
        found = counts.filter(p.map_code(pl.col("value"), spec.code_map(code_list)).is_null())
        if found.height:
            # the places of the (few) rows with such a label only
            at = (values.filter(pl.col(column).is_in(found.get_column("value").implode()))
                  .group_by(pl.col(column).alias("value"), maintain_order=True).agg((_location(values).sort_by(ROW) if ROW in values.columns else _location(values)).head(ROWS_AT_SHOWN).alias(AT)))
            parts.append(found.join(at, on="value", how="left").with_columns(pl.lit(column).alias("column")))
    if not parts:
        return _empty_unmapped()
    # NFC on the (few) labels found only: _shown_unmapped adds up the forms of one label
    return pl.concat(parts).select(pl.lit(spec.leerwinkel).alias("leerwinkel"), "column", pl.col("value").str.normalize("NFC"),
                                   pl.col("rows").cast(pl.Int64), pl.col(AT).cast(pl.List(pl.String)))


def _empty_unmapped() -> pl.DataFrame:
    return pl.DataFrame(schema={"leerwinkel": pl.String, "column": pl.String, "value": pl.String, "rows": pl.Int64, AT: pl.List(pl.String)})


# dq_unmapped_values shows at most this many characters of a label (scrub caps before matching)
UNMAPPED_VALUE_LIMIT = 300

# Words too common in labels to count as a name ("Huis van het Leren", "CVO De Oranjerie").
_NAME_PARTICLES = frozenset({
    "van", "der", "den", "von", "ter", "ten", "het", "des", "del", "della", "los", "las", "les",
})
_MIN_NAME_WORD = 3
_MAX_NAME_WORD = 40  # a longer run of letters is no one's name (and slow to search for)


def _name_words(expr: pl.Expr) -> pl.Expr:
    """The words of a text as a list: letters only, accents removed, lower case."""
    return normalise_person_name(expr).str.extract_all(r"\p{L}+")


def _name_columns(by_role: dict) -> Iterator[pl.Series]:
    """The values of every column the source descriptions list as ``names``."""
    for entries in by_role.values():
        for _, sheet_spec, raws in entries:
            for raw in raws:
                by_header = {normalise_header(c): c for c in raw.frame.columns if c != ROW}
                for header in sheet_spec.names:
                    column = by_header.get(normalise_header(header))
                    if column is not None:
                        yield raw.frame.get_column(column)


def _has_name_word(labels: pl.Series, names: list[pl.Series], not_names: frozenset[str] = frozenset()) -> pl.Series:
    """Per label: it holds a word (3+ letters, not a particle) that is also a word of a name in
    the delivery's name columns. The e-mail/phone/number scrub cannot see a name; the
    delivery's own names can."""
    none = pl.repeat(False, labels.len(), dtype=pl.Boolean, eager=True)
    if labels.len() == 0 or not names:
        return none
    words = labels.to_frame("value").select(_name_words(pl.col("value")).alias("words")).get_column("words").to_list()
    candidates = {w for ws in words if ws for w in ws
                  if _MIN_NAME_WORD <= len(w) <= _MAX_NAME_WORD and w not in _NAME_PARTICLES and w not in not_names}
    if not candidates:
        return none
    people = pl.concat([s.cast(pl.String).rename("name") for s in names]).drop_nulls().to_frame()
    # only the names that share a word with a label are split into words
    people = people.filter(pl.col("name").str.to_lowercase().str.contains_any(sorted(candidates), ascii_case_insensitive=True)
                           | ~pl.col("name").str.contains(r"^[\x00-\x7f]*$"))
    found = set(people.select(_name_words(pl.col("name")).explode().alias("w")).get_column("w").drop_nulls().to_list()) & candidates
    if not found:
        return none
    return pl.Series([bool(ws and found.intersection(ws)) for ws in words], dtype=pl.Boolean)


#: A label is shown in dq_unmapped_values only when it occurs in at least this many rows of
#: the delivery (DELIVERIES.md, "Values that may be shown to a steward").
MIN_ROWS_SHOWN = 3


def _shown_unmapped(parts: list[pl.DataFrame], names: list[pl.Series]) -> pl.DataFrame:
    """The unmapped labels of one delivery as dq_unmapped_values shows them: a label that
    occurs in 3+ rows, holds no digit and no word of a name of the delivery as it is; any
    other masked (``J…(11)``). Every label with its rows (``rows_at``) so the steward finds it."""
    unmapped = pl.concat(parts) if parts else _empty_unmapped()
    if unmapped.height == 0:
        return empty("unmapped")
    unmapped = unmapped.group_by("leerwinkel", "column", "value").agg(pl.col("rows").sum(), pl.col(AT).explode().drop_nulls())
    candidate = unmapped.select((pl.col("rows") >= MIN_ROWS_SHOWN) & ~pl.col("value").str.contains(r"\d")).to_series()
    # the names are searched for only the labels that could be shown at all
    named = _has_name_word(unmapped.get_column("value").filter(candidate), names)
    shown = candidate.scatter(candidate.arg_true(), ~named) if named.len() else candidate
    at = pl.col(AT)
    more = pl.col("rows") - at.list.len().clip(upper_bound=ROWS_AT_SHOWN)
    unmapped = unmapped.select(
        "leerwinkel", "column",
        # a free-text slip in a code column must not carry contact data into the report
        pl.when(shown).then(pl.col("value").map_elements(lambda v: p.scrub(v, limit=UNMAPPED_VALUE_LIMIT), return_dtype=pl.String))
        .otherwise(mask_label_expr(pl.col("value"))).alias("value"),
        "rows",
        (at.list.head(ROWS_AT_SHOWN).list.join(", ")
         + pl.when(more > 0).then(pl.lit(" and ") + more.cast(pl.String) + pl.lit(" more")).otherwise(pl.lit(""))).alias("rows_at"),
    )
    return conform(unmapped.sort("column", "value"), "unmapped")


def _accounting(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.group_by(FILE, SHEET).agg(
        pl.len().alias("rows_read"),
        (pl.col(FATE) == "loaded").sum().alias("rows_loaded"),
        (pl.col(FATE) == "quarantined").sum().alias("rows_quarantined"),
        (pl.col(FATE) == "duplicate").sum().alias("rows_duplicate"),
    )


def _quarantine(frame: pl.DataFrame, leerwinkel: str) -> pl.DataFrame:
    q = frame.filter(pl.col(FATE) == "quarantined").select(
        pl.lit(leerwinkel).alias("leerwinkel"), pl.col(FILE).alias("file_name"), pl.col(SHEET).alias("sheet"),
        pl.col(ROW).alias("row_number"), pl.col(RULE).alias("rule"), pl.col(COLUMN).alias("column"), pl.col(MESSAGE).alias("message"),
    )
    return conform(q, "quarantine")


# ---------------------------------------------------------------- person fields


def _header(sheet_spec: SheetSpec, field_name: str) -> str:
    return sheet_spec.columns.get(field_name, field_name)


def _person_fields(frame: pl.DataFrame, spec: SourceSpec, sheet_spec: SheetSpec, serial: bool) -> pl.DataFrame:
    """Birth year, national-number digits and validity, codes; personal columns dropped after."""
    exprs = []
    if "birth_date" in frame.columns:
        exprs.append(_date("birth_date", serial).alias("_birth_date"))
    elif "birth_year" in frame.columns:
        exprs.append(pl.lit(None, pl.Date).alias("_birth_date"))
    if "national_number" in frame.columns:
        exprs.append(national_number_digits(pl.col("national_number")).alias("_nn"))
    frame = frame.with_columns(exprs)
    if "national_number" in frame.columns:
        frame = frame.with_columns(valid_national_number(pl.col("_nn")).alias("_nn_valid"))
    if "birth_year" in frame.columns:
        year = _int("birth_year")
        frame = frame.with_columns(pl.when(year.is_between(1850, 2200)).then(year).otherwise(None).cast(pl.Int32).alias("_birth_year"))
    else:
        frame = frame.with_columns(pl.col("_birth_date").dt.year().cast(pl.Int32).alias("_birth_year"))
    return frame


def _client_keys(frame: pl.DataFrame, ctx: Context, local_id: pl.Expr) -> pl.DataFrame:
    lw = ctx.spec.leerwinkel
    has_nn = pl.col("_nn_valid") if "_nn_valid" in frame.columns else pl.lit(False)
    nn = pl.col("_nn") if "_nn" in frame.columns else pl.lit(None, pl.String)
    message = pl.when(has_nn).then(pl.lit("nn:") + nn).otherwise(pl.lit(f"lw:{lw}:") + local_id)
    frame = frame.with_columns(message.alias("_client_msg"))
    return frame.with_columns(ctx.key(frame, "_client_msg").alias("client_key")).drop("_client_msg", NAME, strict=False)


# ---------------------------------------------------------------- roles


def _stage_clients(sheets: list[RawSheet], sheet_spec: SheetSpec, file_spec: FileSpec, ctx: Context) -> tuple[pl.DataFrame, pl.DataFrame]:
    frame = _combine(sheets, sheet_spec)
    frame = frame.with_columns(p.clean_text(pl.col("client_id")).alias("_id"))
    frame = _mark_duplicate_ids(frame)
    frame = _with_fate(frame, [
        ("missing_id", pl.col("_id").is_null(), _header(sheet_spec, "client_id"), "client id is empty"),
        ("duplicate_id", pl.col("_dup_id"), _header(sheet_spec, "client_id"), "an earlier row has the same client id with other values"),
    ])
    frame = _person_fields(frame, ctx.spec, sheet_spec, file_spec.excel_serial_dates)
    codes = [pl.coalesce(_code(f, ctx.spec, f), pl.lit("unknown")).alias(f) for f in CODE_FIELDS if f in frame.columns]
    loaded = frame.filter(pl.col(FATE) == "loaded")
    unmapped = _unmapped(loaded, ctx.spec, [(f, f) for f in CODE_FIELDS if f in loaded.columns])
    postcode = _postcode("postcode") if "postcode" in loaded.columns else pl.lit(None, pl.String)
    loaded = _client_keys(loaded.with_columns(*codes, postcode.alias("postcode")), ctx, pl.col("_id"))
    return frame, loaded, unmapped


def _status(frame: pl.DataFrame, sheet_spec: SheetSpec, spec: SourceSpec) -> pl.Expr:
    rule = sheet_spec.status_rule or {"derive": "closed_date"}
    closed = pl.col("closed_date_parsed").is_not_null()
    derived = pl.when(~closed).then(pl.lit("open")).otherwise(pl.lit("completed"))
    if "completed_flag" in rule:
        flag = _code(rule["completed_flag"], spec, "flag", pl.Boolean).fill_null(False)
        derived = pl.when(~closed).then(pl.lit("open")).when(flag).then(pl.lit("completed")).otherwise(pl.lit("stopped"))
    if "stopped_flag" in rule:
        flag = _code(rule["stopped_flag"], spec, "flag", pl.Boolean).fill_null(False)
        derived = pl.when(~closed).then(pl.lit("open")).when(flag).then(pl.lit("stopped")).otherwise(pl.lit("completed"))
    if "column" in rule:
        mapped = _code(rule["column"], spec, "status")
        if "empty" in rule:
            mapped = pl.when(p.clean_text(pl.col(rule["column"])).is_null()).then(pl.lit(rule["empty"])).otherwise(mapped)
        return pl.coalesce(mapped, derived)
    return derived


def _trajectory_rules(sheet_spec: SheetSpec, ctx: Context) -> list[tuple[str, pl.Expr, str, str]]:
    h = lambda f: _header(sheet_spec, f)  # noqa: E731
    closed_text = pl.col("_closed_text")
    return [
        ("missing_id", pl.col("_id").is_null(), h("trajectory_id"), "trajectory id is empty"),
        ("bad_date", pl.col("intake_date_parsed").is_null(), h("intake_date"), "intake date is missing or not a readable date"),
        ("bad_date", closed_text.is_not_null() & pl.col("closed_date_parsed").is_null(), h("closed_date"), "closing date is not a readable date"),
        ("date_order", pl.col("closed_date_parsed") < pl.col("intake_date_parsed"), h("closed_date"), "closing date lies before the intake date"),
        ("future_date", pl.col("intake_date_parsed") > pl.lit(ctx.as_of), h("intake_date"), f"intake date lies after the run's as-of date {ctx.as_of.isoformat()}"),
        ("age_out_of_range", ~pl.col("_age").is_between(AGE_AT_INTAKE_MIN, AGE_AT_INTAKE_MAX), h("birth_date") if "birth_date" in sheet_spec.columns else h("birth_year"), "age at intake is below 16 or above 100"),
    ]


def _age(frame: pl.DataFrame) -> pl.DataFrame:
    by_date = p.whole_years_between(pl.col("_birth_date"), pl.col("intake_date_parsed"))
    by_year = (pl.col("intake_date_parsed").dt.year().cast(pl.Int32) - pl.col("_birth_year")).cast(pl.Int32)
    return frame.with_columns(pl.when(pl.col("_birth_date").is_not_null()).then(by_date).otherwise(by_year).alias("_age"))


def _trajectory_model(frame: pl.DataFrame, sheet_spec: SheetSpec, ctx: Context, client_id: pl.Expr | None) -> pl.DataFrame:
    """Model fields of loaded trajectory rows (codes, keys, derived fields).

    ``client_id`` is the local client id; None where the client key came from a client sheet.
    """
    spec, lw = ctx.spec, ctx.spec.leerwinkel
    already_coded = set(frame.columns) - set(sheet_spec.columns)
    codes = [
        pl.coalesce(_code(f, spec, f), pl.lit("unknown")).alias(f) if f in sheet_spec.columns
        else pl.col(f) if f in already_coded else pl.lit("unknown").alias(f)
        for f in CODE_FIELDS
    ]
    frame = frame.with_columns(codes)
    vulnerable = pl.any_horizontal([pl.col(f).is_in(v) for f, v in VULNERABLE.items()])
    if "postcode" in sheet_spec.columns:
        postcode = _postcode("postcode")
    elif "postcode" in frame.columns:
        postcode = pl.col("postcode")
    elif "municipality" in frame.columns:
        postcode = _code("municipality", spec, "municipality_postcode")
    else:
        postcode = pl.lit(None, pl.String)
    frame = frame.with_columns(
        (pl.lit(f"tr:{lw}:") + pl.col("_id")).alias("_tr_msg"),
        (pl.lit(f"link:{lw}:") + pl.col("_id").str.to_uppercase()).alias("_link_msg"),
    )
    if client_id is not None:
        frame = _client_keys(frame, ctx, client_id)
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
        closed_text = pl.when(_label("closed_date").is_in(open_values)).then(None).otherwise(closed_text)
    return frame.with_columns(
        p.clean_text(pl.col("trajectory_id")).alias("_id"),
        _date("intake_date", serial).alias("intake_date_parsed"),
        closed_text.alias("_closed_text"),
    ).with_columns(_date("_closed_text", serial).alias("closed_date_parsed"))


def _mark_duplicate_ids(frame: pl.DataFrame) -> pl.DataFrame:
    live = pl.col(FATE) != "duplicate"
    # an earlier live row with the same id: the id (of live rows only) is not first distinct
    return frame.with_columns(
        (live & pl.col("_id").is_not_null() & ~pl.when(live).then(pl.col("_id")).is_first_distinct()).alias("_dup_id")
    )


def _stage_trajectories(sheets, sheet_spec: SheetSpec, file_spec: FileSpec, ctx: Context, clients: pl.DataFrame | None):
    frame = _combine(sheets, sheet_spec)
    serial = file_spec.excel_serial_dates
    frame = _parse_trajectory_dates(frame, sheet_spec, serial)
    frame = _mark_duplicate_ids(frame)
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
        frame = _person_fields(frame, ctx.spec, sheet_spec, serial)
    frame = _age(frame)
    rules = _trajectory_rules(sheet_spec, ctx)
    rules.append(("duplicate_id", pl.col("_dup_id"), _header(sheet_spec, "trajectory_id"), "an earlier row has the same trajectory id with other values"))
    if clients is not None:
        rules.append(("orphan", orphan, _header(sheet_spec, "client_id"), "points at a client id that was not loaded"))
    frame = _with_fate(frame, rules)
    loaded = frame.filter(pl.col(FATE) == "loaded").with_columns(_status(frame, sheet_spec, ctx.spec).alias("status"))
    client_id = None if clients is not None else _local_client_id(sheet_spec)
    if client_id is not None and sheet_spec.client_id == "name_and_birth_year":  # once, not in each branch of the expression
        loaded = loaded.with_columns(normalise_person_name(pl.col("client_name")).alias(NAME))
    return frame, _trajectory_model(loaded, sheet_spec, ctx, client_id)


NAME = "_name"  # the normalised name, only until the client key is made


def _local_client_id(sheet_spec: SheetSpec) -> pl.Expr:
    if sheet_spec.client_id == "name_and_birth_year":
        # MODEL.md: name lower-cased, accents removed, runs of spaces made one, trimmed: `jan peeters:1987`.
        name = pl.col(NAME)
        by_name = name + pl.lit(":") + pl.col("_birth_year").cast(pl.String).fill_null("")
        return pl.when(name.is_not_null() & (name != "")).then(by_name).otherwise(pl.lit("trajectory:") + pl.col("_id"))
    return p.clean_text(pl.col(sheet_spec.client_id)) if sheet_spec.client_id != "trajectory_id" else pl.col("_id")


def _trajectory_links(trajectories: pl.DataFrame, loaded_rows: pl.DataFrame) -> pl.DataFrame:
    """Normalised trajectory id → key, date fields, for linking child rows (in memory only)."""
    return loaded_rows.select(
        pl.col("_id").str.to_uppercase().alias("_link"),
        pl.col("trajectory_key"), pl.col("intake_date"), pl.col("closed_date"),
    )


def _stage_children(sheets, sheet_spec: SheetSpec, file_spec: FileSpec, ctx: Context, links: pl.DataFrame, kind: str):
    """Contacts or referrals on a sheet of their own, pointing at trajectories by id."""
    frame = _combine(sheets, sheet_spec)
    date_field = "contact_date" if kind == "contacts" else "referral_date"
    serial = file_spec.excel_serial_dates
    frame = frame.with_columns(
        p.clean_text(pl.col("trajectory_id")).alias("_id"),
        p.clean_text(pl.col(date_field)).alias("_date_text"),
        _date(date_field, serial).alias("_date"),
    ).with_columns(pl.col("_id").str.to_uppercase().alias("_link"))
    frame = frame.join(links, on="_link", how="left")
    # A referral may come without a date (dated later, see INDICATORS.md); a contact may not.
    date_missing = pl.col("_date").is_null() if kind == "contacts" else pl.col("_date_text").is_not_null() & pl.col("_date").is_null()
    frame = _with_fate(frame, [
        ("missing_id", pl.col("_id").is_null(), _header(sheet_spec, "trajectory_id"), "trajectory id is empty"),
        ("bad_date", date_missing, _header(sheet_spec, date_field), "date is missing or not a readable date"),
        ("orphan", pl.col("trajectory_key").is_null(), _header(sheet_spec, "trajectory_id"), "points at a trajectory id that was not loaded"),
    ])
    loaded = frame.filter(pl.col(FATE) == "loaded")
    if kind == "contacts":
        minutes = _contact_minutes(_number("minutes", file_spec.decimal_comma) * sheet_spec.minutes_per_unit) if "minutes" in loaded.columns else pl.lit(None, pl.Float64)
        table = loaded.select(
            "trajectory_key", pl.col("_date").alias("contact_date"),
            pl.coalesce(_code("contact_type", ctx.spec, "contact_type"), pl.lit("unknown")).alias("contact_type"),
            minutes.alias("minutes"),
        )
        unmapped = _unmapped(loaded, ctx.spec, [("contact_type", "contact_type")])
    else:
        table = loaded.select(
            "trajectory_key",
            pl.coalesce("_date", "closed_date", "intake_date").alias("referral_date"),
            pl.coalesce(_code("destination", ctx.spec, "destination"), pl.lit("unknown")).alias("destination"),
        )
        unmapped = _unmapped(loaded, ctx.spec, [("destination", "destination")])
    return frame, conform(table, kind), unmapped


def _inline_referrals(loaded: pl.DataFrame, sheet_spec: SheetSpec, ctx: Context) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Referrals kept on the trajectory row (a `;`-list, one value, or Doorverwijzing 1..n),
    dated at the closing date, else the intake date."""
    columns = list(sheet_spec.wide_referrals) or (["referrals"] if "referrals" in sheet_spec.columns else [])
    if not columns:
        return empty("referrals"), _empty_unmapped()
    values = loaded.select("trajectory_key", "intake_date", "closed_date", *[c for c in (FILE, SHEET, ROW) if c in loaded.columns],
                           pl.concat_list([pl.col(c).cast(pl.String) for c in columns]).alias("_value"))
    values = values.explode("_value")
    if sheet_spec.referral_list_separator:
        values = values.with_columns(pl.col("_value").str.split(sheet_spec.referral_list_separator)).explode("_value")
    values = values.with_columns(p.clean_text(pl.col("_value")).alias("destination")).filter(pl.col("destination").is_not_null())
    table = values.select(
        "trajectory_key",
        pl.coalesce("closed_date", "intake_date").alias("referral_date"),
        pl.coalesce(_code("destination", ctx.spec, "destination"), pl.lit("unknown")).alias("destination"),
    )
    return conform(table, "referrals"), _unmapped(values, ctx.spec, [("destination", "destination")])


def _wide_contacts(loaded: pl.DataFrame, sheet_spec: SheetSpec, serial: bool) -> tuple[pl.DataFrame, int]:
    """Contacts as dates in columns Contact 1..n (no durations, no type).

    Returns the contacts and how many non-empty cells were not readable dates (ignored)."""
    if not sheet_spec.wide_contacts:
        return empty("contacts"), 0
    present = [c for c in sheet_spec.wide_contacts if c in loaded.columns]
    cells = loaded.select("trajectory_key", pl.concat_list([pl.col(c).cast(pl.String) for c in present]).alias("_cell")).explode("_cell")
    cells = cells.with_columns(p.clean_text(pl.col("_cell")).alias("_cell")).filter(pl.col("_cell").is_not_null())
    cells = cells.with_columns(_date("_cell", serial).alias("contact_date"))
    ignored = cells.filter(pl.col("contact_date").is_null()).height
    table = cells.filter(pl.col("contact_date").is_not_null()).select(
        "trajectory_key", "contact_date", pl.lit("unknown").alias("contact_type"), pl.lit(None, pl.Float64).alias("minutes")
    )
    return conform(table, "contacts"), ignored


def _stage_contact_rows(sheets, sheet_spec: SheetSpec, file_spec: FileSpec, ctx: Context):
    """Gent: one row per contact. A row with an empty id or unreadable contact date is
    quarantined; the trajectory is built from the rows that remain: intake = first contact,
    the latest row holds the current value of every field, referrals dated by their contact."""
    frame = _combine(sheets, sheet_spec)
    frame = frame.with_columns(
        p.clean_text(pl.col("trajectory_id")).alias("_id"),
        _datetime("contact_date").alias("_contact_at"),
        pl.int_range(pl.len()).alias("_order"),
    )
    row_rules = [
        ("missing_id", pl.col("_id").is_null(), _header(sheet_spec, "trajectory_id"), "trajectory id is empty"),
        ("bad_date", pl.col("_contact_at").is_null(), _header(sheet_spec, "contact_date"), "contact date is missing or not a readable date"),
    ]
    frame = _with_fate(frame, row_rules)
    kept = frame.filter(pl.col(FATE) == "loaded")
    latest = (
        kept.sort("_contact_at", "_order").group_by("_id", maintain_order=True).agg(
            pl.all().exclude("_contact_at", "_order").last(),
            pl.col("_contact_at").min().dt.date().alias("intake_date_parsed"),
        )
    )
    latest = latest.with_columns(
        p.clean_text(pl.col("closed_date")).alias("_closed_text"),
        _date("closed_date").alias("closed_date_parsed"),
    )
    latest = _age(_person_fields(latest, ctx.spec, sheet_spec, False))
    trajectory_rules = [r for r in _trajectory_rules(sheet_spec, ctx) if r[0] != "missing_id"]
    verdict = latest.with_columns(_rule_chain(trajectory_rules)).select("_id", pl.col(RULE).alias("_t_rule"), pl.col(COLUMN).alias("_t_col"), pl.col(MESSAGE).alias("_t_msg"))
    frame = frame.join(verdict, on="_id", how="left").with_columns(
        pl.when((pl.col(FATE) == "loaded") & pl.col("_t_rule").is_not_null()).then(pl.lit("quarantined")).otherwise(pl.col(FATE)).alias(FATE),
        *[pl.when((pl.col(FATE) == "loaded") & pl.col("_t_rule").is_not_null()).then(pl.col(t)).otherwise(pl.col(c)).alias(c)
          for c, t in ((RULE, "_t_rule"), (COLUMN, "_t_col"), (MESSAGE, "_t_msg"))],
    ).sort(ROW)
    good = latest.join(verdict.filter(pl.col("_t_rule").is_null()), on="_id", how="semi")
    good = good.with_columns(_status(good, sheet_spec, ctx.spec).alias("status"))
    trajectories = _trajectory_model(good, sheet_spec, ctx, pl.col("_id"))
    used = [c for c in ("_id", "_contact_at", "contact_type", "minutes", "referrals", FILE, SHEET, ROW) if c in frame.columns]
    rows = frame.lazy().filter(pl.col(FATE) == "loaded").select(used).collect().join(trajectories.select("_id", "trajectory_key"), on="_id", how="inner")
    contacts = rows.select(
        "trajectory_key", pl.col("_contact_at").dt.date().alias("contact_date"),
        pl.coalesce(_code("contact_type", ctx.spec, "contact_type"), pl.lit("unknown")).alias("contact_type"),
        _contact_minutes(_number("minutes")).alias("minutes"),
    )
    referral_rows = rows.filter(p.clean_text(pl.col("referrals")).is_not_null())
    referrals = referral_rows.select(
        "trajectory_key", pl.col("_contact_at").dt.date().alias("referral_date"),
        pl.coalesce(_code("referrals", ctx.spec, "destination"), pl.lit("unknown")).alias("destination"),
    )
    unmapped = pl.concat([
        _unmapped(rows, ctx.spec, [("contact_type", "contact_type")]),
        _unmapped(referral_rows.rename({"referrals": "destination"}), ctx.spec, [("destination", "destination")]),
    ])
    return frame, trajectories, conform(contacts, "contacts"), conform(referrals, "referrals"), unmapped


SCALE_FIELDS = ("insight_labour_market", "insight_strengths", "insight_barriers", "insight_learning")


def _stage_survey(sheets, sheet_spec: SheetSpec, ctx: Context):
    """Follow-up survey rows, pseudonymised; linking to trajectories happens when the whole
    network is known (model step). E-mail, name and free text are never selected."""
    frame = _with_fate(_combine(sheets, sheet_spec), [])
    names = {p.label_key_py(name): code for name, code in _display_names().items()}
    frame = frame.with_columns(
        _label("leerwinkel_name").replace_strict(names, default=None, return_dtype=pl.String).alias("leerwinkel"),
        p.clean_text(pl.col("trajectory_id")).str.to_uppercase().alias("_id"),
    ).with_columns(
        pl.when(pl.col("leerwinkel").is_not_null() & pl.col("_id").is_not_null())
        .then(pl.lit("link:") + pl.col("leerwinkel") + pl.lit(":") + pl.col("_id")).alias("_link_msg"),
    )
    frame = frame.with_columns(ctx.key(frame, "_link_msg").alias("link_key"))
    spec = ctx.spec
    scale = spec.code_map("agreement_scale")
    scale_value = lambda e: pl.coalesce(p.map_code(e, scale, pl.Int32), p.parse_int(e, pl.Int32))  # noqa: E731
    in_scale = lambda e: pl.when(scale_value(e).is_between(1, 5)).then(scale_value(e))  # noqa: E731
    satisfaction = lambda e: pl.when(p.parse_int(e, pl.Int32).is_between(1, 10)).then(p.parse_int(e, pl.Int32))  # noqa: E731
    survey = frame.filter(pl.col(FATE) != "duplicate").select(
        pl.col(FILE).alias("file_name"), pl.col(SHEET).alias("sheet"), pl.col(ROW).alias("row_number"),
        "leerwinkel", "link_key",
        _datetime("response_date").alias("response_date"),
        pl.coalesce(_code("training_started", spec, "training_started"), pl.lit("unknown")).alias("training_started"),
        pl.coalesce(_code("situation", spec, "situation"), pl.lit("unknown")).alias("situation"),
        _code("qualification", spec, "qualification", pl.Boolean).alias("qualification"),
        *[p.by_distinct(pl.col(c), in_scale, pl.Int32).alias(c) for c in SCALE_FIELDS],
        p.by_distinct(pl.col("satisfaction"), satisfaction, pl.Int32).alias("satisfaction"),
        p.clean_text(pl.col("satisfaction")).is_not_null().alias("_satisfaction_given"),
    )
    # a satisfaction cell that is not a whole number 1-10 (a national number typed into it,
    # say) is no score: ignored, and counted per file, never shown
    ignored = survey.filter(pl.col("_satisfaction_given") & pl.col("satisfaction").is_null()).group_by("file_name", "sheet").len()
    unmapped = _survey_unmapped(frame.filter(pl.col(FATE) != "duplicate"), spec)
    return frame, conform(survey, "survey"), unmapped, ignored


def _survey_unmapped(frame: pl.DataFrame, spec: SourceSpec) -> pl.DataFrame:
    scale_spec = SourceSpec(spec.leerwinkel, spec.display_name, spec.folder, spec.files,
                            {**spec.codes, **{c: spec.code_map("agreement_scale") | {str(i): i for i in range(1, 6)} for c in SCALE_FIELDS}}, spec.path)
    return _unmapped(frame, scale_spec, [("training_started", "training_started"), ("situation", "situation"),
                                         ("qualification", "qualification"), *[(c, c) for c in SCALE_FIELDS]])


def _display_names() -> dict[str, str]:
    from leerwinkels.ingest.source_specs import display_names

    return display_names()


def _stage_costs(sheets, sheet_spec: SheetSpec, ctx: Context):
    frame = _combine(sheets, sheet_spec)
    names = {p.label_key_py(name): code for name, code in _display_names().items()}
    frame = frame.with_columns(
        _label("leerwinkel_name").replace_strict(names, default=None, return_dtype=pl.String).alias("leerwinkel"),
        _int("year").cast(pl.Int32, strict=False).alias("_year"),
    ).with_columns(pl.concat_str([pl.col("leerwinkel"), pl.col("_year").cast(pl.String)], separator=":").alias("_id"))
    frame = _mark_duplicate_ids(frame)
    frame = _with_fate(frame, [
        ("missing_id", pl.col("_year").is_null(), _header(sheet_spec, "year"), "year is empty or not a whole number"),
        ("duplicate_id", pl.col("_dup_id"), _header(sheet_spec, "year"), "an earlier row has the same Leerwinkel and year with other values"),
        ("unlinked", pl.col("leerwinkel").is_null(), _header(sheet_spec, "leerwinkel_name"), "Leerwinkel name is not one of the six display names"),
    ])
    loaded = frame.filter(pl.col(FATE) == "loaded")
    costs = loaded.select(
        "leerwinkel", pl.col("_year").alias("year"),
        _number("staff_cost").alias("staff_cost"),
        _number("operating_cost").alias("operating_cost"),
        _number("fte").alias("fte"),
    )
    return frame, conform(costs, "costs")


# ---------------------------------------------------------------- one Leerwinkel


def stage_source(spec: SourceSpec, landing_root: Path, pseudonymiser: Pseudonymiser, as_of: date, run_id: str | None = None,
                 deliveries: list[Delivery] | None = None) -> dict[str, pl.DataFrame]:
    """Stage one Leerwinkel (or the network folder). Raises :class:`FileProblem` for a delivery
    that cannot be used at all; row-level problems are quarantined instead.

    ``deliveries``: the current files as the caller found them (:func:`find_deliveries`);
    found here (without a settle time) when not given.

    Only a FileProblem ever leaves: any other error (a library's, whose text may quote a cell)
    becomes one that names the delivery's files and the step, without that text."""
    files: list[str] = []  # the delivery's files, as they are read
    try:
        return _stage_source(spec, landing_root, pseudonymiser, as_of, run_id, files, deliveries)
    except FileProblem:
        raise
    except Exception as exc:
        where = ", ".join(files) or f"folder {spec.folder}/"
        raise FileProblem(where, library_failure("checking, mapping and pseudonymising its rows", exc)) from None


def _refuse_month_first_dates(sheet_spec: SheetSpec, raw: RawSheet) -> None:
    """A date column read day-first (dd/mm/yyyy) whose values mostly read only month-first is
    a wrongly exported file: no date of it may load with day and month swapped."""
    by_header = {normalise_header(c): c for c in raw.frame.columns if c != ROW}
    headers = [h for f, h in sheet_spec.columns.items() if f.endswith("_date")] + list(sheet_spec.wide_contacts)
    for header in headers:
        column = by_header.get(normalise_header(header))
        if column is None:
            continue
        swapped, shaped = p.month_first_dates(raw.frame.get_column(column))
        if p.looks_month_first(swapped, shaped):
            where = f"sheet {raw.sheet!r}, " if raw.sheet else ""
            raise FileProblem(raw.file_name, f"{where}column {header!r}: its dates look month-first (mm/dd/yyyy): {swapped} of {shaped} "
                              "day/month/year values can only be read with day and month swapped. Re-export it with dates as "
                              "dd/mm/yyyy (day first), as declared in sources/, and deliver it again")


def _stage_source(spec: SourceSpec, landing_root: Path, pseudonymiser: Pseudonymiser, as_of: date, run_id: str | None,
                  files: list[str], deliveries: list[Delivery] | None) -> dict[str, pl.DataFrame]:
    ctx = Context(spec, pseudonymiser, as_of, run_id)
    folder = landing_root / spec.folder
    if deliveries is None:
        deliveries = find_deliveries(folder, spec.files, landing_root=landing_root)
    out: dict[str, list[pl.DataFrame]] = {name: [] for name in SCHEMAS}
    by_role: dict[str, list[tuple[FileSpec, SheetSpec, list[RawSheet]]]] = {}
    file_meta = {}
    ignored_sheets: dict[str, list[str]] = {}
    sheets_read: list[tuple[str, str]] = []  # every sheet read, also one without data rows
    extra_counts: dict[tuple[str, str], dict[str, int]] = {}
    for delivery, file_spec in zip(deliveries, spec.files):
        if delivery.path is None:
            continue
        files.append(delivery.path.name)
        data, sheets = (READ_DELIVERY or read_delivery)(delivery.path, file_spec)
        for sheet_spec, raw in sheets:
            _refuse_month_first_dates(sheet_spec, raw)
            extra_counts.setdefault((raw.file_name, raw.sheet), {})["control_chars_removed"] = raw.control_chars_removed
        file_meta[delivery.path.name] = (sha256_of(data), delivery.modified)
        if file_spec.format == "xlsx":
            ignored_sheets[delivery.path.name] = [
                name for name in workbook_sheet_names(data) if not any(s.matches(name) for s in file_spec.sheets)]
        del data
        sheets_read += [(raw.file_name, raw.sheet) for _, raw in sheets]
        for sheet_spec in file_spec.sheets:
            raws = [raw for s, raw in sheets if s is sheet_spec]
            by_role.setdefault(sheet_spec.role, []).append((file_spec, sheet_spec, raws))
    fates: list[pl.DataFrame] = []

    def record(frame: pl.DataFrame, invalid_nn: pl.Expr | None = None):
        fates.append(frame.select(FILE, SHEET, ROW, FATE, RULE, COLUMN, MESSAGE,
                                  (invalid_nn if invalid_nn is not None else pl.lit(False)).alias("_invalid_nn")))

    def invalid_nn(frame: pl.DataFrame) -> pl.Expr | None:
        if "_nn" not in frame.columns:
            return None
        return (pl.col(FATE) == "loaded") & pl.col("_nn").is_not_null() & ~pl.col("_nn_valid")

    clients = None
    for file_spec, sheet_spec, raws in by_role.get("clients", []):
        frame, clients, unmapped = _stage_clients(raws, sheet_spec, file_spec, ctx)
        record(frame, invalid_nn(frame))
        out["unmapped"].append(unmapped)
    links = []
    for file_spec, sheet_spec, raws in by_role.get("trajectories", []):
        frame, model = _stage_trajectories(raws, sheet_spec, file_spec, ctx, clients)
        record(frame, invalid_nn(frame) if clients is None else None)
        loaded_rows = frame.filter(pl.col(FATE) == "loaded").select("_id").with_columns(model.get_column("trajectory_key"), model.get_column("intake_date"), model.get_column("closed_date"))
        links.append(_trajectory_links(model, loaded_rows))
        referrals, unmapped_refs = _inline_referrals(model, sheet_spec, ctx)
        contacts, ignored = _wide_contacts(model, sheet_spec, file_spec.excel_serial_dates)
        if ignored:
            for raw in raws:
                extra_counts.setdefault((raw.file_name, raw.sheet), {})["values_ignored"] = ignored
        out["trajectories"].append(model)
        out["referrals"].append(referrals)
        out["contacts"].append(contacts)
        out["unmapped"] += [unmapped_refs, _unmapped(frame, spec, [(f, f) for f in CODE_FIELDS if f in sheet_spec.columns] + _status_unmapped_fields(sheet_spec) + ([("municipality", "municipality_postcode")] if "municipality" in sheet_spec.columns else []), where=pl.col(FATE) == "loaded")]
        if "contact_count" in sheet_spec.columns:
            counts = frame.lazy().filter(pl.col(FATE) == "loaded").select(_int("contact_count").fill_null(0).alias("_n")).collect()
            out["contact_events"].append(conform(model.select("leerwinkel", "trajectory_key", pl.col("intake_date").alias("event_date")).with_columns(counts.get_column("_n").alias("contacts")), "contact_events"))
            out["trajectories"][-1] = model.with_columns(counts.get_column("_n").alias("contacts"), pl.lit(None, pl.Float64).alias("guidance_minutes"))
    link_frame = pl.concat(links) if links else pl.DataFrame(schema={"_link": pl.String, "trajectory_key": pl.String, "intake_date": pl.Date, "closed_date": pl.Date})
    for kind in ("contacts", "referrals"):
        for file_spec, sheet_spec, raws in by_role.get(kind, []):
            frame, table, unmapped = _stage_children(raws, sheet_spec, file_spec, ctx, link_frame, kind)
            record(frame)
            out[kind].append(table)
            out["unmapped"].append(unmapped)
    for file_spec, sheet_spec, raws in by_role.get("contact_rows", []):
        frame, trajectories, contacts, referrals, unmapped = _stage_contact_rows(raws, sheet_spec, file_spec, ctx)
        record(frame)
        out["trajectories"].append(trajectories)
        out["contacts"].append(contacts)
        out["referrals"].append(referrals)
        out["unmapped"] += [unmapped, _unmapped(frame, spec, [(f, f) for f in CODE_FIELDS if f in sheet_spec.columns] + _status_unmapped_fields(sheet_spec), where=pl.col(FATE) == "loaded")]
        extra_counts.setdefault((raws[0].file_name, raws[0].sheet), {})["invalid_national_numbers"] = trajectories.filter(pl.col("_nn").is_not_null() & ~pl.col("_nn_valid")).height
    for file_spec, sheet_spec, raws in by_role.get("survey", []):
        frame, survey, unmapped, ignored = _stage_survey(raws, sheet_spec, ctx)
        for file_name, sheet, count in ignored.iter_rows():
            extra_counts.setdefault((file_name, sheet), {})["values_ignored"] = count
        record(frame.with_columns(pl.when(pl.col(FATE) == "loaded").then(pl.lit("pending")).otherwise(pl.col(FATE)).alias(FATE)))
        out["survey"].append(survey)
        out["unmapped"].append(unmapped)
    for file_spec, sheet_spec, raws in by_role.get("costs", []):
        frame, costs = _stage_costs(raws, sheet_spec, ctx)
        record(frame)
        out["costs"].append(costs)

    contacts_all = pl.concat([conform(c, "contacts") for c in out["contacts"]]) if out["contacts"] else empty("contacts")
    has_minutes = any("minutes" in s.columns for _, s, _ in by_role.get("contacts", []) + by_role.get("contact_rows", []))
    trajectories = [_with_contact_totals(t, contacts_all, has_minutes) if "contact_count" not in t.columns else t for t in out["trajectories"]]
    out["trajectories"] = [conform(t.drop("contact_count", strict=False), "trajectories") for t in trajectories]
    if not out["contact_events"]:
        keyed = pl.concat(out["trajectories"]).select("trajectory_key", "leerwinkel") if out["trajectories"] else pl.DataFrame(schema={"trajectory_key": pl.String, "leerwinkel": pl.String})
        events = contacts_all.join(keyed, on="trajectory_key", how="inner").select(
            "leerwinkel", "trajectory_key", pl.col("contact_date").alias("event_date"), pl.lit(1, pl.Int64).alias("contacts"), "minutes")
        out["contact_events"].append(events)

    out["deliveries"].append(_delivery_rows(spec, deliveries, folder, ignored_sheets))
    unmapped_parts = out.pop("unmapped")
    staged = {name: (pl.concat([conform(f, name) for f in frames]) if frames else empty(name)) for name, frames in out.items()}
    all_fates = pl.concat(fates) if fates else None
    staged["source_files"] = _source_file_rows(spec, all_fates, file_meta, extra_counts, run_id, sheets_read)
    staged["quarantine"] = _quarantine(all_fates, spec.leerwinkel) if all_fates is not None else empty("quarantine")
    names = list(_name_columns(by_role))
    staged["unmapped"] = _shown_unmapped(unmapped_parts, names)
    return _with_shown_names(staged, names, _spec_words(spec))


NAME_COLUMNS = ("file_name", "sheet")  # columns of staged tables that hold a file or sheet name
TEXT_COLUMNS = ("message", "rows_at")  # columns whose texts may quote one


def _spec_words(spec: SourceSpec) -> frozenset[str]:
    """Words of the file patterns, sheet names and display name in sources/: part of a file
    or sheet name because the description says so, not because someone typed a name."""
    texts = [spec.display_name, spec.leerwinkel, "xlsx xlsm csv"]
    texts += [f.pattern for f in spec.files] + [s.sheet or "" for f in spec.files for s in f.sheets]
    words = pl.DataFrame({"t": texts}).select(_name_words(pl.col("t")).explode()).to_series().drop_nulls()
    return frozenset(words.to_list())


def _with_shown_names(staged: dict[str, pl.DataFrame], names: list[pl.Series], not_names: frozenset[str] = frozenset()) -> dict[str, pl.DataFrame]:
    """File and sheet names as they may be shown, in every staged table and text that holds
    them: a part shaped like a national number or an e-mail address masked, and a name that
    holds a word of a person's name of the delivery masked whole (someone saved the file
    under a client's name)."""
    raw = {n for frame in staged.values() for c in NAME_COLUMNS if c in frame.columns
           for n in frame.get_column(c).drop_nulls().unique().to_list() if n}
    ordered = sorted(raw, key=len, reverse=True)  # longest first: one name may hold another
    named = _has_name_word(pl.Series(ordered, dtype=pl.String), names, not_names).to_list()
    changed = {n: mask_label(n) if hit else shown_name(n) for n, hit in zip(ordered, named)}
    changed = {n: s for n, s in changed.items() if n != s}
    if not changed:
        return staged
    for table, frame in staged.items():
        exprs = [pl.col(c).replace(changed) for c in NAME_COLUMNS if c in frame.columns]
        exprs += [pl.col(c).str.replace_many(list(changed), list(changed.values())) for c in TEXT_COLUMNS if c in frame.columns]
        if exprs and frame.height:
            staged[table] = frame.with_columns(exprs)
    return staged


def _status_unmapped_fields(sheet_spec: SheetSpec) -> list[tuple[str, str]]:
    rule = sheet_spec.status_rule or {}
    fields = []
    if "column" in rule:
        fields.append((rule["column"], "status"))
    for flag in ("completed_flag", "stopped_flag"):
        if flag in rule:
            fields.append((rule[flag], "flag"))
    return fields


def _with_contact_totals(trajectories: pl.DataFrame, contacts: pl.DataFrame, has_minutes: bool) -> pl.DataFrame:
    totals = contacts.group_by("trajectory_key").agg(pl.len().cast(pl.Int64).alias("contacts"), pl.col("minutes").sum().alias("guidance_minutes"))
    joined = trajectories.drop("contacts", "guidance_minutes", strict=False).join(totals, on="trajectory_key", how="left")
    return joined.with_columns(
        pl.col("contacts").fill_null(0),
        (pl.col("guidance_minutes").fill_null(0.0) if has_minutes else pl.lit(None, pl.Float64)).alias("guidance_minutes"),
    )


def _delivery_rows(spec: SourceSpec, deliveries: list[Delivery], folder: Path, ignored_sheets: dict[str, list[str]] | None = None) -> pl.DataFrame:
    """One row per pattern's current file (or its absence), per older file ignored and per file refused."""
    rows = []
    lw = spec.leerwinkel
    for d in deliveries:
        for refused in d.refused:
            rows.append({"leerwinkel": lw, "pattern": d.pattern, "file_name": refused.name, "modified_time": None,
                         "status": "refused", "message": refused.reason})
        if d.path is None:
            why = d.folder_problem or "no file matches the pattern"
            rows.append({"leerwinkel": lw, "pattern": d.pattern, "file_name": None, "modified_time": None, "status": "missing", "message": why})
            continue
        sheets = (ignored_sheets or {}).get(d.path.name) or []
        note = "macro-enabled workbook (.xlsm) read as a workbook; its macros are never run" if is_macro_workbook(d.path) else None
        rows.append({"leerwinkel": lw, "pattern": d.pattern, "file_name": d.path.name, "modified_time": d.modified, "status": "current",
                     "message": note, "ignored_sheets": ", ".join(shown_sheet_name(s) for s in sheets) or None})
        for old in d.ignored:
            rows.append({"leerwinkel": lw, "pattern": d.pattern, "file_name": old.name,
                         "modified_time": None, "status": "ignored", "message": f"older than {d.path.name}"})
    return conform(pl.DataFrame(rows, schema=SCHEMAS["deliveries"]) if rows else empty("deliveries"), "deliveries")


def _source_file_rows(spec, fates, file_meta, extra_counts, run_id, sheets_read=()) -> pl.DataFrame:
    if (fates is None or fates.height == 0) and not file_meta:
        return empty("source_files")
    if fates is None:
        fates = pl.DataFrame(schema={FILE: pl.String, SHEET: pl.String, FATE: pl.String, "_invalid_nn": pl.Boolean})
    invalid = fates.group_by(FILE, SHEET).agg(pl.col("_invalid_nn").sum().alias("invalid_national_numbers"))
    accounting = _accounting(fates).join(invalid, on=[FILE, SHEET], how="left")
    # A sheet read without any data row (an empty year sheet, an empty referrals sheet) is
    # still listed, with zeros: the report shows it was read, not overlooked.
    seen = set(accounting.select(FILE, SHEET).iter_rows())
    zeros = [{FILE: f, SHEET: sh, "rows_read": 0, "rows_loaded": 0, "rows_quarantined": 0, "rows_duplicate": 0,
              "invalid_national_numbers": 0} for f, sh in dict.fromkeys(sheets_read) if (f, sh) not in seen]
    rows = []
    for r in [*accounting.iter_rows(named=True), *zeros]:
        sha, modified = file_meta.get(r[FILE], (None, None))
        extra = extra_counts.get((r[FILE], r[SHEET]), {})
        rows.append({
            "leerwinkel": spec.leerwinkel, "file_name": r[FILE], "sheet": r[SHEET], "sha256": sha, "modified_time": modified,
            "rows_read": r["rows_read"], "rows_loaded": r["rows_loaded"], "rows_quarantined": r["rows_quarantined"],
            "rows_duplicate": r["rows_duplicate"],
            "invalid_national_numbers": extra.get("invalid_national_numbers", r["invalid_national_numbers"] or 0),
            "values_ignored": extra.get("values_ignored", 0), "control_chars_removed": extra.get("control_chars_removed", 0),
            "run_id": run_id,
        })
    return conform(pl.DataFrame(rows, schema=SCHEMAS["source_files"]), "source_files").sort("file_name", "sheet")
