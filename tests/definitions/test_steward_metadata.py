"""What a data steward sees in the UI: every materialisation has a row count; the ingest and
quality tables carry the numbers the UI plots over time and a table of quarantined rows
(file, sheet, row, rule, column) without any personal value."""

from __future__ import annotations

import dagster as dg
import pytest

from leerwinkels.ingest.source_specs import LEERWINKELS, PARTITIONS
from leerwinkels.ingest.staged_tables import RULES
from leerwinkels.run.runner import consolidate
from tests.conftest import AS_OF, SAMPLES


@pytest.fixture(scope="module")
def materialisations(tmp_path_factory) -> dict[tuple[str, str | None], dict]:
    root = tmp_path_factory.mktemp("metadata_run")
    mp = pytest.MonkeyPatch()
    from tests.conftest import TEST_KEY

    mp.setenv("LEERWINKELS_PSEUDONYM_KEY", TEST_KEY)
    instance = dg.DagsterInstance.ephemeral()
    try:
        result = consolidate(sources=SAMPLES / "landing", database_url=f"sqlite:///{root / 'w.sqlite'}", as_of=AS_OF,
                             staging_dir=root / "staging", publication_dir=root / "publication", instance=instance, quiet=True)
        assert result.success, result.error
        found = {}
        for run_id in result.run_ids:
            for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION):
                m = record.dagster_event.event_specific_data.materialization
                found[(m.asset_key.to_user_string(), m.partition)] = dict(m.metadata)
        return found
    finally:
        instance.dispose()
        mp.undo()


def test_every_materialisation_reports_its_row_count(materialisations):
    from leerwinkels.definitions import defs

    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {key for key, _ in materialisations} == keys
    assert {p for key, p in materialisations if key == "staged_leerwinkel"} == set(PARTITIONS)
    for key, metadata in materialisations.items():
        assert isinstance(metadata.get("dagster/row_count"), dg.IntMetadataValue), key


def test_each_leerwinkel_partition_plots_quarantine_per_rule_and_rate(materialisations, personal_values):
    for code in PARTITIONS:
        metadata = materialisations[("staged_leerwinkel", code)]
        for rule in RULES:
            assert isinstance(metadata[f"quarantined_{rule}"], dg.IntMetadataValue)
        assert isinstance(metadata["quarantine_rate"], dg.FloatMetadataValue)
        assert sum(metadata[f"quarantined_{rule}"].value for rule in RULES) == metadata["rows_quarantined"].value
        table = metadata["quarantined_rows"].value
        assert isinstance(metadata["quarantined_rows"], dg.MarkdownMetadataValue)
        if metadata["rows_quarantined"].value:
            header = table.splitlines()[0]
            for column in ("file_name", "sheet", "row_number", "rule", "column"):
                assert column in header
        assert not any(value in table for value in personal_values if len(value) > 3)


def test_the_quality_tables_plot_the_network_figures(materialisations, personal_values):
    trajectories = materialisations[("trajectories", None)]
    for code in LEERWINKELS:
        assert isinstance(trajectories[f"trajectories_{code}"], dg.IntMetadataValue)
    assert sum(trajectories[f"trajectories_{code}"].value for code in LEERWINKELS) == trajectories["dagster/row_count"].value

    files = materialisations[("dq_source_files", None)]
    assert isinstance(files["quarantine_rate"], dg.FloatMetadataValue)
    for code in PARTITIONS:
        assert isinstance(files[f"quarantine_rate_{code}"], dg.FloatMetadataValue)

    quarantine = materialisations[("dq_quarantine", None)]
    assert sum(quarantine[f"quarantined_{rule}"].value for rule in RULES) == quarantine["dagster/row_count"].value
    preview = quarantine["preview"].value
    assert "row_number" in preview and "rule" in preview
    assert not any(value in preview for value in personal_values if len(value) > 3)

    deliveries = materialisations[("dq_deliveries", None)]
    assert deliveries["stale_count"].value == 0 and deliveries["missing_deliveries"].value == 0
    assert materialisations[("dq_unmapped_values", None)]["unmapped_labels"].value == 1
