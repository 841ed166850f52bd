"""The steward's terminal after `leerwinkels consolidate`: failed checks with the file and sheet
they concern, stale Leerwinkels marked with the date of their data, a verdict; and in the UI,
a missing key named with its README section."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import dagster as dg

from leerwinkels.quality.targets import MEASURES
from tests.conftest import AS_OF


def _consolidate(tmp_path: Path, landing: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    return subprocess.run(
        [sys.executable, "-m", "leerwinkels.cli", "consolidate", "--sources", str(landing), "--as-of", AS_OF,
         "--database", f"sqlite:///{tmp_path / 'w.sqlite'}", "--staging", str(tmp_path / "staging"),
         "--publication", str(tmp_path / "publication")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
    )


def test_the_summary_lists_every_failed_check_and_marks_a_stale_leerwinkel(tmp_path, sample_landing, personal_values, cli_sample_run):
    first = cli_sample_run.done  # the CLI on the samples (the session's run)
    assert first.returncode == 0, first.stderr
    out = first.stdout
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["leerwinkel", "files"]
    (header,) = [line for line in lines if line.startswith("failed checks: ")]
    # issue 16: the samples' survey also gives the two evidence WARN checks (few in-window answers,
    # a reweighting gap); issue 20: a WARN per Leerwinkel whose scorecard has a measure in red;
    # both on top of the three deliberate defects
    with sqlite3.connect(cli_sample_run.root / "w.sqlite") as db:
        db.row_factory = sqlite3.Row
        card = [dict(row) for row in db.execute("SELECT * FROM dq_scorecard")]
    red = {row["leerwinkel"]: [m for m in MEASURES if row[f"{m}_status"] == "red"] for row in card if row["status"] == "red"}
    assert header.startswith(f"failed checks: {5 + len(red)}, ")
    for code, measures in red.items():  # one line per red measure, with its figure and the Leerwinkel's fix list
        mine = [line for line in lines if line.startswith(f"  WARN  scorecard_not_red_{code} (dq_scorecard): {code}: ")]
        assert [line.split(": ")[2].split()[0] for line in mine] == measures
        assert all(f"its fix list: feedback/{code}.xlsx" in line and " red, above " in line for line in mine)
    findings = int(header.split(", ")[1].split()[0])
    assert findings == sum(1 for line in lines if line.startswith(("  WARN ", "  ERROR ")))  # the count adds up
    assert ("WARN  quarantine_share_within_limit (dq_source_files): brussel: Leerwinkel_Brussel_2026-11-20.xlsx "
            "[Dossiers - Dossiers]: 5 of 33 rows quarantined (15.2 %") in out
    assert "WARN  no_unmapped_labels (dq_unmapped_values): brussel: labour_status label 'Z…(26)'" in out
    assert "WARN  sroi_costs_complete (ind_sroi): leuven: no cost row for 2021" in out
    assert "WARN  evidence_response_rate_in_window (ind_outcome_bounds): " in out
    assert "WARN  evidence_weighting_gap (ind_outcome_bounds): " in out
    assert lines[-1] == "verdict: success with warnings"
    assert "Traceback" not in out + first.stderr
    assert not [v for v in personal_values if v in out + first.stderr]

    # Brussel's new delivery is damaged: it keeps its last good data, the run publishes the rest (exit 3);
    # the next run goes on from a copy of the first one's tables, staging and publication
    for name in ("w.sqlite", "staging", "publication", ".publication.releases"):
        source = cli_sample_run.root / name
        if source.is_dir() and not source.is_symlink():
            shutil.copytree(source, tmp_path / name, symlinks=True)
        else:
            shutil.copy2(source, tmp_path / name, follow_symlinks=False)
    (workbook,) = (sample_landing / "brussel").glob("*.xlsx")
    workbook.chmod(0o644)
    workbook.write_bytes(workbook.read_bytes()[:3000])
    second = _consolidate(tmp_path, sample_landing)
    assert second.returncode == 3, second.stderr
    (brussel,) = [line for line in second.stdout.splitlines() if line.startswith("brussel ")]
    assert "STALE (unreadable), data of " in brussel
    assert "WARN  deliveries_fresh (dq_deliveries): brussel: unreadable, on its last good data:" in second.stdout
    assert "exit code 3: published, with brussel on their last good data" in second.stdout
    assert second.stdout.splitlines()[-1] == "verdict: success with warnings"


def test_the_ui_names_a_missing_key_and_where_it_is_described(tmp_path, sample_landing, monkeypatch):
    from leerwinkels.definitions import build_resources
    from leerwinkels.defs.assets.ingest import staged_leerwinkel

    monkeypatch.delenv("LEERWINKELS_PSEUDONYM_KEY")
    resources = build_resources(sources=str(sample_landing), database_url=f"sqlite:///{tmp_path / 'wh.sqlite'}",
                                staging_dir=str(tmp_path / "staging"), publication_dir=str(tmp_path / "publication"))
    result = dg.materialize([staged_leerwinkel], partition_key="genk", resources=resources, raise_on_error=False)
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    description = failure.step_failure_data.user_failure_data.description
    assert "LEERWINKELS_PSEUDONYM_KEY is not set" in description
    assert 'README.md, section "Environment variables"' in description
