"""The unmapped-label report (dq_unmapped_values): labels outside a code list among loaded
rows, counted, located, and shown only as DELIVERIES.md allows."""

from __future__ import annotations

import polars as pl

from leerwinkels.ingest import parsing as p
from leerwinkels.ingest.readers import ROW
from leerwinkels.ingest.rules import FILE, SHEET
from leerwinkels.ingest.source_specs import SheetSpec, SourceSpec
from leerwinkels.ingest.staged_tables import conform, empty
from leerwinkels.privacy.name_hiding import has_name_word
from leerwinkels.privacy.shown_values import mask_label_expr

AT = "_at"  # where a label occurs: the first rows as "Sheet!row" / "file line n", until the report is made


ROWS_AT_SHOWN = 5  # rows listed per label in dq_unmapped_values.rows_at


def _location(frame: pl.DataFrame) -> pl.Expr:
    """Where a row is in its source, as a steward looks it up: ``Dossiers!14`` in a workbook,
    ``klanten_20261120.csv line 14`` in a CSV file."""
    if ROW not in frame.columns or FILE not in frame.columns:
        return pl.lit(None, pl.String)
    sheet = pl.col(SHEET).fill_null("") if SHEET in frame.columns else pl.lit("")
    # the raw names: name_hiding.with_shown_names gives them their shown form with every other table's
    return pl.when(sheet == "").then(pl.col(FILE) + pl.lit(" line ")).otherwise(sheet + pl.lit("!")) + pl.col(ROW).cast(pl.String)


def unmapped_labels(frame: pl.DataFrame, spec: SourceSpec, fields: list[tuple[str, str]], where: pl.Expr | None = None) -> pl.DataFrame:
    """Labels outside the mapping among loaded rows (``where``): (leerwinkel, column, value,
    rows, and AT: where the first of them are). The raw label stays in memory only:
    :func:`shown_unmapped` decides what of it the report shows.

    Counted per distinct label first, then only the distinct labels are mapped."""
    fields = [(column, code_list) for column, code_list in fields if column in frame.columns]
    if not fields:
        return empty_unmapped()
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
        return empty_unmapped()
    # NFC on the (few) labels found only: shown_unmapped adds up the forms of one label
    return pl.concat(parts).select(pl.lit(spec.leerwinkel).alias("leerwinkel"), "column", pl.col("value").str.normalize("NFC"),
                                   pl.col("rows").cast(pl.Int64), pl.col(AT).cast(pl.List(pl.String)))


def empty_unmapped() -> pl.DataFrame:
    return pl.DataFrame(schema={"leerwinkel": pl.String, "column": pl.String, "value": pl.String, "rows": pl.Int64, AT: pl.List(pl.String)})


# dq_unmapped_values shows at most this many characters of a label (scrub caps before matching)
UNMAPPED_VALUE_LIMIT = 300


#: A label is shown in dq_unmapped_values only when it occurs in at least this many rows of
#: the delivery (DELIVERIES.md, "Values that may be shown to a steward").
MIN_ROWS_SHOWN = 3


def shown_unmapped(parts: list[pl.DataFrame], names: list[pl.Series]) -> pl.DataFrame:
    """The unmapped labels of one delivery as dq_unmapped_values shows them: a label that
    occurs in 3+ rows, holds no digit and no word of a name of the delivery as it is; any
    other masked (``J…(11)``). Every label with its rows (``rows_at``) so the steward finds it."""
    unmapped = pl.concat(parts) if parts else empty_unmapped()
    if unmapped.height == 0:
        return empty("unmapped")
    unmapped = unmapped.group_by("leerwinkel", "column", "value").agg(pl.col("rows").sum(), pl.col(AT).explode().drop_nulls())
    candidate = unmapped.select((pl.col("rows") >= MIN_ROWS_SHOWN) & ~pl.col("value").str.contains(r"\d")).to_series()
    # the names are searched for only the labels that could be shown at all
    named = has_name_word(unmapped.get_column("value").filter(candidate), names)
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


def status_unmapped_fields(sheet_spec: SheetSpec) -> list[tuple[str, str]]:
    rule = sheet_spec.status_rule or {}
    fields = []
    if "column" in rule:
        fields.append((rule["column"], "status"))
    for flag in ("completed_flag", "stopped_flag"):
        if flag in rule:
            fields.append((rule[flag], "flag"))
    return fields
