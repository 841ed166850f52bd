"""The SQLite warehouse: a file, written through the ADBC SQLite driver, read through SQLAlchemy.

**One insert path.** A write (PRAGMAs, ``BEGIN IMMEDIATE``, DROP/CREATE -- the DDL
SQLAlchemy compiles for SQLite, so tables are declared exactly as ``Table.create`` declares
them --, the rows, indexes, ``warehouse_loads``, ``COMMIT``) runs on one connection of the
ADBC SQLite driver (``adbc_driver_sqlite``, a locked dependency), whose Arrow-native bulk
ingest binds the columns in C: several times faster than ``sqlite3.executemany``, which
builds a Python object for every value. Values are stored as SQLAlchemy's SQLite types
store them (``types.frame_for_sqlite``), so reading back through SQLAlchemy returns
``date``/``datetime``. Driver errors are raised as SQLAlchemy ``DBAPIError`` subclasses
after the ADBC driver's classes ("database is locked" is an ``OperationalError``, a UNIQUE
violation an ``InternalError``).

**One SQLite library per file per process.** The ADBC driver links its *own* copy of the
SQLite library, separate from the one Python's ``sqlite3`` module (and so SQLAlchemy)
uses. SQLite serialises writers with POSIX advisory locks, which are per process: two
copies of the library in one process do not see each other's locks on the same file, and
closing one copy's file descriptor drops the locks the other holds ("multiple copies of
SQLite linked into the same application" is on SQLite's list of ways to corrupt a
database). Hence:

1. every statement of a write goes through the one ADBC connection, so writers -- in this
   process or any other -- always see each other's locks;
2. while a write runs, nothing else in the *same process* may have the file open through
   ``sqlite3``/SQLAlchemy. Other processes are fine, and so is reading before or after a
   write: the read engine does not pool connections (NullPool), so none stays open.
   Tests that read or lock the file *during* a write do it from a subprocess.

In-memory databases and ``file:`` URIs can be read but not written: the ADBC connection
cannot share SQLAlchemy's in-memory database.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import adbc_driver_sqlite.dbapi as adbc_sqlite
import polars as pl
import sqlalchemy as sa
from sqlalchemy.dialects import sqlite as sqlite_dialects
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.pool import NullPool, StaticPool

from leerwinkels.warehouse.types import frame_for_sqlite

#: SQLite page cache (KiB) of the writing connection: one that holds a primary-key index
#: of a few 100,000 rows. Inserting random keys (HMAC pseudonyms) into the default 2 MB
#: cache costs ~2x the time. Only this connection's cache; the file is unchanged.
_WRITE_CACHE_KIB = 65_536


def in_memory(url: URL) -> bool:
    return (url.database or "") in ("", ":memory:") or url.query.get("mode") == "memory"


def read_engine(url: URL, *, lock_timeout_seconds: float, wal: bool) -> Engine:
    """The SQLAlchemy engine reads (and tests) use: transactions begin with an explicit
    ``BEGIN`` (one snapshot for a set of reads), WAL mode when asked."""
    database = url.database or ""
    memory = in_memory(url)
    if not memory and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        url,
        poolclass=StaticPool if memory else NullPool,
        connect_args={"timeout": lock_timeout_seconds, "check_same_thread": False},
    )
    use_wal = wal and not memory

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # SQLAlchemy emits BEGIN itself (below); pysqlite must not (it would start
        # transactions late). SQLAlchemy's documented recipe for SQLite transactions.
        dbapi_connection.isolation_level = None
        if use_wal:
            dbapi_connection.execute("PRAGMA journal_mode=WAL")

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")

    return engine


def file_uri(url: URL) -> str:
    """The file SQLAlchemy's sqlite3 connections open (the path as given, relative to the
    working directory), as a URI the ADBC driver opens (it always parses its argument as a
    URI: ``?``, ``#`` and ``%`` are escaped)."""
    database = url.database or ""
    if in_memory(url) or database.startswith("file:"):
        raise ValueError(
            f"the SQLite warehouse must be a file path (sqlite:///path/to/file.sqlite), not {database or 'in-memory'!r}"
        )
    path = Path(os.path.abspath(database))
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.as_uri()


class SqliteSession:
    """The ADBC SQLite connection of one write (a ``WriteSession``)."""

    def __init__(self, uri: str) -> None:
        self.dialect: sa.Dialect = sqlite_dialects.dialect()
        self.info: dict[str, Any] = {}
        try:
            # autocommit: the driver issues no BEGIN of its own; sqlite_write_session does.
            self._connection = adbc_sqlite.connect(uri, autocommit=True)
        except adbc_sqlite.Error as exc:
            raise self._wrap(None, exc) from exc
        self._cursor = self._connection.cursor()

    def execute(self, statement: sa.Executable) -> list[tuple[Any, ...]]:
        assert isinstance(statement, sa.sql.ClauseElement), statement
        sql = str(statement.compile(dialect=self.dialect, compile_kwargs={"literal_binds": True}))
        return self.execute_sql(sql)

    def execute_sql(self, sql: str) -> list[tuple[Any, ...]]:
        try:
            self._cursor.execute(sql)
            return list(self._cursor.fetchall()) if self._cursor.description else []
        except adbc_sqlite.Error as exc:
            raise self._wrap(sql, exc) from exc

    def ingest(self, table: sa.Table, frame: pl.DataFrame) -> int:
        # The polars frame goes in through the Arrow C stream interface (no copy); the
        # driver binds each column's buffers to one prepared INSERT, row by row, in C.
        try:
            self._cursor.adbc_ingest(table.name, frame_for_sqlite(frame), mode="append")
        except adbc_sqlite.Error as exc:
            raise self._wrap(f"INSERT INTO {table.name} (ADBC bulk ingest)", exc) from exc
        return frame.height

    def rollback_quietly(self) -> None:
        # Best effort: closing the connection rolls back whatever is still open anyway.
        with contextlib.suppress(Exception):
            self._cursor.execute("ROLLBACK")

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._cursor.close()
        self._connection.close()

    def _wrap(self, statement: str | None, exc: Exception) -> sa.exc.StatementError:
        return sa.exc.DBAPIError.instance(statement, None, exc, adbc_sqlite.Error, dialect=self.dialect)


@contextlib.contextmanager
def sqlite_write_session(url: URL, *, lock_timeout_seconds: float, wal: bool) -> Iterator[SqliteSession]:
    """An ADBC connection inside ``BEGIN IMMEDIATE`` (waits up to the lock timeout for
    another writer), committed when the block ends, rolled back if it raises."""
    session = SqliteSession(file_uri(url))
    try:
        session.execute_sql(f"PRAGMA busy_timeout = {max(0, int(lock_timeout_seconds * 1000))}")
        if wal:
            session.execute_sql("PRAGMA journal_mode=WAL")
        session.execute_sql(f"PRAGMA cache_size = -{_WRITE_CACHE_KIB}")
        session.execute_sql("BEGIN IMMEDIATE")
        try:
            yield session
            session.execute_sql("COMMIT")
        except BaseException:
            session.rollback_quietly()
            raise
    finally:
        session.close()
