"""The evidence rubric (issue 16): its parameter file and every grade boundary, each threshold
just below and at its value (EVIDENCE.md defaults, evidence/parameters.yaml)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import yaml

from leerwinkels.evidence import grading
from leerwinkels.evidence.parameters import (
    ASSUMPTION_PREFIX,
    EVIDENCE_PARAMETERS,
    EvidenceParameterError,
    load_parameters,
    parse_parameters,
)

PARAMS = load_parameters()


def _survey(n: int, rate: float, width: float) -> str:
    return pl.select(grading.survey_grade(PARAMS, pl.lit(n), pl.lit(rate), pl.lit(width))).item()


def _registration(n: int) -> str:
    return pl.select(grading.registration_grade(PARAMS, pl.lit(n))).item()


def _sroi(low: float | None, central: float | None, high: float | None) -> str:
    f = pl.Float64
    return pl.select(grading.sroi_grade(PARAMS, pl.lit(low, f), pl.lit(central, f), pl.lit(high, f))).item()


@pytest.mark.parametrize("n,rate,width,grade", [
    (200, 0.5, 0.10, "strong"),        # every strong threshold exactly met
    (199, 0.5, 0.10, "moderate"),      # n just below 200
    (200, 0.49, 0.10, "moderate"),     # response rate just below 50 %
    (200, 0.5, 0.11, "moderate"),      # interval just wider than 0.10
    (100, 0.3, 0.20, "moderate"),      # moderate exactly met
    (99, 0.3, 0.20, "weak"),           # n just below 100
    (150, 0.29, 0.20, "weak"),         # response rate just below 30 %
    (30, 0.0, 0.50, "weak"),           # weak: n alone
    (29, 1.0, 0.50, "indications"),
    (1, 1.0, 0.90, "indications"),
    (0, 0.0, 0.0, "no data"),
])
def test_survey_share_grades(n, rate, width, grade):
    assert _survey(n, rate, width) == grade


@pytest.mark.parametrize("n,grade", [(10_000, "moderate"), (100, "moderate"), (99, "weak"), (30, "weak"), (29, "indications"),
                                     (1, "indications"), (0, "no data")])
def test_registration_grades_never_strong(n, grade):
    assert _registration(n) == grade


@pytest.mark.parametrize("low,central,high,grade", [
    (1.01, 2.0, 3.0, "strong"),
    (1.0, 2.0, 3.0, "moderate"),       # the low ratio at 1 does not exceed it
    (0.5, 1.01, 2.0, "moderate"),
    (0.5, 1.0, 1.01, "weak"),
    (0.2, 0.5, 1.0, "indications"),    # no scenario above 1: the file's grade_when_none_exceeds
    (None, None, None, "no data"),     # no cost row
])
def test_sroi_grades(low, central, high, grade):
    assert _sroi(low, central, high) == grade


def test_reasons_name_figures_and_thresholds():
    reason = pl.select(grading.survey_reason(
        PARAMS, pl.lit("moderate"), pl.lit(142), pl.lit("antwoorden binnen het uitkomstvenster"), pl.lit(0.34), pl.lit(0.16)
    )).item()
    assert reason == ("Matig: 142 antwoorden binnen het uitkomstvenster, responsgraad 34 %, interval 16 procentpunten breed "
                      "(drempels: ≥ 100 en ≥ 30 %; sterk vraagt ≥ 200, ≥ 50 % en een interval van hoogstens 10 procentpunten).")
    a1 = pl.select(grading.registration_reason(PARAMS, pl.lit("moderate"), pl.lit(345))).item()
    assert a1.startswith("Matig: 345 trajecten (drempel: ≥ 100;") and "nooit sterk" in a1
    a4 = pl.select(grading.sroi_reason(PARAMS, pl.lit("moderate"), pl.lit(0.8), pl.lit(1.25), pl.lit(2.0))).item()
    assert a4 == ("Matig: met de centrale aannames is de SROI-ratio groter dan 1,0, met de voorzichtige niet "
                  "(laag 0,8, centraal 1,25, hoog 2,0).")


# --------------------------------------------------------------------------- the parameter file


def _raw() -> dict:
    return yaml.safe_load(EVIDENCE_PARAMETERS.read_text(encoding="utf-8"))


def test_every_threshold_is_labelled_an_assumption():
    def sources(node):
        if isinstance(node, dict):
            if "value" in node:
                yield node["source"]
            for value in node.values():
                yield from sources(value)

    found = list(sources(_raw()))
    assert len(found) == 15  # window 2, survey shares 7, registrations 3, SROI 1, checks 2
    assert all(s.startswith(ASSUMPTION_PREFIX) for s in found)
    assert PARAMS.window == (90, 365)
    assert PARAMS.version == _raw()["version"]


@pytest.mark.parametrize("edit,message", [
    (lambda raw: raw.update(version=2026.1), "version"),
    (lambda raw: raw["survey_shares"]["strong"]["min_n"].pop("source"), "survey_shares.strong.min_n.source"),
    (lambda raw: raw["survey_shares"]["moderate"]["min_response_rate"].update(value=1.5), "min_response_rate.value"),
    (lambda raw: raw["outcome_window_days"]["from"].update(value=400), "from (400) is after to (365)"),
    (lambda raw: raw["registrations"].update(strong={"min_n": {"value": 1, "source": "assumption"}}), "registrations.strong"),
    (lambda raw: raw["sroi"].update(grade_when_none_exceeds="excellent"), "grade_when_none_exceeds"),
])
def test_invalid_files_are_refused_with_a_clear_message(edit, message):
    raw = _raw()
    edit(raw)
    with pytest.raises(EvidenceParameterError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_parameters(raw)


def test_unreadable_or_not_yaml(tmp_path: Path):
    with pytest.raises(EvidenceParameterError, match="cannot be read"):
        load_parameters(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: [\n", encoding="utf-8")
    with pytest.raises(EvidenceParameterError, match="not valid YAML at line"):
        load_parameters(bad)


def test_another_file_through_the_environment(tmp_path: Path, monkeypatch):
    raw = _raw()
    raw["version"] = "test.9"
    raw["outcome_window_days"]["to"]["value"] = 200
    path = tmp_path / "evidence.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    monkeypatch.setenv("LEERWINKELS_EVIDENCE_PARAMETERS", str(path))
    params = load_parameters()
    assert (params.version, params.window) == ("test.9", (90, 200))
