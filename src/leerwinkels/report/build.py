"""The impact report of a release: read the published CSV files of the release folder, draw
the sections, write ``report.html`` (always) and ``report.pdf`` (when a Chromium is there)
into the same folder, and say what the headline charts show (for the run's metadata).

Sections whose published table has not landed yet say what is still to come, without a figure.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

import polars as pl

from leerwinkels.publication.data_status import DataStatus
from leerwinkels.publication.disclosure import NOISE_MAX
from leerwinkels.publication.headlines import network_reach, network_sroi
from leerwinkels.report import charts
from leerwinkels.report.browser import Browser, BrowserError
from leerwinkels.report.document import Context, Section, document, pdf_footer
from leerwinkels.report.figures import DESCRIPTION_SEPARATOR, complete_year, marks, read_published

REPORT_HTML = "report.html"
REPORT_PDF = "report.pdf"
VERSION_COLUMNS = {"parameter_version": "SROI", "rubric_version": "bewijsrubriek", "evidence_version": "bewijsrubriek"}


@dataclass
class ReportResult:
    html: Path
    pdf: Path | None
    pdf_pages: int | None
    sections: list[str]
    headline: dict[str, int | float]
    message: str | None = None  # why there is no PDF
    charts: list[str] = field(default_factory=list)
    rows_read: int = 0  # rows of the published CSV files the report was drawn from
    headline_table: str = ""  # the network's headline series per year (markdown), as the charts draw them


def _versions(published: dict[str, pl.DataFrame]) -> dict[str, list[str]]:
    found: dict[str, set[str]] = {}
    for frame in published.values():
        for column, what in VERSION_COLUMNS.items():
            if column in frame.columns:
                found.setdefault(what, set()).update(str(v) for v in frame.get_column(column).drop_nulls().unique())
    return {what: sorted(v) for what, v in found.items()}


def _figure_span(row: dict[str, object], table: str) -> str:
    """A figure in the text, with the same description as a chart mark (the browser test reads it)."""
    return (f'<b class="figure" data-table="{escape(table)}" data-description="{escape(str(row["description"]))}">'
            f'{escape(str(row["shown"]))}</b>')


def _summary(published: dict[str, pl.DataFrame], year: int | None) -> tuple[str, dict[str, int | float]]:
    """The headline sentences (published figures only) and the same figures as numbers."""
    headline: dict[str, int | float] = {}
    parts: list[str] = []
    reach = published.get("ind_reach")
    if reach is not None and year is not None:
        rows = marks(reach.filter((pl.col("leerwinkel") == "all") & (pl.col("year") == year)), "ind_reach",
                     ["new_trajectories", "clients_reached", "share_vulnerable"])
        by = {r["column"]: r for r in rows.iter_rows(named=True)}
        if {"new_trajectories", "clients_reached"} <= set(by):
            parts.append(
                f"<p>In {year} startte het netwerk {_figure_span(by['new_trajectories'], 'ind_reach')} nieuwe trajecten en bereikte "
                f"het {_figure_span(by['clients_reached'], 'ind_reach')} cliënten"
                + (f", van wie {_figure_span(by['share_vulnerable'], 'ind_reach')} kwetsbaar" if "share_vulnerable" in by else "")
                + ".</p>"
            )
        latest = network_reach(reach).filter(pl.col("year") == year)
        if latest.height:
            row = latest.row(0, named=True)
            headline |= {"reach_year": year, "network_new_trajectories": int(row["new_trajectories"] or 0),
                         "network_clients_reached": int(row["clients_reached"] or 0)}
            if row["share_vulnerable"] is not None:
                headline["network_share_vulnerable"] = round(float(row["share_vulnerable"]), 4)
    sroi = published.get("ind_sroi")
    ratios = network_sroi(sroi) if sroi is not None else pl.DataFrame()
    if sroi is not None and ratios.height:
        # the complete year when it has a ratio (the running year's cost and outcomes are not in yet)
        chosen = ratios.filter(pl.col("year") == year) if year is not None else ratios.clear()
        last = (chosen if chosen.height else ratios).row(-1, named=True)
        rows = marks(sroi.filter((pl.col("leerwinkel") == "all") & (pl.col("year") == last["year"])),
                     "ind_sroi", ["sroi_ratio", "sroi_ratio_low", "sroi_ratio_high"])
        by = {r["column"]: r for r in rows.iter_rows(named=True)}
        parts.append(
            f"<p>In {last['year']} bracht elke euro werkingskost naar schatting {_figure_span(by['sroi_ratio'], 'ind_sroi')} euro "
            f"maatschappelijke waarde op (laag scenario {_figure_span(by['sroi_ratio_low'], 'ind_sroi')}, hoog "
            f"{_figure_span(by['sroi_ratio_high'], 'ind_sroi')}).</p>"
        )
        headline |= {"sroi_year": int(last["year"]), "network_sroi_ratio": round(float(last["sroi_ratio"]), 4),
                     "network_sroi_ratio_low": round(float(last["sroi_ratio_low"]), 4),
                     "network_sroi_ratio_high": round(float(last["sroi_ratio_high"]), 4)}
    return "".join(parts), headline


def _complete_year(frame: pl.DataFrame | None, data_year: int | None) -> int | None:
    """The last complete year of the network's rows of a published table (None without any)."""
    if frame is None:
        return None
    years = frame.filter(pl.col("leerwinkel") == "all").get_column("year").unique().to_list()
    return complete_year([int(y) for y in years], data_year)


def _present(items: list[charts.ReportChart | None]) -> list[charts.ReportChart]:
    return [c for c in items if c is not None]


def sections_of(published: dict[str, pl.DataFrame], status: DataStatus | None) -> tuple[list[Section], dict[str, int | float]]:
    data_year = status.data_date.year if status and status.data_date else None
    reach = published.get("ind_reach")
    year = _complete_year(reach, data_year)
    summary_html, headline = _summary(published, year)
    context_table = published.get("ind_outcomes_by_context")
    context_year = _complete_year(context_table, data_year)
    sensitivity = published.get("ind_sroi_sensitivity")
    sensitivity_year = _complete_year(sensitivity, data_year)

    outcome_charts = _present([charts.outcomes_over_time(published.get("ind_outcomes")),
                               charts.outcome_bounds(published.get("ind_outcome_bounds")),
                               charts.outcomes_by_context(context_table, context_year),
                               charts.evidence_grades(published.get("evidence_assumptions"))])
    outcome_to_come = []
    if "ind_outcome_bounds" not in published or "ind_outcomes_by_context" not in published:
        outcome_to_come.append(
            "Nog te komen: de uitkomsten op een vaste tijd na de begeleiding met hun 95%-interval, en de grenzen voor "
            "wie de enquête niet beantwoordde (de bewijstabellen ind_outcome_bounds en ind_outcomes_by_context zijn "
            "nog niet gepubliceerd).")
    if "evidence_assumptions" not in published:
        outcome_to_come.append(
            "Nog te komen: de graad van het bewijs voor elke veronderstelling A1 tot A4, jaar na jaar (de tabel "
            "evidence_assumptions is nog niet gepubliceerd).")
    sroi_charts = _present([charts.sroi_range(published.get("ind_sroi")),
                            charts.sroi_tornado(sensitivity, sensitivity_year, published.get("ind_sroi")),
                            charts.sroi_by_payer(published.get("ind_sroi_by_payer"))])
    sroi_to_come = []
    if "ind_sroi_sensitivity" not in published:
        sroi_to_come.append("Nog te komen: welke aanname de ratio het meest bepaalt (de gevoeligheid per parameter, "
                            "tabel ind_sroi_sensitivity, is nog niet gepubliceerd).")
    if "ind_sroi_by_payer" not in published:
        sroi_to_come.append("Nog te komen: de waarde per betaler (federale overheid, Vlaamse overheid, lokaal bestuur; "
                            "tabel ind_sroi_by_payer, is nog niet gepubliceerd).")
    sections = [
        Section("samenvatting", "Samenvatting",
                "Dit rapport toont de gepubliceerde, beschermde cijfers van het netwerk van de Leerwinkels in "
                "grafieken. De exacte cijfers blijven in de databank van het netwerk.",
                html=summary_html),
        Section("bereik", "Bereik",
                "Hoeveel mensen de Leerwinkels bereiken, per jaar, per Leerwinkel en voor het hele netwerk.",
                _present([charts.reach_network(reach), charts.reach_by_leerwinkel(reach), charts.share_vulnerable(reach)])),
        Section("wie", "Wie", "Het profiel van de nieuwe cliënten.",
                _present([charts.who(published.get("ind_reach_breakdown"), year)])),
        Section("partners", "Het partnernetwerk", "Wie verwijst naar de Leerwinkels en naar wie zij doorverwijzen.",
                _present([charts.partners(published.get("ind_referrals"), year)])),
        Section("uitkomsten", "Uitkomsten en bewijs",
                "Wat er na de begeleiding gebeurt, volgens de nazorgenquête, en hoe sterk het bewijs is.",
                outcome_charts, outcome_to_come),
        Section("sroi", "Maatschappelijke waarde (SROI)",
                "De maatschappelijke waarde die de begeleiding oplevert tegenover wat de werking kost.",
                sroi_charts, sroi_to_come),
    ]
    return sections, headline


def build_html(published: dict[str, pl.DataFrame], status: DataStatus | None) -> tuple[str, Context, list[Section], dict[str, int | float]]:
    sections, headline = sections_of(published, status)
    context = Context(status, _versions(published), NOISE_MAX)
    return document(sections, context), context, sections, headline


def headline_markdown(published: dict[str, pl.DataFrame]) -> str:
    """The network's published headline series per year as a markdown table (for the run's metadata)."""
    reach = published.get("ind_reach")
    if reach is None:
        return ""
    table = network_reach(reach)
    sroi = published.get("ind_sroi")
    if sroi is not None:
        table = table.join(network_sroi(sroi).with_columns(pl.col("year").cast(table.schema["year"])), on="year", how="left")
    header = "| " + " | ".join(table.columns) + " |\n|" + "---|" * len(table.columns) + "\n"
    return header + "".join(
        "| " + " | ".join("" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v)) for v in row) + " |\n"
        for row in table.iter_rows()
    )


def _write_atomically(path: Path, data: bytes) -> None:
    """Written under a dot name first, then renamed: a reader never opens half a report."""
    temporary = path.with_name(f".{path.name}.writing")
    with open(temporary, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(temporary, path)


def pdf_page_count(pdf: bytes) -> int:
    """Pages of a PDF as Chromium writes it (one ``/Type /Page`` object per page)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def write_report(folder: Path, status: DataStatus | None, chromium: str | None, *, no_pdf_reason: str | None = None) -> ReportResult:
    """``report.html`` and, with ``chromium``, ``report.pdf`` in the publication ``folder``
    (a release folder), from the published CSV files in it. Without ``chromium`` the result's
    message says why there is no PDF (``no_pdf_reason``, else: no Chromium found)."""
    folder = Path(folder)
    for leftover in folder.glob(".*.writing"):  # a report write that was killed half-way
        leftover.unlink(missing_ok=True)
    published = read_published(folder)
    html, context, sections, headline = build_html(published, status)
    html_path = folder / REPORT_HTML
    _write_atomically(html_path, html.encode("utf-8"))
    result = ReportResult(html_path, None, None, [s.title for s in sections], headline,
                          charts=[c.chart_id for s in sections for c in s.charts],
                          rows_read=sum(frame.height for frame in published.values()),
                          headline_table=headline_markdown(published))
    if chromium is None:
        result.message = no_pdf_reason or "no Chromium found (install Debian's chromium package): report.pdf not written, report.html is"
        return result
    try:
        with Browser(chromium) as browser:
            browser.open(html_path.absolute().as_uri())
            pdf = browser.print_pdf(pdf_footer(context))
    except BrowserError as exc:
        result.message = f"report.pdf not written: {exc}"
        return result
    _write_atomically(folder / REPORT_PDF, pdf)
    result.pdf, result.pdf_pages = folder / REPORT_PDF, pdf_page_count(pdf)
    return result


__all__ = ["DESCRIPTION_SEPARATOR", "REPORT_HTML", "REPORT_PDF", "ReportResult", "build_html", "pdf_page_count", "write_report"]
