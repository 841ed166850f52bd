"""What a data steward sees in the UI: every materialisation has a row count; the ingest and
quality tables carry the numbers the UI plots over time and a table of quarantined rows
(file, sheet, row, rule, column) without any personal value."""

from __future__ import annotations

import dagster as dg
import pytest

from leerwinkels.ingest.source_specs import LEERWINKELS, PARTITIONS
from leerwinkels.ingest.staged_tables import RULES
from tests.conftest import AS_OF


@pytest.fixture(scope="module")
def materialisations(sample_run) -> dict[tuple[str, str | None], dict]:
    """(asset key, partition) -> metadata of every materialisation of the session's sample run."""
    return sample_run.materialisations


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
        rate = metadata["quarantine_rate_percent"]
        assert isinstance(rate, dg.FloatMetadataValue)
        read, quarantined = metadata["rows_read"].value, metadata["rows_quarantined"].value
        assert rate.value == (round(100 * quarantined / read, 2) if read else 0.0)  # 4.64, not 0.0464367816091954
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
    assert isinstance(files["quarantine_rate_percent"], dg.FloatMetadataValue)
    for code in PARTITIONS:
        rate = files[f"quarantine_rate_percent_{code}"]
        assert isinstance(rate, dg.FloatMetadataValue) and rate.value == round(rate.value, 2) and 0 <= rate.value <= 100

    quarantine = materialisations[("dq_quarantine", None)]
    assert sum(quarantine[f"quarantined_{rule}"].value for rule in RULES) == quarantine["dagster/row_count"].value
    preview = quarantine["preview"].value
    assert "row_number" in preview and "rule" in preview
    assert not any(value in preview for value in personal_values if len(value) > 3)

    deliveries = materialisations[("dq_deliveries", None)]
    assert deliveries["stale_count"].value == 0 and deliveries["missing_deliveries"].value == 0
    assert materialisations[("dq_unmapped_values", None)]["unmapped_labels"].value == 1


def test_the_staged_overview_counts_what_each_partition_staged(materialisations):
    """`netwerk` stages referrals and contacts, no trajectories: its row count is not 0."""
    for code in PARTITIONS:
        metadata = materialisations[("staged_leerwinkel", code)]
        assert metadata["dagster/row_count"].value >= metadata["trajectories"].value
    netwerk = materialisations[("staged_leerwinkel", "netwerk")]
    assert netwerk["trajectories"].value == 0 < netwerk["dagster/row_count"].value


def test_ind_reach_plots_the_network_reach_of_the_latest_year(materialisations):
    reach = materialisations[("ind_reach", None)]
    for name in ("network_year", "network_new_trajectories", "network_clients_reached"):
        assert isinstance(reach[name], dg.IntMetadataValue), name
    assert 2000 < reach["network_year"].value <= int(AS_OF[:4])
    assert reach["network_clients_reached"].value > 0 and reach["network_new_trajectories"].value >= 0


def test_reach_plot_metadata_is_the_network_row_of_the_latest_year():
    import polars as pl

    from leerwinkels.defs.assets.indicators import reach_plot_metadata

    frame = pl.DataFrame({
        "leerwinkel": ["all", "all", "genk"], "year": [2025, 2026, 2026],
        "new_trajectories": [10, 12, 5], "clients_reached": [30, 33, 9],
    })
    metadata = reach_plot_metadata(frame)
    assert {k: v.value for k, v in metadata.items()} == {
        "network_year": 2026, "network_new_trajectories": 12, "network_clients_reached": 33}
    assert reach_plot_metadata(frame.head(0)) == {}
