"""A chart as inline SVG: rendered offline by vl-convert (Vega-Lite's own renderer, no
network: external data URLs are refused), numbers in Dutch notation, and its element ids
made unique so that several SVGs can live in one HTML page (Vega numbers its clip paths from
1 in every chart: two charts with ``clip1`` would clip each other's marks)."""

from __future__ import annotations

import re
from typing import Final

import vl_convert

from leerwinkels.report.charts import ReportChart

LOCALE: Final = "nl-NL"


def chart_svg(chart: ReportChart) -> str:
    svg = vl_convert.vegalite_to_svg(chart.chart.to_dict(), format_locale=LOCALE, allowed_base_urls=[])
    return unique_ids(svg, chart.chart_id)


def unique_ids(svg: str, prefix: str) -> str:
    """Every ``id`` of ``svg`` and every reference to it (``url(#..)``, ``href="#.."``) prefixed."""
    ids = set(re.findall(r'\bid="([^"]+)"', svg))
    if not ids:
        return svg

    def renamed(name: str) -> str:
        return f"{prefix}-{name}" if name in ids else name

    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{renamed(m.group(1))}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{renamed(m.group(1))})", svg)
    return re.sub(r'href="#([^"]+)"', lambda m: f'href="#{renamed(m.group(1))}"', svg)


__all__ = ["chart_svg", "unique_ids"]
