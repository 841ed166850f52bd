"""Benchmark of the nightly consolidation at 0.1x, 1x, 10x and 25x the real network's volume
(~40,000 trajectories over ten years), up to the largest folder the generator makes.

    make bench                    # = uv run python -m bench.run
    uv run python -m bench.run --sizes 4000,40000 --skip-naive

For every size (trajectories):

1. a demo landing folder, generated once with ``leerwinkels demo-data DIR --trajectories N
   --seed S`` and cached under ``bench/cache/`` (gitignored; regenerated when
   tools/demo-data/ or sources/ change);
2. the floor (:mod:`bench.floor`): merely reading every landing file with the fastest
   readers, in a fresh process (one thread; a two-thread read is recorded too);
3. the pipeline: ``leerwinkels consolidate`` in a fresh subprocess, into a fresh SQLite
   warehouse, staging and publication folder, with ``DAGSTER_HOME`` set to a fresh
   instance so that its runs are recorded. Wall time and peak resident memory (the
   child's ``ru_maxrss`` from ``wait4``) are measured from outside; the time per stage
   comes from the recorded Dagster step events (STEP_START -> STEP_SUCCESS/FAILURE);
   the source rows read come from the warehouse's ``dq_source_files``;
4. the naive baseline (:mod:`bench.naive`): pandas + openpyxl, ``ind_reach``-like counts.

Writes ``bench/results.json`` and the table in ``docs/benchmarks.md``, and prints the table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "bench" / "cache"
RESULTS = ROOT / "bench" / "results.json"
DOC = ROOT / "docs" / "benchmarks.md"
KEY = "bench-key-0123456789abcdef"  # a benchmark key: the data are invented people
AS_OF = "2026-11-26"  # leerwinkels_demo.AS_OF: the last date of the generated history
SIZES = (4_000, 40_000, 400_000, 1_000_000)
#: the naive baseline (pandas + openpyxl) takes ~7 minutes at 1,000,000: measured up to 400,000
#: by default and extrapolated linearly in the rows read above that (``--naive-sizes`` to measure more)
NAIVE_SIZES = (4_000, 40_000, 400_000)
NAIVE_LIMIT_S = 900.0

TARGETS = {
    "pipeline_over_floor": 2.0,  # at 400,000 and at the largest size, at most
    "peak_mb": 2048.0,  # at the largest size, at most
    "above_floor_growth": 2.7,  # (pipeline - floor) at 1,000,000 / at 400,000 (input 2.5x), at most
    "naive_over_pipeline": 5.0,  # at the largest size, at least
    "growth_10x": 12.0,  # time(400,000) / time(40,000), at most
    "bench_minutes": 15.0,  # the whole benchmark, at most
}


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _bin(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else (shutil.which(name) or name)


PYCACHE = CACHE / "pycache"
BYTECODE_CACHE = True  # main() may turn it off (--no-bytecode-cache)


def child_env(extra: dict | None = None) -> dict:
    """The environment of a measured subprocess.

    With ``BYTECODE_CACHE`` (the default) Python's compiled bytecode is kept in
    ``bench/cache/pycache`` (``PYTHONPYCACHEPREFIX``), also where the shell sets
    ``PYTHONDONTWRITEBYTECODE``: an installed pipeline does not compile its ~4,000 modules
    (dagster, pandas, sqlalchemy, ...) at every start, which costs ~3 s per process."""
    # the benchmark's landing folders are generated just before they are read: no settle time
    env = {**os.environ, "LEERWINKELS_SETTLE_SECONDS": "0", **(extra or {})}
    if BYTECODE_CACHE:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    return env


def run_child(argv: list[str], env: dict | None = None, cwd: Path = ROOT) -> dict:
    """Run one fresh subprocess; its wall time, peak RSS (MB), exit code and output."""
    env = child_env() if env is None else env
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, env=env, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return {
            "wall_s": wall,
            "peak_mb": usage.ru_maxrss / 1024,
            "cpu_s": usage.ru_utime + usage.ru_stime,
            "returncode": proc.returncode,
            "stdout": out.read().decode("utf-8", "replace"),
            "stderr": err.read().decode("utf-8", "replace"),
        }


def _json_line(result: dict, what: str) -> dict:
    if result["returncode"] != 0:
        raise RuntimeError(f"{what} failed ({result['returncode']}):\n{result['stderr'][-3000:]}")
    return json.loads(result["stdout"].strip().splitlines()[-1])


# ------------------------------------------------------------------ landing folders


def _generator_fingerprint() -> str:
    """Changes when the generator or the source descriptions change: the cache is then stale."""
    digest = hashlib.sha256()
    for path in [*sorted((ROOT / "tools" / "demo-data" / "src").rglob("*.py")), *sorted((ROOT / "sources").glob("*.yaml"))]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def landing(size: int, seed: int) -> tuple[Path, dict]:
    """The cached landing folder of ``size`` trajectories; generated (timed) when missing."""
    folder = CACHE / f"landing_{size}_seed{seed}"
    marker = folder / ".bench_complete.json"
    fingerprint = _generator_fingerprint()
    if marker.exists():
        info = json.loads(marker.read_text())
        if info.get("fingerprint") == fingerprint:
            return folder, {**info, "cached": True}
    shutil.rmtree(folder, ignore_errors=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    log(f"generating a landing folder of {size:,} trajectories (seed {seed}) ...")
    result = run_child([_bin("leerwinkels"), "demo-data", str(folder), "--trajectories", str(size), "--seed", str(seed)],
                       env=child_env({"CI": "1"}))
    if result["returncode"] != 0:
        raise RuntimeError(f"demo-data failed:\n{result['stderr'][-3000:]}")
    info = {"fingerprint": fingerprint, "generate_s": round(result["wall_s"], 2),
            "generate_peak_mb": round(result["peak_mb"], 1),
            "bytes": sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())}
    marker.write_text(json.dumps(info))
    log(f"  generated in {result['wall_s']:.1f}s")
    return folder, {**info, "cached": False}


# ------------------------------------------------------------------ the pipeline


STAGES = ("ingest", "model", "indicators", "quality", "checks", "warehouse", "publication", "report")
#: the asset steps whose stage is not "indicators" (the step key of an asset is its name)
_ASSET_STAGES = {
    "staged_leerwinkel": "ingest", "network_model": "model", "warehouse_tables": "warehouse",
    "publication_export": "publication", "impact_report": "report",
    "dq_scorecard": "quality", "dq_feedback": "quality", "dq_revisions": "quality",
}


def _asset_step_keys() -> frozenset[str]:
    """The step keys of the assets (every other step is an asset check): the asset names of the definitions."""
    from leerwinkels.definitions import ALL_ASSETS

    return frozenset(key.path[-1] for asset in ALL_ASSETS for key in asset.keys)


def _stage_of(step_key: str, asset_steps: frozenset[str] | None = None) -> str:
    if step_key in _ASSET_STAGES:
        return _ASSET_STAGES[step_key]
    return "indicators" if step_key in (asset_steps if asset_steps is not None else _asset_step_keys()) else "checks"


def summarise_timings(timings: dict) -> dict:
    """Per stage, per ingested partition and the slowest steps, from
    :func:`leerwinkels.run.timings.run_timings` (Dagster's STEP_START -> STEP_SUCCESS/FAILURE)."""
    steps, runs = timings["steps"], timings["runs"]
    stages = dict.fromkeys(STAGES, 0.0)
    asset_steps = _asset_step_keys()
    for step in steps:
        stages[_stage_of(step["step"], asset_steps)] += step["seconds"]
    ingest = {s["partition"]: round(s["seconds"], 3) for s in steps if s["step"] == "staged_leerwinkel"}
    top = sorted((s for s in steps if s["step"] != "staged_leerwinkel"), key=lambda s: -s["seconds"])[:8]
    return {
        "stages": {k: round(v, 3) for k, v in stages.items()},
        "ingest_per_partition": ingest,
        "slowest_steps": {s["step"]: round(s["seconds"], 3) for s in top},
        "runs_s": round(sum(r["seconds"] or 0.0 for r in runs), 3),
        "steps_s": round(sum(s["seconds"] for s in steps), 3),
        "run_count": len(runs),
        "step_count": len(steps),
    }


def step_times(dagster_home: Path) -> dict:
    """:func:`summarise_timings` of every run recorded in ``dagster_home``."""
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    import dagster as dg

    from leerwinkels.run.timings import run_timings

    instance = dg.DagsterInstance.get()
    try:
        return summarise_timings(run_timings(instance))
    finally:
        instance.dispose()
        os.environ.pop("DAGSTER_HOME", None)


def _warehouse_rows(database: Path) -> dict:
    import sqlite3

    with sqlite3.connect(database) as conn:
        read, loaded, quarantined, duplicate = conn.execute(
            "SELECT sum(rows_read), sum(rows_loaded), sum(rows_quarantined), sum(rows_duplicate) FROM dq_source_files"
        ).fetchone()
        per_source = dict(conn.execute(
            "SELECT leerwinkel, sum(rows_read) FROM dq_source_files GROUP BY leerwinkel ORDER BY leerwinkel"))
        new_trajectories = conn.execute(
            "SELECT sum(new_trajectories) FROM ind_reach WHERE leerwinkel = 'all'").fetchone()[0]
        tables = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for (t,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")}
    return {"rows_read": read, "rows_loaded": loaded, "rows_quarantined": quarantined, "rows_duplicate": duplicate,
            "rows_read_per_source": per_source, "new_trajectories": new_trajectories, "table_rows": tables}


def pipeline(folder: Path, work: Path, recorded: bool = False) -> dict:
    """``leerwinkels consolidate`` in a fresh process. By default as the CLI runs without
    ``DAGSTER_HOME`` (Dagster's in-memory instance; step times from ``--timings``); with
    ``recorded`` the runs are stored in a fresh ``DAGSTER_HOME`` (SQLite run and event
    storage, as `make run` does so that the runs show in the UI) and the step times are read
    back from there."""
    work.mkdir(parents=True)
    database = work / "warehouse.sqlite"
    env = child_env({"LEERWINKELS_PSEUDONYM_KEY": KEY, "CI": "1"})
    for name in ("DAGSTER_HOME", "LEERWINKELS_DATABASE_URL", "LEERWINKELS_SOURCES", "LEERWINKELS_STAGING_DIR",
                 "LEERWINKELS_PUBLICATION_DIR", "LEERWINKELS_AS_OF"):
        env.pop(name, None)
    home = work / "dagster_home"
    if recorded:  # a fresh instance: the CLI creates it with its dagster.yaml (leerwinkels.run.instance)
        env["DAGSTER_HOME"] = str(home)
    else:  # the CLI records by default; the baseline keeps its runs in memory
        env["LEERWINKELS_RECORD_RUNS"] = "0"
    timings_file = work / "timings.json"
    result = run_child([
        _bin("leerwinkels"), "consolidate", "--sources", str(folder), "--database", f"sqlite:///{database}",
        "--as-of", AS_OF, "--staging", str(work / "staging"), "--publication", str(work / "publication"),
        *([] if recorded else ["--timings", str(timings_file)]),
    ], env=env)
    if result["returncode"] not in (0,):
        raise RuntimeError(f"consolidate exited {result['returncode']}:\n{result['stderr'][-3000:]}")
    rows = _warehouse_rows(database)
    timings = step_times(home) if recorded else summarise_timings(json.loads(timings_file.read_text()))
    return {
        "wall_s": round(result["wall_s"], 3),
        "cpu_s": round(result["cpu_s"], 3),
        "peak_mb": round(result["peak_mb"], 1),
        **rows,
        "rows_per_s": round(rows["rows_read"] / result["wall_s"]),
        **timings,
    }


NAIVE_VENV = CACHE / "naive_venv"


def naive_python() -> str:
    """The Python of the naive baseline's own environment: the project plus the ``bench``
    dependency group (pandas), synced from uv.lock into ``bench/cache/naive_venv``. pandas is
    kept out of the pipeline's environment: pandera imports it at start when it is installed."""
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(NAIVE_VENV)}
    env.pop("VIRTUAL_ENV", None)
    # `make bench` passes the uv it uses (on a fresh machine `python3 -m uv`, not on PATH)
    uv = shlex.split(os.environ["UV"]) if os.environ.get("UV") else [shutil.which("uv") or "uv"]
    subprocess.run([*uv, "sync", "--frozen", "--quiet", "--group", "bench"], cwd=ROOT, env=env, check=True)
    return str(NAIVE_VENV / "bin" / "python")


def naive_argv(folder: Path) -> list[str]:
    return [naive_python(), "-m", "bench.naive", str(folder), "--as-of", AS_OF]


def warm_up(seed: int, work_root: Path) -> None:
    """One small consolidation, floor and baseline before anything is measured, when the
    bytecode cache is new: the first measured run would otherwise also compile its imports."""
    if not BYTECODE_CACHE or (PYCACHE / ".warm").exists():
        return
    started = time.perf_counter()
    log("warming up the bytecode cache (one small run of everything) ...")
    folder, _ = landing(min(SIZES), seed)
    pipeline(folder, work_root / "warm_up")
    _json_line(run_child([sys.executable, "-m", "bench.floor", str(folder)]), "floor")
    _json_line(run_child(naive_argv(folder)), "naive baseline")
    (PYCACHE / ".warm").write_text(dt.datetime.now().isoformat())
    log(f"  warmed up in {time.perf_counter() - started:.1f}s")


# ------------------------------------------------------------------ one size


def bench_size(size: int, seed: int, naive: bool, work_root: Path) -> dict:
    folder, generated = landing(size, seed)
    log(f"{size:,}: floor ...")
    floor_run = run_child([sys.executable, "-m", "bench.floor", str(folder)])
    floor = {**_json_line(floor_run, "floor"), "process_wall_s": round(floor_run["wall_s"], 3)}
    floor2 = _json_line(run_child([sys.executable, "-m", "bench.floor", str(folder), "--threads", "2"]), "floor --threads 2")
    log(f"  floor {floor['seconds']:.2f}s ({floor2['seconds']:.2f}s on 2 threads); pipeline ...")
    result = pipeline(folder, work_root / f"run_{size}")
    log(f"  pipeline {result['wall_s']:.2f}s, peak {result['peak_mb']:.0f} MB; again with the runs recorded in a DAGSTER_HOME ...")
    recorded = pipeline(folder, work_root / f"run_{size}_recorded", recorded=True)
    log(f"  recorded {recorded['wall_s']:.2f}s ({recorded['wall_s'] / result['wall_s']:.2f}x the run in memory)")
    entry = {
        "trajectories": size,
        "landing": {"folder": str(folder.relative_to(ROOT)), **generated},
        "floor": {k: round(v, 3) if isinstance(v, float) else v for k, v in floor.items()},
        "floor_2_threads": {k: round(v, 3) if isinstance(v, float) else v for k, v in floor2.items()},
        "pipeline": result,
        "pipeline_over_floor": round(result["wall_s"] / floor["seconds"], 2),
        "pipeline_recorded": {k: recorded[k] for k in ("wall_s", "cpu_s", "peak_mb", "stages", "runs_s", "steps_s")},
    }
    if naive:
        log("  naive baseline (pandas + openpyxl) ...")
        naive_run = run_child(naive_argv(folder))
        base = _json_line(naive_run, "naive baseline")
        entry["naive"] = {**{k: round(v, 3) if isinstance(v, float) else v for k, v in base.items()},
                          "process_wall_s": round(naive_run["wall_s"], 3), "measured": True}
        entry["naive_over_pipeline"] = round(base["seconds"] / result["wall_s"], 2)
        log(f"  naive {base['seconds']:.1f}s")
    return entry


def extrapolate_naive(results: list[dict]) -> None:
    """Sizes without a measured baseline: linear in the rows read, from the largest measured size."""
    measured = [r for r in results if r.get("naive", {}).get("measured")]
    if not measured:
        return
    ref = max(measured, key=lambda r: r["trajectories"])
    per_row = ref["naive"]["seconds"] / ref["pipeline"]["rows_read"]
    for r in results:
        if "naive" not in r:
            seconds = per_row * r["pipeline"]["rows_read"]
            r["naive"] = {"seconds": round(seconds, 3), "measured": False,
                          "extrapolated_from": ref["trajectories"]}
            r["naive_over_pipeline"] = round(seconds / r["pipeline"]["wall_s"], 2)


# ------------------------------------------------------------------ report


def _mb(value: float) -> str:
    return f"{value:,.0f}"


def table_markdown(report: dict) -> str:
    results = report["sizes"]
    stages = STAGES
    lines = [
        "| trajectories | source rows | floor s | pipeline s | pipeline / floor | peak MB | rows/s | naive s | naive / pipeline | "
        + " | ".join(f"{s} s" for s in stages) + " | Dagster + startup s | CPU s | runs recorded s |",
        "|" + "--:|" * (9 + len(stages) + 3),
    ]
    for r in results:
        p = r["pipeline"]
        naive = r.get("naive")
        naive_s = (f"{naive['seconds']:.1f}" + ("" if naive["measured"] else " (extrapolated)")) if naive else "—"
        ratio = f"{r['naive_over_pipeline']:.1f}" if naive else "—"
        other = p["wall_s"] - p["steps_s"]
        lines.append(
            f"| {r['trajectories']:,} | {p['rows_read']:,} | {r['floor']['seconds']:.2f} | {p['wall_s']:.2f} | "
            f"{r['pipeline_over_floor']:.2f} | {_mb(p['peak_mb'])} | {p['rows_per_s']:,} | {naive_s} | {ratio} | "
            + " | ".join(f"{p['stages'][s]:.2f}" for s in stages) + f" | {other:.2f} | {p['cpu_s']:.1f} | "
            + (f"{r['pipeline_recorded']['wall_s']:.2f} |" if "pipeline_recorded" in r else "— |")
        )
    return "\n".join(lines)


def targets_markdown(report: dict) -> str:
    checks = report["targets"]
    lines = ["| target | measured | limit | met |", "|---|--:|--:|:-:|"]
    for item in checks.values():
        measured = item["measured"]
        shown = "—" if measured is None else f"{measured:,.2f}"
        lines.append(f"| {item['what']} | {shown} | {item['limit']} | {'yes' if item['met'] else 'NO'} |")
    return "\n".join(lines)


def startup_s(entry: dict) -> float:
    """The "Dagster + startup" seconds of one size: the wall time outside the steps."""
    return entry["pipeline"]["wall_s"] - entry["pipeline"]["steps_s"]


def evaluate_targets(report: dict, previous: dict | None = None) -> dict:
    by_size = {r["trajectories"]: r for r in report["sizes"]}
    before = {r["trajectories"]: r for r in (previous or {}).get("sizes", [])}
    largest = by_size.get(max(by_size)) if by_size else None
    out = {}

    def add(name: str, what: str, measured: float | None, limit: float, at_most: bool = True) -> None:
        met = measured is not None and (measured <= limit if at_most else measured >= limit)
        out[name] = {"what": what, "measured": measured, "limit": f"{'≤' if at_most else '≥'} {limit:g}", "met": met}

    if largest:
        n = f"{largest['trajectories']:,}"
        if 400_000 in by_size and largest["trajectories"] != 400_000:
            add("pipeline_over_floor_400k", "pipeline / floor at 400,000", by_size[400_000]["pipeline_over_floor"],
                TARGETS["pipeline_over_floor"])
        add("pipeline_over_floor", f"pipeline / floor at {n}", largest["pipeline_over_floor"], TARGETS["pipeline_over_floor"])
        add("peak_mb", f"peak resident memory at {n} (MB)", largest["pipeline"]["peak_mb"], TARGETS["peak_mb"])
        naive = largest.get("naive")
        what = f"naive baseline / pipeline at {n}" + ("" if not naive or naive["measured"] else " (baseline extrapolated)")
        add("naive_over_pipeline", what, largest.get("naive_over_pipeline"), TARGETS["naive_over_pipeline"], at_most=False)
    if 400_000 in by_size and 1_000_000 in by_size:
        def above(size: int) -> float:
            return by_size[size]["pipeline"]["wall_s"] - by_size[size]["floor"]["seconds"]
        add("above_floor_growth", "(pipeline − floor) at 1,000,000 / at 400,000 (input 2.5×)",
            round(above(1_000_000) / above(400_000), 2), TARGETS["above_floor_growth"])
    if 400_000 in by_size and 40_000 in by_size:
        growth = by_size[400_000]["pipeline"]["wall_s"] / by_size[40_000]["pipeline"]["wall_s"]
        add("growth_10x", "time(400,000) / time(40,000)", round(growth, 2), TARGETS["growth_10x"])
    if 40_000 in by_size and 40_000 in before:  # the fixed cost at the real network's size: lower than last time
        previous_commit = (previous or {}).get("environment", {}).get("commit") or "last run"
        add("startup_40k", f"Dagster + startup at 40,000 (s), at most the previous run's ({previous_commit})",
            round(startup_s(by_size[40_000]), 2), round(startup_s(before[40_000]), 2))
    add("bench_minutes", "this benchmark run (minutes)", round(report["bench_seconds"] / 60, 2), TARGETS["bench_minutes"])
    return out


def growth_markdown(report: dict) -> str:
    """Per stage: seconds at 400,000 and 1,000,000 and their ratio beside the input's (the source
    rows): a stage whose ratio is above the input's grows faster than its input."""
    by_size = {r["trajectories"]: r for r in report["sizes"]}
    if not (400_000 in by_size and 1_000_000 in by_size):
        return "(needs both sizes)"
    a, b = by_size[400_000], by_size[1_000_000]
    rows_ratio = b["pipeline"]["rows_read"] / a["pipeline"]["rows_read"]
    lines = [f"The input grows {rows_ratio:.2f}× (source rows). Per stage:", "",
             "| stage | 400,000 s | 1,000,000 s | growth |", "|---|--:|--:|--:|"]
    pairs = [(s, a["pipeline"]["stages"][s], b["pipeline"]["stages"][s]) for s in STAGES]
    pairs += [("Dagster + startup", startup_s(a), startup_s(b)), ("floor", a["floor"]["seconds"], b["floor"]["seconds"]),
              ("pipeline − floor", a["pipeline"]["wall_s"] - a["floor"]["seconds"], b["pipeline"]["wall_s"] - b["floor"]["seconds"])]
    for name, x, y in pairs:
        lines.append(f"| {name} | {x:.2f} | {y:.2f} | {y / x:.2f}× |" if x > 0 else f"| {name} | {x:.2f} | {y:.2f} | — |")
    return "\n".join(lines)


def write_doc(report: dict) -> None:
    totals = report.get("bench_totals", {})

    def total(kind: str) -> str:
        t = totals.get(kind)
        return f"{t['seconds'] / 60:.1f} min ({t['date']})" if t else "not measured yet"

    env = report["environment"]
    slow = []
    for r in report["sizes"]:
        p = r["pipeline"]
        per = ", ".join(f"{k} {v:.2f}" for k, v in p["ingest_per_partition"].items())
        steps = ", ".join(f"{k} {v:.2f}" for k, v in list(p["slowest_steps"].items())[:6])
        check = ""
        if r.get("naive", {}).get("measured"):
            check = (f" Sanity check: the naive baseline counts {r['naive']['new_trajectories']:,} new trajectories in all "
                     f"years, the pipeline's `ind_reach` {p['new_trajectories']:,} (the baseline keeps the rows the pipeline "
                     "quarantines or drops as duplicates).")
        slow.append(f"- **{r['trajectories']:,}**: ingest per partition (s): {per}. Slowest other steps (s): {steps}. "
                    f"Recorded runs {p['run_count']}, steps {p['step_count']}; CPU {p['cpu_s']:.1f} s for {p['wall_s']:.1f} s wall.{check}")
    text = f"""# Benchmarks

Generated by `make bench` (`uv run python -m bench.run`); the numbers below are from the
last run, {report['date']}, commit `{env['commit']}`{' (with uncommitted changes)' if env['dirty'] else ''},
on {env['cpus']} CPU(s), Python {env['python']}, polars {env['polars']}. Raw results:
`bench/results.json`. Runs on shared 2-core machines vary by 20-40 %: compare ratios
measured in one run rather than absolute times.

## Results

{table_markdown(report)}

- **trajectories**: the size of the demo landing folder (`leerwinkels demo-data DIR
  --trajectories N --seed {report['seed']}`: all six delivery formats plus contacts,
  referrals, the follow-up survey and the cost file, with deliberate defects).
- **source rows**: rows read from the landing files (`sum(rows_read)` of `dq_source_files`).
- **floor**: reading every landing file into memory with the fastest readers and nothing
  else (`polars.read_excel` with fastexcel/calamine for every sheet, `polars.read_csv`),
  one file after another in a fresh process, imports excluded (`bench/floor.py`).
- **pipeline**: wall time of `leerwinkels consolidate` in a fresh subprocess, from start to
  exit (Python start-up and imports included), into a fresh SQLite warehouse, staging and
  publication folder, with `LEERWINKELS_RECORD_RUNS=0` (Dagster's in-memory instance;
  the step times come from its events through `--timings`).
- **runs recorded**: the same, as the CLI runs by default: the runs stored in a fresh
  `DAGSTER_HOME` that the CLI creates with its dagster.yaml (Dagster's SQLite run and event
  storage; leerwinkels.run.instance), so that the runs show in the UI: the difference is
  what storing the run and step events costs (Dagster opens a SQLite connection per event).
- **peak MB**: the peak resident memory of that subprocess (`ru_maxrss` from `wait4`).
- **rows/s**: source rows / pipeline wall time.
- **naive**: what an analyst would write instead (`bench/naive.py`): pandas +
  `read_excel(engine="openpyxl")` for every sheet, `read_csv`, then new trajectories,
  active trajectories and distinct clients per Leerwinkel and year. It does a fraction of
  the pipeline's work (no validation, quarantine, pseudonymisation, warehouse or
  publication).
- **stage columns**: the sum of the Dagster step durations per stage (STEP_START to
  STEP_SUCCESS): ingest = the 7 `staged_leerwinkel` partitions
  (reading, validation, pseudonymisation, staging Parquet), model = `network_model` (incl.
  the pandera validation), indicators = the other assets (the `ind_*` tables,
  `evidence_assumptions`, `code_labels`, `sroi_case_studies`), quality = `dq_scorecard`,
  `dq_feedback`, `dq_revisions`, checks = the asset checks, warehouse = `warehouse_tables`
  (all tables in one transaction), publication = `publication_export` (CSV, workbook,
  Value Map, the six feedback workbooks), report = `impact_report` (HTML with its charts
  and, where Chromium is installed, the PDF). Step times include loading the step's inputs
  and storing its outputs. **Dagster + startup** is the rest of the wall time: interpreter
  start, imports, the instance, creating the 8 runs and the events outside steps. **CPU s**: user + system
  time of the subprocess (more than the wall time where both cores work).
- Every measured process keeps Python's compiled bytecode in `bench/cache/pycache`
  (`PYTHONPYCACHEPREFIX`; this shell sets `PYTHONDONTWRITEBYTECODE`, which would make
  every process compile its ~4,000 imported modules first, ~3 s). Before the first
  measurement a small run warms that cache. `--no-bytecode-cache` measures without it.

## Targets

{targets_markdown(report)}

The whole benchmark: cold (landing folders generated) {total('cold')}; warm (landing
folders from `bench/cache/`) {total('warm')}.

Floor on two threads (for comparison; the pipeline uses both cores):
{', '.join(f"{r['trajectories']:,}: {r['floor_2_threads']['seconds']:.2f} s" for r in report['sizes'])}.

## Growth from 400,000 to 1,000,000 trajectories

{growth_markdown(report)}

## Where the time goes

{chr(10).join(slow)}

{report.get('notes', '')}
"""
    DOC.parent.mkdir(parents=True, exist_ok=True)
    existing = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    marker = "<!-- notes below are kept by bench/run.py -->"
    if marker in existing:
        text = text.rstrip() + "\n\n" + marker + existing.split(marker, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + marker + "\n"
    DOC.write_text(text, encoding="utf-8")


def _environment() -> dict:
    import polars as pl

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
        except Exception:
            return ""

    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "dirty": bool(git("status", "--porcelain", "--", "src", "tools", "sources")),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "polars": pl.__version__,
        "machine": platform.machine(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES), help="comma-separated trajectory counts")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-naive", action="store_true", help="no naive baseline at all")
    parser.add_argument("--naive-sizes", default=None,
                        help="sizes to run the naive baseline at (default: those up to 400,000); others are extrapolated linearly")
    parser.add_argument("--no-write", action="store_true", help="print only; leave results.json and docs alone")
    parser.add_argument("--keep", action="store_true", help="keep the run folders (warehouse, staging) in bench/cache/runs")
    parser.add_argument("--no-bytecode-cache", action="store_true",
                        help="measure with the shell's bytecode settings (PYTHONDONTWRITEBYTECODE: every process compiles its imports)")
    args = parser.parse_args()
    global BYTECODE_CACHE
    BYTECODE_CACHE = not args.no_bytecode_cache
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    naive_sizes = (set(sizes) & set(NAIVE_SIZES) if args.naive_sizes is None
                   else {int(s) for s in args.naive_sizes.split(",") if s.strip()})
    if args.skip_naive:
        naive_sizes = set()

    started = time.perf_counter()
    if args.keep:
        work_root = CACHE / "runs"
        shutil.rmtree(work_root, ignore_errors=True)
        work_root.mkdir(parents=True)
    else:
        work_root = Path(tempfile.mkdtemp(prefix="lw-bench-"))
    try:
        warm_up(args.seed, work_root)
        results = [bench_size(size, args.seed, size in naive_sizes, work_root) for size in sizes]
    finally:
        if not args.keep:
            shutil.rmtree(work_root, ignore_errors=True)
    extrapolate_naive(results)
    bench_seconds = time.perf_counter() - started
    cold = any(not r["landing"]["cached"] for r in results)

    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    totals = dict(previous.get("bench_totals", {}))
    full = sorted(sizes) == sorted(SIZES) and naive_sizes == set(NAIVE_SIZES)
    today = dt.date.today().isoformat()
    if full:
        totals["cold" if cold else "warm"] = {"seconds": round(bench_seconds, 1), "date": today}
    report = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "seed": args.seed,
        "as_of": AS_OF,
        "environment": _environment(),
        "bench_seconds": round(bench_seconds, 1),
        "cold": cold,
        "bytecode_cache": BYTECODE_CACHE,
        "bench_totals": totals,
        "sizes": results,
    }
    for r in results:
        r["commit"] = report["environment"]["commit"]
    report["targets"] = evaluate_targets(report, previous)
    print()
    print(table_markdown(report))
    print()
    print(targets_markdown(report))
    print(f"\nbenchmark took {bench_seconds / 60:.1f} min ({'cold: landing folders generated' if cold else 'warm: landing folders cached'})")
    if not args.no_write:
        RESULTS.write_text(json.dumps(report, indent=2) + "\n")
        write_doc(report)
        log(f"wrote {RESULTS.relative_to(ROOT)} and {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
