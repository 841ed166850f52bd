"""The SROI parameter file (`sroi/parameters.yaml`): load, validate, and the typed result.

A data steward changes proxies and rates there without touching code; every row built
from them records `version`. The first version's fields (items, outcomes, deadweight,
attribution, sensitivity, case studies) are checked by hand-written rules whose messages
name the field; the Social Value fields (per-outcome rates, displacement, duration,
drop-off, discount rate, payers, tornado ranges) by the pydantic models below; every
problem found is reported at once, naming the field.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from leerwinkels.project_files import SROI_PARAMETERS

ENV_PARAMETERS = "LEERWINKELS_SROI_PARAMETERS"
# The rules' order: a response counts for the first outcome whose rule it meets.
OUTCOMES = (
    "work_from_invalidity",
    "work_from_other_status",
    "early_school_leaving_prevented",
    "training_started",
)
ASSUMPTION_PREFIX = "assumption"
CENT = Decimal("0.01")
# who saves or earns an item of a proxy (SROI.md, "Who gains")
PAYERS = ("federal_social_security", "federal_tax", "flemish", "local")
Payer = Literal["federal_social_security", "federal_tax", "flemish", "local"]

# --------------------------------------------------------------------------- parameters


class SroiParameterError(ValueError):
    """The SROI parameter file is missing, unreadable or invalid; the message says why."""


@dataclass(frozen=True)
class ProxyItem:
    name: str
    amount_eur: Decimal
    source: str
    description: str | None = None
    payer: str = "federal_social_security"
    payer_source: str = "assumption"

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
class Duration:
    years: int
    source: str


@dataclass(frozen=True)
class OutcomeRates:
    """The rates of one outcome: the file's global rates unless the outcome sets its own."""

    stakeholder: str
    indicator: str
    deadweight: Rate
    attribution: Rate
    displacement: Rate
    drop_off: Rate
    duration: Duration

    @property
    def impact_factor(self) -> float:
        """(1 - deadweight) x (1 - attribution) x (1 - displacement), multiplied in that
        order so that with displacement 0 it is the first version's factor to the bit."""
        return (1 - self.deadweight.value) * (1 - self.attribution.value) * (1 - self.displacement.value)


@dataclass(frozen=True)
class Range:
    low: float
    high: float
    source: str


@dataclass(frozen=True)
class TornadoRanges:
    """What `ind_sroi_sensitivity` moves, one parameter at a time (the rest central)."""

    proxy_change: float  # each proxy x (1 - change) and x (1 + change)
    duration_years: tuple[int, int]
    displacement: Range
    drop_off: Range
    discount_rate: Range
    source: str


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
    # --- Social Value fields (SROI.md, "To the standard of the Social Value principles")
    discount_rate: Rate = Rate(0.035, "assumption")
    outcome_rates: Mapping[str, OutcomeRates] = field(default_factory=lambda: MappingProxyType({}))
    tornado: TornadoRanges | None = None

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
    social = _parse_social_value(raw, problems)

    if problems or social is None:
        return None
    assert isinstance(version, str) and deadweight and attribution and low and high
    items = {
        name: ProxyItem(item.name, item.amount_eur, item.source, item.description,
                        social.items[name].payer, social.items[name].payer_source.strip())
        for name, item in items.items()
    }
    outcome_rates = {
        name: _outcome_rates(social, social.outcomes[name], deadweight, attribution) for name in OUTCOMES
    }
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
        discount_rate=_rate(social.discount_rate),
        outcome_rates=MappingProxyType(outcome_rates),
        tornado=TornadoRanges(
            proxy_change=social.tornado.proxy_change,
            duration_years=social.tornado.duration_years,
            displacement=_range(social.tornado.displacement),
            drop_off=_range(social.tornado.drop_off),
            discount_rate=_range(social.tornado.discount_rate),
            source=social.tornado.source.strip(),
        ),
    )


# --------------------------------------------------------------------------- Social Value fields (pydantic)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _RateModel(_Strict):
    value: float = Field(ge=0, le=1)
    source: str = Field(min_length=1)
    note: str | None = None


class _DurationModel(_Strict):
    value: int = Field(ge=1, le=10)
    source: str = Field(min_length=1)
    note: str | None = None


class _ItemModel(BaseModel):
    """Only the fields the first-version rules do not check (amount_eur, source, description)."""

    model_config = ConfigDict(extra="allow", frozen=True)
    payer: Payer
    payer_source: str = Field(min_length=1)


class _OutcomeModel(_Strict):
    proxy: Any = None  # checked by the first-version rules
    stakeholder: str = Field(min_length=1)
    indicator: str = Field(min_length=1)
    deadweight: _RateModel | None = None
    attribution: _RateModel | None = None
    displacement: _RateModel | None = None
    drop_off: _RateModel | None = None
    duration_years: _DurationModel | None = None


class _RangeModel(_Strict):
    low: float = Field(ge=0, le=1)
    high: float = Field(ge=0, le=1)
    source: str = Field(min_length=1)


class _TornadoModel(_Strict):
    source: str = Field(min_length=1)
    proxy_change: float = Field(gt=0, lt=1)
    duration_years: tuple[int, int]
    displacement: _RangeModel
    drop_off: _RangeModel
    discount_rate: _RangeModel


class _SocialValueModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    items: dict[str, _ItemModel]
    outcomes: dict[str, _OutcomeModel]
    displacement: _RateModel
    drop_off: _RateModel
    duration_years: _DurationModel
    discount_rate: _RateModel
    tornado: _TornadoModel


def _parse_social_value(raw: dict[str, Any], problems: list[str]) -> _SocialValueModel | None:
    """The Social Value fields, validated by pydantic; its errors as one line each."""
    try:
        model = _SocialValueModel.model_validate(raw)
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"])
            problems.append(f"{where}: {error['msg']}")
        return None
    low_years, high_years = model.tornado.duration_years
    if not 1 <= low_years <= model.duration_years.value <= high_years:
        problems.append(
            f"tornado.duration_years {[low_years, high_years]} must contain duration_years {model.duration_years.value}"
        )
    for name in ("displacement", "drop_off", "discount_rate"):
        span = getattr(model.tornado, name)
        central = getattr(model, name).value
        if not min(span.low, span.high) <= central <= max(span.low, span.high):
            problems.append(f"tornado.{name} {span.low}-{span.high} must contain {name} {central}")
    return model


def _rate(model: _RateModel) -> Rate:
    return Rate(model.value, model.source.strip(), model.note)


def _range(model: _RangeModel) -> Range:
    return Range(model.low, model.high, model.source.strip())


def _outcome_rates(social: _SocialValueModel, outcome: _OutcomeModel, deadweight: Rate, attribution: Rate) -> OutcomeRates:
    """An outcome's rates: its own where it sets one, else the file's global rate."""
    duration = outcome.duration_years or social.duration_years
    return OutcomeRates(
        stakeholder=outcome.stakeholder.strip(),
        indicator=outcome.indicator.strip(),
        deadweight=_rate(outcome.deadweight) if outcome.deadweight else deadweight,
        attribution=_rate(outcome.attribution) if outcome.attribution else attribution,
        displacement=_rate(outcome.displacement or social.displacement),
        drop_off=_rate(outcome.drop_off or social.drop_off),
        duration=Duration(duration.value, duration.source.strip()),
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
    parts.append("respondents only")
    parts.append(_time_and_displacement_text(params))
    return "; ".join(parts)


def _time_and_displacement_text(params: SroiParameters) -> str:
    """The first version's wording while every outcome lasts one year without displacement
    (the defaults: today's rows keep their text); else the rates that are set."""
    rates = params.outcome_rates.values()
    if all(r.duration.years == 1 and r.displacement.value == 0 for r in rates):
        return "one year, no drop-off or discounting"
    per_outcome = ", ".join(
        f"{name} {r.duration.years} y drop-off {r.drop_off.value:.2f} displacement {r.displacement.value:.2f}"
        for name, r in params.outcome_rates.items()
    )
    return f"{per_outcome}; discount rate {params.discount_rate.value:.3f} ({params.discount_rate.source})"


def _eur(amount: Decimal) -> str:
    cents = amount.quantize(CENT)
    return f"{cents:,.0f}" if cents == cents.to_integral_value() else f"{cents:,.2f}"


