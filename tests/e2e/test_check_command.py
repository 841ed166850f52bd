"""`leerwinkels check LEERWINKEL`: what a run would do with one delivery, writing nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import AS_OF
from tests.factories import genk_rows, write_genk


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(root.rglob("*"))}


def _check(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    return subprocess.run([sys.executable, "-m", "leerwinkels.cli", "check", *args, "--as-of", AS_OF], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_check_reports_files_sheets_and_warnings_and_writes_nothing(tmp_path, sample_landing, personal_values):
    staging = tmp_path / "staging"
    before = _tree(tmp_path)
    done = _check(tmp_path, "brussel", "--sources", str(sample_landing), "--staging", str(staging))
    assert done.returncode == 3, done.stderr
    out = done.stdout
    assert "Leerwinkel_Brussel_2026-11-20.xlsx [Dossiers - Dossiers]" in out
    assert "WARN  Leerwinkel_Brussel_2026-11-20.xlsx [Contacten - Contacts]: 13.5 % quarantined" in out
    assert "WARN  unmapped labour_status label 'Z…(26)'" in out  # the shown value (DELIVERIES.md)
    assert "quarantined per rule:" in out and "(no last good data yet)" in out
    assert out.rstrip().splitlines()[-1].startswith("verdict: a run would use this delivery, with")
    assert "Traceback" not in out + done.stderr
    assert not [v for v in personal_values if v in out + done.stderr]
    assert _tree(tmp_path) == before  # no staging, warehouse, publication or Dagster home appeared


def test_check_without_a_key_works_and_a_clean_delivery_exits_0(tmp_path, sample_landing, monkeypatch):
    monkeypatch.delenv("LEERWINKELS_PSEUDONYM_KEY")  # the check pseudonymises with a throwaway key
    monkeypatch.setenv("LEERWINKELS_QUARANTINE_WARN_SHARE", "0.5")
    done = _check(tmp_path, "gent", "--sources", str(sample_landing), "--staging", str(tmp_path / "s"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.rstrip().endswith("verdict: a run would use this delivery")


def test_check_says_a_missing_delivery_would_not_be_used(tmp_path, sample_landing):
    for path in (sample_landing / "genk").glob("klanten_*.csv"):
        path.unlink()
    done = _check(tmp_path, "genk", "--sources", str(sample_landing))
    assert done.returncode == 1
    assert "genk: missing:" in done.stdout and "klanten_*.csv" in done.stdout
    assert "verdict: a run would NOT use this delivery (missing)" in done.stdout


def test_check_says_a_shrunken_delivery_would_be_held_until_accepted(tmp_path, sample_landing, sample_run):
    staging = tmp_path / "staging"
    shutil.copytree(sample_run.root / "staging", staging)  # the last good data of a run, copied: accept writes there
    path, lines = genk_rows(sample_landing)
    path.chmod(0o644)
    write_genk(path, lines[:6])  # five of its clients left
    before = _tree(staging)
    done = _check(tmp_path, "genk", "--sources", str(sample_landing), "--staging", str(staging))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "genk: held:" in done.stdout and "leerwinkels accept genk" in done.stdout
    assert _tree(staging) == before
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    accept = subprocess.run([sys.executable, "-m", "leerwinkels.cli", "accept", "genk", "--sources", str(sample_landing),
                             "--staging", str(staging)], capture_output=True, text=True, timeout=300, env=env)
    assert accept.returncode == 0, accept.stderr
    done = _check(tmp_path, "genk", "--sources", str(sample_landing), "--staging", str(staging))
    assert done.returncode in (0, 3), done.stdout + done.stderr
    assert "held by a guard but accepted by a steward" in done.stdout
