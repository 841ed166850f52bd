"""The evidence rubric and outcome window: `evidence/parameters.yaml`, validated on load.

Every threshold is ``{value, source}``: a source starting with ``assumption`` marks a figure the
research team has not set yet. The file's ``version`` goes into every evidence_assumptions row.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from leerwinkels.project_files import PROJECT_ROOT

ENV_PARAMETERS = "LEERWINKELS_EVIDENCE_PARAMETERS"
EVIDENCE_PARAMETERS = PROJECT_ROOT / "evidence" / "parameters.yaml"
ASSUMPTION_PREFIX = "assumption"

Grade = Literal["strong", "moderate", "weak", "indications", "no data"]


class EvidenceParameterError(ValueError):
    """The evidence parameter file is missing, unreadable or invalid; the message says why."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Count(_Strict):
    value: int = Field(ge=0)
    source: str = Field(min_length=1)


class Share(_Strict):
    value: float = Field(ge=0.0, le=1.0)
    source: str = Field(min_length=1)


class Ratio(_Strict):
    value: float = Field(ge=0.0)
    source: str = Field(min_length=1)


class Window(_Strict):
    from_: Count = Field(alias="from")
    to: Count

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.from_.value > self.to.value:
            raise ValueError(f"outcome_window_days: from ({self.from_.value}) is after to ({self.to.value})")
        return self


class StrongSurvey(_Strict):
    min_n: Count
    min_response_rate: Share
    max_interval_width: Share


class ModerateSurvey(_Strict):
    min_n: Count
    min_response_rate: Share


class MinN(_Strict):
    min_n: Count


class SurveyRubric(_Strict):
    strong: StrongSurvey
    moderate: ModerateSurvey
    weak: MinN
    indications: MinN


class RegistrationRubric(_Strict):
    moderate: MinN
    weak: MinN
    indications: MinN


class SroiRubric(_Strict):
    break_even_ratio: Ratio
    grade_when_none_exceeds: Grade


class CheckLimits(_Strict):
    min_response_rate_in_window: Share
    max_weighting_gap: Share


class EvidenceParameters(_Strict):
    version: str = Field(min_length=1)
    outcome_window_days: Window
    survey_shares: SurveyRubric
    registrations: RegistrationRubric
    sroi: SroiRubric
    checks: CheckLimits

    @property
    def window(self) -> tuple[int, int]:
        """(first, last) day after closing of the outcome window, both included."""
        return self.outcome_window_days.from_.value, self.outcome_window_days.to.value


def default_parameters_path() -> Path:
    """`$LEERWINKELS_EVIDENCE_PARAMETERS`, else `evidence/parameters.yaml` at the repository root."""
    override = os.environ.get(ENV_PARAMETERS, "").strip()
    return Path(override) if override else EVIDENCE_PARAMETERS


def _problems(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'file'}: {e['msg']}" for e in exc.errors())


def parse_parameters(raw: object, where: str = "evidence parameters") -> EvidenceParameters:
    """Validate an already-read mapping (the file's YAML)."""
    if isinstance(raw, dict) and not isinstance(raw.get("version"), str):
        raise EvidenceParameterError(f"{where}: version: must be a quoted string such as \"2026.1\"")
    try:
        return EvidenceParameters.model_validate(raw)
    except ValidationError as exc:
        raise EvidenceParameterError(f"{where}: {_problems(exc)}") from None


def load_parameters(path: str | os.PathLike[str] | None = None) -> EvidenceParameters:
    """Read and validate the evidence parameter file; `EvidenceParameterError` names the file
    and every problem found."""
    p = Path(path) if path is not None else default_parameters_path()
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise EvidenceParameterError(f"evidence parameter file {p}: cannot be read ({exc.strerror or exc})") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise EvidenceParameterError(f"evidence parameter file {p}: not valid YAML{where}") from None
    return parse_parameters(raw, f"evidence parameter file {p}")
