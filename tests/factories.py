"""What several test modules share: builders of small, hand-made frames (model frames for the
indicator, publication and disclosure tests, SROI tables), warehouse helpers (concurrent
writers, a process holding the SQLite write lock), and edits of the sample landing folder
(control characters planted for the SQLite and PostgreSQL tests). Landing-folder fixtures live
in conftest.py. A test module imports from here, never from another test module."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import polars as pl
from polars.testing import assert_frame_equal

from leerwinkels.contract.tables import BY_NAME
from leerwinkels.defs.resources.warehouse import LOADS_TABLE, Warehouse

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# the model frames as the contract catalogue types them (a trajectory without its internal link_key)
TRAJECTORY_SCHEMA = {c.name: c.dtype for c in BY_NAME["trajectories"].warehouse_columns}
EVENT_SCHEMA = BY_NAME["contact_events"].schema
REFERRAL_SCHEMA = BY_NAME["referrals"].schema
FOLLOWUP_SCHEMA = BY_NAME["followups"].schema


def trajectory(key, client, leerwinkel, intake, closed=None, status=None, **fields):
    row = {
        "trajectory_key": key,
        "client_key": client,
        "leerwinkel": leerwinkel,
        "intake_date": intake,
        "closed_date": closed,
        "status": status or ("completed" if closed else "open"),
        "inflow_channel": "self",
        "learning_question": "training",
        "gender": "female",
        "birth_year": 1990,
        "age_at_intake": 33,
        "age_band": "25-34",
        "postcode": "1000",
        "education_level": "upper_secondary",
        "dutch_level": "native",
        "labour_status": "employed",
        "vulnerable": False,
        "contacts": 1,
        "guidance_minutes": None,
    }
    row.update(fields)
    return row


def frame(rows, schema):
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


def trajectories(*rows):
    return frame(list(rows), TRAJECTORY_SCHEMA)


def events(*rows):
    return frame([dict(zip(EVENT_SCHEMA, r, strict=False)) for r in rows], EVENT_SCHEMA)


def referrals(*rows):
    return frame([dict(zip(REFERRAL_SCHEMA, r, strict=False)) for r in rows], REFERRAL_SCHEMA)


def followup(key, response_date, **fields):
    row = dict.fromkeys(FOLLOWUP_SCHEMA)
    row.update(trajectory_key=key, response_date=response_date, **fields)
    return row


def followups(*rows):
    return frame(list(rows), FOLLOWUP_SCHEMA)


SROI_OUTCOMES = ["early_school_leaving_prevented", "training_started", "work_from_invalidity", "work_from_other_status"]


def sroi_tables(working: dict[str, int]) -> dict[str, pl.DataFrame]:
    """Hand-made ind_sroi_inputs / ind_sroi for 2024: `working` responses per Leerwinkel
    counted as work_from_other_status (proxy 19,805.30), every other count 0; with the
    parameter file's version, and ind_sroi_by_payer / ind_sroi_sensitivity built from them."""
    from leerwinkels.sroi.parameters import load_parameters
    from leerwinkels.sroi.payers import build_sroi_by_payer
    from leerwinkels.sroi.sensitivity import build_sroi_sensitivity

    params = load_parameters()
    leerwinkels = ["all", "brussel", "genk", "gent", "leuven", "mechelen", "west_vlaanderen"]
    proxy = 19805.30
    inputs = pl.DataFrame(
        [
            (lw, 2024, o, working.get(lw, 0) if o == "work_from_other_status" else 0,
             proxy if o.startswith("work") else 0.0, 0.3, 0.5)
            for lw in leerwinkels for o in SROI_OUTCOMES
        ],
        schema={"leerwinkel": pl.String, "year": pl.Int64, "outcome": pl.String, "count": pl.Int64,
                "proxy_eur": pl.Float64, "deadweight": pl.Float64, "attribution": pl.Float64},
        orient="row",
    ).with_columns(
        value_eur=pl.col("count") * pl.col("proxy_eur") * 0.35, parameter_version=pl.lit(params.version)
    ).with_columns(present_value_eur=pl.col("value_eur"))
    sroi = (
        inputs.group_by("leerwinkel", "year").agg(pl.col("value_eur").sum())
        .with_columns(cost_eur=pl.when(pl.col("leerwinkel").is_in(["brussel", "genk", "all"])).then(50_000.0))
        .with_columns(
            sroi_ratio=pl.col("value_eur") / pl.col("cost_eur"),
            sroi_ratio_low=pl.col("value_eur") * 0.15 / 0.35 / pl.col("cost_eur"),
            sroi_ratio_high=pl.col("value_eur") * 0.63 / 0.35 / pl.col("cost_eur"),
            cost_complete=pl.col("cost_eur").is_not_null(),
            parameter_version=pl.lit(params.version),
            assumptions=pl.lit("deadweight 0.30 and attribution 0.50 are assumptions"),
            present_value_eur=pl.col("value_eur"),
            net_present_value_eur=pl.col("value_eur") - pl.col("cost_eur"),
        )
        .sort("leerwinkel", "year")
    )
    return {"ind_sroi_inputs": inputs, "ind_sroi": sroi, "ind_sroi_by_payer": build_sroi_by_payer(inputs, params),
            "ind_sroi_sensitivity": build_sroi_sensitivity(inputs, sroi, params)}


# ---------------------------------------------------------------- warehouse writes
# shared by tests/unit/test_warehouse.py (SQLite) and tests/postgres/test_warehouse_postgres.py

WRITE_WINDOWS: list[tuple[str | None, float, float]] = []

def mixed_frame(n: int = 6, tag: str = "x") -> pl.DataFrame:
    """Every dtype the pipeline writes, with nulls, edge values and unicode."""
    texts = ["", None, "é ë ç — ß ñ ø 漢字 😀", 'comma, "quote"\nnew line\ttab', "\\.", tag]
    return pl.DataFrame(
        {
            "text": [texts[i % len(texts)] for i in range(n)],
            "code": pl.Series([f"{tag}{i}" for i in range(n)], dtype=pl.Categorical),
            "i8": pl.Series([None if i % 5 == 1 else (i % 100) - 50 for i in range(n)], dtype=pl.Int8),
            "i32": pl.Series([None if i % 4 == 2 else i * 1000 for i in range(n)], dtype=pl.Int32),
            "i64": pl.Series([(-1) ** i * (2**62 - i) if i % 3 else None for i in range(n)], dtype=pl.Int64),
            "u16": pl.Series(list(range(n)), dtype=pl.UInt16),
            "f32": pl.Series([i + 0.5 if i % 3 else None for i in range(n)], dtype=pl.Float32),
            "f64": [
                [0.1, None, -1e300, 5e-324, float("inf"), 1 / 3][i % 6] for i in range(n)
            ],
            "flag": [[True, False, None][i % 3] for i in range(n)],
            "day": [
                [dt.date(2024, 2, 29), None, dt.date(1, 1, 1), dt.date(9999, 12, 31)][i % 4]
                for i in range(n)
            ],
            "ts": [
                [dt.datetime(2024, 3, 31, 2, 30, 0, 123456), None, dt.datetime(1970, 1, 1)][i % 3]
                for i in range(n)
            ],
            "nothing": pl.Series([None] * n, dtype=pl.Null),
        }
    )


def as_read_back(df: pl.DataFrame) -> pl.DataFrame:
    """The frame ``read_table`` should return for ``df``: the warehouse's storage types."""
    casts = {}
    for name, dtype in df.schema.items():
        if dtype.is_integer():
            casts[name] = pl.Int64
        elif dtype.is_float():
            casts[name] = pl.Float64
        elif dtype in (pl.Categorical, pl.Null):
            casts[name] = pl.String
    return df.cast(casts)




class CrashingWarehouse(Warehouse):
    """Raises while loading the N-th table of a write (a crash mid-write)."""

    crash_on: int = 3

    def _insert(self, conn, table, df):  # type: ignore[no-untyped-def]
        calls = conn.info.setdefault("test_inserts", 0) + 1
        conn.info["test_inserts"] = calls
        if calls == self.crash_on:
            # Part of this table is already in, like a real crash halfway through.
            super()._insert(conn, table, df.head(1))
            raise RuntimeError(f"simulated crash while loading {table.name}")
        return super()._insert(conn, table, df)




class SlowWarehouse(Warehouse):
    """Pauses after each table so that concurrent writes really overlap, and records
    when it held the write lock."""

    pause: float = 0.05

    def _lock_for_write(self, conn):  # type: ignore[no-untyped-def]
        super()._lock_for_write(conn)
        conn.info["lock_acquired"] = time.perf_counter()

    def _insert(self, conn, table, df):  # type: ignore[no-untyped-def]
        n = super()._insert(conn, table, df)
        time.sleep(self.pause)
        return n

    def _record_loads(self, conn, counts, run_id):  # type: ignore[no-untyped-def]
        super()._record_loads(conn, counts, run_id)
        WRITE_WINDOWS.append((run_id, conn.info["lock_acquired"], time.perf_counter()))


def writer_tables(writer: str, n: int) -> dict[str, pl.DataFrame]:
    return {
        f"tab{i}": mixed_frame(n + i, writer).with_columns(writer=pl.lit(writer))
        for i in range(5)
    }


def check_consistent_set(frames: dict[str, pl.DataFrame]) -> str:
    writers = {w for name, df in frames.items() if name != LOADS_TABLE for w in df["writer"]}
    assert len(writers) == 1, f"tables from different writers: {writers}"
    (writer,) = writers
    if LOADS_TABLE in frames:
        assert set(frames[LOADS_TABLE]["run_id"]) == {writer}
    return writer


# A process that reads all tables as one set (read_tables) again and again until the
# file argv[2] exists, printing per table the writers (for warehouse_loads the run ids)
# it saw, as one JSON line per read; "ready" after the first read.
CONSISTENT_READER = """
import json, os, sys
from leerwinkels.defs.resources.warehouse import LOADS_TABLE, Warehouse
url, stop = sys.argv[1], sys.argv[2]
reader = Warehouse(url=url)
reads = 0
while reads < 1 or not os.path.exists(stop):
    frames = reader.read_tables()
    print(json.dumps({
        name: sorted(set(df["run_id" if name == LOADS_TABLE else "writer"].to_list()))
        for name, df in frames.items()
    }), flush=True)
    reads += 1
    if reads == 1:
        print("ready", flush=True)
"""


def check_consistent_read(line: str) -> str:
    """``check_consistent_set`` for one read of the CONSISTENT_READER process."""
    sets = json.loads(line)
    writers = {w for name, ws in sets.items() if name != LOADS_TABLE for w in ws}
    assert len(writers) == 1, f"tables from different writers: {sets}"
    (writer,) = writers
    assert set(sets.get(LOADS_TABLE, [writer])) == {writer}, sets
    return writer


def run_concurrent_writers(url: str, rows: int, **options: object) -> None:
    """Two writers start at the same moment while a reader (in another process, as
    dashboards are) keeps reading all tables as one set; every set read, and the final
    set, comes from a single writer."""
    Warehouse(url=url, **options).write_tables(writer_tables("seed", 3), run_id="seed")
    WRITE_WINDOWS.clear()
    contents = {w: writer_tables(w, rows) for w in ("A", "B")}
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def write(writer: str) -> None:
        try:
            barrier.wait()
            SlowWarehouse(url=url, **options).write_tables(contents[writer], run_id=writer)
        except BaseException as exc:
            errors.append(exc)

    with contextlib.ExitStack() as stack:
        stop = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="lw-reader-"))) / "stop"
        reader = subprocess.Popen(
            [sys.executable, "-c", CONSISTENT_READER, url, str(stop)],
            stdout=subprocess.PIPE, text=True, cwd=REPO_ROOT,
        )
        stack.callback(reader.kill)
        assert reader.stdout is not None
        lines = []
        for line in reader.stdout:  # up to the reader's first read
            lines.append(line)
            if line.strip() == "ready":
                break
        assert lines and lines[-1].strip() == "ready", lines
        threads = [threading.Thread(target=write, args=(w,)) for w in ("A", "B")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        stop.touch()
        out, _ = reader.communicate(timeout=120)
        assert reader.returncode == 0
    seen = [check_consistent_read(line) for line in [*lines, *out.splitlines()] if line.strip() != "ready"]
    assert not errors, errors
    # The writers held the lock one after the other, never at the same time.
    (_, start1, end1), (_, start2, end2) = sorted(WRITE_WINDOWS, key=lambda w: w[1])
    assert end1 <= start2, WRITE_WINDOWS

    final = Warehouse(url=url).read_tables()
    winner = check_consistent_set(final)
    assert winner in ("A", "B")
    for name, df in contents[winner].items():
        assert_frame_equal(final[name], as_read_back(df))
    assert len(seen) >= 2 and set(seen) <= {"seed", "A", "B"}




# ---------------------------------------------------------------- a writer holding the SQLite write lock


HOLD_WRITE_LOCK = """
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
con.execute("ROLLBACK")
con.close()
"""


@contextlib.contextmanager
def write_lock_held_by_another_process(path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another consolidation mid-write, in its own process (as in production)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD_WRITE_LOCK, str(path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        yield proc
    finally:
        if proc.stdin is not None:
            proc.stdin.close()  # the holder rolls back and exits
        assert proc.wait(timeout=30) == 0


# ---------------------------------------------------------------- edits of the sample landing folder

SAMPLES = FIXTURES / "samples"


def genk_clients(landing: Path) -> Path:
    (path,) = (landing / "genk").glob("klanten_*.csv")
    return path


def genk_rows(landing: Path) -> tuple[Path, list[str]]:
    path = genk_clients(landing)
    return path, path.read_bytes().decode("cp1252").split("\r\n")


def write_genk(path: Path, lines: list[str]) -> None:
    path.write_bytes("\r\n".join(lines).encode("cp1252"))


def set_cell(line: str, header: str, column: str, value: str) -> str:
    cells = line.split(";")
    cells[header.split(";").index(column)] = value
    return ";".join(cells)


def nul_in_genk(landing: Path) -> Path:
    path, lines = genk_rows(landing)
    header = lines[0]
    lines[1] = set_cell(lines[1], header, "Opleidingsniveau", "HSO\x00")
    lines[2] = set_cell(lines[2], header, "Naam", "Pee\x00ters\x07")
    write_genk(path, lines)
    return path


def x0000_in_brussel(landing: Path) -> Path:
    shutil.copytree(SAMPLES / "landing" / "brussel", landing / "brussel")
    (path,) = (landing / "brussel").glob("*.xlsx")
    path.chmod(0o644)
    (landing / "brussel").chmod(0o755)
    # a cell as Excel writes an escaped control character: _x0000_ (openpyxl keeps the text)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.worksheets[0]
    sheet.cell(row=2, column=2, value=f"{sheet.cell(row=2, column=2).value}_x0000_")
    workbook.save(path)
    with zipfile.ZipFile(path) as archive:
        assert any(b"_x0000_" in archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/"))
    return path


def control_char_landing(landing: Path) -> tuple[Path, Path]:
    return nul_in_genk(landing), x0000_in_brussel(landing)


def consolidate_control_chars(tmp_path: Path, database_url: str) -> dict[str, pl.DataFrame]:
    """Consolidate Genk and Brussel with control characters planted (SQLite and PostgreSQL alike)."""
    from leerwinkels.run.runner import consolidate
    from tests.conftest import AS_OF, read_warehouse  # conftest imports this module: not at the top

    landing = tmp_path / "landing"
    shutil.copytree(SAMPLES / "landing" / "genk", landing / "genk")
    for path in [landing / "genk", *(landing / "genk").iterdir()]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    genk_file, brussel_file = control_char_landing(landing)
    result = consolidate(sources=landing, database_url=database_url, as_of=AS_OF, staging_dir=tmp_path / "staging",
                         publication_dir=tmp_path / "publication", quiet=True)
    # only Genk and Brussel deliver here: the others are missing (DELIVERIES.md), these two load
    assert result.success, result.error
    assert {"genk", "brussel"}.isdisjoint(result.failed_partitions), result.failed_partitions
    assert all(": missing:" in m for m in result.failed_partitions.values()), result.failed_partitions
    tables = read_warehouse(database_url)
    counts = {r["file_name"]: r["control_chars_removed"] for r in tables["dq_source_files"].iter_rows(named=True)}
    assert counts[genk_file.name] == 3
    assert counts[brussel_file.name] == 1
    return tables


# ---------------------------------------------------------------- evidence tables (issue 16)


def evidence_tables(t: pl.DataFrame, f: pl.DataFrame, r: pl.DataFrame, sroi: dict[str, pl.DataFrame], as_of: dt.date) -> dict[str, pl.DataFrame]:
    """The four evidence tables of EVIDENCE.md built from model frames and the SROI tables, with
    the rubric and window of evidence/parameters.yaml."""
    from leerwinkels.evidence.assumptions import build_evidence_assumptions
    from leerwinkels.evidence.bounds import build_outcome_bounds
    from leerwinkels.evidence.context import build_outcomes_by_context
    from leerwinkels.evidence.followthrough import build_referral_followthrough
    from leerwinkels.evidence.parameters import load_parameters

    params = load_parameters()
    return {
        "ind_outcomes_by_context": build_outcomes_by_context(t, f, r, as_of, params.window),
        "ind_outcome_bounds": build_outcome_bounds(t, f, as_of, params.window),
        "ind_referral_followthrough": build_referral_followthrough(t, f, r, as_of, params.window),
        "evidence_assumptions": build_evidence_assumptions(t, f, r, sroi["ind_sroi"], sroi["ind_sroi_inputs"], params, as_of),
    }
