"""Dagster's SQLite event log storage, with one engine per database file instead of one per
event.

The stock storage creates a SQLAlchemy engine, opens a new SQLite connection and commits
with a full sync for every event it stores (and again for the cross-run index): ~2,000
connections and ~15-25 ms each for one CLI consolidation, which made a recorded run take
several times as long as one in memory (bench/run.py, "runs recorded"; profile:
``SqliteEventLogStorage._connect``). Here each database file (a run's shard, the index) keeps
one engine with a small pool, and its connections use ``synchronous=NORMAL`` in the WAL mode
Dagster sets too (here before a new run's tables are created, not after): a commit no longer waits for the disk; SQLite stays consistent after a
crash, and at worst the last events before a power cut are lost (they describe a run, not
data). The files, tables and everything the UI and the daemon read are Dagster's own:
another process (``dagster dev``, the daemon) reads them with the stock storage as well.

Written by leerwinkels.run.instance into the dagster.yaml of an instance the CLI creates."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.sqlite import create_db_conn_string
from dagster._serdes import ConfigurableClassData
from sqlalchemy.engine import Connection

BUSY_TIMEOUT_SECONDS = 30  # as Dagster's storage: wait for another process's write


def _relaxed_sync(dbapi_connection: Any, _record: Any) -> None:
    """WAL first (Dagster sets it only after creating a new run's tables, so each of their
    ~30 CREATE statements waited for the disk: most of what a recorded run cost), then
    commits that do not wait for the disk."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage that reuses its engines (and connections) per shard."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        self._engines: dict[str, sa.Engine] = {}
        super().__init__(base_dir, inst_data=inst_data)

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData | None, config_value: Any) -> PooledSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> sa.Engine:
        engine = self._engines.get(shard)
        if engine is None:
            engine = sa.create_engine(
                create_db_conn_string(self._base_dir, shard),
                pool_size=1, max_overflow=4,
                connect_args={"timeout": BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
            )
            sa.event.listen(engine, "connect", _relaxed_sync)
            self._engines[shard] = engine
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def dispose(self) -> None:
        super().dispose()
        for engine in self._engines.values():
            engine.dispose()
        self._engines.clear()


__all__ = ["PooledSqliteEventLogStorage"]
