"""Write throughput of the Warehouse fast paths: 400,000 rows x 20 mixed columns.

    uv run python bench/warehouse_write.py [--rows 400000] [--repeats 3] [--pg-url URL]

Every measurement runs in its own process (median of --repeats); the time is the
``write_tables`` call alone (validation, DROP/CREATE, load, commit), the frame is built
before. PostgreSQL: --pg-url, else $LEERWINKELS_TEST_POSTGRES_URL, else a throw-away
server from pgserver's binaries (fsync on, like production). Compared in the same run:

  sqlite  fast    Warehouse: sqlite3 executemany over tuples
  sqlite  core    SQLAlchemy Core insert with a list of dicts (the generic path)
  pg      fast    Warehouse: psycopg 3 COPY FROM STDIN, CSV written by polars
  pg      rows    psycopg 3 COPY FROM STDIN with copy.write_row() per row
  pg      core    SQLAlchemy Core insert with a list of dicts (psycopg executemany)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def make_frame(rows: int):
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(42)
    leerwinkels = ["brussel", "genk", "mechelen", "gent", "west_vlaanderen", "leuven"]
    base = dt.date(2015, 1, 1)
    days = rng.integers(0, 3650, rows)
    null_mask = rng.random(rows) < 0.1
    frame = pl.DataFrame(
        {
            "trajectory_key": [f"{i:064x}" for i in range(rows)],
            "client_key": [f"{i * 7919 % 1_000_003:064x}" for i in range(rows)],
            "leerwinkel": pl.Series(rng.choice(leerwinkels, rows)),
            "status": pl.Series(rng.choice(["open", "completed", "stopped"], rows)),
            "gender": pl.Series(rng.choice(["female", "male", "x", "unknown"], rows)),
            "education_level": pl.Series(rng.choice(["none", "primary", "higher", "foreign_unrecognised"], rows)),
            "learning_question": pl.Series(rng.choice(["training", "diploma", "dutch", "heroriëntatie"], rows)),
            "intake_date": pl.Series([base + dt.timedelta(days=int(d)) for d in days]),
            "closed_date": pl.Series(
                [None if m else base + dt.timedelta(days=int(d) + 90) for d, m in zip(days, null_mask)]
            ),
            "loaded_at": pl.Series([dt.datetime(2026, 11, 1, 2, 0, 0, i % 1_000_000) for i in range(rows)]),
            "birth_year": pl.Series(rng.integers(1940, 2008, rows), dtype=pl.Int32),
            "age_at_intake": pl.Series(rng.integers(16, 80, rows), dtype=pl.Int16),
            "postcode": pl.Series(rng.integers(1000, 9999, rows), dtype=pl.Int64),
            "contacts": pl.Series(rng.integers(0, 40, rows), dtype=pl.Int64),
            "guidance_minutes": pl.Series(
                [None if m else int(v) for v, m in zip(rng.integers(0, 3000, rows), null_mask)],
                dtype=pl.Int64,
            ),
            "satisfaction": pl.Series(rng.random(rows) * 10),
            "share": pl.Series(rng.random(rows)),
            "hours": pl.Series([None if m else float(v) for v, m in zip(rng.random(rows) * 100, null_mask)]),
            "vulnerable": pl.Series(rng.random(rows) < 0.4),
            "training_started": pl.Series([None if m else bool(v) for v, m in zip(rng.random(rows) < 0.5, null_mask)]),
        }
    )
    assert frame.width == 20
    return frame


def run_one(method: str, url: str, rows: int) -> dict:
    """One measurement, in this (fresh) process."""
    import polars as pl
    import sqlalchemy as sa

    from pipelines.resources.warehouse import Warehouse

    df = make_frame(rows)

    class CoreWarehouse(Warehouse):
        def _insert(self, conn, table, df):  # type: ignore[no-untyped-def]
            return self._insert_generic(conn, table, df)

    class RowCopyWarehouse(Warehouse):
        def _insert(self, conn, table, df):  # type: ignore[no-untyped-def]
            from psycopg import sql

            statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, df.columns))
            )
            raw = conn.connection.driver_connection
            with raw.cursor() as cursor, cursor.copy(statement) as copy:
                for row in df.iter_rows():
                    copy.write_row(row)
            return df.height

    cls = {"fast": Warehouse, "core": CoreWarehouse, "rows": RowCopyWarehouse}[method]
    w = cls(url=url)
    w.write_tables({"bench": df.head(10)})  # connect, create, warm up
    started = time.perf_counter()
    counts = w.write_tables({"bench": df}, run_id="bench")
    elapsed = time.perf_counter() - started
    assert counts == {"bench": rows}
    with w.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM bench")).scalar_one() == rows
    w.dispose()
    _ = pl
    return {
        "seconds": elapsed,
        "rows_per_s": rows / elapsed,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def measure(method: str, url: str, rows: int, repeats: int) -> dict:
    results = []
    for _ in range(repeats):
        out = subprocess.run(
            [sys.executable, __file__, "--one", method, "--url", url, "--rows", str(rows)],
            check=True, capture_output=True, text=True,
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return {
        "seconds": statistics.median(r["seconds"] for r in results),
        "rows_per_s": statistics.median(r["rows_per_s"] for r in results),
        "peak_mb": max(r["peak_mb"] for r in results),
        "all_seconds": [round(r["seconds"], 2) for r in results],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=400_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--pg-url", default=os.environ.get("LEERWINKELS_TEST_POSTGRES_URL"))
    parser.add_argument("--skip-slow", action="store_true", help="only the fast paths")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.one:
        print(json.dumps(run_one(args.one, args.url, args.rows)))
        return

    server = None
    if not args.pg_url:
        sys.path.insert(0, str(ROOT / "tests" / "postgres"))
        from conftest import start_local_postgres  # the test suite's pgserver helper

        server = start_local_postgres(fsync=True)
        args.pg_url = server.url()
    try:
        with tempfile.TemporaryDirectory(prefix="lw-bench-") as tmp:
            sqlite_url = f"sqlite:///{tmp}/bench.sqlite"
            plan = [("sqlite", "fast", sqlite_url), ("pg", "fast", args.pg_url)]
            if not args.skip_slow:
                plan += [("sqlite", "core", sqlite_url), ("pg", "rows", args.pg_url),
                         ("pg", "core", args.pg_url)]
            print(f"{args.rows:,} rows x 20 columns, median of {args.repeats} runs, each in its own process")
            print(f"{'target':8} {'path':6} {'seconds':>8} {'rows/s':>10} {'peak MB':>8}  runs")
            for target, method, url in plan:
                r = measure(method, url, args.rows, args.repeats)
                print(f"{target:8} {method:6} {r['seconds']:8.2f} {r['rows_per_s']:10,.0f} "
                      f"{r['peak_mb']:8.0f}  {r['all_seconds']}", flush=True)
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
