"""The disclosure control as a whole run shows it: information loss reported, check passed."""

from __future__ import annotations


def test_a_run_reports_its_information_loss_and_the_check_passes(sample_run):
    log = sample_run.log
    for key in ("perturbed_cells", "max_abs_change", "mean_abs_change", "headline_cells_published", "information_loss"):
        assert key in log, key
    assert "Asset check 'publication_suppresses_small_cells' on 'publication_export' passed" in log
