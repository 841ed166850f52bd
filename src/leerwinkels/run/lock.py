"""One consolidation at a time per staging folder (DELIVERIES.md, "A run is one release").

The lock is ``fcntl.flock`` on ``<staging>/.consolidation.lock``: a kernel lock, released
when its holder exits or is killed, so a stale lock never blocks. The file holds the
holder's pid and start time, only for the message a waiting run gives; whether a run is in
progress is always the kernel's answer, never the file's content.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from leerwinkels.env_numbers import number_from_environment

LOCK_FILE = ".consolidation.lock"
WAIT_ENV = "LEERWINKELS_LOCK_WAIT_SECONDS"
DEFAULT_WAIT_SECONDS = 600.0
_POLL_SECONDS = 0.2


class ConsolidationInProgress(RuntimeError):
    """Another consolidation held the staging folder for longer than the wait allowed."""


def wait_seconds() -> float:
    """``LEERWINKELS_LOCK_WAIT_SECONDS`` (default 600); a value that is not a number of
    seconds >= 0 is refused with a message naming the variable."""
    return number_from_environment(WAIT_ENV, DEFAULT_WAIT_SECONDS)


def _holder(fd: int) -> str:
    """'pid N, since <UTC time>' from the lock file, or a neutral phrase when the holder
    has not written it yet."""
    try:
        text = os.pread(fd, 200, 0).decode("ascii", errors="replace").split()
    except OSError:
        text = []
    if len(text) >= 2 and text[0].isdigit():
        return f"pid {text[0]}, since {text[1]}"
    return "holder unknown"


@contextlib.contextmanager
def consolidation_lock(
    staging_dir: Path,
    wait: float | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the staging folder's consolidation lock for the block. When another run holds
    it, call ``on_wait`` once with a line saying so, poll until it is free for up to
    ``wait`` seconds (default :func:`wait_seconds`), then raise ConsolidationInProgress."""
    staging_dir = Path(staging_dir)
    staging_dir.mkdir(parents=True, exist_ok=True)
    wait = wait_seconds() if wait is None else wait
    fd = os.open(staging_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _holder(fd)
                if time.monotonic() >= deadline:
                    raise ConsolidationInProgress(
                        f"a consolidation is already running on staging folder {staging_dir.resolve()} "
                        f"({holder}); waited {wait:g}s ({WAIT_ENV}). Nothing changed: run again when it has finished."
                    ) from None
                if not told and on_wait is not None:
                    on_wait(
                        f"waiting for the consolidation running on staging folder {staging_dir.resolve()} "
                        f"({holder}), up to {wait:g}s ({WAIT_ENV})"
                    )
                    told = True
                time.sleep(min(_POLL_SECONDS, max(0.0, deadline - time.monotonic())))
        started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {started}\n".encode("ascii"), 0)
        yield
    finally:
        os.close(fd)  # releases the flock (also when the process is killed)


__all__ = ["ConsolidationInProgress", "LOCK_FILE", "WAIT_ENV", "consolidation_lock", "wait_seconds"]
