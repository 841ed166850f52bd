"""Role ``survey``: the network's follow-up survey, pseudonymised; linked to trajectories in the model step."""

from __future__ import annotations

import polars as pl

from leerwinkels.ingest import parsing as p
from leerwinkels.ingest.fields import Context, code_of, combine_sheets, datetime_of, label_of
from leerwinkels.ingest.readers import ROW
from leerwinkels.ingest.roles.base import Earlier, RoleOutput, RoleSheets, fate_rows
from leerwinkels.ingest.rules import FATE, FILE, SHEET, with_fate
from leerwinkels.ingest.source_specs import SheetSpec, SourceSpec, display_names
from leerwinkels.ingest.staged_tables import conform
from leerwinkels.ingest.unmapped import unmapped_labels

SCALE_FIELDS = ("insight_labour_market", "insight_strengths", "insight_barriers", "insight_learning")


def stage_survey(sheets, sheet_spec: SheetSpec, ctx: Context):
    """Follow-up survey rows, pseudonymised; linking to trajectories happens when the whole
    network is known (model step). E-mail, name and free text are never selected."""
    frame = with_fate(combine_sheets(sheets, sheet_spec), [])
    names = {p.label_key_py(name): code for name, code in display_names().items()}
    frame = frame.with_columns(
        label_of("leerwinkel_name").replace_strict(names, default=None, return_dtype=pl.String).alias("leerwinkel"),
        p.clean_text(pl.col("trajectory_id")).str.to_uppercase().alias("_id"),
    ).with_columns(
        pl.when(pl.col("leerwinkel").is_not_null() & pl.col("_id").is_not_null())
        .then(pl.lit("link:") + pl.col("leerwinkel") + pl.lit(":") + pl.col("_id")).alias("_link_msg"),
    )
    frame = frame.with_columns(ctx.key(frame, "_link_msg").alias("link_key"))
    spec = ctx.spec
    scale = spec.code_map("agreement_scale")
    scale_value = lambda e: pl.coalesce(p.map_code(e, scale, pl.Int32), p.parse_int(e, pl.Int32))
    in_scale = lambda e: pl.when(scale_value(e).is_between(1, 5)).then(scale_value(e))
    satisfaction = lambda e: pl.when(p.parse_int(e, pl.Int32).is_between(1, 10)).then(p.parse_int(e, pl.Int32))
    survey = frame.filter(pl.col(FATE) != "duplicate").select(
        pl.col(FILE).alias("file_name"), pl.col(SHEET).alias("sheet"), pl.col(ROW).alias("row_number"),
        "leerwinkel", "link_key",
        datetime_of("response_date").alias("response_date"),
        pl.coalesce(code_of("training_started", spec, "training_started"), pl.lit("unknown")).alias("training_started"),
        pl.coalesce(code_of("situation", spec, "situation"), pl.lit("unknown")).alias("situation"),
        code_of("qualification", spec, "qualification", pl.Boolean).alias("qualification"),
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
    return unmapped_labels(frame, scale_spec, [("training_started", "training_started"), ("situation", "situation"),
                                         ("qualification", "qualification"), *[(c, c) for c in SCALE_FIELDS]])


def stage(sheets: RoleSheets, ctx: Context, earlier: Earlier) -> RoleOutput:
    frame, survey, unmapped, ignored = stage_survey(sheets.raws, sheets.sheet_spec, ctx)
    out = RoleOutput(tables={"survey": [survey]}, unmapped=[unmapped])
    for file_name, sheet, count in ignored.iter_rows():
        out.counts.setdefault((file_name, sheet), {})["values_ignored"] = count
    # a survey row is linked (or not) in the model step: its fate is pending until then
    out.fates.append(fate_rows(frame.with_columns(pl.when(pl.col(FATE) == "loaded").then(pl.lit("pending")).otherwise(pl.col(FATE)).alias(FATE))))
    return out
