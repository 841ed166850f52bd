"""How a CLI consolidation uses its process: memory for frames between steps, the garbage
collector, and leaving. Measured choices for one large batch run in a process of its own;
the UI's runs and the tests use none of them."""

from __future__ import annotations

import gc
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from leerwinkels.env_numbers import number_from_environment


def frame_memo_budget() -> int:
    """Bytes of frames a CLI run keeps in memory between its steps (they are on disk too):
    the indicator steps then get the model's frames without reading Parquet back
    (``LEERWINKELS_FRAME_MEMO_MB``, default 512; 0 keeps none). 512, not 768: at 1,000,000
    trajectories the run took as long, and its later steps peaked ~0.25 GB lower (issue 21)."""
    megabytes = number_from_environment("LEERWINKELS_FRAME_MEMO_MB", 512, what="a number of megabytes >= 0")
    return int(megabytes * 2**20)


def tune_gc_for_one_large_run() -> None:
    """A run allocates millions of short-lived objects (HMAC digests, Dagster events); with
    the default thresholds the cyclic GC keeps re-scanning every imported module's objects:
    freezing those and collecting less often saved ~1 s of 23 s at 400,000 trajectories
    (measured alternately, twice)."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    global _TUNED
    _TUNED = True


#: Whether this process was tuned for one large run (:func:`tune_gc_for_one_large_run`).
_TUNED = False


@contextmanager
def tuned_for_one_large_run() -> Iterator[None]:
    """:func:`tune_gc_for_one_large_run` for one consolidation; afterwards the process is as it
    was (nothing frozen, the thresholds back, no memory saving): a process that lives on (the
    test suite, a notebook calling ``main``) otherwise froze every later consolidation's garbage
    in :func:`plan_run`, for good."""
    from leerwinkels.defs.resources.staging_store import save_memory  # imports Dagster: not at the CLI's start

    global _TUNED
    thresholds = gc.get_threshold()
    tune_gc_for_one_large_run()
    try:
        yield
    finally:
        _TUNED = False
        save_memory(False)
        gc.set_threshold(*thresholds)
        gc.unfreeze()


#: From this size of delivered files on, a run saves memory rather than time (see
#: :func:`plan_run`): 40,000 trajectories deliver 12 MB, 400,000 121 MB, 1,000,000 303 MB.
LARGE_DELIVERY_BYTES = 64 * 2**20


def plan_run(delivered_bytes: int) -> bool:
    """In a process tuned for one large run, before its jobs run: freeze what the run has set
    up (job definitions, resources, the Dagster instance: they live until it ends), and for a
    delivery of at least :data:`LARGE_DELIVERY_BYTES` save memory between the steps
    (leerwinkels.defs.resources.staging_store.save_memory: a garbage collection per step, which
    then scans only what the steps allocated; staged frames not kept in memory). Returns
    whether the run saves memory."""
    from leerwinkels.defs.resources.staging_store import save_memory  # imports Dagster: not at the CLI's start

    large = _TUNED and delivered_bytes >= LARGE_DELIVERY_BYTES
    if _TUNED:
        gc.freeze()
    save_memory(large)
    return large


def exit_without_teardown(code: int) -> None:
    """Leave without tearing the interpreter down object by object (freeing a large run's
    frames and modules took ~0.6 s at 400,000 trajectories; the operating system frees the
    memory at once). Only for the end of a command: everything it wrote is closed by then
    (files, database connections, the Dagster instance); the logs and streams are flushed here."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
