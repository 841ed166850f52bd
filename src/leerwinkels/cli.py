"""`leerwinkels`: consolidate a landing folder, or write a synthetic one for demos and tests."""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path

from leerwinkels.run.process import exit_without_teardown

EXIT_FAILED, EXIT_PARTIAL, EXIT_USAGE = 1, 3, 2


def _progress_printer(stream=sys.stderr, keep_done_lines: bool = False):
    """Progress on a terminal; silent in CI logs and pipes.

    Every call rewrites the current line: ``[done/total] step  elapsed``. With
    ``keep_done_lines`` a call that completes a step (``done`` went up) stays on the screen
    (consolidate: one line per Leerwinkel with its rows), the others are overwritten."""
    if not stream.isatty() or os.environ.get("CI"):
        return None
    started = time.monotonic()
    state = {"done": 0, "width": 0}
    import shutil

    room = max(20, min(72, shutil.get_terminal_size((100, 24)).columns - 20))  # no wrapping: \r must work

    def report(step: str, done: int, total: int) -> None:
        shown = step if len(step) <= room else step[: room - 1] + "…"
        line = f"[{done}/{total}] {shown:<{room}} {time.monotonic() - started:6.1f}s"
        stream.write("\r" + line.ljust(state["width"]))
        state["width"] = len(line)
        if done >= total or (keep_done_lines and done > state["done"]):
            stream.write("\n")
            state["width"] = 0
        state["done"] = done
        stream.flush()

    return report


def _summary(result) -> str:
    import polars as pl

    lines = []
    files = result.tables.get("dq_source_files")
    if files is not None and files.height:
        per_lw = files.group_by("leerwinkel").agg(
            pl.col("file_name").n_unique().alias("files"),
            pl.col("rows_read").sum(), pl.col("rows_loaded").sum(),
            pl.col("rows_quarantined").sum(), pl.col("rows_duplicate").sum(),
        ).sort("leerwinkel")
        lines.append(f"{'leerwinkel':<16}{'files':>6}{'read':>10}{'loaded':>10}{'quarantined':>13}{'duplicate':>11}")
        for r in per_lw.iter_rows(named=True):
            lines.append(f"{r['leerwinkel']:<16}{r['files']:>6}{r['rows_read']:>10}{r['rows_loaded']:>10}{r['rows_quarantined']:>13}{r['rows_duplicate']:>11}")
    deliveries = result.tables.get("dq_deliveries")
    if deliveries is not None:
        for r in deliveries.filter(pl.col("stale")).unique("leerwinkel", keep="first").sort("leerwinkel").iter_rows(named=True):
            lines.append(f"! {r['leerwinkel']}: {r['state']}, on its last good data: {r['stale_reason']}")
        for r in deliveries.filter(pl.col("missing") & ~pl.col("stale")).iter_rows(named=True):
            lines.append(f"! {r['leerwinkel']}: missing{' ' + r['pattern'] if r['pattern'] else ''}: {r['message'] or 'missing'}")
        for r in deliveries.filter(pl.col("state") == "accepted").unique("leerwinkel").sort("leerwinkel").iter_rows(named=True):
            lines.append(f"  {r['leerwinkel']}: held delivery used: {r['state_reason']}")
        for r in deliveries.filter(pl.col("status") == "ignored").iter_rows(named=True):
            lines.append(f"  {r['leerwinkel']}: ignored older delivery {r['file_name']}")
    trajectories = result.tables.get("trajectories")
    if trajectories is not None:
        lines.append(f"trajectories: {trajectories.height}, distinct clients: {trajectories.get_column('client_key').n_unique()}")
    lines.append(f"tables: {result.database}")
    # the path readers use (a symlink to the current release), not the release folder itself
    release = f" (release {result.release})" if getattr(result, "release", None) else ""
    lines.append(f"publication: {Path(result.publication_dir).absolute()}{release}")
    return "\n".join(lines)


def _what_changed(result) -> str:
    """The truth about the previous release after a failed run (DELIVERIES.md: a run is one
    release): which of the warehouse tables and the publication this run replaced."""
    folder = Path(result.publication_dir)
    if result.release:
        publication = f"the publication ({folder}, release {result.release})"
    elif folder.exists():
        publication = f"the publication ({folder})"
    else:
        publication = f"the publication ({folder}: none yet)"
    if result.tables_written and result.published:
        return (f"The warehouse tables and {publication} are this run's (run {result.run_id}); "
                "a check on the published files failed after the switch.")
    if result.tables_written:
        return (f"The warehouse tables ARE this run's (run {result.run_id}), but {publication} was not "
                "switched and is still the previous one. Run the consolidation again to publish "
                "tables and export together.")
    if result.failed_step == "warehouse_tables":
        return f"The warehouse write was rolled back: nothing changed, the tables and {publication} are the previous run's."
    return f"The run failed before the warehouse write: nothing changed, the tables and {publication} are the previous run's."


def cmd_consolidate(args) -> int:
    from leerwinkels.privacy.pseudonymise import MissingPseudonymKey, key_from_environment
    from leerwinkels.run.lock import ConsolidationInProgress, wait_seconds

    if args.as_of:
        try:
            date.fromisoformat(args.as_of)
        except ValueError:
            print(f"error: --as-of must be a date YYYY-MM-DD, got {args.as_of!r}", file=sys.stderr)
            return EXIT_USAGE
    sources = args.sources or os.environ.get("LEERWINKELS_SOURCES", "data/landing")
    if not Path(sources).is_dir():
        print(f"error: landing folder {sources} does not exist (set --sources or LEERWINKELS_SOURCES)", file=sys.stderr)
        return EXIT_USAGE
    try:
        key_from_environment()
    except MissingPseudonymKey as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    from leerwinkels.ingest.source_specs import PARTITIONS, SourceSpecError, all_specs, sources_dir

    try:  # a bad source description stops the run before anything is read or written
        all_specs()
    except SourceSpecError as exc:
        print(f"error: the source descriptions in {sources_dir()} are not valid:\n{exc}", file=sys.stderr)
        return EXIT_USAGE
    from leerwinkels.ingest.delivery_files import settle_seconds
    from leerwinkels.ingest.delivery_guard import shrink_limit
    from leerwinkels.run.process import frame_memo_budget, tune_gc_for_one_large_run

    try:  # a setting that is no number stops the run before anything runs
        for read_setting in (wait_seconds, settle_seconds, shrink_limit, frame_memo_budget):
            read_setting()
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    # The first Leerwinkel's files are read while Python imports Dagster (~1.5 s).
    from leerwinkels.ingest.read_ahead import ReadAhead

    read_ahead = ReadAhead(Path(sources), PARTITIONS).start() if ReadAhead.enabled() else None
    try:
        from leerwinkels.run.runner import consolidate

        tune_gc_for_one_large_run()
        result = consolidate(
            sources=sources, database_url=args.database, as_of=args.as_of,
            staging_dir=args.staging, publication_dir=args.publication,
            progress=_progress_printer(keep_done_lines=True), quiet=True, read_ahead=read_ahead,
            collect_timings=bool(args.timings), record_runs=True,
        )
    except MissingPseudonymKey as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ConsolidationInProgress as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        if read_ahead:
            read_ahead.close()
    if args.timings and result.timings is not None:
        import json

        Path(args.timings).write_text(json.dumps(result.timings, indent=1))
    if result.leftovers:
        print(f"cleared what an interrupted run had left: {'; '.join(result.leftovers)}", file=sys.stderr)
    if not result.success:
        # a run that succeeds lists these in its summary (from dq_deliveries), once
        for code, message in result.failed_partitions.items():
            print(f"! {message} ({code} keeps its last good data)", file=sys.stderr)
        print(f"error: consolidation failed: {result.error}", file=sys.stderr)
        print(_what_changed(result), file=sys.stderr)
        return EXIT_FAILED
    print(_summary(result))
    if result.failed_partitions:
        print(f"completed with {len(result.failed_partitions)} Leerwinkel(s) on their last good data (or without data): "
              f"{', '.join(sorted(result.failed_partitions))}; exit code 3", file=sys.stderr)
        return EXIT_PARTIAL
    return 0


def cmd_accept(args) -> int:
    """Record a steward's acceptance of a Leerwinkel's current delivery (DELIVERIES.md, Guards)."""
    import getpass

    from leerwinkels.ingest.delivery_files import content_sha256, find_deliveries, settle_seconds
    from leerwinkels.ingest.delivery_guard import record_acceptance, unusable_before_reading
    from leerwinkels.ingest.source_specs import PARTITIONS, all_specs

    code = args.leerwinkel
    if code not in PARTITIONS:
        print(f"error: unknown Leerwinkel {code!r}; one of: {', '.join(PARTITIONS)}", file=sys.stderr)
        return EXIT_USAGE
    sources = Path(args.sources or os.environ.get("LEERWINKELS_SOURCES", "data/landing"))
    staging = Path(args.staging or os.environ.get("LEERWINKELS_STAGING_DIR", "data/staging"))
    spec = all_specs()[code]
    deliveries = find_deliveries(sources / spec.folder, spec.files, landing_root=sources, settle=settle_seconds())
    problem = unusable_before_reading(code, deliveries)
    if problem is not None:
        print(f"error: nothing to accept for {code}: {problem.state}: {problem.message}", file=sys.stderr)
        return EXIT_FAILED
    # no problem before reading: every delivery has its file
    files = [(delivery.path.name, content_sha256(delivery.path)) for delivery in deliveries if delivery.path is not None]
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown user"
    added = record_acceptance(staging, code, files, by=f"{user}, leerwinkels accept")
    for name, sha in files:
        state = "accepted" if any(a["sha256"] == sha for a in added) else "already accepted"
        print(f"{code}: {name} (sha256 {sha[:12]}…) {state}")
    print(f"The next run uses this delivery of {code}, even where a guard would hold it. A changed file needs a new acceptance.")
    return 0


def cmd_demo_data(args) -> int:
    try:  # a dev tool of this repo (tools/demo-data), not part of the production package
        from leerwinkels_demo import demo_folder_refusal, generate_landing
    except ModuleNotFoundError as missing:
        if missing.name != "leerwinkels_demo":  # a broken installation, not a missing one
            raise
        print("error: the demo-data generator (package leerwinkels-demo, tools/demo-data in the repo) is not installed: "
              "run `uv sync` in a clone of the repo (it installs the dev group)", file=sys.stderr)
        return EXIT_USAGE
    dest = Path(args.dir)
    refusal = demo_folder_refusal(dest)
    if refusal:  # never over a steward's files
        print(f"error: {refusal}", file=sys.stderr)
        return EXIT_USAGE
    progress = _progress_printer()
    kwargs = {"trajectories": args.trajectories, "seed": args.seed}
    if progress:
        kwargs["progress"] = progress
    if args.as_of:
        kwargs["as_of"] = date.fromisoformat(args.as_of)
    if args.manifest:
        kwargs["manifest_path"] = Path(args.manifest)
    generate_landing(dest, **kwargs)
    print(f"demo landing folder written to {dest.resolve()} ({args.trajectories} trajectories, seed {args.seed}; invented people)")
    return 0


def _at_least_one(text: str) -> int:
    """argparse type: a whole number of 1 or more (argparse turns the error into a usage line)."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {number}")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="leerwinkels", description="Consolidate the Leerwinkels' client data.")
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("consolidate", help="ingest, check, pseudonymise and publish a landing folder")
    c.add_argument("--sources", help="landing folder (default: $LEERWINKELS_SOURCES or data/landing)")
    c.add_argument("--database", help="SQLAlchemy URL (default: $LEERWINKELS_DATABASE_URL or sqlite:///data/warehouse.sqlite)")
    c.add_argument("--as-of", help="as-of date YYYY-MM-DD (default: $LEERWINKELS_AS_OF or today)")
    c.add_argument("--staging", help="staging folder (default: $LEERWINKELS_STAGING_DIR or data/staging)")
    c.add_argument("--publication", help="publication folder (default: $LEERWINKELS_PUBLICATION_DIR or data/publication)")
    c.add_argument("--timings", metavar="FILE", help="write the seconds per run and step (from Dagster's step events) to FILE as JSON")
    c.set_defaults(func=cmd_consolidate)
    a = sub.add_parser("accept", help="accept a Leerwinkel's held delivery (by the sha256 of its current files): the next run uses it")
    a.add_argument("leerwinkel", help="brussel, genk, mechelen, gent, west_vlaanderen, leuven or netwerk")
    a.add_argument("--sources", help="landing folder (default: $LEERWINKELS_SOURCES or data/landing)")
    a.add_argument("--staging", help="staging folder (default: $LEERWINKELS_STAGING_DIR or data/staging)")
    a.set_defaults(func=cmd_accept)
    d = sub.add_parser("demo-data", help="write a synthetic landing folder (invented people)")
    d.add_argument("dir")
    d.add_argument("--trajectories", type=_at_least_one, default=600)
    d.add_argument("--seed", type=int, default=1)
    d.add_argument("--as-of", help="last date of the generated history (YYYY-MM-DD)")
    d.add_argument("--manifest", help="also write the expected accounting of the injected defects here (JSON)")
    d.set_defaults(func=cmd_demo_data)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130


def run() -> None:
    """The ``leerwinkels`` command: :func:`main`, then leave at once (run/process.py)."""
    exit_without_teardown(main())


if __name__ == "__main__":
    run()
