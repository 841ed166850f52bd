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
    from leerwinkels.run.process import frame_memo_budget, tuned_for_one_large_run

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

        with tuned_for_one_large_run():
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
    from leerwinkels.run.summary import summary_lines

    if not result.success:
        for code, message in result.failed_partitions.items():
            print(f"! {message} ({code} keeps its last good data)", file=sys.stderr)
        print(f"error: consolidation failed: {result.error}", file=sys.stderr)
        print(_what_changed(result), file=sys.stderr)
        print("\n".join(summary_lines(result)))
        return EXIT_FAILED
    print("\n".join(summary_lines(result)))
    if result.failed_partitions:  # the summary's last lines say why
        return EXIT_PARTIAL
    return 0


def cmd_check(args) -> int:
    """Validate one Leerwinkel's delivery and print what a run would do with it; writes nothing."""
    from leerwinkels.ingest.delivery_files import settle_seconds
    from leerwinkels.ingest.delivery_guard import shrink_limit
    from leerwinkels.ingest.source_specs import SourceSpecError, all_specs, sources_dir

    sources = Path(args.sources or os.environ.get("LEERWINKELS_SOURCES", "data/landing"))
    staging = Path(args.staging or os.environ.get("LEERWINKELS_STAGING_DIR", "data/staging"))
    if not sources.is_dir():
        print(f"error: landing folder {sources} does not exist (set --sources or LEERWINKELS_SOURCES)", file=sys.stderr)
        return EXIT_USAGE
    try:
        all_specs()
        as_of = date.fromisoformat(args.as_of or os.environ.get("LEERWINKELS_AS_OF") or date.today().isoformat())
        limits = {"shrink_limit": shrink_limit(), "settle_seconds": settle_seconds()}
        quarantine_limit = float(os.environ.get("LEERWINKELS_QUARANTINE_WARN_SHARE", "0.05"))
    except SourceSpecError as exc:
        print(f"error: the source descriptions in {sources_dir()} are not valid:\n{exc}", file=sys.stderr)
        return EXIT_USAGE
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    from leerwinkels.run.check_delivery import check_delivery, report_lines

    found = check_delivery(args.leerwinkel, sources, staging, as_of=as_of, **limits)
    lines, code = report_lines(found, quarantine_limit)
    print(f"{args.leerwinkel}: delivery in {sources / all_specs()[args.leerwinkel].folder} (nothing is written)")
    print("\n".join(lines))
    return code


def cmd_accept(args) -> int:
    """Record a steward's acceptance of a Leerwinkel's current delivery (DELIVERIES.md, Guards)."""
    import getpass

    from leerwinkels.ingest.delivery_files import content_sha256, find_deliveries, settle_seconds
    from leerwinkels.ingest.delivery_guard import record_acceptance, unusable_before_reading
    from leerwinkels.ingest.source_specs import all_specs

    code = args.leerwinkel
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
    if args.earlier_delivery is not None:
        kwargs["earlier_delivery_days"] = args.earlier_delivery
    try:
        written = generate_landing(dest, **kwargs)
    except ValueError as refused:  # e.g. an earlier delivery that is not before the final export
        print(f"error: {refused}", file=sys.stderr)
        return EXIT_USAGE
    which = (f", the earlier delivery of {written['export_date']}: what was registered {args.earlier_delivery} days before "
             "the as-of date" if args.earlier_delivery is not None else "")
    print(f"demo landing folder written to {dest.resolve()} ({args.trajectories} trajectories, seed {args.seed}{which}; invented people)")
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


def _iso_date(text: str) -> str:
    """argparse type: a date YYYY-MM-DD (kept as text: the runner takes it so)."""
    try:
        date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None
    return text


def _leerwinkel(text: str) -> str:
    """argparse type: one of the partitions (sources/*.yaml and netwerk)."""
    from leerwinkels.ingest.source_specs import PARTITIONS

    if text not in PARTITIONS:
        raise argparse.ArgumentTypeError(f"unknown Leerwinkel {text!r}; one of: {', '.join(PARTITIONS)}")
    return text


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("leerwinkels")
    except PackageNotFoundError:  # run from a source tree that is not installed
        return "unknown (not installed)"


EXIT_CODES = """exit codes:
  0  success (the summary may still list WARN checks: verdict "success with warnings")
  1  failure: nothing published (the message says what changed), another run in progress, an empty
     landing folder; `check`: the delivery would not be used (missing, unreadable, held)
  2  usage: a wrong argument, a missing or unusable key (LEERWINKELS_PSEUDONYM_KEY), no landing folder
  3  consolidate: published, with one or more Leerwinkels on their last good data (or without data);
     check: the delivery would be used, with warnings (quarantine over the limit, unmapped labels)"""


def build_parser() -> argparse.ArgumentParser:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(prog="leerwinkels", description="Consolidate the Leerwinkels' client data.",
                                     epilog=EXIT_CODES, formatter_class=formatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="{consolidate,check,accept,demo-data}")
    c = sub.add_parser("consolidate", help="ingest, check, pseudonymise and publish a landing folder",
                       epilog=EXIT_CODES, formatter_class=formatter)
    c.add_argument("--sources", metavar="DIR", help="landing folder (default: $LEERWINKELS_SOURCES or data/landing)")
    c.add_argument("--database", metavar="URL", help="SQLAlchemy URL (default: $LEERWINKELS_DATABASE_URL or sqlite:///data/warehouse.sqlite)")
    c.add_argument("--as-of", type=_iso_date, metavar="YYYY-MM-DD", help="as-of date (default: $LEERWINKELS_AS_OF or today)")
    c.add_argument("--staging", metavar="DIR", help="staging folder (default: $LEERWINKELS_STAGING_DIR or data/staging)")
    c.add_argument("--publication", metavar="DIR", help="publication folder (default: $LEERWINKELS_PUBLICATION_DIR or data/publication)")
    c.add_argument("--timings", metavar="FILE", help="write the seconds per run and step (from Dagster's step events) to FILE as JSON")
    c.set_defaults(func=cmd_consolidate, parser=c)
    k = sub.add_parser("check", help="validate one Leerwinkel's delivery and say what a run would do with it; writes nothing",
                       epilog=EXIT_CODES, formatter_class=formatter)
    k.add_argument("leerwinkel", type=_leerwinkel, help="brussel, genk, mechelen, gent, west_vlaanderen, leuven or netwerk")
    k.add_argument("--sources", metavar="DIR", help="landing folder (default: $LEERWINKELS_SOURCES or data/landing)")
    k.add_argument("--staging", metavar="DIR", help="staging folder with the last good data the guards compare with, "
                   "only read (default: $LEERWINKELS_STAGING_DIR or data/staging)")
    k.add_argument("--as-of", type=_iso_date, metavar="YYYY-MM-DD", help="as-of date (default: $LEERWINKELS_AS_OF or today)")
    k.set_defaults(func=cmd_check, parser=k)
    a = sub.add_parser("accept", help="accept a Leerwinkel's held delivery (by the sha256 of its current files): the next run uses it",
                       epilog=EXIT_CODES, formatter_class=formatter)
    a.add_argument("leerwinkel", type=_leerwinkel, help="brussel, genk, mechelen, gent, west_vlaanderen, leuven or netwerk")
    a.add_argument("--sources", metavar="DIR", help="landing folder (default: $LEERWINKELS_SOURCES or data/landing)")
    a.add_argument("--staging", metavar="DIR", help="staging folder (default: $LEERWINKELS_STAGING_DIR or data/staging)")
    a.set_defaults(func=cmd_accept, parser=a)
    d = sub.add_parser("demo-data", help="write a synthetic landing folder (invented people)")
    d.add_argument("dir", metavar="DIR")
    d.add_argument("--trajectories", type=_at_least_one, default=600, metavar="N")
    d.add_argument("--seed", type=int, default=1, metavar="S")
    d.add_argument("--as-of", type=_iso_date, metavar="YYYY-MM-DD", help="last date of the generated history")
    d.add_argument("--manifest", metavar="FILE", help="also write the expected accounting of the injected defects here (JSON)")
    d.add_argument("--earlier-delivery", type=_at_least_one, metavar="DAYS",
                   help="write instead the earlier delivery of the same network: only what the Leerwinkels had registered "
                        "DAYS days before the as-of date (at least 7: before the final export; at most the demo's history of five years), files dated that day; "
                        "the final delivery generated into the same folder afterwards brings the late registrations")
    d.set_defaults(func=cmd_demo_data, parser=d)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:  # argparse exits on --help, --version and usage errors: a code here, so main() can be called from tests
        args, unknown = build_parser().parse_known_args(argv)
        if unknown:  # the subcommand's own usage, not the top-level one (argparse's parse_args would give that)
            args.parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else EXIT_USAGE
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130


def run() -> None:
    """The ``leerwinkels`` command: :func:`main`, then leave at once (run/process.py)."""
    exit_without_teardown(main())


if __name__ == "__main__":
    run()
