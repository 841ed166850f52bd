"""The warehouse database: where the model, indicator and data-quality tables land.

``WarehouseDatabase`` is one SQLAlchemy URL:

* ``sqlite:///data/warehouse.sqlite`` (the default; a file next to the project), or
* ``postgresql+psycopg://user@host:5432/leerwinkels`` (production).

``write_tables`` replaces a set of tables *together*: every DROP, CREATE and INSERT runs
in one transaction (SQLite and PostgreSQL both have transactional DDL), so a failure
anywhere leaves the previous tables exactly as they were, and a reader sees either the
old set or the new set. Two writers never interleave (``lock.py``); the second waits up
to ``lock_timeout_seconds`` and then raises ``WarehouseBusy``. Each backend has one
writer with one insert path: ``sqlite.py`` (ADBC bulk ingest), ``postgres.py`` (COPY).

Rows are inserted in the frame's order, so a table reads back (``SELECT`` without
``ORDER BY``: SQLite in rowid order, PostgreSQL after a fresh COPY in load order) in the
order the pipeline sorted it -- the same on both backends.

Every table gets its primary key: the one passed in ``keys``, else the contract
catalogue's; keys are checked (no nulls, no duplicates) before anything is written.

The steps ``_lock_for_write(session)``, ``_insert(session, table, df)`` and
``_record_loads(session, counts, run_id)`` are methods so that tests can simulate a crash
or a slow writer by overriding them; ``session`` is the backend's ``WriteSession``.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.pool import NullPool

from leerwinkels.warehouse import loads, postgres, read, release, sqlite
from leerwinkels.warehouse.lock import busy_error
from leerwinkels.warehouse.session import WriteSession

DEFAULT_DATABASE_URL = "sqlite:///data/warehouse.sqlite"

#: session.info key of the pseudonymisation key's fingerprint the write records
KEY_FINGERPRINT_INFO = "key_fingerprint"


@dataclass
class _WriteProgress:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    lock_held: bool = False


class WarehouseDatabase:
    """The warehouse database at ``url`` (see the module docstring)."""

    def __init__(self, url: str, *, lock_timeout_seconds: float = 60.0, sqlite_wal: bool = True) -> None:
        self.url = url
        self.lock_timeout_seconds = lock_timeout_seconds
        self.sqlite_wal = sqlite_wal
        self._engine: Engine | None = None
        self._engine_lock = threading.Lock()

    # ------------------------------------------------------------ connection

    @property
    def sa_url(self) -> URL:
        return make_url(self.url)

    @property
    def dialect_name(self) -> str:
        return self.sa_url.get_backend_name()

    def describe(self) -> str:
        """Where the tables are: the URL with any password masked."""
        return self.sa_url.render_as_string(hide_password=True)

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine reads use (and, on PostgreSQL, writes)."""
        if self._engine is None:
            with self._engine_lock:
                if self._engine is None:
                    self._engine = self._create_engine()
        return self._engine

    def _create_engine(self) -> Engine:
        url = self.sa_url
        if url.get_backend_name() == "sqlite":
            return sqlite.read_engine(url, lock_timeout_seconds=self.lock_timeout_seconds, wal=self.sqlite_wal)
        # NullPool: a nightly batch job needs no pool, and no connection is ever shared
        # between threads or forked processes.
        return sa.create_engine(url, poolclass=NullPool)

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()

    # ----------------------------------------------------------------- reading

    def table_names(self) -> list[str]:
        return read.table_names(self.engine)

    def read_table(self, name: str) -> pl.DataFrame:
        """A whole table as a polars frame (column order as stored; integers Int64, floats
        and decimals Float64, dates Date, timestamps Datetime('us'), text String)."""
        return self.read_tables([name])[name]

    def read_tables(self, names: Iterable[str] | None = None) -> dict[str, pl.DataFrame]:
        """Several tables (default: all) read as one consistent set (``read.read_tables``)."""
        return read.read_tables(self.engine, names)

    # ----------------------------------------------------------------- writing

    def write_tables(
        self,
        tables: Mapping[str, pl.DataFrame],
        run_id: str | None = None,
        *,
        keys: Mapping[str, Sequence[str]] | None = None,
        indexes: Mapping[str, Sequence[Sequence[str]]] | None = None,
        key_fingerprint: str | None = None,
        log: logging.Logger | None = None,
    ) -> dict[str, int]:
        """Replace all ``tables`` together, in one transaction; return rows per table.

        ``keys``: per table, the primary-key columns (default: the catalogue's).
        ``indexes``: per table, column lists to index (default: the catalogue's). ``run_id`` and ``key_fingerprint``
        (the pseudonymisation key's, never the key) are recorded in ``warehouse_loads``.
        ``log`` gets one line for the whole write (default: this module's logger).
        """
        table_keys = release.table_keys(tables, keys or {})
        table_indexes = release.table_indexes(tables, indexes or {})
        frames = release.validate(tables, table_keys, table_indexes)
        if not frames:
            return {}

        progress = _WriteProgress()
        started = time.perf_counter()
        try:
            with self._write_session() as session:
                session.info[KEY_FINGERPRINT_INFO] = key_fingerprint
                self._write_all(session, frames, table_keys, table_indexes, run_id, progress)
        except sa.exc.OperationalError as exc:
            busy = busy_error(exc, self.dialect_name, lock_held=progress.lock_held, where=self.describe(),
                              timeout_seconds=self.lock_timeout_seconds)
            if busy is not None:
                raise busy from exc
            raise
        counts, seconds = progress.counts, progress.seconds
        # One log line for the whole write (in a Dagster run every line is a stored event).
        slowest = sorted(seconds.items(), key=lambda item: -item[1])[:5]
        (log or logging.getLogger(__name__)).info(
            "warehouse %s: replaced %d tables (%d rows) in %.1fs; slowest: %s",
            self.describe(), len(counts), sum(counts.values()), time.perf_counter() - started,
            ", ".join(f"{name} {counts[name]} rows {t:.2f}s" for name, t in slowest),
        )
        return counts

    @contextlib.contextmanager
    def _write_session(self) -> Iterator[WriteSession]:
        """The backend's one write transaction (SQLite: ``BEGIN IMMEDIATE``, waiting for
        another writer)."""
        if self.dialect_name == "sqlite":
            with sqlite.sqlite_write_session(
                self.sa_url, lock_timeout_seconds=self.lock_timeout_seconds, wal=self.sqlite_wal
            ) as lite:
                yield lite
        elif self.dialect_name == "postgresql":
            with postgres.postgres_write_session(self.engine) as pg:
                yield pg
        else:
            raise ValueError(f"the warehouse is SQLite or PostgreSQL, not {self.dialect_name} ({self.describe()})")

    def _write_all(
        self,
        session: WriteSession,
        frames: dict[str, pl.DataFrame],
        keys: dict[str, list[str]],
        indexes: dict[str, list[list[str]]],
        run_id: str | None,
        progress: _WriteProgress,
    ) -> None:
        """Everything ``write_tables`` does inside its transaction."""
        self._lock_for_write(session)
        progress.lock_held = True
        if isinstance(session, postgres.PostgresSession):
            postgres.lock_tables(session, [*frames, loads.LOADS_TABLE])
        release.drop_views(session, frames)
        metadata = sa.MetaData()
        for name, df in frames.items():
            t0 = time.perf_counter()
            key = keys.get(name, [])
            table = release.replace_table(session, metadata, name, df, key)
            progress.counts[name] = self._insert(session, table, df)
            release.add_keys_and_indexes(session, table, key, indexes.get(name, []))
            progress.seconds[name] = time.perf_counter() - t0
        # the labelled views over the new tables, in the same transaction
        release.create_views(session, frames)
        self._record_loads(session, progress.counts, run_id)

    # --- steps of write_tables (methods: tests override them)

    def _lock_for_write(self, session: WriteSession) -> None:
        """Serialise writers. SQLite: already done by BEGIN IMMEDIATE. PostgreSQL: the
        advisory lock, waiting up to the lock timeout."""
        if isinstance(session, postgres.PostgresSession):
            postgres.take_write_lock(session, self.lock_timeout_seconds)

    def _insert(self, session: WriteSession, table: sa.Table, df: pl.DataFrame) -> int:
        """Load ``df`` into the freshly created ``table``; return the row count."""
        return session.ingest(table, df) if df.height else 0

    def _record_loads(self, session: WriteSession, counts: dict[str, int], run_id: str | None) -> None:
        loads.record_loads(session, counts, run_id, session.info.get(KEY_FINGERPRINT_INFO))
