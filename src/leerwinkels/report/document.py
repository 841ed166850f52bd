"""The impact report as one self-contained HTML document (Dutch; inline CSS and SVG, no
script, no external resource), printable on A4: every section starts on a new page and ends
with the data box; the PDF repeats the data line and page numbers in every page's footer."""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from leerwinkels.publication.data_status import DataStatus, dutch_date
from leerwinkels.report.charts import ReportChart
from leerwinkels.report.render import chart_svg

TITLE = "Leerwinkels — impactrapport"

CSS = """
@page { size: A4; margin: 12mm 12mm 16mm 12mm; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 10pt; color: #222;
       max-width: 186mm; margin: 0 auto; line-height: 1.35; }
h1 { font-size: 20pt; margin: 0 0 2mm 0; }
h2 { font-size: 15pt; margin: 0 0 3mm 0; border-bottom: 2px solid #4c78a8; padding-bottom: 1mm; }
h3 { font-size: 11pt; margin: 3mm 0 1mm 0; }
section.page { break-after: page; padding-top: 2mm; }
section.page:last-of-type { break-after: auto; }
figure { break-inside: avoid; margin: 0 0 4mm 0; }
figure svg { max-width: 100%; height: auto; display: block; }
figcaption { font-size: 9pt; color: #444; margin-top: 1mm; }
p.to-come { font-style: italic; color: #555; border-left: 3px solid #ccc; padding-left: 3mm; }
aside.data-box { border: 1px solid #bbb; background: #f5f5f5; padding: 2mm 3mm; font-size: 8pt; break-inside: avoid;
                 margin-top: 3mm; }
aside.data-box p { margin: 0.5mm 0; }
table.figures { border-collapse: collapse; margin: 2mm 0; }
table.figures td, table.figures th { border-bottom: 1px solid #ddd; padding: 1mm 3mm; text-align: left; }
.old { color: #b00020; font-weight: bold; }
"""


@dataclass(frozen=True)
class Section:
    section_id: str
    title: str
    intro: str
    charts: list[ReportChart] = field(default_factory=list)
    to_come: list[str] = field(default_factory=list)  # sentences: what is still to come, no figures
    html: str = ""  # extra content (the summary's figures), already escaped


@dataclass(frozen=True)
class Context:
    """What every data box says: the data's date and state, the parameter versions and the protection."""

    status: DataStatus | None
    versions: dict[str, list[str]]  # what -> versions found in the published tables
    noise_max: int


def data_line(context: Context) -> str:
    status = context.status
    parts = [status.header_line() if status else "Gegevensdatum niet opgegeven."]
    if context.versions:
        parts.append("Parameters: " + ", ".join(f"{what} {'/'.join(v)}" for what, v in context.versions.items()) + ".")
    parts.append(f"Beschermd: elk aantal is met hoogstens {context.noise_max} verstoord.")
    return " ".join(parts)


def data_box(context: Context) -> str:
    status = context.status
    rows = []
    if status is not None:
        when = dutch_date(status.data_date) if status.data_date else "onbekend"
        rows.append(f"<p><b>Gegevens tot {escape(when)}.</b> Per Leerwinkel: " + "; ".join(
            f'<span class="{"old" if lw.old else ""}">{escape(lw.label)}: '
            f'{escape(dutch_date(lw.data_date)) if lw.data_date else "geen gegevens"}'
            f'{" (" + escape(lw.state_nl) + ")" if lw.old else ""}</span>'
            for lw in status.leerwinkels) + ".</p>")
        old = [lw.label for lw in status.old]
        rows.append('<p class="old">Op oude gegevens: ' + escape(", ".join(old)) + ".</p>" if old
                    else "<p>Alle Leerwinkels leverden actuele gegevens.</p>")
    else:
        rows.append("<p>De datum van de gegevens is niet opgegeven.</p>")
    if context.versions:
        rows.append("<p>Parameterversies: " + escape(", ".join(f"{what} {', '.join(v)}" for what, v in context.versions.items())) + ".</p>")
    rows.append(
        f"<p><b>Bescherming.</b> Niemand mag herkenbaar zijn: elk aantal boven 0 is licht verstoord (een vast geheim "
        f"getal van -{context.noise_max} tot +{context.noise_max}, nooit onder 0); aandelen en ratio's zijn berekend op "
        "die verstoorde aantallen. Lees kleine aantallen dus als ongeveer; de rij 'Netwerk' is apart verstoord en is "
        "niet precies de som van de Leerwinkels.</p>"
    )
    return '<aside class="data-box">' + "".join(rows) + "</aside>"


def _figure(chart: ReportChart) -> str:
    return (
        f'<figure class="chart" id="{escape(chart.chart_id)}" data-chart="{escape(chart.chart_id)}" '
        f'data-table="{escape(chart.table)}"><h3>{escape(chart.title)}</h3>{chart_svg(chart)}'
        f"<figcaption>{escape(chart.caption)}</figcaption></figure>"
    )


def _section(section: Section, context: Context) -> str:
    body = [f'<section class="page" id="{escape(section.section_id)}"><h2>{escape(section.title)}</h2>',
            f"<p>{escape(section.intro)}</p>", section.html]
    body += [_figure(chart) for chart in section.charts]
    body += [f'<p class="to-come">{escape(text)}</p>' for text in section.to_come]
    body.append(data_box(context))
    body.append("</section>")
    return "\n".join(body)


def document(sections: list[Section], context: Context) -> str:
    contents = "".join(f'<li><a href="#{escape(s.section_id)}">{escape(s.title)}</a></li>' for s in sections[1:])
    first = sections[0]
    first = Section(first.section_id, first.title, first.intro, first.charts, first.to_come,
                    first.html + f"<h3>In dit rapport</h3><ol>{contents}</ol>")
    return (
        '<!DOCTYPE html>\n<html lang="nl">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(TITLE)}</title>\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<style>{CSS}</style>\n</head>\n<body>\n<h1>{escape(TITLE)}</h1>\n"
        + "\n".join(_section(s, context) for s in [first, *sections[1:]])
        + "\n</body>\n</html>\n"
    )


def pdf_footer(context: Context) -> str:
    """Chromium's footer template: the data line, and page x of y."""
    return (
        '<div style="font-family: DejaVu Sans, Arial, sans-serif; font-size: 7px; width: 100%; margin: 0 12mm; '
        'display: flex; justify-content: space-between; color: #444;">'
        f"<span>{escape(TITLE)} · {escape(data_line(context))}</span>"
        '<span style="white-space: nowrap; margin-left: 4mm;">Pagina <span class="pageNumber"></span> van '
        '<span class="totalPages"></span></span></div>'
    )


__all__ = ["Context", "Section", "data_box", "data_line", "document", "pdf_footer"]
