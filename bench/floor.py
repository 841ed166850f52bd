"""The floor: the time to merely read every landing file of a folder into memory with the
fastest readers, and nothing else.

    uv run python -m bench.floor LANDING_DIR [--threads N]

xlsx: ``polars.read_excel`` (fastexcel/calamine, the default engine) for every sheet
(``sheet_id=0``); CSV: ``polars.read_csv`` with the source's separator, all columns as
text. A Windows-1252 CSV is decoded to UTF-8 in Python first (faster than polars'
``encoding="windows-1252"``, see shared/notes/PERFORMANCE.md). The files are the current
deliveries the pipeline would read (the file patterns of ``sources/*.yaml``).

``--threads 1`` (the default) reads the files one after the other: the floor the benchmark
reports. ``--threads 2`` reads them on a thread pool, for comparison with a pipeline that
uses both cores.

Prints one JSON line: seconds (reading only, imports excluded), rows, files, peak_mb.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


def landing_files(root: Path) -> list[tuple[Path, object]]:
    """(path, FileSpec) of every current delivery in the landing folder."""
    from leerwinkels.ingest.readers import find_deliveries
    from leerwinkels.ingest.source_specs import all_specs

    files = []
    for spec in all_specs().values():
        for delivery, file_spec in zip(find_deliveries(root / spec.folder, spec.files), spec.files, strict=True):
            if delivery.path is not None:
                files.append((delivery.path, file_spec))
    return files


def read_one(path: Path, file_spec) -> int:
    import polars as pl

    if file_spec.format == "csv":
        data = path.read_bytes()
        encoding = file_spec.encoding.lower().replace("_", "-")
        if encoding not in {"utf-8", "utf8", "utf-8-sig"}:
            data = data.decode("cp1252" if encoding in {"windows-1252", "cp1252"} else encoding).encode("utf-8")
        return pl.read_csv(data, separator=file_spec.separator, infer_schema=False).height
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "could not determine dtype ... falling back to string"
        frames = pl.read_excel(path, sheet_id=0)
    return sum(frame.height for frame in frames.values())


def measure(root: Path, threads: int = 1) -> dict:
    import polars as pl  # noqa: F401  (imported before the clock starts)

    files = landing_files(root)
    started = time.perf_counter()
    if threads <= 1:
        rows = [read_one(path, spec) for path, spec in files]
    else:
        with ThreadPoolExecutor(threads) as pool:
            rows = list(pool.map(lambda item: read_one(*item), files))
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "rows": sum(rows),
        "files": len(files),
        "threads": threads,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("landing")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    print(json.dumps(measure(Path(args.landing), args.threads)))


if __name__ == "__main__":
    main()
