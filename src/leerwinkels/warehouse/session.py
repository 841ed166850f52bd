"""What the release steps need from a backend: one write transaction on one connection.

Each backend has one writer that implements ``WriteSession`` (``sqlite.SqliteSession``,
``postgres.PostgresSession``): it runs SQLAlchemy statements (DDL constructs and ``text``
without parameters, compiled for its dialect) and bulk-loads a frame into a table, its
one insert path. ``info`` is a dict for the steps (and tests) to keep notes in.
"""

from __future__ import annotations

from typing import Any, Protocol

import polars as pl
import sqlalchemy as sa


class WriteSession(Protocol):
    """One connection inside one write transaction."""

    dialect: sa.Dialect
    info: dict[str, Any]

    def execute(self, statement: sa.Executable) -> list[tuple[Any, ...]]:
        """Run one statement; return its rows (none for DDL)."""
        ...

    def ingest(self, table: sa.Table, frame: pl.DataFrame) -> int:
        """Append ``frame`` (columns named as the table's) to ``table``; return the rows."""
        ...
