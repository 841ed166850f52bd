"""A NUL in a CSV cell and ``_x0000_`` in a workbook load into PostgreSQL (which refuses a
NUL in text): removed at read, counted in dq_source_files.control_chars_removed."""

from __future__ import annotations

from tests.factories import consolidate_control_chars


def test_nul_and_x0000_load_into_postgres(tmp_path, pg_database_url):
    tables = consolidate_control_chars(tmp_path, pg_database_url)
    assert tables["trajectories"].height > 0
