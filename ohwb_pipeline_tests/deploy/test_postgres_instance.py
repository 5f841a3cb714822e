"""The production instance (deploy/dagster.yaml) in PostgreSQL: `pytest -k postgres` runs these alone.

The main test starts a throwaway PostgreSQL server (postgres_server.py), copies the documented
dagster.yaml into a new DAGSTER_HOME unchanged, runs a month of `absence_monthly` as an operator would
(`dagster job execute`), and reads back from PostgreSQL itself that the run, its events and the
schedule storage are there, and that nothing went to SQLite.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from sqlalchemy.engine import make_url

from ohwb_pipeline_tests.conftest import synth_into
from ohwb_pipeline_tests.deploy.postgres_server import throwaway_postgres

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
MONTH = "2024-03"


def test_the_postgres_instance_file_is_valid_and_names_the_psycopg2_driver(tmp_path, monkeypatch):
    from dagster._core.instance.config import dagster_instance_config

    config = yaml.safe_load((DEPLOY / "dagster.yaml").read_text())
    db = config["storage"]["postgres"]["postgres_db"]
    # Why the scheme line is there: SQLAlchemy 2.1 maps a bare postgresql:// to psycopg 3, which
    # dagster-postgres does not install; it installs psycopg2.
    assert make_url("postgresql://u@h/d").get_dialect().driver == "psycopg"
    assert db["scheme"] == "postgresql+psycopg2"
    assert make_url(f"{db['scheme']}://u@h/d").get_dialect().driver == "psycopg2"
    assert all("env" in db[key] for key in ("hostname", "port", "username", "password", "db_name"))
    for name in ("DAGSTER_PG_HOST", "DAGSTER_PG_USERNAME", "DAGSTER_PG_PASSWORD", "DAGSTER_PG_DB"):
        monkeypatch.setenv(name, "x")
    monkeypatch.setenv("DAGSTER_PG_PORT", "5432")
    shutil.copy(DEPLOY / "dagster.yaml", tmp_path / "dagster.yaml")
    validated, _ = dagster_instance_config(str(tmp_path))  # Dagster's own schema: raises on a wrong key
    assert validated["run_coordinator"]["class"] == "QueuedRunCoordinator"
    assert validated["concurrency"]["pools"]["default_limit"] == 1
    assert validated["concurrency"]["runs"]["max_concurrent_runs"] >= 1


def test_a_month_runs_with_the_instance_in_postgres(tmp_path, monkeypatch):
    import dagster as dg
    from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage, PostgresScheduleStorage

    data, home = tmp_path / "data", tmp_path / "dagster_home"
    synth_into(data, orgs=["RJ1", "RN7"], first_month=MONTH, last_month=MONTH, size_factor=0.02)
    home.mkdir()
    shutil.copy(DEPLOY / "dagster.yaml", home / "dagster.yaml")  # the documented file, unchanged

    with throwaway_postgres() as server:
        for name, value in server.env.items():
            monkeypatch.setenv(name, value)
        env = {**os.environ, "OHWB_DATA_DIR": str(data), "DAGSTER_HOME": str(home)}
        tags = json.dumps({"dagster/partition": f"{MONTH}-01"})
        done = subprocess.run(
            [sys.executable, "-m", "dagster", "job", "execute", "-m", "ohwb_pipeline.definitions",
             "-j", "absence_monthly", "--tags", tags],
            env=env, cwd=REPO, capture_output=True, text=True,
        )  # fmt: skip
        assert done.returncode == 0, f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        assert (data / f"published/ics_indicators/period={MONTH}/part-0.parquet").exists()

        # Through Dagster: the instance from DAGSTER_HOME is Postgres-backed and has the run.
        with dg.DagsterInstance.from_config(str(home)) as instance:
            assert isinstance(instance.run_storage, PostgresRunStorage)
            assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
            assert isinstance(instance.schedule_storage, PostgresScheduleStorage)
            runs = instance.get_runs()
            assert [(r.job_name, r.status, r.tags.get("dagster/partition")) for r in runs] == [
                ("absence_monthly", dg.DagsterRunStatus.SUCCESS, f"{MONTH}-01")
            ]
            run_id = runs[0].run_id

        # In PostgreSQL itself: the run row, its events, and the schedule storage's tables.
        with server.connect() as con, con.cursor() as cursor:
            cursor.execute("SELECT run_id, status FROM runs")
            assert cursor.fetchall() == [(run_id, "SUCCESS")]
            cursor.execute(
                "SELECT dagster_event_type, count(*) FROM event_logs WHERE run_id = %s "
                "GROUP BY dagster_event_type",
                (run_id,),
            )
            events = dict(cursor.fetchall())
            cursor.execute(
                "SELECT count(DISTINCT asset_key) FROM event_logs "
                "WHERE run_id = %s AND dagster_event_type = 'ASSET_MATERIALIZATION'",
                (run_id,),
            )
            assets = cursor.fetchone()[0]
            cursor.execute("SELECT count(*) FROM asset_check_executions WHERE run_id = %s", (run_id,))
            checks = cursor.fetchone()[0]
            cursor.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
                "AND table_name IN ('instigators', 'jobs', 'job_ticks', 'concurrency_limits')"
            )
            tables = {row[0] for row in cursor.fetchall()}
        # (The event log stores RUN_SUCCESS under its old name, PIPELINE_SUCCESS.)
        assert events[dg.DagsterEventType.RUN_SUCCESS.value] == 1, events
        assert events["ASSET_MATERIALIZATION"] >= 10 and assets >= 10, (events, assets)
        assert events["ASSET_CHECK_EVALUATION"] >= 1 and checks >= events["ASSET_CHECK_EVALUATION"]
        assert tables == {"instigators", "jobs", "job_ticks", "concurrency_limits"}
    # The instance wrote no SQLite storage of its own under DAGSTER_HOME.
    assert not [p for p in home.rglob("*") if p.suffix == ".db"], sorted(home.rglob("*"))


def test_the_postgres_deployment_files_are_documented():
    operations = (REPO / "docs" / "operations.md").read_text()
    assert "deploy/dagster.yaml" in operations and "deploy/workspace.yaml" in operations
    assert "postgresql+psycopg2" in operations


def test_runs_that_write_the_same_domain_are_queued_one_at_a_time():
    from ohwb_pipeline.definitions import defs

    config = yaml.safe_load((REPO / "deploy" / "dagster.yaml").read_text())
    limits = (
        config["run_coordinator"].get("config", {}).get("tag_concurrency_limits")
        or config["concurrency"]["runs"]["tag_concurrency_limits"]
    )
    [writes] = [limit for limit in limits if limit["key"] == "ohwb/writes"]
    assert writes == {"key": "ohwb/writes", "value": {"applyLimitPerUniqueValue": True}, "limit": 1}
    for job, domain in (("absence_monthly", "absence"), ("survey_yearly", "survey")):
        assert defs.resolve_job_def(job).tags["ohwb/writes"] == domain
