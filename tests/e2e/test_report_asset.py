"""The impact report in Dagster: an asset of the publication group after the publication; a
run writes report.html and report.pdf into its release, and the materialisation shows the
headline charts' figures (the published ones) and where the report is. Without Chromium the
HTML is still written and the run says, in one line, why there is no PDF."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from leerwinkels.publication.data_status import data_status
from leerwinkels.report.browser import find_chromium
from leerwinkels.report.build import REPORT_HTML, REPORT_PDF, write_report
from leerwinkels.run.runner import consolidate
from leerwinkels.run.summary import report_lines
from tests.conftest import AS_OF, SAMPLES


def test_report_is_a_publication_asset_after_the_export():
    from leerwinkels.definitions import defs

    graph = defs.resolve_asset_graph()
    node = graph.get(dg.AssetKey("impact_report"))
    assert node.group_name == "publication"
    assert dg.AssetKey("publication_export") in node.parent_keys


def test_a_run_writes_the_report_and_its_pdf_with_headline_metadata(tmp_path, monkeypatch):
    if find_chromium() is None:
        if os.environ.get("CI"):
            pytest.fail("no Chromium in CI: .ci/run installs Debian's chromium package")
        pytest.skip("no Chromium here (apt-get install chromium); CI runs this test")
    monkeypatch.setenv("LEERWINKELS_REPORT_PDF", "1")  # as `make run` does (the suite turns it off)
    instance = dg.DagsterInstance.ephemeral()
    try:
        result = consolidate(sources=SAMPLES / "landing", database_url=f"sqlite:///{tmp_path / 'w.sqlite'}", as_of=AS_OF,
                             staging_dir=tmp_path / "staging", publication_dir=tmp_path / "publication",
                             instance=instance, quiet=True)
        assert result.success, result.error
        event = instance.get_latest_materialization_event(dg.AssetKey("impact_report"))
        assert event is not None and event.asset_materialization is not None
        metadata = event.asset_materialization.metadata
    finally:
        instance.dispose()
    publication = tmp_path / "publication"
    assert (publication / REPORT_HTML).is_file() and (publication / REPORT_PDF).read_bytes().startswith(b"%PDF-")
    assert metadata["report"].value == str(publication.absolute() / REPORT_HTML)
    assert metadata["pdf_pages"].value >= 6
    reach = pl.read_csv(publication / "ind_reach.csv").filter(
        (pl.col("leerwinkel") == "all") & (pl.col("year") == metadata["reach_year"].value))
    # the published figures, as the chart draws them
    assert metadata["network_new_trajectories"].value == reach["new_trajectories"][0]
    assert metadata["network_clients_reached"].value == reach["clients_reached"][0]
    assert isinstance(metadata["network_sroi_ratio"], dg.FloatMetadataValue)
    assert metadata["headline_series"].value.startswith("| year | new_trajectories | clients_reached | share_vulnerable")
    assert report_lines(publication) == [f"report: {(publication / REPORT_HTML).absolute()} and report.pdf"]


def test_without_chromium_the_html_is_written_and_the_reason_said(sample_run, tmp_path):
    folder = tmp_path / "release"
    shutil.copytree(Path(sample_run.root) / "publication", folder)
    (folder / REPORT_HTML).unlink()
    result = write_report(folder, data_status(sample_run.tables["dq_deliveries"]), None)
    assert (folder / REPORT_HTML).is_file() and not (folder / REPORT_PDF).exists()
    assert result.pdf is None and "no Chromium found" in (result.message or "")
    assert "no report.pdf" in report_lines(folder)[0]
    assert not [p.name for p in folder.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_sections_say_what_is_still_to_come_without_figures(sample_run):
    html = (Path(sample_run.root) / "publication" / REPORT_HTML).read_text(encoding="utf-8")
    for section in ("Samenvatting", "Bereik", "Wie", "Het partnernetwerk", "Uitkomsten en bewijs", "Maatschappelijke waarde (SROI)"):
        assert f"<h2>{section}</h2>" in html
    # until the evidence and SROI tables are published: a sentence, never a placeholder figure
    for table in ("ind_outcome_bounds", "evidence_assumptions", "ind_sroi_sensitivity", "ind_sroi_by_payer"):
        if not (Path(sample_run.root) / "publication" / f"{table}.csv").exists():
            assert table in html and "Nog te komen" in html
    assert "<script" not in html and "<link" not in html and "src=" not in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "").replace(
        'xmlns:xlink="http://www.w3.org/1999/xlink"', "")
    assert 'lang="nl"' in html
