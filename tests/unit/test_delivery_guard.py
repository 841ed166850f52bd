"""DELIVERIES.md, tried as a steward meets it: first a good run of a generated landing folder,
then a faulty delivery. A missing, arriving, unreadable or held delivery never replaces a
Leerwinkel's last good data; the CLI says so (exit 3) and dq_deliveries gives the state and the
reason; the other Leerwinkels are rebuilt; nothing in the staging folder is lost."""

from __future__ import annotations

import io
import os
import shutil
import time
import zipfile
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from leerwinkels.cli import main
from leerwinkels.ingest.delivery_guard import LastGood, accepted_files, held_reasons, read_last_good
from leerwinkels_demo import generate_landing
from tests.conftest import AS_OF, TEST_KEY, read_warehouse

OTHERS = ("brussel", "genk", "mechelen", "gent", "west_vlaanderen", "leuven")


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """A generated landing folder (invented people), written once for the module."""
    folder = tmp_path_factory.mktemp("generated") / "landing"
    generate_landing(folder, trajectories=400, seed=11)
    return folder


class Site:
    """A landing folder, staging folder, warehouse and publication of one test."""

    def __init__(self, tmp_path: Path):
        self.landing = tmp_path / "landing"
        self.staging = tmp_path / "staging"
        self.publication = tmp_path / "publication"
        self.url = f"sqlite:///{tmp_path / 'warehouse.sqlite'}"

    def run(self) -> int:
        return main(["consolidate", "--sources", str(self.landing), "--database", self.url, "--as-of", AS_OF,
                     "--staging", str(self.staging), "--publication", str(self.publication)])

    def tables(self) -> dict[str, pl.DataFrame]:
        return read_warehouse(self.url)

    def trajectories(self, code: str) -> pl.DataFrame:
        return self.tables()["trajectories"].filter(pl.col("leerwinkel") == code).sort("trajectory_key")

    def staged(self, code: str) -> pl.DataFrame:
        return pl.read_parquet(self.staging / "staged_leerwinkel" / code / "trajectories.parquet").sort("trajectory_key")

    def delivery(self, code: str) -> dict:
        rows = self.tables()["dq_deliveries"].filter(pl.col("leerwinkel") == code)
        return rows.row(0, named=True)

    def publication_bytes(self) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in sorted(self.publication.resolve().glob("*")) if p.is_file()}

    def file(self, code: str, suffix: str = "") -> Path:
        (path,) = [p for p in (self.landing / code).iterdir() if p.name.endswith(suffix)]
        return path


@pytest.fixture(scope="module")
def good_run(tmp_path_factory, generated) -> Path:
    """The good run every case starts from, made once for the module: its landing, staging,
    warehouse and publication folders (the publication a relative symlink to its release)."""
    root = tmp_path_factory.mktemp("good_run")
    mp = pytest.MonkeyPatch()
    mp.setenv("LEERWINKELS_PSEUDONYM_KEY", TEST_KEY)
    mp.delenv("DAGSTER_HOME", raising=False)
    shutil.copytree(generated, root / "landing")
    try:
        assert Site(root).run() == 0
    finally:
        mp.undo()
    return root


@pytest.fixture
def site(tmp_path, good_run) -> Site:
    """A private copy of the good run (mtimes kept, symlinks kept relative) that a case changes."""
    shutil.copytree(good_run, tmp_path, symlinks=True, dirs_exist_ok=True)
    return Site(tmp_path)


def _same_trajectories(site: Site, before: dict[str, pl.DataFrame]) -> None:
    after = site.tables()["trajectories"]
    for lw in OTHERS:
        assert_frame_equal(before["trajectories"].filter(pl.col("leerwinkel") == lw).sort("trajectory_key"),
                           after.filter(pl.col("leerwinkel") == lw).sort("trajectory_key")), lw


def _kept_last_good(site: Site, before: dict[str, pl.DataFrame], code: str) -> None:
    """``code``'s trajectories in the warehouse and in the staging folder are those of the good
    run; the other Leerwinkels were staged again in this run (their files carry its run id)."""
    after = site.tables()
    for lw in OTHERS:
        old = before["trajectories"].filter(pl.col("leerwinkel") == lw).sort("trajectory_key")
        new = after["trajectories"].filter(pl.col("leerwinkel") == lw).sort("trajectory_key")
        assert_frame_equal(old, new), lw
    kept = before["trajectories"].filter(pl.col("leerwinkel") == code).sort("trajectory_key")
    assert_frame_equal(site.staged(code).select(kept.columns), kept, check_dtypes=False)
    runs = dict(after["dq_source_files"].group_by("leerwinkel").agg(pl.col("run_id").first()).iter_rows())
    runs_before = dict(before["dq_source_files"].group_by("leerwinkel").agg(pl.col("run_id").first()).iter_rows())
    for lw in OTHERS:
        if lw != code:
            assert runs[lw] != runs_before[lw], f"{lw} was not staged again"
    if code in runs_before:
        assert runs[code] == runs_before[code]  # its rows come from the last good data


def _cut_csv(path: Path, share: float, mid_record: bool) -> None:
    data = path.read_bytes()
    cut = int(len(data) * share)
    cut = data.rindex(b"\n", 0, cut) + 1
    if mid_record:
        cut += 6  # a few bytes into the next record: the copy stopped there
    path.write_bytes(data[:cut])


def _rename_sheet(path: Path, old: str, new: str) -> None:
    """Rename a sheet in the workbook's XML only (openpyxl would drop the cached values)."""
    source = io.BytesIO(path.read_bytes())
    out = io.BytesIO()
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/workbook.xml":
                assert f'name="{old}"'.encode() in data
                data = data.replace(f'name="{old}"'.encode(), f'name="{new}"'.encode())
            zout.writestr(item, data)
    path.write_bytes(out.getvalue())


# ------------------------------------------------------------------ the cases of issue 12


def test_an_empty_landing_folder_is_not_a_run_and_changes_nothing(site, capsys):
    before, staged, published = site.tables(), site.staged("gent"), site.publication_bytes()
    for folder in [p for p in site.landing.iterdir() if p.is_dir()]:  # the share is mounted, but empty
        shutil.rmtree(folder)
        folder.mkdir()
    capsys.readouterr()
    assert site.run() == 1
    err = capsys.readouterr().err
    assert "holds no file in any Leerwinkel folder" in err and "nothing changed" in err
    after = site.tables()
    for name in ("trajectories", "ind_reach", "dq_deliveries"):
        assert_frame_equal(before[name], after[name])
    assert_frame_equal(staged, site.staged("gent"))
    assert site.publication_bytes() == published


def test_a_missing_leerwinkel_folder_keeps_its_last_good_data(site, capsys):
    before, staged = site.tables(), site.staged("leuven")
    shutil.rmtree(site.landing / "leuven")
    capsys.readouterr()
    assert site.run() == 3
    out = capsys.readouterr()
    assert "leuven: missing" in out.out and "folder missing" in out.out
    _kept_last_good(site, before, "leuven")
    row = site.delivery("leuven")
    assert row["state"] == "missing" and row["stale"] and "folder missing" in row["stale_reason"]
    assert "last good data" in row["stale_reason"]
    assert_frame_equal(staged, site.staged("leuven"))


def test_a_missing_file_of_two_keeps_the_whole_leerwinkel_on_its_last_good_data(site):
    before = site.tables()
    site.file("genk", "contacten_20261120.csv").unlink()
    assert site.run() == 3
    _kept_last_good(site, before, "genk")
    row = site.delivery("genk")
    assert row["state"] == "missing" and "contacten_*.csv" in row["stale_reason"]


@pytest.mark.parametrize("rename", [str.upper, lambda n: n[:-5] + ".XLSX", lambda n: n[:-5] + ".xlsm"])
def test_other_capitals_and_a_macro_workbook_are_the_same_delivery(site, rename):
    before = site.tables()
    path = site.file("brussel")
    path.rename(path.with_name(rename(path.name)))
    assert site.run() == 0
    _same_trajectories(site, before)
    rows = site.tables()["dq_deliveries"].filter((pl.col("leerwinkel") == "brussel") & (pl.col("status") == "current"))
    assert rows["state"].to_list() == ["current"] and rows["file_name"][0] == rename(path.name)
    if rows["file_name"][0].endswith(".xlsm"):
        assert "macros are never run" in rows["message"][0]


def test_a_file_still_arriving_is_not_used_yet(site, monkeypatch):
    before = site.tables()
    settled = time.time() - 300
    for path in site.landing.rglob("*"):  # every delivery has settled ...
        os.utime(path, (settled, settled))
    klanten = site.file("genk", "klanten_20261120.csv")
    _cut_csv(klanten, 0.5, mid_record=False)  # ... but this one: half copied, and being written now
    monkeypatch.setenv("LEERWINKELS_SETTLE_SECONDS", "120")
    assert site.run() == 3
    _kept_last_good(site, before, "genk")
    row = site.delivery("genk")
    assert row["state"] == "arriving" and klanten.name in row["stale_reason"]
    # settled (its modification time two minutes back): now the shrink guard sees it
    os.utime(klanten, (settled, settled))
    assert site.run() == 3
    assert site.delivery("genk")["state"] == "held"


def test_a_shrunken_csv_is_held_then_accepted_by_the_steward(site, capsys):
    before = site.tables()
    gent = site.file("gent")
    _cut_csv(gent, 0.4, mid_record=False)  # a complete-looking export with 40 % of the rows
    capsys.readouterr()
    assert site.run() == 3
    out = capsys.readouterr().out
    assert "gent: held" in out and "leerwinkels accept gent" in out
    _kept_last_good(site, before, "gent")
    row = site.delivery("gent")
    assert row["state"] == "held" and "fewer than 80%" in row["stale_reason"] and gent.name in row["stale_reason"]
    staged_before = site.staged("gent")
    assert staged_before.height == before["trajectories"].filter(pl.col("leerwinkel") == "gent").height

    assert main(["accept", "gent", "--sources", str(site.landing), "--staging", str(site.staging)]) == 0
    assert gent.name in capsys.readouterr().out
    assert len(accepted_files(site.staging, "gent")) == 1
    assert site.run() == 0
    after = site.trajectories("gent")
    assert 0 < after.height < before["trajectories"].filter(pl.col("leerwinkel") == "gent").height * 0.8
    row = site.delivery("gent")
    assert row["state"] == "accepted" and "accepted by steward" in row["state_reason"] and not row["stale"]


def test_a_renamed_year_sheet_is_held_and_listed_as_ignored(site):
    before = site.tables()
    _rename_sheet(site.file("mechelen"), "2023", "Blad1")
    assert site.run() == 3
    _kept_last_good(site, before, "mechelen")
    row = site.delivery("mechelen")
    assert row["state"] == "held" and "'2023'" in row["stale_reason"]


def test_a_sheet_added_is_listed_as_ignored_and_used(site):
    _rename_sheet(site.file("mechelen"), "2021", "2021 (2)")  # what a copy of a sheet is called
    assert site.run() == 3  # the year 2021 is gone: held
    assert site.delivery("mechelen")["state"] == "held"
    assert main(["accept", "mechelen", "--sources", str(site.landing), "--staging", str(site.staging)]) == 0
    assert site.run() == 0
    rows = site.tables()["dq_deliveries"].filter((pl.col("leerwinkel") == "mechelen") & (pl.col("status") == "current"))
    assert rows["ignored_sheets"].to_list() == ["'2021 (2)'"] and rows["state"].to_list() == ["accepted"]


def test_a_link_out_of_the_landing_folder_is_refused(site, tmp_path):
    before = site.tables()
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    leuven = site.file("leuven")
    shutil.move(leuven, outside / leuven.name)
    (site.landing / "leuven" / leuven.name).symlink_to(outside / leuven.name)
    assert site.run() == 3
    _kept_last_good(site, before, "leuven")
    rows = site.tables()["dq_deliveries"].filter(pl.col("leerwinkel") == "leuven")
    assert rows["state"][0] == "missing" and "outside the landing folder" in rows["stale_reason"][0]


def test_a_key_change_with_a_stale_leerwinkel_fails_and_changes_nothing(site, monkeypatch, capsys):
    before, published = site.tables(), site.publication_bytes()
    shutil.rmtree(site.landing / "brussel")
    monkeypatch.setenv("LEERWINKELS_PSEUDONYM_KEY", "another-key-0123456789abcdef0123456789")
    capsys.readouterr()
    assert site.run() == 1
    err = capsys.readouterr().err
    assert "key change" in err and "brussel" in err and "another-key" not in err
    after = site.tables()
    for name in ("trajectories", "clients", "ind_reach", "warehouse_loads"):
        assert_frame_equal(before[name], after[name])
    assert site.publication_bytes() == published


def test_a_key_change_restages_every_leerwinkel_and_records_the_fingerprint(site, monkeypatch):
    first = site.tables()["warehouse_loads"]["key_fingerprint"].unique().to_list()
    monkeypatch.setenv("LEERWINKELS_PSEUDONYM_KEY", "another-key-0123456789abcdef0123456789")
    assert site.run() == 0
    second = site.tables()["warehouse_loads"]["key_fingerprint"].unique().to_list()
    assert len(first) == len(second) == 1 and first != second and len(first[0]) == 16
    info = pl.read_parquet(site.staging / "staged_leerwinkel" / "genk" / "stage_info.parquet")
    assert info["key_fingerprint"].to_list() == second


def test_an_unreadable_delivery_keeps_the_staged_files_untouched(site):
    staged_dir = site.staging / "staged_leerwinkel" / "west_vlaanderen"
    files_before = {p.name: p.read_bytes() for p in staged_dir.iterdir()}
    site.file("west_vlaanderen").write_bytes(b"%PDF-1.4 not a workbook")
    assert site.run() == 3
    assert {p.name: p.read_bytes() for p in staged_dir.iterdir()} == files_before
    assert site.delivery("west_vlaanderen")["state"] == "unreadable"


# ------------------------------------------------------------------ the guard functions alone


def _staged(trajectories: int, sheets: list[str], pattern: str = "x*.xlsx") -> dict[str, pl.DataFrame]:
    return {
        "trajectories": pl.DataFrame({"trajectory_key": [str(i) for i in range(trajectories)]}),
        "deliveries": pl.DataFrame({"pattern": [pattern], "file_name": ["x1.xlsx"], "status": ["current"]}),
        "source_files": pl.DataFrame({"file_name": ["x1.xlsx"] * len(sheets), "sheet": sheets}, schema={"file_name": pl.String, "sheet": pl.String}),
    }


def test_the_shrink_limit_holds_below_80_percent_and_not_at_it():
    last = LastGood(100, {"x*.xlsx": frozenset({"2023"})}, {"x*.xlsx": "x0.xlsx"}, "f" * 16, None)
    assert held_reasons(_staged(80, ["2023"]), last, 0.2) == []
    (reason,) = held_reasons(_staged(79, ["2023"]), last, 0.2)
    assert "79 trajectories" in reason and "100" in reason
    assert held_reasons(_staged(79, ["2023"]), None, 0.2) == []  # no last good data: nothing to compare


def test_a_lost_sheet_is_a_reason_and_a_new_one_is_not():
    last = LastGood(10, {"x*.xlsx": frozenset({"2022", "2023"})}, {}, None, None)
    assert held_reasons(_staged(10, ["2022", "2023", "2024"]), last, 0.2) == []
    (reason,) = held_reasons(_staged(10, ["2022"]), last, 0.2)
    assert "'2023'" in reason


def test_read_last_good_of_a_real_staged_partition(site):
    last = read_last_good(site.staging / "staged_leerwinkel" / "mechelen")
    assert last.trajectories == site.trajectories("mechelen").height
    assert {"2021", "2022", "2023"} <= set(next(iter(last.sheets_by_pattern.values())))
    assert read_last_good(site.staging / "staged_leerwinkel" / "nowhere") is None


@pytest.mark.parametrize("name, shown", [
    ("Blad1", True), ("2023 (2)", True), ("2024", True),
    ("85073003328", False), ("85.07.30-033.28", False), ("Jan Peeters", False), ("jan@example.be", False),
])
def test_a_sheet_name_is_shown_only_when_it_can_be_no_ones(name, shown):
    from leerwinkels.privacy.shown_values import shown_sheet_name

    assert (shown_sheet_name(name) == repr(name)) is shown
    if not shown:
        assert name not in shown_sheet_name(name)


@pytest.mark.parametrize("variable, value", [("LEERWINKELS_SHRINK_LIMIT", "1.5"), ("LEERWINKELS_SHRINK_LIMIT", "twenty"),
                                             ("LEERWINKELS_SETTLE_SECONDS", "-1")])
def test_a_guard_setting_that_is_no_number_is_a_usage_error(tmp_path, generated, monkeypatch, capsys, variable, value):
    site = Site(tmp_path)
    shutil.copytree(generated, site.landing)
    monkeypatch.setenv(variable, value)
    assert site.run() == 2
    assert variable in capsys.readouterr().err
    assert not (tmp_path / "warehouse.sqlite").exists()
