"""Reading the next Leerwinkel's delivered files ahead, in a background thread.

The ingest partitions run one after the other in Dagster (its in-process execution is not
thread-safe). Only the *reading* of the files moves ahead: fastexcel/calamine, polars' CSV
reader and zlib run outside Python's GIL, so on two cores the reading of partition k+1
overlaps with the staging (validation, pseudonymisation, Parquet) of partition k, and the
first partition is read while Python imports Dagster and the instance comes up.

The thread does nothing but :func:`readers.read_delivery`: no Dagster, no logging, no
writes. ``staging.stage_source`` takes a file from here (the runner hands :meth:`ReadAhead.read`
to the ingest asset as its ``delivery_reader`` resource) only when it is the same file (path, size, modification time, inode) with the
same file description; otherwise, and whenever reading ahead raised, it reads the file
itself, so a bad delivery fails in its own partition with its own message, exactly as
without read-ahead. At most the partition being staged and the next one are in memory.

``LEERWINKELS_READ_AHEAD=0`` turns it off.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future
from pathlib import Path

from leerwinkels.ingest.readers import file_identity, find_deliveries, read_delivery
from leerwinkels.ingest.source_specs import all_specs


class ReadAhead:
    """Reads the delivered files of the next Leerwinkel in a background thread while the
    current one is staged (see the module's description). The runner calls
    :meth:`partition_started` as it starts each partition and uses :meth:`read` in place of
    ``readers.read_delivery``; :meth:`close` drops whatever was not used."""

    def __init__(self, landing_root: Path, codes: tuple[str, ...]):
        self._root = Path(landing_root)
        self._codes = list(codes)
        self._lock = threading.Lock()
        self._files: dict[str, tuple[object, tuple | None, Future]] = {}
        self._permits = threading.Semaphore(1)  # partition 0 now; one more per partition started
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="leerwinkels-read-ahead", daemon=True)

    @staticmethod
    def enabled() -> bool:
        return os.environ.get("LEERWINKELS_READ_AHEAD", "1").strip().lower() not in {"0", "false", "no", "off"}

    def serves(self, landing_root: Path) -> bool:
        """Whether this reads ahead in ``landing_root``."""
        try:
            return self._root.resolve() == Path(landing_root).resolve()
        except OSError:
            return False

    def start(self) -> ReadAhead:
        self._thread.start()
        return self

    def partition_started(self, code: str) -> None:
        """The runner starts staging ``code``: the thread may read the partition after it."""
        self._permits.release()

    def _run(self) -> None:
        specs = all_specs()
        for code in self._codes:
            self._permits.acquire()
            if self._stopped:
                return
            try:
                spec = specs[code]
                pending = []
                with self._lock:
                    for delivery, file_spec in zip(find_deliveries(self._root / spec.folder, spec.files), spec.files, strict=True):
                        if delivery.path is not None and str(delivery.path) not in self._files:
                            future: Future = Future()
                            self._files[str(delivery.path)] = (file_spec, file_identity(delivery.path), future)
                            pending.append((delivery.path, file_spec, future))
            except Exception:  # the partition reads its files itself then
                continue
            for path, file_spec, future in pending:
                if self._stopped:
                    future.cancel()
                    continue
                if future.set_running_or_notify_cancel():
                    try:
                        future.set_result(read_delivery(path, file_spec))
                    except BaseException as exc:  # handed to the reader
                        future.set_exception(exc)

    def read(self, path: Path, file_spec) -> tuple[bytes, list]:
        """``readers.read_delivery(path, file_spec)``, from what was read ahead if possible."""
        with self._lock:
            entry = self._files.pop(str(path), None)
        if entry is not None:
            spec, stat, future = entry
            if spec is file_spec and stat is not None and stat == file_identity(path) and not future.cancelled():
                try:
                    return future.result()
                except Exception:  # read it here: the error belongs to this partition
                    pass
        return read_delivery(path, file_spec)

    def close(self) -> None:
        self._stopped = True
        for _ in self._codes:
            self._permits.release()
        with self._lock:
            for _, _, future in self._files.values():
                future.cancel()
            self._files.clear()

