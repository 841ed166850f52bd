"""A run is one release (DELIVERIES.md): the warehouse tables and the publication export of a
run are replaced together or not at all, a killed run leaves nothing that looks like output,
and only one consolidation runs at a time against one staging folder.

Real parts only: SQLite files, the Dagster graph (in-process and as the CLI in its own
process), a real lock held by another process, a real full disk (a small tmpfs) where
mounting is allowed, SIGKILL."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from leerwinkels.cli import _what_changed
from leerwinkels.definitions import build_resources
from leerwinkels.defs.resources import Warehouse
from leerwinkels.publication.release import current_release, publish_release, releases_dir, remove_leftovers
from leerwinkels.publication.value_map import VALUE_MAP_NAME
from leerwinkels.publication.workbook import EXPLANATION_SHEET, TABLES, WORKBOOK_NAME
from leerwinkels.quality.feedback_workbook import FEEDBACK_DIR
from leerwinkels.report.build import REPORT_HTML
from leerwinkels.run.lock import consolidation_lock
from leerwinkels.run.runner import consolidate
from leerwinkels.run.staging_leftovers import clear_staging_leftovers
from leerwinkels_demo import generate_landing
from tests.conftest import TEST_KEY
from tests.factories import REPO_ROOT as ROOT
from tests.factories import write_lock_held_by_another_process

AS_OF = "2026-11-26"
# the impact report is written into the release after the switch (report.pdf is off in tests: conftest)
OUTPUT_FILES = sorted([f"{name}.csv" for name in TABLES] + [WORKBOOK_NAME, VALUE_MAP_NAME, REPORT_HTML])
SQLITE_FILES = {"w.sqlite", "w.sqlite-wal", "w.sqlite-shm", "w.sqlite-journal"}
TEMPORARY_SUFFIXES = (".tmp", ".old", ".partial")


# --------------------------------------------------------------------------- helpers


def cli_command(site: Path) -> list[str]:
    return [
        sys.executable, "-m", "leerwinkels.cli", "consolidate", "--sources", str(site / "landing"),
        "--database", f"sqlite:///{site / 'w.sqlite'}", "--as-of", AS_OF,
        "--staging", str(site / "staging"), "--publication", str(site / "publication"),
    ]


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DAGSTER_HOME", "LEERWINKELS_LOCK_WAIT_SECONDS"}}
    return {**env, "LEERWINKELS_PSEUDONYM_KEY": TEST_KEY, **extra}


def start_cli(site: Path, **extra: str) -> subprocess.Popen[str]:
    # its own process group: SIGKILL reaches the whole run
    return subprocess.Popen(
        cli_command(site), cwd=ROOT, env=cli_env(**extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, start_new_session=True,
    )


def run_cli(site: Path, **extra: str) -> tuple[int, str]:
    proc = start_cli(site, **extra)
    out, err = proc.communicate(timeout=300)
    return proc.returncode, out + err


def consolidate_site(site: Path, **overrides) -> object:
    """One in-process consolidation of ``site`` (resources replaced by ``overrides``)."""
    resources = build_resources(
        sources=str(site / "landing"), database_url=f"sqlite:///{site / 'w.sqlite'}", as_of=AS_OF,
        staging_dir=str(site / "staging"), publication_dir=str(site / "publication"),
    )
    return consolidate(resources={**resources, **overrides}, quiet=True)


def release_of(publication: Path) -> tuple[str, dict[str, bytes]]:
    """The release the publication path shows, checked whole: a symlink to a release folder
    holding exactly the CSV files and the workbook, the workbook naming that run (and, not public,
    the folder of the six feedback workbooks of issue 20)."""
    assert publication.is_symlink(), "the publication path is a symlink to the current release"
    folder = publication.resolve()
    assert folder.parent == releases_dir(publication).resolve()
    assert sorted(p.name for p in publication.iterdir() if p.name != FEEDBACK_DIR) == OUTPUT_FILES
    assert len(list((publication / FEEDBACK_DIR).glob("*.xlsx"))) == 6
    run_id = folder.name
    wb = openpyxl.load_workbook(publication / WORKBOOK_NAME, read_only=True)
    assert f"Run: {run_id}" in [row[0] for row in wb[EXPLANATION_SHEET].iter_rows(max_row=3, values_only=True)]
    wb.close()
    for name in TABLES:  # every CSV complete: parses, with its header
        frame = pl.read_csv(publication / f"{name}.csv", infer_schema=False)
        assert frame.columns == [c.name for c in TABLES[name].published] and frame.height > 0
    return run_id, {name: (publication / name).read_bytes() for name in OUTPUT_FILES}


def warehouse_of(site: Path) -> str:
    """The run id of the warehouse's one set of tables, checked: every table's rows as
    warehouse_loads recorded them in the same transaction."""
    con = sqlite3.connect(site / "w.sqlite")
    try:
        loads = con.execute("SELECT table_name, rows, run_id FROM warehouse_loads").fetchall()
        assert len({run_id for _, _, run_id in loads}) == 1, "one load, never a mix"
        for table, rows, _ in loads:
            assert con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] == rows, table
    finally:
        con.close()
    return loads[0][2]


def temporaries(site: Path) -> list[str]:
    """Everything a run writes only on the way (temporary release folders, write_frames'
    .tmp/.old folders, switch links), relative to ``site``."""
    found = []
    for path in site.rglob("*"):
        if "landing" in path.relative_to(site).parts[:1]:
            continue
        if path.name.endswith(TEMPORARY_SUFFIXES) or ".switch." in path.name:
            found.append(str(path.relative_to(site)))
    return sorted(found)


def assert_nothing_looks_like_output(site: Path) -> None:
    """What a reader sees: the publication folder holds the outputs only; every temporary
    name is hidden and never ends in an output's extension."""
    assert sorted(p.name for p in (site / "publication").iterdir() if p.name != FEEDBACK_DIR) == OUTPUT_FILES
    assert {p.name for p in site.iterdir()} <= {"landing", "staging", "publication", ".publication.releases", *SQLITE_FILES} | {
        p.name for p in site.iterdir() if p.name.startswith(".publication.switch.")
    }
    for name in temporaries(site):
        leaf = Path(name).name
        assert leaf.startswith("."), name
        assert not leaf.endswith((".csv", ".xlsx", ".parquet", ".sqlite")), name


def assert_clean(site: Path) -> None:
    """After a successful run: no temporary left, the current and the previous release only."""
    assert temporaries(site) == []
    releases = [p.name for p in releases_dir(site / "publication").iterdir() if p.name != ".lock"]
    assert 1 <= len(releases) <= 2 and not any(name.startswith(".") for name in releases), releases


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A small generated landing folder consolidated once by the CLI: the previous release."""
    root = tmp_path_factory.mktemp("release_template")
    generate_landing(root / "landing", trajectories=200, seed=11, workers=1, as_of=date(2026, 11, 26))
    code, output = run_cli(root)
    assert code == 0, output
    return root


@pytest.fixture
def site(template: Path, tmp_path: Path) -> Path:
    """A private copy of the template (the publication symlink stays a relative symlink)."""
    target = tmp_path / "site"
    shutil.copytree(template, target, symlinks=True)
    return target


# --------------------------------------------------------------------------- warehouse failures


def test_a_failed_warehouse_write_leaves_the_previous_release(site: Path) -> None:
    before_id, before_files = release_of(site / "publication")
    assert warehouse_of(site) == before_id  # one release: the tables and the export of one run

    # 1. another process holds the SQLite write lock (BEGIN EXCLUSIVE)
    with write_lock_held_by_another_process(site / "w.sqlite"):
        busy = Warehouse(url=f"sqlite:///{site / 'w.sqlite'}", lock_timeout_seconds=0.5)
        result = consolidate_site(site, warehouse=busy)
    assert not result.success and result.failed_step == "warehouse_tables"
    assert not result.tables_written and not result.published
    assert "busy" in result.error and "rolled back" in result.error
    message = _what_changed(result)
    assert "rolled back: nothing changed" in message and before_id in message
    assert release_of(site / "publication") == (before_id, before_files)
    assert warehouse_of(site) == before_id
    assert temporaries(site) == []

    # 2. the database refuses the write at its very end (the bookkeeping row), after every
    #    table was replaced inside the transaction
    con = sqlite3.connect(site / "w.sqlite")
    con.execute("CREATE TRIGGER refuse BEFORE INSERT ON warehouse_loads BEGIN SELECT RAISE(ABORT, 'the-databases-own-text'); END")
    con.commit()
    con.close()
    result = consolidate_site(site)
    assert not result.success and result.failed_step == "warehouse_tables" and not result.tables_written
    assert "rolled back: the database refused it" in result.error and "the-databases-own-text" not in result.error
    assert release_of(site / "publication") == (before_id, before_files)
    assert warehouse_of(site) == before_id
    assert temporaries(site) == []

    # 3. the next run succeeds: a new release, tables and export of the same run
    con = sqlite3.connect(site / "w.sqlite")
    con.execute("DROP TRIGGER refuse")
    con.commit()
    con.close()
    result = consolidate_site(site)
    assert result.success, result.error
    after_id, _ = release_of(site / "publication")
    assert after_id == result.run_id == warehouse_of(site) != before_id
    assert result.release == after_id
    assert_clean(site)


# --------------------------------------------------------------------------- disk full


@pytest.fixture
def small_disk(tmp_path: Path):
    """An 8 MB tmpfs (we run as root in the test container), or None where mounting is not
    permitted. 8 MB: room for two releases of the samples with the impact report, the Value
    Map and the feedback workbooks, once the filler is gone."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        yield None
        return
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_during_the_publication_write_keeps_the_previous_publication(site, small_disk, monkeypatch):
    before_id, before_files = release_of(site / "publication")
    if small_disk is not None:
        # the publication on a small disk: the previous release on it, then the disk filled
        for name in ("publication", ".publication.releases"):
            shutil.move(site / name, small_disk / name)
        publication = small_disk / "publication"
        stat = os.statvfs(small_disk)
        filler = small_disk / "filler"
        filler.write_bytes(b"\0" * (stat.f_bavail * stat.f_frsize - 40_000))  # less than one release
        free_space: Callable[[], None] = filler.unlink
    else:
        # mounting not permitted: the operating system's answer injected into the writer
        import leerwinkels.publication.workbook as publication_module

        real_write = publication_module._write_file
        monkeypatch.setattr(publication_module, "_write_file", lambda path, write: (_ for _ in ()).throw(
            OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))) if path.suffix == ".xlsx" else real_write(path, write))
        publication = site / "publication"
        free_space = lambda: monkeypatch.setattr(publication_module, "_write_file", real_write)

    settings = build_resources(publication_dir=str(publication), as_of=AS_OF)["settings"]
    result = consolidate_site(site, settings=settings)
    assert not result.success and result.failed_step == "publication_export"
    assert "No space left on device" in result.error
    # the tables are this run's (committed first); the publication is the previous one, whole
    assert result.tables_written and not result.published
    assert warehouse_of(site) == result.run_id != before_id
    assert release_of(publication) == (before_id, before_files)
    message = _what_changed(result)
    assert f"ARE this run's (run {result.run_id})" in message and f"release {before_id}" in message
    assert "Run the consolidation again" in message
    assert [p for p in releases_dir(publication).iterdir() if p.name.startswith(".") and p.name != ".lock"] == []

    free_space()
    result = consolidate_site(site, settings=settings)
    assert result.success, result.error
    assert release_of(publication)[0] == result.run_id == warehouse_of(site)


def test_an_unprotected_export_is_never_switched_to(site, monkeypatch):
    """The blocking protection test runs on the new release before the switch: a release
    whose counts are not the protection's is refused and the previous publication stays."""
    import leerwinkels.publication.workbook as publication_module

    before = release_of(site / "publication")
    write_csv = publication_module._write_csv

    def buggy(df, table, path):  # a protection bug: every count written as 3
        counts = [c.name for c in table.published if c.kind == "count" and c.name in df.columns]
        return write_csv(df.with_columns([pl.lit(3, dtype=df.schema[c]).alias(c) for c in counts]), table, path)

    monkeypatch.setattr(publication_module, "_write_csv", buggy)
    result = consolidate_site(site)
    assert not result.success and result.failed_step == "publication_export" and not result.published
    assert "was refused before it was switched to" in result.error and "not the value the protection gives" in result.error
    assert release_of(site / "publication") == before
    assert temporaries(site) == []


# --------------------------------------------------------------------------- SIGKILL


def _kill_when(proc: subprocess.Popen[str], condition: Callable[[], bool], timeout: float = 120) -> bool:
    """SIGKILL the run's process group as soon as ``condition()`` holds; False when the run
    ended first."""
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        if condition():
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return True
        time.sleep(0.005)
    proc.communicate()
    return False


def test_a_killed_run_leaves_a_whole_release_and_the_next_run_cleans_up(site: Path) -> None:
    publication = site / "publication"
    previous, _ = release_of(publication)
    wal = site / "w.sqlite-wal"

    def partial_release() -> bool:
        return any(p.name.endswith(".partial") for p in releases_dir(publication).iterdir())

    def changed(path: Path) -> Callable[[], bool]:
        since = time.time()

        def newer() -> bool:
            try:  # SQLite removes its -wal file when the last connection closes
                return path.stat().st_mtime > since
            except FileNotFoundError:
                return False

        return newer

    moments = {
        # the first Leerwinkel's staged folder replaced (write_frames renames in this folder)
        "during the ingest": lambda: changed(site / "staging" / "staged_leerwinkel"),
        "once the warehouse is written to": lambda: changed(wal),
        "during the publication write": lambda: partial_release,
    }
    killed = []
    for moment, make_condition in moments.items():
        proc = start_cli(site)
        if _kill_when(proc, make_condition()):
            killed.append(moment)
        # whatever the moment: a whole release, one set of tables, no mix of runs
        current, _ = release_of(publication)
        tables = warehouse_of(site)
        # the publication is the tables' release, or -- killed between the warehouse commit
        # and the switch -- still the previous one
        assert current in (tables, previous), moment
        assert_nothing_looks_like_output(site)
        previous = current
    assert killed, "no run was killed: the runs ended before every moment"

    left = temporaries(site)
    code, output = run_cli(site)
    assert code == 0, output
    assert not left or "cleared what an interrupted run had left" in output
    assert "Traceback" not in output
    current, _ = release_of(publication)
    assert current == warehouse_of(site)
    assert_clean(site)


def test_the_next_run_removes_leftovers_and_completes_a_pending_switch(site: Path, tmp_path: Path) -> None:
    """The leftovers of a kill at each step of a write, made as the writers make them."""
    publication = site / "publication"
    previous, _ = release_of(publication)
    # write_frames killed between its two renames: the target is gone, .old is the last good data
    ind_reach = site / "staging" / "ind_reach"
    ind_reach.rename(site / "staging" / f".ind_reach.{'a' * 32}.old")
    (site / "staging" / f".ind_reach.{'b' * 32}.tmp").mkdir()
    (site / "staging" / f".trajectories.{'c' * 32}.tmp").mkdir()
    # a release killed mid-write, and a complete one killed just before its switch
    partial = releases_dir(publication) / ".run-killed.partial"
    partial.mkdir()
    (partial / "ind_reach.csv").write_text("leerwinkel\n")
    pending = releases_dir(publication) / "run-pending"
    shutil.copytree(publication.resolve(), pending)
    (site / ".publication.switch.99999").symlink_to(f".publication.releases/{pending.name}")

    done = clear_staging_leftovers(site / "staging") + remove_leftovers(publication)
    assert (site / "staging" / "ind_reach").is_dir() and any("restored" in d for d in done)
    assert any("completed the interrupted switch to release run-pending" in d for d in done)
    assert os.readlink(publication) == ".publication.releases/run-pending"
    assert temporaries(site) == []
    assert previous in {p.name for p in releases_dir(publication).iterdir()}


def test_a_real_publication_folder_is_migrated_on_the_first_switch(tmp_path: Path) -> None:
    """The layout before releases: a real folder (with a temporary file an old run left)."""
    publication = tmp_path / "publication"
    publication.mkdir()
    (publication / "ind_reach.csv").write_text("old\n")
    (publication / ".ind_reach.csv.x1.tmp").write_text("half")

    def write(folder: Path) -> list[Path]:
        (folder / "ind_reach.csv").write_text("new\n")
        return [folder / "ind_reach.csv"]

    publish_release(publication, "run-1", write)
    assert publication.is_symlink() and (publication / "ind_reach.csv").read_text() == "new\n"
    kept = sorted(p.name for p in releases_dir(publication).iterdir())
    assert kept[0] == ".lock" and kept[1].startswith("migrated-") and kept[2] == "run-1"
    assert not list(releases_dir(publication).glob("migrated-*/.*.tmp"))
    # a refused release is never switched to, and leaves nothing behind
    with pytest.raises(ValueError, match="refused"):
        publish_release(publication, "run-2", write, verify=lambda folder: (_ for _ in ()).throw(ValueError("refused")))
    assert os.readlink(publication).endswith("run-1")
    publish_release(publication, "run-3", write)
    assert sorted(p.name for p in releases_dir(publication).iterdir()) == [".lock", "run-1", "run-3"]


def test_a_publication_path_linked_to_an_operators_folder_keeps_working(tmp_path: Path) -> None:
    """data/publication -> /srv/www/indicatoren (the operator's own link): the web folder
    becomes the release symlink; the operator's link still shows the current release."""
    web = tmp_path / "www" / "indicatoren"
    web.mkdir(parents=True)
    (web / "ind_reach.csv").write_text("old\n")
    publication = tmp_path / "data" / "publication"
    publication.parent.mkdir()
    publication.symlink_to(web)

    def write(folder: Path) -> list[Path]:
        (folder / "ind_reach.csv").write_text("new\n")
        return [folder / "ind_reach.csv"]

    publish_release(publication, "run-1", write)
    assert os.readlink(publication) == str(web)  # the operator's link is left as it was
    assert web.is_symlink() and (publication / "ind_reach.csv").read_text() == "new\n"
    assert current_release(publication) == "run-1"
    assert not releases_dir(publication).exists() and releases_dir(web).is_dir()


# --------------------------------------------------------------------------- one run at a time


def test_runs_at_once_wait_for_each_other_or_give_up(site: Path) -> None:
    """Held by this process (as a running consolidation holds it) while three CLI runs start:
    two wait and then run one after the other, the impatient one gives up."""
    staging = site / "staging"
    with consolidation_lock(staging):
        waiting = [start_cli(site, LEERWINKELS_LOCK_WAIT_SECONDS="300") for _ in range(2)]
        impatient = start_cli(site, LEERWINKELS_LOCK_WAIT_SECONDS="1")
        out, err = impatient.communicate(timeout=120)
        first_lines = [proc.stderr.readline() for proc in waiting]
    assert impatient.returncode == 1, out + err
    assert f"a consolidation is already running on staging folder {staging.resolve()} (pid {os.getpid()}, since " in err
    assert "waited 1s (LEERWINKELS_LOCK_WAIT_SECONDS). Nothing changed" in err
    for line in first_lines:
        assert line.startswith(f"waiting for the consolidation running on staging folder {staging.resolve()} (pid {os.getpid()}, since ")
        assert "up to 300s (LEERWINKELS_LOCK_WAIT_SECONDS)" in line
    outputs = [proc.communicate(timeout=300) for proc in waiting]
    assert [proc.returncode for proc in waiting] == [0, 0], outputs
    for stdout, stderr in [*outputs, (out, err)]:
        assert "Traceback" not in stdout + stderr and "Dagster" not in stderr
    # one after the other: both published, the later one is current with its tables
    current, _ = release_of(site / "publication")
    assert current == warehouse_of(site)
    released = {line.rsplit("(release ", 1)[1].rstrip(")") for out, _ in outputs for line in out.splitlines() if line.startswith("publication:")}
    assert len(released) == 2 and current in released
    assert {p.name for p in releases_dir(site / "publication").iterdir()} == {".lock", *released}
    assert_clean(site)


def test_a_lock_wait_that_is_not_seconds_is_a_usage_error(tmp_path, monkeypatch, capsys):
    from leerwinkels.cli import main
    from tests.conftest import SAMPLES

    monkeypatch.setenv("LEERWINKELS_LOCK_WAIT_SECONDS", "ten minutes")
    code = main(["consolidate", "--sources", str(SAMPLES / "landing"), "--staging", str(tmp_path / "s")])
    assert code == 2
    assert "LEERWINKELS_LOCK_WAIT_SECONDS must be a number of seconds >= 0, got 'ten minutes'" in capsys.readouterr().err
    assert not (tmp_path / "s").exists()
