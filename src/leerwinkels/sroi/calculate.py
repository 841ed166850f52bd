"""SROI: the study's case reproduced, yearly SROI inputs and ratios (spec: SROI.md).

All proxies, rates and the study's case live in one versioned parameter file
(`sroi/parameters.yaml`), so that a data steward changes them without touching code.

- `load_parameters(path=None)` reads and validates that file (`SroiParameterError`).
- `classify_outcomes(trajectories, followups)`: the outcome of each follow-up response
  of a closed trajectory.
- `build_sroi_inputs(trajectories, followups, params, as_of)`: `ind_sroi_inputs`.
- `build_sroi(sroi_inputs, costs, params, *, trajectories=None)`: `ind_sroi`.
- `missing_cost_rows(costs, trajectories, as_of)`: Leerwinkel-years without a cost row.
- `case_study_table(params)`: `sroi_case_studies` (the study's MKBA cases, with totals).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

import polars as pl
import yaml

from leerwinkels.indicators.tables import LEERWINKELS, NETWORK, indicator_years
from leerwinkels.project_files import SROI_PARAMETERS

__all__ = [
    "ENV_PARAMETERS",
    "LEERWINKELS",
    "OUTCOMES",
    "SroiParameterError",
    "SroiParameters",
    "assumptions_text",
    "build_sroi",
    "build_sroi_inputs",
    "case_study_table",
    "classify_outcomes",
    "default_parameters_path",
    "load_parameters",
    "missing_cost_rows",
    "outcome_expr",
]

ENV_PARAMETERS = "LEERWINKELS_SROI_PARAMETERS"
# The rules' order: a response counts for the first outcome whose rule it meets.
OUTCOMES = (
    "work_from_invalidity",
    "work_from_other_status",
    "early_school_leaving_prevented",
    "training_started",
)
CLOSED_STATUSES = ("completed", "stopped")
OTHER_LABOUR_STATUSES = ("jobseeker", "social_assistance", "student", "other", "unknown")
LOW_EDUCATION = ("none", "primary", "lower_secondary")
EARLY_SCHOOL_LEAVING_MAX_AGE = 25  # age at intake strictly under this
ASSUMPTION_PREFIX = "assumption"
CENT = Decimal("0.01")


# --------------------------------------------------------------------------- parameters


class SroiParameterError(ValueError):
    """The SROI parameter file is missing, unreadable or invalid; the message says why."""


@dataclass(frozen=True)
class ProxyItem:
    name: str
    amount_eur: Decimal
    source: str
    description: str | None = None

    @property
    def is_assumption(self) -> bool:
        return _is_assumption(self.source)


@dataclass(frozen=True)
class Rate:
    value: float
    source: str
    note: str | None = None

    @property
    def is_assumption(self) -> bool:
        return _is_assumption(self.source)


@dataclass(frozen=True)
class Scenario:
    deadweight: float
    attribution: float

    @property
    def factor(self) -> float:
        return (1 - self.deadweight) * (1 - self.attribution)


@dataclass(frozen=True)
class CaseItem:
    item: str
    benefits: Decimal | None
    costs: Decimal | None


@dataclass(frozen=True)
class CaseStudy:
    name: str
    title: str | None
    source: str | None
    items: tuple[CaseItem, ...]
    published_benefits: Decimal | None = None
    published_costs: Decimal | None = None

    @property
    def total_benefits(self) -> Decimal:
        return sum((i.benefits for i in self.items if i.benefits is not None), Decimal(0))

    @property
    def total_costs(self) -> Decimal:
        return sum((i.costs for i in self.items if i.costs is not None), Decimal(0))

    @property
    def net_effect_government(self) -> Decimal:
        return self.total_benefits - self.total_costs


@dataclass(frozen=True)
class SroiParameters:
    path: Path
    version: str
    items: Mapping[str, ProxyItem]
    outcomes: Mapping[str, tuple[str, ...]]  # outcome -> the item names its proxy sums
    deadweight: Rate
    attribution: Rate
    low: Scenario
    high: Scenario
    case_studies: tuple[CaseStudy, ...]

    @property
    def central(self) -> Scenario:
        return Scenario(self.deadweight.value, self.attribution.value)

    def proxy_eur(self, outcome: str) -> Decimal:
        """The outcome's financial proxy per person per year: the sum of its items."""
        return sum((self.items[n].amount_eur for n in self.outcomes[outcome]), Decimal(0))

    def proxy_is_assumption(self, outcome: str) -> bool:
        return any(self.items[n].is_assumption for n in self.outcomes[outcome])


def _is_assumption(source: str) -> bool:
    return source.strip().lower().startswith(ASSUMPTION_PREFIX)


def default_parameters_path() -> Path:
    """`$LEERWINKELS_SROI_PARAMETERS`, else `sroi/parameters.yaml` at the repository root."""
    env = os.environ.get(ENV_PARAMETERS)
    if env:
        return Path(env)
    return SROI_PARAMETERS


def load_parameters(path: str | os.PathLike[str] | None = None) -> SroiParameters:
    """Read and validate the SROI parameter file.

    Raises `SroiParameterError` naming the file and every problem found.
    """
    p = Path(path) if path is not None else default_parameters_path()
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise SroiParameterError(
            f"SROI parameter file {p}: cannot be read ({exc.strerror or exc})"
        ) from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise SroiParameterError(f"SROI parameter file {p}: not valid YAML{where}") from None
    problems: list[str] = []
    params = _parse(p, raw, problems)
    if problems or params is None:
        raise SroiParameterError(f"SROI parameter file {p}: " + "; ".join(problems))
    return params


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return Decimal(str(value))


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _parse(path: Path, raw: Any, problems: list[str]) -> SroiParameters | None:
    if not isinstance(raw, dict):
        problems.append("expected a mapping with version, items, outcomes, deadweight, "
                        "attribution, sensitivity and case_studies")
        return None

    version = raw.get("version")
    if version is None or (isinstance(version, str) and not version.strip()):
        problems.append("missing version (e.g. version: \"2026.1\")")
    elif not isinstance(version, str):
        problems.append(f"version must be a quoted string, e.g. version: \"{version}\"")

    items = _parse_items(raw.get("items"), problems)
    outcomes = _parse_outcomes(raw.get("outcomes"), items, problems)
    deadweight = _parse_rate(raw.get("deadweight"), "deadweight", problems)
    attribution = _parse_rate(raw.get("attribution"), "attribution", problems)
    low, high = _parse_sensitivity(raw.get("sensitivity"), problems)
    case_studies = _parse_case_studies(raw.get("case_studies"), problems)

    if problems:
        return None
    assert isinstance(version, str) and deadweight and attribution and low and high
    return SroiParameters(
        path=path,
        version=version.strip(),
        items=MappingProxyType(items),
        outcomes=MappingProxyType(outcomes),
        deadweight=deadweight,
        attribution=attribution,
        low=low,
        high=high,
        case_studies=case_studies,
    )


def _parse_items(raw: Any, problems: list[str]) -> dict[str, ProxyItem]:
    if not isinstance(raw, dict) or not raw:
        problems.append("missing items (the financial proxy items, each with amount_eur and source)")
        return {}
    items: dict[str, ProxyItem] = {}
    for name, spec in raw.items():
        if not isinstance(spec, dict):
            problems.append(f"item '{name}' must have amount_eur and source")
            continue
        amount = _number(spec.get("amount_eur"))
        source = _text(spec.get("source"))
        if "amount_eur" not in spec or spec["amount_eur"] is None:
            problems.append(f"item '{name}' has no amount_eur (a number in EUR)")
        elif amount is None:
            problems.append(
                f"item '{name}': amount_eur {spec['amount_eur']!r} is not a number "
                "(write e.g. 22953.84, without thousands separators)"
            )
        if source is None:
            problems.append(f"item '{name}' has no source")
        if amount is not None and source is not None:
            items[str(name)] = ProxyItem(str(name), amount, source, _text(spec.get("description")))
    return items


def _parse_outcomes(
    raw: Any, items: Mapping[str, ProxyItem], problems: list[str]
) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict):
        problems.append(f"missing outcomes (expected {', '.join(OUTCOMES)})")
        return {}
    outcomes: dict[str, tuple[str, ...]] = {}
    for name in raw:
        if name not in OUTCOMES:
            problems.append(f"unknown outcome '{name}' (expected {', '.join(OUTCOMES)})")
    for name in OUTCOMES:
        if name not in raw:
            problems.append(f"outcome '{name}' is missing")
            continue
        spec = raw[name]
        proxy = spec.get("proxy") if isinstance(spec, dict) else None
        if (
            not isinstance(proxy, list)
            or not proxy
            or not all(isinstance(n, str) and n for n in proxy)
        ):
            problems.append(f"outcome '{name}' has no proxy (a list of item names)")
            continue
        unknown = [n for n in proxy if n not in items]
        for n in unknown:
            problems.append(f"outcome '{name}' refers to unknown item '{n}'")
        if not unknown:
            outcomes[name] = tuple(proxy)
    return outcomes


def _check_share(value: Any, label: str, problems: list[str]) -> float | None:
    number = _number(value)
    if number is None:
        problems.append(f"{label} is missing or not a number")
        return None
    if not Decimal(0) <= number <= Decimal(1):
        problems.append(f"{label} {value} is outside 0-1")
        return None
    return float(number)


def _parse_rate(raw: Any, name: str, problems: list[str]) -> Rate | None:
    if not isinstance(raw, dict):
        problems.append(f"missing {name} (value between 0 and 1, and source)")
        return None
    value = _check_share(raw.get("value"), name, problems)
    source = _text(raw.get("source"))
    if source is None:
        problems.append(f"{name} has no source (write 'assumption' if it is one)")
    if value is None or source is None:
        return None
    return Rate(value, source, _text(raw.get("note")))


def _parse_sensitivity(raw: Any, problems: list[str]) -> tuple[Scenario | None, Scenario | None]:
    if not isinstance(raw, dict):
        problems.append("missing sensitivity (low and high, each with deadweight and attribution)")
        return None, None
    scenarios: list[Scenario | None] = []
    for case in ("low", "high"):
        spec = raw.get(case)
        if not isinstance(spec, dict):
            problems.append(f"missing sensitivity.{case} (deadweight and attribution)")
            scenarios.append(None)
            continue
        dw = _check_share(spec.get("deadweight"), f"sensitivity.{case}.deadweight", problems)
        at = _check_share(spec.get("attribution"), f"sensitivity.{case}.attribution", problems)
        scenarios.append(Scenario(dw, at) if dw is not None and at is not None else None)
    return scenarios[0], scenarios[1]


def _parse_case_studies(raw: Any, problems: list[str]) -> tuple[CaseStudy, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        problems.append("case_studies must map a case name to its items")
        return ()
    cases: list[CaseStudy] = []
    for name, spec in raw.items():
        rows = spec.get("items") if isinstance(spec, dict) else None
        if not isinstance(rows, list) or not rows:
            problems.append(f"case study '{name}' has no items")
            continue
        items: list[CaseItem] = []
        for n, row in enumerate(rows, start=1):
            label = _text(row.get("item")) if isinstance(row, dict) else None
            if label is None:
                problems.append(f"case study '{name}' item {n} has no item label")
                continue
            values: dict[str, Decimal | None] = {}
            for column in ("benefits", "costs"):
                value = row.get(column)
                values[column] = None if value is None else _number(value)
                if value is not None and values[column] is None:
                    problems.append(
                        f"case study '{name}' item '{label}': {column} must be a number or null"
                    )
            items.append(CaseItem(label, values["benefits"], values["costs"]))
        published = spec.get("published_total") or {}
        cases.append(
            CaseStudy(
                name=str(name),
                title=_text(spec.get("title")),
                source=_text(spec.get("source")),
                items=tuple(items),
                published_benefits=_number(published.get("benefits")),
                published_costs=_number(published.get("costs")),
            )
        )
    return tuple(cases)


def assumptions_text(params: SroiParameters) -> str:
    """A short text naming the parameters that are assumptions, not figures from the study."""
    parts: list[str] = []
    rates = [r for r in ("deadweight", "attribution") if getattr(params, r).is_assumption]
    if rates:
        named = " and ".join(f"{r} {getattr(params, r).value:.2f}" for r in rates)
        verb = "are assumptions" if len(rates) > 1 else "is an assumption"
        parts.append(
            f"{named} {verb} (study publishes none; sensitivity low "
            f"{params.low.deadweight:.2f}/{params.low.attribution:.2f}, high "
            f"{params.high.deadweight:.2f}/{params.high.attribution:.2f})"
        )
    for outcome in OUTCOMES:
        if params.proxy_is_assumption(outcome):
            parts.append(f"{outcome} valued at {_eur(params.proxy_eur(outcome))} (assumed proxy)")
    parts.append("respondents only; one year, no drop-off or discounting")
    return "; ".join(parts)


def _eur(amount: Decimal) -> str:
    cents = amount.quantize(CENT)
    return f"{cents:,.0f}" if cents == cents.to_integral_value() else f"{cents:,.2f}"


# --------------------------------------------------------------------------- outcomes


def outcome_expr() -> pl.Expr:
    """The SROI.md outcome of a response joined with its trajectory (null: no outcome).

    `when` chains stop at the first rule met, so each response counts at most once, in
    the table's order. Employed at intake and working now is no work outcome.
    """
    working = pl.col("situation") == "working"
    early_school_leaving = (
        (pl.col("age_at_intake") < EARLY_SCHOOL_LEAVING_MAX_AGE).fill_null(False)
        & pl.col("education_level").is_in(LOW_EDUCATION)
        & ((pl.col("situation") == "in_training") | pl.col("qualification").fill_null(False))
    )
    return (
        pl.when((pl.col("labour_status") == "sickness_invalidity") & working)
        .then(pl.lit("work_from_invalidity"))
        .when(pl.col("labour_status").is_in(OTHER_LABOUR_STATUSES) & working)
        .then(pl.lit("work_from_other_status"))
        .when(early_school_leaving)
        .then(pl.lit("early_school_leaving_prevented"))
        .when(pl.col("training_started") == "yes")
        .then(pl.lit("training_started"))
        .otherwise(pl.lit(None, dtype=pl.String))
        .alias("outcome")
    )


def classify_outcomes(trajectories: pl.DataFrame, followups: pl.DataFrame) -> pl.DataFrame:
    """One row per follow-up response of a closed trajectory (completed or stopped, with a
    closing date): trajectory_key, leerwinkel, year (closing year), outcome (null: none)."""
    closed = trajectories.filter(
        pl.col("status").is_in(CLOSED_STATUSES) & pl.col("closed_date").is_not_null()
    ).select(
        "trajectory_key",
        "leerwinkel",
        pl.col("closed_date").dt.year().cast(pl.Int64).alias("year"),
        "labour_status",
        "age_at_intake",
        "education_level",
    )
    return (
        followups.select("trajectory_key", "training_started", "situation", "qualification")
        .join(closed, on="trajectory_key", how="inner", maintain_order="left")
        .select("trajectory_key", "leerwinkel", "year", outcome_expr())
    )


# --------------------------------------------------------------------------- yearly tables


def _as_date(as_of: date | str) -> date:
    return date.fromisoformat(as_of) if isinstance(as_of, str) else as_of


def _scenario_value(scenario: Scenario) -> pl.Expr:
    """count x proxy x (1 - deadweight) x (1 - attribution), in cents rounded half up."""
    return (pl.col("count") * pl.col("proxy_eur") * scenario.factor).round(
        2, mode="half_away_from_zero"
    )


def build_sroi_inputs(
    trajectories: pl.DataFrame,
    followups: pl.DataFrame,
    params: SroiParameters,
    as_of: date | str,
) -> pl.DataFrame:
    """`ind_sroi_inputs`: one row per leerwinkel (six + `all`) x closing year x outcome,
    zero rows included; value = count x proxy x (1 - deadweight) x (1 - attribution)."""
    years = indicator_years(trajectories, _as_date(as_of))
    counted = classify_outcomes(trajectories, followups).filter(
        pl.col("outcome").is_not_null()
        & pl.col("leerwinkel").is_in(LEERWINKELS)
        & pl.col("year").is_in(years)
    )
    per_leerwinkel = counted.group_by("leerwinkel", "year", "outcome").agg(
        pl.len().cast(pl.Int64).alias("count")
    )
    network = per_leerwinkel.group_by("year", "outcome").agg(
        pl.lit(NETWORK).alias("leerwinkel"), pl.col("count").sum()
    )
    counts = pl.concat([per_leerwinkel, network.select(per_leerwinkel.columns)])

    proxies = pl.DataFrame(
        {
            "outcome": list(OUTCOMES),
            "proxy_eur": [float(params.proxy_eur(o).quantize(CENT)) for o in OUTCOMES],
        },
        schema={"outcome": pl.String, "proxy_eur": pl.Float64},
    )
    grid = _leerwinkel_years(years).join(pl.DataFrame({"outcome": list(OUTCOMES)}), how="cross")
    return (
        grid.join(counts, on=["leerwinkel", "year", "outcome"], how="left")
        .join(proxies, on="outcome", how="left")
        .with_columns(
            pl.col("count").fill_null(0),
            pl.lit(params.deadweight.value, dtype=pl.Float64).alias("deadweight"),
            pl.lit(params.attribution.value, dtype=pl.Float64).alias("attribution"),
            pl.lit(params.version, dtype=pl.String).alias("parameter_version"),
        )
        .with_columns(_scenario_value(params.central).alias("value_eur"))
        .select(
            "leerwinkel", "year", "outcome", "count", "proxy_eur",
            "deadweight", "attribution", "value_eur", "parameter_version",
        )
        .sort("leerwinkel", "year", "outcome")
    )


def _leerwinkel_years(years: list[int], leerwinkels: list[str] | None = None) -> pl.DataFrame:
    """The key grid: every Leerwinkel (default: the six and `all`) x every year."""
    codes = [*LEERWINKELS, NETWORK] if leerwinkels is None else leerwinkels
    return pl.DataFrame({"leerwinkel": codes}, schema={"leerwinkel": pl.String}).join(
        pl.DataFrame({"year": years}, schema={"year": pl.Int64}), how="cross"
    )


def _active_pairs(trajectories: pl.DataFrame, years: list[int]) -> pl.DataFrame:
    """(leerwinkel, year) where the Leerwinkel has a trajectory active in that year."""
    year_frame = pl.DataFrame({"year": years}, schema={"year": pl.Int64})
    return (
        trajectories.filter(pl.col("leerwinkel").is_in(LEERWINKELS))
        .select(
            "leerwinkel",
            pl.col("intake_date").dt.year().cast(pl.Int64).alias("first"),
            pl.col("closed_date").dt.year().cast(pl.Int64).alias("last"),
        )
        .join(year_frame, how="cross")
        .filter(
            (pl.col("first") <= pl.col("year"))
            & (pl.col("last").is_null() | (pl.col("last") >= pl.col("year")))
        )
        .select("leerwinkel", "year")
        .unique()
    )


def _cost_rows(costs: pl.DataFrame) -> pl.DataFrame:
    """leerwinkel, year, cost_eur (staff + operating), one row per Leerwinkel-year."""
    return (
        costs.filter(pl.col("leerwinkel").is_in(LEERWINKELS))
        .with_columns(pl.col("year").cast(pl.Int64))
        .group_by("leerwinkel", "year")
        .agg(
            (pl.col("staff_cost").fill_null(0) + pl.col("operating_cost").fill_null(0))
            .sum()
            .alias("cost_eur")
        )
    )


def missing_cost_rows(
    costs: pl.DataFrame, trajectories: pl.DataFrame, as_of: date | str
) -> pl.DataFrame:
    """(leerwinkel, year) in the indicator years where the Leerwinkel has a trajectory
    active in that year but the cost file has no row: its SROI ratio is null and the
    network's (`all`) ratio is computed on the costs present (cost_complete false)."""
    years = indicator_years(trajectories, _as_date(as_of))
    present = _cost_rows(costs).select("leerwinkel", "year")
    return (
        _active_pairs(trajectories, years)
        .join(present, on=["leerwinkel", "year"], how="anti")
        .sort("leerwinkel", "year")
    )


def build_sroi(
    sroi_inputs: pl.DataFrame,
    costs: pl.DataFrame,
    params: SroiParameters,
    *,
    trajectories: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """`ind_sroi`: per leerwinkel and year the value, the cost and the SROI ratio, central
    and with the low/high deadweight and attribution.

    `cost_complete` says whether every cost row needed is present: for a Leerwinkel its
    own; for `all` those of every Leerwinkel with a trajectory active that year (given
    `trajectories`) or, without `trajectories`, of all six Leerwinkels.
    """
    versions = sroi_inputs.get_column("parameter_version").unique().to_list()
    if any(v != params.version for v in versions):
        raise ValueError(
            f"sroi_inputs were built with parameter version(s) {sorted(map(str, versions))}, "
            f"not with {params.version} ({params.path}): rebuild them with these parameters"
        )
    sroi_inputs = sroi_inputs.with_columns(pl.col("year").cast(pl.Int64))
    years = sorted(sroi_inputs.get_column("year").unique().to_list())
    values = sroi_inputs.group_by("leerwinkel", "year").agg(
        pl.col("value_eur").sum().round(2),
        _scenario_value(params.low).sum().round(2).alias("value_low"),
        _scenario_value(params.high).sum().round(2).alias("value_high"),
    )

    cost_rows = _cost_rows(costs).filter(pl.col("year").is_in(years))
    network_cost = cost_rows.group_by("year").agg(
        pl.lit(NETWORK).alias("leerwinkel"), pl.col("cost_eur").sum()
    )
    all_costs = pl.concat([cost_rows, network_cost.select(cost_rows.columns)])

    if trajectories is not None:
        expected = _active_pairs(trajectories, years)
    else:
        expected = _leerwinkel_years(years, LEERWINKELS)
    missing = expected.join(cost_rows, on=["leerwinkel", "year"], how="anti")
    incomplete = pl.concat(
        [missing, missing.select(pl.lit(NETWORK).alias("leerwinkel"), "year")]
    ).unique().with_columns(pl.lit(False).alias("cost_complete"))

    def ratio(value: str) -> pl.Expr:
        return pl.when(pl.col("cost_eur") > 0).then(pl.col(value) / pl.col("cost_eur"))

    return (
        values.join(all_costs, on=["leerwinkel", "year"], how="left")
        .join(incomplete, on=["leerwinkel", "year"], how="left")
        # the ratios divide the published (cent) figures: the network's cost is a float sum
        # whose last bit depends on the order of its parts, which must not reach the ratio
        .with_columns(pl.col("cost_eur").round(2))
        .with_columns(
            ratio("value_eur").alias("sroi_ratio"),
            ratio("value_low").alias("sroi_ratio_low"),
            ratio("value_high").alias("sroi_ratio_high"),
            pl.col("cost_complete").fill_null(True),
            pl.lit(params.version, dtype=pl.String).alias("parameter_version"),
            pl.lit(assumptions_text(params), dtype=pl.String).alias("assumptions"),
        )
        .select(
            "leerwinkel", "year", "value_eur", "cost_eur", "sroi_ratio", "sroi_ratio_low",
            "sroi_ratio_high", "cost_complete", "parameter_version", "assumptions",
        )
        .sort("leerwinkel", "year")
    )


# --------------------------------------------------------------------------- case studies


def case_study_table(params: SroiParameters) -> pl.DataFrame:
    """`sroi_case_studies`: case, item, benefits, costs — the study's items as in the
    parameter file, then `total` (column sums) and `net_effect_government` (total
    benefits minus total costs, in the benefits column; costs null). Sums in Decimal."""
    rows: list[dict[str, Any]] = []

    def money(amount: Decimal | None) -> float | None:
        return None if amount is None else float(amount.quantize(CENT))

    for case in params.case_studies:
        for item in case.items:
            rows.append(
                {"case": case.name, "item": item.item,
                 "benefits": money(item.benefits), "costs": money(item.costs)}
            )
        rows.append(
            {"case": case.name, "item": "total",
             "benefits": money(case.total_benefits), "costs": money(case.total_costs)}
        )
        rows.append(
            {"case": case.name, "item": "net_effect_government",
             "benefits": money(case.net_effect_government), "costs": None}
        )
    return pl.DataFrame(
        rows,
        schema={"case": pl.String, "item": pl.String, "benefits": pl.Float64, "costs": pl.Float64},
    )
