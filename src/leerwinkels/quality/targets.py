"""The data-quality targets: ``dq/targets.yaml``, validated on load, and the status of a value
against its target (green / orange / red)."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from leerwinkels.project_files import PROJECT_ROOT

ENV_TARGETS = "LEERWINKELS_DQ_TARGETS"
DEFAULT_TARGETS = PROJECT_ROOT / "dq" / "targets.yaml"

#: The scorecard's measures, in the order the scorecard and the feedback workbook show them.
MEASURES = (
    "missing_gender", "missing_age", "missing_postcode", "missing_education_level", "missing_dutch_level",
    "missing_labour_status", "missing_inflow_channel", "missing_learning_question", "missing_national_number",
    "quarantine_share", "duplicate_share", "unmapped_labels",
    "late_contacts_share", "late_closings_share", "forgotten_dossiers_share",
)
STATUSES = ("green", "orange", "red")


class TargetsError(ValueError):
    """The targets file is missing, unreadable or invalid; the message says why."""


class Target(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    green_max: float = Field(ge=0)
    orange_max: float = Field(ge=0)
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> Target:
        if self.orange_max < self.green_max:
            raise ValueError("orange_max must not be below green_max")
        return self

    @property
    def is_assumption(self) -> bool:
        return self.source.strip().lower().startswith("assumption")


class Targets(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = Field(min_length=1)
    late_days: int = Field(ge=0)
    late_days_source: str = Field(min_length=1)
    idle_days: int = Field(ge=1)
    idle_days_source: str = Field(min_length=1)
    targets: dict[str, Target]

    @model_validator(mode="after")
    def _every_measure(self) -> Targets:
        missing = [m for m in MEASURES if m not in self.targets]
        unknown = sorted(set(self.targets) - set(MEASURES))
        if missing or unknown:
            raise ValueError(f"targets must name exactly the scorecard's measures: missing {missing}, unknown {unknown}")
        return self


def targets_path() -> Path:
    return Path(os.environ.get(ENV_TARGETS) or DEFAULT_TARGETS)


def load_targets(path: Path | None = None) -> Targets:
    """Read and validate the targets file (``LEERWINKELS_DQ_TARGETS`` or ``dq/targets.yaml``)."""
    path = Path(path) if path is not None else targets_path()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TargetsError(f"the data-quality targets {path} cannot be read: {exc.strerror or type(exc).__name__}") from None
    except yaml.YAMLError:
        raise TargetsError(f"the data-quality targets {path} are no valid YAML") from None
    if not isinstance(raw, dict):
        raise TargetsError(f"the data-quality targets {path} must be a mapping (version, late_days, idle_days, targets)")
    if isinstance(raw.get("version"), int | float):
        raise TargetsError(f"{path}: write the version as a quoted string (\"{raw['version']}\")")
    try:
        return Targets.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise TargetsError(f"the data-quality targets {path} are invalid: {problems}") from None


def status_of(value: float | None, target: Target) -> str | None:
    """green up to and including ``green_max``, orange up to and including ``orange_max``, else red;
    None when the measure could not be taken."""
    if value is None:
        return None
    if value <= target.green_max:
        return "green"
    if value <= target.orange_max:
        return "orange"
    return "red"


def status_expr(measure: str, target: Target) -> pl.Expr:
    """:func:`status_of` as a polars expression on the column ``measure``."""
    value = pl.col(measure)
    return (
        pl.when(value.is_null()).then(pl.lit(None, pl.String))
        .when(value <= target.green_max).then(pl.lit("green"))
        .when(value <= target.orange_max).then(pl.lit("orange"))
        .otherwise(pl.lit("red"))
    )


def worst_status(statuses: list[str | None]) -> str | None:
    """The worst of the statuses taken (red over orange over green); None when none was."""
    taken = [s for s in statuses if s is not None]
    return max(taken, key=STATUSES.index) if taken else None
