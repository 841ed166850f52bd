"""The network's impact report (issue 18): after the publication, from its published CSV files
only, into the same release folder."""


import os
from pathlib import Path

import dagster as dg
import polars as pl

from leerwinkels.defs.assets.common import OWNERS
from leerwinkels.defs.conditions import DOWNSTREAM
from leerwinkels.defs.resources import RunSettings
from leerwinkels.publication.data_status import data_status
from leerwinkels.publication.release import current_release, managed_path
from leerwinkels.report.browser import find_chromium
from leerwinkels.report.build import REPORT_HTML, REPORT_PDF, write_report

# "0": no report.pdf (the test suite sets it: most of its runs need no PDF; the report tests print one)
PDF_ENV = "LEERWINKELS_REPORT_PDF"


@dg.asset(
    ins={"dq_deliveries": dg.AssetIn()},
    deps=["publication_export"],
    group_name="publication",
    owners=OWNERS,
    automation_condition=DOWNSTREAM,
    kinds={"html", "pdf"},
    description="The network's impact report: one self-contained Dutch HTML file with charts (reach, who, partner "
                "network, outcomes and evidence, SROI) and a data box on every page, drawn only from the published "
                f"(protected) CSV files of this run's release, plus `{REPORT_PDF}` printed by headless Chromium. "
                "Written into the release folder the publication path points to, after the publication.",
)
def impact_report(context: dg.AssetExecutionContext, settings: RunSettings, dq_deliveries: pl.DataFrame) -> dg.MaterializeResult:
    publication = Path(settings.publication_dir)
    run_id = context.run.run_id
    if current_release(publication) != run_id:
        raise dg.Failure(description=f"the publication path {publication.absolute()} does not show the release of run "
                                     f"{run_id}: no report written (the report belongs to its own release)")
    folder = managed_path(publication).resolve()
    wants_pdf = os.environ.get(PDF_ENV, "1").strip() != "0"
    result = write_report(folder, data_status(dq_deliveries), find_chromium() if wants_pdf else None,
                          no_pdf_reason=None if wants_pdf else f"{PDF_ENV}=0: report.pdf not written")
    if result.message:
        context.log.warning(result.message)
    metadata: dict[str, dg.RawMetadataValue] = {
        name: dg.MetadataValue.float(value) if isinstance(value, float) else dg.MetadataValue.int(value)
        for name, value in result.headline.items()
    }
    metadata |= {
        "report": dg.MetadataValue.path(str(publication.absolute() / REPORT_HTML)),
        "pdf": dg.MetadataValue.path(str(publication.absolute() / REPORT_PDF)) if result.pdf else dg.MetadataValue.text(result.message or "not written"),
        "sections": dg.MetadataValue.md("\n".join(f"- {title}" for title in result.sections)),
        "charts": dg.MetadataValue.int(len(result.charts)),
        "headline_series": dg.MetadataValue.md(result.headline_table or "_no reach table published_"),
        # the published rows the report was drawn from
        "dagster/row_count": dg.MetadataValue.int(result.rows_read),
    }
    if result.pdf_pages is not None:
        metadata["pdf_pages"] = dg.MetadataValue.int(result.pdf_pages)
    return dg.MaterializeResult(metadata=metadata)
