"""The impact report's charts (Vega-Lite via Altair), each from published figures only.

Every data mark carries a ``description`` (its ``aria-label`` in the SVG): the key of the
published cell it draws and the figure as the report shows it. Lines, bands and range rules
between marks are drawn without one (``aria=False``): they repeat figures a mark already names.
A chart function returns None when its published table is absent or has nothing to draw.
"""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import polars as pl

from leerwinkels.report.figures import NETWORK, marks

WIDTH = 560
HEIGHT = 220
NETWORK_LABEL = "Netwerk"
# the reader's words for the evidence grades of EVIDENCE.md
GRADE_WORDS = {
    "strong": "sterk", "moderate": "matig", "weak": "zwak", "indications": "aanwijzingen",
    "no data": "geen gegevens", "no_data": "geen gegevens", "no relevant data": "geen gegevens",
}
# the indicators of EVIDENCE.md's evidence_assumptions, in the reader's words
INDICATOR_WORDS = {
    "share_referred_in_by_partner": "door een partner verwezen", "share_referred_out": "doorverwezen",
    "partner_types": "soorten partners", "insight_labour_market": "inzicht arbeidsmarkt",
    "insight_strengths": "inzicht sterktes", "insight_barriers": "inzicht drempels",
    "insight_learning": "inzicht leermogelijkheden", "positive_outcome": "positieve uitkomst",
    "positive_outcome_bound_low": "positieve uitkomst (ondergrens)", "sroi_ratio": "SROI-ratio",
    "sroi_ratio_low": "SROI-ratio (laag)", "sroi_ratio_high": "SROI-ratio (hoog)",
}
CATEGORY_WORDS = {"yes": "ja", "no": "nee", "unknown": "onbekend", "none": "geen"}  # categories without a code list
GRADE_ORDER = ["sterk", "matig", "zwak", "aanwijzingen", "geen gegevens"]
GRADE_COLOURS = ["#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d9d9d9"]


@dataclass(frozen=True)
class ReportChart:
    chart_id: str  # unique in the report (the figure's id)
    table: str  # the published table whose cells the marks show
    title: str
    caption: str  # what the reader sees, in one or two sentences
    chart: alt.TopLevelMixin


def _data(frame: pl.DataFrame, *columns: str) -> pl.DataFrame:
    return frame.select(list(dict.fromkeys(columns)))


def _year_axis() -> alt.X:
    return alt.X("year:O", title="Jaar", axis=alt.Axis(labelAngle=0))


def _leerwinkel_colour(labels: list[str]) -> alt.Color:
    domain = sorted(set(labels) - {NETWORK_LABEL}) + ([NETWORK_LABEL] if NETWORK_LABEL in labels else [])
    palette = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#9d755d", "#bab0ac"]
    colours = palette[: len(domain) - (NETWORK_LABEL in domain)] + (["#222222"] if NETWORK_LABEL in domain else [])
    return alt.Color("leerwinkel:N", title="Leerwinkel", scale=alt.Scale(domain=domain, range=colours),
                     legend=alt.Legend(orient="bottom", columns=3, columnPadding=30, labelLimit=260))


def reach_network(reach: pl.DataFrame | None) -> ReportChart | None:
    if reach is None:
        return None
    data = marks(reach.filter(pl.col("leerwinkel") == NETWORK), "ind_reach", ["new_trajectories", "clients_reached"])
    if data.is_empty():
        return None
    chart = (
        alt.Chart(_data(data, "year", "measure", "value", "description"))
        .mark_bar()
        .encode(
            x=_year_axis(),
            xOffset=alt.XOffset("measure:N", sort=None),
            y=alt.Y("value:Q", title="Aantal"),
            color=alt.Color("measure:N", title=None, sort=None, legend=alt.Legend(orient="bottom", columnPadding=30)),
            description=alt.Description("description:N"),
        )
        .properties(width=WIDTH, height=HEIGHT)
    )
    return ReportChart("reach_network", "ind_reach", "Bereik van het netwerk per jaar",
                       "Nieuwe trajecten (gestart in het jaar) en bereikte cliënten (met een traject dat jaar) "
                       "van alle Leerwinkels samen.", chart)


def _lines(data: pl.DataFrame, y: alt.Y, colour: alt.Color) -> alt.LayerChart | alt.FacetChart:
    base = alt.Chart(_data(data, "year", "leerwinkel", "value", "description")).encode(x=_year_axis(), y=y, color=colour)
    return alt.layer(
        base.mark_line(aria=False),
        base.mark_point(filled=True, size=40).encode(description=alt.Description("description:N")),
    ).properties(width=WIDTH, height=HEIGHT)


def reach_by_leerwinkel(reach: pl.DataFrame | None) -> ReportChart | None:
    if reach is None:
        return None
    data = marks(reach.filter(pl.col("leerwinkel") != NETWORK), "ind_reach", ["new_trajectories", "clients_reached"])
    if data.is_empty():
        return None
    base = alt.Chart().encode(x=_year_axis(), y=alt.Y("value:Q", title=None),
                              color=_leerwinkel_colour(data["leerwinkel"].unique().to_list()))
    chart = (
        alt.layer(base.mark_line(aria=False),
                  base.mark_point(filled=True, size=36).encode(description=alt.Description("description:N")),
                  data=_data(data, "year", "leerwinkel", "measure", "value", "description"))
        .properties(width=WIDTH // 2 - 20, height=HEIGHT - 40)
        .facet(column=alt.Column("measure:N", title=None, sort=data["measure"].unique(maintain_order=True).to_list(),
                                 header=alt.Header(labelFontWeight="bold", labelFontSize=11)))
        .resolve_scale(y="independent")
    )
    return ReportChart("reach_by_leerwinkel", "ind_reach", "Bereik per Leerwinkel",
                       "Per Leerwinkel en per jaar: de nieuwe trajecten (links) en de bereikte cliënten (rechts).", chart)


def share_vulnerable(reach: pl.DataFrame | None) -> ReportChart | None:
    if reach is None:
        return None
    data = marks(reach, "ind_reach", ["share_vulnerable"])
    if data.is_empty():
        return None
    chart = _lines(data, alt.Y("value:Q", title="Aandeel kwetsbaar", axis=alt.Axis(format=".0%")),
                   _leerwinkel_colour(data["leerwinkel"].unique().to_list()))
    return ReportChart("share_vulnerable", "ind_reach", "Aandeel kwetsbare cliënten",
                       "Het deel van de bereikte cliënten dat kwetsbaar is, per Leerwinkel en voor het netwerk (zwart).", chart)


def _bars_by(data: pl.DataFrame, row: str, category: str, row_title: str, x_title: str) -> alt.FacetChart:
    return (
        alt.Chart(_data(data, row, category, "value", "description"))
        .mark_bar(color="#4c78a8")
        .encode(
            y=alt.Y(f"{category}:N", title=None, sort=None),
            x=alt.X("value:Q", title=x_title),
            description=alt.Description("description:N"),
        )
        .properties(width=WIDTH - 170, height=alt.Step(10))
        .facet(row=alt.Row(f"{row}:N", title=row_title, sort=None,
                           header=alt.Header(labelAngle=0, labelAlign="left", labelFontWeight="bold")))
        .resolve_scale(y="independent")
    )


def who(breakdown: pl.DataFrame | None, year: int | None) -> ReportChart | None:
    if breakdown is None or year is None:
        return None
    rows = breakdown.filter((pl.col("leerwinkel") == NETWORK) & (pl.col("year") == year))
    data = marks(rows, "ind_reach_breakdown", ["clients"])
    if data.is_empty():
        return None
    chart = _bars_by(data, "dimension", "category", "Kenmerk", "Nieuwe cliënten")
    return ReportChart("who", "ind_reach_breakdown", f"Wie kwam er in {year}?",
                       f"De nieuwe cliënten van het netwerk in {year}, naar elk kenmerk bij de intake.", chart)


def partners(referrals: pl.DataFrame | None, year: int | None) -> ReportChart | None:
    if referrals is None or year is None:
        return None
    rows = referrals.filter((pl.col("leerwinkel") == NETWORK) & (pl.col("year") == year))
    data = marks(rows, "ind_referrals", ["trajectories"])
    if data.is_empty():
        return None
    chart = _bars_by(data, "direction", "partner", "Richting", "Trajecten")
    return ReportChart("partners", "ind_referrals", f"Het partnernetwerk in {year}",
                       "Instroom: wie de cliënten naar een Leerwinkel verwees. Uitstroom: naar wie de "
                       "Leerwinkels doorverwezen.", chart)


def outcomes_over_time(outcomes: pl.DataFrame | None) -> ReportChart | None:
    if outcomes is None:
        return None
    shares = ["response_rate", "insight_labour_market", "insight_strengths", "insight_barriers", "insight_learning"]
    data = marks(outcomes.filter(pl.col("leerwinkel") == NETWORK), "ind_outcomes", [c for c in shares if c in outcomes.columns])
    if data.is_empty():
        return None
    base = alt.Chart(_data(data, "year", "measure", "value", "description")).encode(
        x=alt.X("year:O", title="Jaar van afsluiten", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("value:Q", title="Aandeel", axis=alt.Axis(format=".0%"), scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("measure:N", title=None, sort=None, legend=alt.Legend(orient="bottom", columns=2, labelLimit=420)),
    )
    chart = alt.layer(
        base.mark_line(aria=False),
        base.mark_point(filled=True, size=40).encode(description=alt.Description("description:N")),
    ).properties(width=WIDTH, height=HEIGHT)
    return ReportChart("outcomes", "ind_outcomes", "Na de begeleiding: respons en inzicht",
                       "Van de afgesloten trajecten: het deel dat de nazorgenquête beantwoordde, en van wie antwoordde "
                       "het deel dat (helemaal) akkoord gaat met elke inzichtsvraag.", chart)


def _range_chart(data: pl.DataFrame, wide: pl.DataFrame, y: str, low: str, high: str, central: list[str],
                 ends: list[str], x: alt.X, y_title: str, y_format: str | None = None) -> alt.LayerChart | alt.FacetChart:
    """Points for ``central`` measures, ticks for the ``ends`` of a range, and an unlabelled
    rule between ``low`` and ``high`` (its ends are the ticks' figures)."""
    axis = alt.Axis(format=y_format, titleLimit=260) if y_format else alt.Axis(titleLimit=260)
    rule = alt.Chart(wide.select(x.shorthand.split(":")[0], low, high)).mark_rule(aria=False, color="#888888", strokeWidth=2).encode(
        x=x, y=alt.Y(f"{low}:Q", title=y_title, axis=axis), y2=alt.Y2(f"{high}:Q"))
    points = alt.Chart(_data(data.filter(pl.col("column").is_in(central)), x.shorthand.split(":")[0], "measure", "value", "description"))
    ticks = alt.Chart(_data(data.filter(pl.col("column").is_in(ends)), x.shorthand.split(":")[0], "measure", "value", "description"))
    return alt.layer(
        rule,
        ticks.mark_tick(thickness=2, size=14, color="#555555").encode(x=x, y=alt.Y("value:Q"), description=alt.Description("description:N")),
        points.mark_point(filled=True, size=70).encode(
            x=x, y=alt.Y("value:Q"), color=alt.Color("measure:N", title=None, legend=alt.Legend(orient="bottom")),
            description=alt.Description("description:N")),
    ).properties(width=WIDTH, height=HEIGHT)


def sroi_range(sroi: pl.DataFrame | None) -> ReportChart | None:
    if sroi is None:
        return None
    wide = sroi.filter((pl.col("leerwinkel") == NETWORK) & pl.col("sroi_ratio").is_not_null())
    data = marks(wide, "ind_sroi", ["sroi_ratio_low", "sroi_ratio", "sroi_ratio_high"])
    if data.is_empty():
        return None
    chart = _range_chart(data, wide, "year", "sroi_ratio_low", "sroi_ratio_high", ["sroi_ratio"],
                         ["sroi_ratio_low", "sroi_ratio_high"], _year_axis(), "Waarde per euro kost")
    one = alt.Chart(pl.DataFrame({"y": [1.0]})).mark_rule(aria=False, strokeDash=[4, 4], color="#d62728").encode(y="y:Q")
    return ReportChart("sroi_range", "ind_sroi", "SROI-ratio van het netwerk per jaar",
                       "De maatschappelijke waarde per euro werkingskost (punt), met het bereik van het lage tot het "
                       "hoge scenario (streepjes). Boven de rode lijn (1) levert elke euro meer op dan hij kost.",
                       alt.layer(chart, one))


def outcome_bounds(bounds: pl.DataFrame | None) -> ReportChart | None:
    """EVIDENCE.md ind_outcome_bounds: the positive share among respondents and reweighted,
    between the bounds for those who did not answer."""
    if bounds is None:
        return None
    wide = bounds.filter(pl.col("leerwinkel") == NETWORK)
    data = marks(wide, "ind_outcome_bounds", ["share_respondents", "share_weighted", "bound_low", "bound_high"])
    if data.is_empty():
        return None
    chart = _range_chart(data, wide, "year", "bound_low", "bound_high", ["share_respondents", "share_weighted"],
                         ["bound_low", "bound_high"], alt.X("year:O", title="Jaar van afsluiten", axis=alt.Axis(labelAngle=0)),
                         "Aandeel met een positieve uitkomst", ".0%")
    return ReportChart("outcome_bounds", "ind_outcome_bounds", "Positieve uitkomst na de begeleiding (A3)",
                       "Het deel met werk of opleiding 90 tot 365 dagen na afsluiten: bij wie antwoordde, en herwogen "
                       "naar wie niet antwoordde; de streepjes zijn de grenzen als alle niet-antwoorders negatief "
                       "(onder) of positief (boven) waren.", chart)


def outcomes_by_context(context: pl.DataFrame | None, year: int | None) -> ReportChart | None:
    """EVIDENCE.md ind_outcomes_by_context: the positive share with its Wilson interval, for whom."""
    if context is None or year is None:
        return None
    wide = context.filter((pl.col("leerwinkel") == NETWORK) & (pl.col("year") == year)
                          & pl.col("dimension").is_in(["labour_status", "vulnerable", "guidance_hours_band"]))
    data = marks(wide, "ind_outcomes_by_context", ["positive_share"])
    if data.is_empty():
        return None
    keys = ["dimension", "category"]
    intervals = marks(wide, "ind_outcomes_by_context", ["positive_share_low", "positive_share_high"]).pivot(
        on="column", index=keys, values="value")
    rows = data.select(*keys, "value", "description").join(intervals, on=keys, how="left").with_columns(
        pl.col("category").replace(CATEGORY_WORDS))
    base = alt.Chart().encode(y=alt.Y("category:N", title=None, sort=None, axis=alt.Axis(labelLimit=220)))
    faceted = (
        alt.layer(
            base.mark_rule(aria=False, color="#888888", strokeWidth=2).encode(
                x=alt.X("positive_share_low:Q", title="Aandeel positief", axis=alt.Axis(format=".0%"),
                        scale=alt.Scale(domain=[0, 1])),
                x2="positive_share_high:Q"),
            base.mark_point(filled=True, size=60).encode(x=alt.X("value:Q"), description=alt.Description("description:N")),
            data=rows,
        )
        .properties(width=WIDTH - 230, height=alt.Step(14))
        .facet(row=alt.Row("dimension:N", title=None, sort=None,
                           header=alt.Header(labelAngle=0, labelAlign="left", labelFontWeight="bold", labelLimit=150)))
        .resolve_scale(y="independent")
    )
    return ReportChart("outcomes_by_context", "ind_outcomes_by_context", f"Voor wie werkt het? ({year})",
                       "Het aandeel met een positieve uitkomst naar de situatie bij intake, met het 95%-interval "
                       "(grijze lijn).", faceted)


def evidence_grades(evidence: pl.DataFrame | None) -> ReportChart | None:
    """EVIDENCE.md evidence_assumptions: the grade per assumption and indicator, year by year."""
    if evidence is None or not {"assumption", "indicator", "grade"} <= set(evidence.columns):
        return None
    rows = evidence.filter(pl.col("leerwinkel") == NETWORK).with_columns(
        pl.col("grade").replace(GRADE_WORDS).alias("grade_nl"),
        pl.col("indicator").replace(INDICATOR_WORDS).alias("indicator_nl"),
    ).with_columns(
        (pl.col("assumption") + pl.lit(" · ") + pl.col("indicator_nl")).alias("row"),
        pl.concat_str([pl.lit(NETWORK_LABEL), pl.col("year").cast(pl.String), pl.col("assumption"), pl.col("indicator_nl"),
                       pl.lit("Bewijs: ") + pl.col("grade_nl")], separator="; ").alias("description")
    )
    if rows.is_empty():
        return None
    chart = (
        alt.Chart(rows.select("year", "row", "grade_nl", "description"))
        .mark_rect(stroke="white")
        .encode(
            x=_year_axis(), y=alt.Y("row:N", title=None, sort=None, axis=alt.Axis(labelLimit=300)),
            color=alt.Color("grade_nl:N", title="Bewijs", scale=alt.Scale(domain=GRADE_ORDER, range=GRADE_COLOURS),
                            legend=alt.Legend(orient="bottom")),
            description=alt.Description("description:N"),
        )
        .properties(width=WIDTH - 200, height=alt.Step(16))
    )
    return ReportChart("evidence_grades", "evidence_assumptions", "Hoe sterk is het bewijs? (A1–A4)",
                       "Per veronderstelling en indicator de graad van het bewijs, jaar na jaar (regels in de "
                       "parameters van het bewijs).", chart)


def sroi_tornado(sensitivity: pl.DataFrame | None, year: int | None, sroi: pl.DataFrame | None = None) -> ReportChart | None:
    """SROI.md ind_sroi_sensitivity: the ratio when one parameter alone moves across its range."""
    if sensitivity is None or year is None:
        return None
    wide = sensitivity.filter((pl.col("leerwinkel") == NETWORK) & (pl.col("year") == year)
                              & pl.col("ratio_low").is_not_null() & pl.col("ratio_high").is_not_null())
    if wide.is_empty():
        return None
    data = marks(wide, "ind_sroi_sensitivity", ["ratio_low", "ratio_high"])
    order = (wide.with_columns((pl.col("ratio_high") - pl.col("ratio_low")).abs().alias("w")).sort("w", descending=True)
             .get_column("parameter").to_list())
    labels = marks(wide.sort(pl.col("parameter").replace_strict(order, list(range(len(order))), default=0)),
                   "ind_sroi_sensitivity", ["ratio_low"]).get_column("parameter").to_list()
    y = alt.Y("parameter:N", title=None, sort=labels)
    bar_data = data.pivot(on="column", index=["parameter"], values="value")
    bars = alt.Chart(bar_data).mark_bar(aria=False, color="#9ecae1").encode(
        y=y, x=alt.X("ratio_low:Q", title="SROI-ratio"), x2="ratio_high:Q")
    ticks = alt.Chart(data.select("parameter", "value", "description")).mark_tick(thickness=2, color="#08519c").encode(
        y=y, x="value:Q", description=alt.Description("description:N"))
    layers = [bars, ticks]
    central = (sroi.filter((pl.col("leerwinkel") == NETWORK) & (pl.col("year") == year)).get_column("sroi_ratio").drop_nulls()
               if sroi is not None else pl.Series([], dtype=pl.Float64))
    if central.len():  # the central ratio, named in the SROI chart above: a line, no mark of its own
        layers.append(alt.Chart(pl.DataFrame({"central": [float(central[0])]})).mark_rule(aria=False, color="#d62728")
                      .encode(x="central:Q"))
    chart = alt.layer(*layers).properties(width=WIDTH - 170, height=alt.Step(16))
    return ReportChart("sroi_tornado", "ind_sroi_sensitivity", f"Welke aanname weegt het zwaarst? ({year})",
                       "De SROI-ratio van het netwerk als één parameter over zijn bereik beweegt en de rest centraal "
                       "blijft (rode lijn: de centrale ratio): hoe langer de balk, hoe meer de uitkomst van die "
                       "aanname afhangt.", chart)


def sroi_by_payer(by_payer: pl.DataFrame | None) -> ReportChart | None:
    """SROI.md ind_sroi_by_payer: who gains, in the central scenario."""
    if by_payer is None:
        return None
    wide = by_payer.filter(pl.col("leerwinkel") == NETWORK)
    if "scenario" in wide.columns:
        wide = wide.filter(pl.col("scenario") == "central")
    data = marks(wide, "ind_sroi_by_payer", ["value_eur"])
    if data.is_empty():
        return None
    chart = (
        alt.Chart(_data(data, "year", "payer", "value", "description"))
        .mark_bar()
        .encode(
            x=_year_axis(), y=alt.Y("value:Q", title="Waarde (euro)", stack="zero"),
            color=alt.Color("payer:N", title="Wie wint", legend=alt.Legend(orient="bottom", columns=2)),
            description=alt.Description("description:N"),
        )
        .properties(width=WIDTH, height=HEIGHT)
    )
    return ReportChart("sroi_by_payer", "ind_sroi_by_payer", "Wie wint er? Waarde per betaler",
                       "De maatschappelijke waarde van het netwerk (centraal scenario), verdeeld over wie de "
                       "besparing of opbrengst heeft.", chart)


__all__ = [
    "ReportChart", "evidence_grades", "outcome_bounds", "outcomes_by_context", "outcomes_over_time", "partners",
    "reach_by_leerwinkel", "reach_network", "share_vulnerable", "sroi_by_payer", "sroi_range", "sroi_tornado", "who",
]
