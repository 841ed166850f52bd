"""deploy/dagster.yaml really puts Dagster's runs, event logs and schedules in PostgreSQL."""

import shutil
from pathlib import Path

import dagster as dg
import polars as pl
import pytest
import sqlalchemy as sa
from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage, PostgresScheduleStorage
from sqlalchemy.pool import NullPool

from leerwinkels.defs.resources.warehouse import Warehouse

DEPLOY_YAML = Path(__file__).resolve().parents[2] / "deploy" / "dagster.yaml"


@dg.asset
def numbers() -> pl.DataFrame:
    return pl.DataFrame({"leerwinkel": ["gent", "genk"], "n": [1, 2]})


@dg.asset
def published(context: dg.AssetExecutionContext, numbers: pl.DataFrame, warehouse: Warehouse) -> dg.MaterializeResult:
    counts = warehouse.write_tables({"smoke_numbers": numbers}, run_id=context.run.run_id)
    return dg.MaterializeResult(metadata={"rows": counts["smoke_numbers"], "warehouse": warehouse.describe()})


@pytest.fixture
def dagster_home(tmp_path: Path, pg_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    url = sa.make_url(pg_database_url)
    if not url.host:
        pytest.fail(f"the Dagster test needs a TCP host/port, got {url.render_as_string()}")
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(DEPLOY_YAML, home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("DAGSTER_PG_HOST", url.host)
    monkeypatch.setenv("DAGSTER_PG_PORT", str(url.port or 5432))
    monkeypatch.setenv("DAGSTER_PG_USER", url.username or "")
    monkeypatch.setenv("DAGSTER_PG_PASSWORD", url.password or "")
    monkeypatch.setenv("DAGSTER_PG_DB", url.database or "")
    return home


def test_runs_and_events_are_recorded_in_postgres(dagster_home: Path, pg_database_url: str) -> None:
    with dg.DagsterInstance.get() as instance:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
        assert isinstance(instance.schedule_storage, PostgresScheduleStorage)

        result = dg.materialize(
            [numbers, published],
            instance=instance,
            resources={"warehouse": Warehouse(url=pg_database_url)},
            tags={"leerwinkels/test": "instance-on-postgres"},
        )
        assert result.success
        run_id = result.run_id
        # Dagster reads its own records back from PostgreSQL too.
        assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.SUCCESS
        assert instance.get_latest_materialization_event(dg.AssetKey("published")) is not None

    # Now straight from PostgreSQL, without Dagster in between.
    engine = sa.create_engine(pg_database_url, poolclass=NullPool)
    with engine.connect() as conn:
        run = conn.execute(
            sa.text("SELECT status, pipeline_name FROM runs WHERE run_id = :r"), {"r": run_id}
        ).one()
        assert run.status == "SUCCESS"
        assert run.pipeline_name == "__ephemeral_asset_job__"
        tag = conn.execute(
            sa.text("SELECT value FROM run_tags WHERE run_id = :r AND key = 'leerwinkels/test'"),
            {"r": run_id},
        ).scalar_one()
        assert tag == "instance-on-postgres"

        events = dict(
            conn.execute(
                sa.text(
                    "SELECT dagster_event_type, count(*) FROM event_logs "
                    "WHERE run_id = :r AND dagster_event_type IS NOT NULL "
                    "GROUP BY dagster_event_type"
                ),
                {"r": run_id},
            ).all()
        )
        # Dagster stores RUN_START / RUN_SUCCESS under their legacy names.
        assert events["PIPELINE_START"] == 1
        assert events["PIPELINE_SUCCESS"] == 1
        assert events["STEP_SUCCESS"] == 2
        assert events["ASSET_MATERIALIZATION"] == 2
        materialized = {
            row[0]
            for row in conn.execute(
                sa.text(
                    "SELECT asset_key FROM event_logs "
                    "WHERE run_id = :r AND dagster_event_type = 'ASSET_MATERIALIZATION'"
                ),
                {"r": run_id},
            )
        }
        assert materialized == {'["numbers"]', '["published"]'}

        tables = set(sa.inspect(conn).get_table_names())
        # Schedule storage lives there too, plus the warehouse table the asset wrote.
        assert {"runs", "event_logs", "asset_keys", "jobs", "job_ticks", "instigators"} <= tables
        assert "smoke_numbers" in tables
    engine.dispose()
