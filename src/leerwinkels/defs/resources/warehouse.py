"""The warehouse database: where the model, indicator and data-quality tables land.

``Warehouse`` is a Dagster ``ConfigurableResource`` around one SQLAlchemy URL:

* ``sqlite:///data/warehouse.sqlite`` (the default; a file next to the project), or
* ``postgresql+psycopg://user@host:5432/leerwinkels`` (production).

The project reads the URL from the environment variable ``LEERWINKELS_DATABASE_URL``
(``Warehouse.from_env()``).

``write_tables`` replaces a set of tables *together*: every DROP, CREATE and INSERT runs
in one transaction (SQLite and PostgreSQL both have transactional DDL), so a failure
anywhere leaves the previous tables exactly as they were, and a reader sees either the
old set or the new set. Two writers never interleave: PostgreSQL takes a transaction
level advisory lock, SQLite a ``BEGIN IMMEDIATE`` write lock; the second writer waits up
to ``lock_timeout_seconds`` and then raises ``WarehouseBusy``.

Bulk paths:

* SQLite files (``sqlite_bulk="adbc"``, the default): the whole write -- PRAGMAs,
  ``BEGIN IMMEDIATE``, DROP/CREATE (the DDL SQLAlchemy compiles for SQLite, so the
  tables are declared exactly as ``Table.create`` declares them), the rows, indexes,
  ``warehouse_loads``, ``COMMIT`` -- runs on one connection of the ADBC SQLite driver
  (``adbc_driver_sqlite``), whose Arrow-native bulk ingest binds the columns in C
  (several times faster than ``sqlite3.executemany``, which builds a Python object for
  every value). Values are stored exactly as the ``sqlite3`` path stores them: dates and
  timestamps as ISO text in the format of SQLAlchemy's SQLite ``Date``/``DateTime``
  (so reading back through SQLAlchemy returns ``date``/``datetime``), booleans as 0/1,
  decimals as floats. Driver errors are raised as SQLAlchemy ``DBAPIError`` subclasses,
  as on the other paths, after the ADBC driver's classes ("database is locked" is an
  ``OperationalError``, but a UNIQUE violation an ``InternalError``, not an
  ``IntegrityError``).
* SQLite fallback (``sqlite_bulk="sqlite3"``, in-memory databases -- ADBC cannot share
  the StaticPool connection --, ``file:`` URIs, or ``adbc_driver_sqlite`` not
  installed): the raw ``sqlite3`` cursor's ``executemany`` with plain tuples, on the
  connection and transaction SQLAlchemy holds.
* PostgreSQL through psycopg 3: ``COPY ... FROM STDIN (FORMAT csv)`` fed with CSV that
  polars writes in chunks, on the connection and transaction SQLAlchemy holds.
* Other SQLAlchemy backends: a Core ``executemany`` insert.

Rows are inserted in the frame's order on every path, so a table reads back (``SELECT``
without ``ORDER BY``: SQLite in rowid order, PostgreSQL after a fresh COPY in load order)
in the order the pipeline sorted it -- the same on SQLite and PostgreSQL. (Inserting in
primary-key order would build the index of the random HMAC keys by appending, but then a
keyed table would read back in key order; with ADBC the sort costs about what it saves.)

**One SQLite library per file per process.** The ADBC driver links its *own* copy of the
SQLite library, separate from the one Python's ``sqlite3`` module (and so SQLAlchemy)
uses. SQLite serialises writers with POSIX advisory locks, and those are per process:
two copies of the library in one process do not see each other's locks on the same file
(one copy's ``BEGIN IMMEDIATE`` does not block the other's), and closing one copy's file
descriptor drops the locks the other copy holds -- SQLite's "How To Corrupt An SQLite
Database File" lists "multiple copies of SQLite linked into the same application" as a
way to corrupt a database. Hence the rules:

1. every write of ``write_tables`` goes through the one ADBC connection (DDL, rows,
   indexes and ``warehouse_loads`` alike), so writers -- in this process or any other --
   always see each other's locks;
2. while ``write_tables`` runs, nothing else in the *same process* may have the
   warehouse file open through ``sqlite3``/SQLAlchemy (``read_tables``, ``table_names``,
   a raw ``sqlite3`` connection). Other processes are fine (locks work between
   processes), and so is using them before or after the write: SQLAlchemy's connections
   here are not pooled (NullPool), so none stays open. This is how the pipeline runs: a
   consolidation writes its tables in one step, a second consolidation is another
   process, dashboards and reports read from their own processes. Tests that read or
   lock the file *during* a write do it from a subprocess.

Column types (``sqlalchemy_type_for``): String/Categorical/Enum/Null -> TEXT, Int* ->
BIGINT, Float* -> FLOAT(53) (double precision), Boolean, Date, Datetime -> DATETIME /
TIMESTAMP (timezone-aware frames: TIMESTAMPTZ on PostgreSQL, stored in UTC), Time,
Decimal -> NUMERIC, Binary -> BLOB/BYTEA; lists, structs and durations are refused.
``read_table`` returns integers as Int64 and floats/decimals as Float64. SQLite stores
NaN as NULL; PostgreSQL keeps it.

``keys`` makes a primary key (validated up front: no nulls, no duplicates), ``indexes``
plain indexes. Every write also rewrites its rows of ``warehouse_loads`` (table, rows,
run_id, loaded_at UTC), in the same transaction.

Tests can simulate a crash mid-write by subclassing ``Warehouse`` and overriding
``_insert(conn, table, df)`` (also ``_lock_for_write(conn)``, ``_record_loads(conn,
counts, run_id)``). ``conn`` is SQLAlchemy's ``Connection``, or on the ADBC path an
``_AdbcSession`` with the same ``info`` dict and ``dialect``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

import dagster as dg
import polars as pl
import sqlalchemy as sa
from pydantic import Field, PrivateAttr
from sqlalchemy.dialects import sqlite as sqlite_dialects
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.pool import NullPool, StaticPool

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
DEFAULT_DATABASE_URL = "sqlite:///data/warehouse.sqlite"

#: Bookkeeping table, rewritten in the same transaction as the tables it describes:
#: one row per table (table_name, rows, run_id, loaded_at in UTC).
LOADS_TABLE = "warehouse_loads"

#: Key of the PostgreSQL advisory lock every ``write_tables`` takes ("LWWHSE" in ASCII).
ADVISORY_LOCK_KEY = 0x4C5757485345

#: Rows per chunk handed to COPY (CSV text is built per chunk, bounding memory).
_COPY_CHUNK_ROWS = 50_000
#: SQLite page cache (KiB) of the writing connection.
_SQLITE_WRITE_CACHE_KIB = 65_536
#: Rows per executemany batch of the generic (non-SQLite, non-psycopg) path.
_GENERIC_CHUNK_ROWS = 10_000
#: PostgreSQL truncates identifiers to 63 bytes; refuse longer names everywhere.
_MAX_IDENTIFIER_BYTES = 63

# SQLite storage formats of SQLAlchemy's sqlite DATE / DATETIME / TIME types.
_SQLITE_DATE_FMT = "%Y-%m-%d"
_SQLITE_DATETIME_FMT = "%Y-%m-%d %H:%M:%S%.6f"
_SQLITE_TIME_FMT = "%H:%M:%S%.6f"

_LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL SQLSTATE lock_not_available


class WarehouseBusy(RuntimeError):
    """The warehouse write lock could not be had in time: another consolidation is writing."""


# --------------------------------------------------------------------------- types


def sqlalchemy_type_for(dtype: pl.DataType) -> sa.types.TypeEngine:
    """The SQLAlchemy column type a polars dtype is stored as."""
    if dtype == pl.String or dtype == pl.Null or isinstance(dtype, (pl.Categorical, pl.Enum)):
        return sa.Text()
    if dtype == pl.Boolean:
        return sa.Boolean()
    if dtype.is_integer():
        if dtype in (pl.Int128, pl.UInt128):
            return sa.Numeric(39, 0)
        return sa.BigInteger()
    if dtype.is_float():
        return sa.Float(53)
    if isinstance(dtype, pl.Decimal):
        return sa.Numeric(dtype.precision, dtype.scale)
    if dtype == pl.Date:
        return sa.Date()
    if isinstance(dtype, pl.Datetime):
        return sa.DateTime(timezone=dtype.time_zone is not None)
    if dtype == pl.Time:
        return sa.Time()
    if dtype == pl.Binary:
        return sa.LargeBinary()
    raise TypeError(
        f"polars dtype {dtype} has no warehouse column type; "
        "flatten lists/structs and convert durations before writing"
    )


def _polars_dtype_for(satype: sa.types.TypeEngine) -> pl.DataType:
    """The polars dtype a reflected column is read back as."""
    if isinstance(satype, sa.Boolean):
        return pl.Boolean()
    if isinstance(satype, sa.Integer):
        return pl.Int64()
    if isinstance(satype, sa.Float):  # before Numeric: Float subclasses Numeric
        return pl.Float64()
    if isinstance(satype, sa.Numeric):
        if satype.scale == 0 and satype.precision is not None and satype.precision <= 18:
            return pl.Int64()
        return pl.Float64()
    if isinstance(satype, sa.DateTime):  # before Date
        return pl.Datetime("us", "UTC" if getattr(satype, "timezone", False) else None)
    if isinstance(satype, sa.Date):
        return pl.Date()
    if isinstance(satype, sa.Time):
        return pl.Time()
    if isinstance(satype, sa.LargeBinary):
        return pl.Binary()
    return pl.String()


def _plain_dtypes(df: pl.DataFrame) -> pl.DataFrame:
    """Categoricals/enums/null columns as text, timezone-aware timestamps in UTC."""
    casts = []
    for name, dtype in df.schema.items():
        if isinstance(dtype, (pl.Categorical, pl.Enum)) or dtype == pl.Null:
            casts.append(pl.col(name).cast(pl.String))
        elif isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
            casts.append(pl.col(name).dt.convert_time_zone("UTC"))
    return df.with_columns(casts) if casts else df


def _frame_for_sqlite(df: pl.DataFrame) -> pl.DataFrame:
    """Values the sqlite3 module binds natively, stored the way SQLAlchemy stores them."""
    df = _plain_dtypes(df)
    casts = []
    for name, dtype in df.schema.items():
        if dtype == pl.Date:
            casts.append(pl.col(name).dt.strftime(_SQLITE_DATE_FMT))
        elif isinstance(dtype, pl.Datetime):
            col = pl.col(name)
            if dtype.time_zone is not None:
                col = col.dt.replace_time_zone(None)  # already UTC
            casts.append(col.dt.strftime(_SQLITE_DATETIME_FMT))
        elif dtype == pl.Time:
            casts.append(pl.col(name).dt.strftime(_SQLITE_TIME_FMT))
        elif isinstance(dtype, pl.Decimal):
            casts.append(pl.col(name).cast(pl.Float64))
    return df.with_columns(casts) if casts else df


def _frame_for_copy(df: pl.DataFrame) -> pl.DataFrame:
    """Columns polars can write as CSV that PostgreSQL's COPY parses back exactly."""
    df = _plain_dtypes(df)
    casts = []
    for name, dtype in df.schema.items():
        if dtype == pl.Binary:
            casts.append((pl.lit("\\x") + pl.col(name).bin.encode("hex")).alias(name))
        elif dtype == pl.Time:
            casts.append(pl.col(name).dt.strftime(_SQLITE_TIME_FMT).alias(name))
    return df.with_columns(casts).select(df.columns) if casts else df


def _frame_for_adbc(df: pl.DataFrame) -> pl.DataFrame:
    """``_frame_for_sqlite``, plus: integers the ADBC driver cannot bind (128-bit ones have
    no Arrow export; it refuses UInt64 above the int64 range) as Int64, strictly -- a value
    beyond the int64 range fails here, naming its column, as it fails on the sqlite3
    path (which cannot bind it either)."""
    df = _frame_for_sqlite(df)
    casts = [
        pl.col(name).cast(pl.Int64, strict=True)
        for name, dtype in df.schema.items()
        if dtype in (pl.UInt64, pl.Int128, pl.UInt128)
    ]
    return df.with_columns(casts) if casts else df


def _wrap_dbapi_error(conn: Connection, statement: str, exc: Exception) -> sa.exc.DBAPIError:
    """Errors of the raw-driver fast paths as SQLAlchemy raises them elsewhere."""
    return sa.exc.DBAPIError.instance(
        statement, None, exc, conn.dialect.loaded_dbapi.Error, dialect=conn.dialect
    )


def _adbc_sqlite_dbapi() -> ModuleType | None:
    """``adbc_driver_sqlite.dbapi``, or None when it cannot be imported."""
    try:
        import adbc_driver_sqlite.dbapi as adbc_sqlite
    except ImportError:
        return None
    return adbc_sqlite


class _AdbcSession:
    """The ADBC SQLite connection of one ``write_tables`` call, in the role SQLAlchemy's
    ``Connection`` has on the other paths: the write steps (and the tests' overrides of
    them) get it as ``conn``. ``info`` is a dict like ``Connection.info``; ``dialect`` is
    SQLAlchemy's SQLite dialect (DDL is compiled with it); ``cursor`` the ADBC cursor.
    Driver errors are raised as SQLAlchemy ``DBAPIError`` subclasses (``OperationalError``
    for "database is locked"), as the other paths raise them."""

    def __init__(self, dbapi: ModuleType, uri: str) -> None:
        self.dbapi = dbapi
        self.dialect = sqlite_dialects.dialect()
        self.info: dict[Any, Any] = {}
        try:
            # autocommit: the driver issues no BEGIN of its own; this class does.
            self.connection = dbapi.connect(uri, autocommit=True)
        except dbapi.Error as exc:
            raise self._wrap(None, exc) from exc
        self.cursor = self.connection.cursor()

    def execute(
        self, statement: str | sa.schema.ExecutableDDLElement, parameters: Sequence[Any] = ()
    ) -> list[tuple]:
        """Run one statement (SQL text with ``?`` parameters, or a SQLAlchemy DDL
        construct); return its rows."""
        sql = statement if isinstance(statement, str) else str(statement.compile(dialect=self.dialect))
        try:
            self.cursor.execute(sql, list(parameters) or None)
            return self.cursor.fetchall() if self.cursor.description else []
        except self.dbapi.Error as exc:
            raise self._wrap(sql, exc) from exc

    def ingest(self, table: str, frame: pl.DataFrame) -> None:
        """Append ``frame`` (Arrow-exportable columns named as the table's) to ``table``."""
        try:
            self.cursor.adbc_ingest(table, frame, mode="append")
        except self.dbapi.Error as exc:
            raise self._wrap(f"INSERT INTO {table} (ADBC bulk ingest)", exc) from exc

    def rollback_quietly(self) -> None:
        # Best effort: closing the connection rolls back whatever is still open anyway.
        with contextlib.suppress(Exception):
            self.cursor.execute("ROLLBACK")

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.cursor.close()
        self.connection.close()

    def _wrap(self, statement: str | None, exc: Exception) -> sa.exc.DBAPIError:
        return sa.exc.DBAPIError.instance(statement, None, exc, self.dbapi.Error, dialect=self.dialect)


@dataclass
class _WriteProgress:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    lock_held: bool = False


# ----------------------------------------------------------------------- resource


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
    sqlite_bulk: Literal["adbc", "sqlite3"] = Field(
        default="adbc",
        description=(
            "How write_tables loads SQLite files: 'adbc' (the ADBC SQLite driver's Arrow "
            "bulk ingest; falls back to 'sqlite3' when adbc_driver_sqlite is not "
            "installed and for in-memory databases) or 'sqlite3' (executemany)."
        ),
    )

    _engine: Engine | None = PrivateAttr(default=None)
    _engine_lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _key_fingerprint: str | None = PrivateAttr(default=None)  # of the write under way, for warehouse_loads

    # ------------------------------------------------------------ construction

    @classmethod
    def from_env(cls, **kwargs: Any) -> Warehouse:
        """``LEERWINKELS_DATABASE_URL`` when set (kept as an ``EnvVar``, so the Dagster UI
        shows the variable's name, not a URL that may carry a password), else the default
        SQLite file."""
        if os.environ.get(DATABASE_URL_ENV):
            return cls(url=dg.EnvVar(DATABASE_URL_ENV), **kwargs)
        return cls(url=DEFAULT_DATABASE_URL, **kwargs)

    def _resolved_url(self) -> str:
        url = self.url
        if isinstance(url, dg.EnvVar):  # used directly, outside a Dagster run
            value = url.get_value()
            if not value:
                raise ValueError(f"environment variable {url.env_var_name} is not set")
            return value
        return url

    def _sa_url(self) -> URL:
        return make_url(self._resolved_url())

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            with self._engine_lock:
                if self._engine is None:
                    self._engine = self._create_engine()
        return self._engine

    def _create_engine(self) -> Engine:
        url = self._sa_url()
        if url.get_backend_name() != "sqlite":
            # NullPool: a nightly batch job needs no pool, and no connection is ever
            # shared between threads or forked processes.
            return sa.create_engine(url, poolclass=NullPool)

        database = url.database or ""
        in_memory = self._sqlite_in_memory(url)
        if not in_memory and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            url,
            poolclass=StaticPool if in_memory else NullPool,
            connect_args={"timeout": self.lock_timeout_seconds, "check_same_thread": False},
        )
        wal = self.sqlite_wal and not in_memory

        @sa.event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            # SQLAlchemy emits BEGIN itself (below); pysqlite must not (it would
            # commit before DDL and start transactions late). SQLAlchemy's documented
            # recipe for transactional DDL on SQLite.
            dbapi_connection.isolation_level = None
            if wal:
                dbapi_connection.execute("PRAGMA journal_mode=WAL")

        @sa.event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            if conn.get_execution_options().get("warehouse_write"):
                # Take the write lock now; waits up to `timeout` (busy handler).
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.exec_driver_sql("BEGIN")

        return engine

    @staticmethod
    def _sqlite_in_memory(url: URL) -> bool:
        return (url.database or "") in ("", ":memory:") or url.query.get("mode") == "memory"

    def _sqlite_bulk_path(self) -> tuple[ModuleType | None, str]:
        """(the ADBC SQLite DB-API module, or None for the SQLAlchemy paths; why)."""
        url = self._sa_url()
        if url.get_backend_name() != "sqlite":
            return None, ""
        if self.sqlite_bulk != "adbc":
            return None, "sqlite3"
        if self._sqlite_in_memory(url) or (url.database or "").startswith("file:"):
            return None, "sqlite3 (in-memory/URI database)"
        adbc = _adbc_sqlite_dbapi()
        if adbc is None:
            return None, "sqlite3 (adbc_driver_sqlite not installed)"
        return adbc, "ADBC"

    def _adbc_uri(self) -> str:
        """The file SQLAlchemy's sqlite3 connections open (the path as given, relative to
        the working directory, like sqlite3), as a URI the ADBC driver opens (it always
        parses its argument as a URI: ``?``, ``#`` and ``%`` are escaped)."""
        database = self._sa_url().database or ""
        path = Path(os.path.abspath(database))
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.as_uri()

    @contextlib.contextmanager
    def _adbc_transaction(self, adbc: ModuleType) -> Iterator[_AdbcSession]:
        """An ADBC connection inside ``BEGIN IMMEDIATE`` (waits up to the lock timeout for
        another writer), committed when the block ends, rolled back if it raises."""
        session = _AdbcSession(adbc, self._adbc_uri())
        try:
            session.execute(f"PRAGMA busy_timeout = {max(0, int(self.lock_timeout_seconds * 1000))}")
            if self.sqlite_wal:
                session.execute("PRAGMA journal_mode=WAL")
            # See _insert_sqlite: a page cache that holds a primary-key index.
            session.execute(f"PRAGMA cache_size = -{_SQLITE_WRITE_CACHE_KIB}")
            session.execute("BEGIN IMMEDIATE")
            try:
                yield session
                session.execute("COMMIT")
            except BaseException:
                session.rollback_quietly()
                raise
        finally:
            session.close()

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        self.dispose()

    # ------------------------------------------------------------ description

    def describe(self) -> str:
        """Where the tables are: the URL with any password masked."""
        return self._sa_url().render_as_string(hide_password=True)

    @property
    def dialect_name(self) -> str:
        return self._sa_url().get_backend_name()

    # ----------------------------------------------------------------- reading

    def table_names(self) -> list[str]:
        with self.engine.connect() as conn:
            return sorted(sa.inspect(conn).get_table_names())

    def read_table(self, name: str) -> pl.DataFrame:
        """A whole table as a polars frame (column order as stored; integers Int64,
        floats and decimals Float64, dates Date, timestamps Datetime('us'), text String)."""
        return self.read_tables([name])[name]

    def read_tables(self, names: Iterable[str] | None = None) -> dict[str, pl.DataFrame]:
        """Several tables (default: all) read as one consistent set: all of them from
        before or all from after any concurrent ``write_tables``.

        SQLite: one read transaction (one snapshot). PostgreSQL: one transaction that
        first takes ACCESS SHARE locks on all the tables (in name order, as the writer
        does), so no write can replace any of them until the read is done."""
        with self.engine.connect() as conn, conn.begin():
            wanted = sorted(set(names) if names is not None else sa.inspect(conn).get_table_names())
            if wanted and conn.dialect.name == "postgresql":
                quote = conn.dialect.identifier_preparer.quote_identifier
                conn.exec_driver_sql(
                    f"LOCK TABLE {', '.join(quote(n) for n in wanted)} IN ACCESS SHARE MODE"
                )
            return {name: self._read(conn, name) for name in wanted}

    @staticmethod
    def _read(conn: Connection, name: str) -> pl.DataFrame:
        table = sa.Table(name, sa.MetaData(), autoload_with=conn)
        # Quote every identifier: SQLAlchemy's reserved-word lists miss some (SQLite's
        # NOTHING, for one), and a column name must never be read as SQL.
        q = conn.dialect.identifier_preparer.quote_identifier
        query = sa.text(
            f"SELECT {', '.join(q(c.name) for c in table.columns)} FROM {q(name)}"
        ).columns(*(sa.column(c.name, c.type) for c in table.columns))
        rows = conn.execute(query).all()
        schema = {c.name: _polars_dtype_for(c.type) for c in table.columns}
        return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row", strict=False)

    # ----------------------------------------------------------------- writing

    def write_tables(
        self,
        tables: Mapping[str, pl.DataFrame],
        run_id: str | None = None,
        *,
        keys: Mapping[str, Sequence[str]] | None = None,
        indexes: Mapping[str, Sequence[Sequence[str]]] | None = None,
        key_fingerprint: str | None = None,
    ) -> dict[str, int]:
        """Replace all ``tables`` together, in one transaction; return rows per table.

        ``keys``: per table, the primary-key columns (checked for nulls and duplicates
        before anything is written). ``indexes``: per table, column lists to index.
        ``run_id`` and ``key_fingerprint`` (the pseudonymisation key's, never the key) are
        recorded in ``warehouse_loads``.
        """
        self._key_fingerprint = key_fingerprint
        keys = {t: list(cols) for t, cols in (keys or {}).items()}
        indexes = {t: [list(c) for c in cols] for t, cols in (indexes or {}).items()}
        frames = self._validate(tables, keys, indexes)
        if not frames:
            return {}

        log = dg.get_dagster_logger()
        progress = _WriteProgress()
        started = time.perf_counter()
        dialect = self.dialect_name
        adbc, via = self._sqlite_bulk_path()
        try:
            if adbc is not None:
                # BEGIN IMMEDIATE on the ADBC connection (waits for other writers).
                with self._adbc_transaction(adbc) as session:
                    self._write_all(session, frames, keys, indexes, run_id, progress)
            else:
                with self.engine.connect() as conn:
                    conn.execution_options(warehouse_write=True)
                    with conn.begin():  # SQLite: BEGIN IMMEDIATE (waits for other writers)
                        self._write_all(conn, frames, keys, indexes, run_id, progress)
        except sa.exc.OperationalError as exc:
            busy = self._busy_error(exc, dialect, progress.lock_held)
            if busy is not None:
                raise busy from exc
            raise
        counts, seconds = progress.counts, progress.seconds
        # One log line for the whole write (in a Dagster run every line is a stored event).
        slowest = sorted(seconds.items(), key=lambda item: -item[1])[:5]
        log.info(
            "warehouse %s: replaced %d tables (%d rows) in %.1fs%s; slowest: %s",
            self.describe(), len(counts), sum(counts.values()), time.perf_counter() - started,
            f" via {via}" if via else "",
            ", ".join(f"{name} {counts[name]} rows {t:.2f}s" for name, t in slowest),
        )
        return counts

    def _write_all(
        self,
        conn: Connection | _AdbcSession,
        frames: dict[str, pl.DataFrame],
        keys: dict[str, list[str]],
        indexes: dict[str, list[list[str]]],
        run_id: str | None,
        progress: _WriteProgress,
    ) -> None:
        """Everything ``write_tables`` does inside its transaction."""
        self._lock_for_write(conn)  # PostgreSQL: advisory lock
        progress.lock_held = True
        self._lock_tables(conn, list(frames))
        metadata = sa.MetaData()
        for name, df in frames.items():
            t0 = time.perf_counter()
            table = self._replace_table(conn, metadata, name, df, keys.get(name))
            progress.counts[name] = self._insert(conn, table, df)
            self._add_keys_and_indexes(conn, table, keys.get(name), indexes.get(name, []))
            progress.seconds[name] = time.perf_counter() - t0
        self._record_loads(conn, progress.counts, run_id)

    # --- steps of write_tables (small methods: tests may override them)

    def _validate(
        self,
        tables: Mapping[str, pl.DataFrame],
        keys: dict[str, list[str]],
        indexes: dict[str, list[list[str]]],
    ) -> dict[str, pl.DataFrame]:
        frames: dict[str, pl.DataFrame] = {}
        for name, df in tables.items():
            if not isinstance(name, str) or not name.strip() or "\x00" in name:
                raise ValueError(f"bad table name {name!r}")
            if len(name.encode()) > _MAX_IDENTIFIER_BYTES:
                raise ValueError(f"table name {name!r} is longer than 63 bytes")
            if name == LOADS_TABLE:
                raise ValueError(f"{LOADS_TABLE} is the warehouse's own bookkeeping table")
            if isinstance(df, pl.LazyFrame):
                df = df.collect()
            if not isinstance(df, pl.DataFrame):
                raise TypeError(f"table {name}: expected a polars DataFrame, got {type(df)}")
            if df.width == 0:
                raise ValueError(f"table {name}: a table needs at least one column")
            for column, dtype in df.schema.items():
                if len(column.encode()) > _MAX_IDENTIFIER_BYTES or not column:
                    raise ValueError(f"table {name}: bad column name {column!r}")
                try:
                    sqlalchemy_type_for(dtype)
                except TypeError as exc:
                    raise TypeError(f"table {name}, column {column}: {exc}") from None
            frames[name] = df

        for kind, spec in (("keys", {t: [c] for t, c in keys.items()}), ("indexes", indexes)):
            for name, column_lists in spec.items():
                if name not in frames:
                    raise ValueError(f"{kind} given for {name!r}, which is not being written")
                for columns in column_lists:
                    missing = [c for c in columns if c not in frames[name].columns]
                    if not columns or missing:
                        raise ValueError(f"{kind} of {name}: unknown columns {missing or columns}")
        for name, columns in keys.items():
            df = frames[name].select(columns)
            nulls = [c for c in columns if df[c].null_count()]
            if nulls:
                raise ValueError(f"primary key of {name}: nulls in {nulls}")
            if df.height and df.is_duplicated().any():
                dup = df.filter(df.is_duplicated()).head(3).rows()
                raise ValueError(f"primary key of {name} {columns}: duplicate values, e.g. {dup}")
        return frames

    def _lock_for_write(self, conn: Connection | _AdbcSession) -> None:
        """Serialise writers. SQLite: already done by BEGIN IMMEDIATE. PostgreSQL: a
        transaction-level advisory lock (released by commit/rollback, also when the
        connection dies); a second writer waits up to ``lock_timeout``."""
        if conn.dialect.name != "postgresql":
            return
        ms = max(1, int(self.lock_timeout_seconds * 1000))
        conn.execute(sa.text("SELECT set_config('lock_timeout', :t, true)"), {"t": f"{ms}ms"})
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": ADVISORY_LOCK_KEY})

    def _lock_tables(self, conn: Connection | _AdbcSession, names: list[str]) -> None:
        """PostgreSQL: ACCESS EXCLUSIVE locks on the existing target tables, all at once
        in name order -- the order ``read_tables`` locks in, so a consistent reader and
        the writer cannot deadlock. Waits for running readers up to ``lock_timeout``."""
        if conn.dialect.name != "postgresql":
            return
        existing = set(sa.inspect(conn).get_table_names())
        targets = sorted(n for n in {*names, LOADS_TABLE} if n in existing)
        if targets:
            quote = conn.dialect.identifier_preparer.quote_identifier
            conn.exec_driver_sql(
                f"LOCK TABLE {', '.join(quote(n) for n in targets)} IN ACCESS EXCLUSIVE MODE"
            )

    def _replace_table(
        self,
        conn: Connection | _AdbcSession,
        metadata: sa.MetaData,
        name: str,
        df: pl.DataFrame,
        key: list[str] | None,
    ) -> sa.Table:
        from leerwinkels.contract.ddl import sqlalchemy_table

        # SQLite cannot add a primary key later; PostgreSQL adds it after the load
        # (one index build instead of index maintenance for every row).
        table = sqlalchemy_table(
            name, metadata, {col: sqlalchemy_type_for(dtype) for col, dtype in df.schema.items()}, key or [],
            primary_key=conn.dialect.name != "postgresql",
        )
        # DDL constructs: both a SQLAlchemy Connection and an _AdbcSession execute them
        conn.execute(sa.schema.DropTable(table, if_exists=True))
        conn.execute(sa.schema.CreateTable(table))
        return table

    def _insert(self, conn: Connection | _AdbcSession, table: sa.Table, df: pl.DataFrame) -> int:
        """Load ``df`` into the freshly created ``table``; return the row count."""
        if df.height == 0:
            return 0
        if isinstance(conn, _AdbcSession):
            return self._insert_adbc(conn, table, df)
        if conn.dialect.name == "sqlite":
            return self._insert_sqlite(conn, table, df)
        if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
            return self._insert_copy(conn, table, df)
        return self._insert_generic(conn, table, df)

    def _insert_sqlite(self, conn: Connection, table: sa.Table, df: pl.DataFrame) -> int:
        quote = conn.dialect.identifier_preparer.quote_identifier
        sql = "INSERT INTO {} ({}) VALUES ({})".format(
            quote(table.name),
            ", ".join(quote(c) for c in df.columns),
            ", ".join("?" * df.width),
        )
        raw = conn.connection.driver_connection  # the sqlite3 connection, same transaction
        cursor = raw.cursor()
        try:
            # A page cache that holds a primary-key index of a few 100,000 rows: inserting
            # random keys (HMAC pseudonyms) into the default 2 MB cache costs ~2x the time.
            # Only this (short-lived, NullPool) connection's cache; the file is unchanged.
            cursor.execute(f"PRAGMA cache_size = -{_SQLITE_WRITE_CACHE_KIB}")
            cursor.executemany(sql, _frame_for_sqlite(df).iter_rows())
        except conn.dialect.loaded_dbapi.Error as exc:
            raise _wrap_dbapi_error(conn, sql, exc) from exc
        finally:
            cursor.close()
        return df.height

    def _insert_adbc(self, conn: _AdbcSession, table: sa.Table, df: pl.DataFrame) -> int:
        # The polars frame goes in through the Arrow C stream interface (no copy); the
        # driver binds each column's buffers to one prepared INSERT, row by row, in C.
        conn.ingest(table.name, _frame_for_adbc(df))
        return df.height

    def _insert_copy(self, conn: Connection, table: sa.Table, df: pl.DataFrame) -> int:
        from psycopg import sql

        statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(
            sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, df.columns))
        )
        prepared = _frame_for_copy(df)
        raw = conn.connection.driver_connection  # the psycopg connection, same transaction
        try:
            with raw.cursor() as cursor, cursor.copy(statement) as copy:
                for chunk in prepared.iter_slices(_COPY_CHUNK_ROWS):
                    buffer = io.BytesIO()
                    # non_numeric quoting: an empty string is "" (a value), a null is an
                    # empty field (NULL), and no data line can read as the \. end marker.
                    chunk.write_csv(buffer, include_header=False, quote_style="non_numeric")
                    copy.write(buffer.getbuffer())
        except conn.dialect.loaded_dbapi.Error as exc:
            raise _wrap_dbapi_error(conn, statement.as_string(raw), exc) from exc
        return df.height

    def _insert_generic(self, conn: Connection, table: sa.Table, df: pl.DataFrame) -> int:
        prepared = _plain_dtypes(df)
        for chunk in prepared.iter_slices(_GENERIC_CHUNK_ROWS):
            conn.execute(table.insert(), chunk.to_dicts())
        return df.height

    def _add_keys_and_indexes(
        self,
        conn: Connection | _AdbcSession,
        table: sa.Table,
        key: list[str] | None,
        indexes: Iterable[list[str]],
    ) -> None:
        if key and conn.dialect.name == "postgresql":
            pk = sa.PrimaryKeyConstraint(*key, name=f"{table.name}_pkey")
            table.append_constraint(pk)
            conn.execute(sa.schema.AddConstraint(pk))
        for i, columns in enumerate(indexes, start=1):
            index_name = f"ix_{table.name}_{i}"[:_MAX_IDENTIFIER_BYTES]
            conn.execute(sa.schema.CreateIndex(sa.Index(index_name, *(table.c[c] for c in columns))))

    def _record_loads(
        self, conn: Connection | _AdbcSession, counts: dict[str, int], run_id: str | None
    ) -> None:
        loads = sa.Table(
            LOADS_TABLE,
            sa.MetaData(),
            sa.Column("table_name", sa.Text(), primary_key=True),
            sa.Column("rows", sa.BigInteger(), nullable=False),
            sa.Column("run_id", sa.Text()),
            sa.Column("loaded_at", sa.DateTime(), nullable=False),
            sa.Column("key_fingerprint", sa.Text()),
        )
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        fingerprint = self._key_fingerprint
        conn.execute(sa.schema.CreateTable(loads, if_not_exists=True))
        self._add_fingerprint_column(conn)
        names = list(counts)
        if isinstance(conn, _AdbcSession):
            conn.execute(f"DELETE FROM {LOADS_TABLE} WHERE table_name IN ({', '.join('?' * len(names))})", names)
            rows = pl.DataFrame(
                {"table_name": names, "rows": [counts[t] for t in names], "run_id": [run_id] * len(names),
                 "loaded_at": [now] * len(names), "key_fingerprint": [fingerprint] * len(names)},
                schema={"table_name": pl.String, "rows": pl.Int64, "run_id": pl.String, "loaded_at": pl.Datetime("us"),
                        "key_fingerprint": pl.String},
            )
            self._insert_adbc(conn, loads, rows)
            return
        conn.execute(loads.delete().where(loads.c.table_name.in_(names)))
        conn.execute(
            loads.insert(),
            [{"table_name": t, "rows": counts[t], "run_id": run_id, "loaded_at": now, "key_fingerprint": fingerprint} for t in names],
        )

    @staticmethod
    def _add_fingerprint_column(conn: Connection | _AdbcSession) -> None:
        """A warehouse_loads made before fingerprints were recorded gets the column."""
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text(f"ALTER TABLE {LOADS_TABLE} ADD COLUMN IF NOT EXISTS key_fingerprint TEXT"))
            return
        pragma = f"PRAGMA table_info({LOADS_TABLE})"
        rows = conn.execute(pragma) if isinstance(conn, _AdbcSession) else conn.execute(sa.text(pragma)).fetchall()
        if "key_fingerprint" not in {row[1] for row in rows}:
            alter = f"ALTER TABLE {LOADS_TABLE} ADD COLUMN key_fingerprint TEXT"
            conn.execute(alter) if isinstance(conn, _AdbcSession) else conn.execute(sa.text(alter))

    def _busy_error(
        self, exc: sa.exc.OperationalError, dialect: str, lock_held: bool
    ) -> WarehouseBusy | None:
        where = self.describe()
        if dialect == "sqlite" and "database is locked" in str(exc.orig):
            if not lock_held:
                return WarehouseBusy(
                    f"warehouse {where} is busy: another consolidation is writing its tables "
                    f"(waited {self.lock_timeout_seconds:g}s for the write lock)"
                )
            return WarehouseBusy(
                f"warehouse {where}: could not commit within {self.lock_timeout_seconds:g}s, "
                "readers are holding the database"
            )
        if dialect == "postgresql" and getattr(exc.orig, "sqlstate", None) == _LOCK_NOT_AVAILABLE:
            if not lock_held:
                return WarehouseBusy(
                    f"warehouse {where} is busy: another consolidation is writing its tables "
                    f"(waited {self.lock_timeout_seconds:g}s for advisory lock {ADVISORY_LOCK_KEY})"
                )
            return WarehouseBusy(
                f"warehouse {where}: tables are in use by readers, could not replace them "
                f"within {self.lock_timeout_seconds:g}s"
            )
        return None
