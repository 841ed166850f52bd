"""Two writers never interleave: what a writer that cannot get the lock in time is told.

SQLite serialises writers with ``BEGIN IMMEDIATE`` (``sqlite.py``); PostgreSQL with a
transaction-level advisory lock (``postgres.py``). A writer waits up to the lock timeout
and then gets ``WarehouseBusy``, with a message that says which lock it waited for.
"""

from __future__ import annotations

import sqlalchemy as sa

#: Key of the PostgreSQL advisory lock every write takes ("LWWHSE" in ASCII).
ADVISORY_LOCK_KEY = 0x4C5757485345

_LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL SQLSTATE lock_not_available


class WarehouseBusy(RuntimeError):
    """The warehouse write lock could not be had in time: another consolidation is writing."""


def busy_error(
    exc: sa.exc.OperationalError, dialect: str, *, lock_held: bool, where: str, timeout_seconds: float
) -> WarehouseBusy | None:
    """``WarehouseBusy`` when ``exc`` is a lock timeout (before or after the write lock was
    held), else None."""
    if dialect == "sqlite" and "database is locked" in str(exc.orig):
        if not lock_held:
            return WarehouseBusy(
                f"warehouse {where} is busy: another consolidation is writing its tables "
                f"(waited {timeout_seconds:g}s for the write lock)"
            )
        return WarehouseBusy(
            f"warehouse {where}: could not commit within {timeout_seconds:g}s, "
            "readers are holding the database"
        )
    if dialect == "postgresql" and getattr(exc.orig, "sqlstate", None) == _LOCK_NOT_AVAILABLE:
        if not lock_held:
            return WarehouseBusy(
                f"warehouse {where} is busy: another consolidation is writing its tables "
                f"(waited {timeout_seconds:g}s for advisory lock {ADVISORY_LOCK_KEY})"
            )
        return WarehouseBusy(
            f"warehouse {where}: tables are in use by readers, could not replace them "
            f"within {timeout_seconds:g}s"
        )
    return None
