"""The warehouse database (SQLite or PostgreSQL): types, one writer per backend, the
one-transaction release of all tables, the loads table, locking and reading back.
Domain code: no Dagster here (``defs/resources/warehouse.py`` wraps it as a resource)."""

from leerwinkels.warehouse.database import DEFAULT_DATABASE_URL, WarehouseDatabase
from leerwinkels.warehouse.loads import LOADS_TABLE
from leerwinkels.warehouse.lock import ADVISORY_LOCK_KEY, WarehouseBusy
from leerwinkels.warehouse.session import WriteSession
from leerwinkels.warehouse.types import sqlalchemy_type_for

__all__ = [
    "ADVISORY_LOCK_KEY",
    "DEFAULT_DATABASE_URL",
    "LOADS_TABLE",
    "WarehouseBusy",
    "WarehouseDatabase",
    "WriteSession",
    "sqlalchemy_type_for",
]
