"""The PostgreSQL warehouse: written through psycopg 3 on SQLAlchemy's connection.

**One insert path**: ``COPY ... FROM STDIN (FORMAT csv)`` fed with CSV that polars writes
in chunks, on the connection and transaction SQLAlchemy holds. Writers are serialised by
a transaction-level advisory lock (released by commit or rollback, also when the
connection dies); the tables being replaced are locked ACCESS EXCLUSIVE, in name order --
the order ``read.read_tables`` takes its ACCESS SHARE locks in, so a consistent reader and
the writer cannot deadlock.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from leerwinkels.warehouse.lock import ADVISORY_LOCK_KEY
from leerwinkels.warehouse.types import frame_for_copy

#: Rows per chunk handed to COPY (CSV text is built per chunk, bounding memory).
_COPY_CHUNK_ROWS = 50_000


class PostgresSession:
    """SQLAlchemy's psycopg connection inside one write transaction (a ``WriteSession``)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.dialect: sa.Dialect = connection.dialect
        self.info: dict[str, Any] = connection.info

    def execute(self, statement: sa.Executable) -> list[tuple[Any, ...]]:
        result = self.connection.execute(statement)
        return [tuple(row) for row in result] if result.returns_rows else []

    def ingest(self, table: sa.Table, frame: pl.DataFrame) -> int:
        from psycopg import sql  # here, not at import: a SQLite run never loads psycopg (0.04 s of start-up)

        statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(
            sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, frame.columns))
        )
        prepared = frame_for_copy(frame)
        raw = self.connection.connection.driver_connection  # the psycopg connection, same transaction
        assert raw is not None, "the connection is open for the whole write"
        try:
            with raw.cursor() as cursor, cursor.copy(statement) as copy:
                for chunk in prepared.iter_slices(_COPY_CHUNK_ROWS):
                    buffer = io.BytesIO()
                    # non_numeric quoting: an empty string is "" (a value), a null is an
                    # empty field (NULL), and no data line can read as the \. end marker.
                    chunk.write_csv(buffer, include_header=False, quote_style="non_numeric")
                    copy.write(buffer.getbuffer())
        except self.dialect.loaded_dbapi.Error as exc:
            raise sa.exc.DBAPIError.instance(
                statement.as_string(raw), None, exc, self.dialect.loaded_dbapi.Error, dialect=self.dialect
            ) from exc
        return frame.height


@contextlib.contextmanager
def postgres_write_session(engine: Engine) -> Iterator[PostgresSession]:
    """A connection in one transaction, committed when the block ends, rolled back if it raises."""
    if engine.dialect.driver != "psycopg":
        raise ValueError(
            f"the PostgreSQL warehouse is written with psycopg 3 (postgresql+psycopg://...), not {engine.dialect.driver}"
        )
    with engine.connect() as conn, conn.begin():
        yield PostgresSession(conn)


def take_write_lock(session: PostgresSession, lock_timeout_seconds: float) -> None:
    """The transaction-level advisory lock of writers; waits up to ``lock_timeout_seconds``."""
    ms = max(1, int(lock_timeout_seconds * 1000))
    session.connection.execute(sa.text("SELECT set_config('lock_timeout', :t, true)"), {"t": f"{ms}ms"})
    session.connection.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": ADVISORY_LOCK_KEY})


def lock_tables(session: PostgresSession, names: list[str]) -> None:
    """ACCESS EXCLUSIVE locks on the existing ``names``, all at once in name order; waits
    for running readers up to the lock timeout."""
    existing = set(sa.inspect(session.connection).get_table_names())
    targets = sorted(n for n in names if n in existing)
    if targets:
        quote = session.dialect.identifier_preparer.quote_identifier
        session.connection.exec_driver_sql(
            f"LOCK TABLE {', '.join(quote(n) for n in targets)} IN ACCESS EXCLUSIVE MODE"
        )
