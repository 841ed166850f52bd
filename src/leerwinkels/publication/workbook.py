"""Publication export of the indicator tables: one CSV per table and one Excel workbook,
protected against disclosure by src/leerwinkels/publication/disclosure.py (INDICATORS.md, "Publication
export"; :func:`suppress_small_cells` is the former primary suppression, kept for the
attack test that shows why it was replaced).

The database keeps the exact figures; this module only writes what may be published.
:data:`TABLES` is the one description of the published tables (Dutch titles, headers and
explanations, which columns are counts and which shares/means derive from which counts,
which columns hold codes). The workbook, the CSV files and the protection all read it,
and tests check docs/indicators.md against it.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import polars as pl
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from leerwinkels.contract.tables import BY_NAME
from leerwinkels.indicators.tables import BREAKDOWN_DIMENSIONS, code_labels
from leerwinkels.privacy.pseudonymise import Pseudonymiser
from leerwinkels.publication.data_status import DataStatus, dutch_date
from leerwinkels.publication.dutch_text import assumptions_nl
from leerwinkels.publication.evidence_tables import published_grades
from leerwinkels.publication.print_setup import chart_sheet, data_line, set_print, wrap_explanation
from leerwinkels.publication.sroi_tables import (
    PAYER_LABELS,
    SCENARIO_LABELS,
    published_by_payer,
    published_input_values,
    published_sensitivity,
    published_sroi_ratios,
)

WORKBOOK_NAME = "leerwinkels_indicatoren.xlsx"
EXPLANATION_SHEET = "Toelichting"
SMALL_MIN, SMALL_MAX = 1, 4  # a count in [1, 4] is not published

Kind = Literal["key", "count", "share", "mean", "hours", "euro", "rate", "ratio", "flag", "text"]
# Excel number formats per kind (kinds without one stay "General").
NUMBER_FORMATS: dict[str, str] = {
    "key": "0",
    "count": "0",
    "share": "0.0%",
    "mean": "0.0",
    "hours": "0.0",
    "euro": "#,##0.00",
    "rate": "0%",
    "ratio": "0.00",
}
# what the workbook shows for an unknown sum (the CSV field is empty)
UNKNOWN_LABEL = "onbekend"
# Text a spreadsheet would run as a formula (OWASP "CSV injection" list).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    name: str  # database / CSV column name
    label: str  # Dutch header in the workbook
    description: str  # Dutch explanation (Toelichting sheet)
    kind: Kind
    # share/mean: the count columns it is computed from (suppress_small_cells blanked it when any was 1-4).
    derived_from: tuple[str, ...] = ()
    # codes shown as Dutch labels in the workbook: a fixed code list ...
    code_list: str | None = None
    # ... or the code list named per row: (column, {value of that column: code list}).
    code_list_by: tuple[str, dict[str, str]] | None = None
    # labels for a key that is not a code list of MODEL.md (dimension, direction)
    value_labels: dict[str, str] | None = None
    # published=False: a helper count used for suppression only, not written out.
    published: bool = True
    # --- protection (src/leerwinkels/publication/disclosure.py): how a published figure follows from the
    # perturbed counts, so that every published figure is computed from them.
    # share/mean = numerator / denominator. A numerator that is not a column of the table
    # (e.g. the agreeing answers of an insight share) is taken as value x denominator and
    # perturbed as a count of its own that is not written out.
    ratio: tuple[str, str] | None = None
    # the published value is clipped to this range (a share to [0, 1], a mean to its scale)
    value_range: tuple[float, float] | None = None
    # the sum of a column of another table over this table's key: (table, column)
    sum_of: tuple[str, str] | None = None
    # a headline figure (INDICATORS.md): published for every row where it can be computed
    headline: bool = False
    # an end of the Wilson 95 % interval of numerator / denominator, computed again from the
    # published counts like a ratio: (numerator, denominator, "low" or "high") (issue 16)
    wilson: tuple[str, str, Literal["low", "high"]] | None = None
    # ratio/wilson only in the rows whose column holds one of the values; blank in the others
    # (evidence_assumptions: shares only) (issue 16)
    only_rows: tuple[str, tuple[str, ...]] | None = None
    # the published value = published column minus column (e.g. net present value = present value - cost)
    difference: tuple[str, str] | None = None


@dataclass(frozen=True)
class NoiseTwin:
    """The same figure published in another table (issue 16): the protection gives it that
    cell's noise. ``key``: this table's columns (or ``=literal``) in the other table's key order;
    ``when``: only the rows whose column holds one of the values."""
    table: str
    column: str
    key: tuple[str, ...]
    when: tuple[str, tuple[str, ...]] | None = None


@dataclass(frozen=True)
class Table:
    name: str  # database table and CSV file name
    sheet: str  # workbook sheet (max. 31 characters)
    title: str
    description: str
    key: tuple[str, ...]
    columns: tuple[Column, ...] = field(default_factory=tuple)
    # per count (or hidden numerator): where the same figure is published in another table
    noise_twins: dict[str, tuple[NoiseTwin, ...]] = field(default_factory=dict)
    # a table published as computed again from the published frames of the tables before it
    # (the SROI tables that follow from the outcome counts: src/leerwinkels/publication/sroi_tables.py)
    recompute: Callable[[Mapping[str, pl.DataFrame]], pl.DataFrame] | None = None
    # columns computed again, after the counts are perturbed and the shares computed, from the
    # table's published frame and the tables published before it: (frame, published) -> frame
    # (SROI values and ratios: publication/sroi_tables.py; the evidence grade: publication/evidence_tables.py)
    derive: Callable[[pl.DataFrame, Mapping[str, pl.DataFrame]], pl.DataFrame] | None = None

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def published(self) -> list[Column]:
        return [c for c in self.columns if c.published]


def _published(table: str, name: str, kind: Kind, **protection: Any) -> Column:
    """A published column: its Dutch header and explanation are the catalogue's
    (src/leerwinkels/contract/tables.py); its kind and how it is protected are said here."""
    facts = BY_NAME[table].column(name)
    return Column(name, facts.label_nl, facts.explanation_nl, kind, **protection)


def _published_table(name: str, columns: tuple[Column, ...]) -> Table:
    """A published table: sheet, Dutch title, explanation and key from the catalogue."""
    facts = BY_NAME[name]
    return Table(name, facts.sheet, facts.title_nl, facts.description_nl, facts.key, columns)


_LEERWINKEL = _published(
    "ind_reach", "leerwinkel", "key",
    code_list="leerwinkel",
)
_YEAR = _published("ind_reach", "year", "key")
_YEAR_CLOSED = _published("ind_sroi", "year", "key")

_DIMENSION_LABELS = {
    "gender": "Geslacht",
    "age_band": "Leeftijd bij intake",
    "education_level": "Opleidingsniveau",
    "dutch_level": "Niveau Nederlands",
    "labour_status": "Arbeidssituatie bij intake",
    "inflow_channel": "Verwezen door",
    "learning_question": "Leervraag",
}
assert list(_DIMENSION_LABELS) == BREAKDOWN_DIMENSIONS

# A value of ind_sroi is a sum of outcome counts x proxies: it can give a small count away.
# The export blanks it when the smallest non-zero outcome count of the row is 1-4 (a helper
# column derived from ind_sroi_inputs by write_publication).
SROI_SMALLEST_COUNT = "smallest_outcome_count"
_SROI_OUTCOME_LABELS = {
    "work_from_invalidity": "Werk na ziekte-invaliditeit",
    "work_from_other_status": "Werk vanuit een andere situatie",
    "early_school_leaving_prevented": "Vroegtijdig schoolverlaten voorkomen",
    "training_started": "Opleiding gestart",
}

# issue 17: who gains and the tornado, published as computed again from the published
# (protected) outcome counts, so that they add nothing a reader could subtract
SROI_DERIVED_TABLES = [
    replace(
        _published_table(
            "ind_sroi_by_payer",
            (
                _LEERWINKEL,
                _YEAR_CLOSED,
                _published("ind_sroi_by_payer", "payer", "key", value_labels=PAYER_LABELS),
                _published("ind_sroi_by_payer", "scenario", "key", value_labels=SCENARIO_LABELS),
                _published("ind_sroi_by_payer", "value_eur", "euro"),
                _published("ind_sroi_by_payer", "parameter_version", "text"),
            ),
        ),
        recompute=published_by_payer,
    ),
    replace(
        _published_table(
            "ind_sroi_sensitivity",
            (
                _LEERWINKEL,
                _YEAR_CLOSED,
                _published("ind_sroi_sensitivity", "parameter", "key"),
                _published("ind_sroi_sensitivity", "ratio_low", "ratio"),
                _published("ind_sroi_sensitivity", "ratio_high", "ratio"),
                _published("ind_sroi_sensitivity", "parameter_version", "text"),
            ),
        ),
        recompute=published_sensitivity,
    ),
]

_INSIGHTS = ("insight_labour_market", "insight_strengths", "insight_barriers", "insight_learning")

# ---- issue 16: the evidence tables (EVIDENCE.md). Counts perturbed like every count; shares,
# Wilson intervals and bounds computed again from the perturbed counts, so that no exact figure
# of a protected cell can be recomputed from them. A numerator that is no column is perturbed as
# a count of its own (as the insight shares of ind_outcomes).
def _share(table: str, name: str, numerator: str, denominator: str, **more: Any) -> Column:
    return _published(table, name, "share", derived_from=(denominator,), ratio=(numerator, denominator), value_range=(0.0, 1.0), **more)


def _wilson(table: str, name: str, numerator: str, denominator: str, end: Literal["low", "high"], **more: Any) -> Column:
    return _published(table, name, "share", derived_from=(denominator,), wilson=(numerator, denominator, end), **more)


def _evidence_tables() -> list[Table]:
    from leerwinkels.evidence.assumptions import SHARE_INDICATORS
    from leerwinkels.evidence.context import CODED_DIMENSIONS

    ctx, bounds, follow, ev = "ind_outcomes_by_context", "ind_outcome_bounds", "ind_referral_followthrough", "evidence_assumptions"
    shares_only = ("indicator", tuple(SHARE_INDICATORS))
    lw_year = ("leerwinkel", "year")
    return [
        _published_table(ctx, (
            _LEERWINKEL, _YEAR_CLOSED,
            _published(ctx, "dimension", "key", value_labels={
                **{d: _DIMENSION_LABELS[d] for d in CODED_DIMENSIONS}, "vulnerable": "Kwetsbaar", "contacts_band": "Aantal contacten",
                "guidance_hours_band": "Begeleidingsuren", "referred_out": "Doorverwezen", "destination": "Doorverwezen naar"}),
            _published(ctx, "category", "key", code_list_by=("dimension", {**{d: d for d in CODED_DIMENSIONS}, "destination": "destination"})),
            _published(ctx, "closed_trajectories", "count"),
            _published(ctx, "responses_in_window", "count"),
            _published(ctx, "positive_in_window", "count"),
            _share(ctx, "positive_share", "positive_in_window", "responses_in_window"),
            _wilson(ctx, "positive_share_low", "positive_in_window", "responses_in_window", "low"),
            _wilson(ctx, "positive_share_high", "positive_in_window", "responses_in_window", "high"),
            _published(ctx, "working_in_window", "count"),
            _published(ctx, "in_training_in_window", "count"),
        )),
        replace(_published_table(bounds, (
            _LEERWINKEL, _YEAR_CLOSED,
            _published(bounds, "closed_trajectories", "count"),
            _published(bounds, "responses_in_window", "count"),
            _published(bounds, "positive_in_window", "count"),
            _share(bounds, "share_respondents", "positive_in_window", "responses_in_window", headline=True),
            _share(bounds, "share_weighted", "positive_weighted", "closed_trajectories"),
            _published(bounds, "closed_unobserved", "count"),
            _share(bounds, "bound_low", "positive_in_window", "closed_trajectories"),
            _share(bounds, "bound_high", "positive_or_unanswered", "closed_trajectories"),
        )), noise_twins={"closed_trajectories": (NoiseTwin("ind_outcomes", "closed_trajectories", lw_year),)}),
        replace(_published_table(follow, (
            _LEERWINKEL,
            _published(follow, "year", "key"),
            _published(follow, "destination", "key", code_list="destination"),
            _published(follow, "referred_trajectories", "count"),
            _published(follow, "responses_in_window", "count"),
            _published(follow, "followed_through", "count"),
            _share(follow, "followed_through_share", "followed_through", "responses_in_window"),
            _wilson(follow, "followed_through_share_low", "followed_through", "responses_in_window", "low"),
            _wilson(follow, "followed_through_share_high", "followed_through", "responses_in_window", "high"),
        )), noise_twins={"referred_trajectories": (NoiseTwin("ind_referrals", "trajectories", ("leerwinkel", "year", "=out", "destination")),)}),
        replace(_published_table(ev, (
            _LEERWINKEL,
            _published(ev, "year", "key"),
            _published(ev, "assumption", "key"),
            _published(ev, "indicator", "key"),
            _share(ev, "value", "value_successes", "n", only_rows=shares_only),
            _published(ev, "n", "count"),
            _wilson(ev, "ci_low", "value_successes", "n", "low", only_rows=shares_only),
            _wilson(ev, "ci_high", "value_successes", "n", "high", only_rows=shares_only),
            _published(ev, "grade", "text"),
            _published(ev, "rubric_version", "text"),
        )), derive=published_grades, noise_twins={
            "n": (
                NoiseTwin("ind_reach", "new_trajectories", lw_year, ("indicator", ("share_referred_in_by_partner",))),
                NoiseTwin("ind_outcomes", "closed_trajectories", lw_year, ("indicator", ("share_referred_out", "positive_outcome_bound_low"))),
                NoiseTwin("ind_outcome_bounds", "responses_in_window", lw_year, ("indicator", ("positive_outcome",))),
                # A4: one n (the year's counted outcomes) on three rows: one noise, not three to intersect
                NoiseTwin(ev, "n", ("leerwinkel", "year", "=A4", "=sroi_ratio"), ("indicator", ("sroi_ratio_low", "sroi_ratio_high"))),
            ),
            "value_successes": (
                NoiseTwin("ind_outcome_bounds", "positive_in_window", lw_year, ("indicator", ("positive_outcome", "positive_outcome_bound_low"))),
            ),
        }),
    ]


TABLES: dict[str, Table] = {
    t.name: t
    for t in [
        _published_table(
            "ind_reach",
            (
                _LEERWINKEL,
                _YEAR,
                _published(
                    "ind_reach", "new_trajectories", "count",
                    headline=True,
                ),
                _published("ind_reach", "active_trajectories", "count"),
                _published(
                    "ind_reach", "clients_reached", "count",
                    headline=True,
                ),
                _published("ind_reach", "new_clients", "count"),
                _published("ind_reach", "vulnerable_clients", "count"),
                _published(
                    "ind_reach", "share_vulnerable", "share",
                    derived_from=("vulnerable_clients", "clients_reached"),
                    ratio=("vulnerable_clients", "clients_reached"),
                    value_range=(0.0, 1.0),
                ),
                _published("ind_reach", "contacts", "count"),
                _published("ind_reach", "guidance_hours", "hours"),
            ),
        ),
        _published_table(
            "ind_reach_breakdown",
            (
                _LEERWINKEL,
                _YEAR,
                _published(
                    "ind_reach_breakdown", "dimension", "key",
                    value_labels=_DIMENSION_LABELS,
                ),
                _published(
                    "ind_reach_breakdown", "category", "key",
                    code_list_by=("dimension", {d: d for d in BREAKDOWN_DIMENSIONS}),
                ),
                _published("ind_reach_breakdown", "clients", "count"),
            ),
        ),
        _published_table(
            "ind_referrals",
            (
                _LEERWINKEL,
                _YEAR,
                _published(
                    "ind_referrals", "direction", "key",
                    value_labels={"in": "Instroom", "out": "Uitstroom"},
                ),
                _published(
                    "ind_referrals", "partner", "key",
                    code_list_by=("direction", {"in": "inflow_channel", "out": "destination"}),
                ),
                _published("ind_referrals", "trajectories", "count"),
            ),
        ),
        _published_table(
            "ind_outcomes",
            (
                _LEERWINKEL,
                _YEAR_CLOSED,
                _published("ind_outcomes", "closed_trajectories", "count"),
                _published("ind_outcomes", "responses", "count"),
                _published(
                    "ind_outcomes", "response_rate", "share",
                    derived_from=("responses", "closed_trajectories"),
                    ratio=("responses", "closed_trajectories"),
                    value_range=(0.0, 1.0),
                    headline=True,
                ),
                _published("ind_outcomes", "training_started", "count"),
                _published("ind_outcomes", "training_enrolled", "count"),
                _published("ind_outcomes", "working", "count"),
                _published("ind_outcomes", "in_training", "count"),
                _published("ind_outcomes", "jobseeker", "count"),
                _published("ind_outcomes", "qualification", "count"),
                *[
                    _published(
                        "ind_outcomes", name, "share",
                        derived_from=("responses", f"{name}_answered"),
                        ratio=(f"{name}_agreeing", f"{name}_answered"),
                        value_range=(0.0, 1.0),
                        headline=True,
                    )
                    for name in _INSIGHTS
                ],
                _published(
                    "ind_outcomes", "satisfaction_mean", "mean",
                    derived_from=("responses", "satisfaction_answered"),
                    ratio=("satisfaction_sum", "satisfaction_answered"),
                    value_range=(1.0, 10.0),
                ),
                *[
                    _published("ind_outcomes", f"{name}_answered", "count")
                    for name in _INSIGHTS
                ],
                _published("ind_outcomes", "satisfaction_answered", "count"),
            ),
        ),
        replace(_published_table(
            "ind_sroi_inputs",
            (
                _LEERWINKEL,
                _YEAR_CLOSED,
                _published(
                    "ind_sroi_inputs", "outcome", "key",
                    value_labels=_SROI_OUTCOME_LABELS,
                ),
                _published("ind_sroi_inputs", "count", "count"),
                _published("ind_sroi_inputs", "proxy_eur", "euro"),
                _published("ind_sroi_inputs", "deadweight", "rate"),
                _published("ind_sroi_inputs", "attribution", "rate"),
                _published(
                    "ind_sroi_inputs", "value_eur", "euro",
                    derived_from=("count",),
                ),
                _published("ind_sroi_inputs", "parameter_version", "text"),
                _published(
                    "ind_sroi_inputs", "present_value_eur", "euro",
                    derived_from=("count",),
                ),
            ),
        ), derive=published_input_values),  # value and present value from the published count
        replace(_published_table(
            "ind_sroi",
            (
                _LEERWINKEL,
                _YEAR_CLOSED,
                _published(
                    "ind_sroi", "value_eur", "euro",
                    derived_from=(SROI_SMALLEST_COUNT,),
                    sum_of=("ind_sroi_inputs", "value_eur"),
                ),
                _published("ind_sroi", "cost_eur", "euro"),
                _published(
                    "ind_sroi", "sroi_ratio", "ratio",
                    derived_from=(SROI_SMALLEST_COUNT,),
                    headline=True,
                ),
                _published(
                    "ind_sroi", "sroi_ratio_low", "ratio",
                    derived_from=(SROI_SMALLEST_COUNT,),
                ),
                _published(
                    "ind_sroi", "sroi_ratio_high", "ratio",
                    derived_from=(SROI_SMALLEST_COUNT,),
                ),
                _published("ind_sroi", "cost_complete", "flag"),
                _published("ind_sroi", "parameter_version", "text"),
                _published("ind_sroi", "assumptions", "text"),
                _published(
                    "ind_sroi", "present_value_eur", "euro",
                    derived_from=(SROI_SMALLEST_COUNT,),
                    sum_of=("ind_sroi_inputs", "present_value_eur"),
                ),
                _published(
                    "ind_sroi", "net_present_value_eur", "euro",
                    derived_from=(SROI_SMALLEST_COUNT,),
                    difference=("present_value_eur", "cost_eur"),
                ),
                Column(
                    SROI_SMALLEST_COUNT,
                    SROI_SMALLEST_COUNT,
                    "Hulpkolom: het kleinste niet-nul aantal van de uitkomsten van die rij "
                    "(uit ind_sroi_inputs); niet gepubliceerd.",
                    "count",
                    published=False,
                ),
            ),
        ), derive=published_sroi_ratios),  # the ratios from the published outcome counts
        *SROI_DERIVED_TABLES,
        *_evidence_tables(),
    ]
}


def _table(table_name: str) -> Table:
    try:
        return TABLES[table_name]
    except KeyError:
        raise KeyError(
            f"no publication metadata for table {table_name!r}: declare it in "
            "leerwinkels.publication.workbook.TABLES (counts and what each share derives from) "
            "before it can be published"
        ) from None


def _check_columns(df: pl.DataFrame, table: Table) -> None:
    """Every published column and every count a published share derives from must be
    there: without the count, a share of 1 to 4 people could not be recognised."""
    needed = [c.name for c in table.published]
    needed += [s for c in table.published for s in c.derived_from if s not in needed]
    missing = [name for name in needed if name not in df.columns]
    if missing:
        hint = {
            "ind_outcomes": " (build_outcomes(..., answered_counts=True) adds the *_answered counts)",
            "ind_sroi": f" (write_publication derives {SROI_SMALLEST_COUNT} from ind_sroi_inputs)",
        }.get(table.name, "")
        raise ValueError(f"{table.name}: columns missing for publication: {missing}{hint}")


# --------------------------------------------------------------------------- suppression


def suppress_small_cells(df: pl.DataFrame, table_name: str) -> pl.DataFrame:
    """A new frame in which every count from 1 to 4 is null, and so is every share or mean
    derived from such a count (as declared in :data:`TABLES`). 0 stays 0; ``df`` is not
    changed. Raises ValueError when a column or a count it needs is missing."""
    table = _table(table_name)
    _check_columns(df, table)
    present = set(df.columns)

    def small(name: str) -> pl.Expr:
        return pl.col(name).is_between(SMALL_MIN, SMALL_MAX).fill_null(False)

    blanked = []
    for col in table.columns:
        if col.name not in present:
            continue
        if col.kind == "count":
            condition = small(col.name)
        elif col.derived_from:
            condition = pl.any_horizontal(*[small(s) for s in col.derived_from])
        else:
            condition = None
        if condition is not None:
            blanked.append(pl.when(condition).then(None).otherwise(pl.col(col.name)).alias(col.name))
    return df.with_columns(blanked)


# --------------------------------------------------------------------------- helpers


def _is_formula_like(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def _escape_csv_text(df: pl.DataFrame) -> pl.DataFrame:
    """Text a spreadsheet would run as a formula gets a leading apostrophe."""
    pattern = "^[" + "".join(FORMULA_PREFIXES).replace("-", r"\-") + "]"
    return df.with_columns(
        pl.when(pl.col(c).str.contains(pattern))
        .then(pl.lit("'") + pl.col(c))
        .otherwise(pl.col(c))
        .alias(c)
        for c, dtype in df.schema.items()
        if dtype == pl.String
    )


def _labelled(df: pl.DataFrame, table: Table) -> pl.DataFrame:
    """Codes replaced by their Dutch labels (unknown codes are left as they are)."""
    labels = code_labels()
    by_list: dict[str, dict[str, str]] = {}
    for code_list, code, label in labels.select("code_list", "code", "label_nl").iter_rows():
        by_list.setdefault(code_list, {})[code] = label

    exprs = []
    for col in table.published:
        if col.code_list:
            exprs.append(pl.col(col.name).replace(by_list[col.code_list]))
        elif col.code_list_by:
            by_column, lists = col.code_list_by
            expr = pl.col(col.name)
            for value, code_list in lists.items():
                expr = (
                    pl.when(pl.col(by_column) == value)
                    .then(pl.col(col.name).replace(by_list[code_list]))
                    .otherwise(expr)
                )
            exprs.append(expr.alias(col.name))
        elif col.value_labels:
            exprs.append(pl.col(col.name).replace(col.value_labels))
        elif col.kind == "text" and col.name == "assumptions":  # English in the CSV, Dutch for the reader
            exprs.append(pl.col(col.name).map_elements(assumptions_nl, return_dtype=pl.String))
        elif col.kind == "flag":
            flag = pl.col(col.name)
            exprs.append(pl.when(flag).then(pl.lit("ja")).when(~flag).then(pl.lit("nee")).alias(col.name))
    # with_columns evaluates every expression on the codes, before any label replaces them
    return df.with_columns(exprs)


def dutch_labels(df: pl.DataFrame, table_name: str) -> pl.DataFrame:
    """``df`` (a published table, with all its published columns) with codes replaced by their
    Dutch labels, as the workbook shows them (the impact report's charts use the same words)."""
    return _labelled(df, _table(table_name))


def _write_file(path: Path, write: Callable[[io.BufferedWriter], object]) -> Path:
    """Write ``path`` and flush it to disk. No temporary name: the folder is a release
    being built (src/leerwinkels/publication/release.py), which readers only see once it is complete."""
    with open(path, "wb") as fh:
        write(fh)
        fh.flush()
        os.fsync(fh.fileno())
    return path


def _write_csv(df: pl.DataFrame, table: Table, path: Path) -> Path:
    out = _escape_csv_text(df.select(c.name for c in table.published))
    # quote_style "necessary" (the default) quotes a field holding , " or a newline.
    return _write_file(path, lambda fh: out.write_csv(fh, separator=","))


_BOLD = Font(bold=True)


class _Rows:
    """Writes a sheet row by row (openpyxl's ``ws.max_row`` rescans every cell)."""

    def __init__(self, ws) -> None:
        self.ws = ws
        self.row = 0

    def append(self, values: list[object] | tuple[object, ...], bold: bool = False) -> None:
        """The next row; text that looks like a formula stays text (quote prefix)."""
        self.row += 1
        for j, value in enumerate(values, start=1):
            cell = self.ws.cell(row=self.row, column=j, value=value)
            if _is_formula_like(value):
                cell.data_type = "s"  # openpyxl stores a str starting with "=" as a formula
                cell.quotePrefix = True
            if bold:
                cell.font = _BOLD


# Dutch explanation of the protection (src/leerwinkels/publication/disclosure.py, docs/indicators.md).
PROTECTION_TEXT = [
    "Bescherming: niemand mag herkenbaar zijn, ook niet door cijfers van elkaar af te trekken "
    "(tussen tabellen, tussen de Leerwinkels en 'Netwerk', of tussen twee publicaties na "
    "elkaar). Daarom is elk aantal groter dan 0 licht verstoord: er is een geheim maar vast "
    "getal van -{n} tot en met +{n} bij opgeteld (nooit onder 0). Een aantal 0 blijft 0. "
    "Dezelfde cel krijgt elke nacht dezelfde verstoring, zodat een nieuwe publicatie alleen "
    "de echte wijziging toont.",
    "Aandelen, gemiddelden, waarden in euro en de SROI-ratio zijn berekend op de verstoorde "
    "aantallen (een aandeel = het gepubliceerde aantal gedeeld door de gepubliceerde noemer), "
    "zodat de tabellen onderling kloppen. Zo staan de kerncijfers (nieuwe trajecten, "
    "bereikte cliënten, de resultaataandelen en de SROI-ratio) er voor elke Leerwinkel en elk "
    "jaar. Een leeg aandeel of een lege ratio betekent: niet te berekenen (een gepubliceerde "
    "noemer 0, of geen kost); bij een noemer tot {n} kan dat ook door de verstoring zijn.",
    "Let op: de rij 'Netwerk' is apart verstoord en is dus niet precies de som van de "
    "Leerwinkels; ook de categorieën van een kenmerk en de partners tellen niet precies op "
    "tot het totaal. Gebruik voor het netwerk de rij 'Netwerk'. Kleine aantallen zijn "
    "onzeker: een gepubliceerde 0 kan 0 tot {n} zijn, een gepubliceerd aantal p ligt tussen "
    "p-{n} en p+{n}. De databank van het netwerk bewaart de exacte cijfers.",
    "Waarom zo: kleine aantallen weglaten beschermt niet, omdat een weggelaten cel uit de "
    "andere cellen terug te rekenen is, en elke nacht opnieuw weglaten verraadt na een "
    "nieuwe inschrijving de cel van gisteren. Ruis die elke nacht anders is, kan over "
    "publicaties heen uitgemiddeld worden; vaste ruis per cel niet.",
]
# Dutch explanation of the evidence tables (issue 16, EVIDENCE.md): window, interval, bounds, grades.
EVIDENCE_TEXT = [
    "Bewijs voor de aannames van de studie (tabbladen 'Resultaten naar context', 'Resultaten en non-respons', "
    "'Doorverwijzing opgevolgd' en 'Bewijs aannames'). Uitkomstvenster: een antwoord op de nazorgenquête telt "
    "alleen mee als het {first} tot {last} dagen na de afsluiting van het traject gegeven werd, zodat een antwoord "
    "een week na de afsluiting en een antwoord twee jaar later niet even zwaar wegen.",
    "Interval: bij elk aandeel staat een 95%-betrouwbaarheidsinterval (methode van Wilson). Het echte aandeel ligt "
    "met grote waarschijnlijkheid tussen de onder- en de bovengrens; hoe minder antwoorden, hoe breder het interval.",
    "Grenzen: wie niet antwoordt, is niet wie wel antwoordt. De ondergrens is het aandeel als niemand die niet "
    "antwoordde een positief resultaat had, de bovengrens als iedereen dat had: het echte aandeel ligt daar zeker "
    "tussen. Het herwogen aandeel laat elke groep (arbeidssituatie x leeftijd bij intake) meetellen naar het aantal "
    "afgesloten trajecten in die groep.",
    "Sterkte van het bewijs: sterk, matig, zwak, aanwijzingen of geen gegevens, volgens een beoordelingsschema "
    "(versie {version}) waarvan elke drempel een aanname is tot het onderzoeksteam ze vastlegt. Ook hier zijn de "
    "aantallen verstoord en de aandelen en intervallen op de verstoorde aantallen berekend.",
]
LOSS_LABELS = {
    "table": "Tabel",
    "count_cells": "Aantallen",
    "perturbed_cells": "Verstoorde aantallen (niet 0)",
    "changed_cells": "Gewijzigd",
    "max_abs_change": "Grootste verschil",
    "mean_abs_change": "Gemiddeld verschil",
    "headline_cells": "Kerncijfers te berekenen",
    "headline_published": "Kerncijfers gepubliceerd",
}


def _explanation(ws, tables: list[Table], run_id: str | None, loss: pl.DataFrame | None = None,
                 status: DataStatus | None = None) -> None:
    """The first sheet: what the workbook holds, the protection, its information loss,
    every column."""
    from leerwinkels.publication.disclosure import NOISE_MAX

    ws.title = EXPLANATION_SHEET
    rows = _Rows(ws)
    rows.append(["Leerwinkels - indicatoren"], bold=True)
    rows.append([data_line(status)], bold=True)
    rows.append([f"Run: {run_id}" if run_id else "Run: (niet opgegeven)"])
    rows.append([])
    for text in [
        "Elke tabel heeft een rij per Leerwinkel en voor het hele netwerk ('Netwerk'), per "
        "kalenderjaar vanaf de eerste intake tot het jaar van de gegevens, ook waar een aantal "
        "0 is. In 'Netwerk' telt een cliënt die bij twee Leerwinkels kwam één keer; trajecten "
        "tellen op.",
        *[t.format(n=NOISE_MAX) for t in PROTECTION_TEXT],
        *_evidence_text(tables),
        "In dit werkboek staan de Nederlandse benamingen; de CSV-bestanden (UTF-8, komma als "
        "scheidingsteken) bevatten dezelfde cijfers met de codes en de kolomnamen van de "
        "databank.",
    ]:
        rows.append([text])
    if status is not None:
        rows.append([])
        rows.append(["Gegevens per Leerwinkel (datum van het nieuwste bestand waarop de cijfers steunen)"], bold=True)
        rows.append(["Leerwinkel", "Gegevens tot", "Toestand"], bold=True)
        for lw in status.leerwinkels:
            rows.append([lw.label, dutch_date(lw.data_date) if lw.data_date else "geen gegevens", lw.state_nl])
    if loss is not None:
        rows.append([])
        rows.append(["Informatieverlies door de verstoring (per tabel; verschil = |gepubliceerd - exact|)"], bold=True)
        rows.append([LOSS_LABELS[c] for c in loss.columns], bold=True)
        sheets = {t.name: t.sheet for t in tables}
        for row in loss.with_columns(pl.col("table").replace(sheets), pl.col("mean_abs_change").round(2)).iter_rows():
            rows.append(list(row))
    for table in tables:
        rows.append([])
        rows.append([f"Tabblad '{table.sheet}': {table.title}"], bold=True)
        rows.append([f"Bestand {table.name}.csv. {table.description}"])
        rows.append(["Kolom", "Kolom in CSV", "Uitleg"], bold=True)
        for col in table.published:
            rows.append([col.label, col.name, col.description])
    wrap_explanation(ws)  # paragraphs and explanations wrapped to the page width


def _evidence_text(tables: list[Table]) -> list[str]:
    """:data:`EVIDENCE_TEXT` with the window and rubric version of evidence/parameters.yaml, when
    an evidence table is published (issue 16)."""
    if not any(t.name in {"ind_outcomes_by_context", "ind_outcome_bounds", "ind_referral_followthrough", "evidence_assumptions"}
               for t in tables):
        return []
    from leerwinkels.evidence.parameters import load_parameters

    params = load_parameters()
    first, last = params.window
    return [t.format(first=first, last=last, version=params.version) for t in EVIDENCE_TEXT]


def _table_sheet(wb: Workbook, df: pl.DataFrame, table: Table) -> None:
    """One sheet: Dutch headers, codes as labels, number formats, frozen header row."""
    ws = wb.create_sheet(table.sheet)
    columns = table.published
    labelled = _labelled(df.select(c.name for c in columns), table)
    rows = _Rows(ws)
    rows.append([c.label for c in columns], bold=True)
    for row in labelled.iter_rows():
        rows.append(row)
    for j, col in enumerate(columns, start=1):
        values = labelled.get_column(col.name)
        if values.dtype == pl.String:
            longest = max((len(v) for v in values.drop_nulls()), default=0)
        else:
            longest = 12
            for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                cell.number_format = NUMBER_FORMATS.get(col.kind, "General")
                # a sum over values the source does not have is unknown (null), never 0
                # (guidance_hours of a Leerwinkel without durations); the CSV leaves it empty
                if col.kind == "hours" and cell.value is None:
                    cell.value = UNKNOWN_LABEL
        ws.column_dimensions[get_column_letter(j)].width = min(max(len(col.label), longest) + 2, 60)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions


# --------------------------------------------------------------------------- entry point


def _with_sroi_smallest_count(tables: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Adds :data:`SROI_SMALLEST_COUNT` to ind_sroi from ind_sroi_inputs (when both are
    given and ind_sroi lacks it): per Leerwinkel and year the smallest outcome count
    above 0, else 0."""
    sroi, inputs = tables.get("ind_sroi"), tables.get("ind_sroi_inputs")
    if sroi is None or inputs is None or SROI_SMALLEST_COUNT in sroi.columns:
        return tables
    keys = ["leerwinkel", "year"]
    smallest = (
        inputs.filter(pl.col("count") > 0)
        .group_by(keys)
        .agg(pl.col("count").min().cast(pl.Int64).alias(SROI_SMALLEST_COUNT))
    )
    enriched = sroi.join(
        smallest.with_columns(pl.col("year").cast(sroi.schema["year"])), on=keys, how="left"
    ).with_columns(pl.col(SROI_SMALLEST_COUNT).fill_null(0))
    return {**tables, "ind_sroi": enriched}


def published_frames(tables: dict[str, pl.DataFrame], *, pseudonymiser: Pseudonymiser) -> dict[str, pl.DataFrame]:
    """The figures exactly as the CSV files publish them (protected, published columns only,
    codes not labelled, text not formula-escaped): what the warehouse's ``pub_*`` tables hold."""
    from leerwinkels.publication.disclosure import protect  # disclosure reads TABLES from this module

    protected, _loss = protect(tables, pseudonymiser)
    return {t.name: protected[t.name].select(c.name for c in t.published) for t in TABLES.values() if t.name in tables}


def write_publication(
    tables: dict[str, pl.DataFrame], out_dir: Path, run_id: str | None = None, *, pseudonymiser: Pseudonymiser,
    data_status: DataStatus | None = None,
) -> list[Path]:
    """Write ``<table>.csv`` for every table and the workbook :data:`WORKBOOK_NAME`
    (explanation sheet first, then one sheet per table in :data:`TABLES` order), all
    protected by :func:`leerwinkels.publication.disclosure.protect` under the network key of
    ``pseudonymiser``, into ``out_dir``: a folder no reader uses yet -- the pipeline
    publishes through :func:`leerwinkels.publication.release.publish_release`, which gives it a new
    release folder and switches to it once complete. Returns the paths written (the CSV
    files, then the workbook). A table without metadata in :data:`TABLES`, or without a
    column its protection needs, is refused before anything is written. ``data_status``
    (:func:`leerwinkels.publication.data_status.data_status`) puts the data date and the
    Leerwinkels on old data in the workbook's page headers and explanation."""
    from leerwinkels.publication.disclosure import protect  # disclosure reads TABLES from this module

    out_dir = Path(out_dir)
    for name in tables:
        _table(name)  # refuse undeclared tables (their counts would go out unprotected)
    ordered = [TABLES[name] for name in TABLES if name in tables]
    suppressed, loss = protect(tables, pseudonymiser)

    out_dir.mkdir(parents=True, exist_ok=True)
    written = [_write_csv(suppressed[t.name], t, out_dir / f"{t.name}.csv") for t in ordered]

    wb = Workbook()
    _explanation(wb.active, ordered, run_id, loss, data_status)
    set_print(wb.active, data_status, title_rows=None)
    for table in ordered:
        _table_sheet(wb, suppressed[table.name], table)
        set_print(wb[table.sheet], data_status)
    leerwinkels = code_labels().filter(pl.col("code_list") == "leerwinkel")
    chart_sheet(wb, suppressed, data_status, dict(leerwinkels.select("code", "label_nl").iter_rows()))
    wb.properties.title = "Leerwinkels - indicatoren"
    if run_id:
        wb.properties.identifier = run_id
    # Saved into memory first: openpyxl's zip writer, failing mid-file (disk full), leaves a
    # ZipFile whose finaliser prints a traceback; in memory it cannot fail that way.
    buffer = io.BytesIO()
    wb.save(buffer)
    written.append(_write_file(out_dir / WORKBOOK_NAME, lambda fh: fh.write(buffer.getbuffer())))
    if "ind_sroi_inputs" in suppressed and "ind_sroi" in suppressed:  # issue 17: from the published figures
        from leerwinkels.publication.sroi_tables import parameters_for
        from leerwinkels.publication.value_map import write_value_map

        params = parameters_for(suppressed["ind_sroi_inputs"], "sroi_value_map")
        written.append(write_value_map(suppressed, out_dir, params, _write_file))
    return written


__all__ = [
    "EXPLANATION_SHEET",
    "TABLES",
    "WORKBOOK_NAME",
    "Column",
    "dutch_labels",
    "Table",
    "published_frames",
    "suppress_small_cells",
    "write_publication",
]
