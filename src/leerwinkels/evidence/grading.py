"""The rubric's grades (EVIDENCE.md, `evidence/parameters.yaml`) as polars expressions, each
with a Dutch sentence that says why (the publication is Dutch): the figures behind the grade
and the thresholds it met or missed.

- survey shares (A2, A3): by n, the response rate and the interval's width;
- registrations (A1): by n only, and never ``strong`` (referral patterns are not complementarity);
- SROI (A4): by which scenario's ratio exceeds the break-even ratio; ``no data`` without a cost row.
"""

from __future__ import annotations

import polars as pl

from leerwinkels.evidence.parameters import EvidenceParameters

GRADES = ("strong", "moderate", "weak", "indications", "no data")
GRADE_NL = {"strong": "Sterk", "moderate": "Matig", "weak": "Zwak", "indications": "Aanwijzingen", "no data": "Geen gegevens"}


def _pct(share: float) -> str:
    return f"{round(share * 100):d} %"


def _points(expr: pl.Expr) -> pl.Expr:
    """A share as whole percent (text)."""
    return (expr * 100).round(0).cast(pl.Int64).cast(pl.String)


def _decimal(expr: pl.Expr) -> pl.Expr:
    """A ratio with two decimals and a decimal comma (text)."""
    return expr.round(2).cast(pl.String).str.replace(".", ",", literal=True)


def survey_grade(params: EvidenceParameters, n: pl.Expr, response_rate: pl.Expr, width: pl.Expr) -> pl.Expr:
    r = params.survey_shares
    rate = response_rate.fill_null(0.0)
    return (
        pl.when(n.fill_null(0) <= 0).then(pl.lit("no data"))
        .when((n >= r.strong.min_n.value) & (rate >= r.strong.min_response_rate.value) & (width.fill_null(1.0) <= r.strong.max_interval_width.value))
        .then(pl.lit("strong"))
        .when((n >= r.moderate.min_n.value) & (rate >= r.moderate.min_response_rate.value)).then(pl.lit("moderate"))
        .when(n >= r.weak.min_n.value).then(pl.lit("weak"))
        .when(n >= r.indications.min_n.value).then(pl.lit("indications"))
        .otherwise(pl.lit("no data"))
    )


def survey_reason(params: EvidenceParameters, grade: pl.Expr, n: pl.Expr, noun: pl.Expr, response_rate: pl.Expr, width: pl.Expr) -> pl.Expr:
    r = params.survey_shares
    strong = (f"≥ {r.strong.min_n.value}, ≥ {_pct(r.strong.min_response_rate.value)} en een interval van hoogstens "
              f"{round(r.strong.max_interval_width.value * 100)} procentpunten")
    moderate = f"≥ {r.moderate.min_n.value} en ≥ {_pct(r.moderate.min_response_rate.value)}"
    thresholds = {
        "strong": f"drempels: {strong}",
        "moderate": f"drempels: {moderate}; sterk vraagt {strong}",
        "weak": f"drempel: ≥ {r.weak.min_n.value}; matig vraagt {moderate}",
        "indications": f"minder dan {r.weak.min_n.value}: te weinig voor meer dan aanwijzingen",
    }
    figures = pl.format(
        "{} {}, responsgraad {} %, interval {} procentpunten breed",
        n, noun, _points(response_rate.fill_null(0.0)), _points(width.fill_null(0.0)),
    )
    sentence = pl.lit("Geen gegevens: geen antwoorden binnen het uitkomstvenster.")
    for level, text in thresholds.items():
        sentence = pl.when(grade == level).then(pl.format("{}: {} ({}).", pl.lit(GRADE_NL[level]), figures, pl.lit(text))).otherwise(sentence)
    return sentence


def registration_grade(params: EvidenceParameters, n: pl.Expr) -> pl.Expr:
    r = params.registrations
    return (
        pl.when(n >= r.moderate.min_n.value).then(pl.lit("moderate"))
        .when(n >= r.weak.min_n.value).then(pl.lit("weak"))
        .when(n >= r.indications.min_n.value).then(pl.lit("indications"))
        .otherwise(pl.lit("no data"))
    )


def registration_reason(params: EvidenceParameters, grade: pl.Expr, n: pl.Expr) -> pl.Expr:
    r = params.registrations
    never = "registratiegegevens tonen verwijspatronen, niet de complementariteit zelf: nooit sterk"
    thresholds = {
        "moderate": f"drempel: ≥ {r.moderate.min_n.value}; {never}",
        "weak": f"drempel: ≥ {r.weak.min_n.value}; matig vraagt ≥ {r.moderate.min_n.value}",
        "indications": f"minder dan {r.weak.min_n.value}: te weinig voor meer dan aanwijzingen",
    }
    sentence = pl.lit("Geen gegevens: geen trajecten in dit jaar.")
    for level, text in thresholds.items():
        sentence = pl.when(grade == level).then(pl.format("{}: {} trajecten ({}).", pl.lit(GRADE_NL[level]), n, pl.lit(text))).otherwise(sentence)
    return sentence


def sroi_grade(params: EvidenceParameters, low: pl.Expr, central: pl.Expr, high: pl.Expr) -> pl.Expr:
    even = params.sroi.break_even_ratio.value
    return (
        pl.when(central.is_null()).then(pl.lit("no data"))
        .when(low > even).then(pl.lit("strong"))
        .when(central > even).then(pl.lit("moderate"))
        .when(high > even).then(pl.lit("weak"))
        .otherwise(pl.lit(params.sroi.grade_when_none_exceeds))
    )


def sroi_reason(params: EvidenceParameters, grade: pl.Expr, low: pl.Expr, central: pl.Expr, high: pl.Expr) -> pl.Expr:
    even = str(params.sroi.break_even_ratio.value).replace(".", ",")
    ratios = pl.format("laag {}, centraal {}, hoog {}", _decimal(low), _decimal(central), _decimal(high))
    texts = {
        "strong": f"ook met de voorzichtige aannames is de SROI-ratio groter dan {even}",
        "moderate": f"met de centrale aannames is de SROI-ratio groter dan {even}, met de voorzichtige niet",
        "weak": f"alleen met de ruime aannames is de SROI-ratio groter dan {even}",
    }
    none = f"in geen enkel scenario is de SROI-ratio groter dan {even}"
    sentence = pl.format("{}: {} ({}).", pl.lit(GRADE_NL[params.sroi.grade_when_none_exceeds]), pl.lit(none), ratios)
    for level, text in texts.items():
        sentence = pl.when(grade == level).then(pl.format("{}: {} ({}).", pl.lit(GRADE_NL[level]), pl.lit(text), ratios)).otherwise(sentence)
    return pl.when(central.is_null()).then(pl.lit("Geen gegevens: geen kostenrij voor dit jaar, dus geen SROI-ratio.")).otherwise(sentence)
