"""The warehouse as a Dagster resource: configuration (the URL from the environment variable
``LEERWINKELS_DATABASE_URL``, kept as an ``EnvVar``), delegating to the domain package
``leerwinkels.warehouse`` (``WarehouseDatabase``: types, one writer per backend, the
one-transaction release, locking, reading back).

Tests simulate a crash or a slow writer by subclassing ``Warehouse`` and overriding
``_insert(session, table, df)``, ``_lock_for_write(session)`` or ``_record_loads(session,
counts, run_id)``: the database this resource builds calls those methods for its steps.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import dagster as dg
import polars as pl
import sqlalchemy as sa
from pydantic import Field, PrivateAttr
from sqlalchemy.engine import Engine

from leerwinkels.warehouse import (
    ADVISORY_LOCK_KEY,
    DEFAULT_DATABASE_URL,
    LOADS_TABLE,
    WarehouseBusy,
    WarehouseDatabase,
    WriteSession,
    sqlalchemy_type_for,
)

__all__ = [
    "ADVISORY_LOCK_KEY",
    "DATABASE_URL_ENV",
    "DEFAULT_DATABASE_URL",
    "LOADS_TABLE",
    "Warehouse",
    "WarehouseBusy",
    "sqlalchemy_type_for",
]

DATABASE_URL_ENV = "LEERWINKELS_DATABASE_URL"


class _ResourceDatabase(WarehouseDatabase):
    """The database of one ``Warehouse`` resource: its steps are the resource's methods
    (so that a test's subclass of the resource can override them)."""

    def __init__(self, resource: Warehouse, url: str) -> None:
        super().__init__(url, lock_timeout_seconds=resource.lock_timeout_seconds, sqlite_wal=resource.sqlite_wal)
        self.resource = resource

    def _lock_for_write(self, session: WriteSession) -> None:
        self.resource._lock_for_write(session)

    def _insert(self, session: WriteSession, table: sa.Table, df: pl.DataFrame) -> int:
        return self.resource._insert(session, table, df)

    def _record_loads(self, session: WriteSession, counts: dict[str, int], run_id: str | None) -> None:
        self.resource._record_loads(session, counts, run_id)


class Warehouse(dg.ConfigurableResource):
    """The warehouse database the pipeline publishes its tables to."""

    url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description=(
            "SQLAlchemy URL: sqlite:///path/to/file.sqlite or "
            f"postgresql+psycopg://user@host:5432/db (env {DATABASE_URL_ENV})."
        ),
    )
    lock_timeout_seconds: float = Field(
        default=60.0,
        description="How long a write waits for another writer before raising WarehouseBusy.",
    )
    sqlite_wal: bool = Field(
        default=True,
        description=(
            "Put SQLite files in WAL mode: readers keep reading the old tables while a "
            "write is under way. Turn off for files on network shares."
        ),
    )

    _database: WarehouseDatabase | None = PrivateAttr(default=None)
    _database_lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @classmethod
    def from_env(cls, **kwargs: Any) -> Warehouse:
        """``LEERWINKELS_DATABASE_URL`` when set (kept as an ``EnvVar``, so the Dagster UI
        shows the variable's name, not a URL that may carry a password), else the default
        SQLite file."""
        if os.environ.get(DATABASE_URL_ENV):
            return cls(url=dg.EnvVar(DATABASE_URL_ENV), **kwargs)
        return cls(url=DEFAULT_DATABASE_URL, **kwargs)

    @property
    def database(self) -> WarehouseDatabase:
        if self._database is None:
            with self._database_lock:
                if self._database is None:
                    self._database = _ResourceDatabase(self, self._resolved_url())
        return self._database

    def _resolved_url(self) -> str:
        url: Any = self.url
        if isinstance(url, dg.EnvVar):  # used directly, outside a Dagster run
            value = url.get_value()
            if not value:
                raise ValueError(f"environment variable {url.env_var_name} is not set")
            return value
        return str(url)

    @property
    def engine(self) -> Engine:
        return self.database.engine

    @property
    def dialect_name(self) -> str:
        return self.database.dialect_name

    def describe(self) -> str:
        """Where the tables are: the URL with any password masked."""
        return self.database.describe()

    def dispose(self) -> None:
        if self._database is not None:
            self._database.dispose()

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        self.dispose()

    def table_names(self) -> list[str]:
        return self.database.table_names()

    def read_table(self, name: str) -> pl.DataFrame:
        return self.database.read_table(name)

    def read_tables(self, names: Iterable[str] | None = None) -> dict[str, pl.DataFrame]:
        return self.database.read_tables(names)

    def write_tables(
        self,
        tables: Mapping[str, pl.DataFrame],
        run_id: str | None = None,
        *,
        keys: Mapping[str, Sequence[str]] | None = None,
        indexes: Mapping[str, Sequence[Sequence[str]]] | None = None,
        key_fingerprint: str | None = None,
    ) -> dict[str, int]:
        """``WarehouseDatabase.write_tables``: all ``tables`` replaced in one transaction."""
        return self.database.write_tables(
            tables, run_id, keys=keys, indexes=indexes, key_fingerprint=key_fingerprint,
            log=dg.get_dagster_logger(),
        )

    # --- the steps of a write (tests override them)

    def _lock_for_write(self, session: WriteSession) -> None:
        WarehouseDatabase._lock_for_write(self.database, session)

    def _insert(self, session: WriteSession, table: sa.Table, df: pl.DataFrame) -> int:
        return WarehouseDatabase._insert(self.database, session, table, df)

    def _record_loads(self, session: WriteSession, counts: dict[str, int], run_id: str | None) -> None:
        WarehouseDatabase._record_loads(self.database, session, counts, run_id)
